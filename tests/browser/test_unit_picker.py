"""The administrator picks a unit by searching the tree in a real browser: with JavaScript the matches
show while typing; without it the "Tìm đơn vị" button lists them on the page."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from dvkheo.accounts.models import Role, User
from dvkheo.extensions import db
from tests.conftest import PASSWORD

PASSWORD_NEW = "mat-khau-rat-dai-2026"


@pytest.fixture
def tree(make_unit, make_user):
    province = make_unit("Tỉnh Quảng Ngãi", kind="province", code="VN-P51")
    make_unit("Xã Tịnh Khê", parent=province, kind="commune", code="VN-W21211")
    make_unit("Xã Tịnh Kỳ", parent=province, kind="commune", code="VN-W21212")
    admin = make_user(Role.ADMIN, None, full_name="Quản Trị Viên")
    db.session.commit()
    return admin


def _log_in(page, user):
    page.goto("/login")
    page.locator("input[name=email]").fill(user.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()


def _fill_account(page):
    page.get_by_label("Họ và tên").fill("Trần Thị Hạnh")
    page.get_by_label("Thư điện tử").fill("hanh@example.vn")
    page.locator("select[name=role]").select_option(Role.UNIT_SUBMITTER.value)
    page.locator("input[name=password]").fill(PASSWORD_NEW)
    page.locator("input[name=confirm_password]").fill(PASSWORD_NEW)


@pytest.mark.parametrize("width", [1280, 390])
def test_account_unit_is_picked_from_matches_while_typing(page, tree, width):
    page.set_viewport_size({"width": width, "height": 900})
    _log_in(page, tree)
    page.goto("/admin/users/new")
    _fill_account(page)
    page.locator("#unit_code").fill("tinh k")
    options = page.locator("#unit_code-matches").get_by_role("option")
    expect(options).to_have_count(2)
    expect(options.first).to_contain_text("Tỉnh Quảng Ngãi › Xã Tịnh Khê")
    page.screenshot(path=f"/tmp/confirm-unit-picker-js-{width}.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    options.filter(has_text="Xã Tịnh Kỳ").click()
    expect(page.locator("#unit_code")).to_have_value("VN-W21212")
    expect(page.locator("#unit_code-picked")).to_contain_text("Đang chọn: Xã Tịnh Kỳ (VN-W21212)")
    page.get_by_role("button", name="Tạo tài khoản").click()
    expect(page.locator(".flash-success")).to_contain_text("Đã tạo tài khoản hanh@example.vn")
    db.session.expire_all()
    assert db.session.scalar(sa.select(User).where(User.email == "hanh@example.vn")).unit.code == "VN-W21212"


def test_unit_parent_is_searched_and_picked_without_javascript(browser, live_server, tree):
    context = browser.new_context(base_url=live_server, locale="vi-VN", viewport={"width": 390, "height": 900}, java_script_enabled=False)
    page = context.new_page()
    try:
        _log_in(page, tree)
        page.goto("/admin/units/new")
        page.get_by_label("Tên đơn vị").fill("Hội Nông dân xã Tịnh Kỳ")
        page.get_by_label("Mã đơn vị").fill("HND-TK")
        page.locator("#parent_code").fill("tinh k")
        page.get_by_role("button", name="Tìm đơn vị").click()
        choices = page.locator("input[name=parent_code_pick]")
        expect(choices).to_have_count(2)
        page.screenshot(path="/tmp/confirm-unit-picker-nojs-390.png", full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.get_by_label("Xã Tịnh Kỳ").check()
        page.get_by_role("button", name="Thêm đơn vị").click()
        expect(page.locator(".flash-success")).to_contain_text("Đã thêm đơn vị “Hội Nông dân xã Tịnh Kỳ”")
        db.session.expire_all()
        from dvkheo.units.models import Unit

        assert db.session.scalar(sa.select(Unit).where(Unit.code == "HND-TK")).parent.code == "VN-W21212"
    finally:
        context.close()
