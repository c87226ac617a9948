"""A decision and its annexed list ("Danh sách kèm theo") in the Decree 30/2020 format.

`decision_context()` turns a decision into plain values that both the PDF template and the
decision's web page read (the templates never touch the ORM); `decision_pdf()` renders the PDF.
WeasyPrint is imported only inside `decision_pdf()`, so that the web pages do not load it.
"""
from __future__ import annotations

import re

from dvkheo.awards.models import Decision, DecisionKind, DecisionStatus, signature_lines
from dvkheo.campaigns.models import NomineeKind
from dvkheo.core.timeutil import format_date, official_date_line, today_in_vietnam
from dvkheo.review.ranking import format_score

TEMPLATE = "awards/decision_pdf.html"
_ARTICLE = re.compile(r"^(Điều\s+\d+\s*[.:])\s*(.*)$", re.DOTALL)


def _with_end(text: str, mark: str) -> str:
    text = text.strip()
    return text if not text or text[-1] in ";,.:" else text + mark


def _articles(text: str) -> list[dict]:
    paragraphs = [p.strip() for p in (text or "").replace("\r\n", "\n").split("\n") if p.strip()]
    result = []
    for paragraph in paragraphs:
        match = _ARTICLE.match(paragraph)
        if match:
            result.append({"label": match.group(1), "text": match.group(2)})
        else:
            result.append({"label": "", "text": paragraph})
    return result


def _recipients(text: str) -> list[str]:
    lines = [line.strip() for line in (text or "").replace("\r\n", "\n").split("\n") if line.strip()]
    return [line if line.startswith("-") else f"- {line}" for line in lines]


def _signature(decision: Decision) -> dict:
    *authority, title = signature_lines(decision)
    return {"authority": "".join(authority), "title": title, "name": decision.signer_name}


def _place_date(decision: Decision) -> str:
    place = decision.place_name or ""
    if decision.decided_on is not None:
        return official_date_line(place, decision.decided_on)
    # A draft carries the year only: the day is written when the decision is signed.
    blank = "\u00a0" * 6  # kept by HTML, where plain spaces would collapse
    return f"{place}, ngày{blank}tháng{blank}năm {today_in_vietnam().year}"


def reference_line(decision: Decision) -> str:
    """"Quyết định số 05/QĐ-BDVTU ngày 20/11/2026 của BAN DÂN VẬN" (a draft: "Quyết định số …/QĐ-BDVTU")."""
    text = f"Quyết định số {decision.number_label}"
    if decision.decided_on is not None:
        text += f" ngày {format_date(decision.decided_on)}"
    if decision.issuing_body:
        text += f" của {decision.issuing_body}"
    return text


def _annex_rows(decision: Decision) -> tuple[list[dict], bool]:
    """Rows grouped collective first then individual, each group with its heading; whether a combined score exists."""
    lines = sorted(decision.awardees, key=lambda line: line.position)
    with_combined = any(line.combined_score is not None for line in lines)
    corrected_numbers = {}
    if decision.kind is DecisionKind.AMENDMENT:
        for line in lines:
            if line.corrects is not None:
                original = line.corrects.decision
                corrected_numbers[line.id] = f"Sửa đổi dòng số {line.corrects.position} của Quyết định số {original.number_label}"
    rows: list[dict] = []
    number = 0
    groups = [
        (NomineeKind.COLLECTIVE, "TẬP THỂ"),
        (NomineeKind.INDIVIDUAL, "CÁ NHÂN"),
    ]
    present = [(kind, label) for kind, label in groups if any(line.kind is kind for line in lines)]
    for index, (kind, label) in enumerate(present):
        if len(present) > 1:
            rows.append({"heading": f"{'I' * (index + 1)}. {label}"})
        for line in lines:
            if line.kind is not kind:
                continue
            number += 1
            rows.append(
                {
                    "heading": None,
                    "stt": number,
                    "line_id": line.id,
                    "name": line.recipient_name,
                    "detail": line.recipient_detail,
                    "model": line.model_title,
                    "form": line.award_form.name if line.award_form else "",
                    "combined": format_score(line.combined_score) if line.combined_score is not None else "",
                    "note": corrected_numbers.get(line.id, "Bổ sung" if decision.kind is DecisionKind.AMENDMENT else ""),
                }
            )
    return rows, with_combined


def _revocation_rows(decision: Decision) -> list[dict]:
    rows = []
    for number, item in enumerate(decision.revocation_items, start=1):
        awardee = item.awardee
        rows.append(
            {
                "stt": number,
                "name": awardee.recipient_name,
                "detail": awardee.recipient_detail,
                "form": awardee.award_form.name if awardee.award_form else "",
                "scope": item.scope.label,
                "serial": item.certificate.serial if item.certificate is not None else "",
                "decision": awardee.decision.number_label if awardee.decision else "",
            }
        )
    return rows


def annex_title(decision: Decision) -> str:
    if decision.kind is DecisionKind.AMENDMENT:
        return "SỬA ĐỔI, BỔ SUNG DANH SÁCH TẬP THỂ, CÁ NHÂN ĐƯỢC KHEN THƯỞNG"
    if decision.kind is DecisionKind.REVOCATION:
        return "TẬP THỂ, CÁ NHÂN BỊ THU HỒI, HỦY BỎ KHEN THƯỞNG"
    form = decision.award_form.name if decision.award_form else "khen thưởng"
    return f"TẬP THỂ, CÁ NHÂN ĐƯỢC TẶNG {form.upper()}"


def decision_context(decision: Decision) -> dict:
    """Plain values of the document, as it reads (a draft: "DỰ THẢO", "Số: …/QĐ-…")."""
    annex, with_combined = _annex_rows(decision)
    return {
        "is_draft": decision.status is not DecisionStatus.ISSUED,
        "kind": decision.kind.value,
        "header": {
            "parent_body": decision.parent_body,
            "issuing_body": decision.issuing_body,
            "number": f"Số: {decision.number_label}",
            "place_date": _place_date(decision),
        },
        "doc_type": "QUYẾT ĐỊNH",
        "title": decision.title,
        "legal_bases": [_with_end(text, ";") for text in (decision.legal_bases or []) if text.strip()],
        "considering": _with_end(decision.considering or "", ","),
        "articles": _articles(decision.articles),
        "recipients": _recipients(decision.recipients),
        "signature": _signature(decision),
        "revocation_reason": decision.revocation_reason if decision.kind is DecisionKind.REVOCATION else "",
        "annex": {
            "title": annex_title(decision),
            "reference": f"(Kèm theo {reference_line(decision)})",
            "rows": annex,
            "with_combined": with_combined,
            "with_note": decision.kind is DecisionKind.AMENDMENT,
            "revocations": _revocation_rows(decision) if decision.kind is DecisionKind.REVOCATION else [],
        },
        "document_title": f"{decision.kind.label} số {decision.number_label}",
    }


def decision_pdf(decision: Decision) -> bytes:
    from dvkheo.core.pdf import render_pdf

    return render_pdf(TEMPLATE, d=decision_context(decision))
