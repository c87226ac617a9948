"""Personal API tokens: the secret shown once and never stored, and every way a token stops working."""
from __future__ import annotations

import hashlib
from datetime import timedelta

import sqlalchemy as sa

from dvkheo.accounts import api_tokens
from dvkheo.accounts.api_tokens import ApiToken
from dvkheo.accounts.models import Role
from dvkheo.core.audit import AuditEvent
from dvkheo.core.timeutil import utcnow
from dvkheo.extensions import db
from tests.conftest import PASSWORD



def _events(entity_type: str, action: str) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.entity_type == entity_type, AuditEvent.action == action)))


def _secret_from(page: str) -> str:
    start = page.index('id="token-secret">') + len('id="token-secret">')
    return page[start:page.index("<", start)].strip()


def test_page_creates_a_token_shows_it_once_and_stores_only_its_hash(client, api, login_as, make_unit):
    user = login_as(Role.UNIT_SUBMITTER, make_unit())
    response = client.post("/account/api-tokens", data={"name": "Phần mềm một cửa xã", "allow_draft": "y", "days": "180"})
    assert response.status_code == 201
    page = response.get_data(as_text=True)
    secret = _secret_from(page)
    assert secret.startswith("dvk_") and len(secret) == 4 + 43
    assert "Khóa chỉ hiện một lần này" in page
    assert 'value="Phần mềm một cửa xã"' not in page  # the form is empty again for the next token
    assert response.headers["Cache-Control"] == "no-store"

    # Never again: the list shows the name and the prefix only.
    listing = client.get("/account/api-tokens").get_data(as_text=True)
    assert secret not in listing
    assert "Phần mềm một cửa xã" in listing and secret[:12] + "…" in listing
    assert "Đăng xuất không chấm dứt khóa" in listing and "Đổi hoặc đặt lại mật khẩu thu hồi mọi khóa" in listing

    # Not in any column of any row of the token table or of the audit log.
    rows = db.session.execute(sa.text("SELECT * FROM api_tokens")).all()
    assert len(rows) == 1 and all(secret not in str(value) for value in rows[0])
    token = db.session.scalar(sa.select(ApiToken))
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert (token.scopes, token.user_id, token.issued_role) == ("draft read", user.id, "unit_submitter")
    assert (token.expires_at - token.created_at) == timedelta(days=180)
    audit_text = " ".join(str(r) for r in db.session.execute(sa.text("SELECT * FROM audit_events")).all())
    assert secret not in audit_text
    [created] = _events("api_token", "create")
    assert (created.actor_id, created.details["prefix"], created.details["scopes"]) == (user.id, token.prefix, "draft read")

    assert api.get("/nominations", secret).status_code == 200


def test_page_offers_draft_scope_only_to_unit_staff_and_caps_the_expiry(client, login_as, province):
    login_as(Role.SECRETARY, province)
    page = client.get("/account/api-tokens").get_data(as_text=True)
    assert "Cho phép tạo bản nháp" not in page
    response = client.post("/account/api-tokens", data={"name": "Báo cáo", "allow_draft": "y", "days": "90"})
    assert response.status_code == 201
    assert db.session.scalar(sa.select(ApiToken.scopes)) == "read"
    # An expiry outside the list (more than 365 days) is refused beside the field.
    response = client.post("/account/api-tokens", data={"name": "Quá hạn", "days": "3650"})
    assert response.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 1
    # A name is required.
    response = client.post("/account/api-tokens", data={"name": " ", "days": "90"})
    assert response.status_code == 422 and "Vui lòng đặt tên cho khóa" in response.get_data(as_text=True)


