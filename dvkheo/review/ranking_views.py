"""Routes for the ranking ("Xếp hạng"), its Excel export, the paper scoring sheets and the shortlist.

Read-only pages are for the campaign's secretary, chair and administrators (others: 404); every
POST and the scoring sheets are the secretary's (other staff: 403). Each POST is one transaction:
the operation changes and audits, the view commits once or rolls back and shows why.
"""
from __future__ import annotations

from io import BytesIO

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from dvkheo import access
from dvkheo.campaigns.forms import SESSION_EXPIRED
from dvkheo.campaigns.models import Campaign, NomineeKind
from dvkheo.core.rules import RuleRefused
from dvkheo.core.urls import query_int
from dvkheo.extensions import db
from dvkheo.nominations.models import Nomination
from dvkheo.review import ranking as ranking_module
from dvkheo.review import shortlist
from dvkheo.review.shortlist_forms import CutoffForm, PickForm, RevertForm, row_prefix
from dvkheo.review.views import bp


# The overall table shows this many rows a page; the per-group view the leading rows of each group.
ROWS_PER_PAGE = 50
ROWS_PER_GROUP = 10
GROUPS_PER_PAGE = 5


def _filters(source) -> dict[str, str]:
    """The page's field and kind filters, kept only when valid."""
    field_id = query_int("field", source=source)
    values = {"field": "" if field_id is None else str(field_id), "kind": (source.get("kind") or "").strip()}
    if values["kind"] not in NomineeKind._value2member_map_:
        values["kind"] = ""
    return {k: v for k, v in values.items() if v}


def _view_args(source) -> dict[str, str]:
    """The page's view ("Bảng tổng hợp" or "Theo nhóm") and page number, carried by links and forms."""
    args = {}
    if source.get("view") == ranking_module.BY_GROUP:
        args["view"] = ranking_module.BY_GROUP
    number = query_int("page", source=source)
    if number and number > 1:
        args["page"] = str(number)
    return args


def _load_page(campaign: Campaign, filters: dict[str, str], view_args: dict[str, str]) -> ranking_module.RankingPage:
    """The rows the page shows, as the current user may read them (see `_load`)."""
    return ranking_module.load_ranking_page(
        campaign,
        field_id=int(filters["field"]) if "field" in filters else None,
        kind=NomineeKind(filters["kind"]) if "kind" in filters else None,
        hidden=access.blind_nomination_ids(current_user, campaign),
        view=view_args.get("view", ranking_module.OVERALL),
        page=int(view_args.get("page", 1)),
        per_page=ROWS_PER_PAGE,
        per_group=ROWS_PER_GROUP,
        groups_per_page=GROUPS_PER_PAGE,
    )


def _load(campaign: Campaign, filters: dict[str, str]) -> ranking_module.Ranking:
    """The ranking as the current user may read it: without the scores of dossiers they still score."""
    return ranking_module.load_ranking(
        campaign,
        field_id=int(filters["field"]) if "field" in filters else None,
        kind=NomineeKind(filters["kind"]) if "kind" in filters else None,
        hidden=access.blind_nomination_ids(current_user, campaign),
    )


def _page(
    campaign: Campaign,
    filters: dict[str, str],
    *,
    cutoff_form: CutoffForm | None = None,
    failed: tuple[int, str, object] | None = None,
    problems: list[str] | None = None,
    status: int = 200,
):
    """The ranking page; `failed` is (nomination id, "pick" or "revert", form) of a refused row form."""
    manage = access.can_manage_review(current_user, campaign)
    view_args = _view_args(request.args)
    if cutoff_form is None:
        cutoff_form = CutoffForm(formdata=None, data={"field_id": filters.get("field", ""), "kind": filters.get("kind", "")})
    return render_template(
        "review/ranking.html",
        campaign=campaign,
        ranking=_load_page(campaign, filters, view_args),
        filters=filters,
        view_args=view_args,
        here={**filters, **view_args},
        fields=list(campaign.allowed_fields),
        kinds=list(NomineeKind),
        can_shortlist=manage and shortlist.can_shortlist(campaign),
        can_revert=manage and shortlist.can_revert(campaign),
        can_print=manage,
        cutoff_form=cutoff_form,
        failed=failed,
        problems=problems or [],
        fmt=ranking_module.format_score,
        tie_break_rule=ranking_module.TIE_BREAK_RULE,
        scope_note=ranking_module.RANKED_SCOPE_NOTE,
        formula=ranking_module.NORMALISATION_FORMULA,
        formula_sentence=ranking_module.NORMALISATION_SENTENCE,
        blind_note=ranking_module.BLIND_NOTE,
        hidden_row_note=ranking_module.HIDDEN_ROW_NOTE,
        deciding=query_int("decide"),
        by_group=view_args.get("view") == ranking_module.BY_GROUP,
    ), status


def _back(campaign: Campaign, filters: dict[str, str], anchor: str | None = None):
    return redirect(url_for(".ranking", campaign_id=campaign.id, _anchor=anchor, **filters, **_view_args(request.args)))


@bp.route("/campaigns/<int:campaign_id>/ranking")
@login_required
def ranking(campaign_id: int):
    campaign = access.load_review_campaign(campaign_id)
    return _page(campaign, _filters(request.args))


