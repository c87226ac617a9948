"""Business actions on nominations. They change objects, flush and audit; they never commit."""
from __future__ import annotations

from dataclasses import asdict

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from dvkheo.accounts.models import User
from dvkheo.campaigns.models import Campaign, NomineeKind, ReferenceItem, ReferenceKind
from dvkheo.core import audit
from dvkheo.core.storage import StoredFile, UploadRejected
from dvkheo.extensions import db
from dvkheo.nominations.models import Attachment, Nomination
from dvkheo.nominations.states import NominationState
from dvkheo.units.models import Unit

# Report fields a unit edits; the form and the spreadsheet import both write exactly these.
REPORT_FIELDS = (
    "title", "nominee_name", "nominee_position", "nominee_birth_year", "locality", "started_on", "duration",
    "situation", "method", "participation", "results", "households_count", "money_contributed_vnd",
    "working_days", "road_length_m", "area_m2", "cases_resolved", "replication", "review_held_on",
    "review_attendees", "review_votes_for", "review_votes_cast",
)
CHOICE_FIELDS = ("field_id", "collective_type_id", "individual_category_id")
_TEXT_COLUMNS = frozenset(
    name for name in REPORT_FIELDS if isinstance(Nomination.__table__.c[name].type, (sa.String, sa.Text))
)


def reference_lists(active_only: bool = True) -> dict[str, list[ReferenceItem]]:
    query = sa.select(ReferenceItem).order_by(ReferenceItem.kind, ReferenceItem.position, ReferenceItem.name)
    if active_only:
        query = query.where(ReferenceItem.active.is_(True))
    lists: dict[str, list[ReferenceItem]] = {kind.value: [] for kind in ReferenceKind}
    for item in db.session.scalars(query):
        lists[item.kind.value].append(item)
    return lists


def open_campaigns_for(unit: Unit) -> list[Campaign]:
    """Campaigns now taking nominations whose organising unit covers `unit`."""
    candidates = db.session.scalars(
        sa.select(Campaign).join(Unit, Campaign.organising_unit_id == Unit.id).where(
            Unit.id.in_(unit.ancestor_ids)
        ).order_by(Campaign.year.desc(), Campaign.id.desc())
    )
    return [campaign for campaign in candidates if campaign.accepts_nominations()]


def create_draft(campaign: Campaign, kind: NomineeKind, unit: Unit, actor: User) -> Nomination:
    nomination = Nomination(campaign=campaign, kind=kind, unit=unit, created_by=actor, status=NominationState.DRAFT)
    db.session.add(nomination)
    db.session.flush()
    audit.record("nomination", nomination.id, "create", actor, to_state=NominationState.DRAFT.value)
    return nomination


def form_values(form) -> dict:
    """The report values of a validated NominationForm (the page's and the staff API's)."""
    values = {name: form[name].data for name in REPORT_FIELDS}
    for name in CHOICE_FIELDS:
        values[name] = form[name].data or None
    return values


def update_report(nomination: Nomination, values: dict, actor: User) -> list[str]:
    """Write report values (already typed) onto the nomination; returns the names that changed."""
    changed = []
    for name in REPORT_FIELDS + CHOICE_FIELDS:
        if name not in values:
            continue
        value = values[name]
        if name in CHOICE_FIELDS and not value:
            value = None
        if isinstance(value, str):
            value = value.strip()
        elif value is None and name in _TEXT_COLUMNS:
            value = ""
        if getattr(nomination, name) != value:
            setattr(nomination, name, value)
            changed.append(name)
    if nomination.kind is NomineeKind.COLLECTIVE:
        nomination.individual_category_id = None
    else:
        nomination.collective_type_id = None
    # Relationships must follow the ids before eligibility reads them.
    db.session.flush()
    db.session.expire(nomination, ["field", "collective_type", "individual_category"])
    nomination.refresh_derived()
    if changed:
        audit.record("nomination", nomination.id, "update", actor, details={"fields": changed})
    return changed


