"""The citizen's ballot over HTTP: casting, limits, withdrawal, the window and the refusals' status codes."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from dvkheo.core.timeutil import utcnow
from dvkheo.extensions import db, limiter
from dvkheo.voting import ledger
from dvkheo.voting.models import Vote
from dvkheo.voting.session import session_values


@pytest.fixture
def as_voter(client):
    """Put `voter` in the browser's session, as identification does."""

    def sign_in(voter):
        with client.session_transaction() as sess:
            sess.update(session_values(voter.campaign_id, voter.id, voter.session_version))
        return voter

    return sign_in


def vote(client, campaign, nominee, **extra):
    data = {"nomination_id": str(nominee.id if hasattr(nominee, "id") else nominee), "website": "", **extra}
    return client.post(f"/binh-chon/dot/{campaign.id}/binh-chon", data=data)


def votes_in_db() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Vote))


def test_ballot_without_identification_redirects_to_identify(client, voting_campaign):
    response = client.get(f"/binh-chon/dot/{voting_campaign.id}/phieu")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/binh-chon/dot/{voting_campaign.id}/xac-thuc")


def test_ballot_lists_nominees_window_and_count(client, voting_campaign, make_nominee, make_voter, as_voter):
    first, second = make_nominee("Mô hình đường làng"), make_nominee("Mô hình dân vận khéo chợ quê")
    as_voter(make_voter())
    html = client.get(f"/binh-chon/dot/{voting_campaign.id}/phieu").get_data(as_text=True)
    assert "Mô hình đường làng" in html and "Mô hình dân vận khéo chợ quê" in html
    assert "Bạn đã bình chọn <strong>0/3</strong>" in html
    assert html.count(">Bình chọn</button>") == 2
    opens, closes = voting_campaign.voting_window()
    assert f"từ <strong>00:00 {opens.strftime('%d/%m/%Y')}</strong>" in html
    assert f"đến <strong>23:59 {closes.strftime('%d/%m/%Y')}</strong>." in html  # the full stop right after the date
    assert first.id and second.id


def test_cast_redirects_with_receipt_and_shows_it_on_the_ballot(client, voting_campaign, make_nominee, make_voter, as_voter):
    nominee = make_nominee("Mô hình hiến đất làm đường")
    as_voter(make_voter())
    response = vote(client, voting_campaign, nominee)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/binh-chon/dot/{voting_campaign.id}/phieu?vua-ghi-nhan=1")
    receipt = db.session.scalar(sa.select(Vote.receipt_code))
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Mã xác nhận bình chọn: {receipt}" in page  # the flash
    assert f"<code>{receipt}</code>" in page  # the receipts table
    assert "Đã bình chọn" in page and "Rút lại" in page
    assert "Bạn đã bình chọn <strong>1/3</strong>" in page
    assert ledger.pending(voting_campaign.id) == 1  # recorded, waiting for the sealer


def test_second_vote_for_the_same_nominee_is_refused_with_409(client, voting_campaign, make_nominee, make_voter, as_voter):
    nominee, other = make_nominee(), make_nominee()
    voter = make_voter()
    as_voter(voter)
    assert vote(client, voting_campaign, nominee).status_code == 303
    response = vote(client, voting_campaign, nominee)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert '<p class="flash flash-error">Bạn đã bình chọn cho mô hình, điển hình này rồi.</p>' in html
    assert votes_in_db() == 1
    # The refusal took no slot (on PostgreSQL the vote runs in autocommit: nothing is rolled back after it).
    db.session.expire_all()
    assert db.session.get(type(voter), voter.id).active_votes == 1
    assert vote(client, voting_campaign, other).status_code == 303
    assert "Bạn đã bình chọn <strong>2/3</strong>" in client.get(f"/binh-chon/dot/{voting_campaign.id}/phieu").get_data(as_text=True)


def test_vote_over_the_limit_is_refused_with_409(client, voting_campaign, make_nominee, make_voter, as_voter):
    nominees = [make_nominee() for _ in range(4)]
    as_voter(make_voter())
    for nominee in nominees[:3]:
        assert vote(client, voting_campaign, nominee).status_code == 303
    response = vote(client, voting_campaign, nominees[3])
    assert response.status_code == 409
    assert "Mỗi người được bình chọn tối đa 3 mô hình, điển hình; đã đủ số phiếu." in response.get_data(as_text=True)
    assert votes_in_db() == 3