def test_revoke_asks_first_then_refuses_the_token(client, api, login_as, make_unit, issue_token):
    user = login_as(Role.UNIT_SUBMITTER, make_unit())
    secret = issue_token(user)
    token = db.session.scalar(sa.select(ApiToken))
    asked = client.post(f"/account/api-tokens/{token.id}/revoke")
    assert asked.status_code == 200 and "Thu hồi khóa “Phần mềm một cửa”?" in asked.get_data(as_text=True)
    assert api.get("/nominations", secret).status_code == 200  # nothing done before the confirmation

    done = client.post(f"/account/api-tokens/{token.id}/revoke", data={"confirmed": "1"})
    assert done.status_code == 302
    response = api.get("/nominations", secret)
    assert response.status_code == 401
    assert response.get_json()["message"].startswith("Khóa truy cập không hợp lệ")
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="dvkheo-staff-api", error="invalid_token"'
    [event] = _events("api_token", "revoke")
    assert (event.entity_id, event.actor_id, event.details["reason"]) == (token.id, user.id, "owner")
    assert "Đã thu hồi" in client.get("/account/api-tokens").get_data(as_text=True)


def test_nobody_revokes_someone_elses_token(client, login_as, make_user, make_unit, issue_token):
    other = make_user(Role.UNIT_SUBMITTER, make_unit())
    issue_token(other)
    token = db.session.scalar(sa.select(ApiToken))
    login_as(Role.ADMIN)
    assert client.post(f"/account/api-tokens/{token.id}/revoke", data={"confirmed": "1"}).status_code == 404
    db.session.refresh(token)
    assert token.revoked_at is None


def test_expired_token_is_refused(api, make_user, make_unit, issue_token):
    secret = issue_token(make_user(Role.UNIT_SUBMITTER, make_unit()))
    token = db.session.scalar(sa.select(ApiToken))
    token.created_at = utcnow() - timedelta(days=91)
    token.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert api.get("/nominations", secret).status_code == 401


def test_locked_account_token_is_refused_until_unlocked(api, make_user, make_unit, issue_token):
    user = make_user(Role.UNIT_SUBMITTER, make_unit())
    secret = issue_token(user)
    user.active = False
    db.session.commit()
    assert api.get("/nominations", secret).status_code == 401
    user.active = True
    db.session.commit()
    assert api.get("/nominations", secret).status_code == 200


def test_change_of_role_or_unit_ends_the_token_for_good(api, make_user, make_unit, issue_token, province):
    user = make_user(Role.UNIT_SUBMITTER, make_unit())
    secret = issue_token(user)
    first_unit = user.unit
    user.unit = make_unit()
    db.session.commit()
    assert api.get("/nominations", secret).status_code == 401
    user.unit = first_unit  # moving back does not bring it back under another role either
    user.role = Role.SECRETARY
    db.session.commit()
    assert api.get("/nominations", secret).status_code == 401


def test_unknown_or_malformed_tokens_are_refused(api):
    for header in ("Bearer dvk_" + "A" * 43, "Bearer nothing", "Basic dXNlcjpwYXNz", "Bearer ", "dvk_" + "A" * 43):
        response = api.client.get("/api/v1/staff/nominations", headers={"Authorization": header})
        assert response.status_code == 401, header
        assert response.get_json()["error"] == "unauthorized"
        assert response.headers["WWW-Authenticate"].startswith('Bearer realm="dvkheo-staff-api"')


def test_password_change_revokes_every_token_but_logout_does_not(client, api, auth, make_user, make_unit, issue_token):
    user = make_user(Role.UNIT_SUBMITTER, make_unit())
    first, second = issue_token(user), issue_token(user)
    auth.login(user)
    auth.logout()
    assert api.get("/nominations", first).status_code == 200

    auth.login(user)
    new_password = "một câu rất dài để đổi mật khẩu 2026"
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": new_password, "confirm_password": new_password,
    })
    assert response.status_code == 302
    assert api.get("/nominations", first).status_code == 401
    assert api.get("/nominations", second).status_code == 401
    assert {e.details["reason"] for e in _events("api_token", "revoke")} == {"password"}
    assert "Đã thu hồi do đổi hoặc đặt lại mật khẩu" in client.get("/account/api-tokens").get_data(as_text=True)


