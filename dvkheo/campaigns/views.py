"""Campaign pages ("Đợt bình xét"): list, detail, create/edit with rubric, phase changes,
and the administrator's reference lists ("Danh mục").

Each POST is one transaction: services flush and audit, the view commits once or rolls back.
Campaigns a user may not see answer 404 (other committees learn nothing); campaigns a user
may see but not manage answer 403.
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from wtforms import Field

from dvkheo import access
from dvkheo.accounts.models import Role
from dvkheo.campaigns import defaults, operations, workflow
from dvkheo.campaigns.forms import (
    ADD_CRITERION_ROWS,
    BLANK_CRITERION_ROWS,
    SESSION_EXPIRED,
    CampaignForm,
    ReferenceItemForm,
    campaign_form_data,
)
from dvkheo.campaigns.models import (
    Campaign,
    CampaignStatus,
    ReferenceItem,
    ReferenceKind,
)
from dvkheo.core import audit
from dvkheo.core.audit import AuditEvent
from dvkheo.core.confirm import Confirmation, ask, is_confirmed
from dvkheo.core.forms import EmptyForm
from dvkheo.core.rules import Problem
from dvkheo.core.timeutil import format_date
from dvkheo.core.transition_views import perform
from dvkheo.core.urls import paginate, query_int
from dvkheo.extensions import db
from dvkheo.nominations.operations import reference_lists as load_reference_lists
from dvkheo.nominations.states import NominationState
from dvkheo.units.models import Unit

bp = Blueprint("campaigns", __name__)

STAFF_ROLES = (Role.SECRETARY, Role.CHAIR, Role.ADMIN)


# --- scoping ---------------------------------------------------------------------------------


# --- list and detail ---------------------------------------------------------------------------


@bp.route("/")
@access.roles_required(*STAFF_ROLES)
def index():
    """Campaigns with their received-nomination counts: a page query plus one grouped count query."""
    args = {key: request.args.get(key, "").strip() for key in ("year", "status")}
    query = access.visible_campaigns(current_user).options(so.joinedload(Campaign.organising_unit))
    year = query_int("year", maximum=9999)
    if year is not None:
        query = query.where(Campaign.year == year)
    if args["status"] in CampaignStatus._value2member_map_:
        query = query.where(Campaign.status == CampaignStatus(args["status"]))
    page = paginate(query.order_by(Campaign.year.desc(), Campaign.id.desc()))
    years = db.session.scalars(
        access.visible_campaigns(current_user).with_only_columns(Campaign.year).distinct().order_by(Campaign.year.desc())
    ).all()
    return render_template(
        "campaigns/index.html",
        page=page,
        counts=operations.received_counts(c.id for c in page.items),
        args=args,
        filter_args={k: v for k, v in args.items() if v},
        years=years,
        statuses=list(CampaignStatus),
    )


@bp.route("/<int:campaign_id>")
@access.roles_required(*STAFF_ROLES)
def show(campaign_id: int):
    campaign = access.load_campaign(campaign_id)
    steps = [(action, workflow.blockers(campaign, action)) for action in workflow.available_actions(campaign, current_user)]
    # Going back to draft is an escape hatch: offered while possible, not explained when it is not.
    steps = [(a, problems) for a, problems in steps if not (problems and a is workflow.CampaignAction.REVERT_TO_DRAFT)]
    # The campaign's own setting rules out one of the two ways out of review: do not offer it at all.
    steps = [(a, problems) for a, problems in steps if not any(p.rule == "public_stage" for p in problems)]
    return render_template(
        "campaigns/show.html",
        campaign=campaign,
        actions=steps,
        history=[(event, _describe(event)) for event in audit.history("campaign", campaign.id)],
        history_labels=workflow.HISTORY_LABELS,
        phase_labels={status.value: status.label for status in CampaignStatus},
        counts=operations.status_counts(campaign),
        states=list(NominationState),
        can_edit=access.can_manage_campaign(current_user, campaign) and operations.settings_editable(campaign),
        rubric_editable=operations.rubric_editable(campaign),
        form=EmptyForm(),
        confirmations={
            action: phase_confirmation(campaign, action)
            for action, problems in steps if not problems and action in workflow.CONSEQUENCES
        },
    )


def phase_confirmation(campaign: Campaign, action: workflow.CampaignAction) -> Confirmation:
    """What the secretary (or chair) is asked before moving the campaign on."""
    return Confirmation(
        question=f"{action.label}?",
        irreversible=workflow.CONSEQUENCES[action],
        button=action.label,
        details=(f"Đợt bình xét: {campaign.title}", f"Giai đoạn hiện tại: {campaign.status.label}"),
    )


def _describe(event: AuditEvent) -> list[str]:
    """Readable lines for an "update" event's details (see operations.update_campaign)."""
    details = event.details or {}
    lines: list[str] = []
    for name, change in (details.get("settings") or {}).items():
        label = operations.SETTING_LABELS.get(name, name)
        if change is None or name == "organising_unit_id":
            lines.append(f"{label}: đã sửa")
        else:
            old, new = (_readable(name, value) for value in change)
            lines.append(f"{label}: {old} → {new}")
    fields = details.get("fields") or {}
    if fields.get("added"):
        lines.append("Thêm lĩnh vực: " + ", ".join(fields["added"]))
    if fields.get("removed"):
        lines.append("Bỏ lĩnh vực: " + ", ".join(fields["removed"]))
    criteria = details.get("criteria") or {}
    for key, label in (("added", "Thêm tiêu chí"), ("edited", "Sửa tiêu chí"), ("removed", "Xóa tiêu chí")):
        if criteria.get(key):
            lines.append(f"{label}: " + "; ".join(criteria[key]))
    if criteria.get("reordered"):
        lines.append("Sắp xếp lại thứ tự tiêu chí")
    if "total" in criteria:
        lines.append(f"Tổng điểm tối đa: {criteria['total']}")
    return lines