def record_nominee_consent(nomination: Nomination, agreed: bool, actor: User) -> bool:
    """Record (or clear) that an individual nominee agreed to their personal details being passed on.

    Side effects: sets `nominee_consent_at` (now) and the notice version, or clears both; audits
    "nominee_consent" when it changes. Returns whether it changed.
    """
    from dvkheo.core.timeutil import utcnow
    from dvkheo.privacy.notices import NOTICE_VERSION

    if nomination.kind is not NomineeKind.INDIVIDUAL or agreed == (nomination.nominee_consent_at is not None):
        return False
    nomination.nominee_consent_at = utcnow() if agreed else None
    nomination.nominee_consent_notice = NOTICE_VERSION if agreed else None
    audit.record("nomination", nomination.id, "nominee_consent", actor, details={"agreed": agreed, "notice": NOTICE_VERSION})
    return True


def attach_files(nomination: Nomination, files: list[tuple[StoredFile, str, int | None]], actor: User) -> list[Attachment]:
    """Attach stored files as (file, purpose, criterion id); refuses past the per-dossier cap."""
    cap = current_app.config["MAX_NOMINATION_BYTES"]
    incoming = sum(stored.size_bytes for stored, _, _ in files)
    if nomination.total_attachment_bytes + incoming > cap:
        raise UploadRejected(
            f"Tổng dung lượng tệp của một hồ sơ tối đa {cap // (1024 * 1024)} MB; các tệp vừa chọn làm vượt giới hạn này."
        )
    valid_criteria = {c.id for c in nomination.campaign.criteria}
    attachments = []
    for stored, purpose, criterion_id in files:
        if purpose == "review_minutes":
            for old in [a for a in nomination.attachments if a.purpose == "review_minutes"]:
                nomination.attachments.remove(old)
        attachment = Attachment(
            original_name=stored.original_name,
            stored_name=stored.stored_name,
            content_type=stored.content_type,
            size_bytes=stored.size_bytes,
            sha256=stored.sha256,
            purpose=purpose,
            criterion_id=criterion_id if criterion_id in valid_criteria else None,
            uploaded_by_id=actor.id,
        )
        nomination.attachments.append(attachment)
        attachments.append(attachment)
    db.session.flush()
    for attachment in attachments:
        audit.record(
            "nomination", nomination.id, "attach", actor,
            details={"attachment_id": attachment.id, "name": attachment.original_name, "purpose": attachment.purpose},
        )
    return attachments


def remove_attachment(nomination: Nomination, attachment: Attachment, actor: User) -> None:
    nomination.attachments.remove(attachment)
    audit.record(
        "nomination", nomination.id, "detach", actor,
        details={"attachment_id": attachment.id, "name": attachment.original_name},
    )
    db.session.flush()


# --- files accepted during an attempt that failed validation ----------------------------------


def _staging_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="staged-uploads")


def dump_staged(files: list[tuple[StoredFile, str, int | None]], user: User) -> str:
    if not files:
        return ""
    payload = {"user": user.id, "files": [[asdict(stored), purpose, criterion_id] for stored, purpose, criterion_id in files]}
    return _staging_serializer().dumps(payload)


def load_staged(token: str | None, user: User) -> list[tuple[StoredFile, str, int | None]]:
    """Files staged by this same user; anything forged or foreign is ignored."""
    if not token:
        return []
    try:
        payload = _staging_serializer().loads(token)
    except BadSignature:
        return []
    if payload.get("user") != user.id:
        return []
    return [(StoredFile(**stored), purpose, criterion_id) for stored, purpose, criterion_id in payload.get("files", [])]


def notify_committee_of_submission(nomination: Nomination, resubmitted: bool) -> None:
    """Tell the campaign's secretaries that a dossier waits for screening (sent, or sent again after a return)."""
    from dvkheo import access
    from dvkheo.accounts.models import Role
    from dvkheo.core.notifications import notice_link, notify_all

    campaign = nomination.campaign
    done = "nộp lại sau khi bổ sung" if resubmitted else "nộp"
    notify_all(
        access.campaign_staff(campaign, Role.SECRETARY),
        f"{nomination.unit.name} đã {done} hồ sơ “{nomination.display_title}” (hồ sơ số {nomination.id}, "
        f"đợt {campaign.title}); hồ sơ chờ sơ loại.",
        notice_link("review.inbox", campaign_id=campaign.id),
        subject="Hồ sơ đề nghị “Dân vận khéo” chờ sơ loại",
    )
