"""A decision and its annexed list ("Danh sách kèm theo") in its issuer's document system (Party or State).

`decision_context()` turns a decision into plain values that both the PDF template and the
decision's web page read (the templates never touch the ORM); `decision_pdf()` renders the PDF.
WeasyPrint is imported only inside `decision_pdf()`, so that the web pages do not load it.
"""
from __future__ import annotations

import re

from dvkheo.awards.models import Decision, DecisionKind, DecisionStatus, RevocationScope, signature_lines
from dvkheo.campaigns.models import NomineeKind
from dvkheo.core.text import in_running_text
from dvkheo.core.timeutil import official_date_line, today_in_vietnam
from dvkheo.documents.formats import DocumentFormat, header_context
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


def _recipients(decision: Decision) -> list[str]:
    lines = (decision.recipients or "").replace("\r\n", "\n").split("\n")
    archive = decision.award_form.archive if decision.award_form is not None else None
    return decision.format.recipient_lines(lines, archive)


def _signature(decision: Decision) -> dict:
    *authority, title = signature_lines(decision)
    return {"authority": "".join(authority), "title": title, "name": decision.signer_name}


def _bare(text: str) -> str:
    return text.strip().lstrip("-–").strip().rstrip(";,.").strip()


def _bases(fmt: DocumentFormat, bases: list[str], considering: str) -> list[str]:
    """Party: "- Căn cứ …;" upright, the last "- Xét đề nghị …,"; State: "Căn cứ …;" in italics, the last "Theo/Xét … .".

    The dates they cite read in one style, the system's (the secretary types "ngày 15/6/2022", the minutes are cited
    as generated): rewritten here, as the document is read, so that what was typed stays as typed."""
    lines = [fmt.with_running_dates(_bare(text)) for text in bases if text.strip()]
    last = fmt.with_running_dates(_bare(considering or ""))
    dash = "- " if fmt.basis_style == "dash" else ""
    result = [f"{dash}{line};" for line in lines]
    if last:
        result.append(f"{dash}{last}{',' if fmt.enacting == 'authority' else '.'}")
    elif result:
        result[-1] = result[-1][:-1] + ("," if fmt.enacting == "authority" else ".")
    return result


def enacting_line(fmt: DocumentFormat, authority: str) -> str:
    """Party: "BAN DÂN VẬN TỈNH ỦY QUYẾT ĐỊNH" (who decides, no colon); State: "QUYẾT ĐỊNH:" under the authority line."""
    if fmt.enacting == "authority":
        return f"{authority.upper()} QUYẾT ĐỊNH".strip()
    return "QUYẾT ĐỊNH:"


def _place_date(decision: Decision) -> str:
    place = decision.place_name or ""
    if decision.decided_on is not None:
        return official_date_line(place, decision.decided_on)
    # A draft carries the year only: the day is written when the decision is signed.
    blank = "\u00a0" * 6  # kept by HTML, where plain spaces would collapse
    return f"{place}, ngày{blank}tháng{blank}năm {today_in_vietnam().year}"


def reference_line(decision: Decision) -> str:
    """"Quyết định số 05-QĐ/BDVTU, ngày 20/11/2026 của Ban Dân vận Tỉnh ủy" (Party) or "Quyết định số 05/QĐ-UBND ngày
    20 tháng 11 năm 2026 của Chủ tịch Ủy ban nhân dân xã Tịnh Khê" (State); a draft: "Quyết định số …-QĐ/BDVTU"."""
    return decision.citation()


def _summary(fmt: DocumentFormat, title: str) -> str:
    """The summary under QUYẾT ĐỊNH starts as the system writes it: "về việc …" (Party) or "Về việc …" (State)."""
    title = " ".join((title or "").split())
    lead = fmt.summary_lead
    if title.lower().startswith(lead.lower()):
        return lead + title[len(lead):]
    if title.lower().startswith("về "):
        return lead[:1] + title[1:]
    return title


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
                    "detail": in_running_text(line.recipient_detail),
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
                "detail": in_running_text(awardee.recipient_detail),
                "form": awardee.award_form.name if awardee.award_form else "",
                "scope": item.scope.label,
                "serial": item.certificate.serial if item.certificate is not None else "",
                "decision": awardee.decision.number_label if awardee.decision else "",
                "certificate_only": item.scope is RevocationScope.CERTIFICATE,
            }
        )
    return rows