def _readable(name: str, value) -> str:
    if value is None or value == "":
        return "chưa đặt"
    if isinstance(value, bool):
        return "có" if value else "không"
    if name in operations.PHASE_DATES:
        return format_date(date.fromisoformat(value))
    return str(value)


@bp.route("/<int:campaign_id>/phase/<action>", methods=["POST"])
@access.roles_required(*STAFF_ROLES)
def transition(campaign_id: int, action: str):
    """Move the campaign to its next phase (or back to draft); one audited transaction."""
    campaign = access.load_campaign(campaign_id)
    if action not in workflow.CampaignAction._value2member_map_:
        abort(404)
    campaign_action = workflow.CampaignAction(action)
    if not EmptyForm().validate_on_submit():
        flash(SESSION_EXPIRED, "error")
        return redirect(url_for(".show", campaign_id=campaign.id))
    # A blocked move is not asked about: it goes straight to its refusal and the reasons.
    if campaign_action in workflow.CONSEQUENCES and not is_confirmed() and not workflow.blockers(campaign, campaign_action):
        return ask(phase_confirmation(campaign, campaign_action), url_for(".show", campaign_id=campaign.id) + "#phase-actions")

    def done() -> str:
        # Called once the move is committed: the job reads the opened campaign.
        if campaign_action is workflow.CampaignAction.OPEN_NOMINATIONS:
            from dvkheo.core import jobs

            jobs.enqueue("dvkheo.campaigns.notices.announce_opening", campaign.id)
        return f"Đợt bình xét đã chuyển sang giai đoạn “{campaign.status.label}”."

    return perform(
        lambda: workflow.apply(campaign, campaign_action, current_user),
        url_for(".show", campaign_id=campaign.id),
        done,
    )


# --- create and edit ------------------------------------------------------------------------------


@bp.route("/new", methods=["GET", "POST"])
@access.roles_required(*STAFF_ROLES)
def create():
    access.require(access.can_create_campaign(current_user))
    return _edit_form(None)


