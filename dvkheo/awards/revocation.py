"""Revoking a commendation or one printed certificate, recovering the paper, issuing a new one.

Law 06/2022 (Chapter VII): a commendation obtained on a false achievement, a forged dossier or an
unlawful review is revoked by a decision of the same issuing body, and the certificate and prize
money are recovered. A certificate that is only lost, damaged or misprinted is revoked alone: the
award stands and a new certificate (a new serial) may be issued.

Functions here change objects, flush and audit; they never commit (the view does, once).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so

from dvkheo import access
from dvkheo.accounts.models import User
from dvkheo.awards import notices
from dvkheo.awards.models import (
    Decision,
    DecisionAwardee,
    DecisionKind,
    DecisionStatus,
    RevocationItem,
    RevocationScope,
)
from dvkheo.certificates.models import Certificate, CertificateStatus
from dvkheo.core import audit
from dvkheo.core.rules import Problem, RuleRefused
from dvkheo.core.timeutil import format_date, today_in_vietnam, utcnow
from dvkheo.extensions import db
from dvkheo.nominations.models import Nomination
from dvkheo.nominations.states import AWARDED_STATES, NominationAction, NominationState

REVOCABLE_KINDS = (DecisionKind.AWARD, DecisionKind.AMENDMENT)
PENDING_STATUSES = (DecisionStatus.DRAFT, DecisionStatus.APPROVED)
REASON_REQUIRED = "Vui lòng ghi rõ lý do thu hồi, hủy bỏ khen thưởng."
NAMES_IN_ARTICLE = 3  # beyond this many recipients Article 1 counts them and the annex names them


def _refuse(rule: str, message: str, field_name: str | None = None) -> RuleRefused:
    return RuleRefused([Problem(rule, message, field_name)])


# --- reading ------------------------------------------------------------------------------------


@dataclass
class RevocableLine:
    """An award line whose commendation still stands, with its certificates (valid first)."""

    line: DecisionAwardee
    certificates: list[Certificate] = field(default_factory=list)
    # The draft or approved revoking decision that already names this line, if any.
    pending: Decision | None = None

    @property
    def valid_certificates(self) -> list[Certificate]:
        return [c for c in self.certificates if c.status is CertificateStatus.VALID]


def _corrected_line_ids(line_ids: list[int]) -> set[int]:
    """Lines an issued amending decision has corrected: they are revoked through the amendment."""
    if not line_ids:
        return set()
    return set(
        db.session.scalars(
            sa.select(DecisionAwardee.corrects_id)
            .join(Decision, DecisionAwardee.decision_id == Decision.id)
            .where(DecisionAwardee.corrects_id.in_(line_ids), Decision.status == DecisionStatus.ISSUED)
        )
    )


def _pending_by_line(line_ids: list[int]) -> dict[int, Decision]:
    if not line_ids:
        return {}
    rows = db.session.execute(
        sa.select(RevocationItem.awardee_id, Decision)
        .join(Decision, RevocationItem.decision_id == Decision.id)
        .where(
            RevocationItem.awardee_id.in_(line_ids),
            Decision.kind == DecisionKind.REVOCATION,
            Decision.status.in_(PENDING_STATUSES),
        )
    )
    return {awardee_id: decision for awardee_id, decision in rows}


def _certificates_by_line(line_ids: list[int]) -> dict[int, list[Certificate]]:
    by_line: dict[int, list[Certificate]] = {line_id: [] for line_id in line_ids}
    if not line_ids:
        return by_line
    for certificate in db.session.scalars(
        sa.select(Certificate).where(Certificate.awardee_id.in_(line_ids)).order_by(Certificate.id)
    ):
        by_line[certificate.awardee_id].append(certificate)
    for certificates in by_line.values():
        certificates.sort(key=lambda c: (c.status is not CertificateStatus.VALID, -c.id))
    return by_line


def revocable_lines(original: Decision) -> list[RevocableLine]:
    """Lines of an issued award or amending decision whose award still stands; four queries at most."""
    if original.kind not in REVOCABLE_KINDS or original.status is not DecisionStatus.ISSUED:
        return []
    lines = list(
        db.session.scalars(
            sa.select(DecisionAwardee)
            .join(Nomination, DecisionAwardee.nomination_id == Nomination.id)
            .where(DecisionAwardee.decision_id == original.id, Nomination.status.in_(AWARDED_STATES))
            .options(so.contains_eager(DecisionAwardee.nomination))
            .order_by(DecisionAwardee.position, DecisionAwardee.id)
        )
    )
    corrected = _corrected_line_ids([line.id for line in lines])
    lines = [line for line in lines if line.id not in corrected]
    ids = [line.id for line in lines]
    certificates = _certificates_by_line(ids)
    pending = _pending_by_line(ids)
    return [RevocableLine(line, certificates[line.id], pending.get(line.id)) for line in lines]


def revocable_decisions(campaign_id: int) -> list[Decision]:
    """The campaign's issued award and amending decisions (what a revocation may point at)."""
    return list(
        db.session.scalars(
            sa.select(Decision)
            .where(
                Decision.campaign_id == campaign_id,
                Decision.kind.in_(REVOCABLE_KINDS),
                Decision.status == DecisionStatus.ISSUED,
            )
            .order_by(Decision.decided_on, Decision.id)
        )
    )


