"""The periodic report as an official document of its issuer: the web preview, the PDF, the Word copy and the
figure tables as a spreadsheet.

The issuer is the body that writes the unit's decisions: the latest award form of a campaign the unit organised
(its bodies, code, place, document system and signer), so that a Ban Dân vận writes its report in the Party's
format (Hướng dẫn 36-HD/VPTW) and a People's Committee in the State's (Decree 30) exactly as its decisions. A
unit that never organised a campaign reads as the award forms' defaults would (dvkheo.awards.operations). The
header, the number and "Nơi nhận" come from dvkheo.documents (formats, letterhead, docx): nothing here spells a
motto or a number pattern. `report_context()` is the one dict of plain values the PDF, the Word copy and the
page read.
"""
from __future__ import annotations

import re
from datetime import date

import sqlalchemy as sa

from dvkheo.core.timeutil import as_vietnam, format_date, official_date_line, today_in_vietnam
from dvkheo.documents.formats import DocumentFormat, PARTY
from dvkheo.documents.letterhead import keep_last_words, letterhead, system_sentence_case
from dvkheo.extensions import db
from dvkheo.reports import report_figures, report_period
from dvkheo.reports.models import SECTIONS, PeriodicReport, ReportState

TYPE_CODE = "BC"
PDF_TEMPLATE = "reports/report_pdf.html"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- the issuer ----------------------------------------------------------------------------------------------


def _latest_award_form(unit):
    from dvkheo.awards.models import AwardForm
    from dvkheo.campaigns.models import Campaign

    return db.session.scalars(
        sa.select(AwardForm)
        .join(Campaign, AwardForm.campaign_id == Campaign.id)
        .where(Campaign.organising_unit_id == unit.id)
        .order_by(Campaign.year.desc(), AwardForm.id.desc())
        .limit(1)
    ).first()


_PERSON = re.compile(r"^(Chủ tịch|Phó Chủ tịch|Trưởng ban|Giám đốc|Thủ trưởng)\s+", re.IGNORECASE)


def place_of_unit(unit) -> str:
    """"Tỉnh Quảng Ngãi" -> "Quảng Ngãi", "Huyện Sơn Tịnh" -> "Sơn Tịnh"."""
    from dvkheo.nominations.dossier import _ADMIN_PREFIX

    return _ADMIN_PREFIX.sub("", unit.name.strip()) or unit.name


def issuer_of(unit) -> dict:
    """Who writes the unit's report and how: {format (dict), parent_body, issuing_body, code, place, in_text,
    archive, signature {authority, title, name}}."""
    from dvkheo.awards.models import signature_lines
    from dvkheo.awards.operations import initials_code, province_committee
    from dvkheo.documents.letterhead import unit_format
    from dvkheo.nominations.dossier import place_name

    form = _latest_award_form(unit)
    if form is not None and (form.issuing_body or "").strip():
        *authority, title = signature_lines(form)
        fmt = form.document_format
        return {
            "format": fmt.as_dict(),
            "parent_body": (form.parent_body or "").strip().upper(),
            "issuing_body": form.issuing_body.strip().upper(),
            "code": (form.issuer_code or "").strip() or initials_code(unit.name),
            "place": (form.place_name or "").strip() or place_name(unit),
            # "Chủ tịch Ủy ban nhân dân xã …" names who signs a decision; the report speaks of the body.
            "in_text": _PERSON.sub("", (form.issuer_in_text or "").strip()) or unit.name,
            "archive": (form.archive or "").strip() or fmt.default_archive,
            "signature": {"authority": " ".join(authority), "title": title or "", "name": form.signer_name or ""},
        }
    committee = province_committee(unit) or ("Huyện ủy" if unit.kind == "district" else None)
    if committee is not None:
        # A place does not issue: a province's (a district's) movement is run by its Party committee's Ban Dân vận.
        fmt = PARTY
        parent, issuing = f"{committee.upper()} {place_of_unit(unit).upper()}", "BAN DÂN VẬN"
        code, in_text, title = f"BDV{initials_code(committee)}", f"Ban Dân vận {committee}", "TRƯỞNG BAN"
    else:
        # A commune, ward or agency writes in its own system (dvkheo.documents.letterhead.unit_format): as a
        # People's Committee in the State's, else under its own name.
        fmt = unit_format(unit)
        territorial = unit.kind in ("commune", "ward", "town", "special_zone")
        parent = "" if territorial else (unit.parent.name.upper() if unit.parent is not None else "")
        issuing = f"ỦY BAN NHÂN DÂN {unit.name.upper()}" if territorial and not fmt.is_party else unit.name.upper()
        code = "UBND" if territorial and not fmt.is_party else initials_code(unit.name)
        in_text = f"Ủy ban nhân dân {unit.name[:1].lower()}{unit.name[1:]}" if territorial and not fmt.is_party else unit.name
        title = "CHỦ TỊCH" if territorial and not fmt.is_party else "THỦ TRƯỞNG ĐƠN VỊ"
    return {
        "format": fmt.as_dict(), "parent_body": parent, "issuing_body": issuing, "code": code,
        "place": place_name(unit), "in_text": in_text, "archive": fmt.default_archive,
        "signature": {"authority": "", "title": title, "name": ""},
    }


