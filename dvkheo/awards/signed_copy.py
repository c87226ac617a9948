"""The digitally signed copy of an issued decision ("bản ký số"): checked with pyHanko, kept as the official copy.

After issue, the committee signs the decision's PDF with the office's signing software and uploads
it. `check_signed_pdf()` accepts it only if it carries at least one signature, every signature is
intact (the signed bytes match) and valid (the cryptography verifies), nothing but validation data
was appended after the last one, its page 1 holds the decision's number line, title and date (so that
the copy of another decision is refused), and its whole text says what the issued decision says
(dvkheo.awards.signed_content: the same awardees, nothing added, nothing left out). Whether the signer's
certificate chains to a configured root (SIGNED_PDF_TRUST_ROOTS) is recorded and shown, never required:
the app cannot know every office's certification authority.

The name on the signing certificate is compared with the signer printed on the decision. A mismatch is
not refused (an office may sign with the agency's token, or a deputy with their own) but is recorded on
the copy and shown wherever the copy is offered, the public verification page included.

`record_signed_copy()` stores the file (dvkheo.core.storage), adds the row and audits it; it
flushes but does not commit. A refusal is a `RuleRefused` whose message is shown as is.
"""
from __future__ import annotations

import hashlib
import io
import logging
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone

import sqlalchemy as sa
from flask import current_app

from dvkheo import access
from dvkheo.awards import signed_content
from dvkheo.awards.models import Decision, DecisionStatus, SignedCopy
from dvkheo.awards.signed_content import normalise as _normalise
from dvkheo.core import audit
from dvkheo.core.rules import Problem, RuleRefused
from dvkheo.core.storage import UploadRejected, clean_original_name, discard, store_upload
from dvkheo.core.text import fold
from dvkheo.core.timeutil import as_vietnam, format_date
from dvkheo.extensions import db

log = logging.getLogger(__name__)

FIELD = "file"


def _refused(message: str) -> RuleRefused:
    return RuleRefused([Problem("signed_copy", message, FIELD)])


NOT_ISSUED = "Chỉ tải lên được bản ký số của quyết định đã ban hành."


@dataclass(frozen=True)
class SignatureFacts:
    """What the signatures say, read once when the file is accepted."""

    signer_name: str
    signed_at: datetime | None
    trusted: bool
    # Each signing certificate's common name, once (signer_name joins them for display).
    names: tuple[str, ...] = ()


def format_signing_time(moment: datetime | None) -> str:
    """"20/11/2026 14:05", Vietnam time: a signature's time is read with the date first."""
    return as_vietnam(moment).strftime("%d/%m/%Y %H:%M") if moment is not None else ""


# --- the decision's number ---------------------------------------------------------------------------


def expected_number_texts(decision: Decision) -> list[str]:
    """The decision's number as its system writes it ("01-QĐ/BDVTU" Party, "01/QĐ-UBND" State); it must stand in the
    header's number line ("Số 01-QĐ/BDVTU", "Số: 01/QĐ-UBND"), not merely be cited."""
    return [decision.number_label]


def text_holds_number(text: str, decision: Decision) -> bool:
    """Whether `text` has the decision's own number line: "Số" with a capital, as a header writes it, then the number
    as a whole ("105/QĐ-X" is not "05/QĐ-X"). A citation ("Quyết định số 01-QĐ/BDVTU" on a certificate or a later
    decision) does not count."""
    haystack = _normalise(text)
    for wanted in expected_number_texts(decision):
        needle = _normalise(wanted).strip()
        if needle and re.search(rf"(?<!\w)Số ?:? ?(?i:{re.escape(needle)})(?![\w/\-])", haystack):
            return True
    return False


def first_page_is_the_decision(text: str, decision: Decision) -> bool:
    """Page 1 carries the number line, the title QUYẾT ĐỊNH and, once issued, the date of the place-and-date line
    (so decision 01 of 2025 is not decision 01 of 2026)."""
    if not text_holds_number(text, decision) or "QUYẾT ĐỊNH" not in _normalise(text):
        return False
    if decision.decided_on is None:
        return True
    day = decision.decided_on
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}" in _normalise(text)


# --- the content -----------------------------------------------------------------------------------------


