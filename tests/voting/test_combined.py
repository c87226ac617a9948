"""The combined score: the pure formula against hand-computed values, and its column on the ranking page."""
from __future__ import annotations

import pytest

from dvkheo.accounts.models import Role
from dvkheo.extensions import db
from dvkheo.review.ranking import load_ranking
from dvkheo.voting import ledger
from dvkheo.voting.combined import combined_score, formula_text
from dvkheo.voting.models import VoteChannel
from tests.review.conftest import give_scores
from tests.review.test_normalisation import split


@pytest.mark.parametrize(
    ("score", "maximum", "votes", "most", "share", "expected"),
    [
        # 70% × (80/100 × 100) + 30% × (50/50 × 100) = 56 + 30
        (80, 100, 50, 50, 30, 86.0),
        # 70% × 90 + 30% × (20/50 × 100) = 63 + 12
        (90, 100, 20, 50, 30, 75.0),
        # a rubric out of 80: 60/80 → 75; half share: 0.5 × 75 + 0.5 × 25
        (60, 80, 1, 4, 50, 50.0),
        # nobody voted: the vote part is 0
        (90, 100, 0, 0, 20, 72.0),
        # the vote alone
        (40, 100, 3, 3, 100, 100.0),
    ],
)
def test_combined_score_matches_the_hand_computed_value(score, maximum, votes, most, share, expected):
    assert combined_score(score, maximum, votes, most, share) == pytest.approx(expected)


def test_combined_score_needs_a_council_score():
    assert combined_score(None, 100, 5, 5, 30) is None


def test_formula_is_written_out_with_the_campaigns_share():
    text = formula_text(30)
    assert text.startswith("Điểm kết hợp = 70% × (điểm trung bình ÷ tổng điểm tối đa của thang điểm × 100) + 30% × (số phiếu bình chọn")
    assert "điểm chuẩn hóa" in formula_text(30, use_normalised=True)


@pytest.fixture
def scored_and_voted(voting_campaign, make_nominee, make_user, make_unit, make_voter):
    """Two shortlisted nominees scored 80 and 90 by one reviewer; the first gets 2 votes, the second 1."""
    reviewer = make_user(Role.REVIEWER, make_unit("Cơ quan chấm", parent=voting_campaign.organising_unit, kind="agency"))
    first, second = make_nominee("Mô hình tám mươi"), make_nominee("Mô hình chín mươi")
    give_scores(first, reviewer, split(80))
    give_scores(second, reviewer, split(90))
    for nominee in (first, first, second):
        ledger.cast(voting_campaign, make_voter(), nominee, VoteChannel.ONLINE)
        db.session.commit()
    voting_campaign.public_vote_share_percent = 30
    db.session.commit()
    return first, second


def test_ranking_gives_each_row_its_combined_score(voting_campaign, scored_and_voted):
    first, second = scored_and_voted
    ranking = load_ranking(voting_campaign)
    assert ranking.vote_share == 30
    rows = {row.nomination_id: row for row in ranking.rows}
    # 0.7 × 80 + 0.3 × (2/2 × 100) = 86; 0.7 × 90 + 0.3 × (1/2 × 100) = 78
    assert rows[first.id].combined == pytest.approx(86.0) and rows[first.id].public_votes == 2
    assert rows[second.id].combined == pytest.approx(78.0) and rows[second.id].public_votes == 1
    # The council's order stands: the combined score informs, it does not re-rank.
    assert rows[second.id].rank == 1


def test_ranking_page_shows_the_combined_column_and_formula(client, login_as, province, voting_campaign, scored_and_voted):
    login_as(Role.SECRETARY, province)
    html = client.get(f"/review/campaigns/{voting_campaign.id}/ranking").get_data(as_text=True)
    assert "Điểm kết hợp</th>" in html
    assert "86,00" in html and "78,00" in html
    assert "Điểm kết hợp = 70% × (điểm trung bình" in html


def test_ranking_page_has_no_combined_column_without_a_vote_share(client, login_as, province, voting_campaign, scored_and_voted):
    voting_campaign.public_vote_share_percent = 0
    db.session.commit()
    login_as(Role.SECRETARY, province)
    html = client.get(f"/review/campaigns/{voting_campaign.id}/ranking").get_data(as_text=True)
    assert "Điểm kết hợp" not in html
    assert load_ranking(voting_campaign).rows[0].combined is None
