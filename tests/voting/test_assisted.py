"""Assisted voting at the commune office: finding a person of one's own commune on the local list,
recording their votes in one transaction, the receipt slip, the one-channel rule both ways, and
who may open the pages."""
from __future__ import annotations

import itertools
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from dvkheo.accounts.models import Role
from dvkheo.campaigns.models import VoterVerification
from dvkheo.core.audit import AuditEvent
from dvkheo.core.timeutil import today_in_vietnam
from dvkheo.extensions import db
from dvkheo.voting import identity, ledger
from dvkheo.voting.models import Vote, VoteChannel, Voter, VoterListEntry

RECEIPT = re.compile(r"BC-[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}")
_numbers = itertools.count(1)


def add_entry(campaign, unit, full_name="Nguyễn Văn An", born=date(1980, 10, 5), number=None) -> tuple[VoterListEntry, str]:
    number = number or f"0510{next(_numbers):08d}"
    entry = VoterListEntry(
        campaign_id=campaign.id, id_number_hash=identity.id_number_hash(number), full_name=full_name,
        name_key=identity.name_key(full_name), birth_date=born, locality=unit.name if unit else "", unit_id=getattr(unit, "id", None),
    )
    db.session.add(entry)
    db.session.commit()
    return entry, number


@pytest.fixture
def communes(make_unit, province):
    return make_unit("Xã Phú Lộc", parent=province, code="X-PL"), make_unit("Xã Phú Thọ", parent=province, code="X-PT")


@pytest.fixture
def person(voting_campaign, communes):
    """A person on the list of a campaign that identifies online voters on the same list (the only
    kind where assisted voting is taken: issue 14, item 6)."""
    voting_campaign.voter_verification = VoterVerification.VOTER_LIST
    db.session.commit()
    return add_entry(voting_campaign, communes[0])


@pytest.fixture
def official(login_as, communes):
    return login_as(Role.UNIT_SUBMITTER, communes[0])


def assisted_url(campaign, entry=None) -> str:
    base = f"/binh-chon/dot/{campaign.id}/ho-tro"
    return f"{base}/{entry.id}" if entry else base


def search(client, campaign, **fields):
    data = {"id_number": "", "full_name": "", "birth_date": "", **fields}
    return client.post(assisted_url(campaign), data=data)


def record(client, campaign, entry, nominees):
    return client.post(assisted_url(campaign, entry), data={"nominations": [str(n.id) for n in nominees]})


def votes() -> list[Vote]:
    return list(db.session.scalars(sa.select(Vote).order_by(Vote.id)))


def test_assisted_official_records_two_votes_and_hands_over_receipts(client, voting_campaign, make_nominee, person, official):
    first, second, third = make_nominee(), make_nominee(), make_nominee()
    entry, number = person
    found = search(client, voting_campaign, id_number=number).get_data(as_text=True)
    assert "Nguyễn Văn An" in found and "05/10/1980" in found and "Chưa bình chọn" in found
    assert number not in found
    page = client.get(assisted_url(voting_campaign, entry)).get_data(as_text=True)
    assert "còn được bình chọn tối đa <strong>3</strong>" in page

    response = record(client, voting_campaign, entry, [first, third])
    assert response.status_code == 200
    slip = response.get_data(as_text=True)
    recorded = votes()
    assert [(v.nomination_id, v.channel, v.recorded_by_id) for v in recorded] == [
        (first.id, VoteChannel.ASSISTED, official.id), (third.id, VoteChannel.ASSISTED, official.id),
    ]
    assert sorted(RECEIPT.findall(slip)) == sorted(v.receipt_code for v in recorded)
    assert "Phiếu xác nhận bình chọn" in slip and "Nguyễn Văn An" not in slip.split("Phiếu xác nhận bình chọn")[1]
    assert ledger.tallies(voting_campaign.id) == {first.id: 1, third.id: 1}
    assert ledger.verify(voting_campaign.id).ok
    voter = db.session.scalars(sa.select(Voter)).one()
    assert (voter.identity_key, voter.channel, voter.active_votes) == (f"list:{entry.id}", VoteChannel.ASSISTED, 2)
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "assisted_vote")).one()
    assert (event.entity_type, event.entity_id, event.actor_id, event.details) == ("campaign", voting_campaign.id, official.id, {"votes": 2})

    again = client.get(assisted_url(voting_campaign, entry)).get_data(as_text=True)
    assert "Đã bình chọn có hỗ trợ" in again and "(2/3 phiếu)" in again
    assert "còn được bình chọn tối đa <strong>1</strong>" in again
    assert second.id


