"""Account administration on the `accounts` blueprint: list, search, create, edit, lock. Administrators only.

The service functions at the top flush and audit but never commit; each view commits once.
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user

from dvkheo.access import admin_required, get_or_404
from dvkheo.accounts import api_tokens
from dvkheo.accounts.forms import UserForm
from dvkheo.accounts.models import ROLE_LABELS, Role, User
from dvkheo.accounts.views import bp
from dvkheo.core import audit
from dvkheo.core.forms import EmptyForm
from dvkheo.core import search
from dvkheo.core.urls import paginate, query_int
from dvkheo.extensions import db
from dvkheo.units.models import Unit, subtree_condition
from dvkheo.units import picker

# Roles whose work is scoped by their unit (access.py compares user.unit_id): they need one.
ROLES_NEEDING_UNIT = (Role.UNIT_SUBMITTER, Role.SECRETARY, Role.REVIEWER, Role.CHAIR)


class UserError(ValueError):
    """A refused account change; the message is Vietnamese and shown under `field`."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


# --- services ------------------------------------------------------------------------------


def _is_actor(user: User, actor: Any) -> bool:
    # `actor` is often flask-login's current_user proxy, so compare ids, not identity.
    return actor is not None and getattr(actor, "id", None) == user.id


def _email_owner(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(sa.func.lower(User.email) == email.lower()))


def account_problems(
    user: User | None, *, email: str, role: Role, unit: Unit | None, active: bool, password: str | None, actor: Any
) -> list[UserError]:
    """Every account rule the given values break (empty when they may be saved). Read-only.

    A taken e-mail (case-insensitive), a unit-scoped role without a unit, a new account without
    a password, an administrator demoting or locking themselves out.
    """
    problems = []
    owner = _email_owner(email.strip())
    if owner is not None and owner is not user:
        problems.append(UserError("Thư điện tử này đã được dùng cho một tài khoản khác.", "email"))
    if role in ROLES_NEEDING_UNIT and unit is None:
        problems.append(UserError(f"Vai trò “{role.label}” cần gắn với một đơn vị; vui lòng chọn đơn vị.", "unit_code"))
    if user is None and not password:
        problems.append(UserError("Vui lòng đặt mật khẩu cho tài khoản mới.", "password"))
    if user is not None and _is_actor(user, actor):
        # An administrator who removes their own rights cannot undo it.
        if role is not Role.ADMIN:
            problems.append(UserError("Bạn không thể tự bỏ vai trò Quản trị của chính mình.", "role"))
        if not active:
            problems.append(UserError("Bạn không thể tự khóa tài khoản của chính mình.", "active"))
    return problems


def save_user(
    user: User | None,
    *,
    full_name: str,
    email: str,
    role: Role,
    unit: Unit | None,
    active: bool,
    password: str | None,
    actor: Any,
) -> tuple[User, dict[str, list]]:
    """Create (`user` None) or update an account; returns it and the changes as {field: [old, new]}.

    Side effects: adds or changes the row and flushes; stores the e-mail lower-cased; keeps
    `search_text` current; a new password is hashed and bumps `session_version`, and so does a
    deactivation or a change of role or unit, so the person's sessions end; a password set for
    someone else makes them change it at their next login (`must_change_password`); adds a
    `user/create` or `user/update` audit event (never with a password). Raises the first
    UserError of `account_problems`.
    """
    problems = account_problems(user, email=email, role=role, unit=unit, active=active, password=password, actor=actor)
    if problems:
        raise problems[0]
    email = email.strip().lower()
    full_name = " ".join(full_name.split())

    creating = user is None
    if creating:
        user = User(full_name=full_name, email=email, role=role, active=active)
        db.session.add(user)
    changes: dict[str, list] = {}
    old_role = None if creating else user.role
    for attribute, value in (("full_name", full_name), ("email", email), ("role", role), ("active", active)):
        old = None if creating else getattr(user, attribute)
        if old != value:
            changes[attribute] = [old.value if isinstance(old, Role) else old, value.value if isinstance(value, Role) else value]
            setattr(user, attribute, value)
    if (None if creating else user.unit_id) != (unit.id if unit else None):
        changes["unit"] = [None if creating or user.unit is None else user.unit.code, unit.code if unit else None]
    user.unit = unit
    if password:
        user.set_password(password)
        changes["password"] = [None, "đã đặt mới"]
        if not creating:  # an administrator's reset ends the account's API tokens, as the person's own reset does
            api_tokens.revoke_all(user, actor, api_tokens.REVOKED_BY_PASSWORD)
        # A password someone else chose is changed by its owner at the next login.
        if not _is_actor(user, actor):
            user.must_change_password = True
    elif not creating and (("active" in changes and not active) or "role" in changes or "unit" in changes):
        # Locked, or rights changed: every open session and remember cookie of the account ends.
        user.end_sessions()
    db.session.flush()
    if creating:
        audit.record("user", user.id, "create", actor, to_state=role.value, details=changes)
    elif changes:
        audit.record(
            "user", user.id, "update", actor,
            from_state=old_role.value if "role" in changes else None,
            to_state=role.value if "role" in changes else None,
            details=changes,
        )
    return user, changes


