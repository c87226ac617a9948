"""A meeting prepared by the secretary reaches the chair who presides it, once."""
from __future__ import annotations

from tests.council.helpers import create_ballot
from tests.mail_outbox import PUBLIC_BASE_URL, notices_of, outbox  # noqa: F401


def test_a_prepared_ballot_reaches_the_chair_once(client, become, secretary, chair, council, make_shortlisted, outbox):
    road = make_shortlisted("Hiến đất mở đường thôn Phú Lộc")
    become(secretary)

    ballot = create_ballot(client, road.campaign, [road], meeting_on="05/11/2026")

    [notice] = notices_of(chair)
    assert "phiên họp bỏ phiếu kín ngày 05/11/2026" in notice.message and "1 hồ sơ đề cử" in notice.message
    assert notice.link == f"/council/ballots/{ballot.id}"
    [mail] = outbox(chair)
    assert f"{PUBLIC_BASE_URL}/council/ballots/{ballot.id}" in mail.body
    # The council's own chair (first of `council`) presides too; ordinary members are told when the vote opens.
    assert len(notices_of(council[0])) == 1
    assert notices_of(council[1]) == [] and notices_of(secretary) == []
