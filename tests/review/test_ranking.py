"""The ranking page: groups per field and kind, the total tie-break order, what the page says,
who may open it, and a query count independent of the number of dossiers."""
from __future__ import annotations

from datetime import timedelta

import pytest

from dvkheo.accounts.models import Role
from dvkheo.campaigns.models import NomineeKind
from dvkheo.core.timeutil import utcnow
from dvkheo.extensions import db
from dvkheo.nominations.states import NominationState
from dvkheo.review.ranking import load_ranking
from tests.conftest import PASSWORD
from tests.review.conftest import give_scores
from tests.review.test_normalisation import split

S = NominationState


def login(client, user):
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302


def titles(group) -> list[str]:
    return [row.title for row in group.rows]


@pytest.fixture
def reviewers(make_member):
    return [make_member(full_name=f"Thành viên {name}") for name in ("Một", "Hai")]


@pytest.fixture
def scored(make_dossier, reviewers):
    """A scored dossier with one sheet per list of points (reviewer 1, reviewer 2, ...)."""

    def create(title: str, *sheets: list[int], status=S.SCORED, **overrides):
        nomination = make_dossier(status=status, title=title, with_evidence=False, **overrides)
        for reviewer, points in zip(reviewers, sheets):
            give_scores(nomination, reviewer, points)
        return nomination

    return create


def test_ranking_orders_by_score_within_separate_field_and_kind_groups(review_campaign, scored):
    first_field, second_field = review_campaign.allowed_fields[:2]
    scored("Tập thể 70", split(70), field=first_field)
    scored("Tập thể 90", split(90), field=first_field)
    scored("Cá nhân 60", split(60), field=first_field, kind=NomineeKind.INDIVIDUAL)
    scored("Lĩnh vực khác 95", split(95), field=second_field)

    groups = load_ranking(review_campaign).groups
    assert [g.label for g in groups] == [
        f"{first_field.name} – Tập thể",
        f"{first_field.name} – Cá nhân",
        f"{second_field.name} – Tập thể",
    ]
    assert titles(groups[0]) == ["Tập thể 90", "Tập thể 70"]
    assert [row.rank for row in groups[0].rows] == [1, 2]
    # Each group starts again from 1.
    assert [(titles(g), [r.rank for r in g.rows]) for g in groups[1:]] == [(["Cá nhân 60"], [1]), (["Lĩnh vực khác 95"], [1])]


def test_equal_scores_are_decided_by_criterion_means_in_rubric_order(review_campaign, scored):
    # Both total 80; the first criterion decides (25 against 20) although the second favours B.
    scored("B", [20, 25, 20, 10, 5])
    scored("A", [25, 20, 20, 10, 5])
    scored("C", [20, 20, 25, 10, 5])  # equal on criterion 1 with B, loses on criterion 2
    assert titles(load_ranking(review_campaign).groups[0]) == ["A", "B", "C"]


def test_equal_criterion_means_are_decided_by_smaller_spread(review_campaign, scored):
    # Criterion means [20, 20, 20, 10, 10] for both, mean 80; spread 20 (90 and 70) against 0.
    scored("Chênh lệch", [25, 25, 20, 10, 10], [15, 15, 20, 10, 10])
    scored("Thống nhất", [20, 20, 20, 10, 10], [20, 20, 20, 10, 10])
    group = load_ranking(review_campaign).groups[0]
    assert titles(group) == ["Thống nhất", "Chênh lệch"]
    assert [row.spread for row in group.rows] == [0.0, 20.0]


def test_equal_everything_is_decided_by_earlier_submission_then_number(review_campaign, scored):
    now = utcnow()
    later = scored("Nộp sau", split(80), submitted_at=now)
    scored("Nộp trước", split(80), submitted_at=now - timedelta(days=3))
    same_time_low = scored("Cùng lúc, số nhỏ", split(80), submitted_at=now + timedelta(days=1))
    same_time_high = scored("Cùng lúc, số lớn", split(80), submitted_at=now + timedelta(days=1))
    assert same_time_low.id < same_time_high.id and later.id < same_time_low.id
    group = load_ranking(review_campaign).groups[0]
    assert titles(group) == ["Nộp trước", "Nộp sau", "Cùng lúc, số nhỏ", "Cùng lúc, số lớn"]
    # The rule is total: no two dossiers share a rank.
    assert [row.rank for row in group.rows] == [1, 2, 3, 4]


