"""The account's personal API tokens ("Khóa truy cập API"): list, create (the secret shown once), revoke.

Each person manages only their own tokens. An administrator stops someone else's tokens by locking
the account or changing its role or unit (dvkheo/accounts/api_tokens.py says why that is enough).
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from dvkheo.accounts import api_tokens
from dvkheo.accounts.forms import ApiTokenForm
from dvkheo.accounts.views import bp
from dvkheo.core.confirm import Confirmation, ask, is_confirmed
from dvkheo.core.forms import EmptyForm
from dvkheo.core.notifications import absolute_url
from dvkheo.core.timeutil import format_date
from dvkheo.extensions import db


def _form() -> ApiTokenForm:
    return ApiTokenForm(may_draft=api_tokens.SCOPE_DRAFT in api_tokens.allowed_scopes(current_user))


def _page(form: ApiTokenForm, status: int = 200, issued: api_tokens.IssuedToken | None = None):
    return render_template(
        "accounts/api_tokens.html", form=form, tokens=api_tokens.tokens_of(current_user), issued=issued,
        revoke_form=EmptyForm(), revoke_confirmation=revoke_confirmation, scope_labels=api_tokens.SCOPE_LABELS,
        max_days=api_tokens.MAX_DAYS,
        api_base=absolute_url("/api/v1/staff"),  # PUBLIC_BASE_URL, never the request's Host
    ), status


@bp.route("/account/api-tokens", methods=["GET", "POST"])
@login_required
def api_tokens_page():
    form = _form()
    if request.method == "POST":
        if not form.validate_on_submit():
            return _page(form, 422)
        scopes = {api_tokens.SCOPE_READ}
        if "allow_draft" in form and form.allow_draft.data:
            scopes.add(api_tokens.SCOPE_DRAFT)
        issued = api_tokens.create_token(current_user, form.name.data, scopes, form.days.data)
        db.session.commit()
        # Shown in this answer only (never in a flash message: that travels in the session cookie).
        return _page(ApiTokenForm(formdata=None, may_draft="allow_draft" in form), 201, issued)
    return _page(form)


def revoke_confirmation(token: api_tokens.ApiToken) -> Confirmation:
    return Confirmation(
        question=f"Thu hồi khóa “{token.name}”?",
        irreversible="Khóa bị thu hồi không dùng lại được; hệ thống nào đang dùng khóa này sẽ bị từ chối ngay. "
        "Muốn tiếp tục kết nối thì tạo khóa mới.",
        button="Thu hồi",
        details=(f"Mã đầu: {token.prefix}…", f"Hết hạn: {format_date(token.expires_at)}"),
        danger=True,
    )


@bp.route("/account/api-tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def api_token_revoke(token_id: int):
    token = api_tokens.own_token(current_user, token_id)
    if token is None:
        abort(404)  # someone else's token: nothing to learn here
    if not EmptyForm().validate_on_submit():
        abort(400)
    if not is_confirmed():
        return ask(revoke_confirmation(token), url_for(".api_tokens_page"))
    if api_tokens.revoke(token, current_user):
        db.session.commit()
        flash(f"Đã thu hồi khóa “{token.name}”.", "success")
    return redirect(url_for(".api_tokens_page"))
