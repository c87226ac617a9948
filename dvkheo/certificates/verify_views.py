"""Public verification of a certificate ("Tra cứu, xác thực giấy khen"): the page every QR code opens.

No login. It shows what the certificate itself shows (recipient, award form, issuing body, decision,
campaign) and its status now: valid, revoked (with the revoking decision and the reason, since
revocation is public), or replaced (with the new serial). Nothing private: no score, ballot,
dossier, document or contact. One query per lookup, and one for the signed copies; limited per IP, so
that serials cannot be enumerated quickly (they carry 40 random bits anyway).

An issued decision is a public act: the page offers the official signed copy of the certificate's
decision (and of the decision that revoked it), downloaded through the certificate's serial. The
decisions are not reachable by their sequential ids, so nobody can walk through every decision of
the office by counting.
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort, current_app, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from dvkheo.awards.models import Decision, DecisionAwardee, DecisionStatus, SignedCopy
from dvkheo.certificates.models import Certificate, CertificateStatus
from dvkheo.certificates.operations import normalise_serial
from dvkheo.nominations.states import NominationState
from dvkheo.certificates.views import bp
from dvkheo.extensions import db, limiter

DEFAULT_VERIFY_RATE_LIMIT = "60 per minute"
SERIAL_MAX_LENGTH = 32  # the column's width: anything longer cannot be a serial


def _verify_limit() -> str:
    return current_app.config.get("VERIFY_RATE_LIMIT") or DEFAULT_VERIFY_RATE_LIMIT


# The form and the result page count against one budget per IP.
verify_limited = limiter.shared_limit(_verify_limit, scope="certificate-verify")


class VerifyForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search, changes nothing

    serial = StringField(
        "Số hiệu giấy khen",
        validators=[
            DataRequired(message="Vui lòng nhập số hiệu in trên giấy khen."),
            Length(max=60, message="Số hiệu giấy khen có dạng DVK26-XXXX-XXXX; vui lòng kiểm tra lại."),
        ],
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false",
                   "placeholder": "DVK26-XXXX-XXXX", "inputmode": "text"},
    )


def canonical_serial(text: str) -> str:
    """`normalise_serial`, and the dashes put back where a person typed spaces or nothing ("dvk26 7qx4 m2pa")."""
    serial = normalise_serial(text)
    bare = serial.replace("-", "")
    if bare.startswith("DVK") and len(bare) == 13:
        return f"{bare[:5]}-{bare[5:9]}-{bare[9:]}"
    return serial


def find_certificate(serial: str) -> Certificate | None:
    """The certificate with this (normalised) serial and everything its public page shows, in one query."""
    if not serial or len(serial) > SERIAL_MAX_LENGTH:
        return None
    return db.session.scalar(
        sa.select(Certificate)
        .where(Certificate.serial == serial)
        .options(
            so.joinedload(Certificate.awardee).joinedload(DecisionAwardee.award_form),
            so.joinedload(Certificate.awardee).joinedload(DecisionAwardee.nomination),
            so.joinedload(Certificate.decision).joinedload(Decision.campaign),
            so.joinedload(Certificate.revoked_by_decision),
            so.joinedload(Certificate.replaced_by),
            so.joinedload(Certificate.replaces).joinedload(Certificate.revoked_by_decision),
        )
    )


def _public_facts(certificate: Certificate) -> dict:
    """Only what is printed on the certificate or public by law (a revocation), as plain values."""
    from dvkheo.certificates.render import certificate_fields
    from dvkheo.core.timeutil import format_date

    fields = certificate_fields(certificate)
    decision = certificate.decision
    revoking = certificate.revoked_by_decision
    issuer = " - ".join(part for part in (decision.parent_body.strip(), decision.issuing_body.strip()) if part)
    return {
        "serial": certificate.serial,
        "status": certificate.status,
        "recipient_name": fields["recipient_name"],
        "recipient_detail": fields["recipient_detail"],
        "reason": fields["reason"],
        # The form's name as the decision froze it at issue, like the printed certificate's.
        "award_form": decision.certificate_look(certificate.awardee.award_form)["name"],
        "issuer": issuer,
        # As the issuer's system writes a cited decision: "Số 05-QĐ/BDVTU, ngày 20/11/2026" (Party).
        "decision": f"Số {decision.number_label}{decision.format.running_date_text(decision.decided_on)}",
        "campaign_title": decision.campaign.title,
        "revoked_by": (
            f"Quyết định số {revoking.number_label}{revoking.format.running_date_text(revoking.decided_on)}"
            if revoking else ""
        ),
        "revoked_on": format_date(certificate.revoked_at),
        "revocation_reason": (certificate.revocation_reason or (revoking.revocation_reason if revoking else "")).strip(),
        "replaced_by": certificate.replaced_by.serial if certificate.replaced_by else "",
        "reissue_note": fields["reissue_note"],
        # A certificate revoked on its own (lost, misprinted) leaves the commendation standing.
        "award_revoked": certificate.awardee.nomination.status is NominationState.REVOKED,
    }


def _public_decision_ids(certificate: Certificate) -> list[int]:
    """The issued decisions a certificate's page names: the one that awarded it and any that revoked it."""
    decisions = [certificate.decision, certificate.revoked_by_decision]
    return [d.id for d in decisions if d is not None and d.status is DecisionStatus.ISSUED]


