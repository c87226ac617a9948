"""“Hướng dẫn”: reached from every page, one guide per role, each screenshot shown at its real size."""
from __future__ import annotations

import re

import pytest

from dvkheo.accounts.models import Role
from dvkheo.core import guides


def test_every_page_links_to_the_guides_signed_in_or_not(client, login_as, province):
    assert 'href="/huong-dan"' in client.get("/").get_data(as_text=True)
    assert 'href="/huong-dan"' in client.get("/login").get_data(as_text=True)
    login_as(Role.SECRETARY, province)
    page = client.get("/campaigns/").get_data(as_text=True)
    assert page.count('href="/huong-dan"') >= 2  # the header (wide and phone menu) and the footer


@pytest.mark.parametrize("role, slug", [(Role.UNIT_SUBMITTER, "don-vi"), (Role.SECRETARY, "thu-ky"),
                                        (Role.CHAIR, "chu-tich"), (Role.REVIEWER, "thanh-vien"), (Role.ADMIN, "quan-tri")])
def test_each_role_is_pointed_to_its_own_guide(client, login_as, province, make_unit, role, slug):
    unit = make_unit(parent=province) if role is Role.UNIT_SUBMITTER else (None if role is Role.ADMIN else province)
    login_as(role, unit)
    page = client.get("/huong-dan").get_data(as_text=True)
    assert re.search(rf'Hướng dẫn dành cho bạn: <a href="/huong-dan/{slug}">', page)


def test_a_guide_lists_its_steps_with_sized_screenshots(client):
    guide = guides.BY_SLUG["don-vi"]
    response = client.get("/huong-dan/don-vi")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Hướng dẫn: Cán bộ đơn vị cơ sở" in page
    for step in guide.steps:
        assert step.title in page
    for shot in [step.shot for step in guide.steps if step.shot]:
        match = re.search(rf'<img src="/static/help/{shot}.png[^"]*" width="(\d+)" height="(\d+)"', page)
        assert match, f"{shot} is not shown (run tests/browser/test_help_screenshots.py)"
        assert int(match.group(1)) == 390 and int(match.group(2)) > 300
    assert client.get("/huong-dan/khong-co").status_code == 404