def test_the_slip_has_a_print_button_and_a_print_stylesheet(client, voting_campaign, make_nominee, person, official):
    entry, _ = person
    slip = record(client, voting_campaign, entry, [make_nominee()]).get_data(as_text=True)
    assert '<button type="button" class="button no-print" data-print hidden>In phiếu xác nhận</button>' in slip
    assert "/static/js/print_copy.js" in slip and "/static/css/print.css" in slip
    assert "Mã chỉ hiển thị một lần" in slip
    # The search and person pages do not load the print assets.
    page = client.get(assisted_url(voting_campaign, entry)).get_data(as_text=True)
    assert "print_copy.js" not in page


def test_assisted_then_online_is_refused_by_the_ledger(client, app, voting_campaign, make_nominee, person, official):
    voting_campaign.voter_verification = VoterVerification.VOTER_LIST
    db.session.commit()
    first, second = make_nominee(), make_nominee()
    entry, number = person
    record(client, voting_campaign, entry, [first])

    citizen = app.test_client()
    identified = citizen.post(
        f"/binh-chon/dot/{voting_campaign.id}/xac-thuc",
        data={"id_number": number, "full_name": "Nguyễn Văn An", "birth_date": "05/10/1980", "website": ""},
    )
    assert identified.status_code == 303
    assert "Bạn đã bình chọn có hỗ trợ tại địa phương" in citizen.get(identified.headers["Location"]).get_data(as_text=True)
    response = citizen.post(f"/binh-chon/dot/{voting_campaign.id}/binh-chon", data={"nomination_id": str(second.id), "website": ""})
    assert response.status_code == 409
    assert "Người này đã bình chọn có hỗ trợ tại địa phương; mỗi người chỉ bình chọn theo một cách." in response.get_data(as_text=True)
    assert [v.nomination_id for v in votes()] == [first.id]


def test_online_then_assisted_is_refused_with_the_ledger_message(client, voting_campaign, make_nominee, person, official):
    first, second = make_nominee(), make_nominee()
    entry, _ = person
    voter = identity.voter_for_entry(voting_campaign, entry)
    ledger.cast(voting_campaign, voter, first, VoteChannel.ONLINE)
    db.session.commit()

    page = client.get(assisted_url(voting_campaign, entry)).get_data(as_text=True)
    assert "Đã bình chọn trực tuyến" in page
    assert "Người này đã bình chọn trực tuyến; mỗi người chỉ bình chọn theo một cách." in page
    assert "Ghi nhận bình chọn</button>" not in page
    response = record(client, voting_campaign, entry, [second])  # a stale page submitted anyway
    assert response.status_code == 409
    assert "Người này đã bình chọn trực tuyến; mỗi người chỉ bình chọn theo một cách." in response.get_data(as_text=True)
    assert [(v.nomination_id, v.channel) for v in votes()] == [(first.id, VoteChannel.ONLINE)]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == "assisted_vote")) == 0


def test_assisted_votes_are_all_or_nothing(client, voting_campaign, make_nominee, person, official):
    earlier = make_nominee("Mô hình B")
    entry, _ = person
    record(client, voting_campaign, entry, [earlier])
    fresh = make_nominee("Mô hình A")  # listed before "Mô hình B": cast first, then the duplicate is refused
    response = record(client, voting_campaign, entry, [fresh, earlier])
    assert response.status_code == 409
    assert "Bạn đã bình chọn cho mô hình, điển hình này rồi." in response.get_data(as_text=True)
    assert [v.nomination_id for v in votes()] == [earlier.id]
    assert ledger.tallies(voting_campaign.id) == {earlier.id: 1}
    assert db.session.get(Voter, votes()[0].voter_id).active_votes == 1


