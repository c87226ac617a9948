"""The vote routes' rate limits (core/direct_limits.py): counted per address and per voter, for each
route apart, in the limiter's storage, and still counted in memory when that storage is down."""
from __future__ import annotations

import pytest

from dvkheo.core import direct_limits
from dvkheo.extensions import db, limiter
from dvkheo.voting.models import Vote
from dvkheo.voting.session import session_values
from tests.core.test_config import other_apps  # noqa: F401  (fixture)
from tests.voting.test_ballot import as_voter, vote  # noqa: F401  (fixture, helper)


@pytest.fixture
def tight(app):
    """Votes limited to 2 a minute per address; the per-voter limit out of the way. Counters emptied."""
    saved = {name: app.config[name] for name in ("VOTE_RATE_LIMIT_PER_IP", "VOTE_RATE_LIMIT_PER_VOTER")}
    app.config.update(VOTE_RATE_LIMIT_PER_IP="2 per minute", VOTE_RATE_LIMIT_PER_VOTER="1000 per minute")
    limiter.reset()
    yield app
    app.config.update(saved)
    limiter.reset()
    direct_limits._fallback.storage_down_until = 0.0


def vote_from(client, campaign, nominee, address: str):
    return client.post(
        f"/binh-chon/dot/{campaign.id}/binh-chon", data={"nomination_id": str(nominee.id), "website": ""},
        environ_base={"REMOTE_ADDR": address},
    )


def test_third_vote_from_one_address_is_429_and_another_address_still_votes(
    tight, client, app, voting_campaign, make_nominee, make_voter, as_voter,  # noqa: F811
):
    nominees = [make_nominee() for _ in range(3)]
    as_voter(make_voter())
    answers = [vote_from(client, voting_campaign, nominee, "203.0.113.7").status_code for nominee in nominees]
    assert answers == [303, 303, 429]
    refused = vote_from(client, voting_campaign, nominees[2], "203.0.113.7")
    assert "Thao tác quá nhanh" in refused.get_data(as_text=True)

    neighbour = app.test_client()
    other_voter = make_voter()
    with neighbour.session_transaction() as sess:
        sess.update(session_values(voting_campaign.id, other_voter.id, other_voter.session_version))
    assert vote_from(neighbour, voting_campaign, nominees[0], "203.0.113.8").status_code == 303
    assert db.session.query(Vote).count() == 3


def test_each_route_is_counted_apart(tight, client, voting_campaign, make_nominee, make_voter, as_voter):  # noqa: F811
    """Checking receipts from an address does not use up that address's votes."""
    nominee = make_nominee()
    as_voter(make_voter())
    for _ in range(2):
        answer = client.post(f"/binh-chon/dot/{voting_campaign.id}/ma-xac-nhan", data={"ma": "BC-AAAA-BBBB-CCCC"},
                             environ_base={"REMOTE_ADDR": "203.0.113.9"})
        assert answer.status_code != 429
    assert vote_from(client, voting_campaign, nominee, "203.0.113.9").status_code == 303


def test_a_storage_outage_keeps_counting_in_memory(
    tight, client, voting_campaign, make_nominee, make_voter, as_voter, monkeypatch,  # noqa: F811
):
    """Redis down: nobody gets a 500, and the limit still holds (counted in this process)."""

    class Unreachable:
        def hit(self, *args, **kwargs):
            raise ConnectionError("redis unreachable")

    monkeypatch.setattr(type(limiter), "limiter", property(lambda self: Unreachable()))
    nominees = [make_nominee() for _ in range(3)]
    as_voter(make_voter())
    answers = [vote_from(client, voting_campaign, nominee, "203.0.113.10").status_code for nominee in nominees]
    assert answers == [303, 303, 429]
    assert db.session.query(Vote).count() == 2


def test_limits_switched_off_count_nothing(tight, client, voting_campaign, make_nominee, make_voter, as_voter, monkeypatch):  # noqa: F811
    monkeypatch.setattr(limiter, "enabled", False)
    nominees = [make_nominee() for _ in range(3)]
    as_voter(make_voter())
    assert [vote_from(client, voting_campaign, n, "203.0.113.11").status_code for n in nominees] == [303, 303, 303]


def test_limit_text_is_parsed_once_and_ordered_shortest_window_first():
    items = direct_limits.limit_items("1000 per day; 20 per minute")
    assert [item.amount for item in items] == [20, 1000]
    assert direct_limits.limit_items("1000 per day; 20 per minute") is items


@pytest.mark.parametrize("name", ["VOTE_RATE_LIMIT_PER_IP", "LOGIN_RATE_LIMIT"])
def test_a_limit_that_does_not_parse_stops_the_app_at_start(other_apps, name):  # noqa: F811
    """A typo would otherwise answer every vote with 500 (or limit no login at all): refused at start, named."""
    from config import TestingConfig

    with pytest.raises(RuntimeError) as refused:
        other_apps(TestingConfig, **{name: "120 per minit"})
    assert name in str(refused.value) and "120 per minit" in str(refused.value)
    assert "không hợp lệ" in str(refused.value)


def test_no_view_counted_directly_also_carries_a_flask_limiter_limit(app):
    """Flask-Limiter's own per-request check skips the views `direct_limit` counts (it would resolve
    nothing for them): a Flask-Limiter limit put on such a view, or on its blueprint, would then
    never apply. None may exist."""
    from flask_limiter.util import get_qualified_name

    counted = {endpoint: view for endpoint, view in app.view_functions.items()
               if getattr(view, direct_limits.DIRECTLY_LIMITED, False)}
    assert {"voting.cast", "voting.withdraw", "voting.receipt"} <= set(counted)
    for endpoint, view in counted.items():
        assert limiter.limit_manager.decorated_limits(get_qualified_name(view)) == [], endpoint
        assert limiter.limit_manager.blueprint_limits(app, endpoint.rpartition(".")[0]) == [], endpoint
