"""After signing in, `?next=` leads back to the page that asked for it, and never to another site
(ASVS 5.0 V1.2.2, V3.7.2): only a path on this site is followed, in the form a browser reads it."""
from __future__ import annotations

from urllib.parse import quote, urljoin, urlsplit

import pytest

from dvkheo.accounts.models import Role
from tests.conftest import PASSWORD

SITE = "https://dvkheo.quangngai.gov.vn/"


@pytest.fixture
def person(make_user, province):
    return make_user(Role.UNIT_SUBMITTER, province)


def login_with_next(client, person, target: str):
    response = client.post(f"/login?next={quote(target, safe='')}", data={"email": person.email, "password": PASSWORD})
    assert response.status_code == 302
    return response.headers["Location"]


def test_a_page_that_asked_for_login_is_opened_after_it(client, person):
    asked = client.get("/nominations/?trang=2")
    assert asked.status_code == 302 and "/login?next=" in asked.headers["Location"]

    location = login_with_next(client, person, "/nominations/?trang=2")

    assert location == "/nominations/?trang=2"


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/login",
        "https://evil.example/",
        "http://evil.example",
        "javascript:alert(1)",
        "JaVaScRiPt:alert(document.cookie)",
        "data:text/html,<script>alert(1)</script>",
        "/\\evil.example",  # browsers read a backslash as a slash: //evil.example
        "\\\\evil.example",
        "/\t/evil.example",  # browsers drop tabs and newlines inside a URL
        "/\n/evil.example",
        "/\r\n/evil.example",
        " //evil.example",
        "evil.example",
        "https:evil.example",
    ],
)
def test_next_never_leads_off_the_site(client, person, target):
    location = login_with_next(client, person, target)

    # Where a browser on the site would go, reading Location as the WHATWG URL parser does
    # (backslash as slash, tabs and newlines removed).
    as_read = urljoin(SITE, location.replace("\\", "/").replace("\t", "").replace("\r", "").replace("\n", ""))
    assert urlsplit(as_read).scheme == "https"
    assert urlsplit(as_read).netloc == urlsplit(SITE).netloc
    assert location == "/"  # refused targets lead to the home page