def set_active(user: User, active: bool, actor: Any) -> bool:
    """Lock or unlock an account; returns False when it already was so.

    Side effects: sets `active`; locking bumps `session_version` so that open sessions end at
    their next request; adds a `user/deactivate` or `user/activate` audit event. Raises
    UserError when administrators try to lock themselves.
    """
    if not active and _is_actor(user, actor):
        raise UserError("Bạn không thể tự khóa tài khoản của chính mình.", "active")
    if user.active == active:
        return False
    user.active = active
    if not active:
        user.end_sessions()
    audit.record("user", user.id, "activate" if active else "deactivate", actor)
    return True


# --- views ---------------------------------------------------------------------------------


def _unit_from_form(form: UserForm) -> Unit | None:
    """The unit the form names by code (any case) or name (None when blank); raises UserError when
    the text names no unit or several (the form then lists them: dvkheo/units/picker.py)."""
    text = (form.unit_code.data or "").strip()
    if not text:
        return None
    unit, matches = picker.resolve(text)
    if unit is None:
        raise UserError(picker.problem(text, matches), "unit_code")
    return unit


@bp.route("/admin/users")
@admin_required
def users():
    """Accounts, searchable without diacritics, filtered by role, unit (with its subtree) and status."""
    args = {key: request.args.get(key, "").strip() for key in ("q", "role", "unit", "status")}
    query = sa.select(User).options(so.joinedload(User.unit))
    if args["q"]:
        query = query.where(search.matches(args["q"], User.search_text))
    if args["role"] in Role._value2member_map_:
        query = query.where(User.role == Role(args["role"]))
    scope = None
    unit_id = query_int("unit")
    if unit_id is not None:
        scope = get_or_404(Unit, unit_id)
        query = query.where(User.unit_id.in_(sa.select(Unit.id).where(subtree_condition(scope))))
    if args["status"] in ("active", "inactive"):
        query = query.where(User.active.is_(args["status"] == "active"))
    query = query.order_by(User.search_text, User.id)
    page = paginate(query)

    # The unit filter offers the units that hold accounts (a full tree has thousands of units).
    unit_options = list(db.session.scalars(
        sa.select(Unit).where(Unit.id.in_(sa.select(User.unit_id).where(User.unit_id.is_not(None)))).order_by(Unit.code)
    ))
    if scope is not None and scope not in unit_options:
        unit_options.insert(0, scope)
    return render_template(
        "accounts/users.html",
        page=page,
        args=args,
        roles=ROLE_LABELS,
        unit_options=unit_options,
        filter_args={key: value for key, value in args.items() if value},
        action_form=EmptyForm(),
    )