def issuer_for(report: PeriodicReport) -> dict:
    """The frozen letterhead of a submitted report (it reads the same whatever is edited later), else the live one."""
    if report.letterhead and report.state is ReportState.SUBMITTED:
        return dict(report.letterhead)
    return issuer_of(report.unit)


def freeze(report: PeriodicReport) -> None:
    """At submission: take the figures and the letterhead as they stand, and the report's number on its first
    submission (a resubmitted report keeps its number)."""
    from dvkheo.core.numbering import next_number

    head = issuer_of(report.unit)
    number = (report.letterhead or {}).get("number")
    if number is None:
        year = today_in_vietnam().year
        # One register per issuing body: every commune's People's Committee writes "UBND" (every province's Ban
        # Dân vận "BDVTU"), so the symbol alone would make all of them share one series.
        number = next_number(f"{TYPE_CODE}:{head['code']}:{report.unit_id}", year, "periodic_report", report.id)
    head["number"] = number
    head["dated"] = today_in_vietnam().isoformat()
    report.letterhead = head
    report.figures = report_figures.live_figures(report.unit, report.period_kind, report.starts_on, report.ends_on)


# --- the plain values of the document ---------------------------------------------------------------------------


def paragraphs(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def title_of(report: PeriodicReport) -> str:
    return report_period.report_title(report.period_kind, report.starts_on, report.ends_on)


def period_label(report: PeriodicReport) -> str:
    return report_period.label(report.period_kind, report.starts_on, report.ends_on)


def _cell_text(value, column: dict) -> str:
    if value is None:
        return ""
    if column.get("signed") and isinstance(value, int) and value > 0:
        return f"+{report_figures.vn_number(value)}"
    return report_figures.vn_number(value) if column.get("numeric") else str(value)


def formatted_tables(figures: dict) -> list[dict]:
    """The tables with every cell written as printed: "1.234", the total line last."""
    tables = []
    for table in figures.get("tables") or []:
        columns = table.get("columns") or []
        rows = [[_cell_text(row.get(c["key"]), c) for c in columns] for row in table.get("rows") or []]
        total = None
        if table.get("total"):
            total = [_cell_text(table["total"].get(c["key"]), c) for c in columns]
        tables.append({
            "number": table.get("number", ""), "title": table.get("title", ""), "note": table.get("note", ""),
            "heading": f"Biểu số {table.get('number', '')}", "columns": columns, "rows": rows, "total": total,
        })
    return tables


def report_context(report: PeriodicReport) -> dict:
    """Everything the report prints, as plain values. Keys: format (code), is_party, is_draft, watermark, header
    (letterhead() keys), doc_type ("BÁO CÁO"), summary (lower case in the Party's system), summary_rule, sections
    [{heading, paragraphs}], tables (formatted_tables), signature, recipients_label, recipients_style, recipients,
    title (the report's name in a sentence), period_label, unit_name, figures_taken_at."""
    head = issuer_for(report)
    fmt = DocumentFormat.from_dict(head.get("format"))
    draft = report.state is not ReportState.SUBMITTED
    number = None if draft else head.get("number")
    dated = date.fromisoformat(head["dated"]) if not draft and head.get("dated") else today_in_vietnam()
    figures = report_figures.figures_of(report)
    summary = report_period.report_summary(report.period_kind, report.starts_on, report.ends_on)
    parent = report.unit.parent
    recipients = [f"{issuer_of(parent)['in_text']} (để báo cáo)" if parent is not None else "", "Các đơn vị trực thuộc"]
    taken = figures.get("taken_at")
    return {
        "id": report.id,
        "format": fmt.code,
        "is_party": fmt.is_party,
        "is_draft": draft,
        "watermark": "DỰ THẢO" if draft else "",
        "header": letterhead(
            fmt, parent_body=head.get("parent_body", ""), issuing_body=head.get("issuing_body", ""),
            number=fmt.number_line(number, TYPE_CODE, head.get("code", "")),
            place_date=official_date_line(head.get("place", ""), dated),
        ),
        "doc_type": "BÁO CÁO",
        "summary": keep_last_words(system_sentence_case(fmt, summary)),
        "summary_rule": "dashes" if fmt.is_party else "rule",
        "sections": [
            {"heading": heading, "paragraphs": paragraphs(getattr(report, name))} for name, heading in SECTIONS
        ],
        "tables_heading": "BIỂU SỐ LIỆU KÈM THEO",
        "tables_caption": f"(kèm theo {title_of(report)[0].lower() + title_of(report)[1:]})",
        "tables": formatted_tables(figures),
        "signature": head.get("signature") or {},
        "recipients_label": "Nơi nhận:",
        "recipients_style": fmt.recipients_label_style,
        "recipients": fmt.recipient_lines([line for line in recipients if line], head.get("archive")),
        "title": title_of(report),
        "period_label": period_label(report),
        "unit_name": report.unit.name,
        "figures_taken_at": format_date(as_vietnam_iso(taken)) if taken else "",
    }


def as_vietnam_iso(text: str):
    from datetime import datetime

    return as_vietnam(datetime.fromisoformat(text))


def filename(report: PeriodicReport, extension: str) -> str:
    """"BC-03-BDVTU-2026.pdf"; a draft: "BC-du-thao-12.pdf"; the tables: "BC-03-BDVTU-2026-bieu-so-lieu.xlsx"."""
    from dvkheo.awards.decisions import ascii_slug

    head = issuer_for(report)
    if report.state is ReportState.SUBMITTED and head.get("number"):
        base = f"BC-{int(head['number']):02d}-{ascii_slug(head.get('code', ''))}-{head.get('dated', '')[:4]}"
    else:
        base = f"BC-du-thao-{report.id}"
    if extension == "xlsx":
        return f"{base}-bieu-so-lieu.xlsx"
    return f"{base}.{extension}"


# --- PDF, Word, spreadsheet ---------------------------------------------------------------------------------------


def report_pdf(report: PeriodicReport) -> bytes:
    from dvkheo.core.pdf import render_pdf

    return render_pdf(PDF_TEMPLATE, r=report_context(report))


TABLES_PAGE_MM = (297, 210)


def report_docx(report: PeriodicReport) -> bytes:
    """The Word copy: the same header, title, sections, signature and "Nơi nhận" as the PDF, then the figure
    tables on landscape pages."""
    from docx.enum.section import WD_ORIENT
    from docx.shared import Mm

    from dvkheo.documents import docx as word

    r = report_context(report)
    fmt = DocumentFormat.from_dict(issuer_for(report).get("format"))
    out = word.OfficialDocx(fmt, title=r["title"], author=r["header"].get("issuing_body", ""))
    out.header(r["header"])
    if r["is_draft"]:
        out.draft_banner("DỰ THẢO - báo cáo chưa gửi cấp trên, số liệu tính đến ngày lập")
    out.title(r["doc_type"], r["summary"], rule=r["summary_rule"])
    for section in r["sections"]:
        out.heading(section["heading"])
        for text in section["paragraphs"]:
            out.body(text)
    out.signature(r["signature"], r["recipients_label"], r["recipients"], draft=r["is_draft"],
                  label_style=r["recipients_style"])
    if r["tables"]:
        section = out.new_section()
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Mm(TABLES_PAGE_MM[0]), Mm(TABLES_PAGE_MM[1])
        width = TABLES_PAGE_MM[0] - word.MARGINS_MM["left"] - word.MARGINS_MM["right"]
        out.paragraph(r["tables_heading"], align="center", bold=True, keep_next=True)
        out.paragraph(r["tables_caption"], align="center", italic=True, size=13, after=8, keep_next=True)
        for table in r["tables"]:
            out.paragraph(f"{table['heading']}. {table['title']}", align="left", bold=True, before=10, after=4,
                          keep_next=True)
            if not (table["rows"] or table["total"]):
                if table["note"]:
                    out.paragraph(table["note"], align="left", italic=True, size=11, before=2)
                continue
            widths = _column_widths(table["columns"], width)
            rows = list(table["rows"])
            if table["total"]:
                rows.append(table["total"])
            out.grid([(c["label"], w) for c, w in zip(table["columns"], widths)], rows, size=11,
                     centred={i for i, c in enumerate(table["columns"]) if c.get("numeric") or c["key"] == "stt"})
            if table["note"]:
                out.paragraph(table["note"], align="left", italic=True, size=11, before=2)
    return out.to_bytes()


def _column_widths(columns: list[dict], width_mm: float) -> list[float]:
    """The first (label) column takes what the numeric ones leave; an "STT" column 10 mm."""
    fixed = {"stt": 10}
    numeric = [c for c in columns if c.get("numeric")]
    numeric_mm = min(26, max(16, (width_mm * 0.6) / max(1, len(numeric))))
    widths = []
    for column in columns:
        if column["key"] in fixed:
            widths.append(fixed[column["key"]])
        elif column.get("numeric"):
            widths.append(numeric_mm)
        else:
            widths.append(0)
    rest = width_mm - sum(widths)
    flexible = [i for i, w in enumerate(widths) if w == 0] or [0]
    for i in flexible:
        widths[i] = max(20, rest / len(flexible))
    return widths


def report_xlsx(report: PeriodicReport) -> bytes:
    """The figure tables, one sheet each ("Biểu 01"…), numbers as numbers, never a formula (core.exports)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    from dvkheo.core.exports import cells, xlsx_bytes

    figures = report_figures.figures_of(report)
    workbook = Workbook()
    workbook.remove(workbook.active)
    bold = Font(bold=True)
    title = title_of(report)
    for table in figures.get("tables") or []:
        sheet = workbook.create_sheet(f"Biểu {table.get('number', '')}"[:31])
        columns = table.get("columns") or []
        sheet.append(cells([f"Biểu số {table.get('number', '')}. {table.get('title', '')}"]))
        sheet.append(cells([f"{report.unit.name} - {title}"]))
        sheet.append(cells([c["label"] for c in columns]))
        for cell in sheet[1] + sheet[3]:
            cell.font = bold
        for cell in sheet[3]:
            cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        for row in table.get("rows") or []:
            sheet.append(cells([row.get(c["key"]) for c in columns]))
        if table.get("total"):
            sheet.append(cells([table["total"].get(c["key"]) for c in columns]))
            for cell in sheet[sheet.max_row]:
                cell.font = bold
        if table.get("note"):
            sheet.append(cells([table["note"]]))
        for index, column in enumerate(columns, start=1):
            letter = sheet.cell(row=3, column=index).column_letter
            sheet.column_dimensions[letter].width = 8 if column["key"] == "stt" else (14 if column.get("numeric") else 40)
    if not workbook.worksheets:
        sheet = workbook.create_sheet("Biểu số liệu")
        sheet.append(cells(["Chưa có số liệu."]))
    return xlsx_bytes(workbook)
