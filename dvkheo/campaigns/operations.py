"""Business actions on campaigns and the reference lists; they flush and audit, never commit.

Phase changes live in `workflow.py`; this module creates and edits campaigns (settings,
allowed fields, rubric) and maintains the three reference lists.
"""
from __future__ import annotations

import enum
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

import sqlalchemy as sa

from dvkheo.campaigns import defaults
from dvkheo.campaigns.models import (
    Campaign,
    CampaignStatus,
    Criterion,
    NomineeKind,
    ReferenceItem,
    ReferenceKind,
    _aware,
)
from dvkheo.core import audit
from dvkheo.core.rules import Problem, RuleRefused
from dvkheo.core.text import fold
from dvkheo.extensions import db
from dvkheo.nominations.models import Attachment, Nomination
from dvkheo.nominations.states import NominationState

_DEFAULT_LISTS = {
    ReferenceKind.FIELD: defaults.FIELDS,
    ReferenceKind.COLLECTIVE_TYPE: defaults.COLLECTIVE_TYPES,
    ReferenceKind.INDIVIDUAL_CATEGORY: defaults.INDIVIDUAL_CATEGORIES,
}

# Campaign attributes the edit form writes, with the one label each has everywhere
# (form, history, messages). The phase dates are listed in the order they must follow.
PHASE_DATES = (
    "nominations_open_on",
    "nominations_close_on",
    "review_close_on",
    "public_voting_open_on",
    "public_voting_close_on",
    "decision_on",
)
SETTING_LABELS: dict[str, str] = {
    "organising_unit_id": "Cơ quan tổ chức",
    "title": "Tên đợt bình xét",
    "year": "Năm",
    "description": "Mô tả, căn cứ tổ chức",
    "nominations_open_on": "Ngày bắt đầu nhận hồ sơ",
    "nominations_close_on": "Hạn cuối nhận hồ sơ",
    "review_close_on": "Ngày kết thúc sơ loại, chấm điểm",
    "public_voting_open_on": "Ngày bắt đầu công khai lấy ý kiến, bình chọn",
    "public_voting_close_on": "Ngày kết thúc công khai lấy ý kiến, bình chọn",
    "decision_on": "Ngày Hội đồng xét chọn, quyết định khen thưởng",
    "allow_collective": "Nhận hồ sơ tập thể",
    "allow_individual": "Nhận hồ sơ cá nhân",
    "public_review_threshold_percent": "Tỷ lệ phiếu đồng ý khi bình xét tại đơn vị (%)",
    "reviewers_per_nomination": "Số thành viên Hội đồng chấm mỗi hồ sơ",
    "blind_scoring": "Chỉ xem điểm của thành viên khác sau khi hoàn tất chấm",
    "comments_required": "Bắt buộc nhận xét cho từng tiêu chí",
    "disagreement_threshold": "Ngưỡng chênh lệch điểm cần xem lại (điểm)",
    "use_normalised_score": "Xếp hạng theo điểm chuẩn hóa",
    "has_public_stage": "Có giai đoạn công khai lấy ý kiến, bình chọn",
    "voter_verification": "Cách xác thực người bình chọn trực tuyến",
    "assisted_voting": "Tổ chức bình chọn có hỗ trợ tại địa phương (cán bộ xã ghi nhận phiếu)",
    "votes_per_voter": "Số mô hình, điển hình mỗi người được bình chọn",
    "vote_withdrawal_allowed": "Cho phép rút lại phiếu bình chọn trước khi kết thúc",
    "voting_opens_at": "Thời điểm bắt đầu bình chọn",
    "voting_closes_at": "Thời điểm kết thúc bình chọn",
    "live_tallies": "Công khai số phiếu ngay trong khi bình chọn",
    "publish_objection_answers": "Công khai nội dung trả lời phản ánh, góp ý",
    "public_vote_share_percent": "Tỷ trọng bình chọn công khai trong điểm kết hợp (%)",
    # Personal data (Law 91/2025): days kept after the results are published (dvkheo/privacy/purge.py).
    "voter_data_retention_days": "Thời hạn lưu dữ liệu người bình chọn (ngày sau khi công bố kết quả)",
    "objector_data_retention_days": "Thời hạn lưu họ tên, liên hệ người phản ánh (ngày sau khi công bố kết quả)",
}
# Rules a voter relied on: fixed once the first vote is cast.
VOTING_RULES_FIXED_ONCE_VOTED = ("voter_verification", "votes_per_voter")
SETTING_FIELDS = tuple(SETTING_LABELS)

