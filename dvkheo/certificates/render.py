"""Certificates as PDF: the whole certificate on plain paper, or only its variable fields for a
pre-printed blank ("phôi"), and the printer alignment test page.

The interface is shared with the batch print jobs (`dvkheo.certificates.batch`):

* `load_for_print(ids)` loads certificates with everything a sheet shows, in one query;
* `certificates_html(certificates, output=..., offset_x_mm=..., offset_y_mm=...)` is one HTML
  document with one A4-landscape page per certificate;
* `render_certificates_pdf(...)` lays it out with the shared font configuration.

Templates receive plain values only (`sheet_context`), never ORM objects. Long names and reasons
are fitted by choosing a font size from an estimate of the text's width (`fit_text`): WeasyPrint
cannot shrink text to its box by itself.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import render_template

from dvkheo.awards.models import AwardForm, Decision, DecisionAwardee, signature_lines
from dvkheo.campaigns.models import NomineeKind
from dvkheo.certificates import layout as blank_layout
from dvkheo.certificates.models import Certificate, CertificateStatus, PrintOutput
from dvkheo.certificates.qr import qr_svg, verify_url
from dvkheo.core.timeutil import format_date, official_date_line
from dvkheo.extensions import db

PLAIN_TEMPLATE = "certificates/certificate.html"
BLANK_TEMPLATE = "certificates/blank.html"
TEST_PAGE_TEMPLATE = "certificates/test_page.html"

MM_PER_PT = 25.4 / 72
# Average advance of a character in Liberation Serif, in ems, measured on Vietnamese prose
# (upper case and bold are wider). A small safety factor keeps the estimate on the wide side.
EM_PER_CHAR = {"regular": 0.46, "bold": 0.52, "upper": 0.70}
SPACE_EM = 0.25
SAFETY = 1.06

# A revoked or replaced certificate still prints (the committee keeps copies) but says so across the page.
STATUS_MARKS = {CertificateStatus.REVOKED: "ĐÃ THU HỒI", CertificateStatus.REPLACED: "ĐÃ THAY THẾ"}

# Plain certificate: the boxes the variable texts are fitted into (mm); see static/css/certificate.css.
PLAIN_BODY_WIDTH_MM = 214
PLAIN_BODY_TOP_MM = 73
PLAIN_BODY_HEIGHT_MM = 62
PLAIN_QR_MM = 25
PLAIN_AUTHORITY_WIDTH_MM = 217
TANG_HEIGHT_MM = 8.6  # "Tặng": 16 pt × 1.25 and its 1.5 mm margin


def load_for_print(certificate_ids: list[int]) -> list[Certificate]:
    """The certificates in the order given, with their line, nomination, award form, decision and campaign (one query)."""
    if not certificate_ids:
        return []
    query = (
        sa.select(Certificate)
        .where(Certificate.id.in_(certificate_ids))
        .options(
            so.joinedload(Certificate.awardee).joinedload(DecisionAwardee.nomination),
            so.joinedload(Certificate.awardee).joinedload(DecisionAwardee.award_form),
            so.joinedload(Certificate.decision).joinedload(Decision.campaign),
        )
    )
    by_id = {certificate.id: certificate for certificate in db.session.scalars(query).unique()}
    return [by_id[certificate_id] for certificate_id in certificate_ids if certificate_id in by_id]


# --- texts ------------------------------------------------------------------------------------------


def _date_line(place: str, day) -> str:
    if day is None:
        return ""
    line = official_date_line(place.strip(), day)
    # Without a place name the line starts at "ngày": Decree 30 still wants it capitalised.
    return line if place.strip() else "N" + line[3:]


def _recipient_detail(awardee: DecisionAwardee) -> str:
    """A person's position with their unit; a collective's address or parent unit (never its own name again)."""
    detail = (awardee.recipient_detail or "").strip()
    unit = (awardee.unit_name or "").strip()
    if awardee.kind is NomineeKind.INDIVIDUAL and unit and unit.casefold() not in detail.casefold():
        detail = f"{detail}, {unit}" if detail else unit
    if detail.casefold() == (awardee.recipient_name or "").strip().casefold():
        return ""
    return detail


def certificate_fields(certificate: Certificate) -> dict:
    """The texts of one certificate; the `FIELDS` of `layout` are what a blank overlay prints.

    Texts come from the issued decision and its annexed line (copied when it was drafted), so a
    reprint reads exactly like the first print, whatever was edited in the dossier since.
    """
    awardee = certificate.awardee
    decision = certificate.decision
    award_form: AwardForm = awardee.award_form
    decided_on = decision.decided_on
    *signer_authority, signer_title = signature_lines(decision)
    return {
        "recipient_name": (awardee.recipient_name or "").strip(),
        "recipient_detail": _recipient_detail(awardee),
        "reason": (awardee.reason or "").strip(),
        "decision_number": f"Quyết định số {decision.number_label} ngày {format_date(decided_on)}",
        "serial": f"Số: {certificate.serial}",
        "date_line": _date_line(decision.place_name or "", decided_on),
        "signer_name": (decision.signer_name or "").strip(),
        # For the plain output only: a pre-printed blank carries these already.
        "title": (award_form.certificate_title or "GIẤY KHEN").strip().upper(),
        "parent_body": (decision.parent_body or "").strip().upper(),
        "issuing_body": (decision.issuing_body or "").strip().upper(),
        "signer_authority": "".join(signer_authority),
        "signer_title": signer_title,
        "verify_url": verify_url(certificate.serial),
    }


# --- fitting text into a box -------------------------------------------------------------------------


def _text_width_em(text: str, style: str) -> float:
    per_char = EM_PER_CHAR[style]
    return sum(SPACE_EM if char == " " else per_char for char in text) * SAFETY


def estimated_lines(text: str, size_pt: float, width_mm: float, style: str = "regular") -> int:
    """How many lines `text` takes in a box `width_mm` wide at `size_pt`, wrapping greedily at spaces."""
    if not text:
        return 0
    width_em = width_mm / (size_pt * MM_PER_PT)
    lines, used = 1, 0.0
    for word in text.split():
        word_em = _text_width_em(word, style)
        needed = word_em if used == 0 else used + SPACE_EM + word_em
        if needed <= width_em or used == 0:
            used = needed
            # A single word wider than the box breaks inside (overflow-wrap) over several lines.
            while used > width_em:
                lines += 1
                used -= width_em
        else:
            lines += 1
            used = word_em
    return lines


@dataclass(frozen=True)
class Fitted:
    size_pt: float
    lines: int
    line_height: float

    @property
    def height_mm(self) -> float:
        return self.lines * self.size_pt * self.line_height * MM_PER_PT


def fit_text(
    text: str,
    width_mm: float,
    sizes: list[float] | tuple[float, ...],
    *,
    max_lines: int,
    max_height_mm: float | None = None,
    style: str = "regular",
    line_height: float = 1.25,
) -> Fitted:
    """The largest of `sizes` (in decreasing order) at which `text` fits in `max_lines` (and the height); else the smallest."""
    fitted = None
    for size in sizes:
        fitted = Fitted(size, estimated_lines(text, size, width_mm, style), line_height)
        if fitted.lines <= max_lines and (max_height_mm is None or fitted.height_mm <= max_height_mm):
            return fitted
    return fitted or Fitted(12, 1, line_height)


def _plain_sizes(fields: dict) -> dict:
    """Font sizes of the plain certificate's body: the name first, the rest shares what is left of the box."""
    name = fit_text(fields["recipient_name"], PLAIN_BODY_WIDTH_MM, (28, 26, 24, 22, 20), max_lines=1, style="bold",
                    line_height=1.2)
    if name.lines > 1:
        name = fit_text(fields["recipient_name"], PLAIN_BODY_WIDTH_MM, (20, 19, 18, 17, 16, 15, 14), max_lines=2,
                        style="bold", line_height=1.15)
    detail = fit_text(fields["recipient_detail"], PLAIN_BODY_WIDTH_MM, (16, 15, 14, 13, 12), max_lines=2,
                      style="regular", line_height=1.25)
    left = PLAIN_BODY_HEIGHT_MM - TANG_HEIGHT_MM - name.height_mm - detail.height_mm - 4
    reason = fit_text(fields["reason"], PLAIN_BODY_WIDTH_MM, (17, 16, 15, 14, 13, 12, 11, 10), max_lines=4,
                      max_height_mm=left, line_height=1.3)
    # The authority sits on one line each above the title, whose place is fixed.
    parent = fit_text(fields["parent_body"], PLAIN_AUTHORITY_WIDTH_MM, (13, 12, 11, 10, 9), max_lines=1, style="upper")
    issuer = fit_text(fields["issuing_body"], PLAIN_AUTHORITY_WIDTH_MM, (14, 13, 12, 11, 10, 9), max_lines=1, style="upper")
    body_height = (TANG_HEIGHT_MM + name.height_mm + (detail.height_mm + 1 if detail.lines else 0)
                   + (reason.height_mm + 3 if reason.lines else 0))
    body_top = PLAIN_BODY_TOP_MM + max(0.0, (PLAIN_BODY_HEIGHT_MM - body_height) / 2)
    return {"name": name, "detail": detail, "reason": reason, "parent": parent, "issuer": issuer,
            "body_top_mm": body_top}