def awardee_names(decision: Decision) -> list[str]:
    """The names the decision's annex lists: its awardees, or for a revocation the awardees it revokes."""
    names = [line.recipient_name for line in sorted(decision.awardees, key=lambda line: line.position)]
    names += [item.awardee.recipient_name for item in decision.revocation_items if item.awardee is not None]
    return names


def record_text(decision: Decision) -> tuple[str, int]:
    """The decision's text as the app renders it, read like an upload; and its number of pages."""
    from dvkheo.awards.decision_pdf import decision_pdf

    pdf = decision_pdf(decision)
    return "\n".join(signed_content.page_texts(pdf)), signed_content.page_count(pdf)


def _content_refusal(display_name: str, decision: Decision, differences: list[str]) -> RuleRefused:
    return _refused(
        f"Bản ký số không khớp nội dung quyết định đã ban hành (tệp “{display_name}”, Quyết định số "
        f"{decision.number_label}): {'; '.join(differences)}. Hãy ký số tệp PDF của quyết định tải từ hệ thống "
        "(hoặc bản Word tải từ hệ thống, chỉ sửa cách trình bày, không sửa chữ) rồi tải lên."
    )


def check_content(display_name: str, decision: Decision, data: bytes) -> signed_content.Comparison:
    """The signed copy's text against the decision's; `RuleRefused` naming what differs."""
    text, pages = record_text(decision)
    try:
        signed_pages = signed_content.page_count(data)
        # A file with far more pages than the decision is refused by its count, not read to the end.
        signed_text = "" if signed_pages > 2 * pages + signed_content.PAGE_ALLOWANCE else "\n".join(
            signed_content.page_texts(data)
        )
    except Exception:  # pypdf raises many kinds on a damaged file; all mean the same to the user
        log.info("signed copy: text not extracted from %s", display_name, exc_info=True)
        signed_pages, signed_text = 0, ""
    if signed_pages > 2 * pages + signed_content.PAGE_ALLOWANCE:
        raise _content_refusal(
            display_name, decision, [f"bản ký số có {signed_pages} trang, quyết định chỉ có {pages} trang"]
        )
    record_words, signed_words = len(signed_content.words(text)), len(signed_content.words(signed_text))
    if signed_words > 2 * record_words + 500:
        # Comparing costs the product of the lengths: a text this much longer is refused unread.
        raise _content_refusal(
            display_name, decision, [f"bản ký số có {signed_words} từ, quyết định chỉ có {record_words} từ"]
        )
    comparison = signed_content.compare(text, signed_text, awardee_names(decision))
    if not comparison.matches:
        raise _content_refusal(display_name, decision, comparison.differences())
    return comparison


# --- the signer ----------------------------------------------------------------------------------------------


# What separates a person's name from the rest of a certificate's common name ("Đinh Thị Hồng Minh - Ban Dân vận").
_NAME_PARTS = re.compile(r"\s[-–]\s|[,;:()|/]")


def signer_matches(decision_signer: str | None, certificate_names: Iterable[str]) -> bool:
    """Whether a signing certificate names the signer printed on the decision, case, diacritics and spacing aside
    (fold): its common name is that name, or one of its parts is ("Đinh Thị Hồng Minh - Ban Dân vận"). A name that
    merely starts the same ("Nguyễn Văn Trưởng Thành") is another person. A decision without a signer's name has
    nothing to compare."""
    wanted = fold(unicodedata.normalize("NFC", decision_signer or ""))
    if not wanted:
        return True
    for name in certificate_names:
        name = unicodedata.normalize("NFC", name)
        if wanted == fold(name) or any(wanted == fold(part) for part in _NAME_PARTS.split(name)):
            return True
    return False


# --- the signatures ------------------------------------------------------------------------------------


def _trust_roots() -> list:
    from pyhanko.keys import load_cert_from_pemder

    roots = []
    for path in current_app.config.get("SIGNED_PDF_TRUST_ROOTS") or []:
        try:
            roots.append(load_cert_from_pemder(path))
        except (OSError, ValueError) as error:
            # A wrong path must not stop uploads: the copies are then shown as "not verified".
            log.warning("SIGNED_PDF_TRUST_ROOTS: cannot read %s (%s)", path, error)
    return roots