def test_submission_tie_break_uses_the_first_submission_not_a_resubmission(review_campaign, scored, secretary):
    from dvkheo.core import audit

    now = utcnow()
    steady = scored("Nộp một lần", split(80), submitted_at=now - timedelta(days=5))
    # Sent first 10 days ago, returned for completion and resubmitted today.
    returned = scored("Nộp lại sau khi bổ sung", split(80), submitted_at=now)
    for nomination, sent in ((steady, now - timedelta(days=5)), (returned, now - timedelta(days=10))):
        event = audit.record("nomination", nomination.id, "submit", secretary, from_state="draft", to_state="submitted")
        event.occurred_at = sent
    audit.record("nomination", returned.id, "resubmit", secretary, from_state="returned", to_state="resubmitted")
    db.session.commit()
    assert titles(load_ranking(review_campaign).groups[0]) == ["Nộp lại sau khi bổ sung", "Nộp một lần"]


def test_incomplete_and_on_hold_dossiers_are_listed_after_ranked_ones_without_rank(review_campaign, scored, reviewers):
    scored("Đã chấm", split(60))
    pending = scored("Đang chấm", split(95), status=S.IN_REVIEW)
    give_scores(pending, reviewers[1], split(90), final=False)
    scored("Tạm dừng", split(99), status=S.ON_HOLD, status_before_hold=S.SCORED)
    # Held at screening, never scored: not part of the ranking.
    scored("Tạm dừng từ sơ loại", status=S.ON_HOLD, status_before_hold=S.SUBMITTED)
    group = load_ranking(review_campaign).groups[0]
    assert [(row.title, row.rank) for row in group.rows] == [("Đã chấm", 1), ("Đang chấm", None), ("Tạm dừng", None)]
    assert (group.rows[1].final_count, group.rows[1].active_count, group.incomplete_count) == (1, 2, 1)


def test_ranking_page_states_rule_formula_and_shows_vietnamese_decimals(client, review_campaign, secretary, scored):
    nomination = scored("Mô hình hiến đất làm đường", [20, 20, 20, 10, 10], [25, 20, 20, 10, 2])  # 80 and 77 -> 78,50
    login(client, secretary)
    page = client.get(f"/review/campaigns/{review_campaign.id}/ranking")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Mô hình hiến đất làm đường" in text
    assert "78,50" in text and "3,00" in text
    assert "Quy tắc xếp hạng" in text and "độ chênh lệch điểm giữa các thành viên nhỏ hơn xếp trên" in text
    assert "Điểm chuẩn hóa = μ + σ × z̄" in text
    assert "Điểm xếp hạng</strong> của đợt này là <strong>điểm trung bình" in text
    # The secretary may shortlist while the campaign is in review.
    assert "Đưa N hồ sơ đứng đầu mỗi nhóm vào danh sách đề cử" in text
    # A row's decision form is written out only for the row being decided, to keep big rankings light.
    assert "Không đưa vào" not in text and f"decide={nomination.id}" in text
    deciding = client.get(f"/review/campaigns/{review_campaign.id}/ranking?decide={nomination.id}").get_data(as_text=True)
    assert "Không đưa vào" in deciding and f'name="n{nomination.id}-reason"' in deciding


def test_ranking_page_flags_disagreement_and_incomplete(client, review_campaign, secretary, scored, reviewers):
    review_campaign.disagreement_threshold = 10
    db.session.commit()
    scored("Ý kiến khác nhau", split(90), split(60))
    pending = scored("Chưa chấm xong", split(70), status=S.IN_REVIEW)
    give_scores(pending, reviewers[1], split(70), final=False)
    login(client, secretary)
    text = client.get(f"/review/campaigns/{review_campaign.id}/ranking").get_data(as_text=True)
    assert "Chênh lệch lớn" in text
    assert "chưa đủ điểm" in text
    assert "1/2" in text