def test_assisted_more_ticks_than_votes_left_is_refused(client, voting_campaign, make_nominee, person, official):
    nominees = [make_nominee() for _ in range(4)]
    entry, _ = person
    response = record(client, voting_campaign, entry, nominees)
    assert response.status_code == 422
    assert "Người này chỉ còn được bình chọn tối đa 3 mô hình, điển hình." in response.get_data(as_text=True)
    assert votes() == []


def test_assisted_refused_when_voting_has_closed(client, voting_campaign, make_nominee, person, official):
    nominee = make_nominee()
    voting_campaign.public_voting_close_on = today_in_vietnam() - timedelta(days=1)
    db.session.commit()
    entry, _ = person
    page = client.get(assisted_url(voting_campaign, entry)).get_data(as_text=True)
    assert "Đã hết thời gian bình chọn" in page and "Ghi nhận bình chọn</button>" not in page
    response = record(client, voting_campaign, entry, [nominee])
    assert response.status_code == 409
    assert "Đã hết thời gian bình chọn" in response.get_data(as_text=True)
    assert votes() == []


def test_assisted_search_by_name_needs_the_birth_date(client, voting_campaign, person, official):
    found = search(client, voting_campaign, full_name="nguyen van an", birth_date="05/10/1980")
    assert "Nguyễn Văn An" in found.get_data(as_text=True)
    missing = search(client, voting_campaign, full_name="Nguyễn Văn An")
    assert missing.status_code == 422
    assert "Tìm theo họ và tên cần có cả ngày sinh." in missing.get_data(as_text=True)
    nothing = search(client, voting_campaign, full_name="Nguyễn Văn An", birth_date="06/10/1980")
    assert "Không tìm thấy người nào thuộc địa bàn của bạn" in nothing.get_data(as_text=True)


def test_assisted_official_of_another_commune_cannot_find_or_assist(client, login_as, voting_campaign, make_nominee, communes, person):
    nominee = make_nominee()
    entry, number = person
    login_as(Role.UNIT_SUBMITTER, communes[1])
    assert "Không tìm thấy người nào thuộc địa bàn của bạn" in search(client, voting_campaign, id_number=number).get_data(as_text=True)
    by_name = search(client, voting_campaign, full_name="Nguyễn Văn An", birth_date="05/10/1980").get_data(as_text=True)
    assert "Không tìm thấy người nào thuộc địa bàn của bạn" in by_name and '<td data-label="Họ và tên">' not in by_name
    assert client.get(assisted_url(voting_campaign, entry)).status_code == 404
    assert record(client, voting_campaign, entry, [nominee]).status_code == 404
    assert votes() == []


def test_assisted_official_of_a_parent_unit_finds_people_below(client, login_as, make_unit, province, voting_campaign):
    village = make_unit("Thôn Phú Lộc 1", parent=make_unit("Xã Phú Lộc 2", parent=province), kind="village")
    add_entry(voting_campaign, village, full_name="Trần Thị Bình", born=date(1985, 1, 12))
    login_as(Role.UNIT_SUBMITTER, village.parent)
    page = search(client, voting_campaign, full_name="Tran Thi Binh", birth_date="12/01/1985").get_data(as_text=True)
    assert "Trần Thị Bình" in page


def test_assisted_page_without_a_list_says_so(client, voting_campaign, official):
    page = client.get(assisted_url(voting_campaign)).get_data(as_text=True)
    assert "Đợt bình xét này chưa có danh sách cử tri của địa phương." in page
    assert 'name="id_number"' not in page


