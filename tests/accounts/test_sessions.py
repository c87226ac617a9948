"""Sessions end on the server: a session cookie or remember cookie copied before logout, a password
change, a lock or a change of rights no longer opens anything afterwards; remember cookies are
SameSite=Lax and last 30 days at most."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

import pytest

from dvkheo.accounts.models import Role
from tests.conftest import PASSWORD

NEW_PASSWORD = "ngay-hop-thon-phu-tho"
PRIVATE_PAGE = "/account/password"  # any signed-in person may open it
COOKIES = ("session", "remember_token")


def copy_cookies(source, target, names=COOKIES) -> None:
    """What a thief (or another tab) holding the browser's cookies would send."""
    for name in names:
        cookie = source.get_cookie(name)
        if cookie is not None:
            target.set_cookie(name, cookie.value)


def signed_in(browser) -> bool:
    response = browser.get(PRIVATE_PAGE)
    assert response.status_code in (200, 302)
    return response.status_code == 200


def login(browser, user, *, remember: bool = False, password: str = PASSWORD):
    data = {"email": user.email, "password": password}
    if remember:
        data["remember"] = "y"
    response = browser.post("/login", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


@pytest.fixture
def person(make_user, province):
    return make_user(Role.UNIT_SUBMITTER, province, email="canbo@example.vn")


def test_session_cookie_copied_before_logout_fails_after_it(app, client, person):
    login(client, person)
    thief = app.test_client()
    copy_cookies(client, thief, ["session"])
    assert signed_in(thief)

    client.post("/logout")
    assert not signed_in(client)
    assert not signed_in(thief)


def test_remember_cookie_copied_before_logout_fails_after_it(app, client, person):
    login(client, person, remember=True)
    remembered = app.test_client()
    copy_cookies(client, remembered, ["remember_token"])  # a browser restarted: no session, only the remember cookie
    assert signed_in(remembered)
    thief = app.test_client()
    copy_cookies(client, thief, ["remember_token"])

    client.post("/logout")
    assert not signed_in(thief)
    assert not signed_in(remembered)  # its session came from the remember cookie and ends too


def test_logout_needs_its_csrf_token_to_end_sessions(app, person):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        browser = app.test_client()
        login_page = browser.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
        browser.post("/login", data={"email": person.email, "password": PASSWORD, "csrf_token": token})
        browser.post("/logout")  # a forged cross-site post without the token changes nothing
        assert signed_in(browser)
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_password_change_ends_the_other_devices_but_not_this_one(app, client, person):
    login(client, person, remember=True)
    other_device = app.test_client()
    login(other_device, person, remember=True)
    copied = app.test_client()
    copy_cookies(other_device, copied)

    response = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD,
    })
    assert response.status_code == 302
    assert signed_in(client)
    assert not signed_in(other_device)
    assert not signed_in(copied)


def test_deactivation_ends_sessions_and_remember_cookies_even_after_unlocking(app, client, login_as, person):
    their_browser = app.test_client()
    login(their_browser, person, remember=True)
    copied = app.test_client()
    copy_cookies(their_browser, copied)
    login_as(Role.ADMIN)

    client.post(f"/admin/users/{person.id}/deactivate")
    assert not signed_in(their_browser)
    client.post(f"/admin/users/{person.id}/activate")
    assert not signed_in(copied)  # the old cookies stay dead; the person signs in again
    login(their_browser, person)
    assert signed_in(their_browser)


@pytest.mark.parametrize("change", ["role", "password"])
def test_an_administrators_change_of_role_or_password_ends_the_persons_sessions(app, client, login_as, person, province, change):
    their_browser = app.test_client()
    login(their_browser, person, remember=True)
    copied = app.test_client()
    copy_cookies(their_browser, copied)
    login_as(Role.ADMIN)
    form = {
        "full_name": person.full_name, "email": person.email, "role": Role.UNIT_SUBMITTER.value,
        "unit_code": province.code, "active": "y", "password": "", "confirm_password": "",
    }
    if change == "role":
        form["role"] = Role.SECRETARY.value
    else:
        form["password"] = form["confirm_password"] = NEW_PASSWORD
    assert client.post(f"/admin/users/{person.id}/edit", data=form).status_code == 302
    assert not signed_in(their_browser)
    assert not signed_in(copied)


def test_remember_cookie_is_lax_http_only_and_lasts_at_most_30_days(client, person):
    response = login(client, person, remember=True)
    header = next(value for value in response.headers.getlist("Set-Cookie") if value.startswith("remember_token="))
    attributes = [part.strip() for part in header.split(";")]
    assert "SameSite=Lax" in attributes and "HttpOnly" in attributes
    expires = parsedate_to_datetime(next(part for part in attributes if part.startswith("Expires=")).split("=", 1)[1])
    life = expires - datetime.now(timezone.utc)
    assert timedelta(days=29) < life <= timedelta(days=30, minutes=1)