def revocation_decisions(campaign_id: int) -> list[Decision]:
    """The campaign's revoking decisions, drafts included, newest first, with what they revoke."""
    return list(
        db.session.scalars(
            sa.select(Decision)
            .where(
                Decision.campaign_id == campaign_id,
                Decision.kind == DecisionKind.REVOCATION,
                Decision.status != DecisionStatus.DISCARDED,
            )
            .options(so.joinedload(Decision.revokes), so.selectinload(Decision.revocation_items))
            .order_by(Decision.id.desc())
        )
    )


@dataclass
class RevokedRow:
    certificate: Certificate
    scope: RevocationScope | None
    # A certificate-only revocation of a standing award, with no valid certificate now: "Cấp lại".
    can_reissue: bool


def revoked_certificates(campaign_id: int) -> list[RevokedRow]:
    """Revoked certificates of the campaign with the scope of their revocation; three queries."""
    certificates = list(
        db.session.scalars(
            sa.select(Certificate)
            .join(Decision, Certificate.decision_id == Decision.id)
            .where(Decision.campaign_id == campaign_id, Certificate.status == CertificateStatus.REVOKED)
            .options(
                so.joinedload(Certificate.awardee).joinedload(DecisionAwardee.nomination),
                so.joinedload(Certificate.revoked_by_decision),
                so.joinedload(Certificate.replaced_by),
            )
            .order_by(Certificate.revoked_at.desc(), Certificate.id.desc())
        ).unique()
    )
    revoking_ids = {c.revoked_by_decision_id for c in certificates if c.revoked_by_decision_id}
    scopes: dict[tuple[int, int], RevocationScope] = {}
    if revoking_ids:
        for item in db.session.scalars(sa.select(RevocationItem).where(RevocationItem.decision_id.in_(revoking_ids))):
            scopes[(item.decision_id, item.awardee_id)] = item.scope
    line_ids = {c.awardee_id for c in certificates}
    with_valid = set()
    if line_ids:
        with_valid = set(
            db.session.scalars(
                sa.select(Certificate.awardee_id).where(
                    Certificate.awardee_id.in_(line_ids), Certificate.status == CertificateStatus.VALID
                )
            )
        )
    rows = []
    for certificate in certificates:
        scope = scopes.get((certificate.revoked_by_decision_id, certificate.awardee_id))
        can_reissue = (
            scope is RevocationScope.CERTIFICATE
            and certificate.replaced_by_id is None
            and certificate.awardee_id not in with_valid
            and certificate.awardee.nomination.status in AWARDED_STATES
        )
        rows.append(RevokedRow(certificate, scope, can_reissue))
    return rows