@bp.route("/campaigns/<int:campaign_id>/ranking.xlsx")
@login_required
def ranking_xlsx(campaign_id: int):
    campaign = access.load_review_campaign(campaign_id)
    from dvkheo.review import export

    data = export.ranking_workbook(_load(campaign, _filters(request.args)))
    response = send_file(
        BytesIO(data),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        as_attachment=True,
        download_name=f"xep-hang-dot-{campaign.id}.xlsx",
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/campaigns/<int:campaign_id>/scoring-sheets.pdf")
@login_required
def scoring_sheets(campaign_id: int):
    """Blank paper sheets of the open assignments; `?reviewer=<user id>` for one council member."""
    campaign = access.load_review_campaign(campaign_id, manage=True)
    reviewer_id = query_int("reviewer", strict=True)
    if reviewer_id is not None:
        from dvkheo.council.queries import membership

        if membership(campaign.id, reviewer_id) is None:
            abort(404)
    # Imported here: WeasyPrint takes about a second to import.
    from dvkheo.review import sheets

    assignments = sheets.open_assignments(campaign, int(reviewer_id) if reviewer_id else None)
    if not assignments:
        flash("Không có phiếu chấm điểm nào cần in: mọi phân công đang hiệu lực đã hoàn thành chấm điểm.", "warning")
        return redirect(url_for(".ranking", campaign_id=campaign.id))
    data = sheets.scoring_sheets_pdf(campaign, assignments)
    suffix = f"-thanh-vien-{reviewer_id}" if reviewer_id else ""
    response = send_file(
        BytesIO(data),
        mimetype="application/pdf",
        as_attachment=False,
        download_name=f"phieu-cham-diem-dot-{campaign.id}{suffix}.pdf",
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- shortlist ------------------------------------------------------------------------------


def _refusal_messages(refused: RuleRefused, form=None) -> list[str]:
    """403 for a scope refusal; else the messages, each also beside its form field when it has one."""
    if any(problem.rule == "permission" for problem in refused.problems):
        abort(403)
    messages = []
    for problem in refused.problems:
        messages.append(problem.message)
        if form is not None and problem.field and problem.field in form:
            form[problem.field].errors = list(form[problem.field].errors or []) + [problem.message]
    return messages


def _form_problems(form) -> list[str]:
    if "csrf_token" in form.errors:
        return [SESSION_EXPIRED]
    return [message for name, errors in form.errors.items() for message in errors]


@bp.route("/campaigns/<int:campaign_id>/shortlist/cutoff", methods=["POST"])
@login_required
def shortlist_cutoff(campaign_id: int):
    """Shortlist the first N scored dossiers of every group on the page (all or nothing)."""
    campaign = access.load_review_campaign(campaign_id, manage=True)
    form = CutoffForm()
    filters = _filters({"field": form.field_id.data, "kind": form.kind.data})
    if not form.validate_on_submit():
        return _page(campaign, filters, cutoff_form=form, problems=_form_problems(form), status=422)
    try:
        result = shortlist.cutoff(campaign, _load(campaign, filters), form.top_n.data, current_user, mark_rest=form.mark_rest.data)
    except RuleRefused as refused:
        db.session.rollback()
        messages = _refusal_messages(refused, form)
        return _page(db.session.get(Campaign, campaign_id), filters, cutoff_form=form, problems=messages, status=422)
    db.session.commit()
    message = f"Đã đưa {result.shortlisted} hồ sơ vào danh sách đề cử"
    if result.not_shortlisted:
        message += f"; {result.not_shortlisted} hồ sơ không vào danh sách đề cử"
    flash(message + ".", "success")
    return _back(campaign, filters)


def _row_nomination(nomination_id: int) -> tuple[Nomination, Campaign]:
    nomination = access.get_or_404(Nomination, nomination_id)
    campaign = access.load_review_campaign(nomination.campaign_id, manage=True)
    return nomination, campaign


def _row_action(nomination_id: int, kind: str, form, move):
    """Validate a row form, run `move(nomination, form)` (returns the success message), commit once."""
    nomination, campaign = _row_nomination(nomination_id)
    filters = _filters(request.args)
    if not form.validate_on_submit():
        problems = _form_problems(form)
        return _page(campaign, filters, failed=(nomination.id, kind, form), problems=problems, status=422)
    try:
        message = move(nomination, form)
    except RuleRefused as refused:
        db.session.rollback()
        messages = _refusal_messages(refused, form)
        campaign = db.session.get(Campaign, campaign.id)
        return _page(campaign, filters, failed=(nomination_id, kind, form), problems=messages, status=422)
    db.session.commit()
    flash(message, "success")
    return _back(campaign, filters, f"ho-so-{nomination_id}")


@bp.route("/nominations/<int:nomination_id>/shortlist", methods=["POST"])
@login_required
def shortlist_pick(nomination_id: int):
    """Hand-picked: "Đưa vào danh sách đề cử" or "Không đưa vào", with the secretary's reason."""

    def move(nomination: Nomination, form: PickForm) -> str:
        state = shortlist.decide(nomination, form.shortlisted, current_user, form.reason.data)
        return f"Hồ sơ số {nomination.id}: {state.label.lower()}."

    return _row_action(nomination_id, "pick", PickForm(prefix=row_prefix(nomination_id)), move)


@bp.route("/nominations/<int:nomination_id>/shortlist/revert", methods=["POST"])
@login_required
def shortlist_revert(nomination_id: int):
    """Back to "Đã chấm điểm" with a reason (REVERT_SHORTLIST)."""

    def move(nomination: Nomination, form: RevertForm) -> str:
        shortlist.revert(nomination, current_user, form.reason.data)
        return f"Hồ sơ số {nomination.id} đã được xét lại, trở về trạng thái “Đã chấm điểm”."

    return _row_action(nomination_id, "revert", RevertForm(prefix=row_prefix(nomination_id)), move)