# Scores are given against the rubric from the review phase on: changing it then would make
# earlier and later scores incomparable, so it is frozen once nominations close.
RUBRIC_EDITABLE_STATES = frozenset({CampaignStatus.DRAFT, CampaignStatus.NOMINATIONS_OPEN})
# Moving a campaign to another organising unit would move its dossiers to another committee.
UNIT_EDITABLE_STATES = frozenset({CampaignStatus.DRAFT})
# Nominations that never reached the committee, or left it, are not "received".
NOT_RECEIVED_STATES = (NominationState.DRAFT, NominationState.WITHDRAWN)


class ChangeRefused(RuleRefused):
    """A campaign edit is refused. `Problem.field` names the form field the message belongs
    beside, or "criterion-<id>" for one rubric line."""


@dataclass(frozen=True)
class CriterionInput:
    """One rubric line as typed: `id` None for a new line, `position` None to keep its place."""

    title: str
    description: str
    max_score: int
    id: int | None = None
    position: int | None = None
    remove: bool = False


T = TypeVar("T")


def reordered(rows: list[tuple[int | None, bool, T]]) -> list[T]:
    """Sort (requested position, moved, item) rows, given in their current order.

    A moved item goes before an unmoved one asking for the same place, so "put this one
    at 2" works without renumbering the others by hand; rows with no position go last.
    """

    def key(entry: tuple[int, tuple[int | None, bool, T]]) -> tuple[float, int, int]:
        index, (position, moved, _) = entry
        return (math.inf if position is None else position, 0 if moved else 1, index)

    return [item for _, (_, _, item) in sorted(enumerate(rows), key=key)]


# --- reference lists ------------------------------------------------------------------------


def ensure_reference_lists() -> int:
    """Add any default list item that is missing (by kind and code); never overwrites edits."""
    existing = set(db.session.execute(sa.select(ReferenceItem.kind, ReferenceItem.code)).tuples())
    added = 0
    for kind, items in _DEFAULT_LISTS.items():
        for position, (code, name) in enumerate(items, start=1):
            if (kind, code) not in existing:
                db.session.add(ReferenceItem(kind=kind, code=code, name=name, position=position))
                added += 1
    db.session.flush()
    return added


def _items_of(kind: ReferenceKind) -> list[ReferenceItem]:
    return list(
        db.session.scalars(
            sa.select(ReferenceItem).where(ReferenceItem.kind == kind).order_by(ReferenceItem.position, ReferenceItem.id)
        )
    )


def _duplicate_name(kind: ReferenceKind, name: str, items: list[ReferenceItem], exclude: ReferenceItem | None) -> list[Problem]:
    folded = fold(name)
    for other in items:
        if other is not exclude and fold(other.name) == folded:
            state = "" if other.active else " (đang ngừng sử dụng, có thể sử dụng lại)"
            return [Problem("duplicate", f"Danh mục {kind.label.lower()} đã có mục “{other.name}”{state}.", "name")]
    return []


def _new_code(name: str, items: list[ReferenceItem]) -> str:
    """A stable machine code from the name ("Bảo vệ môi trường" -> "bao_ve_moi_truong"), unique in its list."""
    base = re.sub(r"[^a-z0-9]+", "_", fold(name)).strip("_")[:50] or "muc"
    taken = {item.code for item in items}
    code, suffix = base, 2
    while code in taken:
        code, suffix = f"{base}_{suffix}", suffix + 1
    return code


