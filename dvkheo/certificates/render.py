"""Certificates as PDF: the whole certificate on plain paper, or only its variable fields for a
pre-printed blank ("phôi"), and the printer alignment test page.

The interface is shared with the batch print jobs (`dvkheo.certificates.batch`):

* `load_for_print(ids)` loads certificates with everything a sheet shows, in one query;
* `certificates_html(certificates, output=..., offset_x_mm=..., offset_y_mm=..., layer=...)` is one HTML
  document with one A4-landscape page per certificate: the whole sheet (`layer="full"`), only what is the
  same on every certificate of a decision (`"frame"`: border, emblem, header lines, issuer, title, the
  decision's number, the signature block), or only what differs (`"variable"`: the recipient, the reason,
  the serial, a reissue's note);
* `render_certificates_pdf(...)` lays the frame out once per distinct frame (WeasyPrint), writes the variable
  layers straight as PDF operators (`textlayer`, about 1 ms a page; WeasyPrint for a text it cannot draw), then
  `dvkheo.certificates.batch.write_merged` draws each frame under its pages as a shared Form XObject and the
  QR codes as plain rectangles: the batch's costly parts are paid once.

What the sheet says depends on the issuer's document system (`dvkheo.documents.formats`): the Party's
header line and emblem area, or the State's motto and national emblem area, the number written the
system's way, the decision cited in its running form and its authority prefix ("T/M" or "TM.").

Templates receive plain values only (`sheet_context`), never ORM objects. Long names and reasons
are fitted by choosing a font size from an estimate of the text's width (`fit_text`): WeasyPrint
cannot shrink text to its box by itself.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import render_template

from dvkheo.awards.models import PREFIXES_WITH_AUTHORITY, AwardForm, Decision, DecisionAwardee, SignerPrefix
from dvkheo.campaigns.models import NomineeKind
from dvkheo.certificates import layout as blank_layout
from dvkheo.certificates.models import Certificate, CertificateStatus, PrintOutput
from dvkheo.certificates.qr import qr_svg, verify_url
from dvkheo.certificates.textlayer import Undrawable
from dvkheo.core.text import in_running_text
from dvkheo.core.timeutil import official_date_line
from dvkheo.documents.formats import DocumentFormat
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
PLAIN_QR_BOX = (24.0, 158.0)  # its top-left corner (mm), as static/css/certificate.css places `.qr-code`
PLAIN_AUTHORITY_WIDTH_MM = 217
TANG_HEIGHT_MM = 8.6  # "Tặng": 16 pt × 1.25 and its 1.5 mm margin

LAYERS = ("full", "frame", "variable")
# The drawn stand-ins for an emblem an issuer has not uploaded: a ring with its name, never the real arms.
EMBLEM_PLACEHOLDERS = {
    "party": ("static/img/emblem-placeholder-party.svg", "Biểu tượng Đảng"),
    "state": ("static/img/emblem-placeholder-state.svg", "Quốc huy"),
}


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
            so.joinedload(Certificate.awardee).joinedload(DecisionAwardee.award_form).joinedload(AwardForm.document_system),
            # A reissued certificate names the one it replaces and the decision it follows.
            so.selectinload(Certificate.replaces).joinedload(Certificate.revoked_by_decision),
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
    return in_running_text(detail)


def certificate_format(certificate: Certificate) -> DocumentFormat:
    """The document system the certificate is written in: its decision's copy, else its award form's."""
    decision = certificate.decision
    if decision.document_format:
        return decision.format
    return certificate.awardee.award_form.document_format


def signature_block(decision: Decision, fmt: DocumentFormat) -> list[str]:
    """["T/M BAN THƯỜNG VỤ", "TRƯỞNG BAN"] (Party) or ["TM. BAN THƯỜNG VỤ", …] (State): the system's prefixes."""
    prefix = decision.signer_prefix or SignerPrefix.NONE
    written = fmt.prefix(prefix.name) or prefix.value
    authority = " ".join((decision.signer_authority or "").split()).upper()
    title = " ".join((decision.signer_title or "").split()).upper()
    if prefix in PREFIXES_WITH_AUTHORITY:
        return [f"{written} {authority}".strip(), title]
    if prefix is SignerPrefix.ACTING:
        return [f"{written} {title}".strip()]
    return [title]


def decision_reference(decision: Decision, fmt: DocumentFormat) -> str:
    """"Quyết định số 05-QĐ/BDVTU, ngày 20/11/2026" or "Quyết định số 05/QĐ-UBND ngày 20 tháng 11 năm 2026"."""
    # Numbered by `fmt`, not by the decision's own copy: an older decision without one still reads in one system.
    number = fmt.number(decision.number, decision.type_code, decision.issuer_code)
    return fmt.citation("Quyết định", number, decision.decided_on, "")


