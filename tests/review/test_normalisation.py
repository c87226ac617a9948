"""Aggregation of reviewers' scores: raw mean, spread, disagreement and the normalised score,
checked against arithmetic done by hand in the comments."""
from __future__ import annotations

import math

import pytest

from dvkheo.campaigns.models import NomineeKind
from dvkheo.extensions import db
from dvkheo.nominations.states import NominationState
from dvkheo.review.models import AssignmentStatus
from dvkheo.review.ranking import (
    FinalSheet,
    format_score,
    load_ranking,
    normalised_score,
    reviewer_z_scores,
    summarise,
)
from tests.review.conftest import give_scores


def split(total: int, maxima=(25, 25, 25, 15, 10)) -> list[int]:
    """Points per criterion of the default rubric adding up to `total`, filled in rubric order."""
    points = []
    for maximum in maxima:
        points.append(min(maximum, total))
        total -= points[-1]
    assert total == 0
    return points


# Reviewer A (id 1) scores N1=80, N2=60, N3=70; reviewer B (id 2) scores N1=75, N2=75 (σ_B = 0);
# reviewer C (id 3) scores only N4=50 (a single total).
SHEETS = [
    FinalSheet(1, 1, 80.0), FinalSheet(2, 1, 60.0), FinalSheet(3, 1, 70.0),
    FinalSheet(1, 2, 75.0), FinalSheet(2, 2, 75.0),
    FinalSheet(4, 3, 50.0),
]
# Campaign: totals 80, 60, 70, 75, 75, 50 -> μ = 410/6 = 68.333...
# Σ T² = 6400 + 3600 + 4900 + 5625 + 5625 + 2500 = 28650; Σ(T − μ)² = 28650 − 410²/6 = 1900/3
# σ² = (1900/3)/6 = 950/9 -> σ = √950 / 3 = 10.274...
MU = 410 / 6
SIGMA = math.sqrt(950) / 3
# A: μ_A = 70, σ_A² = (10² + 10² + 0²)/3 = 200/3 -> z(N1) = 10/√(200/3) = √1.5, z(N2) = −√1.5, z(N3) = 0
Z_A = math.sqrt(1.5)


def test_reviewer_z_scores_by_hand():
    z = reviewer_z_scores(SHEETS)
    assert z[(1, 1)] == pytest.approx(Z_A)
    assert z[(2, 1)] == pytest.approx(-Z_A)
    assert z[(3, 1)] == pytest.approx(0.0)
    # B gave the same total twice (σ_B = 0): nothing is known of B's scale, z = 0.
    assert z[(1, 2)] == 0.0 and z[(2, 2)] == 0.0
    # C scored a single dossier: z = 0.
    assert z[(4, 3)] == 0.0


def test_summaries_by_hand():
    summaries = summarise(SHEETS, threshold=10, maximum=100)
    n1, n2, n3, n4 = (summaries[i] for i in (1, 2, 3, 4))
    # N1: (80 + 75)/2 = 77.5, spread 5, z̄ = (√1.5 + 0)/2 -> μ + σ·√1.5/2 = 205/3 + √1425/6 = 74.6249...
    assert (n1.raw_mean, n1.spread, n1.disagreement) == (77.5, 5.0, False)
    assert n1.normalised == pytest.approx(MU + SIGMA * Z_A / 2)
    assert n1.normalised == pytest.approx(205 / 3 + math.sqrt(1425) / 6)
    # N2: (60 + 75)/2 = 67.5, spread 15 > 10 -> flagged; z̄ = −√1.5/2 -> 68.333 − 6.2915 = 62.0418...
    assert (n2.raw_mean, n2.spread, n2.disagreement) == (67.5, 15.0, True)
    assert n2.normalised == pytest.approx(205 / 3 - math.sqrt(1425) / 6)
    # N3 and N4: one sheet each with z = 0 -> exactly the campaign mean, 68.333...
    assert (n3.raw_mean, n3.spread, n3.disagreement) == (70.0, 0.0, False)
    assert (n4.raw_mean, n4.spread) == (50.0, 0.0)
    assert n3.normalised == pytest.approx(MU) and n4.normalised == pytest.approx(MU)
    assert format_score(n1.normalised) == "74,62"
    assert format_score(n2.normalised) == "62,04"


def test_disagreement_only_when_spread_exceeds_threshold():
    # Spread 15 equal to the threshold 15 is not a disagreement; 16 is.
    sheets = [FinalSheet(1, 1, 80.0), FinalSheet(1, 2, 65.0), FinalSheet(2, 1, 80.0), FinalSheet(2, 2, 64.0)]
    summaries = summarise(sheets, threshold=15, maximum=100)
    assert (summaries[1].spread, summaries[1].disagreement) == (15.0, False)
    assert (summaries[2].spread, summaries[2].disagreement) == (16.0, True)


