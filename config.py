"""Configuration classes, read from environment variables.

`DevelopmentConfig` is the embedded default: SQLite next to the code, uploads under
`instance/`, no Redis. `ProductionConfig` refuses to start without a real secret.
"""
from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"

# Keys that must never reach production; the dev key is derived per checkout.
_KNOWN_WEAK_SECRETS = {"", "dev", "changeme", "secret", "you-will-never-guess"}


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _database_url(default: str) -> str:
    url = os.environ.get("DATABASE_URL", default)
    # Heroku-style URLs and plain "postgresql://" both mean psycopg 3 here.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    SQLALCHEMY_DATABASE_URI = _database_url(f"sqlite:///{INSTANCE_DIR / 'dvkheo.sqlite'}")
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    REDIS_URL = os.environ.get("REDIS_URL", "")
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR", str(INSTANCE_DIR / "uploads"))

    # Per-file and per-nomination caps; the request cap leaves room for form fields.
    MAX_FILE_BYTES = 10 * 1024 * 1024
    MAX_NOMINATION_BYTES = 50 * 1024 * 1024
    MAX_CONTENT_LENGTH = 52 * 1024 * 1024

    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
    LANGUAGES = ("vi", "en")

    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", False)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "dvkheo@localhost")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    WTF_CSRF_TIME_LIMIT = None  # a long form on a slow commune connection must not expire

    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute")
    LIST_PAGE_SIZE = 25

    # Public voting. Identity numbers of the local voter list are stored only as HMAC-SHA256
    # with this key (defaults to one derived from SECRET_KEY; set it to keep hashes across key rotations).
    VOTER_ID_HASH_KEY = os.environ.get("VOTER_ID_HASH_KEY", "")
    EMAIL_CODE_TTL_MINUTES = int(os.environ.get("EMAIL_CODE_TTL_MINUTES", "10"))
    EMAIL_CODE_MAX_ATTEMPTS = 5
    # A development-only page lists the messages that would have been emailed (never in production).
    DEV_OUTBOX = _bool("DEV_OUTBOX", False)
    VOTE_RATE_LIMIT_PER_IP = os.environ.get("VOTE_RATE_LIMIT_PER_IP", "120 per minute")
    VOTE_RATE_LIMIT_PER_VOTER = os.environ.get("VOTE_RATE_LIMIT_PER_VOTER", "20 per minute")
    EMAIL_CODE_RATE_LIMIT = os.environ.get("EMAIL_CODE_RATE_LIMIT", "5 per 10 minutes")
    OBJECTION_RATE_LIMIT = os.environ.get("OBJECTION_RATE_LIMIT", "10 per hour")
    # Personal data (Law 91/2025): the public request form's limit, and the days a request must be answered in.
    DATA_REQUEST_RATE_LIMIT = os.environ.get("DATA_REQUEST_RATE_LIMIT", "5 per hour")
    DATA_REQUEST_DAYS = int(os.environ.get("DATA_REQUEST_DAYS", "15"))
    DATA_REQUEST_RETENTION_DAYS = int(os.environ.get("DATA_REQUEST_RETENTION_DAYS", "1095"))
    # Certificates: the address printed in every QR code ("<PUBLIC_BASE_URL>/verify/<serial>") must be the
    # public one even when a background job renders it outside any request.
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000").rstrip("/")
    # A batch is rendered this many certificates at a time and merged, so memory stays bounded.
    PRINT_CHUNK_SIZE = int(os.environ.get("PRINT_CHUNK_SIZE", "50"))
    # bench/votes.py's floor endpoint (a bare insert); off unless a bench asks for it.
    BENCH_ENDPOINTS = _bool("DVKHEO_BENCH_ENDPOINTS", False)


class DevelopmentConfig(Config):
    DEBUG = False
    SECRET_KEY = os.environ.get("SECRET_KEY") or "dev-only-" + str(BASE_DIR)
    DEV_OUTBOX = _bool("DEV_OUTBOX", True)


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret-key"
    WTF_CSRF_ENABLED = False
    SQLALCHEMY_DATABASE_URI = _database_url(os.environ.get("TEST_DATABASE_URL", "sqlite://"))
    LOGIN_RATE_LIMIT = "1000 per minute"
    DEV_OUTBOX = True
    VOTE_RATE_LIMIT_PER_IP = "10000 per minute"
    VOTE_RATE_LIMIT_PER_VOTER = "1000 per minute"
    EMAIL_CODE_RATE_LIMIT = "1000 per minute"
    OBJECTION_RATE_LIMIT = "1000 per minute"
    DATA_REQUEST_RATE_LIMIT = "1000 per minute"
    VERIFY_RATE_LIMIT = "1000 per minute"
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # fast hashing keeps the suite quick


class ProductionConfig(Config):
    DEV_OUTBOX = False  # never, whatever the environment says: it would show voters' codes
    BENCH_ENDPOINTS = False
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE

    @classmethod
    def validate(cls) -> None:
        secret = cls.SECRET_KEY or ""
        if secret.lower() in _KNOWN_WEAK_SECRETS or len(secret) < 32:
            raise RuntimeError(
                "SECRET_KEY phải được đặt (ít nhất 32 ký tự ngẫu nhiên) khi chạy môi trường production."
            )


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