# --- page contexts -------------------------------------------------------------------------------------


def _blank_field_style(box: blank_layout.FieldBox, offset_x_mm: float, offset_y_mm: float, size_pt: float) -> str:
    parts = [
        f"left: {box.x + offset_x_mm:.2f}mm",
        f"top: {box.y + offset_y_mm:.2f}mm",
        f"width: {box.w:.2f}mm",
        f"font-size: {size_pt:.2f}pt",
        f"text-align: {box.align if box.align in blank_layout.ALIGNMENTS else 'center'}",
        f"font-weight: {'bold' if box.bold else 'normal'}",
        f"font-style: {'italic' if box.italic else 'normal'}",
    ]
    return "; ".join(parts)


def _blank_size(name: str, text: str, box: blank_layout.FieldBox) -> float:
    """The box's size, shrunk (to 60 %) until the text fits: one line for a name, three for the reason."""
    if box.size <= 0:
        return box.size
    steps = [round(box.size * factor, 2) for factor in (1, 0.94, 0.88, 0.82, 0.76, 0.7, 0.64, 0.6)]
    max_lines = 3 if name == "reason" else (2 if name == "recipient_detail" else 1)
    style = "bold" if box.bold else "regular"
    return fit_text(text, box.w, steps, max_lines=max_lines, style=style).size_pt