def test_remember_cookie_is_secure_in_production():
    from config import ProductionConfig

    assert ProductionConfig.REMEMBER_COOKIE_SECURE and ProductionConfig.REMEMBER_COOKIE_SAMESITE == "Lax"
    assert ProductionConfig.REMEMBER_COOKIE_DURATION <= timedelta(days=30)


def test_login_starts_a_new_session_without_what_was_there_before(app, client, person):
    """Session fixation (ASVS 5.0 V7.2.4): whatever sat in the session before signing in (a voter of
    a campaign, a planted value) is gone afterwards, and the cookie from before signs no one in."""
    with client.session_transaction() as before:
        before["voter:1"] = 41
        before["planted"] = "gia-tri-cai-san"
    cookie_before = client.get_cookie("session").value

    login(client, person)

    with client.session_transaction() as after:
        assert "voter:1" not in after and "planted" not in after
        assert after["_user_id"].startswith(f"{person.id}:")
    assert client.get_cookie("session").value != cookie_before
    attacker = app.test_client()
    attacker.set_cookie("session", cookie_before)
    assert not signed_in(attacker)


@pytest.mark.parametrize("role", list(Role), ids=lambda role: role.value)
def test_every_page_of_the_menu_offers_logout_for_every_role(client, login_as, province, role):
    """ASVS 5.0 V7.4.4: the home page and every page its menu links to show the logout button."""
    login_as(role, province)
    home = client.get("/", follow_redirects=True)
    links = sorted({link for link in re.findall(r'href="(/[^"#]*)"', home.get_data(as_text=True))
                    if not link.startswith(("/static/", "/logout")) and not link.endswith(".pdf")})
    checked = 0
    for url in ["/", *links]:
        response = client.get(url.replace("&amp;", "&"), follow_redirects=True)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        page = response.get_data(as_text=True)
        assert re.search(r'<form method="post" action="/logout"[^>]*>\s*<input type="hidden" name="csrf_token"', page), url
        assert "Đăng xuất</button>" in page, url
        checked += 1
    assert checked >= 3, links


@pytest.mark.parametrize(("age_days", "accepted"), [(30, True), (32, False)])
def test_a_session_cookie_signed_more_than_31_days_ago_is_refused(app, client, person, monkeypatch, age_days, accepted):
    """ASVS 5.0 V7.3.2: the signed cookie carries the moment it was signed, and Flask refuses it once
    PERMANENT_SESSION_LIFETIME (31 days, Flask's default) has passed since, permanent session or not.
    (A change to the session signs it again, so this counts from the last change, not from login.)"""
    import itsdangerous.timed

    assert app.permanent_session_lifetime == timedelta(days=31)
    login(client, person)
    serializer = app.session_interface.get_signing_serializer(app)
    contents = serializer.loads(client.get_cookie("session").value)
    signed_at = datetime.now(timezone.utc) - timedelta(days=age_days)
    monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp", lambda _self: int(signed_at.timestamp()))
    old_cookie = serializer.dumps(contents)
    monkeypatch.undo()

    browser = app.test_client()
    browser.set_cookie("session", old_cookie)
    assert signed_in(browser) is accepted


def test_the_session_cookie_holds_only_ids_and_tokens(app, client, person):
    """ASVS 5.0 V14.3.3: the signed (readable, not encrypted) cookie carries no personal data."""
    login(client, person, remember=True)
    contents = app.session_interface.get_signing_serializer(app).loads(client.get_cookie("session").value)

    assert set(contents) <= {"_user_id", "_fresh", "_id", "_remember", "csrf_token", "_flashes", "signed_in_at", "seen_at", "remembered"}, contents
    user_id, version, issued = contents["_user_id"].split(":")  # a "Ghi nhớ" sign-in carries its time
    assert (user_id, version) == (str(person.id), str(person.session_version)) and issued.isdigit()
    readable = repr(contents) + repr(client.get_cookie("remember_token").value)
    for personal in (person.email, person.full_name, PASSWORD, "canbo"):
        assert personal not in readable


def test_session_cookie_is_lax_and_http_only(app, client, person):
    """ASVS 5.0 V3.3.2, V3.3.4: scripts cannot read the session cookie, and other sites' forms do not send it."""
    response = login(client, person)
    name = app.config["SESSION_COOKIE_NAME"]
    header = next(value for value in response.headers.getlist("Set-Cookie") if value.startswith(f"{name}="))
    attributes = [part.strip() for part in header.split(";")]
    assert "HttpOnly" in attributes and "SameSite=Lax" in attributes and "Path=/" in attributes


