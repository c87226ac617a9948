"""Configuration classes, read from environment variables.

`DevelopmentConfig` is the embedded default: SQLite next to the code, uploads under
`instance/`, no Redis, random keys created once in `instance/secrets/`. `ProductionConfig`
refuses to start without real keys and an https public address.
"""
from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"

# Keys that must never reach production (development keys are random, see dvkheo/core/instance_secrets.py).
_KNOWN_WEAK_SECRETS = {"", "dev", "changeme", "secret", "you-will-never-guess", "test-secret-key"}
MIN_KEY_LENGTH = 32


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
    # Where missing keys are created at random and kept (mode 0600); empty: never (production, tests).
    INSTANCE_SECRETS_DIR = ""
    SQLALCHEMY_DATABASE_URI = _database_url(f"sqlite:///{INSTANCE_DIR / 'dvkheo.sqlite'}")
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    REDIS_URL = os.environ.get("REDIS_URL", "")
    # The statistics page's figures are computed at most once per this many seconds per unit and period (shared
    # through Redis when REDIS_URL is set); 0: computed on every request. See dvkheo/reports/cache.py.
    STATS_CACHE_SECONDS = int(os.environ.get("STATS_CACHE_SECONDS", "60"))
    # Once a cached entry is this fraction of the interval old, a read refreshes it in the background (0: never).
    STATS_REFRESH_AHEAD = float(os.environ.get("STATS_REFRESH_AHEAD", "0.5"))
    # The RQ queue's name ("dvkheo" when empty): two installations sharing one Redis keep their jobs apart.
    JOBS_QUEUE = os.environ.get("JOBS_QUEUE", "")
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR", str(INSTANCE_DIR / "uploads"))
    # Where uploads, photos' resized copies and print files live: "local" (UPLOAD_DIR, a shared mount when
    # several machines serve) or "s3" (a bucket of any S3-compatible service).
    STORAGE_BACKEND = os.environ.get("STORAGE_BACKEND", "local")
    S3_BUCKET = os.environ.get("S3_BUCKET", "")
    S3_ENDPOINT_URL = os.environ.get("S3_ENDPOINT_URL", "")
    S3_REGION = os.environ.get("S3_REGION", "")
    S3_ACCESS_KEY_ID = os.environ.get("S3_ACCESS_KEY_ID", "")
    S3_SECRET_ACCESS_KEY = os.environ.get("S3_SECRET_ACCESS_KEY", "")
    S3_PREFIX = os.environ.get("S3_PREFIX", "")
    # Local folder for work in progress with the S3 store (a print job's chunks, a restore's staged files).
    SCRATCH_DIR = os.environ.get("SCRATCH_DIR", "")

    # Per-file and per-nomination caps; the request cap leaves room for form fields.
    MAX_FILE_BYTES = 10 * 1024 * 1024
    MAX_NOMINATION_BYTES = 50 * 1024 * 1024
    MAX_CONTENT_LENGTH = 52 * 1024 * 1024
    # An uploaded image may declare at most this many pixels (read from its header, before decoding).
    MAX_IMAGE_PIXELS = int(os.environ.get("MAX_IMAGE_PIXELS", "40000000"))
    # Root certificates (PEM or DER files) that a signed decision's certificate may chain to, e.g. the
    # national root CA; separated by ":" in the environment. Empty: signatures are checked for integrity
    # only and the page says the chain could not be verified. Trust is shown, never required.
    SIGNED_PDF_TRUST_ROOTS = [p for p in os.environ.get("SIGNED_PDF_TRUST_ROOTS", "").split(os.pathsep) if p.strip()]

    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
    LANGUAGES = ("vi", "en")

    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", False)  # STARTTLS, usually on port 587
    MAIL_USE_SSL = _bool("MAIL_USE_SSL", False)  # TLS from the first byte, usually on port 465
    MAIL_CA_FILE = os.environ.get("MAIL_CA_FILE", "")  # extra authority for an internal mail server
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "dvkheo@localhost")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    # Sessions (issue 10): a remember cookie lasts 30 days at most and is not sent on cross-site requests.
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_DURATION = timedelta(days=30)
    # A sign-in without "Ghi nhớ" ends after this long without a request, and this long after login.
    # Four hours lets an officer write a long dossier between two saves; twelve cover a working day.
    SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", "240"))
    SESSION_MAX_HOURS = int(os.environ.get("SESSION_MAX_HOURS", "12"))
    # scrypt with N=2^15, r=8, p=3: OWASP's equivalent of N=2^17 at a quarter of the memory (32 MiB per
    # check, about 0.25 s on one core). Older hashes still verify and are redone at the next login.
    PASSWORD_HASH_METHOD = os.environ.get("PASSWORD_HASH_METHOD", "scrypt:32768:8:3")
    PASSWORD_RESET_RATE_LIMIT = os.environ.get("PASSWORD_RESET_RATE_LIMIT", "5 per 10 minutes")
    WTF_CSRF_TIME_LIMIT = None  # a long form on a slow commune connection must not expire

    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute")
    # Staff API (/api/v1/staff): requests per personal token, and refused tokens (401) per address.
    STAFF_API_RATE_LIMIT = os.environ.get("STAFF_API_RATE_LIMIT", "300 per minute")
    STAFF_API_REFUSED_RATE_LIMIT = os.environ.get("STAFF_API_REFUSED_RATE_LIMIT", "30 per minute")
    # "N per minute" means at most N in any 60 seconds (a fixed window would allow 2N across its edge).
    RATELIMIT_STRATEGY = os.environ.get("RATELIMIT_STRATEGY", "moving-window")
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "dvkheo")  # counters' names in a shared Redis
    # Reverse proxies in front of the app (nginx: 1). Their X-Forwarded-For and X-Forwarded-Proto are
    # trusted, so limits count the real client; 0 (no proxy) ignores those headers, which anyone can send.
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0") or 0)
    # Strict-Transport-Security max-age in seconds; 0 sends none (production sends one year).
    HSTS_SECONDS = 0
    LIST_PAGE_SIZE = 25

    # Public voting. Identity numbers of the local voter list and voters' emails are stored only as
    # HMAC-SHA256 with this key, independent of SECRET_KEY: keep it for as long as the data lives.
    VOTER_ID_HASH_KEY = os.environ.get("VOTER_ID_HASH_KEY", "")
    EMAIL_CODE_TTL_MINUTES = int(os.environ.get("EMAIL_CODE_TTL_MINUTES", "10"))
    EMAIL_CODE_MAX_ATTEMPTS = 5
    # A development-only page lists the messages that would have been emailed (never in production).
    DEV_OUTBOX = _bool("DEV_OUTBOX", False)
    VOTE_RATE_LIMIT_PER_IP = os.environ.get("VOTE_RATE_LIMIT_PER_IP", "120 per minute")
    VOTE_RATE_LIMIT_PER_VOTER = os.environ.get("VOTE_RATE_LIMIT_PER_VOTER", "20 per minute")
    # Sealed vote batches (issue 14): a batch holds at least VOTE_BATCH_MIN casts and withdrawals,
    # and the newest VOTE_BATCH_MIN always wait for the next one, so that the last batch, sealed at the
    # close, is not small either: a batch's counts say nothing of one receipt;
    # a web process asks for a seal after VOTE_BATCH_TRIGGER votes of its own, and the timer
    # (deploy/systemd/dvkheo-vote-seal.timer) every few minutes.
    VOTE_BATCH_MIN = int(os.environ.get("VOTE_BATCH_MIN", "20"))
    # ... from at least this many people, so that one voter voting and withdrawing over and over
    # never makes up a batch alone (its counts would then prove the choice to a buyer).
    VOTE_BATCH_MIN_VOTERS = int(os.environ.get("VOTE_BATCH_MIN_VOTERS", "5"))
    VOTE_BATCH_TRIGGER = int(os.environ.get("VOTE_BATCH_TRIGGER", "500"))
    EMAIL_CODE_RATE_LIMIT = os.environ.get("EMAIL_CODE_RATE_LIMIT", "5 per 10 minutes")
    OBJECTION_RATE_LIMIT = os.environ.get("OBJECTION_RATE_LIMIT", "10 per hour")
    # The public certificate check (form and result page, one budget per address); settable like its siblings.
    VERIFY_RATE_LIMIT = os.environ.get("VERIFY_RATE_LIMIT", "60 per minute")
    # The public JSON API and its CSV files (/api/v1), per client address.
    API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "300 per minute")
    # Personal data (Law 91/2025): the public request form's limit, and the days a request must be answered in.
    DATA_REQUEST_RATE_LIMIT = os.environ.get("DATA_REQUEST_RATE_LIMIT", "5 per hour")
    DATA_REQUEST_DAYS = int(os.environ.get("DATA_REQUEST_DAYS", "15"))
    DATA_REQUEST_CONFIRM_HOURS = int(os.environ.get("DATA_REQUEST_CONFIRM_HOURS", "48"))  # life of the emailed link
    DATA_REQUEST_RETENTION_DAYS = int(os.environ.get("DATA_REQUEST_RETENTION_DAYS", "1095"))
    # Certificates: the address printed in every QR code ("<PUBLIC_BASE_URL>/verify/<serial>") must be the
    # public one even when a background job renders it outside any request. Links in emails use it too.
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000").rstrip("/")
    # A batch is rendered this many certificates at a time and merged, so memory stays bounded.
    PRINT_CHUNK_SIZE = int(os.environ.get("PRINT_CHUNK_SIZE", "50"))
    # "direct": a certificate's variable text is written straight into the PDF (dvkheo.certificates.textlayer);
    # "weasyprint": laid out by WeasyPrint like the frame, ten times slower, for comparison or if in doubt.
    CERTIFICATE_TEXT_LAYER = os.environ.get("CERTIFICATE_TEXT_LAYER", "direct")
    # Observability (dvkheo/core/observability.py). One JSON line per request on the `dvkheo.requests`
    # logger: standard error when empty or "-", this file otherwise (reopened after logrotate), "off": none.
    REQUEST_LOG_FILE = os.environ.get("REQUEST_LOG_FILE", "")
    # The instance's name in each line (several machines behind one balancer); empty: the host name.
    INSTANCE_NAME = os.environ.get("INSTANCE_NAME", "")
    # Who may read /metrics: addresses or CIDR ranges, comma-separated (the real client behind
    # TRUSTED_PROXIES proxies); everyone else gets a 404. Empty: nobody.
    METRICS_ALLOWED_IPS = os.environ.get("METRICS_ALLOWED_IPS", "127.0.0.1,::1")
    # bench/votes.py's floor endpoint (a bare insert); off unless a bench asks for it.
    BENCH_ENDPOINTS = _bool("DVKHEO_BENCH_ENDPOINTS", False)