def sheet_context(certificate: Certificate, output: PrintOutput, offset_x_mm: float, offset_y_mm: float) -> dict:
    """Everything one page of `output` shows, as plain values."""
    fields = certificate_fields(certificate)
    award_form = certificate.awardee.award_form
    sheet = {
        "serial": certificate.serial,
        "fields": fields,
        "mark": STATUS_MARKS.get(certificate.status),
        "offset_x_mm": offset_x_mm,
        "offset_y_mm": offset_y_mm,
    }
    if output is PrintOutput.BLANK:
        boxes = blank_layout.effective_layout(award_form.blank_layout)
        sheet["blank_fields"] = [
            {
                "name": name,
                "text": fields[name],
                "style": _blank_field_style(boxes[name], offset_x_mm, offset_y_mm, _blank_size(name, fields[name], boxes[name])),
            }
            for name, _label, _default in blank_layout.FIELDS
            if fields.get(name)
        ]
        qr_box = boxes["qr"]
        sheet["qr_style"] = f"left: {qr_box.x + offset_x_mm:.2f}mm; top: {qr_box.y + offset_y_mm:.2f}mm"
        sheet["qr"] = qr_svg(fields["verify_url"], qr_box.w)
    else:
        design = getattr(award_form.certificate_design, "value", None) or "classic_red"
        sheet["design"] = design
        sheet["sizes"] = _plain_sizes(fields)
        sheet["qr"] = qr_svg(fields["verify_url"], PLAIN_QR_MM)
    return sheet