def test_normalised_score_is_clipped_to_rubric_range():
    # μ + σ·z̄ = 90 + 20·1 = 110 -> 100; 10 + 20·(−1) = −10 -> 0.
    assert normalised_score([1.0], mu=90.0, sigma=20.0, maximum=100) == 100.0
    assert normalised_score([-1.0], mu=10.0, sigma=20.0, maximum=100) == 0.0
    assert normalised_score([], mu=50.0, sigma=5.0, maximum=100) is None


def test_aggregation_from_database_matches_hand_computation(review_campaign, make_member, make_dossier):
    review_campaign.disagreement_threshold = 10
    db.session.commit()
    a, b, c, late = (make_member(full_name=name) for name in ("Reviewer A", "Reviewer B", "Reviewer C", "Reviewer D"))
    n1, n2, n3 = (make_dossier(status=NominationState.SCORED, with_evidence=False) for _ in range(3))
    n4 = make_dossier(status=NominationState.IN_REVIEW, with_evidence=False)
    give_scores(n1, a, split(80)), give_scores(n2, a, split(60)), give_scores(n3, a, split(70))
    give_scores(n1, b, split(75)), give_scores(n2, b, split(75))
    give_scores(n4, c, split(50))
    # Neither a sheet still being filled nor a conflicted reviewer's sheet counts.
    give_scores(n4, late, split(100), final=False)
    conflicted = give_scores(n3, b, split(10))
    conflicted.status = AssignmentStatus.CONFLICT
    db.session.commit()

    rows = {row.nomination_id: row for row in load_ranking(review_campaign).rows}
    one, two, three, four = rows[n1.id], rows[n2.id], rows[n3.id], rows[n4.id]
    assert (one.raw_mean, one.spread, one.disagreement, one.final_count, one.active_count) == (77.5, 5.0, False, 2, 2)
    assert (two.raw_mean, two.spread, two.disagreement) == (67.5, 15.0, True)
    assert (three.raw_mean, three.final_count, three.active_count) == (70.0, 1, 1)
    assert (four.raw_mean, four.final_count, four.active_count, four.incomplete) == (50.0, 1, 2, True)
    assert one.normalised == pytest.approx(205 / 3 + math.sqrt(1425) / 6)
    assert two.normalised == pytest.approx(205 / 3 - math.sqrt(1425) / 6)
    assert three.normalised == pytest.approx(MU) and four.normalised == pytest.approx(MU)
    # Criterion means of N1: A gave [25, 25, 25, 5, 0], B [25, 25, 25, 0, 0] -> [25, 25, 25, 2.5, 0]
    assert one.criterion_means == [25.0, 25.0, 25.0, 2.5, 0.0]


def test_normalised_ranking_differs_from_raw_when_a_harsh_reviewer_scored_one_group(
    review_campaign, make_member, make_dossier
):
    """X and Y compete in one group: X scored by a harsh reviewer, Y by a lenient one.

    Harsh H: X=70, others 40 and 50 -> μ_H = 53.33, σ_H = √(466.67/3) = 12.47, z(X) = 16.67/12.47 = +1.34
    Lenient L: Y=75, others 95 and 85 -> μ_L = 85, σ_L = √(200/3) = 8.16, z(Y) = −10/8.16 = −1.22
    Raw: Y (75) above X (70). Normalised: X (μ + 1.34σ) above Y (μ − 1.22σ).
    """
    field, other_field = review_campaign.allowed_fields[0], review_campaign.allowed_fields[1]
    harsh, lenient = make_member(full_name="Thành viên chấm chặt"), make_member(full_name="Thành viên chấm rộng")
    x = make_dossier(status=NominationState.SCORED, field=field, title="Mô hình X", with_evidence=False)
    y = make_dossier(status=NominationState.SCORED, field=field, title="Mô hình Y", with_evidence=False)
    give_scores(x, harsh, split(70))
    give_scores(y, lenient, split(75))
    for total in (40, 50):
        give_scores(make_dossier(status=NominationState.SCORED, field=other_field, with_evidence=False), harsh, split(total))
    for total in (95, 85):
        give_scores(make_dossier(status=NominationState.SCORED, field=other_field, with_evidence=False), lenient, split(total))

    def order() -> list[str]:
        ranking = load_ranking(review_campaign, field_id=field.id, kind=NomineeKind.COLLECTIVE)
        assert len(ranking.groups) == 1
        return [row.title for row in ranking.groups[0].rows]

    assert order() == ["Mô hình Y", "Mô hình X"]
    review_campaign.use_normalised_score = True
    db.session.commit()
    assert order() == ["Mô hình X", "Mô hình Y"]