def _common_name(certificate) -> str:
    subject = certificate.subject.native
    name = subject.get("common_name")
    if isinstance(name, (list, tuple)):
        name = name[0] if name else ""
    return (name or certificate.subject.human_friendly or "").strip()


def _signing_time(status, embedded) -> datetime | None:
    """A time stamp authority's time when the signature carries one, else the signer's own clock."""
    stamp = getattr(status, "timestamp_validity", None)
    moment = getattr(stamp, "timestamp", None) if stamp is not None else None
    moment = moment or status.signer_reported_dt or embedded.self_reported_timestamp
    if moment is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment


def read_signatures(data: bytes, display_name: str) -> SignatureFacts:
    """Check every signature of the PDF; the facts of an acceptable file, else `RuleRefused`."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    unreadable = _refused(
        f"Không đọc được tệp PDF “{display_name}”: tệp bị hỏng hoặc không đúng định dạng PDF. "
        "Hãy lấy lại tệp do phần mềm ký số tạo ra rồi tải lên."
    )
    altered = _refused(
        f"Chữ ký số trong tệp “{display_name}” không còn khớp với nội dung: tệp đã bị thay đổi sau khi ký. "
        "Hãy tải lên đúng tệp do phần mềm ký số tạo ra (không mở ra sửa, in ra PDF hoặc lưu lại bằng chương trình khác)."
    )
    # A damaged or hostile file can make the parsers raise almost anything; to the user each means
    # the same, so every exception becomes the message (and the log keeps the detail).
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        embedded = list(reader.embedded_regular_signatures)
        revisions = reader.xrefs.total_revisions
    except Exception:
        log.info("signed copy: %s not read", display_name, exc_info=True)
        raise unreadable from None
    if not embedded:
        raise _refused(
            f"Tệp “{display_name}” chưa có chữ ký số. Hãy ký số quyết định bằng phần mềm ký số của cơ quan "
            "rồi tải lên tệp đã ký."
        )
    roots = _trust_roots()
    names: list[str] = []
    signed_at = None
    trusted = bool(roots)
    last = len(embedded) - 1
    for index, signature in enumerate(embedded):
        try:
            context = ValidationContext(trust_roots=roots)
            status = validate_pdf_signature(signature, context)
        except Exception:
            log.info("signed copy: signature %d of %s not validated", index, display_name, exc_info=True)
            raise _refused(
                f"Không kiểm tra được chữ ký số trong tệp “{display_name}”: chữ ký bị hỏng hoặc theo định dạng "
                "hệ thống chưa hỗ trợ. Hãy ký lại bằng phần mềm ký số của cơ quan (chữ ký số PDF theo chuẩn PAdES) "
                "rồi tải lên."
            ) from None
        if not (status.intact and status.valid):
            raise altered
        # Bytes after a signature must form later revisions: after the last signature only validation
        # data (DSS, document time stamps), after an earlier one also the later signatures. Anything
        # else, even bytes that belong to no revision, is a change to the signed file.
        allowed = ModificationLevel.LTA_UPDATES if index == last else ModificationLevel.FORM_FILLING
        level = status.modification_level
        later_revisions = signature.signed_revision < revisions - 1
        if status.coverage is not SignatureCoverageLevel.ENTIRE_FILE and not (
            status.coverage is SignatureCoverageLevel.ENTIRE_REVISION
            and later_revisions
            and level is not None
            and level <= allowed
        ):
            raise altered
        name = _common_name(status.signing_cert)
        if name and name not in names:
            names.append(name)
        signed_at = _signing_time(status, signature) or signed_at
        trusted = trusted and bool(status.trusted)
    return SignatureFacts(
        signer_name=", ".join(names) or "Không rõ", signed_at=signed_at, trusted=trusted, names=tuple(names)
    )


@dataclass(frozen=True)
class CheckedCopy:
    """What an accepted upload's checks found: its signatures and how its text compares with the decision."""

    facts: SignatureFacts
    comparison: signed_content.Comparison


