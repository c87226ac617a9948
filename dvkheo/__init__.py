"""dvkheo: the "Dân vận khéo" model-recognition movement, from nomination to certificate."""
from __future__ import annotations

import logging
import os
import time

import sqlalchemy as sa
from flask import Flask, g
from flask_login import current_user
from markupsafe import Markup

from config import BASE_DIR, CONFIGS, Config, ProductionConfig
from dvkheo.core.urls import register_url_converters
from dvkheo.extensions import babel, csrf, db, include_in_schema, limiter, login_manager, migrate


def create_app(config_class: type[Config] | None = None, **overrides) -> Flask:
    if config_class is None:
        config_class = CONFIGS[os.environ.get("DVKHEO_ENV", os.environ.get("FLASK_ENV", "development"))]

    app = Flask(
        __name__,
        template_folder=str(BASE_DIR / "templates"),
        static_folder=str(BASE_DIR / "static"),
        instance_path=str(BASE_DIR / "instance"),
    )
    app.config.from_object(config_class)
    app.config.update(overrides)
    if issubclass(config_class, ProductionConfig):
        config_class.validate(app.config)
    from dvkheo.core.filestore import make_store

    make_store(app.config)  # a misnamed STORAGE_BACKEND or a missing S3_BUCKET stops the start, not a later upload
    try:
        os.makedirs(app.instance_path, exist_ok=True)
    except OSError:
        # A production checkout is read-only to the service (root-owned /srv/dvkheo/app, systemd's
        # ProtectSystem=strict): there keys, database and files are named by the environment, and nothing
        # needs instance/. A development key folder that cannot be made still fails below, by name.
        pass
    if app.config.get("INSTANCE_SECRETS_DIR"):
        from dvkheo.core.instance_secrets import fill_missing_keys

        fill_missing_keys(app.config, app.config["INSTANCE_SECRETS_DIR"])
    if app.config.get("TRUSTED_PROXIES"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Only the address and the scheme: the Host stays the one the proxy sent (nginx: `proxy_set_header
        # Host $host`), so a client cannot choose the host of generated links with X-Forwarded-Host.
        hops = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0, x_port=0, x_prefix=0)

    _configure_logging(app)
    from dvkheo.core import observability

    observability.install(app)  # first hooks of all: every answer, even a 429 or a CSRF refusal, is logged and counted
    _init_extensions(app)
    register_url_converters(app)  # before any route is added: ids in URLs stay within INTEGER range
    _register_blueprints(app)
    _register_template_helpers(app)

    from dvkheo.core.errors import register_error_handlers
    from dvkheo.cli import register_cli

    register_error_handlers(app)
    register_cli(app)
    return app


def _configure_logging(app: Flask) -> None:
    """The app's own lines (security events included) go to standard error, which gunicorn and systemd
    keep, unless the host already configured logging; LOG_LEVEL chooses how much."""
    package_log = logging.getLogger("dvkheo")
    if app.testing or package_log.handlers or logging.getLogger().handlers:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    package_log.addHandler(handler)
    package_log.setLevel(os.environ.get("LOG_LEVEL", "INFO").upper())


def _init_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"), render_as_batch=True, include_object=include_in_schema)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Vui lòng đăng nhập để tiếp tục."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    # Rate-limit counters live in Redis when configured, otherwise in process memory (a storage
    # that does not start a thread per hit: dvkheo/core/rate_limit_storage.py).
    import dvkheo.core.rate_limit_storage  # noqa: F401  (registers "dvkheo-memory://")

    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "dvkheo-memory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", False)
    # A Redis outage must not lock everyone out: count in memory until it is back.
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    limiter.init_app(app)
    from dvkheo.core.direct_limits import check_limit_settings

    check_limit_settings(app.config)

    from dvkheo.core.i18n import select_locale

    babel.init_app(app, locale_selector=select_locale)

    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            _tune_sqlite(db.engine)

    from dvkheo.accounts.models import User

    @login_manager.user_loader
    def load_user(token: str):
        # "id:session_version", or "id:session_version:issued" for a "Ghi nhớ" sign-in: the remember
        # cookie carries the time of its login, so the server ends it after REMEMBER_COOKIE_DURATION
        # whatever the browser was told.
        user_id, version, *issued = token.split(":")
        if not user_id.isdigit() or len(issued) > 1:
            return None
        if issued:
            if not issued[0].isdigit():
                return None
            longest = app.config["REMEMBER_COOKIE_DURATION"].total_seconds()
            if not 0 <= time.time() - int(issued[0]) <= longest:
                return None
        user = db.session.get(User, int(user_id))
        if user is None or str(user.session_version) != version:
            return None
        return user


