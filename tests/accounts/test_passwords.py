"""A person's own password (ASVS 5.0 V6.2): it is typed into password fields, changed by posting
the form with the current one, checked exactly as typed, and may be long."""
from __future__ import annotations

import re

import pytest

from dvkheo.accounts.models import Role
from tests.conftest import PASSWORD

CHANGE_PAGE = "/account/password"
# Long, with letters, digits and spaces, not a common or context word, so later password rules
# (breached and banned lists) do not refuse it for other reasons.
LONG_PASSWORD = "Sáng thứ Hai 7 giờ, ghé quán cà phê số 14 đầu ngõ; trời mưa phùn lất phất mãi 2031"


def text_of(response) -> str:
    return response.get_data(as_text=True)


def change(browser, current: str, new: str, confirm: str | None = None):
    return browser.post(CHANGE_PAGE, data={
        "current_password": current, "new_password": new, "confirm_password": new if confirm is None else confirm,
    })


def can_sign_in(app, user, password: str) -> bool:
    response = app.test_client().post("/login", data={"email": user.email, "password": password})
    assert response.status_code in (200, 302), response.status_code
    return response.status_code == 302


@pytest.fixture
def person(make_user, province):
    return make_user(Role.UNIT_SUBMITTER, province, email="canbo@example.vn")


@pytest.fixture
def signed_in(client, person):
    response = client.post("/login", data={"email": person.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def password_inputs(page: str) -> dict[str, str]:
    """{field name: its type} of every input whose name holds "password"."""
    found = {}
    for tag in re.findall(r"<input\b[^>]*>", page):
        name = re.search(r'\bname="([^"]*password[^"]*)"', tag)
        if name:
            found[name.group(1)] = re.search(r'\btype="([^"]*)"', tag).group(1)
    return found


def test_every_password_field_is_typed_as_a_password(client, login_as, make_user):
    assert password_inputs(text_of(client.get("/login"))) == {"password": "password"}
    login_as(Role.ADMIN)
    assert password_inputs(text_of(client.get(CHANGE_PAGE))) == dict.fromkeys(
        ("current_password", "new_password", "confirm_password"), "password")
    assert password_inputs(text_of(client.get("/admin/users/new"))) == dict.fromkeys(("password", "confirm_password"), "password")
    someone = make_user(Role.CITIZEN)
    assert password_inputs(text_of(client.get(f"/admin/users/{someone.id}/edit"))) == dict.fromkeys(
        ("password", "confirm_password"), "password")


def test_a_person_changes_their_own_password_by_posting_the_form(app, signed_in, person):
    response = change(signed_in, PASSWORD, "mat-khau-rieng-cua-toi-2026")

    assert response.status_code == 302
    assert "Đã đổi mật khẩu." in text_of(signed_in.get(response.headers["Location"], follow_redirects=True))
    assert not can_sign_in(app, person, PASSWORD)
    assert can_sign_in(app, person, "mat-khau-rieng-cua-toi-2026")


@pytest.mark.parametrize(
    ("current", "message"),
    [("mat-khau-doan-bua-1", "Mật khẩu hiện tại không đúng."), ("", "Vui lòng nhập mật khẩu hiện tại.")],
    ids=["wrong", "missing"],
)
def test_the_change_needs_the_right_current_password(app, signed_in, person, current, message):
    response = change(signed_in, current, "mat-khau-rieng-cua-toi-2026")

    assert response.status_code == 200
    assert message in text_of(response)
    assert can_sign_in(app, person, PASSWORD)
    assert not can_sign_in(app, person, "mat-khau-rieng-cua-toi-2026")


@pytest.mark.parametrize(
    "typed",
    [PASSWORD.upper(), PASSWORD.capitalize(), PASSWORD + " ", " " + PASSWORD, PASSWORD[:-1], PASSWORD + "7"],
    ids=["upper-case", "capitalised", "trailing-space", "leading-space", "one-short", "one-more"],
)
def test_a_password_is_checked_exactly_as_typed(client, person, typed):
    response = client.post("/login", data={"email": person.email, "password": typed})

    assert response.status_code == 200
    assert "Thư điện tử hoặc mật khẩu không đúng." in text_of(response)
    assert client.post("/login", data={"email": person.email, "password": PASSWORD}).status_code == 302


def test_spaces_and_case_chosen_by_the_person_are_kept(app, signed_in, person):
    chosen = "  Mật Khẩu Có Dấu Cách 2026  "
    assert change(signed_in, PASSWORD, chosen).status_code == 302

    assert can_sign_in(app, person, chosen)
    assert not can_sign_in(app, person, chosen.strip())
    assert not can_sign_in(app, person, chosen.lower())


@pytest.mark.parametrize("length", [64, 128, 300])
def test_a_long_password_can_be_set_and_used(app, signed_in, person, length):
    chosen = (LONG_PASSWORD * 4)[:length]
    assert len(chosen) == length

    response = change(signed_in, PASSWORD, chosen)

    assert response.status_code == 302, text_of(response)
    assert can_sign_in(app, person, chosen)
    assert not can_sign_in(app, person, chosen[:-1])


def test_password_fields_let_a_password_manager_fill_and_paste(client, login_as):
    """ASVS 5.0 V6.2.7: nothing blocks pasting or turns the browser's password manager off."""
    pages = [text_of(client.get("/login"))]
    login_as(Role.ADMIN)
    pages += [text_of(client.get(CHANGE_PAGE)), text_of(client.get("/admin/users/new"))]
    for page in pages:
        tags = [tag for tag in re.findall(r"<input\b[^>]*>", page) if 'type="password"' in tag]
        assert tags
        for tag in tags:
            assert 'autocomplete="off"' not in tag and "onpaste" not in tag and "readonly" not in tag, tag
        assert not re.search(r"\bon(paste|copy|cut|drop)\s*=", page)