def test_cast_without_identification_is_401_with_a_link(client, voting_campaign, make_nominee):
    response = vote(client, voting_campaign, make_nominee())
    html = response.get_data(as_text=True)
    assert response.status_code == 401
    assert f'href="/binh-chon/dot/{voting_campaign.id}/xac-thuc"' in html
    assert "Xác thực để bình chọn" in html
    assert votes_in_db() == 0


def test_voter_of_another_campaign_is_not_identified_here(client, voting_campaign, make_campaign, make_nominee, make_voter, as_voter):
    other = make_campaign()
    voter = make_voter(campaign=other)
    with client.session_transaction() as sess:
        sess.update(session_values(voting_campaign.id, voter.id, voter.session_version))
    assert vote(client, voting_campaign, make_nominee()).status_code == 401


def test_filled_honeypot_is_422_and_records_nothing(client, voting_campaign, make_nominee, make_voter, as_voter):
    as_voter(make_voter())
    response = vote(client, voting_campaign, make_nominee(), website="http://spam.example")
    assert response.status_code == 422
    assert "Yêu cầu không hợp lệ. Vui lòng tải lại trang và bình chọn lại." in response.get_data(as_text=True)
    assert votes_in_db() == 0


# "²" is a digit to str.isdigit but not to int(); "99999999999" is past the database's integer key.
@pytest.mark.parametrize("nomination_id", ["", "abc", "999999", "0", "-3", "²", "99999999999", "1e3"])
def test_missing_or_unknown_nominee_is_422(client, voting_campaign, make_voter, as_voter, nomination_id):
    as_voter(make_voter())
    response = client.post(
        f"/binh-chon/dot/{voting_campaign.id}/binh-chon", data={"nomination_id": nomination_id, "website": ""}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Vui lòng chọn một mô hình, điển hình để bình chọn." in html or "không có trong danh sách bình chọn" in html
    assert votes_in_db() == 0


def test_nominee_of_another_campaign_is_422(client, voting_campaign, make_campaign, make_nominee, make_voter, as_voter):
    foreign = make_nominee(campaign=make_campaign())
    as_voter(make_voter())
    assert vote(client, voting_campaign, foreign).status_code == 422


def test_not_shortlisted_nominee_is_refused_with_409(client, voting_campaign, make_nominee, make_voter, as_voter):
    from dvkheo.nominations.states import NominationState

    held = make_nominee(status=NominationState.ON_HOLD)
    as_voter(make_voter())
    response = vote(client, voting_campaign, held)
    assert response.status_code == 409
    assert "không có trong danh sách bình chọn" in response.get_data(as_text=True)


def test_withdraw_frees_a_slot_and_shows_the_withdrawal_receipt(client, voting_campaign, make_nominee, make_voter, as_voter):
    nominee = make_nominee("Mô hình nước sạch")
    voter = as_voter(make_voter())
    vote(client, voting_campaign, nominee)
    cast = db.session.scalar(sa.select(Vote))
    response = client.post(f"/binh-chon/dot/{voting_campaign.id}/phieu/{cast.id}/rut-lai", data={"website": ""})
    assert response.status_code == 303
    withdrawn = db.session.get(Vote, cast.id)
    assert withdrawn.withdrawn_at is not None and withdrawn.withdrawal_receipt
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Mã xác nhận rút phiếu: {withdrawn.withdrawal_receipt}" in page
    assert "Đã rút lại" in page and "Bạn đã bình chọn <strong>0/3</strong>" in page
    assert db.session.get(type(voter), voter.id).active_votes == 0
    # The slot is free again: the same nominee can be chosen anew.
    assert vote(client, voting_campaign, nominee).status_code == 303
    # A second withdrawal of the already withdrawn vote is refused.
    again = client.post(f"/binh-chon/dot/{voting_campaign.id}/phieu/{cast.id}/rut-lai", data={"website": ""})
    assert again.status_code == 409
    assert "Phiếu bình chọn này đã được rút lại trước đó." in again.get_data(as_text=True)


def test_withdrawal_refused_when_the_campaign_forbids_it(client, voting_campaign, make_nominee, make_voter, as_voter):
    voting_campaign.vote_withdrawal_allowed = False
    db.session.commit()
    as_voter(make_voter())
    vote(client, voting_campaign, make_nominee())
    cast = db.session.scalar(sa.select(Vote))
    page = client.get(f"/binh-chon/dot/{voting_campaign.id}/phieu").get_data(as_text=True)
    assert "Rút lại</button>" not in page
    response = client.post(f"/binh-chon/dot/{voting_campaign.id}/phieu/{cast.id}/rut-lai", data={"website": ""})
    assert response.status_code == 409
    assert "Đợt bình xét này không cho phép rút lại phiếu bình chọn." in response.get_data(as_text=True)


def test_another_voters_vote_cannot_be_withdrawn(client, voting_campaign, make_nominee, make_voter, as_voter):
    nominee = make_nominee()
    as_voter(make_voter())
    vote(client, voting_campaign, nominee)
    cast = db.session.scalar(sa.select(Vote))
    as_voter(make_voter())  # another person in this browser
    response = client.post(f"/binh-chon/dot/{voting_campaign.id}/phieu/{cast.id}/rut-lai", data={"website": ""})
    assert response.status_code == 404
    assert db.session.get(Vote, cast.id).withdrawn_at is None


def test_closed_window_is_refused_with_409_and_the_closing_time(client, voting_campaign, make_nominee, make_voter, as_voter):
    nominee = make_nominee()
    voting_campaign.voting_closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    as_voter(make_voter())
    response = vote(client, voting_campaign, nominee)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Đã hết thời gian bình chọn (kết thúc lúc" in html
    assert "Đã kết thúc bình chọn" in html
    assert votes_in_db() == 0


def test_window_not_yet_open_is_refused_with_409(client, voting_campaign, make_nominee, make_voter, as_voter):
    nominee = make_nominee()
    voting_campaign.voting_opens_at = utcnow() + timedelta(hours=2)
    db.session.commit()
    as_voter(make_voter())
    response = vote(client, voting_campaign, nominee)
    assert response.status_code == 409
    assert "Chưa đến thời gian bình chọn (bắt đầu lúc" in response.get_data(as_text=True)


def test_campaign_not_in_public_phase_is_404(client, make_campaign, make_voter, as_voter):
    campaign = make_campaign()  # still taking nominations
    as_voter(make_voter(campaign=campaign))
    assert client.get(f"/binh-chon/dot/{campaign.id}/phieu").status_code == 404
    assert client.post(f"/binh-chon/dot/{campaign.id}/binh-chon", data={"nomination_id": "1"}).status_code == 404


def test_per_voter_rate_limit_answers_429_in_vietnamese(app, client, voting_campaign, make_nominee, make_voter, as_voter):
    nominee = make_nominee()
    as_voter(make_voter())
    limiter.reset()
    app.config["VOTE_RATE_LIMIT_PER_VOTER"] = "2 per minute"
    try:
        assert vote(client, voting_campaign, nominee).status_code == 303
        assert vote(client, voting_campaign, nominee).status_code == 409
        response = vote(client, voting_campaign, nominee)
        assert response.status_code == 429
        assert "Thao tác quá nhanh" in response.get_data(as_text=True)
    finally:
        app.config["VOTE_RATE_LIMIT_PER_VOTER"] = "1000 per minute"
        limiter.reset()


def test_cast_runs_the_same_few_statements_every_time(client, voting_campaign, make_nominee, make_voter, as_voter, count_queries):
    """A bounded, constant number of statements per vote; nothing per nominee. (On PostgreSQL the vote
    is one statement sent straight to the driver, which this counter does not see: see
    test_cast_driver_errors.py.)"""
    nominee_ids = [make_nominee().id for _ in range(4)]
    as_voter(make_voter())
    campaign_id = voting_campaign.id
    counts = []
    for nominee_id in nominee_ids[:3]:
        with count_queries() as counter:
            response = client.post(f"/binh-chon/dot/{campaign_id}/binh-chon", data={"nomination_id": str(nominee_id)})
        assert response.status_code == 303
        counts.append(counter.count)
    assert counts[1] == counts[2] <= 10, counts
    assert counts[0] <= 12  # the first vote of the campaign also creates its chain head


def test_a_vote_without_the_session_csrf_token_is_refused(app, client, voting_campaign, make_nominee, make_voter, as_voter):
    nominee = make_nominee()
    as_voter(make_voter())
    app.config["WTF_CSRF_ENABLED"] = True  # the suite turns it off; the app-wide CSRFProtect reads it per request
    try:
        response = client.post(f"/binh-chon/dot/{voting_campaign.id}/binh-chon", data={"nomination_id": str(nominee.id)})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 400
    assert "Phiên làm việc đã hết hạn" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Vote)) == 0
