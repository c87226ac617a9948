"""End to end in a real browser, the public stage: a citizen identifies with an email code, votes for
two nominees, sees the receipts and checks one on the public page; a commune official records an
assisted vote for a person on the local voter list."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from dvkheo.accounts.models import Role
from dvkheo.campaigns.models import CampaignStatus, VoterVerification
from dvkheo.core.notifications import OutboxMessage
from dvkheo.core.text import fold
from dvkheo.core.timeutil import today_in_vietnam, utcnow
from dvkheo.extensions import db
from dvkheo.nominations.states import NominationState
from dvkheo.voting import ledger
from dvkheo.voting.models import Vote, VoteChannel, VoterListEntry
from tests.conftest import PASSWORD

TITLES = [
    "Hiến đất mở rộng đường thôn Mỹ Lai",
    "Đổi rác thải nhựa lấy cây xanh ở khu phố 3",
    "Tổ liên gia tự quản “ba không” ở xóm biển",
]
ID_NUMBER = "051190001234"


@pytest.fixture
def public_campaign(make_campaign, make_unit, make_user, make_nomination):
    today = today_in_vietnam()
    campaign = make_campaign(
        status=CampaignStatus.PUBLIC_VOTING, votes_per_voter=2,
        nominations_open_on=today - timedelta(days=60), nominations_close_on=today - timedelta(days=30),
        public_voting_open_on=today - timedelta(days=1), public_voting_close_on=today + timedelta(days=7),
    )
    commune = make_unit("Xã Tịnh Khê", parent=campaign.organising_unit)
    nominees = [
        make_nomination(
            unit=make_unit(f"Xã Bình Chọn {number}", parent=campaign.organising_unit), campaign=campaign,
            status=NominationState.SHORTLISTED, title=title, nominee_name=f"Tập thể số {number}", submitted_at=utcnow(),
        )
        for number, title in enumerate(TITLES, start=1)
    ]
    official = make_user(Role.UNIT_SUBMITTER, commune, full_name="Nguyễn Thị Lan")
    from dvkheo.voting.identity import id_number_hash

    db.session.add(VoterListEntry(
        campaign_id=campaign.id, id_number_hash=id_number_hash(ID_NUMBER), full_name="Trần Văn Bảy",
        name_key=fold("Trần Văn Bảy"), birth_date=date(1950, 3, 2), locality="Thôn Mỹ Lai", unit_id=commune.id,
    ))
    db.session.commit()
    return {"campaign": campaign, "nominees": nominees, "official": official}


def test_citizen_votes_with_an_email_code_and_an_official_records_an_assisted_vote(page: Page, public_campaign, artifacts_dir, backend):
    campaign, nominees = public_campaign["campaign"], public_campaign["nominees"]

    # The public gallery, no login.
    page.goto(f"/binh-chon/dot/{campaign.id}")
    for title in TITLES:
        expect(page.locator("body")).to_contain_text(title)
    page.screenshot(path=str(artifacts_dir / f"voting-gallery-{backend}.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(artifacts_dir / f"voting-gallery-phone-{backend}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})

    # Identification by a one-time code sent by email (the development outbox holds it).
    page.goto(f"/binh-chon/dot/{campaign.id}/xac-thuc")
    page.locator('input[name="email"]').fill("cu.tri@example.vn")
    page.locator('input[name="consent"]').check()
    page.get_by_role("button", name="Gửi mã xác thực").click()
    db.session.expire_all()
    body = db.session.scalars(sa.select(OutboxMessage.body).order_by(OutboxMessage.id.desc())).first()
    code = re.search(r"\b(\d{6})\b", body).group(1)
    page.locator('input[name="code"]').fill(code)
    page.get_by_role("button", name="Xác thực").click()
    expect(page).to_have_url(re.compile(rf"/binh-chon/dot/{campaign.id}/phieu$"))

    # Two votes; each gives a receipt listed on the ballot.
    for title in TITLES[:2]:
        page.get_by_role("button", name=f"Bình chọn cho {title}").click()
        expect(page.locator(".flash-success").first).to_contain_text("Mã xác nhận bình chọn")
    receipts = page.locator("table.receipts code")
    expect(receipts).to_have_count(2)
    page.screenshot(path=str(artifacts_dir / f"voting-ballot-{backend}.png"), full_page=True)
    first_receipt = receipts.first.inner_text().strip()
    assert re.fullmatch(r"BC-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", first_receipt)

    # Anyone can check a receipt on the public results page.
    page.context.clear_cookies()
    page.goto(f"/binh-chon/dot/{campaign.id}/ket-qua")
    page.locator('input[name="ma"]').fill(first_receipt)
    page.get_by_role("button", name="Tra cứu").click()
    expect(page.locator("body")).to_contain_text("đã được ghi nhận")
    page.screenshot(path=str(artifacts_dir / f"voting-receipt-{backend}.png"), full_page=True)

    # A commune official records an assisted vote for a person found on the local list. Only a
    # campaign that matches online voters on the same list takes assisted votes (one person, one
    # channel): the campaign switches to the list here, the email voter's votes stay.
    campaign.voter_verification = VoterVerification.VOTER_LIST
    db.session.commit()
    official = public_campaign["official"]
    page.goto("/login")
    page.locator("input[name=email]").fill(official.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.goto(f"/binh-chon/dot/{campaign.id}/ho-tro")
    page.locator('input[name="id_number"]').fill(ID_NUMBER)
    page.get_by_role("button", name="Tìm").click()
    page.locator("tr", has_text="Trần Văn Bảy").get_by_role("link", name="Chọn").click()
    page.get_by_label(re.compile(re.escape(TITLES[2]))).check()
    page.get_by_role("button", name="Ghi nhận bình chọn").click()
    expect(page.locator("body")).to_contain_text("BC-")
    page.screenshot(path=str(artifacts_dir / f"voting-assisted-{backend}.png"), full_page=True)

    db.session.expire_all()
    channels = dict(db.session.execute(sa.select(Vote.nomination_id, Vote.channel)).tuples().all())
    assert channels == {nominees[0].id: VoteChannel.ONLINE, nominees[1].id: VoteChannel.ONLINE, nominees[2].id: VoteChannel.ASSISTED}
    assert ledger.verify(campaign.id).ok