# --- drafting a revoking decision ---------------------------------------------------------------


@dataclass(frozen=True)
class RevocationChoice:
    """One line the secretary chose: revoke the award itself, or only one certificate of it."""

    awardee_id: int
    scope: RevocationScope
    certificate_id: int | None = None


def _as_choice(item) -> RevocationChoice:
    if isinstance(item, RevocationChoice):
        return item
    awardee_id, scope, certificate_id = item
    return RevocationChoice(int(awardee_id), RevocationScope(scope), certificate_id)


def _names(lines: list[DecisionAwardee]) -> str:
    if len(lines) <= NAMES_IN_ARTICLE:
        return ", ".join(line.recipient_name for line in lines)
    return f"{len(lines)} tập thể, cá nhân"


def revocation_title(original: Decision, award_scope: bool) -> str:
    reference = original.citation(with_issuer=False).removeprefix("Quyết định ")
    if award_scope:
        return f"Về việc thu hồi, hủy bỏ Quyết định khen thưởng {reference}"
    return f"Về việc thu hồi {original.award_form.name} đã cấp theo Quyết định {reference}"


def revocation_articles(
    original: Decision, award_lines: list[DecisionAwardee], certificates: list[Certificate], reason: str
) -> str:
    """The three articles of a revoking decision, one paragraph each."""
    form = original.award_form.name
    reference = original.citation(with_issuer=False)
    first = []
    if award_lines:
        first.append(
            f"Thu hồi, hủy bỏ khen thưởng {form} đối với {_names(award_lines)} "
            f"đã được khen thưởng tại {reference} (danh sách kèm theo)."
        )
    if certificates:
        serials = ", ".join(c.serial for c in certificates)
        first.append(
            f"Thu hồi {len(certificates)} {form} đã cấp theo {reference} (số hiệu: {serials}; danh sách kèm theo); "
            "khen thưởng của các tập thể, cá nhân này vẫn giữ nguyên hiệu lực."
        )
    reason_text = reason.rstrip(" .")
    articles = ["Điều 1. " + " ".join(first) + f" Lý do: {reason_text}."]
    second = []
    if award_lines:
        second.append(f"Các tập thể, cá nhân bị thu hồi, hủy bỏ khen thưởng nộp lại {form} và tiền thưởng (nếu có) đã nhận.")
    if certificates:
        second.append(
            f"Các {form} bị thu hồi nêu tại Điều 1 không còn giá trị; bản gốc (nếu còn) được nộp lại để hủy "
            f"và {form} mới được cấp lại theo quy định."
        )
    articles.append("Điều 2. " + " ".join(second))
    articles.append(
        "Điều 3. Quyết định này có hiệu lực kể từ ngày ký. Văn phòng, các đơn vị có liên quan và các tập thể, "
        "cá nhân có tên tại Điều 1 chịu trách nhiệm thi hành Quyết định này."
    )
    return "\n".join(articles)