def _tune_sqlite(engine: sa.Engine) -> None:
    """WAL and a busy timeout let several workers share one SQLite file."""

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def _register_blueprints(app: Flask) -> None:
    from dvkheo.accounts.views import bp as accounts_bp
    from dvkheo.api.docs_views import bp as open_data_bp
    from dvkheo.api.views import bp as api_bp
    from dvkheo.awards.views import bp as awards_bp
    from dvkheo.campaigns.views import bp as campaigns_bp
    from dvkheo.certificates.views import bp as certificates_bp
    from dvkheo.core.observability import bp as observability_bp
    from dvkheo.core.views import bp as main_bp
    from dvkheo.council.views import bp as council_bp
    from dvkheo.documents.views import bp as documents_bp
    from dvkheo.followup.views import bp as followup_bp
    from dvkheo.nominations.views import bp as nominations_bp
    from dvkheo.privacy.views import bp as privacy_bp
    from dvkheo.registry.views import bp as registry_bp
    from dvkheo.replication.views import bp as replication_bp
    from dvkheo.reports.report_views import bp as periodic_reports_bp
    from dvkheo.reports.views import bp as reports_bp
    from dvkheo.review.views import bp as review_bp
    from dvkheo.units.views import bp as units_bp
    from dvkheo.voting.views import bp as voting_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(observability_bp)  # /readyz, /metrics
    app.register_blueprint(accounts_bp)
    app.register_blueprint(units_bp, url_prefix="/admin/units")
    app.register_blueprint(documents_bp, url_prefix="/admin/document-systems")
    app.register_blueprint(campaigns_bp, url_prefix="/campaigns")
    app.register_blueprint(nominations_bp, url_prefix="/nominations")
    app.register_blueprint(review_bp, url_prefix="/review")
    app.register_blueprint(council_bp, url_prefix="/council")
    app.register_blueprint(voting_bp, url_prefix="/binh-chon")
    app.register_blueprint(awards_bp, url_prefix="/awards")
    # Public verification lives at /verify/<serial> (printed in every QR code), so no prefix.
    app.register_blueprint(certificates_bp)
    app.register_blueprint(privacy_bp)
    app.register_blueprint(registry_bp)
    app.register_blueprint(followup_bp)
    app.register_blueprint(replication_bp)
    app.register_blueprint(periodic_reports_bp)
    app.register_blueprint(reports_bp)  # /thong-ke
    app.register_blueprint(api_bp, url_prefix="/api/v1")  # the public read-only JSON API (dvkheo/api)
    app.register_blueprint(open_data_bp)  # /du-lieu-mo: the API's description for people, the CSV links
    from dvkheo.staffapi.views import init_app as init_staff_api

    init_staff_api(app)  # /api/v1/staff: bearer tokens only, never a cookie
    from dvkheo.staffapi.auth import NoCookies

    app.wsgi_app = NoCookies(app.wsgi_app, prefix="/api/v1")  # the public API: no cookie read, none set
    if app.config.get("BENCH_ENDPOINTS"):
        from dvkheo.core.bench_views import bp as bench_bp

        app.register_blueprint(bench_bp)


def _register_template_helpers(app: Flask) -> None:
    from dvkheo import access
    from dvkheo.core.text import format_filesize, in_running_text, quoted
    from dvkheo.core.timeutil import format_date, format_datetime

    app.jinja_env.filters["vn_date"] = format_date
    app.jinja_env.filters["vn_datetime"] = format_datetime
    app.jinja_env.filters["vn_number"] = lambda n: "" if n is None else f"{n:,}".replace(",", ".")
    app.jinja_env.filters["filesize"] = format_filesize
    # Official documents: a title in “…” exactly once, and place nouns in lower case mid-sentence.
    app.jinja_env.filters["quoted"] = quoted
    app.jinja_env.filters["in_text"] = in_running_text
    # A document's number on one line ("01-QĐ/BDVTU", never "01-" / "QĐ/BDVTU" on a phone): static/css/app.css .nowrap.
    app.jinja_env.filters["doc_number"] = lambda number: Markup('<span class="nowrap">%s</span>') % (number or "")

    from dvkheo.core.notifications import unread_count
    from dvkheo.review.navigation import committee_nav

    @app.context_processor
    def inject_access():
        return {
            "access": access,
            "current_user": current_user,
            "committee_nav": committee_nav,
            "nav_endpoints": app.view_functions,
            "unread_notifications": _unread_notifications,
        }

    def _unread_notifications() -> int:
        # Asked by the wide header and the phone menu alike: one query per page.
        if not current_user.is_authenticated:
            return 0
        if "unread_notifications" not in g:
            g.unread_notifications = unread_count(current_user.id)
        return g.unread_notifications


from dvkheo import models as _models  # noqa: E402,F401  (register every table with the metadata)
from dvkheo.awards import immutability as _immutability  # noqa: E402,F401  (issued decisions never change)
