"""Consent where it is the legal basis (email identification, objections), and the notices that go with it."""
from __future__ import annotations

import re
from datetime import date

import sqlalchemy as sa

from dvkheo.accounts.models import Role
from dvkheo.campaigns.models import ReferenceKind, VoterVerification
from dvkheo.core.notifications import OutboxMessage
from dvkheo.extensions import db
from dvkheo.nominations.models import Nomination
from dvkheo.nominations.states import NominationState
from dvkheo.privacy.notices import CONSENT_REQUIRED, NOMINEE_CONSENT_REQUIRED, NOTICE_VERSION
from dvkheo.voting.models import EmailCode, Objection, Voter, VoterListEntry
from tests.conftest import PDF_BYTES, PNG_BYTES, reference_item

EMAIL = "Nguyen.Thi.Lan@Example.vn"


def identify(client, campaign, **data):
    return client.post(f"/binh-chon/dot/{campaign.id}/xac-thuc", data={"email": EMAIL, "website": "", **data})


def test_identify_page_shows_the_notice_with_the_campaigns_retention(client, voting_campaign):
    voting_campaign.voter_data_retention_days = 45
    db.session.commit()
    html = client.get(f"/binh-chon/dot/{voting_campaign.id}/xac-thuc").get_data(as_text=True)
    assert "Thông báo về xử lý dữ liệu cá nhân" in html
    assert "Đến hết 45 ngày sau khi công bố kết quả khen thưởng" in html
    assert "Luật Bảo vệ dữ liệu cá nhân số 91/2025/QH15" in html
    assert 'href="/quyen-rieng-tu"' in html and 'name="consent"' in html


def test_email_without_consent_is_refused_and_keeps_the_address(client, voting_campaign):
    response = identify(client, voting_campaign)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert CONSENT_REQUIRED in html
    assert f'value="{EMAIL}"' in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EmailCode)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


def test_consent_is_carried_from_the_code_to_the_voter(client, voting_campaign):
    response = identify(client, voting_campaign, consent="y")
    assert response.status_code == 303
    code_row = db.session.scalars(sa.select(EmailCode)).one()
    assert code_row.consent_at is not None and code_row.consent_notice == NOTICE_VERSION
    body = db.session.scalars(sa.select(OutboxMessage.body)).one()
    code = re.search(r"\b(\d{6})\b", body).group(1)
    assert client.post(f"/binh-chon/dot/{voting_campaign.id}/nhap-ma", data={"code": code, "website": ""}).status_code == 303
    voter = db.session.scalars(sa.select(Voter)).one()
    assert voter.consent_notice == NOTICE_VERSION and voter.consent_at is not None


def test_voter_list_identification_shows_its_notice_without_consent_box(client, voting_campaign):
    voting_campaign.voter_verification = VoterVerification.VOTER_LIST
    db.session.commit()
    html = client.get(f"/binh-chon/dot/{voting_campaign.id}/xac-thuc").get_data(as_text=True)
    assert "Đối chiếu với danh sách cử tri của địa phương" in html
    assert "nhiệm vụ tổ chức lấy ý kiến Nhân dân" in html
    assert 'name="consent"' not in html


def objection(client, nominee, **overrides):
    data = {"pa-author_name": "Lê Thị Phản Ánh", "pa-author_contact": "0905 123 456",
            "pa-content": "Con đường chưa hoàn thành như báo cáo nêu.", **overrides}
    return client.post(f"/binh-chon/ho-so/{nominee.id}/phan-anh", data=data)


def test_objection_without_consent_is_refused_and_keeps_what_was_typed(client, make_nominee):
    nominee = make_nominee()
    response = objection(client, nominee)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert CONSENT_REQUIRED in html
    assert 'value="Lê Thị Phản Ánh"' in html and "Con đường chưa hoàn thành như báo cáo nêu." in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Objection)) == 0


def test_objection_with_consent_records_time_and_notice(client, make_nominee):
    nominee = make_nominee()
    page = client.get(f"/binh-chon/ho-so/{nominee.id}").get_data(as_text=True)
    assert "Tiếp nhận, xác minh và trả lời phản ánh, góp ý" in page and "Đến hết 180 ngày" in page
    assert objection(client, nominee, **{"pa-consent": "y"}).status_code == 302
    item = db.session.scalars(sa.select(Objection)).one()
    assert item.consent_notice == NOTICE_VERSION and item.consent_at is not None


# --- individual nominees: the unit confirms the person agreed -----------------------------------