def test_ranking_page_filters_by_field_and_kind(client, review_campaign, secretary, scored):
    first_field, second_field = review_campaign.allowed_fields[:2]
    scored("Mô hình lĩnh vực một", split(70), field=first_field)
    scored("Điển hình lĩnh vực một", split(70), field=first_field, kind=NomineeKind.INDIVIDUAL)
    scored("Mô hình lĩnh vực hai", split(70), field=second_field)
    login(client, secretary)
    text = client.get(
        f"/review/campaigns/{review_campaign.id}/ranking?field={first_field.id}&kind=collective"
    ).get_data(as_text=True)
    assert "Mô hình lĩnh vực một" in text
    assert "Điển hình lĩnh vực một" not in text and "Mô hình lĩnh vực hai" not in text


@pytest.mark.parametrize(
    "role, status",
    [("secretary", 200), ("chair", 200), ("admin", 200), ("reviewer", 404), ("unit", 404), ("other_secretary", 404)],
)
def test_ranking_page_access_by_role(client, review_campaign, secretary, chair, make_user, make_member, make_unit, role, status):
    users = {
        "secretary": lambda: secretary,
        "chair": lambda: chair,
        "admin": lambda: make_user(Role.ADMIN),
        "reviewer": lambda: make_member(),
        "unit": lambda: make_user(Role.UNIT_SUBMITTER, make_unit(parent=review_campaign.organising_unit)),
        "other_secretary": lambda: make_user(Role.SECRETARY, make_unit("Tỉnh khác", kind="province")),
    }
    login(client, users[role]())
    assert client.get(f"/review/campaigns/{review_campaign.id}/ranking").status_code == status


def test_ranking_page_query_count_does_not_grow_with_dossiers(client, review_campaign, secretary, scored, count_queries):
    fields = review_campaign.allowed_fields

    def add(count: int, start: int):
        for i in range(start, start + count):
            nomination = scored(f"Hồ sơ {i}", split(50 + i % 40), split(60 + i % 30), field=fields[i % 3])
            if i % 4 == 0:
                workflow_shortlist(nomination, secretary)

    login(client, secretary)
    add(3, 0)
    with count_queries() as small:
        assert client.get(f"/review/campaigns/{review_campaign.id}/ranking").status_code == 200
    add(27, 3)
    with count_queries() as large:
        page = client.get(f"/review/campaigns/{review_campaign.id}/ranking")
        assert page.status_code == 200
    assert page.get_data(as_text=True).count('id="ho-so-') == 30
    assert large.count == small.count, large.statements


def workflow_shortlist(nomination, secretary):
    """Shortlist through the workflow, so the page has audit reasons to show."""
    from dvkheo.nominations import workflow
    from dvkheo.nominations.states import NominationAction

    workflow.apply(nomination, NominationAction.SHORTLIST, secretary, reason="Xếp đầu nhóm")
    db.session.commit()


def test_per_group_view_shows_the_leading_rows_of_each_group_and_links_to_the_whole_group(
    client, review_campaign, secretary, scored, monkeypatch
):
    from dvkheo.review import ranking_views

    monkeypatch.setattr(ranking_views, "ROWS_PER_GROUP", 2)
    for total in (90, 80, 70):
        scored(f"Mô hình {total} điểm", split(total))
    login(client, secretary)
    text = client.get(f"/review/campaigns/{review_campaign.id}/ranking?view=groups").get_data(as_text=True)
    assert "Mô hình 90 điểm" in text and "Mô hình 80 điểm" in text
    assert "Mô hình 70 điểm" not in text
    assert "Xem đủ 3 hồ sơ của nhóm này" in text
    field = review_campaign.allowed_fields[0]
    whole = client.get(f"/review/campaigns/{review_campaign.id}/ranking?field={field.id}&kind=collective").get_data(as_text=True)
    assert "Mô hình 70 điểm" in whole and "Xem đủ" not in whole