@bp.route("/<int:campaign_id>/edit", methods=["GET", "POST"])
@access.roles_required(*STAFF_ROLES)
def edit(campaign_id: int):
    campaign = access.load_campaign(campaign_id, manage=True)
    if not operations.settings_editable(campaign):
        flash("Đợt bình xét đã kết thúc, không thể sửa thông tin.", "warning")
        return redirect(url_for(".show", campaign_id=campaign.id))
    return _edit_form(campaign)


def _unit_choices(campaign: Campaign | None) -> list[Unit]:
    """Active units, tree order (a parent before its subtree), plus the campaign's own unit if inactive."""
    condition = Unit.active.is_(True)
    if campaign is not None:
        condition = sa.or_(condition, Unit.id == campaign.organising_unit_id)
    return list(db.session.scalars(sa.select(Unit).where(condition).order_by(Unit.path)))


def _edit_form(campaign: Campaign | None):
    """Render and process the settings-and-rubric form; on success one commit and a redirect."""
    rubric_editable = campaign is None or operations.rubric_editable(campaign)
    # Only an administrator chooses the organising unit; a secretary's campaign is their unit's.
    choose_unit = access.is_admin(current_user) and (campaign is None or operations.organising_unit_editable(campaign))
    fields = operations.selectable_fields(campaign)
    form = CampaignForm(
        data=campaign_form_data(campaign, defaults.RUBRIC, fields) if request.method == "GET" else None,
        units=_unit_choices(campaign) if choose_unit else None,
        fields=fields,
    )
    if not choose_unit:
        del form.organising_unit_id
    if not rubric_editable:
        del form.criteria
    general_errors: list[str] = []
    status = 200

    if request.method == "GET":
        if rubric_editable:
            form.add_blank_rows(BLANK_CRITERION_ROWS)
    elif rubric_editable and form.wants_more_rows:
        # "Thêm dòng tiêu chí" re-renders with the typed values and more empty lines; nothing is saved.
        form.add_blank_rows(ADD_CRITERION_ROWS)
    elif form.validate():
        try:
            saved = _save(form, campaign)
        except operations.ChangeRefused as refused:
            db.session.rollback()
            _attach_problems(form, refused.problems, general_errors)
            status = 422
        else:
            db.session.commit()
            flash("Đã tạo đợt bình xét." if campaign is None else "Đã lưu thay đổi của đợt bình xét.", "success")
            return redirect(url_for(".show", campaign_id=saved.id))
    else:
        general_errors = form.error_summary()
        status = 422

    return render_template(
        "campaigns/form.html",
        form=form,
        campaign=campaign,
        rubric_editable=rubric_editable,
        general_errors=general_errors,
        total=form.typed_total() if rubric_editable else campaign.max_total_score,
    ), status


def _save(form: CampaignForm, campaign: Campaign | None) -> Campaign:
    settings = form.settings()
    if campaign is None:
        unit_id = settings.pop("organising_unit_id", None)
        unit = db.session.get(Unit, unit_id) if unit_id else current_user.unit
        return operations.create_campaign(
            organising_unit=unit,
            actor=current_user,
            field_ids=form.field_ids.data,
            rubric=operations.rubric_lines(form.rubric()),
            **settings,
        )
    operations.update_campaign(
        campaign,
        settings=settings,
        field_ids=form.field_ids.data,
        rubric=form.rubric() if form.criteria is not None else None,
        actor=current_user,
    )
    return campaign


def _attach_problems(form: CampaignForm, problems: list[Problem], general_errors: list[str]) -> None:
    """Show each refused change beside its field (a rubric line's "Xóa" box) and in the summary."""
    for problem in problems:
        general_errors.append(problem.message)
        target: Field | None = None
        if problem.field and problem.field.startswith("criterion-") and form.criteria is not None:
            criterion_id = problem.field.removeprefix("criterion-")
            target = next((e.form.remove for e in form.criteria if e.form.criterion_id.data == criterion_id), None)
        elif problem.field and problem.field in form:
            target = form[problem.field]
        if target is not None:
            target.errors = list(target.errors or []) + [problem.message]