def test_password_reset_by_link_revokes_tokens(client, api, make_user, make_unit, issue_token):
    from dvkheo.accounts import reset

    user = make_user(Role.UNIT_SUBMITTER, make_unit())
    secret = issue_token(user)
    record = reset.PasswordResetToken(user=user, token_hash=reset.token_hash("tok"), expires_at=utcnow() + timedelta(minutes=30))
    db.session.add(record)
    db.session.flush()
    assert reset.complete_reset(record, "một mật khẩu mới thật dài 2026")
    db.session.commit()
    assert api.get("/nominations", secret).status_code == 401


def test_password_reset_by_the_create_admin_command_revokes_tokens(runner, api, make_user, issue_token):
    # `flask create-admin` on an existing administrator is how a locked-out or compromised admin is recovered.
    admin = make_user(Role.ADMIN, None)
    secret = issue_token(admin)
    assert api.get("/nominations", secret).status_code == 200
    result = runner.invoke(args=["create-admin", "--email", admin.email, "--name", "Quản trị", "--password", "một mật khẩu mới thật dài 2026"])
    assert result.exit_code == 0, result.output
    assert api.get("/nominations", secret).status_code == 401
    assert [e.details["reason"] for e in _events("api_token", "revoke")] == ["password"]


def test_last_used_is_written_at_most_once_a_minute(api, make_user, make_unit, issue_token, count_queries):
    secret = issue_token(make_user(Role.UNIT_SUBMITTER, make_unit()))
    token = db.session.scalar(sa.select(ApiToken))
    assert token.last_used_at is None
    api.get("/nominations", secret)
    db.session.refresh(token)
    first = token.last_used_at
    assert first is not None
    with count_queries() as counter:
        api.get("/nominations", secret)
    assert not any(s.lstrip().upper().startswith("UPDATE") for s in counter.statements)
    db.session.refresh(token)
    assert token.last_used_at == first
    token.last_used_at = utcnow() - timedelta(minutes=2)
    db.session.commit()
    api.get("/nominations", secret)
    db.session.refresh(token)
    assert api_tokens._aware(token.last_used_at) > utcnow() - timedelta(seconds=30)


def test_the_request_log_names_the_tokens_owner(api, make_user, make_unit, issue_token, caplog):
    # The log line of every request says which account made it; with a token there is no session to read it from.
    import json
    import logging

    user = make_user(Role.UNIT_SUBMITTER, make_unit())
    secret = issue_token(user)
    with caplog.at_level(logging.INFO, logger="dvkheo.requests"):
        assert api.get("/nominations", secret).status_code == 200
        assert api.get("/nominations", "dvk_" + "0" * 43).status_code == 401
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "dvkheo.requests"]
    assert [(line["status"], line["user_id"]) for line in lines] == [(200, user.id), (401, None)]


def test_rate_limited_per_token(app, api, make_user, make_unit, issue_token):
    user = make_user(Role.UNIT_SUBMITTER, make_unit())
    busy, quiet = issue_token(user), issue_token(user)
    app.config["STAFF_API_RATE_LIMIT"] = "3 per minute"
    try:
        assert [api.get("/nominations", busy).status_code for _ in range(4)] == [200, 200, 200, 429]
        limited = api.get("/nominations", busy)
        assert limited.get_json()["error"] == "rate_limited" and limited.headers["Retry-After"]
        assert api.get("/nominations", quiet).status_code == 200  # another token has its own count
    finally:
        app.config["STAFF_API_RATE_LIMIT"] = "10000 per minute"


def test_refused_tokens_are_rate_limited_per_address(app, api):
    app.config["STAFF_API_REFUSED_RATE_LIMIT"] = "2 per minute"
    try:
        codes = [api.get("/nominations", f"dvk_{i:043d}").status_code for i in range(3)]
        assert codes == [401, 401, 429]
    finally:
        app.config["STAFF_API_REFUSED_RATE_LIMIT"] = "10000 per minute"
