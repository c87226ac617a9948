"""Deleting voters' and objectors' personal data once a campaign's retention period has passed.

The period runs from the publication of the results (`Campaign.results_published_at`, set when
the chair publishes the awards; for campaigns published before that column existed, the
"publish_awards" audit event): `voter_data_retention_days` for voters, `objector_data_retention_days`
for objectors. Then, in one transaction per campaign:

- voters: email codes deleted; each voter's identity replaced by "purged:<id>" (the row stays,
  so the votes, their receipts and the hash chain stay as they were and `ledger.verify` still
  passes with the same tallies); consent cleared; the local voter list deleted (voters keep no
  link to it);
- objectors: name and contact blanked, consent cleared; the objection's content and answer stay
  (they are about the nominee, and answers may be published).

Data subjects' requests themselves lose their name, contact and details three years after the
answer (`purge_answered_requests`); a request whose emailed confirmation link expired unused is
deleted (`purge_unconfirmed_requests`): nobody showed they own the address it names.

No IP address or browser is written to the database (rate limits live in memory or Redis and
expire by themselves). The web server's access log and the security log (`dvkheo.security`) do
carry IP addresses; the operator keeps them 90 days (README, "An toàn khi vận hành").

Idempotent: each part runs once per campaign (`voter_data_purged_at`, `objector_data_purged_at`),
and one audit event per campaign purge gives the counts. Run by `flask privacy purge` (cron) or
as a background job (`enqueue("dvkheo.privacy.purge.run_scheduled")`).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa

from dvkheo.campaigns.models import Campaign, _aware
from dvkheo.core import audit
from dvkheo.core.audit import AuditEvent
from dvkheo.core.timeutil import utcnow
from dvkheo.extensions import db
from dvkheo.voting.models import EmailCode, Objection, Voter, VoterListEntry

log = logging.getLogger(__name__)


@dataclass
class PurgeCounts:
    campaign_id: int
    title: str = ""
    voters: int = 0
    email_codes: int = 0
    voter_list_entries: int = 0
    objections: int = 0
    parts: list[str] = field(default_factory=list)

    def as_details(self) -> dict:
        return {
            "voters": self.voters, "email_codes": self.email_codes,
            "voter_list_entries": self.voter_list_entries, "objections": self.objections, "parts": self.parts,
        }

    def summary(self) -> str:
        return (
            f"{self.voters} người bình chọn ẩn danh, {self.email_codes} mã xác thực, "
            f"{self.voter_list_entries} dòng danh sách cử tri, {self.objections} phản ánh ẩn danh"
        )


def published_at(campaign: Campaign) -> datetime | None:
    """When the results were published: the stored moment, else the audit event of the publication."""
    if campaign.results_published_at is not None:
        return _aware(campaign.results_published_at)
    moment = db.session.scalar(
        sa.select(sa.func.max(AuditEvent.occurred_at)).where(
            AuditEvent.entity_type == "campaign", AuditEvent.entity_id == campaign.id,
            AuditEvent.action == "publish_awards",
        )
    )
    return _aware(moment)


def due_parts(campaign: Campaign, now: datetime) -> list[str]:
    """Which parts ("voters", "objectors") of a campaign are past their retention and not yet purged."""
    start = published_at(campaign)
    if start is None:
        return []
    parts = []
    if campaign.voter_data_purged_at is None and start + timedelta(days=campaign.voter_data_retention_days) <= now:
        parts.append("voters")
    if campaign.objector_data_purged_at is None and start + timedelta(days=campaign.objector_data_retention_days) <= now:
        parts.append("objectors")
    return parts


def _count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where)) or 0


def erase_voters(where, now: datetime) -> int:
    """Replace the identity of the voters matching `where` by "purged:<id>"; the votes are untouched."""
    return db.session.execute(
        sa.update(Voter).where(where, Voter.anonymised_at.is_(None))
        .values(
            identity_key=sa.literal("purged:") + sa.cast(Voter.id, sa.String),
            list_entry_id=None, consent_at=None, consent_notice=None, anonymised_at=now,
        )
        .execution_options(synchronize_session=False)
    ).rowcount


def erase_objectors(where, now: datetime) -> int:
    """Blank the name and contact of the objections matching `where`."""
    return db.session.execute(
        sa.update(Objection).where(where, Objection.anonymised_at.is_(None))
        .values(author_name="", author_contact="", consent_at=None, consent_notice=None, anonymised_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount


def purge_campaign(campaign: Campaign, parts: list[str], now: datetime, *, dry_run: bool = False) -> PurgeCounts:
    """Purge the given parts of one campaign (flush only; the caller commits). With `dry_run`, only count."""
    counts = PurgeCounts(campaign.id, campaign.title, parts=list(parts))
    if "voters" in parts:
        counts.email_codes = _count(EmailCode, EmailCode.campaign_id == campaign.id)
        counts.voter_list_entries = _count(VoterListEntry, VoterListEntry.campaign_id == campaign.id)
        if dry_run:
            counts.voters = _count(Voter, Voter.campaign_id == campaign.id, Voter.anonymised_at.is_(None))
        else:
            db.session.execute(sa.delete(EmailCode).where(EmailCode.campaign_id == campaign.id))
            counts.voters = erase_voters(Voter.campaign_id == campaign.id, now)
            db.session.execute(sa.delete(VoterListEntry).where(VoterListEntry.campaign_id == campaign.id))
            campaign.voter_data_purged_at = now
    if "objectors" in parts:
        if dry_run:
            counts.objections = _count(Objection, Objection.campaign_id == campaign.id, Objection.anonymised_at.is_(None))
        else:
            counts.objections = erase_objectors(Objection.campaign_id == campaign.id, now)
            campaign.objector_data_purged_at = now
    if not dry_run:
        audit.record("campaign", campaign.id, "privacy_purge", None, details=counts.as_details())
        db.session.flush()
    return counts


def purge_due(*, dry_run: bool = False, now: datetime | None = None) -> list[PurgeCounts]:
    """Purge every campaign past its retention period, committing after each one (one transaction each)."""
    now = now or utcnow()
    candidates = db.session.scalars(
        sa.select(Campaign).where(
            sa.or_(Campaign.voter_data_purged_at.is_(None), Campaign.objector_data_purged_at.is_(None))
        ).order_by(Campaign.id)
    ).all()
    results = []
    for campaign in candidates:
        parts = due_parts(campaign, now)
        if not parts:
            continue
        try:
            results.append(purge_campaign(campaign, parts, now, dry_run=dry_run))
            if dry_run:
                db.session.rollback()
            else:
                db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("Privacy purge of campaign %s failed", campaign.id)
            raise
    return results


def purge_answered_requests(*, dry_run: bool = False, now: datetime | None = None) -> int:
    """Blank the name, contact and details of data requests answered more than DATA_REQUEST_RETENTION_DAYS
    ago (three years by default: long enough to show the request was met). Commits; audits each one."""
    from flask import current_app

    from dvkheo.privacy.models import DataRequest, RequestStatus

    now = now or utcnow()
    cutoff = now - timedelta(days=int(current_app.config.get("DATA_REQUEST_RETENTION_DAYS", 3 * 365)))
    ids = list(db.session.scalars(
        sa.select(DataRequest.id).where(
            DataRequest.status.in_((RequestStatus.DONE, RequestStatus.REFUSED)),
            DataRequest.answered_at < cutoff, DataRequest.requester_contact != "",
        )
    ))
    if dry_run or not ids:
        return len(ids)
    db.session.execute(
        sa.update(DataRequest).where(DataRequest.id.in_(ids))
        .values(requester_name="", requester_contact="", details="")
        .execution_options(synchronize_session=False)
    )
    for request_id in ids:
        audit.record("data_request", request_id, "privacy_purge", None)
    db.session.commit()
    return len(ids)


def purge_unconfirmed_requests(*, dry_run: bool = False, now: datetime | None = None) -> int:
    """Delete the data requests still waiting for the requester's confirmation after their link expired
    (an "expire" audit event each, without the contact). Commits."""
    from dvkheo.privacy.models import DataRequest, RequestStatus

    now = now or utcnow()
    ids = list(db.session.scalars(
        sa.select(DataRequest.id).where(DataRequest.status == RequestStatus.UNCONFIRMED, DataRequest.confirm_expires_at < now)
    ))
    if dry_run or not ids:
        return len(ids)
    db.session.execute(
        sa.delete(DataRequest).where(DataRequest.id.in_(ids), DataRequest.status == RequestStatus.UNCONFIRMED)
        .execution_options(synchronize_session=False)
    )
    for request_id in ids:
        audit.record("data_request", request_id, "expire", None, from_state=RequestStatus.UNCONFIRMED.value)
    db.session.commit()
    return len(ids)


def run_scheduled() -> int:
    """The background job (RQ or in-process): purge what is due; returns the number of campaigns purged."""
    results = purge_due()
    purge_answered_requests()
    purge_unconfirmed_requests()
    for counts in results:
        log.info("Privacy purge of campaign %s: %s", counts.campaign_id, counts.summary())
    return len(results)