def reissue_note(certificate: Certificate, fmt: DocumentFormat, form_name: str) -> str:
    """"Cấp lại theo Quyết định số …, thay Giấy khen số DVK26-…" for a certificate issued in place of another.

    After a revocation of the paper alone, the decision followed is the revoking one (its Điều 2 orders the
    reissue); after an amendment, the amending decision that created this certificate."""
    previous = certificate.replaces
    if previous is None:
        return ""
    following = previous.revoked_by_decision if previous.status is CertificateStatus.REVOKED else None
    following = following or certificate.decision
    number = fmt.number(following.number, following.type_code, following.issuer_code)
    reference = fmt.citation("Quyết định", number, following.decided_on, following.issuer_as_written)
    return f"Cấp lại theo {reference}; thay {form_name} số {previous.serial}."


def certificate_fields(certificate: Certificate) -> dict:
    """The texts of one certificate; the `FIELDS` of `layout` are what a blank overlay prints.

    Texts come from the issued decision and its annexed line (copied when it was drafted), and the title
    and the form's name from what the decision froze when issued (`Decision.certificate_look`), so a
    reprint reads exactly like the first print, whatever was edited in the dossier or the award form since.
    """
    awardee = certificate.awardee
    decision = certificate.decision
    look = decision.certificate_look(awardee.award_form)
    fmt = certificate_format(certificate)
    decided_on = decision.decided_on
    *signer_authority, signer_title = signature_block(decision, fmt)
    form_name = (look["name"] or "Giấy khen").strip()
    return {
        "recipient_name": (awardee.recipient_name or "").strip(),
        "recipient_detail": _recipient_detail(awardee),
        "reason": (awardee.reason or "").strip(),
        "decision_number": decision_reference(decision, fmt),
        "serial": f"Số hiệu: {certificate.serial}",
        "reissue_note": reissue_note(certificate, fmt, form_name),
        "date_line": _date_line(decision.place_name or "", decided_on),
        "signer_name": (decision.signer_name or "").strip(),
        # For the plain output only: a pre-printed blank carries these already.
        "title": (look["title"] or "GIẤY KHEN").strip().upper(),
        "parent_body": (decision.parent_body or "").strip().upper(),
        "issuing_body": (decision.issuing_body or "").strip().upper(),
        "signer_authority": "".join(signer_authority),
        "signer_title": signer_title,
        "verify_url": verify_url(certificate.serial),
        "header_lines": [line.strip() for line in fmt.certificate_lines if line.strip()],
        "emblem": fmt.emblem if fmt.emblem in EMBLEM_PLACEHOLDERS else "none",
        "system": fmt.code,
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
    body_height = (TANG_HEIGHT_MM + name.height_mm + (detail.height_mm + 1 if detail.lines else 0)
                   + (reason.height_mm + 3 if reason.lines else 0))
    body_top = PLAIN_BODY_TOP_MM + max(0.0, (PLAIN_BODY_HEIGHT_MM - body_height) / 2)
    return {"name": name, "detail": detail, "reason": reason, "body_top_mm": body_top}


def _head_sizes(fields: dict) -> dict:
    """The header's lines, one line each: the system's lines and the issuer, shrunk when long."""
    lines = [fit_text(line, PLAIN_AUTHORITY_WIDTH_MM, (15, 14, 13, 12, 11, 10), max_lines=1, style="upper").size_pt
             for line in fields["header_lines"]]
    parent = fit_text(fields["parent_body"], PLAIN_AUTHORITY_WIDTH_MM, (13, 12, 11, 10, 9), max_lines=1, style="upper")
    issuer = fit_text(fields["issuing_body"], PLAIN_AUTHORITY_WIDTH_MM, (14, 13, 12, 11, 10, 9), max_lines=1, style="upper")
    return {"lines": lines, "parent": parent.size_pt, "issuer": issuer.size_pt}


# --- the issuer's emblem -------------------------------------------------------------------------------


class Emblems:
    """The emblems of one rendering: each uploaded file read and checked once, served to WeasyPrint from memory."""

    def __init__(self):
        self._by_file: dict[str, dict | None] = {}
        self.resources: dict[str, tuple[bytes, str]] = {}

    def for_sheet(self, stored: str | None, system_emblem: str) -> dict | None:
        """{"src", "label", "uploaded"} for the frame's <img>, or None when the system has no emblem.

        `stored`: the emblem file the decision froze (`Decision.certificate_look`), not the award form's current one."""
        if stored:
            if stored not in self._by_file:
                self._by_file[stored] = self._load(stored)
            if self._by_file[stored] is not None:
                return self._by_file[stored]
        if system_emblem in EMBLEM_PLACEHOLDERS:
            src, label = EMBLEM_PLACEHOLDERS[system_emblem]
            return {"src": src, "label": label, "uploaded": False}
        return None

    def _load(self, stored: str) -> dict | None:
        from dvkheo.certificates.emblems import CONTENT_TYPES, load_emblem
        from dvkheo.core.pdf import MEMORY_SCHEME

        loaded = load_emblem(stored)
        if loaded is None:
            return None
        kind, data = loaded
        url = f"{MEMORY_SCHEME}:emblem-{hashlib.sha256(data).hexdigest()[:24]}.{kind}"
        self.resources[url] = (data, CONTENT_TYPES[kind])
        return {"src": url, "label": "", "uploaded": True}


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
    max_lines = {"reason": 3, "recipient_detail": 2, "reissue_note": 2}.get(name, 1)
    style = "bold" if box.bold else "regular"
    return fit_text(text, box.w, steps, max_lines=max_lines, style=style).size_pt


def _frame_key(frame: dict) -> str:
    return hashlib.sha256(json.dumps(frame, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()[:32]


def sheet_context(
    certificate: Certificate,
    output: PrintOutput,
    offset_x_mm: float,
    offset_y_mm: float,
    emblems: Emblems | None = None,
) -> dict:
    """Everything one page of `output` shows, as plain values.

    `frame` holds what the plain sheet shares with every certificate of the same decision (None on a
    blank, whose paper carries it), `frame_key` names it; `qr` is where the QR code goes (mm, offsets
    included) and what it encodes."""
    fields = certificate_fields(certificate)
    award_form = certificate.awardee.award_form
    look = certificate.decision.certificate_look(award_form)
    sheet = {
        "serial": certificate.serial,
        "fields": fields,
        "mark": STATUS_MARKS.get(certificate.status),
        "offset_x_mm": offset_x_mm,
        "offset_y_mm": offset_y_mm,
        "frame": None,
        "frame_key": None,
    }
    if output is PrintOutput.BLANK:
        boxes = blank_layout.effective_layout(award_form.blank_layout)
        sheet["blank_fields"] = []
        for name, _label, _default in blank_layout.FIELDS:
            if not fields.get(name):
                continue
            size = _blank_size(name, fields[name], boxes[name])
            sheet["blank_fields"].append({
                "name": name,
                "text": fields[name],
                "box": boxes[name],
                "size": size,
                "style": _blank_field_style(boxes[name], offset_x_mm, offset_y_mm, size),
            })
        qr_box = boxes["qr"]
        sheet["qr"] = {"x_mm": qr_box.x + offset_x_mm, "y_mm": qr_box.y + offset_y_mm, "side_mm": qr_box.w,
                       "payload": fields["verify_url"]}
    else:
        sheet["sizes"] = _plain_sizes(fields)
        sheet["qr"] = {"x_mm": PLAIN_QR_BOX[0] + offset_x_mm, "y_mm": PLAIN_QR_BOX[1] + offset_y_mm,
                       "side_mm": PLAIN_QR_MM, "payload": fields["verify_url"]}
        emblems = emblems or Emblems()
        sheet["design"] = look["design"] or "classic_red"
        frame = {
            "design": sheet["design"],
            "system": fields["system"],
            "emblem_kind": fields["emblem"],
            "emblem": emblems.for_sheet(look["emblem_file"], fields["emblem"]),
            "sizes": _head_sizes(fields),
            "offset_x_mm": offset_x_mm,
            "offset_y_mm": offset_y_mm,
        } | {name: fields[name] for name in (
            "header_lines", "parent_body", "issuing_body", "title", "decision_number", "date_line",
            "signer_authority", "signer_title", "signer_name",
        )}
        sheet["frame"] = frame
        sheet["frame_key"] = _frame_key(frame)
    return sheet


def certificates_html(
    certificates: list[Certificate],
    *,
    output: PrintOutput = PrintOutput.PLAIN,
    offset_x_mm: float = 0.0,
    offset_y_mm: float = 0.0,
    layer: str = "full",
    emblems: Emblems | None = None,
    sheets: list[dict] | None = None,
) -> str:
    """One HTML document, one A4-landscape page per certificate (needs an app context, not a request).

    `layer` "full" draws everything, QR code included (as inline SVG); "frame" and "variable" are the two
    halves `render_certificates_pdf` puts together, without the QR code, which it draws itself."""
    if layer not in LAYERS:
        raise ValueError(f"unknown layer {layer!r}")
    output = PrintOutput(output)
    emblems = emblems or Emblems()
    if sheets is None:
        sheets = [sheet_context(certificate, output, offset_x_mm, offset_y_mm, emblems) for certificate in certificates]
    if layer == "full":
        for sheet in sheets:
            sheet["qr_svg"] = qr_svg(sheet["qr"]["payload"], sheet["qr"]["side_mm"])
    template = BLANK_TEMPLATE if output is PrintOutput.BLANK else PLAIN_TEMPLATE
    title = sheets[0]["fields"]["title"] if sheets else "GIẤY KHEN"
    return render_template(template, sheets=sheets, document_title=title, layer=layer)


def sheets_for(certificates: list[Certificate], output: PrintOutput, offset_x_mm: float, offset_y_mm: float,
               emblems: Emblems) -> list[dict]:
    return [sheet_context(certificate, output, offset_x_mm, offset_y_mm, emblems) for certificate in certificates]


def page_specs(sheets: list[dict], *, qr_drawn: bool = False) -> list[dict]:
    """Per page, what `write_merged` adds under and over its variable layer: the frame, and the QR code unless drawn."""
    return [{"frame_key": sheet["frame_key"], "frame": sheet["frame"], "qr": None if qr_drawn else sheet["qr"]}
            for sheet in sheets]


def render_layers(certificates: list[Certificate], output: PrintOutput, offset_x_mm: float, offset_y_mm: float,
                  emblems: Emblems) -> tuple[str, list[dict]]:
    """The variable layer's HTML of `certificates` (for WeasyPrint) and the pages' specs for `write_merged`."""
    sheets = sheets_for(certificates, output, offset_x_mm, offset_y_mm, emblems)
    html = certificates_html([], output=output, layer="variable", sheets=sheets)
    return html, page_specs(sheets)


def direct_layers(sheets: list[dict], fonts) -> "DirectChunk":
    """The sheets' variable layers and QR codes written as PDF operators (`textlayer`); `Undrawable` if one cannot be."""
    from dvkheo.certificates.batch import DirectChunk, qr_operators
    from dvkheo.certificates.textlayer import PAGE_HEIGHT_PT, compress, layer_for

    contents = []
    for sheet in sheets:
        canvas = layer_for(sheet, fonts)
        qr = sheet["qr"]
        canvas.parts.append(qr_operators(qr["payload"], qr["x_mm"], qr["y_mm"], qr["side_mm"], PAGE_HEIGHT_PT))
        contents.append(compress(canvas.content()))
    return DirectChunk(contents)


def text_layer_fonts():
    """A `textlayer.FontSet` for one output file, or None when the variable layers go to WeasyPrint
    (configuration `CERTIFICATE_TEXT_LAYER = "weasyprint"`, or the fonts are missing)."""
    from flask import current_app

    from dvkheo.certificates.textlayer import FontSet, faces_available

    if current_app.config.get("CERTIFICATE_TEXT_LAYER", "direct") != "direct" or not faces_available():
        return None
    return FontSet()


def render_frame_pdf(frame: dict, emblems: Emblems, target=None) -> bytes | None:
    """One page: the shared part of a plain certificate (border, emblem, header, title, decision, signature)."""
    from dvkheo.core.pdf import render_html_pdf

    sheet = {"frame": frame, "fields": {"title": frame["title"]}, "design": frame["design"],
             "offset_x_mm": frame["offset_x_mm"], "offset_y_mm": frame["offset_y_mm"]}
    html = render_template(PLAIN_TEMPLATE, sheets=[sheet], document_title=frame["title"], layer="frame")
    return render_html_pdf(html, target=target, resources=emblems.resources)


def render_certificates_pdf(
    certificates: list[Certificate],
    *,
    output: PrintOutput = PrintOutput.PLAIN,
    offset_x_mm: float = 0.0,
    offset_y_mm: float = 0.0,
) -> bytes:
    """The certificates as one PDF, made the way a batch makes its file (frame once, variable layers, QR codes)."""
    import io

    from dvkheo.certificates.batch import write_merged
    from dvkheo.core.pdf import render_html_pdf

    output = PrintOutput(output)
    emblems = Emblems()
    sheets = sheets_for(certificates, output, offset_x_mm, offset_y_mm, emblems)
    fonts = text_layer_fonts()
    source = None
    if fonts is not None:
        try:
            source, pages = direct_layers(sheets, fonts), page_specs(sheets, qr_drawn=True)
        except Undrawable:
            source = None
    if source is None:
        html = certificates_html([], output=output, layer="variable", sheets=sheets)
        source, pages = io.BytesIO(render_html_pdf(html, resources=emblems.resources, lean=True)), page_specs(sheets)
    frames = {}
    for page in pages:
        if page["frame_key"] and page["frame_key"] not in frames:
            frames[page["frame_key"]] = io.BytesIO(render_frame_pdf(page["frame"], emblems))
    buffer = io.BytesIO()
    title = certificates and certificate_fields(certificates[0])["title"] or ""
    write_merged([source], buffer, pages=pages, frames=frames, title=title, fonts=fonts)
    return buffer.getvalue()


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
