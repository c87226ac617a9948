"""The printable achievement report ("Báo cáo thành tích") of a nomination.

`dossier_context()` turns a Nomination into plain values (dicts, lists, strings) in the order
of domain.md "The report a nomination carries"; the template never touches the ORM.
`dossier_pdf()` lays it out as an official document of the unit, in the unit's own document system
(dvkheo.documents.letterhead.unit_format): a People's Committee or an agency writes the State's header, a
Party committee or cell the Party's.
"""
from __future__ import annotations

import re

import sqlalchemy as sa

from dvkheo.campaigns.models import NomineeKind
from dvkheo.core.pdf import render_pdf
from dvkheo.core.timeutil import (
    as_vietnam,
    format_date,
    official_date_line,
    today_in_vietnam,
)
from dvkheo.documents.letterhead import keep_last_words, letterhead, unit_format
from dvkheo.extensions import db
from dvkheo.nominations.models import Nomination
from dvkheo.nominations.states import NominationState
from dvkheo.units.models import Unit

TEMPLATE = "nominations/dossier_pdf.html"

SIX_STEPS = "dân biết, dân bàn, dân làm, dân kiểm tra, dân giám sát, dân thụ hưởng"

# Unit kinds that are administrative units, i.e. may name the place of an official document.
TERRITORIAL_KINDS = ("commune", "ward", "town", "special_zone", "district", "province")
# Administrative prefixes left out of the place name ("Xã Tịnh Hà" -> "Tịnh Hà").
_ADMIN_PREFIX = re.compile(
    r"^(tỉnh|thành phố|huyện|quận|thị xã|xã|phường|thị trấn|đặc khu)\s+", re.IGNORECASE
)

# (attribute, label, unit of measure): the figures of the results table, in this order.
FIGURES = (
    ("households_count", "Số hộ dân tham gia", "hộ"),
    ("money_contributed_vnd", "Kinh phí Nhân dân đóng góp", "đồng"),
    ("working_days", "Ngày công lao động", "ngày công"),
    ("road_length_m", "Chiều dài đường giao thông", "m"),
    ("area_m2", "Diện tích", "m²"),
    ("cases_resolved", "Số vụ việc được giải quyết", "vụ việc"),
)

# States whose report is not fit to be signed: (watermark, banner note).
WATERMARKS = {
    NominationState.DRAFT: ("BẢN NHÁP", "hồ sơ chưa nộp, bản in không có giá trị trình ký"),
    NominationState.WITHDRAWN: ("ĐÃ RÚT HỒ SƠ", "hồ sơ đã được đơn vị rút, bản in không có giá trị trình ký"),
}


def vn_number(value: int | None) -> str:
    """1250000 -> "1.250.000" (dots as thousands separators)."""
    return "" if value is None else f"{value:,}".replace(",", ".")


def vn_percent(numerator: int, denominator: int) -> str:
    """55/58 -> "94,8" (decimal comma)."""
    return f"{numerator * 100 / denominator:.1f}".replace(".", ",")