def draft_revocation(original: Decision, items, reason: str | None, actor: User) -> Decision:
    """A DRAFT revoking decision of `original`, in the name of the same issuing body.

    `items` are (awardee_id, scope, certificate_id|None) or `RevocationChoice`s. Refuses (with
    every problem at once) a missing reason, an empty choice, a line outside the decision or
    no longer standing, a certificate no longer valid, and a line another draft already names.
    Side effects: adds the decision and its items, flushes, audits "create".
    """
    campaign = original.campaign
    if not access.can_draft_decision(actor, campaign):
        raise _refuse("permission", "Bạn không có quyền lập quyết định thu hồi của đợt bình xét này.")
    if original.kind not in REVOCABLE_KINDS or original.status is not DecisionStatus.ISSUED:
        raise _refuse("decision", "Chỉ thu hồi, hủy bỏ theo một quyết định khen thưởng đã ban hành.")
    reason = (reason or "").strip()
    choices = [_as_choice(item) for item in items]
    problems: list[Problem] = []
    if not reason:
        problems.append(Problem("reason", REASON_REQUIRED, "reason"))
    if not choices:
        problems.append(Problem("items", "Vui lòng chọn ít nhất một tập thể, cá nhân hoặc giấy khen cần thu hồi.", "items"))

    standing = {entry.line.id: entry for entry in revocable_lines(original)}
    seen: set[int] = set()
    award_lines: list[DecisionAwardee] = []
    certificates: list[Certificate] = []
    for choice in choices:
        entry = standing.get(choice.awardee_id)
        if entry is None:
            line = db.session.get(DecisionAwardee, choice.awardee_id)
            if line is None or line.decision_id != original.id:
                problems.append(Problem("line", f"Dòng đã chọn không thuộc Quyết định số {original.number_label}."))
            else:
                problems.append(
                    Problem("line", f"Khen thưởng của “{line.recipient_name}” không còn hiệu lực (đã thu hồi hoặc đã được sửa đổi).")
                )
            continue
        name = entry.line.recipient_name
        if choice.awardee_id in seen:
            problems.append(Problem("line", f"“{name}” được chọn hai lần."))
            continue
        seen.add(choice.awardee_id)
        if entry.pending is not None:
            problems.append(
                Problem(
                    "pending",
                    f"“{name}” đã có trong một dự thảo quyết định thu hồi khác chưa ban hành "
                    f"(“{entry.pending.title}”); hãy hoàn tất hoặc hủy dự thảo đó trước.",
                )
            )
            continue
        if choice.scope is RevocationScope.AWARD:
            award_lines.append(entry.line)
            continue
        certificate = next((c for c in entry.valid_certificates if c.id == choice.certificate_id), None)
        if certificate is None:
            problems.append(Problem("certificate", f"Giấy khen đã chọn của “{name}” không còn hiệu lực hoặc không thuộc dòng này."))
            continue
        certificates.append(certificate)
    if problems:
        raise RuleRefused(problems)

    revocation = Decision(
        campaign_id=original.campaign_id,
        award_form_id=original.award_form_id,
        kind=DecisionKind.REVOCATION,
        status=DecisionStatus.DRAFT,
        revokes_id=original.id,
        issuer_code=original.issuer_code,
        symbol=original.symbol,
        document_format=original.document_format,
        place_name=original.place_name,
        parent_body=original.parent_body,
        issuing_body=original.issuing_body,
        issuer_in_text=original.issuer_in_text,
        signer_prefix=original.signer_prefix,
        signer_authority=original.signer_authority,
        signer_title=original.signer_title,
        signer_name=original.signer_name,
        title=revocation_title(original, bool(award_lines)),
        legal_bases=list(original.legal_bases or []),
        considering="Xét đề nghị của Thư ký Hội đồng xét chọn mô hình, điển hình “Dân vận khéo”.",
        articles=revocation_articles(original, award_lines, certificates, reason),
        recipients="- Như Điều 3;\n- Lưu: " + (original.award_form.archive or "VT").strip().rstrip(".") + ".",
        revocation_reason=reason,
        created_by_id=actor.id,
    )
    revocation.revocation_items = [
        RevocationItem(scope=RevocationScope.AWARD, awardee_id=line.id) for line in award_lines
    ] + [
        RevocationItem(scope=RevocationScope.CERTIFICATE, awardee_id=c.awardee_id, certificate_id=c.id) for c in certificates
    ]
    db.session.add(revocation)
    db.session.flush()
    audit.record(
        "decision",
        revocation.id,
        "create",
        actor,
        to_state=DecisionStatus.DRAFT.value,
        reason=reason,
        details={
            "kind": DecisionKind.REVOCATION.value,
            "revokes_id": original.id,
            "award_lines": [line.id for line in award_lines],
            "certificates": [c.serial for c in certificates],
        },
    )
    notices.draft_awaiting_approval(revocation)
    return revocation