def _submit(form: UserForm, user: User | None):
    """Check the posted form against its field rules and the account rules together, so that
    every problem shows at once; save when there is none.

    Returns (user, changes) after one commit, or (None, None) with the messages on their fields
    (one per field) and the session rolled back.
    """
    if not form.is_submitted():
        return None, None
    valid = form.validate()
    problems: list[UserError] = []
    unit = None
    try:
        unit = _unit_from_form(form)
    except UserError as error:
        problems.append(error)
    role = Role(form.role.data) if form.role.data in Role._value2member_map_ else None
    password = form.password.data or None
    if role is not None and form.email.data:
        problems += account_problems(
            user, email=form.email.data, role=role, unit=unit, active=form.active.data, password=password, actor=current_user
        )
    for problem in problems:
        field = getattr(form, problem.field)
        if not field.errors:  # one message per field: "unknown unit code" already covers "unit needed"
            field.errors.append(str(problem))
    if not valid or problems:
        return None, None
    try:
        saved, changes = save_user(
            user, full_name=form.full_name.data, email=form.email.data, role=role, unit=unit,
            active=form.active.data, password=password, actor=current_user,
        )
        db.session.commit()
    except UserError as error:  # the rules changed between the check and the save
        db.session.rollback()
        getattr(form, error.field).errors.append(str(error))
        return None, None
    except sa.exc.IntegrityError:  # two administrators saving the same e-mail at once
        db.session.rollback()
        form.email.errors.append("Thư điện tử này đã được dùng cho một tài khoản khác.")
        return None, None
    return saved, changes


@bp.route("/admin/users/new", methods=["GET", "POST"])
@admin_required
def user_create():
    """Create an account; `?unit_code=` pre-fills the unit. Side effects on success: one commit
    (the account and its audit event), a flash message, a redirect to the list."""
    form = UserForm()
    if request.method == "GET":
        form.unit_code.data = request.args.get("unit_code", "")
    unit_picker = picker.read(form.unit_code)
    user, _ = (None, None) if unit_picker.searching else _submit(form, None)
    if user is not None:
        flash(f"Đã tạo tài khoản {user.email} ({user.role.label}).", "success")
        return redirect(url_for("accounts.users"))
    return render_template(
        "accounts/user_form.html", form=form, user=None, roles_needing_unit=ROLES_NEEDING_UNIT, unit_picker=unit_picker
    )


@bp.route("/admin/users/<int:user_id>/edit", methods=["GET", "POST"])
@admin_required
def user_edit(user_id: int):
    """Edit an account and show its history (logins left out). Side effects on success: one
    commit, a flash message, a redirect; an administrator who sets their own password is
    logged in again under the new session version."""
    user = get_or_404(User, user_id)
    form = UserForm(obj=user)
    if request.method == "GET":
        form.role.data = user.role.value
        form.unit_code.data = user.unit.code if user.unit else ""
    editing_self = user.id == current_user.id
    unit_picker = picker.read(form.unit_code)
    saved, changes = (None, None) if unit_picker.searching else _submit(form, user)
    if saved is not None:
        if editing_self and session.get("_user_id", "").split(":")[:2] != saved.get_id().split(":"):
            login_user(saved)  # the new session_version would otherwise log the administrator out
        if changes:
            flash(f"Đã lưu tài khoản {saved.email}.", "success")
        else:
            flash("Không có thay đổi nào để lưu.", "info")
        return redirect(url_for("accounts.users"))
    history = [event for event in audit.history("user", user.id) if event.action != "login"]
    return render_template(
        "accounts/user_form.html", form=form, user=user, history=history[-20:],
        roles_needing_unit=ROLES_NEEDING_UNIT, action_form=EmptyForm(), unit_picker=unit_picker,
        role_labels={role.value: label for role, label in ROLE_LABELS.items()},
    )


def _toggle(user_id: int, active: bool):
    """Lock or unlock an account from a POST button. Side effects: one commit, a flash message,
    a redirect back to the (filtered) list."""
    user = get_or_404(User, user_id)
    form = EmptyForm()
    if form.validate_on_submit():
        try:
            changed = set_active(user, active, current_user)
            db.session.commit()
        except UserError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            if changed:
                flash(f"Đã {'mở khóa' if active else 'khóa'} tài khoản {user.email}.", "success")
    return redirect(request.form.get("next") if request.form.get("next", "").startswith("/admin/users") else url_for("accounts.users"))


@bp.route("/admin/users/<int:user_id>/deactivate", methods=["POST"])
@admin_required
def user_deactivate(user_id: int):
    return _toggle(user_id, False)


@bp.route("/admin/users/<int:user_id>/activate", methods=["POST"])
@admin_required
def user_activate(user_id: int):
    return _toggle(user_id, True)
