"""The ranking a page at a time (issue 13): the overall table of every group and the per-group view
give the same ranks and order as the whole ranking, the page explains the normalised score in a
sentence with the formula behind "Cách tính", and the page's size and query count do not grow with
the number of dossiers."""
from __future__ import annotations

import random

import pytest

from dvkheo.campaigns.models import NomineeKind
from dvkheo.extensions import db
from dvkheo.nominations.states import NominationState
from dvkheo.review.ranking import BY_GROUP, OVERALL, load_ranking, load_ranking_page
from tests.review.conftest import give_scores
from tests.review.test_ranking import login, workflow_shortlist

S = NominationState
MAXIMA = (25, 25, 25, 15, 10)


@pytest.fixture
def scored(make_dossier, make_member):
    """A dossier in `status` (default: scored) with one final sheet per list of points, by members one, two, ..."""
    members = []

    def create(title: str, *sheets: list[int], status=S.SCORED, **overrides):
        nomination = make_dossier(status=status, title=title, with_evidence=False, **overrides)
        while len(members) < len(sheets):
            members.append(make_member(full_name=f"Thành viên số {len(members) + 1}"))
        for member, points in zip(members, sheets):
            give_scores(nomination, member, points)
        return nomination

    return create


def points_for(total: int, rng: random.Random) -> list[int]:
    """A random sheet of the default rubric adding up to `total`: equal totals, different criteria."""
    points = [0] * len(MAXIMA)
    for _ in range(total):
        open_ = [i for i, maximum in enumerate(MAXIMA) if points[i] < maximum]
        points[rng.choice(open_)] += 1
    return points


@pytest.fixture
def crowded(review_campaign, scored):
    """28 dossiers in 2 fields × 2 kinds, most of them tied on score with others, a few unranked."""
    rng = random.Random(13)
    first, second = review_campaign.allowed_fields[:2]
    for number in range(28):
        field = first if number % 2 else second
        kind = NomineeKind.INDIVIDUAL if number % 3 == 0 else NomineeKind.COLLECTIVE
        total_a, total_b = rng.choice((60, 70, 80)), rng.choice((60, 70, 80))
        status = S.IN_REVIEW if number in (5, 17) else S.SCORED
        scored(f"Hồ sơ đông {number}", points_for(total_a, rng), points_for(total_b, rng),
               field=field, kind=kind, status=status)
    scored("Hồ sơ tạm dừng", points_for(90, rng), points_for(90, rng), field=first,
           status=S.ON_HOLD, status_before_hold=S.SCORED)
    return review_campaign


def expected_overall(campaign) -> list[tuple[int, int | None]]:
    """The overall table's order derived from the whole ranking: ranked rows by score, then the rest."""
    whole = load_ranking(campaign)
    ranked = [row for group in whole.groups for row in group.rows if row.rank]
    unranked = [row for group in whole.groups for row in group.rows if not row.rank]
    ranked.sort(key=lambda row: (-round(row.ranking_score, 9), row.group_key, row.rank))
    unranked.sort(key=lambda row: (0 if row.incomplete else 1, -round(row.raw_mean or -1e9, 9), row.group_key, row.nomination_id))
    return [(row.nomination_id, row.rank) for row in ranked + unranked]


@pytest.mark.parametrize("normalised", [False, True], ids=["mean", "normalised"])
def test_overall_table_pages_give_the_whole_rankings_ranks_in_order(crowded, normalised):
    crowded.use_normalised_score = normalised
    db.session.commit()
    pages, number = [], 1
    while True:
        page = load_ranking_page(crowded, view=OVERALL, page=number, per_page=4)
        pages += [(row.nomination_id, row.rank) for row in page.rows]
        if not page.pager.has_next:
            break
        number += 1

    assert pages == expected_overall(crowded)
    assert page.pager.pages == 8 and page.pager.total == 29


def test_per_group_view_gives_each_groups_leading_rows_with_their_ranks(crowded):
    whole = load_ranking(crowded)
    seen = []
    for number in (1, 2):
        page = load_ranking_page(crowded, view=BY_GROUP, page=number, per_group=3, groups_per_page=2)
        for group in page.shown_groups:
            seen.append((group.label, [(row.nomination_id, row.rank) for row in group.rows], group.size))

    assert seen == [
        (group.label, [(row.nomination_id, row.rank) for row in group.rows[:3]], len(group.rows)) for group in whole.groups
    ]


def test_one_groups_pages_carry_ranks_across_a_tie_at_the_page_edge(crowded):
    field = crowded.allowed_fields[0]
    whole = next(group for group in load_ranking(crowded, field_id=field.id, kind=NomineeKind.COLLECTIVE).groups)
    rows = []
    for number in (1, 2, 3, 4):
        rows += load_ranking_page(crowded, field_id=field.id, kind=NomineeKind.COLLECTIVE, page=number, per_page=3).rows
    assert [(row.nomination_id, row.rank) for row in rows] == [(row.nomination_id, row.rank) for row in whole.rows]
    assert [(row.criterion_means, row.spread, row.final_count, row.active_count) for row in rows] == [
        (row.criterion_means, row.spread, row.final_count, row.active_count) for row in whole.rows
    ]


