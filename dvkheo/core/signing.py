"""The signed session cookie and the CSRF token, checked with a serializer made once per secret.

Flask and Flask-WTF build a new itsdangerous serializer on every request (which builds a new signer
on every call, which derives its key again), and sign with SHA-1 wrapped in a Python function
(itsdangerous' `_lazy_sha1`, kept for builds without SHA-1), which sends every HMAC down `hmac`'s
pure-Python path. A vote reads both the cookie and the token: about a tenth of the vote route's own
Python went there (issue 14, item 7; bench/votes.py). Cookies and tokens are the same bytes as
before: same keys, salts, key derivation and digest, so sessions and forms open before an upgrade
stay valid after it.
"""
from __future__ import annotations

import hashlib
import hmac

from flask import current_app, g, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_wtf import csrf as wtf_csrf
from itsdangerous import BadData, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from itsdangerous.encoding import want_bytes
from wtforms import ValidationError

_SESSION_SERIALIZER = "dvkheo.session_serializer"
_CSRF_SERIALIZER = "dvkheo.csrf_serializer"
CSRF_SALT = "wtf-csrf-token"  # Flask-WTF's: tokens it made stay valid here, and the other way round


class _Signer(TimestampSigner):
    """itsdangerous' signer, deriving each key once (a pure function of the key, salt and method)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._derived: dict[bytes, bytes] = {}

    def derive_key(self, secret_key=None) -> bytes:
        key = self.secret_keys[-1] if secret_key is None else want_bytes(secret_key)
        derived = self._derived.get(key)
        if derived is None:
            derived = self._derived[key] = super().derive_key(key)
        return derived


class Serializer(URLSafeTimedSerializer):
    """URLSafeTimedSerializer that makes its signer once per salt instead of on every call."""

    default_signer = _Signer

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._signers: dict = {}

    def make_signer(self, salt=None):
        signer = self._signers.get(salt)
        if signer is None:
            signer = self._signers[salt] = super().make_signer(salt)
        return signer


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, its serializer kept per app until a key changes.

    `/readyz` and `/metrics` answer machines: their answers never set a cookie, even when a browser
    with a session opens them (the session's once-a-minute refresh would otherwise ride along)."""

    digest_method = staticmethod(hashlib.sha1)

    def get_signing_serializer(self, app):
        if not app.secret_key:
            return None
        keys = (*(app.config.get("SECRET_KEY_FALLBACKS") or ()), app.secret_key)
        cached = app.extensions.get(_SESSION_SERIALIZER)
        if cached is None or cached[0] != keys:
            # The arguments of `SecureCookieSessionInterface.get_signing_serializer`, for the class above.
            cached = (keys, Serializer(
                list(keys), salt=self.salt, serializer=self.serializer,
                signer_kwargs={"key_derivation": self.key_derivation, "digest_method": self.digest_method},
            ))
            app.extensions[_SESSION_SERIALIZER] = cached
        return cached[1]

    def save_session(self, app, session, response) -> None:
        if g.get("machine_answer"):
            return
        super().save_session(app, session, response)


def _csrf_serializer(app, secret_key) -> URLSafeTimedSerializer:
    cached = app.extensions.get(_CSRF_SERIALIZER)
    if cached is None or cached[0] != secret_key:
        cached = (secret_key, Serializer(secret_key, salt=CSRF_SALT, signer_kwargs={"digest_method": hashlib.sha1}))
        app.extensions[_CSRF_SERIALIZER] = cached
    return cached[1]


def validate_csrf(data) -> None:
    """`flask_wtf.csrf.validate_csrf` with the app's settings: the same checks, in the same order,
    with the same reasons (`ValidationError`)."""
    app = current_app._get_current_object()
    config = app.config
    secret_key = config.get("WTF_CSRF_SECRET_KEY", app.secret_key)
    if secret_key is None:
        raise RuntimeError("A secret key is required to use CSRF.")
    field_name = config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    if field_name is None:
        raise RuntimeError("A field name is required to use CSRF.")
    time_limit = config.get("WTF_CSRF_TIME_LIMIT", 3600)
    if not data:
        raise ValidationError("The CSRF token is missing.")
    stored = session.get(field_name)
    if stored is None:
        raise ValidationError("The CSRF session token is missing.")
    try:
        token = _csrf_serializer(app, secret_key).loads(data, max_age=time_limit)
    except SignatureExpired as e:
        raise ValidationError("The CSRF token has expired.") from e
    except BadData as e:
        raise ValidationError("The CSRF token is invalid.") from e
    if not hmac.compare_digest(stored, token):
        raise ValidationError("The CSRF tokens do not match.")


class CSRFProtect(wtf_csrf.CSRFProtect):
    """Flask-WTF's CSRF protection (exemptions, methods, the HTTPS referrer rule, `g.csrf_valid`),
    checking the token with `validate_csrf` above."""

    def protect(self, apply_exemptions=False):
        if apply_exemptions:
            if not request.endpoint:
                return
            if self._is_exempt():
                return
        if request.method not in current_app.config["WTF_CSRF_METHODS"]:
            return
        try:
            validate_csrf(self._get_csrf_token())
        except ValidationError as e:
            wtf_csrf.logger.info(e.args[0])
            self._error_response(e.args[0])
        if request.is_secure and current_app.config["WTF_CSRF_SSL_STRICT"]:
            if not request.referrer:
                self._error_response("The referrer header is missing.")
            good_referrer = f"https://{request.host}/"
            if not wtf_csrf.same_origin(request.referrer, good_referrer):
                self._error_response("The referrer does not match the host.")
        g.csrf_valid = True