class DevelopmentConfig(Config):
    DEBUG = False
    # SECRET_KEY and VOTER_ID_HASH_KEY, unless set in the environment, are random and kept here.
    INSTANCE_SECRETS_DIR = str(INSTANCE_DIR / "secrets")
    DEV_OUTBOX = _bool("DEV_OUTBOX", True)


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret-key"
    VOTER_ID_HASH_KEY = "test-voter-id-hash-key"
    WTF_CSRF_ENABLED = False
    SQLALCHEMY_DATABASE_URI = _database_url(os.environ.get("TEST_DATABASE_URL", "sqlite://"))
    LOGIN_RATE_LIMIT = "1000 per minute"
    DEV_OUTBOX = True
    VOTE_RATE_LIMIT_PER_IP = "10000 per minute"
    VOTE_RATE_LIMIT_PER_VOTER = "1000 per minute"
    EMAIL_CODE_RATE_LIMIT = "1000 per minute"
    OBJECTION_RATE_LIMIT = "1000 per minute"
    PASSWORD_RESET_RATE_LIMIT = "1000 per minute"
    DATA_REQUEST_RATE_LIMIT = "1000 per minute"
    VERIFY_RATE_LIMIT = "1000 per minute"
    API_RATE_LIMIT = "100000 per minute"
    STAFF_API_RATE_LIMIT = "10000 per minute"
    STAFF_API_REFUSED_RATE_LIMIT = "10000 per minute"
    SIGNED_PDF_TRUST_ROOTS: list[str] = []  # tests configure their own root when they need one
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # fast hashing keeps the suite quick
    STATS_REFRESH_AHEAD = 0.0  # no background threads under the test client (tests/reports/test_cache.py runs it in place)


