"""A password an administrator chose (a new account, a reset) is changed by its owner at the first
login: until then every page leads to the change form, with the reason in Vietnamese."""
from __future__ import annotations

import sqlalchemy as sa

from dvkheo.accounts.models import Role, User
from dvkheo.extensions import db
from tests.conftest import PASSWORD

ADMIN_SET = "mat-khau-quan-tri-1"
OWN = "mat-khau-rieng-2026"
NOTICE = "Mật khẩu của bạn do quản trị viên đặt. Vui lòng đổi sang mật khẩu của riêng bạn"


def account(email: str) -> User:
    db.session.expire_all()
    return db.session.scalar(sa.select(User).where(User.email == email))


def create_by_admin(client, province, email="moi@example.vn"):
    response = client.post("/admin/users/new", data={
        "full_name": "Trần Thị Mới", "email": email, "role": Role.UNIT_SUBMITTER.value, "unit_code": province.code,
        "active": "y", "password": ADMIN_SET, "confirm_password": ADMIN_SET,
    })
    assert response.status_code == 302
    return account(email)


def test_new_account_must_change_its_password_before_anything_else(app, client, login_as, province):
    login_as(Role.ADMIN)
    user = create_by_admin(client, province)
    assert user.must_change_password

    browser = app.test_client()
    login = browser.post("/login", data={"email": user.email, "password": ADMIN_SET})
    assert login.headers["Location"].endswith("/account/password")
    for page in ("/", "/nominations/", "/nominations/new", "/account/forgot"):
        response = browser.get(page)
        assert response.status_code == 302 and response.headers["Location"].endswith("/account/password"), page
    posted = browser.post("/nominations/1/withdraw", data={})
    assert posted.status_code == 303 and posted.headers["Location"].endswith("/account/password")
    form = browser.get("/account/password").get_data(as_text=True)
    assert NOTICE in form
    assert 'aria-label="Điều hướng chính"' not in form  # no menu of pages that would only lead back here
    assert "Đăng xuất" in form
    assert browser.get("/static/css/app.css").status_code == 200

    same = browser.post("/account/password", data={"current_password": ADMIN_SET, "new_password": ADMIN_SET, "confirm_password": ADMIN_SET})
    assert "Mật khẩu mới phải khác mật khẩu hiện tại." in same.get_data(as_text=True)
    done = browser.post("/account/password", data={"current_password": ADMIN_SET, "new_password": OWN, "confirm_password": OWN})
    assert done.status_code == 302
    assert not account(user.email).must_change_password
    listing = browser.get("/nominations/")
    assert listing.status_code == 200 and 'aria-label="Điều hướng chính"' in listing.get_data(as_text=True)


def test_logout_stays_possible_while_the_change_is_due(app, client, login_as, province):
    login_as(Role.ADMIN)
    user = create_by_admin(client, province)
    browser = app.test_client()
    browser.post("/login", data={"email": user.email, "password": ADMIN_SET})
    response = browser.post("/logout")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert browser.get("/account/password").status_code == 302


def test_an_administrators_reset_of_someone_elses_password_forces_a_change(app, client, login_as, make_user, province):
    person = make_user(Role.UNIT_SUBMITTER, province, email="canbo@example.vn")
    assert not person.must_change_password
    login_as(Role.ADMIN)
    client.post(f"/admin/users/{person.id}/edit", data={
        "full_name": person.full_name, "email": person.email, "role": person.role.value, "unit_code": province.code,
        "active": "y", "password": ADMIN_SET, "confirm_password": ADMIN_SET,
    })
    assert account(person.email).must_change_password


def test_an_administrator_setting_their_own_password_is_not_forced(client, login_as):
    admin = login_as(Role.ADMIN)
    client.post(f"/admin/users/{admin.id}/edit", data={
        "full_name": admin.full_name, "email": admin.email, "role": "admin", "unit_code": "",
        "active": "y", "password": OWN, "confirm_password": OWN,
    })
    assert not account(admin.email).must_change_password
    assert client.get("/admin/users").status_code == 200


def test_create_admin_command_is_not_forced(runner):
    result = runner.invoke(args=["create-admin", "--email", "qt@example.vn", "--name", "Quản trị", "--password", OWN])
    assert result.exit_code == 0, result.output
    assert not account("qt@example.vn").must_change_password
    account("qt@example.vn").must_change_password = True  # say another administrator had reset it
    db.session.commit()
    runner.invoke(args=["create-admin", "--email", "qt@example.vn", "--name", "Quản trị", "--password", OWN + "x"])
    assert not account("qt@example.vn").must_change_password


def test_an_ordinary_account_is_never_redirected(client, make_user, province):
    user = make_user(Role.UNIT_SUBMITTER, province)
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert client.get("/nominations/").status_code == 200


def test_demo_accounts_are_not_forced_so_the_demo_stays_usable(runner, client):
    from dvkheo.demo import DEMO_PASSWORD, USERS

    runner.invoke(args=["seed-demo"], catch_exceptions=False)
    assert not db.session.scalar(sa.select(sa.func.count()).select_from(User).where(User.must_change_password))
    admin = next(demo for demo in USERS if demo.role is Role.ADMIN)
    client.post("/login", data={"email": admin.email, "password": DEMO_PASSWORD})
    assert client.get("/admin/users").status_code == 200
