"""Checking a login: the same work whether or not the address has an account, and a throttle per
typed address that slows guessing down without ever locking the account.

The throttle lives in the database (`LoginThrottle`), so every worker and every server shares it
without Redis. It is keyed by the typed address, known or not, so an unknown address is throttled
exactly like a known one (the answer tells nothing about which addresses have accounts). The
per-IP limit (`LOGIN_RATE_LIMIT`, Flask-Limiter) still applies on top.

After `LOGIN_THROTTLE_AFTER` failures (default 5) each further attempt has to wait 2, 4, 8, ...
seconds, at most `LOGIN_THROTTLE_MAX_SECONDS` (15 minutes); during the wait every attempt, even
with the right password, is refused before the password is checked. A successful login clears the
count; a quiet hour (`LOGIN_THROTTLE_WINDOW_SECONDS`) forgets it.
"""
from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache

import sqlalchemy as sa
from flask import current_app
from werkzeug.security import generate_password_hash

from dvkheo.accounts import models
from dvkheo.accounts.models import LoginThrottle, User, password_hash_method
from dvkheo.core import audit
from dvkheo.core.timeutil import utcnow
from dvkheo.extensions import db

THROTTLED = "Đăng nhập sai nhiều lần. Vui lòng thử lại sau {seconds} giây."


def _setting(name: str, default: int) -> int:
    return int(current_app.config.get(name, default))


def throttle_after() -> int:
    return _setting("LOGIN_THROTTLE_AFTER", 5)


def _window() -> timedelta:
    return timedelta(seconds=_setting("LOGIN_THROTTLE_WINDOW_SECONDS", 3600))


def delay_after(failures: int) -> int:
    """Seconds to wait after `failures` failed attempts in a row: 0 below the threshold, then 2, 4, 8, ..."""
    over = failures - throttle_after()
    if over < 0:
        return 0
    return min(2 ** min(over + 1, 30), _setting("LOGIN_THROTTLE_MAX_SECONDS", 15 * 60))


def email_key(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


@lru_cache(maxsize=4)
def _dummy_hash(method: str) -> str:
    return generate_password_hash(secrets.token_urlsafe(16), method=method)


def dummy_hash() -> str:
    """A hash of a random password made with the method real passwords use (same cost to check)."""
    return _dummy_hash(password_hash_method())


@dataclass
class LoginOutcome:
    user: User | None = None  # the account whose password matched (it may be locked)
    wait_seconds: int = 0  # > 0: refused by the throttle, password not checked


def authenticate(email: str, password: str, *, at: datetime | None = None) -> LoginOutcome:
    """Check an email and password. Flushes the throttle's changes; the caller commits in every outcome.

    Unknown addresses still check the password against a dummy hash, so that both answers take
    as long. The account is returned even when it is locked (the view says so, after the
    password was right); an account crossing the threshold gets a `user/login_throttled` audit event.
    """
    at = at or utcnow()
    key = email_key(email)
    wait = _claim_attempt(key, at)
    if wait:
        return LoginOutcome(wait_seconds=wait)
    user = db.session.scalar(sa.select(User).where(sa.func.lower(User.email) == email.strip().lower()))
    if user is None:
        models.check_password_hash(dummy_hash(), password)  # same work as a real check; always refused
        matched = False
    else:
        matched = user.check_password(password)
    if matched:
        user.rehash_if_outdated(password)
        clear(email)
        return LoginOutcome(user=user)
    failures = _record_failure(key, at)
    if user is not None and failures == throttle_after():
        audit.record("user", user.id, "login_throttled", None, details={"failures": failures})
    return LoginOutcome()


def clear(email: str) -> None:
    """Forget the failed attempts of this address (a successful login or password reset)."""
    db.session.execute(sa.delete(LoginThrottle).where(LoginThrottle.email_hash == email_key(email)))


def _claim_attempt(key: str, at: datetime) -> int:
    """0 when this attempt may check the password, else the seconds left to wait.

    Once the threshold is passed, the attempt claims the next slot with one conditional UPDATE
    (charging the wait it would cost if it fails), so that parallel requests sent the moment a wait
    ends get one check between them, not one each.
    """
    row = db.session.get(LoginThrottle, key)
    if row is None or _aware(row.last_failure_at) <= at - _window():
        return 0
    allowed = _aware(row.next_allowed_at) if row.next_allowed_at else None
    if allowed is None or allowed <= at:
        if row.failures < throttle_after():
            return 0
        claimed = db.session.execute(
            sa.update(LoginThrottle)
            .where(
                LoginThrottle.email_hash == key,
                sa.or_(LoginThrottle.next_allowed_at.is_(None), LoginThrottle.next_allowed_at <= at),
            )
            .values(next_allowed_at=at + timedelta(seconds=delay_after(row.failures + 1)))
            .execution_options(synchronize_session=False)
        ).rowcount
        if claimed == 1:
            return 0
        db.session.refresh(row)
        allowed = _aware(row.next_allowed_at)
    return max(1, math.ceil((allowed - at).total_seconds()))


def _record_failure(key: str, at: datetime) -> int:
    """Count one failure of this address (starting again after a quiet window); returns the count."""
    fresh = db.session.get(LoginThrottle, key)
    if fresh is None:
        try:
            with db.session.begin_nested():
                db.session.add(LoginThrottle(email_hash=key, failures=1, last_failure_at=at))
            failures = 1
        except sa.exc.IntegrityError:  # another worker counted this address's first failure just now
            fresh = db.session.get(LoginThrottle, key)
    if fresh is not None:
        expired = _aware(fresh.last_failure_at) <= at - _window()
        db.session.execute(
            sa.update(LoginThrottle)
            .where(LoginThrottle.email_hash == key)
            .values(
                failures=1 if expired else LoginThrottle.failures + 1,
                last_failure_at=at,
            )
            .execution_options(synchronize_session=False)
        )
        db.session.refresh(fresh)
        failures = fresh.failures
    wait = delay_after(failures)
    db.session.execute(
        sa.update(LoginThrottle)
        .where(LoginThrottle.email_hash == key)
        .values(next_allowed_at=at + timedelta(seconds=wait) if wait else None)
        .execution_options(synchronize_session=False)
    )
    return failures
