"""Business actions on certificates; they flush and audit, never commit."""
from __future__ import annotations

import secrets

import sqlalchemy as sa

from dvkheo.certificates.models import Certificate, CertificateStatus
from dvkheo.core import audit
from dvkheo.extensions import db

# Crockford's base32 without I, L, O, U: nothing to misread when a citizen types a serial in.
SERIAL_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_serial(year: int) -> str:
    """"DVK26-7QX4-M2PA": the year for people, 40 random bits so that serials cannot be guessed in turn."""
    body = "".join(secrets.choice(SERIAL_ALPHABET) for _ in range(8))
    return f"DVK{year % 100:02d}-{body[:4]}-{body[4:]}"


def normalise_serial(text: str) -> str:
    """What a person typed or a scanner read, in the stored form (upper case, O→0, I/L→1)."""
    cleaned = "".join((text or "").split()).upper()
    if not cleaned.startswith("DVK"):
        return cleaned
    return "DVK" + cleaned[3:].translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))


def create_certificate(awardee, decision, actor) -> Certificate:
    """The certificate of one award line, with a fresh serial; side effects: flush, audit "issue"."""
    year = decision.year or (decision.decided_on.year if decision.decided_on else 0)
    for _ in range(5):
        serial = new_serial(year)
        if not db.session.scalar(sa.select(sa.func.count()).where(Certificate.serial == serial)):
            break
    certificate = Certificate(serial=serial, awardee=awardee, decision=decision, status=CertificateStatus.VALID)
    db.session.add(certificate)
    db.session.flush()
    audit.record(
        "certificate",
        certificate.id,
        "issue",
        actor,
        to_state=CertificateStatus.VALID.value,
        details={"serial": serial, "decision_id": decision.id, "awardee_id": awardee.id},
    )
    return certificate