def individual_form(campaign) -> dict:
    return {
        "title": "Nữ cán bộ dân vận khéo vận động hiến đất",
        "nominee_name": "Trần Thị Hạnh",
        "individual_category_id": str(reference_item(ReferenceKind.INDIVIDUAL_CATEGORY).id),
        "nominee_position": "Chủ tịch Hội Phụ nữ xã",
        "nominee_birth_year": "1980",
        "field_id": str(campaign.allowed_fields[0].id),
        "locality": "Thôn Trường Thọ", "started_on": "15/03/2024", "duration": "2 năm",
        "situation": "Đường đất hẹp.", "method": "Gương mẫu hiến đất trước.",
        "participation": "Dân bàn, dân làm.", "results": "Mở rộng 2,5 km đường.",
        "review_held_on": "20/09/2026", "review_attendees": "60", "review_votes_cast": "58", "review_votes_for": "55",
        "submit_dossier": "Nộp hồ sơ",
    }


def _files(campaign) -> dict:
    import io

    return {
        f"evidence_criterion_{campaign.criteria[0].id}": (io.BytesIO(PNG_BYTES), "Ảnh.png"),
        "review_minutes": (io.BytesIO(PDF_BYTES), "Biên bản.pdf"),
    }


def test_individual_nomination_needs_the_nominees_agreement(client, login_as, make_unit, province, make_campaign):
    campaign = make_campaign()
    login_as(Role.UNIT_SUBMITTER, make_unit("Xã Tịnh Ấn Tây", parent=province))
    url = f"/nominations/new/{campaign.id}/individual"
    page = client.get(url).get_data(as_text=True)
    assert "Thông tin cá nhân của người được đề nghị" in page and 'name="nominee_consent"' in page

    response = client.post(url, data=individual_form(campaign) | _files(campaign), content_type="multipart/form-data")
    assert response.status_code == 422
    assert NOMINEE_CONSENT_REQUIRED in response.get_data(as_text=True)
    nomination = db.session.scalars(sa.select(Nomination)).one()
    assert nomination.status is NominationState.DRAFT and nomination.nominee_consent_at is None

    data = individual_form(campaign) | {"nominee_consent": "y"}
    response = client.post(f"/nominations/{nomination.id}/edit", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    db.session.refresh(nomination)
    assert nomination.status is NominationState.SUBMITTED
    assert nomination.nominee_consent_notice == NOTICE_VERSION and nomination.nominee_consent_at is not None


def test_collective_form_has_no_nominee_consent(client, login_as, make_unit, province, make_campaign):
    campaign = make_campaign()
    login_as(Role.UNIT_SUBMITTER, make_unit(parent=province))
    page = client.get(f"/nominations/new/{campaign.id}/collective").get_data(as_text=True)
    assert 'name="nominee_consent"' not in page


def test_staff_pages_show_their_notices(client, login_as, voting_campaign, make_unit):
    login_as(Role.SECRETARY, voting_campaign.organising_unit)
    html = client.get(f"/binh-chon/dot/{voting_campaign.id}/danh-sach-cu-tri").get_data(as_text=True)
    assert "Dữ liệu cá nhân trong danh sách cử tri" in html
    client.post("/logout")
    commune = make_unit(parent=voting_campaign.organising_unit)
    db.session.add(VoterListEntry(
        campaign_id=voting_campaign.id, id_number_hash="ab" * 32, full_name="Trần Văn Bảy", name_key="tran van bay",
        birth_date=date(1950, 1, 2), unit_id=commune.id,
    ))
    db.session.commit()
    login_as(Role.UNIT_SUBMITTER, commune)
    html = client.get(f"/binh-chon/dot/{voting_campaign.id}/ho-tro").get_data(as_text=True)
    assert "Đọc cho người dân trước khi ghi nhận" in html


def test_privacy_page_is_public_and_lists_rights(client):
    html = client.get("/quyen-rieng-tu").get_data(as_text=True)
    assert "Chính sách bảo vệ dữ liệu cá nhân" in html
    for right in ("rút lại sự đồng ý", "Xem, nhận bản sao", "chỉnh sửa", "xóa dữ liệu"):
        assert right in html
    assert 'href="/quyen-rieng-tu/yeu-cau"' in html


def test_policy_says_truthfully_that_technical_logs_keep_ip_addresses_90_days(client):
    """The access log and the security log do record IP addresses: the page must not promise otherwise."""
    text = " ".join(client.get("/quyen-rieng-tu").get_data(as_text=True).split())
    assert "không lưu địa chỉ IP" not in text
    assert "ghi địa chỉ IP để bảo đảm an ninh và khắc phục sự cố" in text
    assert "không gắn với phiếu bình chọn hay lựa chọn của ai và chỉ được giữ 90 ngày" in text