def certificates_html(
    certificates: list[Certificate],
    *,
    output: PrintOutput = PrintOutput.PLAIN,
    offset_x_mm: float = 0.0,
    offset_y_mm: float = 0.0,
) -> str:
    """One HTML document, one A4-landscape page per certificate (needs an app context, not a request)."""
    output = PrintOutput(output)
    sheets = [sheet_context(certificate, output, offset_x_mm, offset_y_mm) for certificate in certificates]
    template = BLANK_TEMPLATE if output is PrintOutput.BLANK else PLAIN_TEMPLATE
    title = sheets[0]["fields"]["title"] if sheets else "GIẤY KHEN"
    return render_template(template, sheets=sheets, document_title=title)


def render_certificates_pdf(
    certificates: list[Certificate],
    *,
    output: PrintOutput = PrintOutput.PLAIN,
    offset_x_mm: float = 0.0,
    offset_y_mm: float = 0.0,
) -> bytes:
    from dvkheo.core.pdf import render_html_pdf

    html = certificates_html(certificates, output=output, offset_x_mm=offset_x_mm, offset_y_mm=offset_y_mm)
    return render_html_pdf(html)


# --- printer alignment test page ---------------------------------------------------------------------------

# Crosshairs this far in from each corner of the sheet, and at its centre: where they must land.
CROSSHAIR_INSET_MM = 15


def _number(value: float) -> str:
    return f"{value:g}".replace(".", ",")


def format_mm(value: float) -> str:
    """"+5,0 mm", "−3,5 mm": signed, one decimal, Vietnamese decimal comma."""
    sign = "+" if value > 0 else ("−" if value < 0 else "")
    return f"{sign}{abs(value):.1f}".replace(".", ",") + " mm"


def test_page_context(award_form: AwardForm, offset_x_mm: float, offset_y_mm: float) -> dict:
    boxes = blank_layout.effective_layout(award_form.blank_layout)
    fields = []
    for name, label, _default in blank_layout.FIELDS:
        box = boxes[name]
        height_mm = max(box.size * 1.3 * MM_PER_PT, 4) * (3 if name == "reason" else 1)
        fields.append({"name": name, "label": label, "x": box.x, "y": box.y, "w": box.w, "h": round(height_mm, 2),
                       "where": f"x {_number(box.x)} · y {_number(box.y)} · rộng {_number(box.w)} mm · "
                                f"cỡ chữ {_number(box.size)}"})
    qr = boxes["qr"]
    fields.append({"name": "qr", "label": "Mã QR tra cứu", "x": qr.x, "y": qr.y, "w": qr.w, "h": qr.w,
                   "where": f"x {_number(qr.x)} · y {_number(qr.y)} · cạnh {_number(qr.w)} mm"})
    width, height = blank_layout.PAGE_WIDTH_MM, blank_layout.PAGE_HEIGHT_MM
    inset = CROSSHAIR_INSET_MM
    crosshairs = [(inset, inset), (width - inset, inset), (inset, height - inset), (width - inset, height - inset),
                  (width / 2, height / 2)]
    return {
        "award_form_name": award_form.name,
        "campaign_title": award_form.campaign.title if award_form.campaign else "",
        "fields": fields,
        "crosshairs": [{"x": x, "y": y, "label": f"x {_number(x)} mm · y {_number(y)} mm"} for x, y in crosshairs],
        "page_width": width,
        "page_height": height,
        "inset": inset,
        "offset_x_mm": offset_x_mm,
        "offset_y_mm": offset_y_mm,
        "offset_x_label": format_mm(offset_x_mm),
        "offset_y_label": format_mm(offset_y_mm),
        "ticks_x": list(range(0, width + 1)),
        "ticks_y": list(range(0, height + 1)),
    }


def render_test_page_pdf(award_form: AwardForm, offset_x_mm: float, offset_y_mm: float) -> bytes:
    """One page to print on a blank: the field boxes, crosshairs and rulers, shifted by the printer's offsets."""
    from dvkheo.core.pdf import render_pdf

    return render_pdf(TEST_PAGE_TEMPLATE, page=test_page_context(award_form, offset_x_mm, offset_y_mm))