# --- issuing: the revocation takes effect --------------------------------------------------------


def _revoke(certificate: Certificate, decision: Decision, scope: RevocationScope, actor: User) -> None:
    certificate.status = CertificateStatus.REVOKED
    certificate.revoked_at = utcnow()
    certificate.revoked_by_decision_id = decision.id
    certificate.revocation_reason = decision.revocation_reason
    audit.record(
        "certificate",
        certificate.id,
        "revoke",
        actor,
        from_state=CertificateStatus.VALID.value,
        to_state=CertificateStatus.REVOKED.value,
        reason=decision.revocation_reason,
        details={"serial": certificate.serial, "decision_id": decision.id, "scope": scope.value},
    )


def apply_revocation(decision: Decision, actor: User) -> list[Certificate]:
    """Make an issued revoking decision take effect; returns the certificates it revoked.

    CERTIFICATE items revoke that certificate; AWARD items revoke every valid certificate of the
    nomination and move it to REVOKED through the nomination workflow (reason: the decision's).
    Side effects: flushes (the workflow guard reads the issued decision), audits each certificate.
    """
    from dvkheo.nominations import workflow

    if decision.kind is not DecisionKind.REVOCATION or decision.status is not DecisionStatus.ISSUED:
        raise _refuse("decision", "Quyết định thu hồi chưa được ban hành nên chưa có hiệu lực.")
    db.session.flush()
    items = list(
        db.session.scalars(
            sa.select(RevocationItem)
            .where(RevocationItem.decision_id == decision.id)
            .options(
                so.joinedload(RevocationItem.awardee).joinedload(DecisionAwardee.nomination),
                so.joinedload(RevocationItem.certificate),
            )
            .order_by(RevocationItem.id)
        )
    )
    award_nominations = {item.awardee.nomination_id: item.awardee.nomination for item in items if item.scope is RevocationScope.AWARD}
    valid_by_nomination: dict[int, list[Certificate]] = {nomination_id: [] for nomination_id in award_nominations}
    if award_nominations:
        rows = db.session.execute(
            sa.select(DecisionAwardee.nomination_id, Certificate)
            .join(DecisionAwardee, Certificate.awardee_id == DecisionAwardee.id)
            .where(
                DecisionAwardee.nomination_id.in_(award_nominations),
                Certificate.status == CertificateStatus.VALID,
            )
            .order_by(Certificate.id)
        )
        for nomination_id, certificate in rows:
            valid_by_nomination[nomination_id].append(certificate)

    revoked: list[Certificate] = []
    problems: list[Problem] = []
    for item in items:
        if item.scope is RevocationScope.CERTIFICATE:
            certificate = item.certificate
            if certificate.status is CertificateStatus.VALID:
                _revoke(certificate, decision, item.scope, actor)
                revoked.append(certificate)
            elif certificate.revoked_by_decision_id != decision.id:
                problems.append(
                    Problem(
                        "certificate",
                        f"Giấy khen số {certificate.serial} hiện “{certificate.status.label.lower()}”, không thể thu hồi theo quyết định này.",
                    )
                )
            continue
        nomination = item.awardee.nomination
        for certificate in valid_by_nomination.pop(nomination.id, []):
            _revoke(certificate, decision, item.scope, actor)
            revoked.append(certificate)
    if problems:
        raise RuleRefused(problems)
    db.session.flush()
    for nomination in award_nominations.values():
        if nomination.status is NominationState.REVOKED:
            continue
        workflow.apply(
            nomination,
            NominationAction.REVOKE_AWARD,
            actor,
            reason=decision.revocation_reason,
            details={"decision_id": decision.id, "decision_number": decision.number_label},
        )
    db.session.flush()
    return revoked


# --- after revocation: the paper comes back, a new certificate may be issued ---------------------


