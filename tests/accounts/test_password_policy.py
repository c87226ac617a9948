"""The password policy (OWASP ASVS 5.0 6.2): any characters and passphrases welcome, no composition
rule; well-known breached passwords, the app's own words and the person's own names refused, told
beside the field in Vietnamese, on every form that sets a password."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from dvkheo.accounts import passwords
from dvkheo.accounts.models import Role, User
from dvkheo.core.notifications import OutboxMessage
from dvkheo.extensions import db
from tests.conftest import PASSWORD

PASSPHRASE = "chiều nay đi họp tổ dân phố"  # lower-case letters and spaces only, with diacritics


def account(email: str) -> User:
    db.session.expire_all()
    return db.session.scalar(sa.select(User).where(User.email == email))


def change(client, new: str):
    return client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": new, "confirm_password": new,
    })


@pytest.fixture
def signed_in(client, make_user, province):
    user = make_user(Role.UNIT_SUBMITTER, province, email="thanh.nguyen@example.vn", full_name="Nguyễn Văn Thành")
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    return user


@pytest.mark.parametrize("new", [PASSPHRASE, "8305167294", "KHÔNGCÓSỐNÀOCẢ", "🙂 ba con mèo 🙂", "🐶🐱🐭🐹🐰🦊🐻🐼🐨🐯"])
def test_passwords_without_a_mix_of_letters_and_digits_are_accepted_and_work(client, signed_in, new):
    answer = change(client, new)
    assert answer.status_code == 302, answer.get_data(as_text=True)
    assert account(signed_in.email).check_password(new)
    client.post("/logout")
    assert client.post("/login", data={"email": signed_in.email, "password": new}).status_code == 302


@pytest.mark.parametrize("new", [
    "Password123!", "qwertyuiop", "1234567890", "anhyeuem@2026", "Mật khẩu 123", "iloveyou2026", "P@55w0rd2026",
    "passwordpassword", "Mật khẩu mới 2026", "Khen thưởng 2026",
])
def test_well_known_passwords_are_refused_beside_the_field(client, signed_in, new):
    page = change(client, new).get_data(as_text=True)
    assert passwords.TOO_COMMON in page
    assert account(signed_in.email).check_password(PASSWORD)


@pytest.mark.parametrize("new", ["DanVanKheo@2026", "dvkheo-quang-ngai", "UBND-tinh-2026!", "nguyenvanthanh", "Thanh.Nguyen.1990"])
def test_passwords_built_on_the_app_or_the_persons_name_are_refused(client, signed_in, new):
    page = change(client, new).get_data(as_text=True)
    assert passwords.TOO_PERSONAL in page
    assert account(signed_in.email).check_password(PASSWORD)


@pytest.mark.parametrize("new", ["zzzzzzzzzzzzzz", "12345678901", "Zxcv@123456", "Abc@12345678"])
def test_repeats_and_keyboard_runs_are_refused(client, signed_in, new):
    assert passwords.TOO_SIMPLE in change(client, new).get_data(as_text=True)


def test_a_password_of_64_characters_works_and_one_beyond_1000_is_refused_with_the_limit(client, signed_in):
    long_one = "một câu rất dài về buổi họp dân ở thôn Phú Thọ vào sáng chủ nhật tuần này"
    assert len(long_one) > 64
    assert change(client, long_one).status_code == 302
    client.post("/logout")
    assert client.post("/login", data={"email": signed_in.email, "password": long_one}).status_code == 302
    page = client.post("/account/password", data={
        "current_password": long_one, "new_password": "một câu dài " * 100, "confirm_password": "một câu dài " * 100,
    }).get_data(as_text=True)
    assert passwords.TOO_LONG in page


def test_the_administrators_form_checks_the_new_accounts_own_name(client, login_as, province):
    login_as(Role.ADMIN)
    page = client.post("/admin/users/new", data={
        "full_name": "Phạm Thị Hoa", "email": "hoa.pham@example.vn", "role": Role.UNIT_SUBMITTER.value,
        "unit_code": province.code, "active": "y", "password": "phamthihoa2026", "confirm_password": "phamthihoa2026",
    }).get_data(as_text=True)
    assert passwords.TOO_PERSONAL in page
    assert db.session.scalar(sa.select(User).where(User.email == "hoa.pham@example.vn")) is None


def test_the_reset_link_checks_the_accounts_own_name(client, make_user, province):
    user = make_user(Role.UNIT_SUBMITTER, province, email="lan.tran@example.vn", full_name="Trần Thị Lan")
    client.post("/account/forgot", data={"email": user.email})
    body = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id.desc())).first().body
    path = "/account/reset/" + re.search(r"/account/reset/(\S+)", body).group(1)
    page = client.post(path, data={"new_password": "tranthilan99", "confirm_password": "tranthilan99"})
    assert page.status_code == 422 and passwords.TOO_PERSONAL in page.get_data(as_text=True)
    assert client.post(path, data={"new_password": PASSPHRASE, "confirm_password": PASSPHRASE}).status_code == 303
    assert account(user.email).check_password(PASSPHRASE)


def test_production_hashes_with_scrypt_at_owasp_strength():
    from config import ProductionConfig

    name, cost, block, parallel = ProductionConfig.PASSWORD_HASH_METHOD.split(":")
    # OWASP: scrypt N=2^17, r=8, p=1, or an equivalent such as N=2^15, r=8, p=3.
    assert name == "scrypt" and int(block) == 8 and int(cost) * int(parallel) >= 2**15 * 3


def test_an_older_hash_is_redone_at_login_without_ending_the_session(app, client, make_user, province):
    from werkzeug.security import generate_password_hash

    user = make_user(Role.UNIT_SUBMITTER, province, email="cu@example.vn")
    user.password_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:600")
    db.session.commit()
    version = user.session_version
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    refreshed = account(user.email)
    assert refreshed.password_hash.startswith(app.config["PASSWORD_HASH_METHOD"] + "$")
    assert refreshed.session_version == version and refreshed.check_password(PASSWORD)
    assert client.get("/account/password").status_code == 200


def test_guessing_the_current_password_is_slowed_like_a_login(client, signed_in):
    """A stolen session must not become an unlimited password-guessing oracle."""
    for _ in range(5):
        page = client.post("/account/password", data={
            "current_password": "doan-thu-sai-2026", "new_password": PASSPHRASE, "confirm_password": PASSPHRASE,
        })
        assert page.status_code == 200 and "Mật khẩu hiện tại không đúng." in page.get_data(as_text=True)
    refused = change(client, PASSPHRASE)  # even the right current password waits now
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "2"
    assert "Đăng nhập sai nhiều lần" in refused.get_data(as_text=True)
    assert account(signed_in.email).check_password(PASSWORD)


def test_a_wrong_current_password_and_a_weak_new_one_are_told_together(client, signed_in):
    page = client.post("/account/password", data={
        "current_password": "doan-thu-sai-2026", "new_password": "Password123!", "confirm_password": "Password123!",
    }).get_data(as_text=True)
    assert "Mật khẩu hiện tại không đúng." in page and passwords.TOO_COMMON in page


def test_the_persons_own_unit_name_is_refused(client, make_user, make_unit, province):
    unit = make_unit("Xã Tịnh Khê", parent=province)
    user = make_user(Role.UNIT_SUBMITTER, unit, email="coso.khe@example.vn")
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert passwords.TOO_PERSONAL in change(client, "Xã Tịnh Khê 2026").get_data(as_text=True)