def _place(items: list[ReferenceItem], item: ReferenceItem, position: int | None) -> bool:
    """Move `item` to `position` (1-based) within `items` and renumber the list; True if any moved."""
    rows = [
        ((position if other is item and position is not None else other.position), other is item, other)
        for other in items
    ]
    changed = False
    for number, other in enumerate(reordered(rows), start=1):
        if other.position != number:
            other.position, changed = number, True
    return changed


def add_reference_item(kind: ReferenceKind, name: str, actor: Any, position: int | None = None) -> ReferenceItem:
    """Add an active item to one list, at `position` (default: the end).

    Side effects: renumbers the list's positions, flushes, records a "create" audit event.
    Raises ChangeRefused when the list already has an item of the same name.
    """
    name = name.strip()
    items = _items_of(kind)
    problems = _duplicate_name(kind, name, items, exclude=None)
    if problems:
        raise ChangeRefused(problems)
    item = ReferenceItem(kind=kind, code=_new_code(name, items), name=name, position=len(items) + 1, active=True)
    db.session.add(item)
    _place(items + [item], item, position)
    db.session.flush()
    audit.record("reference_item", item.id, "create", actor, details={"kind": kind.value, "name": name})
    return item


def update_reference_item(item: ReferenceItem, *, name: str, position: int | None, actor: Any) -> list[str]:
    """Rename and/or move an item; returns what changed ("name", "position").

    Side effects: renumbers the list, flushes, records one "update" audit event when
    anything changed. Existing nominations show the new name: renaming corrects wording,
    to replace an item add a new one and deactivate the old.
    """
    name = name.strip()
    items = _items_of(item.kind)
    problems = _duplicate_name(item.kind, name, items, exclude=item)
    if problems:
        raise ChangeRefused(problems)
    old_name, old_position = item.name, item.position
    changed = []
    if name != old_name:
        item.name = name
        changed.append("name")
    if _place(items, item, position) and item.position != old_position:
        changed.append("position")
    db.session.flush()
    if changed:
        audit.record(
            "reference_item", item.id, "update", actor,
            details={"kind": item.kind.value, "name": [old_name, item.name], "position": [old_position, item.position]},
        )
    return changed


def set_reference_item_active(item: ReferenceItem, active: bool, actor: Any) -> bool:
    """Deactivate or reactivate an item; never deletes, since nominations may point at it.

    An inactive item disappears from new choices (nomination form, campaign fields) but
    keeps showing on the dossiers and campaigns that already use it. Side effect: one
    "deactivate"/"reactivate" audit event when the flag changes. Returns whether it changed.
    """
    if item.active is active:
        return False
    item.active = active
    db.session.flush()
    audit.record(
        "reference_item", item.id, "reactivate" if active else "deactivate", actor,
        details={"kind": item.kind.value, "name": item.name},
    )
    return True


# --- campaigns --------------------------------------------------------------------------------


def create_campaign(
    *,
    organising_unit,
    title: str,
    year: int,
    actor=None,
    status: CampaignStatus = CampaignStatus.DRAFT,
    nominations_open_on: date | None = None,
    nominations_close_on: date | None = None,
    field_codes: list[str] | None = None,
    field_ids: list[int] | None = None,
    rubric: list[tuple[str, str, int]] | None = None,
    **attributes,
) -> Campaign:
    """A campaign with the default rubric and every active field unless told otherwise.

    `rubric=None` means the default rubric, `rubric=[]` none at all. Side effects: adds any
    missing default reference item, flushes, records a "create" audit event. `status` is for
    fixtures and imports; the interface always starts in draft and moves via `workflow`.
    """
    ensure_reference_lists()
    fields_query = sa.select(ReferenceItem).where(ReferenceItem.kind == ReferenceKind.FIELD, ReferenceItem.active.is_(True))
    if field_codes is not None:
        fields_query = fields_query.where(ReferenceItem.code.in_(field_codes))
    if field_ids is not None:
        fields_query = fields_query.where(ReferenceItem.id.in_(field_ids))
    campaign = Campaign(
        organising_unit=organising_unit,
        title=title,
        year=year,
        status=status,
        nominations_open_on=nominations_open_on,
        nominations_close_on=nominations_close_on,
        allowed_fields=list(db.session.scalars(fields_query.order_by(ReferenceItem.position))),
        **attributes,
    )
    for position, (criterion_title, description, max_score) in enumerate(
        defaults.RUBRIC if rubric is None else rubric, start=1
    ):
        campaign.criteria.append(
            Criterion(position=position, title=criterion_title, description=description, max_score=max_score)
        )
    db.session.add(campaign)
    db.session.flush()
    audit.record("campaign", campaign.id, "create", actor, to_state=campaign.status.value)
    return campaign