def _signed_copies(certificate: Certificate) -> dict[int, SignedCopy]:
    """{decision id: its official signed copy} for the decisions the page names, in one query."""
    ids = _public_decision_ids(certificate)
    if not ids:
        return {}
    rows = db.session.scalars(sa.select(SignedCopy).where(SignedCopy.decision_id.in_(ids)).order_by(SignedCopy.id))
    return {copy.decision_id: copy for copy in rows}  # the latest of each wins


def _signed_links(certificate: Certificate) -> dict:
    """Links to the signed copies and what their signatures say, as plain values."""
    from dvkheo.awards.signed_copy import format_signing_time

    copies = _signed_copies(certificate)

    def facts(decision: Decision | None) -> dict | None:
        copy = copies.get(decision.id) if decision is not None else None
        if copy is None:
            return None
        return {
            "url": url_for(".verify_signed_decision", serial=certificate.serial, decision_id=decision.id),
            "signer": str(copy.signer_name),
            # Set only when no signing certificate names the signer printed on the decision.
            "decision_signer": copy.decision_signer_name or "",
            "signed_at": format_signing_time(copy.signed_at),
            "trusted": copy.trusted,
        }

    return {"decision_signed": facts(certificate.decision), "revoked_by_signed": facts(certificate.revoked_by_decision)}


def public_answer(certificate: Certificate) -> dict:
    """Everything the check page says of a found certificate, as plain values (the page and the API read this)."""
    return _public_facts(certificate) | _signed_links(certificate)


def _page(form: VerifyForm, certificate: Certificate | None = None, *, searched: str = "", status: int = 200):
    facts = None
    if certificate is not None:
        facts = public_answer(certificate)
    response = current_app.make_response((
        render_template(
            "certificates/verify.html",
            form=form,
            facts=facts,
            searched=searched,
            statuses=CertificateStatus,
        ),
        status,
    ))
    # A status can change (revocation): never serve a stale one; and keep names out of search engines.
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.route("/verify", methods=["GET"])
@verify_limited
def verify_form():
    """The lookup form; submitting it (GET ?serial=...) goes to the serial's own page."""
    if "serial" not in request.args:
        return _page(VerifyForm(formdata=None))
    form = VerifyForm(formdata=request.args)
    if not form.validate():
        return _page(form, status=422)
    return redirect(url_for(".verify", serial=canonical_serial(form.serial.data)))


@bp.route("/verify/<serial>", methods=["GET"])
@verify_limited
def verify(serial: str):
    """The certificate's status; typed in lower case or with spaces, a serial is still found."""
    wanted = canonical_serial(serial)
    form = VerifyForm(formdata=None, data={"serial": wanted})
    certificate = find_certificate(wanted)
    if certificate is None:
        return _page(form, searched=serial.strip(), status=404)
    return _page(form, certificate)


@bp.route("/verify/<serial>/decisions/<int:decision_id>.pdf", methods=["GET"])
@verify_limited
def verify_signed_decision(serial: str, decision_id: int):
    """The official signed copy of a decision the certificate's page names; 404 for anything else."""
    from dvkheo.awards.signed_copy import current_copy
    from dvkheo.awards.signed_copy_views import send_signed_copy

    certificate = find_certificate(canonical_serial(serial))
    if certificate is None or decision_id not in _public_decision_ids(certificate):
        abort(404)
    copy = current_copy(decision_id)
    if copy is None:
        abort(404)
    decision = certificate.decision if certificate.decision_id == decision_id else certificate.revoked_by_decision
    response = send_signed_copy(copy, decision)
    response.headers["X-Robots-Tag"] = "noindex"
    return response