def annex_title(decision: Decision) -> str:
    if decision.kind is DecisionKind.AMENDMENT:
        return "SỬA ĐỔI, BỔ SUNG DANH SÁCH TẬP THỂ, CÁ NHÂN ĐƯỢC KHEN THƯỞNG"
    if decision.kind is DecisionKind.REVOCATION:
        scopes = {item.scope for item in decision.revocation_items}
        if scopes == {RevocationScope.CERTIFICATE}:
            # Only paper is withdrawn: the commendation stands, and the title must not say otherwise.
            return "GIẤY KHEN ĐÃ CẤP BỊ THU HỒI"
        if RevocationScope.CERTIFICATE in scopes:
            return "TẬP THỂ, CÁ NHÂN BỊ THU HỒI, HỦY BỎ KHEN THƯỞNG HOẶC THU HỒI GIẤY KHEN ĐÃ CẤP"
        return "TẬP THỂ, CÁ NHÂN BỊ THU HỒI, HỦY BỎ KHEN THƯỞNG"
    form = decision.award_form.name if decision.award_form else "khen thưởng"
    return f"TẬP THỂ, CÁ NHÂN ĐƯỢC TẶNG {form.upper()}"


def ledger_head(decision: Decision) -> dict | None:
    """The vote ledger's head printed under an award's annexed list: {"lead", "hash", "check", "url", "seq"}, or None.

    "Kết quả bình chọn công khai: sổ cái bình chọn, lô số 12 (niêm phong lúc 10:15 ngày 20/11/2026), mã băm đầu
    chuỗi:", the 64 hex digits on a line of their own, "Tra cứu, kiểm tra tại: <the ledger page>". An issued decision
    prints the head frozen at its issue (none when issued before the annex printed one); a draft, the ledger's now.
    Only an award decision of a campaign with a public vote and a sealed batch has one."""
    from dvkheo.voting import checkpoint

    if decision.kind is not DecisionKind.AWARD:
        return None
    head = checkpoint.head_to_print(decision.campaign, decision.ledger_head, frozen=decision.status is DecisionStatus.ISSUED)
    if head is None:
        return None
    return {
        "seq": head["seq"],
        "lead": f"Kết quả bình chọn công khai: sổ cái bình chọn, lô số {head['seq']} (niêm phong lúc {head['time']} "
        f"ngày {head['date']}), mã băm đầu chuỗi:",
        "hash": head["hash"],
        "check": "Tra cứu, kiểm tra tại:",
        "url": head["url"],
    }


def decision_context(decision: Decision) -> dict:
    """Plain values of the document, as it reads in its system (a draft: "DỰ THẢO", "Số …-QĐ/…").

    Keys, shared by the PDF, the web page and the .docx export: format (DocumentFormat values), header
    (templates/pdf/_header.html), doc_type, title, authority_line (State only), legal_bases (already punctuated and
    dashed per system; `basis_italic` says how to set them), enacting_line, articles [{label, text}],
    recipients_label, recipients_style, recipients (with the archive line), signature {authority, title, name},
    revocation_reason, annex {title, reference, rows, with_combined, with_note, revocations, ledger_head (see
    `ledger_head`, or None)}, document_title."""
    fmt = decision.format
    annex, with_combined = _annex_rows(decision)
    authority = decision.issuer_as_written
    return {
        "is_draft": decision.status is not DecisionStatus.ISSUED,
        "kind": decision.kind.value,
        "format": fmt.as_dict(),
        "header": header_context(
            fmt,
            parent_body=decision.parent_body,
            issuing_body=decision.issuing_body,
            number=fmt.number_line(decision.number, decision.type_code, decision.issuer_code),
            place_date=_place_date(decision),
        ),
        "doc_type": "QUYẾT ĐỊNH",
        "title": _summary(fmt, decision.title),
        # Decree 30: the authority that decides stands alone above the bases ("CHỦ TỊCH ỦY BAN NHÂN DÂN XÃ …").
        "authority_line": authority.upper() if fmt.enacting == "colon" else "",
        "legal_bases": _bases(fmt, decision.legal_bases or [], decision.considering or ""),
        "basis_italic": fmt.basis_style == "italic",
        "considering": "",
        "enacting_line": enacting_line(fmt, authority),
        "articles": _articles(in_running_text(decision.articles or "")),
        "recipients_label": "Nơi nhận:",
        "recipients_style": fmt.recipients_label_style,
        "recipients": _recipients(decision),
        "signature": _signature(decision),
        "revocation_reason": decision.revocation_reason if decision.kind is DecisionKind.REVOCATION else "",
        "annex": {
            "title": annex_title(decision),
            "reference": f"({'Kèm' if fmt.summary_lead[:1].isupper() else 'kèm'} theo {reference_line(decision)})",
            "rows": annex,
            "with_combined": with_combined,
            "with_note": decision.kind is DecisionKind.AMENDMENT,
            "revocations": _revocation_rows(decision) if decision.kind is DecisionKind.REVOCATION else [],
            "ledger_head": ledger_head(decision),
        },
        "document_title": f"{decision.kind.label} số {decision.number_label}",
    }


def decision_pdf(decision: Decision) -> bytes:
    from dvkheo.core.pdf import render_pdf

    return render_pdf(TEMPLATE, d=decision_context(decision))