def rubric_lines(rows: list[CriterionInput]) -> list[tuple[str, str, int]]:
    """The lines of a new campaign's rubric, in the requested order, for `create_campaign`.

    Line i was shown at position i+1: only a line whose typed position differs counts as moved.
    """
    kept = [(i, row) for i, row in enumerate(rows) if not row.remove]
    ordered = reordered(
        [(row.position, row.position is not None and row.position != i + 1, row) for i, row in kept]
    )
    return [(row.title, row.description, row.max_score) for row in ordered]


def rubric_editable(campaign: Campaign) -> bool:
    return campaign.status in RUBRIC_EDITABLE_STATES


def organising_unit_editable(campaign: Campaign) -> bool:
    return campaign.status in UNIT_EDITABLE_STATES


def settings_editable(campaign: Campaign) -> bool:
    """Everything but the rubric stays editable (deadlines get extended) until the campaign closes."""
    return campaign.status is not CampaignStatus.CLOSED


def selectable_fields(campaign: Campaign | None) -> list[ReferenceItem]:
    """Fields a campaign may allow: the active ones, plus those it already allows (even if since deactivated)."""
    current_ids = [field.id for field in campaign.allowed_fields] if campaign is not None else []
    return list(
        db.session.scalars(
            sa.select(ReferenceItem)
            .where(
                ReferenceItem.kind == ReferenceKind.FIELD,
                sa.or_(ReferenceItem.active.is_(True), ReferenceItem.id.in_(current_ids)),
            )
            .order_by(ReferenceItem.position, ReferenceItem.id)
        )
    )


def update_campaign(
    campaign: Campaign,
    *,
    settings: dict[str, Any],
    field_ids: Iterable[int],
    rubric: list[CriterionInput] | None,
    actor: Any,
) -> dict[str, Any]:
    """Write the edit form onto a campaign; returns the changes recorded in the audit event.

    `settings` holds SETTING_FIELDS values (already typed); `rubric=None` leaves the criteria
    alone (the view passes None while the rubric is frozen). Refuses, before changing
    anything, to drop a field or nominee kind that nominations already use, or a criterion
    that evidence files are attached to (attachments would silently lose their criterion).
    Side effects: sets attributes, replaces allowed fields, adds/edits/deletes/renumbers
    criteria, flushes, records one "update" audit event when anything changed.
    """
    wanted_fields = {field.id: field for field in selectable_fields(campaign)}
    new_fields = [wanted_fields[field_id] for field_id in dict.fromkeys(field_ids) if field_id in wanted_fields]
    problems = _in_use_problems(campaign, new_fields, settings) + _voting_rules_problems(campaign, settings)
    if rubric is not None:
        problems += _criteria_in_use_problems(campaign, rubric)
    if problems:
        raise ChangeRefused(problems)

    changes: dict[str, Any] = {}
    for name in SETTING_FIELDS:
        if name not in settings:
            continue
        old, new = getattr(campaign, name), settings[name]
        if isinstance(new, str):
            new = new.strip()
        if isinstance(old, datetime):
            old = _aware(old)  # SQLite hands back naive UTC: compare moments, not representations
        if old != new:
            setattr(campaign, name, new)
            # Long free text is not copied into the audit trail; its name is enough.
            changes.setdefault("settings", {})[name] = None if name == "description" else [_jsonable(old), _jsonable(new)]
    if "organising_unit_id" in changes.get("settings", {}):
        db.session.expire(campaign, ["organising_unit"])

    old_ids = {field.id for field in campaign.allowed_fields}
    new_ids = {field.id for field in new_fields}
    if old_ids != new_ids:
        changes["fields"] = {
            "added": [f.name for f in new_fields if f.id not in old_ids],
            "removed": [f.name for f in campaign.allowed_fields if f.id not in new_ids],
        }
        campaign.allowed_fields = sorted(new_fields, key=lambda f: (f.position, f.id))

    if rubric is not None:
        criteria_changes = _apply_rubric(campaign, rubric)
        if criteria_changes:
            changes["criteria"] = criteria_changes

    db.session.flush()
    if changes:
        audit.record("campaign", campaign.id, "update", actor, details=changes)
    return changes


