"""Integers in addresses: an id beyond the INTEGER range, or a page past the end, is a 404 or the
last page, never a 500 (PostgreSQL refuses such a number, SQLite one beyond 64 bits)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from werkzeug.routing import IntegerConverter

from config import TestingConfig
from dvkheo import create_app
from dvkheo.accounts.models import Role
from dvkheo.core.notifications import notify
from dvkheo.core.urls import INT_MAX, BoundedIntegerConverter, parse_int
from dvkheo.extensions import db

OUT_OF_RANGE = ("2147483648", "99999999999999999999", "-1", "9" * 5000)


def _rules_with_ids():
    app = create_app(TestingConfig)
    rules = []
    for rule in app.url_map.iter_rules():
        if any(isinstance(converter, IntegerConverter) for converter in rule._converters.values()):
            rules.append((rule.rule, sorted(rule.methods - {"HEAD", "OPTIONS"}), dict(rule._converters)))
    return rules


RULES = _rules_with_ids()


def _url(rule: str, converters: dict, value: str) -> str:
    """`rule` with every int argument set to `value` and any other argument to a harmless word."""
    url = rule
    for name, converter in converters.items():
        placeholder = next(part for part in url.split("<")[1:] if part.split(">")[0].split(":")[-1] == name).split(">")[0]
        url = url.replace(f"<{placeholder}>", value if isinstance(converter, IntegerConverter) else "x")
    return url


def _request(client, methods: list[str], url: str):
    return client.get(url) if "GET" in methods else client.post(url)


def test_every_int_argument_of_every_route_is_bounded():
    assert len(RULES) > 50
    for rule, _methods, converters in RULES:
        for converter in converters.values():
            if isinstance(converter, IntegerConverter):
                assert isinstance(converter, BoundedIntegerConverter), rule
                assert converter.max == INT_MAX and converter.min == 0, rule


def test_no_query_string_is_spread_into_url_for():
    """`url_for(..., **request.args)` let `?campaign_id=1` clash with the route (a 500) and `?_external=1`
    rewrite form actions: lists carry only their own arguments (`core.urls.carried_args`)."""
    root = Path(__file__).resolve().parents[2]
    spread = [
        f"{path.relative_to(root)}:{number}"
        for folder in ("dvkheo", "templates") for path in (root / folder).rglob("*")
        if path.suffix in (".py", ".html") and path.name != "urls.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "**request.args" in line
    ]
    assert spread == []


def test_review_lists_ignore_foreign_query_arguments(client, login_as, province, make_campaign):
    from dvkheo.campaigns.models import CampaignStatus

    campaign = make_campaign(status=CampaignStatus.REVIEW)
    login_as(Role.SECRETARY, province)
    page = client.get(f"/review/campaigns/{campaign.id}/assignments?campaign_id=1&assignment_id=1&_external=1&_scheme=https&page=1")
    assert page.status_code == 200
    assert "https://" not in page.get_data(as_text=True).split("<main", 1)[1]
    accepted = client.post(f"/review/campaigns/{campaign.id}/inbox/accept?campaign_id=1&_external=1&q=x")
    assert accepted.status_code == 302
    assert accepted.headers["Location"].startswith(f"/review/campaigns/{campaign.id}/inbox") and "q=x" in accepted.headers["Location"]


def test_every_list_pages_through_core_urls_paginate():
    """`db.paginate` alone turns ?page=99999999999999999999 into an OFFSET the database refuses (a 500);
    `core.urls.paginate` bounds the number and shows the last page instead."""
    package = Path(__file__).resolve().parents[2] / "dvkheo"
    direct = [
        f"{path.relative_to(package)}:{number}"
        for path in package.rglob("*.py") if path.name != "urls.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"\bdb\.paginate\(", line)
    ]
    assert direct == []


@pytest.mark.parametrize(("rule", "methods", "converters"), RULES, ids=[rule for rule, _, _ in RULES])
def test_an_out_of_range_id_is_not_found_for_everyone(client, login_as, rule, methods, converters):
    for value in OUT_OF_RANGE:
        response = _request(client, methods, _url(rule, converters, value))
        assert response.status_code == 404, (rule, value[:30], "anonymous")
    login_as(Role.ADMIN)
    for value in OUT_OF_RANGE:
        response = _request(client, methods, _url(rule, converters, value))
        assert response.status_code == 404, (rule, value[:30], "admin")
    # The largest id an INTEGER holds reaches the database, which answers "no such row".
    response = _request(client, methods, _url(rule, converters, str(INT_MAX)))
    assert response.status_code in (302, 400, 403, 404, 405, 409, 422), (rule, response.status_code)


def test_the_campaign_page_past_the_integer_range_is_not_found(client):
    assert client.get("/binh-chon/dot/2147483648").status_code == 404
    assert client.get("/binh-chon/dot/2147483647").status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/nominations/?campaign=99999999999999999999",
        "/nominations/?field=2147483648",
        "/admin/users?unit=2147483648",
        "/admin/units/?parent=99999999999999999999",
        "/campaigns/?year=99999999999999999999",
    ],
)
def test_an_out_of_range_filter_is_not_found(client, login_as, province, url):
    login_as(Role.ADMIN if url.startswith(("/admin", "/campaigns")) else Role.UNIT_SUBMITTER, province)

    assert client.get(url).status_code == 404


@pytest.mark.parametrize("page", ["99999999999999999999", "2147483648", "3", "9" * 5000])
def test_a_page_past_the_end_shows_the_last_page(client, login_as, make_unit, page):
    for number in range(30):  # with the root: 31 units, 2 pages of 25
        make_unit(f"Xã Phân Trang {number:02d}", code=f"PT{number:02d}")
    login_as(Role.ADMIN)

    response = client.get(f"/admin/units/?q=phan+trang&page={page}")

    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "Trang 2/2" in text
    assert "Xã Phân Trang 29" in text and "Xã Phân Trang 00" not in text


@pytest.mark.parametrize("page", ["0", "-1", "abc", ""])
def test_a_page_that_is_not_a_positive_number_shows_the_first_page(client, login_as, make_unit, page):
    for number in range(30):
        make_unit(f"Xã Phân Trang {number:02d}", code=f"PT{number:02d}")
    login_as(Role.ADMIN)

    response = client.get(f"/admin/units/?q=phan+trang&page={page}")

    assert response.status_code == 200
    assert "Trang 1/2" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "path", ["/admin/units/", "/admin/users", "/campaigns/", "/nominations/", "/notifications", "/dev/outbox"]
)
def test_every_list_page_survives_a_huge_page_number(client, login_as, province, path, make_campaign):
    make_campaign()
    user = login_as(Role.ADMIN)
    notify(user, "Thông báo thử", "/")
    db.session.commit()

    response = client.get(f"{path}?page=99999999999999999999")

    assert response.status_code == 200, path


def test_review_lists_survive_a_huge_page_number(client, login_as, province, make_campaign):
    from dvkheo.campaigns.models import CampaignStatus

    campaign = make_campaign(status=CampaignStatus.REVIEW)
    login_as(Role.SECRETARY, province)

    paths = (f"/review/campaigns/{campaign.id}/assignments", f"/review/campaigns/{campaign.id}/inbox",
             f"/binh-chon/quan-ly/dot/{campaign.id}/phan-anh")
    for path in paths:
        response = client.get(f"{path}?page=99999999999999999999")
        assert response.status_code == 200, path


@pytest.mark.parametrize(
    ("text", "expected"),
    [("12", 12), (" 7 ", 7), ("007", 7), (str(INT_MAX), INT_MAX), ("2147483648", None), ("-1", None), ("1.5", None),
     ("١٢", None), ("", None), ("9" * 5000, None), ("0" * 30 + "5", 5)],
)
def test_parse_int(text, expected):
    assert parse_int(text) == expected


def test_a_filter_that_is_not_a_number_is_ignored_but_an_id_the_page_is_about_is_not(client, login_as, province):
    login_as(Role.ADMIN)

    assert client.get("/admin/users?unit=abc").status_code == 200  # a filter that does not apply
    assert client.get("/admin/units/?parent=abc").status_code == 404  # the unit whose children are listed
