"""Clear Vietnamese error pages; every failed request rolls its transaction back."""
from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import Flask, render_template, request, session, url_for
from flask_wtf.csrf import CSRFError

from dvkheo.core import observability, security_log
from dvkheo.core.filestore import StorageUnavailable
from dvkheo.extensions import db

logger = logging.getLogger(__name__)

ERROR_TEXT = {
    400: ("Yêu cầu không hợp lệ", "Dữ liệu gửi lên không đúng. Vui lòng quay lại và thử lại."),
    403: ("Không có quyền truy cập", "Tài khoản của bạn không được phép xem hoặc thực hiện thao tác này."),
    404: ("Không tìm thấy trang", "Trang hoặc hồ sơ bạn tìm không tồn tại, hoặc bạn không có quyền xem."),
    405: ("Thao tác không được hỗ trợ", "Thao tác này không thực hiện được theo cách vừa gửi."),
    413: (
        "Tệp tải lên quá lớn",
        "Mỗi tệp tối đa 10 MB, tổng dung lượng một hồ sơ tối đa 50 MB. Vui lòng nén hoặc chia nhỏ tệp rồi gửi lại.",
    ),
    429: ("Thao tác quá nhanh", "Bạn đã thử quá nhiều lần trong thời gian ngắn. Vui lòng đợi ít phút rồi thử lại."),
    503: (
        "Hệ thống tạm thời gián đoạn",
        "Cơ sở dữ liệu tạm thời không phản hồi; thao tác vừa rồi chưa được lưu. Vui lòng đợi ít phút rồi thử lại.",
    ),
    500: ("Hệ thống gặp sự cố", "Đã có lỗi ngoài ý muốn; dữ liệu của thao tác này chưa được lưu. Vui lòng thử lại sau."),
}
STORAGE_UNAVAILABLE = (
    "Kho lưu tệp tạm thời không phản hồi; thao tác vừa rồi chưa được lưu. Vui lòng đợi ít phút rồi thử lại."
)


# No inline script or style anywhere; no plugins; no <base>; no form posting elsewhere; never framed.
CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "img-src 'self' data:",
    "style-src 'self'",
    "script-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))


def _render(code: int, detail: str | None = None):
    title, message = ERROR_TEXT.get(code, ERROR_TEXT[500])
    # A failure of ours shows the request id, which the logs carry too: the person can quote it.
    reference = observability.current_request_id() if code >= 500 else None
    return render_template("errors/error.html", code=code, title=title, message=detail or message, reference=reference), code


# Answers an operator should see in the security log (ASVS 5.0 V16.3).
_SECURITY_EVENTS = {403: "access_denied", 429: "rate_limited"}

# Pages a person reaches signed in (or, for /account, with a private link): never kept by a browser's
# or a proxy's cache, so the back button on a shared office PC shows nothing after "Thoát".
_PRIVATE_PATHS = ("/nominations", "/admin", "/account", "/review", "/council", "/awards", "/campaigns", "/quan-ly")


def _error_page(code: int):
    if code in _SECURITY_EVENTS:
        security_log.event(_SECURITY_EVENTS[code])
    if request.path.startswith("/api/"):  # the JSON API answers errors in JSON (dvkheo/api/http.py)
        from dvkheo.api.http import error_response

        return error_response(code)
    return _render(code)


def _personal(response) -> bool:
    if request.path.startswith(_PRIVATE_PATHS):
        return True
    return "_user_id" in session or any(key.startswith("voter") for key in session)


def register_error_handlers(app: Flask) -> None:
    for code in ERROR_TEXT:
        app.register_error_handler(code, lambda error, code=code: _error_page(code))

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        security_log.event("csrf_failed", reason=error.description)
        return _render(400, "Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ. Vui lòng tải lại trang và gửi lại.")

    @app.errorhandler(sa.exc.OperationalError)
    def database_unavailable(error):
        # The database is restarting or unreachable (a lock timeout that no view caught lands here too):
        # nothing of the request was committed.
        logger.warning("Database unavailable during %s %s: %s", request.method, request.path, error.orig or error)
        return _unavailable(ERROR_TEXT[503][1])

    @app.errorhandler(StorageUnavailable)
    def storage_unavailable(error):
        logger.warning("File store unavailable during %s %s: %s", request.method, request.path, error)
        return _unavailable(STORAGE_UNAVAILABLE)

    def _unavailable(message: str):
        # The page is self-contained, since the usual layout asks the database who is signed in; the
        # browser is told when to try again.
        try:
            db.session.rollback()
        except sa.exc.SQLAlchemyError:
            pass
        # Rendered without the context processors: Flask-Login's would load the signed-in user, a query.
        page = app.jinja_env.get_template("errors/unavailable.html").render(
            # A page can be asked again; a form's address cannot be opened (405), so that gives the home page.
            title=ERROR_TEXT[503][0], message=message,
            retry_url=request.full_path.rstrip("?") if request.method == "GET" else None,
            home_url=url_for("main.home"),
        )
        response = app.make_response((page, 503))
        response.headers["Retry-After"] = "30"
        return response

    @app.teardown_request
    def rollback_on_error(exc):
        if exc is not None:
            db.session.rollback()

    hsts_seconds = int(app.config.get("HSTS_SECONDS") or 0)

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if not observability.is_machine_answer():  # /readyz's JSON and /metrics' text are no page
            response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if hsts_seconds:  # production only: browsers then refuse plain HTTP to this host for a year
            response.headers.setdefault("Strict-Transport-Security", f"max-age={hsts_seconds}; includeSubDomains")
        if request.endpoint != "static" and _personal(response) and "public" not in response.headers.get("Cache-Control", ""):
            # Overrides send_file's "no-cache" too: evidence and PDFs are kept by no cache at all.
            response.headers["Cache-Control"] = "no-store"
        return response