def _jsonable(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    return value.isoformat() if isinstance(value, date) else value


def _voting_rules_problems(campaign: Campaign, settings: dict[str, Any]) -> list[Problem]:
    """Refuse to change the verification method or the number of votes once anyone has voted."""
    changing = [name for name in VOTING_RULES_FIXED_ONCE_VOTED if name in settings and settings[name] != getattr(campaign, name)]
    if not changing:
        return []
    from dvkheo.voting.models import Vote

    if db.session.scalar(sa.select(sa.func.count()).select_from(Vote).where(Vote.campaign_id == campaign.id)) == 0:
        return []
    return [
        Problem(
            "voting_started",
            f"Không thể đổi “{SETTING_LABELS[name]}”: đã có người bình chọn theo quy định hiện tại.",
            name,
        )
        for name in changing
    ]


def _in_use_problems(campaign: Campaign, new_fields: list[ReferenceItem], settings: dict[str, Any]) -> list[Problem]:
    """Refuse to drop a field or nominee kind that live nominations of this campaign use."""
    problems: list[Problem] = []
    live = (Nomination.campaign_id == campaign.id, Nomination.status != NominationState.WITHDRAWN)
    new_ids = {field.id for field in new_fields}
    dropped = {field.id: field for field in campaign.allowed_fields if field.id not in new_ids}
    if dropped:
        rows = db.session.execute(
            sa.select(Nomination.field_id, sa.func.count())
            .where(*live, Nomination.field_id.in_(list(dropped)))
            .group_by(Nomination.field_id)
        )
        for field_id, count in rows:
            problems.append(
                Problem(
                    "field_in_use",
                    f"Không thể bỏ lĩnh vực “{dropped[field_id].name}”: đã có {count} hồ sơ đề nghị thuộc lĩnh vực này.",
                    "field_ids",
                )
            )
    dropped_kinds = [
        kind
        for kind, attribute in ((NomineeKind.COLLECTIVE, "allow_collective"), (NomineeKind.INDIVIDUAL, "allow_individual"))
        if getattr(campaign, attribute) and settings.get(attribute) is False
    ]
    if dropped_kinds:
        rows = db.session.execute(
            sa.select(Nomination.kind, sa.func.count()).where(*live, Nomination.kind.in_(dropped_kinds)).group_by(Nomination.kind)
        )
        for kind, count in rows:
            problems.append(
                Problem(
                    "kind_in_use",
                    f"Không thể ngừng nhận hồ sơ {kind.label.lower()}: đã có {count} hồ sơ {kind.label.lower()} trong đợt bình xét.",
                    "nominee_kinds",
                )
            )
    return problems


def _criteria_in_use_problems(campaign: Campaign, rubric: list[CriterionInput]) -> list[Problem]:
    existing = {criterion.id: criterion for criterion in campaign.criteria}
    removing = [row.id for row in rubric if row.remove and row.id in existing]
    if not removing:
        return []
    rows = db.session.execute(
        sa.select(Attachment.criterion_id, sa.func.count())
        .where(Attachment.criterion_id.in_(removing))
        .group_by(Attachment.criterion_id)
    )
    return [
        Problem(
            "criterion_in_use",
            f"Không thể xóa tiêu chí “{existing[criterion_id].title}”: đã có {count} tệp minh chứng gắn với tiêu chí này. "
            "Có thể sửa tên, mô tả hoặc điểm tối đa.",
            f"criterion-{criterion_id}",
        )
        for criterion_id, count in rows
    ]


def _apply_rubric(campaign: Campaign, rubric: list[CriterionInput]) -> dict[str, Any]:
    """Add, edit, delete and renumber criteria from the typed lines; returns what changed."""
    existing = {criterion.id: criterion for criterion in campaign.criteria}
    before_ids = [criterion.id for criterion in campaign.criteria]
    seen: set[int] = set()
    rows: list[tuple[int | None, bool, Criterion]] = []
    added, removed, edited = [], [], []
    for line in rubric:
        criterion = existing.get(line.id) if line.id is not None else None
        if criterion is not None and criterion.id in seen:
            criterion = None  # a second line with the same id (forged) is taken as a new line
        if line.remove:
            if criterion is not None:
                seen.add(criterion.id)
                removed.append(criterion.title)
                campaign.criteria.remove(criterion)  # delete-orphan deletes the row
            continue
        if criterion is None:
            # Unknown ids (another campaign's, or forged) become new lines: never touch foreign rows.
            criterion = Criterion(title=line.title, description=line.description, max_score=line.max_score)
            campaign.criteria.append(criterion)
            added.append(line.title)
            rows.append((line.position, line.position is not None, criterion))
            continue
        seen.add(criterion.id)
        if (criterion.title, criterion.description, criterion.max_score) != (line.title, line.description, line.max_score):
            edited.append(line.title)
            criterion.title, criterion.description, criterion.max_score = line.title, line.description, line.max_score
        rows.append((line.position, line.position is not None and line.position != criterion.position, criterion))
    # Lines missing from the post (e.g. a truncated form) are kept, after the others, in their order.
    rows += [(None, False, c) for c in existing.values() if c.id not in seen]

    ordered = reordered(rows)
    for number, criterion in enumerate(ordered, start=1):
        criterion.position = number
    campaign.criteria.sort(key=lambda c: c.position)
    after_order = [c.id for c in ordered if c.id is not None]
    reordered_flag = after_order != [criterion_id for criterion_id in before_ids if criterion_id in after_order]

    changes: dict[str, Any] = {}
    if added:
        changes["added"] = added
    if removed:
        changes["removed"] = removed
    if edited:
        changes["edited"] = edited
    if reordered_flag:
        changes["reordered"] = True
    if changes:
        changes["total"] = campaign.max_total_score
    return changes


# --- read models for the pages ---------------------------------------------------------------


def received_counts(campaign_ids: Iterable[int]) -> dict[int, int]:
    """Nominations received (sent, not withdrawn) per campaign, in one grouped query."""
    ids = list(campaign_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(Nomination.campaign_id, sa.func.count())
        .where(Nomination.campaign_id.in_(ids), Nomination.status.not_in(NOT_RECEIVED_STATES))
        .group_by(Nomination.campaign_id)
    )
    return {key: count for key, count in rows}


def status_counts(campaign: Campaign) -> dict[NominationState, int]:
    """Nominations of one campaign by status (drafts excluded: the committee never sees them)."""
    rows = db.session.execute(
        sa.select(Nomination.status, sa.func.count())
        .where(Nomination.campaign_id == campaign.id, Nomination.status != NominationState.DRAFT)
        .group_by(Nomination.status)
    )
    return {key: count for key, count in rows}