def record_recovery(certificate: Certificate, recovered_on: date | None, note: str | None, actor: User) -> bool:
    """Record (or correct) the day a revoked certificate's paper came back; returns whether anything changed.

    Refuses a certificate that is not revoked, a missing date, a date in the future or before the
    revoking decision. Side effects: sets the recovery fields, audits "recover" (with before/after
    when correcting an earlier record).
    """
    if not access.can_manage_recovery(actor, certificate):
        raise _refuse("permission", "Bạn không có quyền ghi nhận thu hồi giấy khen của đợt bình xét này.")
    if certificate.status is not CertificateStatus.REVOKED:
        raise _refuse("status", f"Giấy khen số {certificate.serial} chưa bị thu hồi; chỉ ghi nhận thu hồi bản gốc sau quyết định thu hồi.")
    note = (note or "").strip()
    if recovered_on is None:
        raise _refuse("recovered_on", "Vui lòng nhập ngày thu hồi được bản gốc (ngày/tháng/năm).", "recovered_on")
    if recovered_on > today_in_vietnam():
        raise _refuse("recovered_on", "Ngày thu hồi bản gốc không được sau ngày hôm nay.", "recovered_on")
    revoking = certificate.revoked_by_decision
    if revoking is not None and revoking.decided_on is not None and recovered_on < revoking.decided_on:
        raise _refuse(
            "recovered_on",
            f"Ngày thu hồi bản gốc không được trước ngày quyết định thu hồi ({format_date(revoking.decided_on)}).",
            "recovered_on",
        )
    before = {"recovered_on": format_date(certificate.recovered_on), "note": certificate.recovery_note or ""}
    after = {"recovered_on": format_date(recovered_on), "note": note}
    if before == after:
        return False
    correcting = certificate.recovered_on is not None
    certificate.recovered_on = recovered_on
    certificate.recovery_note = note
    certificate.recovered_by_id = actor.id
    details = {"serial": certificate.serial, "after": after}
    if correcting:
        details["before"] = before
    audit.record("certificate", certificate.id, "recover", actor, details=details)
    db.session.flush()
    return True


def reissue_certificate(line: DecisionAwardee, actor: User) -> Certificate:
    """A new certificate (new serial) for a standing award whose certificate alone was revoked.

    Refuses while a valid certificate exists, when the award itself was revoked, or when no
    certificate of the line was revoked. Side effects: creates the certificate (audited "issue"),
    points the revoked one to it, audits "reissue" on the old one.
    """
    from dvkheo.awards import queries
    from dvkheo.certificates.operations import create_certificate

    decision = line.decision
    if not access.can_draft_decision(actor, decision.campaign):
        raise _refuse("permission", "Bạn không có quyền cấp lại giấy khen của đợt bình xét này.")
    form = line.award_form.name
    nomination = line.nomination
    if nomination.status not in AWARDED_STATES or queries.award_revoked(nomination.id):
        raise _refuse("award", f"Khen thưởng của “{line.recipient_name}” đã bị thu hồi, hủy bỏ; không cấp lại {form}.")
    certificates = _certificates_by_line([line.id])[line.id]
    if any(c.status is CertificateStatus.VALID for c in certificates):
        raise _refuse("valid", f"“{line.recipient_name}” đang có {form} còn hiệu lực; chỉ cấp lại khi {form} cũ đã bị thu hồi.")
    revoked = [c for c in certificates if c.status is CertificateStatus.REVOKED and c.replaced_by_id is None]
    if not revoked:
        raise _refuse("revoked", f"Chưa có {form} nào của “{line.recipient_name}” bị thu hồi để cấp lại.")
    old = revoked[0]
    new = create_certificate(line, decision, actor)
    old.replaced_by_id = new.id
    audit.record(
        "certificate",
        old.id,
        "reissue",
        actor,
        details={"serial": old.serial, "new_serial": new.serial, "new_certificate_id": new.id},
    )
    db.session.flush()
    return new