# --- reference lists ---------------------------------------------------------------------------------


@bp.route("/reference-lists")
@access.admin_required
def reference_lists():
    return _reference_page()


def _reference_page(failed: tuple[str, ReferenceItemForm] | None = None, status: int = 200):
    """The three lists with one form per row and one "add" form per list.

    `failed` is (prefix, form) of a submission that did not validate: it is shown with the
    values typed and its errors in place of a fresh form.
    """
    lists = load_reference_lists(active_only=False)
    forms: dict[str, ReferenceItemForm] = {}
    for kind in ReferenceKind:
        for item in lists[kind.value]:
            prefix = f"item-{item.id}"
            forms[prefix] = ReferenceItemForm(prefix=prefix, formdata=None, data={"name": item.name, "position": item.position})
        forms[f"new-{kind.value}"] = ReferenceItemForm(prefix=f"new-{kind.value}", formdata=None)
    if failed is not None:
        forms[failed[0]] = failed[1]
        if "csrf_token" in failed[1].errors:
            flash(SESSION_EXPIRED, "error")
    return render_template(
        "campaigns/reference_lists.html",
        kinds=list(ReferenceKind),
        lists=lists,
        forms=forms,
        toggle_form=EmptyForm(),
    ), status


@bp.route("/reference-lists/<kind>/add", methods=["POST"])
@access.admin_required
def add_reference_item(kind: str):
    if kind not in ReferenceKind._value2member_map_:
        abort(404)
    reference_kind = ReferenceKind(kind)
    prefix = f"new-{kind}"
    form = ReferenceItemForm(prefix=prefix)
    if form.validate():
        try:
            item = operations.add_reference_item(reference_kind, form.name.data, current_user, form.position.data)
        except operations.ChangeRefused as refused:
            db.session.rollback()
            form.name.errors = list(form.name.errors) + [p.message for p in refused.problems]
        else:
            db.session.commit()
            flash(f"Đã thêm “{item.name}” vào danh mục {reference_kind.label.lower()}.", "success")
            return redirect(url_for(".reference_lists", _anchor=f"list-{kind}"))
    return _reference_page((prefix, form), 422)


@bp.route("/reference-lists/items/<int:item_id>", methods=["POST"])
@access.admin_required
def update_reference_item(item_id: int):
    item = access.get_or_404(ReferenceItem, item_id)
    prefix = f"item-{item.id}"
    form = ReferenceItemForm(prefix=prefix)
    if form.validate():
        try:
            changed = operations.update_reference_item(item, name=form.name.data, position=form.position.data, actor=current_user)
        except operations.ChangeRefused as refused:
            db.session.rollback()
            form.name.errors = list(form.name.errors) + [p.message for p in refused.problems]
        else:
            db.session.commit()
            flash(f"Đã lưu “{item.name}”." if changed else "Không có thay đổi nào.", "success" if changed else "info")
            return redirect(url_for(".reference_lists", _anchor=f"list-{item.kind.value}"))
    return _reference_page((prefix, form), 422)


@bp.route("/reference-lists/items/<int:item_id>/deactivate", methods=["POST"])
@access.admin_required
def deactivate_reference_item(item_id: int):
    return _set_active(item_id, False)


@bp.route("/reference-lists/items/<int:item_id>/reactivate", methods=["POST"])
@access.admin_required
def reactivate_reference_item(item_id: int):
    return _set_active(item_id, True)


def _set_active(item_id: int, active: bool):
    item = access.get_or_404(ReferenceItem, item_id)
    if not EmptyForm().validate_on_submit():
        flash(SESSION_EXPIRED, "error")
    elif operations.set_reference_item_active(item, active, current_user):
        db.session.commit()
        if active:
            flash(f"Đã sử dụng lại “{item.name}”.", "success")
        else:
            flash(f"Đã ngừng sử dụng “{item.name}”: mục này không còn trong các lựa chọn mới, hồ sơ cũ vẫn giữ nguyên.", "success")
    return redirect(url_for(".reference_lists", _anchor=f"list-{item.kind.value}"))
