"""A citizen's "Thoát" ends the voting session for good: a copy of the session cookie taken before
it neither shows the ballot nor casts a vote afterwards; the vote route still signs no cookie."""
from __future__ import annotations

import sqlalchemy as sa

from dvkheo.extensions import db
from dvkheo.voting.models import Vote, Voter
from tests.voting.test_identity import last_code, request_code, send_code


def identify(client, campaign, email: str = "lan@example.vn") -> None:
    request_code(client, campaign, email=email)
    assert send_code(client, campaign, last_code()).status_code == 303


def copy_session(source, target) -> None:
    target.set_cookie("session", source.get_cookie("session").value)


def ballot(client, campaign):
    return client.get(f"/binh-chon/dot/{campaign.id}/phieu")


def vote(client, campaign, nominee):
    return client.post(f"/binh-chon/dot/{campaign.id}/binh-chon", data={"nomination_id": str(nominee.id), "website": ""})


def votes() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Vote))


def test_a_cookie_copied_before_thoat_neither_shows_the_ballot_nor_votes_after_it(app, client, voting_campaign, make_nominee):
    first, second = make_nominee(), make_nominee()
    identify(client, voting_campaign)
    copied = app.test_client()
    copy_session(client, copied)
    assert ballot(copied, voting_campaign).status_code == 200  # the copy works while the session lives
    assert vote(copied, voting_campaign, first).status_code == 303

    response = client.post(f"/binh-chon/dot/{voting_campaign.id}/thoat")
    assert response.status_code == 303
    assert "Bạn đã thoát khỏi phiên bình chọn" in client.get(response.headers["Location"]).get_data(as_text=True)

    assert ballot(copied, voting_campaign).status_code == 302  # sent to identify
    refused = vote(copied, voting_campaign, second)
    assert refused.status_code == 401
    assert "Bạn cần xác thực trước khi bình chọn" in refused.get_data(as_text=True)
    assert votes() == 1

    identify(client, voting_campaign)  # the person comes back: a new session, the same voter
    assert vote(client, voting_campaign, second).status_code == 303
    assert votes() == 2 and db.session.scalar(sa.select(sa.func.count()).select_from(Voter)) == 1


def test_thoat_ends_only_that_voters_sessions(app, client, voting_campaign, make_nominee):
    nominee = make_nominee()
    identify(client, voting_campaign, "lan@example.vn")
    neighbour = app.test_client()
    identify(neighbour, voting_campaign, "hoa@example.vn")
    client.post(f"/binh-chon/dot/{voting_campaign.id}/thoat")
    assert vote(neighbour, voting_campaign, nominee).status_code == 303


def test_a_vote_signs_no_session_cookie(client, voting_campaign, make_nominee):
    nominee = make_nominee()
    identify(client, voting_campaign)
    response = vote(client, voting_campaign, nominee)
    assert response.status_code == 303
    assert "Set-Cookie" not in response.headers


def test_the_ballot_offers_thoat_and_it_ends_the_session(client, voting_campaign, make_nominee):
    make_nominee()
    identify(client, voting_campaign)
    page = ballot(client, voting_campaign).get_data(as_text=True)
    action = f'action="/binh-chon/dot/{voting_campaign.id}/thoat"'
    assert action in page and ">Thoát</button>" in page
    response = client.post(f"/binh-chon/dot/{voting_campaign.id}/thoat")
    assert response.status_code == 303 and response.headers["Clear-Site-Data"] == '"cache", "storage"'
    assert ballot(client, voting_campaign).status_code == 302  # sent to identify again