def check_signed_pdf(data: bytes, decision: Decision, original_name: str | None) -> CheckedCopy:
    """The checks of an upload, in the order a person would fix them: the file, the signature, the number,
    the content."""
    display_name = clean_original_name(original_name)
    max_bytes = current_app.config["MAX_FILE_BYTES"]
    if not data:
        raise _refused(f"Tệp “{display_name}” rỗng.")
    if len(data) > max_bytes:
        raise _refused(f"Tệp “{display_name}” vượt quá {max_bytes // (1024 * 1024)} MB.")
    if not data.startswith(b"%PDF-"):
        raise _refused(
            f"Tệp “{display_name}” không phải tệp PDF (hệ thống kiểm tra nội dung tệp, không chỉ đuôi tên). "
            "Hãy tải lên bản PDF đã ký số của quyết định."
        )
    facts = read_signatures(data, display_name)
    try:
        first_page = signed_content.page_texts(data, max_pages=1)
    except Exception:  # pypdf raises many kinds on a damaged file; all mean the same to the user
        log.info("signed copy: text not extracted from %s", display_name, exc_info=True)
        first_page = []
    if not first_page_is_the_decision(first_page[0] if first_page else "", decision):
        raise _refused(
            f"Trang đầu của tệp “{display_name}” không phải Quyết định số {expected_number_texts(decision)[0]} "
            f"(cần dòng số ở phần đầu, tên loại QUYẾT ĐỊNH và ngày ban hành): tệp này có thể là một văn bản khác "
            f"hoặc bản ký số của một quyết định khác. Hãy tải lên bản ký số của đúng Quyết định số "
            f"{decision.number_label} ngày {format_date(decision.decided_on)}."
        )
    return CheckedCopy(facts=facts, comparison=check_content(display_name, decision, data))


# --- keeping it --------------------------------------------------------------------------------------


def current_copy(decision_id: int) -> SignedCopy | None:
    """The official copy: the latest accepted upload."""
    return db.session.scalar(
        sa.select(SignedCopy).where(SignedCopy.decision_id == decision_id).order_by(SignedCopy.id.desc()).limit(1)
    )


def copies(decision_id: int) -> list[SignedCopy]:
    """Every accepted upload, newest first (the first is the official copy)."""
    return list(
        db.session.scalars(
            sa.select(SignedCopy).where(SignedCopy.decision_id == decision_id).order_by(SignedCopy.id.desc())
        )
    )


def record_signed_copy(decision: Decision, data: bytes, original_name: str | None, actor) -> SignedCopy:
    """Check, store and record an upload as the decision's official signed copy (flushes, does not commit)."""
    if not access.can_issue_decision(actor, decision):
        raise RuleRefused([Problem("permission", "Bạn không có quyền tải lên bản ký số của quyết định này.")])
    if decision.status is not DecisionStatus.ISSUED:
        raise _refused(NOT_ISSUED)
    checked = check_signed_pdf(data, decision, original_name)
    facts = checked.facts
    differs = not signer_matches(decision.signer_name, facts.names)
    try:
        stored = store_upload(io.BytesIO(data), original_name, max_bytes=current_app.config["MAX_FILE_BYTES"])
    except UploadRejected as rejected:
        raise _refused(str(rejected)) from None
    try:
        previous = current_copy(decision.id)
        copy = SignedCopy(
            decision_id=decision.id,
            original_name=stored.original_name,
            stored_name=stored.stored_name,
            size_bytes=stored.size_bytes,
            sha256=hashlib.sha256(data).hexdigest(),
            signer_name=facts.signer_name[:255],
            decision_signer_name=decision.signer_name.strip()[:255] if differs else None,
            signed_at=facts.signed_at,
            trusted=facts.trusted,
            uploaded_by_id=getattr(actor, "id", None),
        )
        db.session.add(copy)
        db.session.flush()
        audit.record(
            "decision", decision.id, "signed_copy", actor,
            details={
                "signed_copy_id": copy.id,
                "replaces": previous.id if previous is not None else None,
                "file": copy.original_name,
                "sha256": copy.sha256,
                "signer": str(copy.signer_name),
                "decision_signer": decision.signer_name,
                "signer_matches": not differs,
                "text_coverage": round(checked.comparison.coverage, 4),
                "signed_at": copy.signed_at.isoformat() if copy.signed_at else None,
                "trusted": copy.trusted,
            },
        )
        db.session.flush()
    except BaseException:
        discard(stored.stored_name)
        raise
    return copy