class ProductionConfig(Config):
    DEV_OUTBOX = False  # never, whatever the environment says: it would show voters' codes
    BENCH_ENDPOINTS = False
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    # "__Host-": browsers accept the cookie only if it is Secure, for Path=/ and without Domain, so a
    # sibling sub-domain or a plain-http page cannot plant or overwrite it (ASVS 5.0 3.3.1, 3.3.3).
    SESSION_COOKIE_NAME = "__Host-session" if SESSION_COOKIE_SECURE else "session"
    REMEMBER_COOKIE_NAME = "__Host-remember_token" if SESSION_COOKIE_SECURE else "remember_token"
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "").rstrip("/")  # no default: it is printed on paper
    HSTS_SECONDS = 31536000

    @classmethod
    def problems(cls, config=None) -> list[str]:
        """What keeps production from starting, one Vietnamese item per setting (empty when all is well)."""
        def get(name: str) -> str:
            value = config.get(name) if config is not None else getattr(cls, name, "")
            return (value or "").strip()

        def flag(name: str) -> bool:
            return bool(config.get(name) if config is not None else getattr(cls, name, False))

        found = []
        secret, voter_key, base_url = get("SECRET_KEY"), get("VOTER_ID_HASH_KEY"), get("PUBLIC_BASE_URL")
        if not secret:
            found.append("SECRET_KEY chưa được đặt (khóa ký phiên đăng nhập: chuỗi ngẫu nhiên ít nhất 32 ký tự)")
        elif _weak(secret):
            found.append("SECRET_KEY quá yếu (cần chuỗi ngẫu nhiên ít nhất 32 ký tự, không dùng giá trị mẫu)")
        if not voter_key:
            found.append("VOTER_ID_HASH_KEY chưa được đặt (khóa băm số định danh, thư điện tử của cử tri: "
                         "chuỗi ngẫu nhiên ít nhất 32 ký tự, giữ nguyên suốt thời gian lưu dữ liệu)")
        elif _weak(voter_key):
            found.append("VOTER_ID_HASH_KEY quá yếu (cần chuỗi ngẫu nhiên ít nhất 32 ký tự)")
        elif voter_key == secret:
            found.append("VOTER_ID_HASH_KEY phải khác SECRET_KEY")
        address = urlsplit(base_url)
        if not base_url:
            found.append("PUBLIC_BASE_URL chưa được đặt (địa chỉ công khai in trong mã QR và thư điện tử, "
                         "ví dụ https://dvkheo.quangngai.gov.vn)")
        elif address.scheme != "https" or not address.hostname:
            found.append(f"PUBLIC_BASE_URL phải là địa chỉ https:// có tên miền (đang là “{base_url}”)")
        if get("MAIL_USERNAME") and not (flag("MAIL_USE_TLS") or flag("MAIL_USE_SSL")):
            found.append("MAIL_USERNAME được đặt nhưng MAIL_USE_TLS và MAIL_USE_SSL đều tắt: "
                         "mật khẩu thư sẽ đi qua mạng không mã hóa")
        return found

    @classmethod
    def validate(cls, config=None) -> None:
        """Refuse to start, naming every missing or unsafe setting at once."""
        found = cls.problems(config)
        if found:
            raise RuntimeError(
                "Không khởi động được ở môi trường production vì cấu hình chưa an toàn: "
                + "; ".join(found) + ". Đặt các biến môi trường này rồi chạy lại."
            )


def _weak(key: str) -> bool:
    return key.lower() in _KNOWN_WEAK_SECRETS or key.lower().startswith("dev-only-") or len(key) < MIN_KEY_LENGTH


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