def _age_session(client, *, idle_seconds: int = 0, since_login_seconds: int = 0) -> None:
    import time

    with client.session_transaction() as saved:
        now = int(time.time())
        saved["seen_at"] = now - idle_seconds
        saved["signed_in_at"] = now - max(since_login_seconds, idle_seconds)


def test_a_session_left_idle_too_long_ends_and_asks_to_sign_in_again(app, client, person):
    login(client, person)
    _age_session(client, idle_seconds=app.config["SESSION_IDLE_MINUTES"] * 60 - 120)
    assert signed_in(client)  # still within the limit; this request counts as activity
    _age_session(client, idle_seconds=app.config["SESSION_IDLE_MINUTES"] * 60 + 5)
    response = client.get(PRIVATE_PAGE)
    assert response.status_code == 302 and "/login?next=/account/password" in response.headers["Location"]
    assert "Phiên đăng nhập đã hết hạn" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert not signed_in(client)


def test_an_active_session_still_ends_at_the_absolute_limit(app, client, person):
    login(client, person)
    _age_session(client, idle_seconds=30, since_login_seconds=app.config["SESSION_MAX_HOURS"] * 3600 + 5)
    assert client.post("/logout").status_code == 303  # even a POST: it goes to the login page
    assert not signed_in(client)


def test_a_copy_of_an_expired_cookie_stays_expired(app, client, person):
    login(client, person)
    _age_session(client, idle_seconds=app.config["SESSION_IDLE_MINUTES"] * 60 + 5)
    thief = app.test_client()
    copy_cookies(client, thief, ["session"])
    assert not signed_in(thief)


def test_remember_me_keeps_the_person_signed_in_past_the_idle_limit(app, client, person):
    login(client, person, remember=True)
    _age_session(client, idle_seconds=app.config["SESSION_IDLE_MINUTES"] * 60 + 5)
    assert signed_in(client)


def test_logout_asks_the_browser_to_drop_what_it_kept(client, person):
    """ASVS 5.0 V14.3.1: on a shared PC the back button must not bring the pages back."""
    login(client, person)
    response = client.post("/logout")
    assert response.headers["Clear-Site-Data"] == '"cache", "storage"'


def test_logout_deletes_the_remember_cookie_from_the_browser(client, person):
    login(client, person, remember=True)
    assert client.get_cookie("remember_token") is not None
    client.post("/logout")
    assert client.get_cookie("remember_token") is None


def test_a_made_up_remember_cookie_does_not_lift_the_time_limits(app, client, person):
    login(client, person)
    client.set_cookie("remember_token", "bat-ky-gia-tri-nao")
    _age_session(client, idle_seconds=app.config["SESSION_IDLE_MINUTES"] * 60 + 5)
    assert not signed_in(client)


def test_after_a_remembered_login_and_logout_the_next_plain_login_has_time_limits(app, client, person):
    login(client, person, remember=True)
    client.post("/logout")
    login(client, person)
    _age_session(client, idle_seconds=app.config["SESSION_IDLE_MINUTES"] * 60 + 5)
    assert not signed_in(client)


def test_a_plain_login_drops_a_stale_remember_cookie_of_the_browser(client, person, make_user, province):
    from dvkheo.extensions import db

    other = make_user(Role.UNIT_SUBMITTER, province, email="khac@example.vn")
    login(client, other, remember=True)
    client.delete_cookie("session")  # the browser was closed; the remember cookie stays
    other.end_sessions()  # e.g. a password change on another device: the cookie no longer signs in
    db.session.commit()
    login(client, person)
    assert client.get_cookie("remember_token") is None


def test_a_session_restored_by_the_remember_cookie_keeps_its_choice(app, client, person):
    login(client, person, remember=True)
    client.delete_cookie("session")  # the browser was closed
    assert signed_in(client)  # restored from the remember cookie
    _age_session(client, idle_seconds=app.config["SESSION_IDLE_MINUTES"] * 60 + 5)
    assert signed_in(client)


def test_a_session_without_its_times_counts_as_expired(client, person):
    """A cookie from before the limits (or forged without the times) must not get "now" on every replay."""
    login(client, person)
    with client.session_transaction() as saved:
        saved.pop("signed_in_at")
        saved.pop("seen_at")
    assert not signed_in(client)


def test_a_copied_remember_cookie_dies_on_the_server_30_days_after_its_login(app, person):
    """The browser is told 30 days; a copy kept elsewhere must not outlive that on the server."""
    import time

    from flask_login.utils import encode_cookie

    with app.test_request_context():
        old = encode_cookie(f"{person.id}:{person.session_version}:{int(time.time()) - 31 * 24 * 3600}")
        fresh = encode_cookie(f"{person.id}:{person.session_version}:{int(time.time()) - 29 * 24 * 3600}")
    for value, works in ((old, False), (fresh, True)):
        thief = app.test_client()
        thief.set_cookie("remember_token", value)
        assert signed_in(thief) is works
