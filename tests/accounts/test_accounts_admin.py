"""Account administration: who may enter, creating and editing accounts, search, locking."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from dvkheo.accounts.admin_views import ROLES_NEEDING_UNIT
from dvkheo.accounts.models import Role, User
from dvkheo.core.audit import AuditEvent
from dvkheo.extensions import db
from tests.conftest import PASSWORD

ADMIN_PAGES = [
    "/admin/units/",
    "/admin/units/new",
    "/admin/units/import",
    "/admin/units/import/mau.csv",
    "/admin/users",
    "/admin/users/new",
]
NEW_PASSWORD = "ngay-hop-thon-phu-tho"


def text_of(response) -> str:
    return response.get_data(as_text=True)


def account(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == email))


def form_for(**overrides) -> dict:
    values = {
        "full_name": "Trần Thị Hạnh",
        "email": "hanh@example.vn",
        "role": Role.UNIT_SUBMITTER.value,
        "unit_code": "51",  # the `province` fixture
        "active": "y",
        "password": NEW_PASSWORD,
        "confirm_password": NEW_PASSWORD,
    }
    values.update(overrides)
    return values


@pytest.fixture
def admin(login_as, province):
    return login_as(Role.ADMIN)


@pytest.mark.parametrize("role", list(Role), ids=lambda role: role.value)
def test_admin_pages_open_only_to_administrators(client, login_as, province, role):
    login_as(role, province)
    for page in ADMIN_PAGES:
        expected = 200 if role is Role.ADMIN else 403
        assert client.get(page).status_code == expected, page
    if role is not Role.ADMIN:
        assert "Không có quyền truy cập" in text_of(client.get("/admin/users"))


def test_admin_pages_send_visitors_to_login(client):
    response = client.get("/admin/users")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_user_create_gives_a_working_login_and_an_audit_event(admin, client, province):
    response = client.post("/admin/users/new", data=form_for(email="Hanh@Example.VN"), follow_redirects=True)
    assert "Đã tạo tài khoản hanh@example.vn (Cán bộ đơn vị cơ sở)." in text_of(response)
    user = account("hanh@example.vn")
    assert user.unit_id == province.id and user.search_text == " tran thi hanh hanh example vn trần thị hạnh "
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.entity_type == "user", AuditEvent.entity_id == user.id))
    assert event.action == "create" and event.actor_id == admin.id and "password" in event.details
    assert NEW_PASSWORD not in str(event.details)

    other = client.application.test_client()
    assert other.post("/login", data={"email": "HANH@example.vn", "password": NEW_PASSWORD}).status_code == 302


def test_user_create_with_duplicate_email_shows_vietnamese_error_and_keeps_typed_values(admin, client, make_user):
    make_user(Role.CITIZEN, email="hanh@example.vn")
    response = client.post("/admin/users/new", data=form_for(email="HANH@example.vn", full_name="Lê Văn Đức"))
    text = text_of(response)
    assert response.status_code == 200
    assert "Thư điện tử này đã được dùng cho một tài khoản khác." in text
    assert 'value="Lê Văn Đức"' in text and 'value="HANH@example.vn"' in text and 'value="51"' in text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User).where(User.full_name == "Lê Văn Đức")) == 0


@pytest.mark.parametrize("role", ROLES_NEEDING_UNIT, ids=lambda role: role.value)
def test_user_with_unit_scoped_role_and_no_unit_is_refused(admin, client, role):
    text = text_of(client.post("/admin/users/new", data=form_for(role=role.value, unit_code="")))
    assert f"Vai trò “{role.label}” cần gắn với một đơn vị; vui lòng chọn đơn vị." in text
    assert account("hanh@example.vn") is None


@pytest.mark.parametrize("role", [Role.CITIZEN, Role.ADMIN], ids=lambda role: role.value)
def test_user_without_unit_is_allowed_for_citizens_and_administrators(admin, client, role):
    client.post("/admin/users/new", data=form_for(role=role.value, unit_code=""))
    assert account("hanh@example.vn").role is role


def test_user_with_unknown_unit_code_is_refused(admin, client):
    text = text_of(client.post("/admin/users/new", data=form_for(unit_code="KHONG-CO")))
    assert "Không tìm thấy đơn vị có mã hoặc tên “KHONG-CO”." in text


def test_user_create_without_password_is_refused(admin, client):
    text = text_of(client.post("/admin/users/new", data=form_for(password="", confirm_password="")))
    assert "Vui lòng đặt mật khẩu cho tài khoản mới." in text


def test_user_create_with_mismatched_passwords_is_refused(admin, client):
    text = text_of(client.post("/admin/users/new", data=form_for(confirm_password="khac-han-2026")))
    assert "Hai lần nhập mật khẩu không khớp." in text


@pytest.mark.parametrize("typed", ["dao", "Đào", "Ðào", "nguyen thi dao", "NGUYỄN", "dao@xa", "nguyen thi d"])
def test_user_search_ignores_diacritics(admin, client, typed):
    client.post("/admin/users/new", data=form_for(full_name="Nguyễn Thị Đào", email="dao@xa.vn"))
    client.post("/admin/users/new", data=form_for(full_name="Phạm Văn Bình", email="binh@xa.vn"))
    text = text_of(client.get("/admin/users", query_string={"q": typed}))
    assert "Nguyễn Thị Đào" in text and "Phạm Văn Bình" not in text


def test_user_list_filters_by_role_and_unit_subtree(admin, client, make_unit, make_user, province):
    commune = make_unit("Xã Tịnh Khê", parent=province, code="VN-W21211")
    elsewhere = make_unit("Tỉnh Gia Lai", kind="province", code="VN-P52")
    make_user(Role.UNIT_SUBMITTER, commune, full_name="Cán Bộ Xã")
    make_user(Role.UNIT_SUBMITTER, elsewhere, full_name="Cán Bộ Gia Lai")
    make_user(Role.SECRETARY, province, full_name="Thư Ký Tỉnh")

    in_province = text_of(client.get("/admin/users", query_string={"unit": province.id}))
    assert "Cán Bộ Xã" in in_province and "Thư Ký Tỉnh" in in_province and "Cán Bộ Gia Lai" not in in_province

    submitters = text_of(client.get("/admin/users", query_string={"unit": province.id, "role": "unit_submitter"}))
    assert "Cán Bộ Xã" in submitters and "Thư Ký Tỉnh" not in submitters


def test_user_list_query_count_does_not_grow_with_rows(admin, client, make_unit, make_user, count_queries, province):
    for _ in range(2):
        make_user(Role.UNIT_SUBMITTER, make_unit(parent=province))
    with count_queries() as few:
        client.get("/admin/users")
    for _ in range(12):
        make_user(Role.UNIT_SUBMITTER, make_unit(parent=province))
    with count_queries() as many:
        client.get("/admin/users")
    assert many.count == few.count


def test_user_edit_changes_role_and_unit_and_shows_history(admin, client, make_user, make_unit, province):
    commune = make_unit("Xã Tịnh Khê", parent=province, code="VN-W21211")
    user = make_user(Role.UNIT_SUBMITTER, commune, email="canbo@example.vn", full_name="Cán Bộ Xã")
    response = client.post(f"/admin/users/{user.id}/edit", data=form_for(
        full_name="Cán Bộ Xã", email="canbo@example.vn", role="secretary", unit_code="51", password="", confirm_password="",
    ), follow_redirects=True)
    assert "Đã lưu tài khoản canbo@example.vn." in text_of(response)
    db.session.expire_all()
    user = account("canbo@example.vn")
    assert user.role is Role.SECRETARY and user.unit_id == province.id
    assert user.check_password(PASSWORD)  # a blank password field leaves the password alone
    history = text_of(client.get(f"/admin/users/{user.id}/edit"))
    assert "Vai trò: Cán bộ đơn vị cơ sở → Thư ký Hội đồng" in history
    assert "Đơn vị: VN-W21211 → 51" in history


def test_user_deactivation_locks_the_account_and_ends_its_sessions(admin, client, app, make_user, province):
    user = make_user(Role.UNIT_SUBMITTER, province, email="canbo@example.vn")
    their_browser = app.test_client()
    their_browser.post("/login", data={"email": "canbo@example.vn", "password": PASSWORD})
    assert their_browser.get("/nominations/").status_code == 200

    response = client.post(f"/admin/users/{user.id}/deactivate", follow_redirects=True)
    assert "Đã khóa tài khoản canbo@example.vn." in text_of(response)
    assert their_browser.get("/nominations/").status_code == 302  # sent back to the login page
    refused = their_browser.post("/login", data={"email": "canbo@example.vn", "password": PASSWORD})
    assert "Tài khoản đã bị khóa" in text_of(refused)
    last_event = sa.select(AuditEvent.action).where(AuditEvent.entity_type == "user", AuditEvent.entity_id == user.id)
    assert db.session.scalar(last_event.order_by(AuditEvent.id.desc())) == "deactivate"

    client.post(f"/admin/users/{user.id}/activate")
    assert their_browser.post("/login", data={"email": "canbo@example.vn", "password": PASSWORD}).status_code == 302


def test_administrator_cannot_lock_or_demote_themselves(admin, client):
    response = client.post(f"/admin/users/{admin.id}/deactivate", follow_redirects=True)
    assert "Bạn không thể tự khóa tài khoản của chính mình." in text_of(response)
    text = text_of(client.post(f"/admin/users/{admin.id}/edit", data=form_for(
        full_name=admin.full_name, email=admin.email, role="citizen", unit_code="", password="", confirm_password="",
    )))
    assert "Bạn không thể tự bỏ vai trò Quản trị của chính mình." in text
    db.session.expire_all()
    assert account(admin.email).active and account(admin.email).role is Role.ADMIN


def test_administrator_changing_own_password_stays_logged_in(admin, client):
    client.post(f"/admin/users/{admin.id}/edit", data=form_for(
        full_name=admin.full_name, email=admin.email, role="admin", unit_code="",
    ))
    assert client.get("/admin/users").status_code == 200
    db.session.expire_all()
    assert account(admin.email).check_password(NEW_PASSWORD)


def test_existing_login_and_password_pages_still_work(client, make_user):
    user = make_user(Role.CITIZEN, email="dan@example.vn")
    assert client.post("/login", data={"email": "dan@example.vn", "password": PASSWORD}).status_code == 302
    assert client.get("/account/password").status_code == 200
    assert client.post("/logout").status_code == 302
    assert user.id


def test_user_form_shows_every_problem_at_once(admin, client, make_user):
    make_user(Role.CITIZEN, email="hanh@example.vn")
    text = text_of(client.post("/admin/users/new", data=form_for(role="chair", unit_code="", password="ngan")))
    assert "Mật khẩu cần ít nhất 10 ký tự" in text
    assert "Thư điện tử này đã được dùng cho một tài khoản khác." in text
    assert "Vai trò “Chủ tịch Hội đồng” cần gắn với một đơn vị" in text


@pytest.mark.parametrize("injected", ["hanh@example.vn\r\nBcc: ke-xau@evil.example", "hanh@example.vn\nTo: ai@evil.example"])
def test_user_email_with_a_line_break_is_refused(admin, client, injected):
    """ASVS 5.0 V1.3.11: an account's address, later used as a mail recipient, holds no header."""
    response = client.post("/admin/users/new", data=form_for(email=injected))

    assert response.status_code == 200
    assert "Thư điện tử không hợp lệ." in text_of(response)
    assert account("hanh@example.vn") is None