@pytest.mark.parametrize(
    "role, where, status",
    [
        (None, None, 302),
        (Role.UNIT_SUBMITTER, "commune", 200),
        (Role.UNIT_SUBMITTER, "organiser", 200),
        (Role.SECRETARY, "organiser", 403),
        (Role.CHAIR, "organiser", 403),
        (Role.ADMIN, None, 403),
        (Role.REVIEWER, None, 404),
        (Role.UNIT_SUBMITTER, "elsewhere", 404),
    ],
)
def test_assisted_pages_access(client, login_as, make_unit, province, voting_campaign, communes, person, role, where, status):
    units = {"commune": communes[0], "organiser": province, "elsewhere": make_unit("Xã Tỉnh Khác", kind="commune"), None: None}
    if role is not None:
        login_as(role, units[where])
    assert client.get(assisted_url(voting_campaign)).status_code == status
    entry, _ = person
    assert client.get(assisted_url(voting_campaign, entry)).status_code == status


def test_assisted_pages_forbidden_when_the_campaign_has_no_assisted_voting(client, voting_campaign, person, official):
    voting_campaign.assisted_voting = False
    db.session.commit()
    assert client.get(assisted_url(voting_campaign)).status_code == 403
    assert client.get(assisted_url(voting_campaign, person[0])).status_code == 403


def test_assisted_search_query_count_does_not_grow_with_results(client, voting_campaign, communes, official, count_queries):
    add_entry(voting_campaign, communes[0], full_name="Lê Văn Cường", born=date(1990, 1, 1))
    with count_queries() as few:
        search(client, voting_campaign, full_name="Lê Văn Cường", birth_date="01/01/1990")
    for _ in range(9):
        entry, _number = add_entry(voting_campaign, communes[0], full_name="Lê Văn Cường", born=date(1990, 1, 1))
        identity.voter_for_entry(voting_campaign, entry)
        db.session.commit()
    with count_queries() as many:
        page = search(client, voting_campaign, full_name="Lê Văn Cường", birth_date="01/01/1990").get_data(as_text=True)
    assert page.count('<td data-label="Họ và tên">Lê Văn Cường</td>') == 10
    assert many.count == few.count


def test_voter_list_page_query_count_does_not_grow_with_units(client, login_as, make_unit, province, voting_campaign, count_queries):
    login_as(Role.SECRETARY, province)
    add_entry(voting_campaign, make_unit(parent=province))
    with count_queries() as few:
        client.get(f"/binh-chon/dot/{voting_campaign.id}/danh-sach-cu-tri")
    for _ in range(10):
        unit = make_unit(parent=province)
        add_entry(voting_campaign, unit)
        add_entry(voting_campaign, unit)
    with count_queries() as many:
        page = client.get(f"/binh-chon/dot/{voting_campaign.id}/danh-sach-cu-tri").get_data(as_text=True)
    assert "Số người trong danh sách: 21" in page
    assert many.count == few.count


def test_assisted_index_lists_the_campaigns_of_the_officials_area(client, login_as, make_unit, make_campaign, voting_campaign, communes):
    elsewhere = make_campaign(organising_unit=make_unit("Tỉnh Khác", kind="province"), title="Đợt bình xét của tỉnh khác")
    login_as(Role.UNIT_SUBMITTER, communes[0])
    page = client.get("/binh-chon/ho-tro").get_data(as_text=True)
    assert voting_campaign.title in page and f"/binh-chon/dot/{voting_campaign.id}/ho-tro" in page
    assert elsewhere.title not in page


def test_assisted_is_refused_in_an_email_code_campaign(client, voting_campaign, make_nominee, person, official):
    """There an online voter is an email address: nothing ties them to the person on the list, so
    the person could vote once online and once at the office. Refused, and the page says why."""
    voting_campaign.voter_verification = VoterVerification.EMAIL_CODE
    db.session.commit()
    entry, _ = person
    response = record(client, voting_campaign, entry, [make_nominee()])
    assert response.status_code == 409
    assert ledger.ASSISTED_NEEDS_LIST in response.get_data(as_text=True)
    assert votes() == []
    page = client.get(assisted_url(voting_campaign)).get_data(as_text=True)
    assert "không ghi nhận bình chọn có hỗ trợ" in page
    person_page = client.get(assisted_url(voting_campaign, entry)).get_data(as_text=True)
    assert ledger.ASSISTED_NEEDS_LIST in person_page and "Ghi nhận bình chọn" not in person_page