def test_ranking_page_explains_normalisation_in_a_sentence_with_the_formula_behind_cach_tinh(
    client, review_campaign, secretary, scored
):
    scored("Mô hình một", [20, 20, 20, 10, 8])
    login(client, secretary)

    text = client.get(f"/review/campaigns/{review_campaign.id}/ranking").get_data(as_text=True)

    assert "chấm chặt tay" in text
    details = text[text.index('<details class="method-details">'):]
    details = details[:details.index("</details>")]
    assert "<summary>Cách tính</summary>" in details and "Điểm chuẩn hóa = μ + σ × z̄" in details
    assert "μ + σ" not in text.replace(details, "")
    assert 'aria-current="page">Bảng tổng hợp</a>' in text


def test_overall_table_lists_every_group_with_rank_in_group_and_pages(
    client, review_campaign, secretary, scored, monkeypatch
):
    from dvkheo.review import ranking_views

    monkeypatch.setattr(ranking_views, "ROWS_PER_PAGE", 2)
    first, second = review_campaign.allowed_fields[:2]
    scored("Tập thể 90", [25, 25, 25, 10, 5], field=first)
    scored("Cá nhân 85", [25, 25, 25, 5, 5], field=first, kind=NomineeKind.INDIVIDUAL)
    scored("Lĩnh vực hai 80", [25, 25, 20, 5, 5], field=second)
    login(client, secretary)

    text = client.get(f"/review/campaigns/{review_campaign.id}/ranking").get_data(as_text=True)
    assert "Bảng tổng hợp các nhóm" in text and "Hạng trong nhóm" in text
    assert text.index("Tập thể 90") < text.index("Cá nhân 85")
    assert f"{first.name} – Cá nhân" in text and "Lĩnh vực hai 80" not in text
    assert "Trang 1/2 · 3 mục" in text

    second_page = client.get(f"/review/campaigns/{review_campaign.id}/ranking?page=2").get_data(as_text=True)
    assert "Lĩnh vực hai 80" in second_page and "Tập thể 90" not in second_page
    # A page past the last shows the last.
    assert "Lĩnh vực hai 80" in client.get(f"/review/campaigns/{review_campaign.id}/ranking?page=99").get_data(as_text=True)


def test_a_row_decision_returns_to_the_page_it_was_taken_on(
    client, review_campaign, secretary, scored, monkeypatch
):
    from dvkheo.review import ranking_views

    monkeypatch.setattr(ranking_views, "ROWS_PER_PAGE", 1)
    scored("Đứng đầu", [25, 25, 25, 10, 5])
    second = scored("Đứng thứ hai", [25, 25, 20, 5, 5])
    login(client, secretary)

    page = client.get(f"/review/campaigns/{review_campaign.id}/ranking?page=2&decide={second.id}").get_data(as_text=True)
    assert f'action="/review/nominations/{second.id}/shortlist?page=2"' in page
    response = client.post(
        f"/review/nominations/{second.id}/shortlist?page=2",
        data={f"n{second.id}-reason": "Tiêu biểu", f"n{second.id}-shortlist": "1"},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/review/campaigns/{review_campaign.id}/ranking?page=2#ho-so-{second.id}")


def test_ranking_pages_send_as_many_queries_and_as_many_rows_for_3_and_60_dossiers(
    client, review_campaign, secretary, scored, count_queries
):
    fields = review_campaign.allowed_fields

    def add(count: int, start: int):
        for i in range(start, start + count):
            nomination = scored(f"Hồ sơ {i}", [20, 20, 10 + i % 10, 10, 5], [20, 15, 10 + i % 7, 10, 5],
                                field=fields[i % 3], kind=NomineeKind.INDIVIDUAL if i % 2 else NomineeKind.COLLECTIVE)
            if i % 4 == 0:
                workflow_shortlist(nomination, secretary)

    urls = [
        f"/review/campaigns/{review_campaign.id}/ranking",
        f"/review/campaigns/{review_campaign.id}/ranking?page=2",
        f"/review/campaigns/{review_campaign.id}/ranking?view=groups",
        f"/review/campaigns/{review_campaign.id}/ranking?field={fields[0].id}&kind=collective",
    ]
    login(client, secretary)
    add(3, 0)
    small = {}
    for url in urls:
        client.get(url)
        with count_queries() as counter:
            assert client.get(url).status_code == 200
        small[url] = counter.count
    add(57, 3)
    for url in urls:
        with count_queries() as counter:
            page = client.get(url)
            assert page.status_code == 200
        assert counter.count == small[url], (url, counter.statements)
    overall = client.get(urls[0]).get_data(as_text=True)
    assert overall.count('id="ho-so-') == 50
    assert client.get(urls[1]).get_data(as_text=True).count('id="ho-so-') == 10
    db.session.rollback()
