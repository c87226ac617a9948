"""No side effects on GET: every page a user can reach by following links, for every demo role and for
an anonymous citizen, is served without a single INSERT, UPDATE or DELETE.

A browser prefetches links, a mail scanner opens them, a user reloads: none of that may count a
print, mark a notice read or write an audit entry. Actions are POST buttons carrying a CSRF token.
"""
from __future__ import annotations

import re
from collections import Counter, deque
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from dvkheo.accounts.models import User
from dvkheo.demo import DEMO_PASSWORD, USERS
from dvkheo.extensions import db

LINK = re.compile(r'href="(/[^"#]*)"')
WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)
# PDFs are read-only too but slow to render; the certificate download is tested on its own.
SKIPPED = re.compile(r"^/(static/|logout)|\.pdf(\?|$)")
MAX_PAGES = 120  # per visitor: enough to reach every kind of page of the demo
MAX_PER_PATH = 2  # the same page with other filters or page numbers adds nothing


@pytest.fixture
def demo(runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output


def _crawl(client, count_queries) -> tuple[int, list[tuple[str, str]]]:
    seen, per_path, writes = set(), Counter(), []
    queue = deque(["/", "/binh-chon/", "/verify"])
    visited = 0
    while queue and visited < MAX_PAGES:
        url = queue.popleft()
        path = urlsplit(url).path
        if url in seen or SKIPPED.search(url) or per_path[path] >= MAX_PER_PATH:
            continue
        seen.add(url)
        per_path[path] += 1
        with count_queries() as queries:
            response = client.get(url)
        visited += 1
        writes += [(url, statement.split("\n")[0][:120]) for statement in queries.statements if WRITE.match(statement)]
        assert response.status_code < 500, url
        if response.mimetype == "text/html":
            queue.extend(link.replace("&amp;", "&") for link in LINK.findall(response.get_data(as_text=True)))
    return visited, writes


@pytest.mark.parametrize("local_part", [None, *(demo_user.local_part for demo_user in USERS)])
def test_following_every_link_writes_nothing(client, demo, count_queries, local_part):
    if local_part is not None:
        email = next(demo_user.email for demo_user in USERS if demo_user.local_part == local_part)
        assert db.session.scalar(sa.select(User).where(User.email == email)) is not None
        assert client.post("/login", data={"email": email, "password": DEMO_PASSWORD}).status_code == 302

    visited, writes = _crawl(client, count_queries)

    assert visited >= 5
    assert writes == [], "\n".join(f"{u}: {s}" for u, s in writes)