def paragraphs(text: str | None) -> list[str]:
    """Free text as paragraphs: one per non-empty line."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def place_name(unit: Unit, fallback: str = "") -> str:
    """The place of the date line: the administrative unit where the body sits (Decree 30).

    The nearest commune, district or province at or above the unit, without its prefix; a
    name that is only a number keeps it ("Phường 1").
    """
    ancestors = {u.id: u for u in db.session.scalars(sa.select(Unit).where(Unit.id.in_(unit.ancestor_ids or [unit.id])))}
    chain = [ancestors[i] for i in reversed(unit.ancestor_ids) if i in ancestors] or [unit]
    for candidate in chain:
        if candidate.kind in TERRITORIAL_KINDS:
            short = _ADMIN_PREFIX.sub("", candidate.name.strip())
            return candidate.name.strip() if not short or short.isdigit() else short
    return fallback.strip() or unit.name


def _document_date(nomination: Nomination):
    if nomination.submitted_at is not None and nomination.status is not NominationState.DRAFT:
        return as_vietnam(nomination.submitted_at).date()
    return today_in_vietnam()


def _nominee(nomination: Nomination) -> dict:
    collective = nomination.kind is NomineeKind.COLLECTIVE
    if collective:
        category_label = "Loại hình tập thể"
        category = nomination.collective_type.name if nomination.collective_type else ""
    else:
        category_label = "Đối tượng"
        category = nomination.individual_category.name if nomination.individual_category else ""
    return {
        "label": "Tên tập thể" if collective else "Họ và tên",
        "name": nomination.nominee_name.strip(),
        "category_label": category_label,
        "category": category,
        "position": "" if collective else nomination.nominee_position.strip(),
        "birth_year": "" if collective or not nomination.nominee_birth_year else str(nomination.nominee_birth_year),
    }


def _review(nomination: Nomination) -> dict:
    votes_for, votes_cast = nomination.review_votes_for, nomination.review_votes_cast
    votes = ""
    if votes_for is not None and votes_cast:
        votes = f"{vn_number(votes_for)}/{vn_number(votes_cast)} phiếu đồng ý, đạt {vn_percent(votes_for, votes_cast)}% số phiếu biểu quyết"
    minutes = [a.original_name for a in nomination.attachments if a.purpose == "review_minutes"]
    return {
        "held_on": format_date(nomination.review_held_on),
        "attendees": vn_number(nomination.review_attendees),
        "votes_for": vn_number(votes_for),
        "votes_cast": vn_number(votes_cast),
        "votes": votes,
        "minutes": minutes,
        "filled": bool(nomination.review_held_on or nomination.review_attendees is not None or votes),
    }


def _evidence_groups(nomination: Nomination) -> list[dict]:
    """Evidence file names grouped by rubric criterion (in rubric order), general ones last."""
    criteria = list(nomination.campaign.criteria)
    by_criterion: dict[int | None, list[str]] = {}
    for attachment in nomination.attachments:
        if attachment.purpose != "evidence":
            continue
        by_criterion.setdefault(attachment.criterion_id, []).append(attachment.original_name)
    groups = [
        {"title": f"Tiêu chí {position}: {criterion.title}", "files": by_criterion.pop(criterion.id)}
        for position, criterion in enumerate(criteria, start=1)
        if criterion.id in by_criterion
    ]
    # Files of a criterion since removed from the rubric count as general evidence.
    general = [name for files in by_criterion.values() for name in files]
    if general:
        groups.append({"title": "Minh chứng chung", "files": general})
    return groups


def dossier_context(nomination: Nomination) -> dict:
    """Everything the report shows, as plain values in the order of the report."""
    unit = nomination.unit
    parent = unit.parent
    collective = nomination.kind is NomineeKind.COLLECTIVE
    document_date = _document_date(nomination)
    fmt = unit_format(unit)
    figures = [
        {"label": label, "value": vn_number(getattr(nomination, attribute)), "unit": measure}
        for attribute, label, measure in FIGURES
        if getattr(nomination, attribute) is not None
    ]
    return {
        "id": nomination.id,
        "status": nomination.status.value,
        "status_label": nomination.status.label,
        "watermark": WATERMARKS.get(nomination.status, ("", ""))[0],
        "watermark_note": WATERMARKS.get(nomination.status, ("", ""))[1],
        "kind": nomination.kind.value,
        "kind_label": nomination.kind.label,
        "is_collective": collective,
        "format": fmt.code,
        "header": letterhead(
            fmt,
            parent_body=parent.name.upper() if parent else "",
            issuing_body=unit.name.upper(),
            place_date=official_date_line(place_name(unit, nomination.locality), document_date),
        ),
        "document_date": format_date(document_date),
        "title": "BÁO CÁO THÀNH TÍCH",
        "subtitle": "Đề nghị công nhận " + ("mô hình" if collective else "điển hình") + " “Dân vận khéo”",
        "campaign_title": keep_last_words(nomination.campaign.title),
        "model_label": nomination.kind.model_label,
        "model_title": nomination.title.strip(),
        "nominee": _nominee(nomination),
        "unit_name": unit.name,
        "field": nomination.field.name if nomination.field else "",
        "locality": nomination.locality.strip(),
        "started_on": format_date(nomination.started_on),
        "duration": nomination.duration.strip(),
        "situation": paragraphs(nomination.situation),
        "method": paragraphs(nomination.method),
        "participation": paragraphs(nomination.participation),
        "six_steps": SIX_STEPS,
        "results": paragraphs(nomination.results),
        "figures": figures,
        "replication": paragraphs(nomination.replication),
        "review": _review(nomination),
        "evidence_groups": _evidence_groups(nomination),
        "signer_title": "THỦ TRƯỞNG ĐƠN VỊ",
        "signer_note": "(Ký, ghi rõ họ tên, đóng dấu)",
    }


def dossier_pdf(nomination: Nomination) -> bytes:
    context = dossier_context(nomination)
    return render_pdf(TEMPLATE, d=context)
