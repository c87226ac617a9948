"""Word (.docx) copies of the official documents: the draft or issued decision with its annexed list, and the
council's minutes, laid out like their PDFs (same page, margins, fonts, header grid), in the issuer's system.

The secretary edits the .docx as their own working copy; the app's record stays the source of truth, so nothing
here reads a .docx back. Every value comes from the same plain dicts the PDF templates read
(`decision_context`, `minutes_context`), and the header from `formats.header_context`, so the two outputs agree.

`OfficialDocx` holds the building blocks; `decision_docx()` and `minutes_docx()` assemble the two documents.
python-docx escapes text itself; `_clean()` only drops characters XML 1.0 cannot hold at all.
"""
from __future__ import annotations

import re
from functools import lru_cache
from io import BytesIO

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT, WD_CELL_VERTICAL_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt

from dvkheo.documents.formats import BUILTIN, PARTY, STATE, DocumentFormat, balanced_lines, header_context

MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
FONT = "Times New Roman"
# A serial in the annexed list, as the PDF's "Liberation Mono" (metric-compatible with Courier New) at 9.5 pt.
MONO_FONT = "Courier New"
MONO_PT = 9.5
# Liberation Serif is metric-compatible with Times New Roman: it measures the ruled lines, so a rule is as long as
# the text above it in Word and in LibreOffice alike.
_MEASURE_FONTS = {
    False: "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf",
    True: "/usr/share/fonts/truetype/liberation2/LiberationSerif-Bold.ttf",
}
# static/css/pdf.css @page: margin 20mm 15mm 20mm 30mm (top, right, bottom, left); tests compare the two.
MARGINS_MM = {"top": 20, "right": 15, "bottom": 20, "left": 30}
PAGE_MM = (210, 297)
TEXT_WIDTH_MM = PAGE_MM[0] - MARGINS_MM["left"] - MARGINS_MM["right"]
BODY_PT = 14
RULE_SZ = 5  # eighths of a point: the PDF's 0.6pt rules
# Characters XML 1.0 forbids (lxml refuses them); tab and newline are kept and written as Word's own.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# A document number or a serial in running text: "05-QĐ/BDVTU", "…-QĐ/BDVTU", "DVK26-B6G2-JCZ2", "98/2023/NĐ-CP".
_SERIAL_OR_NUMBER = re.compile(r"(?<!\w)[0-9A-ZĐ…][0-9A-Za-zĐđ…/]*(?:-[0-9A-Za-zĐđ…/]+)+")


def _clean(text) -> str:
    return _NOT_XML.sub("", "" if text is None else str(text))


# --- small XML helpers: what python-docx has no property for -----------------------------------------------


def _el(tag: str, **attrs) -> OxmlElement:
    element = OxmlElement(tag)
    for key, value in attrs.items():
        element.set(qn(f"w:{key}"), str(value))
    return element


def _mm_twips(mm: float) -> int:
    return round(mm / 25.4 * 1440)


@lru_cache(maxsize=4)
def _font_metrics(bold: bool):
    try:
        from fontTools.ttLib import TTFont

        font = TTFont(_MEASURE_FONTS[bold], lazy=True)
        return font.getBestCmap(), font["hmtx"], font["head"].unitsPerEm
    except Exception:  # no font file or no fontTools: fall back to an average width
        return None


def text_width_mm(text: str, size_pt: float, bold: bool = False) -> float:
    metrics = _font_metrics(bold)
    if metrics is None:
        return len(text) * size_pt * 0.6 * 25.4 / 72
    cmap, hmtx, units = metrics
    space = hmtx[cmap[32]][0] if 32 in cmap else units // 4
    advance = sum(hmtx[cmap[ord(ch)]][0] if ord(ch) in cmap else space for ch in text)
    return advance / units * size_pt * 25.4 / 72


def _bottom_rule(paragraph, width_mm: float, column_mm: float) -> None:
    """A centred rule `width_mm` long under the paragraph: its bottom border, the rest taken up by indents."""
    side = max(0.0, (column_mm - width_mm) / 2)
    paragraph.paragraph_format.left_indent = Mm(side)
    paragraph.paragraph_format.right_indent = Mm(side)
    borders = _el("w:pBdr")
    borders.append(_el("w:bottom", val="single", sz=RULE_SZ, space=1, color="000000"))
    _put_in_ppr(paragraph, borders)


# The order CT_PPr's schema requires after pBdr: Word refuses (asks to repair) a file out of order.
_AFTER_PBDR = (
    "w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct", "w:topLinePunct",
    "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind",
    "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment",
    "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange",
)


def _put_in_ppr(paragraph, element) -> None:
    p_pr = paragraph._p.get_or_add_pPr()
    old = p_pr.find(element.tag)
    if old is not None:
        p_pr.remove(old)
    successors = _AFTER_PBDR if element.tag == qn("w:pBdr") else ("w:sectPr", "w:pPrChange")
    p_pr.insert_element_before(element, *successors)


def _mark_size(paragraph, size_pt: float) -> None:
    """The size of an empty paragraph's mark, which sets its height (a rule line stays thin)."""
    r_pr = _el("w:rPr")
    r_pr.append(_el("w:sz", val=round(size_pt * 2)))
    _put_in_ppr(paragraph, r_pr)


def _no_break_hyphens(run, text: str) -> None:
    """Write `text` into `run` with each "-" a Word non-breaking hyphen, so "DVK26-B6G2-JCZ2" or "05-QĐ/BDVTU"
    is never split at a line end (LibreOffice reads it as U+2011 and draws the font's own hyphen)."""
    r = run._r
    for index, part in enumerate(text.split("-")):
        if index:
            r.append(_el("w:noBreakHyphen"))
        if part:
            t = _el("w:t")
            t.text = part
            t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
            r.append(t)


# CT_TblPr's sequence: each element goes before the ones that must follow it, or Word asks to repair the file.
_TBLPR_ORDER = (
    "w:tblStyle", "w:tblpPr", "w:tblOverlap", "w:bidiVisual", "w:tblStyleRowBandSize", "w:tblStyleColBandSize",
    "w:tblW", "w:jc", "w:tblCellSpacing", "w:tblInd", "w:tblBorders", "w:shd", "w:tblLayout", "w:tblCellMar",
    "w:tblLook", "w:tblCaption", "w:tblDescription", "w:tblPrChange",
)


def _put_in_tblpr(tbl_pr, element) -> None:
    old = tbl_pr.find(element.tag)
    if old is not None:
        tbl_pr.remove(old)
    tag = element.tag.split("}")[1]
    successors = _TBLPR_ORDER[_TBLPR_ORDER.index(f"w:{tag}") + 1:]
    tbl_pr.insert_element_before(element, *successors)


def _table_layout(table, widths_mm: list[float], *, borders: bool, cell_margin_mm: float = 0) -> None:
    """Fixed column widths (Word and LibreOffice both honour tcW/gridCol), borders on or explicitly off."""
    table.autofit = False  # w:tblLayout fixed
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    tbl_pr = table._tbl.tblPr
    _put_in_tblpr(tbl_pr, _el("w:tblW", w=_mm_twips(sum(widths_mm)), type="dxa"))
    value = "single" if borders else "nil"
    tbl_borders = _el("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        attrs = {"val": value}
        if borders:
            attrs.update(sz=RULE_SZ, space=0, color="000000")
        tbl_borders.append(_el(f"w:{edge}", **attrs))
    _put_in_tblpr(tbl_pr, tbl_borders)
    margins = _el("w:tblCellMar")
    # CT_TblCellMar's order: top, left (start), bottom, right (end).
    if borders:
        margins.append(_el("w:top", w=_mm_twips(0.8), type="dxa"))
    margins.append(_el("w:left", w=_mm_twips(cell_margin_mm), type="dxa"))
    if borders:
        margins.append(_el("w:bottom", w=_mm_twips(0.8), type="dxa"))
    margins.append(_el("w:right", w=_mm_twips(cell_margin_mm), type="dxa"))
    _put_in_tblpr(tbl_pr, margins)
    for column, width_mm in zip(table.columns, widths_mm):
        column.width = Mm(width_mm)
    for row in table.rows:
        for cell, width_mm in zip(row.cells, widths_mm):
            cell.width = Mm(width_mm)


def _row_flags(row, *, header: bool = False) -> None:
    """A row never splits across pages; a header row repeats on each page."""
    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(_el("w:cantSplit"))
    if header:
        tr_pr.append(_el("w:tblHeader"))


def _shade(cell, fill: str) -> None:
    cell._tc.get_or_add_tcPr().insert_element_before(
        _el("w:shd", val="clear", color="auto", fill=fill),
        "w:noWrap", "w:tcMar", "w:textDirection", "w:tcFitText", "w:vAlign", "w:hideMark", "w:tcPrChange",
    )


def _page_field(paragraph) -> None:
    field = _el("w:fldSimple", instr="PAGE")
    run = _el("w:r")
    text = _el("w:t")
    text.text = "2"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


# --- the document ---------------------------------------------------------------------------------------------


class OfficialDocx:
    """An A4 official document in `fmt`'s system, built top to bottom."""

    def __init__(self, fmt: DocumentFormat, *, title: str = "", author: str = ""):
        self.fmt = fmt
        self.party = fmt.is_party
        self.doc = Document()
        self._setup_styles()
        self._setup_section(self.doc.sections[0])
        properties = self.doc.core_properties
        properties.title = _clean(title)
        properties.author = _clean(author)
        properties.language = "vi-VN"
        properties.comments = "Bản Word để soạn thảo; bản chính thức là bản lưu trong hệ thống."

    # page, styles, page numbers

    def _setup_styles(self) -> None:
        styles = self.doc.styles
        # The template's defaults name theme fonts, which would win over a plain font name in Word.
        defaults = styles.element.find(qn("w:docDefaults"))
        if defaults is not None:
            for fonts in defaults.iter(qn("w:rFonts")):
                for key in list(fonts.attrib):
                    del fonts.attrib[key]
                self._name_fonts(fonts)
        normal = styles["Normal"]
        normal.font.name = FONT
        normal.font.size = Pt(BODY_PT)
        r_pr = normal.element.get_or_add_rPr()
        self._name_fonts(r_pr.get_or_add_rFonts())
        lang = r_pr.find(qn("w:lang"))
        if lang is None:
            lang = _el("w:lang")
            r_pr.append(lang)
        lang.set(qn("w:val"), "vi-VN")
        fmt = normal.paragraph_format
        fmt.space_before = Pt(0)
        fmt.space_after = Pt(0)
        fmt.line_spacing = 1.1
        fmt.widow_control = True

    @staticmethod
    def _name_fonts(fonts) -> None:
        for key in ("ascii", "hAnsi", "cs", "eastAsia"):
            fonts.set(qn(f"w:{key}"), FONT)

    def _setup_section(self, section) -> None:
        section.page_width, section.page_height = Mm(PAGE_MM[0]), Mm(PAGE_MM[1])
        section.top_margin, section.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
        section.left_margin, section.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])
        section.header_distance = Mm(10)  # page numbers 10 mm from the top edge (36-HD; within Decree 30's margin)
        section.footer_distance = Mm(10)
        # Page 1 carries no number; from page 2 on, centred at the top.
        section.different_first_page_header_footer = True
        header = section.header
        header.is_linked_to_previous = False
        paragraph = header.paragraphs[0]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.style.font.size = Pt(14 if self.party else 13)
        _page_field(paragraph)
        section.first_page_header.is_linked_to_previous = False

    def new_section(self):
        """A following part on a new page (the annexed list); page numbers run on and show on its first page."""
        section = self.doc.add_section(WD_SECTION.NEW_PAGE)
        section.different_first_page_header_footer = False
        return section

    def to_bytes(self) -> bytes:
        buffer = BytesIO()
        self.doc.save(buffer)
        return buffer.getvalue()

    # paragraphs

    def paragraph(self, text: str = "", *, container=None, align: str = "justify", indent: bool = False,
                  bold: bool = False, italic: bool = False, underline: bool = False, size: float | None = None,
                  before: float = 0, after: float = 0, keep_next: bool = False, nobreak: bool = False):
        target = container if container is not None else self.doc
        paragraph = target.add_paragraph()
        pf = paragraph.paragraph_format
        pf.alignment = {
            "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
            "center": WD_ALIGN_PARAGRAPH.CENTER,
            "left": WD_ALIGN_PARAGRAPH.LEFT,
        }[align]
        pf.space_before, pf.space_after = Pt(before), Pt(after)
        if indent:
            pf.first_line_indent = Cm(1)
        if keep_next:
            pf.keep_with_next = True
        if text:
            self.run(paragraph, text, bold=bold, italic=italic, underline=underline, size=size, nobreak=nobreak)
        elif size:
            _mark_size(paragraph, size)
        return paragraph

    def run(self, paragraph, text: str, *, bold=False, italic=False, underline=False, size=None, nobreak=False):
        text = _clean(text)
        run = paragraph.add_run()
        if nobreak:
            _no_break_hyphens(run, text)
        else:
            self._text_with_codes(run, text)
        run.bold = bold or None
        run.italic = italic or None
        run.underline = underline or None
        if size:
            run.font.size = Pt(size)
        return run

    @staticmethod
    def _text_with_codes(run, text: str) -> None:
        """Plain text, except that numbers and serials in it ("05-QĐ/BDVTU", "DVK26-B6G2-JCZ2") keep their hyphens
        from breaking a line."""
        position = 0
        pieces = []
        for match in _SERIAL_OR_NUMBER.finditer(text):
            pieces.append((text[position:match.start()], False))
            pieces.append((match.group(0), True))
            position = match.end()
        pieces.append((text[position:], False))
        for piece, code in pieces:
            if not piece:
                continue
            if code:
                _no_break_hyphens(run, piece)
                continue
            for index, line in enumerate(piece.split("\n")):
                if index:
                    run._r.append(_el("w:br"))
                for position, part in enumerate(line.split("\t")):
                    if position:
                        run._r.append(_el("w:tab"))
                    if part:
                        t = _el("w:t")
                        t.text = part
                        t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
                        run._r.append(t)

    # the header grid

    def header(self, h: dict) -> None:
        """The two-column header: issuer, mark and number at left; the system's title lines and the place and
        date at right. `h` is `formats.header_context()`."""
        party = h.get("system", "party" if self.party else "state") == "party"
        left_mm, right_mm = TEXT_WIDTH_MM * 0.4, TEXT_WIDTH_MM * 0.6
        left_size = 14 if party else 13
        table = self.doc.add_table(rows=1, cols=2)
        _table_layout(table, [left_mm, right_mm], borders=False)
        left, right = table.rows[0].cells
        left_text_mm = left_mm - 3  # the PDF keeps 3 mm clear at the right of the left column
        started: set[int] = set()

        def cell_paragraph(cell, text="", *, pad_right=False, before=0, **kwargs):
            # A new cell comes with one empty paragraph: use it for the first line.
            paragraph = cell.paragraphs[0] if id(cell) not in started else cell.add_paragraph()
            started.add(id(cell))
            paragraph.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
            if pad_right:
                paragraph.paragraph_format.right_indent = Mm(3)
            paragraph.paragraph_format.space_before = Pt(before)
            if text:
                self.run(paragraph, text, **kwargs)
            return paragraph

        # The same balanced lines as the PDF ("ỦY BAN NHÂN DÂN / XÃ TỊNH KHÊ"), never Word's own break.
        for line in h.get("parent_lines") or balanced_lines((h.get("parent_body") or "").upper()):
            cell_paragraph(left, line.upper(), size=left_size, pad_right=True)
        for line in h.get("issuing_lines") or balanced_lines((h.get("issuing_body") or "").upper()) or [""]:
            cell_paragraph(left, line.upper(), bold=True, size=left_size, pad_right=True)
        mark = h.get("mark")
        if mark in ("asterisk", "asterisks"):
            cell_paragraph(left, "*" if mark == "asterisk" else "***", size=14, pad_right=True)
        elif mark == "rule":
            rule = cell_paragraph(left, pad_right=False)
            _mark_size(rule, 3)
            # A third of the line, centred over the text above it (which keeps 3 mm clear at its right).
            _bottom_rule(rule, left_text_mm / 3, left_text_mm)
            rule.paragraph_format.right_indent = Mm((left_text_mm - left_text_mm / 3) / 2 + 3)
        if h.get("number"):
            cell_paragraph(left, h["number"], size=left_size, nobreak=True, pad_right=True, before=4)

        lines = list(h.get("right_lines") or [])
        for index, line in enumerate(lines):
            if party:
                size = 15
            else:
                size = 12.5 if index == 0 else 13.5
            paragraph = cell_paragraph(right, line, bold=True, size=size)
            if index == len(lines) - 1:
                _bottom_rule(paragraph, text_width_mm(line, size, bold=True) + 1, right_mm)
        if h.get("place_date"):
            cell_paragraph(right, h["place_date"], italic=True, size=14 if party else 13.5, before=14)
        # Room under the header, as the PDF's 8 mm.
        self.paragraph(size=10, after=12)

    # title, bases, articles

    def title(self, doc_type: str, summary: str = "", more: tuple[str, ...] = (), rule: str | None = None) -> None:
        """The document type, its summary, then the Party's "-----" or the State's short rule."""
        self.paragraph(doc_type, align="center", bold=True, size=16 if self.party else 14, keep_next=True, before=2)
        for line in (summary, *more):
            if line:
                paragraph = self.paragraph(line, align="center", bold=True, keep_next=True, before=2)
                # The PDF keeps the summary within 150 mm, so a long one wraps into a centred block.
                paragraph.paragraph_format.left_indent = paragraph.paragraph_format.right_indent = Mm(7.5)
        if (rule or ("dashes" if self.party else "rule")) == "dashes":
            self.paragraph("-----", align="center", after=14, keep_next=True)
        else:
            ruled = self.paragraph(size=4, after=14, keep_next=True)
            _bottom_rule(ruled, TEXT_WIDTH_MM * 0.25, TEXT_WIDTH_MM)

    def body(self, text: str, *, lead: str = "", italic: bool = False, keep_next: bool = False, after: float = 6):
        paragraph = self.paragraph(align="justify", indent=True, after=after, keep_next=keep_next)
        if lead:
            self.run(paragraph, lead, bold=True)
            self.run(paragraph, " ")
        self.run(paragraph, text, italic=italic)
        return paragraph

    def ledger_head(self, lead: str, digest: str, check: str, url: str, *, body: bool, size: float | None = None) -> None:
        """The vote ledger's head as the PDF prints it (dvkheo.voting.checkpoint): the sentence, the 64-digit hash
        alone on its line in the PDF's monospace (Courier New, metric-compatible with Liberation Mono, at 10.5 pt:
        142 mm of the 165 mm line) and where to check it, kept together. `body`: set as the minutes' indented
        paragraphs (the closing line flush left, as the PDF sets it); else at `size`, flush left, as the lines under
        the annexed list."""
        if body:
            self.body(lead, keep_next=True, after=1)
        else:
            self.paragraph(lead, align="left", size=size, before=6, after=1, keep_next=True)
        line = self.paragraph(align="left", indent=body, after=1, keep_next=True)
        run = self.run(line, digest)
        run.font.name = MONO_FONT
        run.font.size = Pt(10.5)
        # The address is never cut at its hyphens ("binh-" "chon"): it starts a line of its own when the line
        # cannot hold it whole, as the PDF moves it.
        closing = self.paragraph(align="left", indent=body, size=size, after=6)
        lead_run = self.run(closing, f"{check} ", size=size)
        if text_width_mm(f"{check} {url}", size or BODY_PT) > TEXT_WIDTH_MM - (10 if body else 0):
            lead_run.add_break()
        self.run(closing, url, size=size)

    def bases(self, bases: list[str], considering: str = "", *, italic: bool | None = None) -> None:
        """Each basis its own paragraph: "- Căn cứ …;" upright (Party) or "Căn cứ …;" in italics (State)."""
        if italic is None:
            italic = self.fmt.basis_style == "italic"
        for text in [*bases, considering]:
            text = (text or "").strip()
            if not text:
                continue
            if self.fmt.basis_style == "dash" and not text.startswith("-"):
                text = f"- {text}"
            self.body(text, italic=italic, after=3)

    def centred_line(self, text: str, *, before: float = 12, after: float = 8) -> None:
        self.paragraph(text, align="center", bold=True, before=before, after=after, keep_next=True)

    def heading(self, text: str) -> None:
        self.paragraph(text, align="left", bold=True, before=11, after=4, keep_next=True)

    def articles(self, articles: list[dict]) -> None:
        for article in articles:
            self.body(article.get("text", ""), lead=article.get("label", ""), after=4)

    def draft_banner(self, text: str) -> None:
        paragraph = self.paragraph(text, align="center", bold=True, size=11, after=14)
        borders = _el("w:pBdr")
        for edge in ("top", "left", "bottom", "right"):
            borders.append(_el(f"w:{edge}", val="single", sz=8, space=3, color="000000"))
        _put_in_ppr(paragraph, borders)

    # signatures

    def _keep_last_paragraph_with_next(self) -> None:
        """The signature never stands alone on a page: the two paragraphs before it travel with it."""
        body = [p for p in self.doc.paragraphs if p.text.strip()]
        for paragraph in body[-2:]:
            paragraph.paragraph_format.keep_with_next = True

    def _signer(self, cell, block: dict, *, first: bool, draft_note: str = "", note: str = "",
                lines: int = 0) -> None:
        def line(text, **kwargs):
            nonlocal first
            paragraph = cell.paragraphs[0] if first else cell.add_paragraph()
            first = False
            paragraph.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
            paragraph.paragraph_format.keep_with_next = True
            if text:
                self.run(paragraph, text, **kwargs)
            return paragraph

        written = [text for text in block.get("lines", []) if text]
        for text in written:
            line(text.upper(), bold=True)
        # A signer with fewer title lines than the one beside it: names stay level.
        for _ in range(lines - len(written)):
            line("\u00a0", bold=True)
        if note:
            line(note, italic=True, size=13)
        space = line(draft_note, italic=True, size=12) if draft_note else line("")
        space.paragraph_format.space_before = Pt(20 if draft_note else 0)
        # The PDF leaves 28 mm for the signature and the seal.
        name = line(block.get("name", ""), bold=True)
        name.paragraph_format.space_before = Mm(28 - (12 if draft_note else 6))
        name.paragraph_format.keep_with_next = False

    def signature(self, signature: dict, recipients_label: str, recipients: list[str], *, draft: bool,
                  label_style: str | None = None) -> None:
        """"Nơi nhận" at left, the signer at right, in one row that does not split."""
        self._keep_last_paragraph_with_next()
        self.paragraph(size=6, after=10, keep_next=True)
        widths = [TEXT_WIDTH_MM * 0.45, TEXT_WIDTH_MM * 0.55]
        table = self.doc.add_table(rows=1, cols=2)
        _table_layout(table, widths, borders=False)
        _row_flags(table.rows[0])
        left, right = table.rows[0].cells
        label = left.paragraphs[0]
        label.paragraph_format.keep_with_next = True
        if (label_style or self.fmt.recipients_label_style) == "underline":
            self.run(label, recipients_label, underline=True, size=14)
            item_size = 12
        else:
            self.run(label, recipients_label, bold=True, italic=True, size=12)
            item_size = 11
        for item in recipients:
            paragraph = left.add_paragraph()
            paragraph.paragraph_format.keep_with_next = True
            self.run(paragraph, item, size=item_size)
        authority = signature.get("authority", "")
        self._signer(
            right,
            {"lines": [authority, signature.get("title", "")], "name": signature.get("name", "")},
            first=True,
            draft_note="(Dự thảo, chưa ký)" if draft else "",
        )

    def signatures_side_by_side(self, blocks: list[dict], recipients: tuple[str, list[str], str | None] | None = None) -> None:
        """Signers side by side (the minutes: the secretary at left, the chair at right) in one row that does not
        split; a block is {"lines": [...], "name": ..., "note": "(Ký, ghi rõ họ tên)" or ""}. "Nơi nhận" goes in the
        same row under the left signer, so no page break can part it from the signatures (LibreOffice ignores a
        keep-with-next from a table to the paragraph after it)."""
        self._keep_last_paragraph_with_next()
        self.paragraph(size=6, after=12, keep_next=True)
        width = TEXT_WIDTH_MM / max(1, len(blocks))
        table = self.doc.add_table(rows=1, cols=max(1, len(blocks)))
        _table_layout(table, [width] * len(table.columns), borders=False)
        _row_flags(table.rows[0])
        most = max((len([t for t in block.get("lines", []) if t]) for block in blocks), default=0)
        cells = table.rows[0].cells
        for cell, block in zip(cells, blocks):
            self._signer(cell, block, first=True, note=block.get("note", ""), lines=most)
        if recipients and recipients[1]:
            label, items, style = recipients
            self.recipients_block(label, items, style, container=cells[0])

    def recipients_block(self, label: str, recipients: list[str], style: str | None = None, container=None) -> None:
        """"Nơi nhận" and its list, at left, kept together."""
        if not recipients:
            return
        underline = (style or self.fmt.recipients_label_style) == "underline"
        self.paragraph(label, container=container, align="left", underline=underline, bold=not underline,
                       italic=not underline, size=14 if underline else 12, before=18, keep_next=True)
        for index, item in enumerate(recipients):
            self.paragraph(item, container=container, align="left", size=12 if underline else 11,
                           keep_next=index < len(recipients) - 1)

    # tables with borders (the annexed list, the vote results)

    def grid(self, columns: list[tuple[str, float]], rows: list, *, size: float = 12, centred: set[int] = frozenset(),
             bold_columns: set[int] = frozenset(), italic_columns: set[int] = frozenset(),
             nobreak_columns: set[int] = frozenset(), mono_columns: set[int] = frozenset()) -> None:
        """A ruled table whose header repeats on every page. `columns` are (heading, width in mm; 0 = the rest);
        a row is a list of cell texts (a cell may be (text, note) for an italic line under it) or
        {"heading": text} for a shaded group row across the table. A column in `mono_columns` prints in the PDF's
        monospace at its size (a serial)."""
        fixed = sum(width for _, width in columns)
        flexible = [i for i, (_, width) in enumerate(columns) if not width]
        rest = (TEXT_WIDTH_MM - fixed) / max(1, len(flexible))
        widths = [width or rest for _, width in columns]
        table = self.doc.add_table(rows=1, cols=len(columns))
        _table_layout(table, widths, borders=True, cell_margin_mm=1)
        _row_flags(table.rows[0], header=True)
        for cell, (heading, _) in zip(table.rows[0].cells, columns):
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            paragraph = cell.paragraphs[0]
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            self.run(paragraph, heading, bold=True, size=size)
        for row in rows:
            cells = table.add_row().cells
            _row_flags(table.rows[-1])
            for cell, width in zip(cells, widths):
                cell.width = Mm(width)
            if isinstance(row, dict):
                merged = cells[0].merge(cells[-1])
                _shade(merged, "F2F2F2")
                self.run(merged.paragraphs[0], row.get("heading", ""), bold=True, size=size)
                continue
            for index, (cell, value) in enumerate(zip(cells, row)):
                text, note = value if isinstance(value, tuple) else (value, "")
                paragraph = cell.paragraphs[0]
                if index in centred:
                    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
                run = self.run(paragraph, "" if text is None else str(text), bold=index in bold_columns,
                               italic=index in italic_columns, size=size - 1 if index in italic_columns else size,
                               nobreak=index in nobreak_columns)
                if index in mono_columns:
                    run.font.name = MONO_FONT
                    run.font.size = Pt(MONO_PT)
                if note:
                    extra = cell.add_paragraph()
                    if index in centred:
                        extra.alignment = WD_ALIGN_PARAGRAPH.CENTER
                    self.run(extra, note, italic=True, size=size - 1)


# Column widths below are the PDF stylesheets' widths plus their cell padding (3 mm).

# --- the decision --------------------------------------------------------------------------------------------


def decision_document(d: dict) -> bytes:
    """The decision and, on the following pages, its annexed list, from `decision_context()`'s values."""
    fmt = DocumentFormat.from_dict(d.get("format"))
    out = OfficialDocx(fmt, title=d.get("document_title", ""), author=(d.get("header") or {}).get("issuing_body", ""))
    out.header(d["header"])
    if d.get("is_draft"):
        out.draft_banner("DỰ THẢO - chưa ban hành, chưa có giá trị pháp lý")
    out.title(d.get("doc_type", "QUYẾT ĐỊNH"), d.get("title", ""))
    if d.get("authority_line"):
        out.centred_line(d["authority_line"], before=0, after=8)
    out.bases(d.get("legal_bases") or [], d.get("considering", ""), italic=d.get("basis_italic"))
    out.centred_line(d.get("enacting_line") or "QUYẾT ĐỊNH:")
    out.articles(d.get("articles") or [])
    out.signature(d.get("signature") or {}, d.get("recipients_label", "Nơi nhận:"), d.get("recipients") or [],
                  draft=bool(d.get("is_draft")), label_style=d.get("recipients_style"))
    annex = d.get("annex") or {}
    if annex:
        _annex(out, annex, d.get("revocation_reason", ""))
    return out.to_bytes()


def _annex(out: OfficialDocx, annex: dict, revocation_reason: str) -> None:
    out.new_section()
    label = annex.get("label") or "DANH SÁCH"
    out.paragraph(label, align="center", bold=True, keep_next=True)
    if annex.get("title"):
        out.paragraph(annex["title"], align="center", bold=True, size=13, keep_next=True)
    if annex.get("reference"):
        out.paragraph(annex["reference"], align="center", italic=True, size=13, before=2, keep_next=True)
    rule = out.paragraph(size=4, after=12, keep_next=True)
    _bottom_rule(rule, TEXT_WIDTH_MM * 0.25, TEXT_WIDTH_MM)
    revocations = annex.get("revocations") or []
    if revocations:
        if revocation_reason:
            paragraph = out.paragraph(align="justify", indent=True, after=6)
            out.run(paragraph, "Lý do thu hồi:", italic=True)
            out.run(paragraph, f" {revocation_reason}")
        # The PDF's widths (decision-pdf.css, table.revocations): the serial (30.2 mm in 9.5 pt monospace) and the
        # cited number ("01-QĐ/BDVTU)", 25.7 mm in 11 pt italic) each fit their column whole, so Word never cuts
        # them mid-word ("01-QĐ/BDV" "TU", "DVK26-YGJ2-E" "PPV").
        columns = [("STT", 13), ("Tên tập thể, cá nhân", 0), ("Chức vụ, đơn vị", 28), ("Hình thức", 30),
                   ("Nội dung thu hồi", 26), ("Số hiệu giấy khen", 34)]
        number_room = columns[3][1] - 2  # the grid's cell margins: 1 mm each side
        rows = [
            [r.get("stt"), r.get("name"), r.get("detail"),
             (r.get("form"), _cited_number(r["decision"], number_room) if r.get("decision") else ""),
             r.get("scope"), r.get("serial") or "Toàn bộ"]
            for r in revocations
        ]
        out.grid(columns, rows, centred={0}, bold_columns={1}, nobreak_columns={5}, mono_columns={5})
        count = len(revocations)
    else:
        columns = [("STT", 13), ("Tên tập thể, cá nhân", 0), ("Chức vụ, đơn vị", 39), ("Mô hình, điển hình", 45),
                   ("Hình thức", 23)]
        with_combined, with_note = annex.get("with_combined"), annex.get("with_note")
        if with_combined:
            columns.append(("Điểm kết hợp", 19))
        if with_note:
            columns.append(("Nội dung", 29))
        rows = []
        for r in annex.get("rows") or []:
            if r.get("heading"):
                rows.append({"heading": r["heading"]})
                continue
            row = [r.get("stt"), r.get("name"), r.get("detail"), r.get("model"), r.get("form")]
            if with_combined:
                row.append(r.get("combined"))
            if with_note:
                row.append(r.get("note"))
            rows.append(row)
        centred = {0, 4} | ({5} if with_combined else set())
        italic = {len(columns) - 1} if with_note else set()
        out.grid(columns, rows, centred=centred, bold_columns={1}, italic_columns=italic)
        count = sum(1 for r in annex.get("rows") or [] if not r.get("heading"))
    out.paragraph(f"Danh sách gồm {count} tập thể, cá nhân.", align="left", italic=True, size=12, before=8)
    head = annex.get("ledger_head")
    if head:
        out.ledger_head(head.get("lead", ""), head.get("hash", ""), head.get("check", ""), head.get("url", ""),
                        body=False, size=12)


def _cited_number(number: str, room_mm: float) -> str:
    """"(QĐ số 01-QĐ/BDVTU)": Word breaks it after "số" and the number fits its column whole. A number wider than
    its column ("01-QĐ/BTGDVTUQN)") starts its own line and may break after its "/" only (a zero-width space), as the
    PDF does: never at its hyphen or inside a word."""
    if text_width_mm(number + ")", 11) <= room_mm:
        return f"(QĐ số {number})"
    return "(QĐ số\n" + number.replace("/", "/\u200b") + ")"


def decision_docx(decision) -> bytes:
    from dvkheo.awards.decision_pdf import decision_context

    return decision_document(decision_context(decision))


def decision_filename(decision) -> str:
    from dvkheo.awards.decisions import pdf_filename

    return pdf_filename(decision).removesuffix(".pdf") + ".docx"


# --- the minutes ---------------------------------------------------------------------------------------------


_RESULT_WIDTHS = {"stt": 11, "title": 0, "unit": 29, "votes": 27, "percent": 17, "result": 20}
_RESULT_NOTES = {"title": "nominee", "result": "note"}  # the italic line under a cell


def _minutes_format(m: dict) -> DocumentFormat:
    """The council's system: a stored copy, a system's code, or (older minutes) the State's, as their PDF."""
    value = m.get("format")
    if isinstance(value, dict):
        return DocumentFormat.from_dict(value)
    if isinstance(value, str) and value:
        from dvkheo.documents.models import system_by_code

        system = system_by_code(value)
        if system is not None:
            return system.format
        return BUILTIN.get(value, PARTY if m.get("is_party") else STATE)
    return STATE


def _legacy_minutes(m: dict) -> dict:
    """Today's minutes context in the sectioned shape: sections of blocks, conclusion, closing, signatures."""
    absent = m.get("absent") or []
    composition = [
        {"kind": "paragraph", "text": f"Tổng số thành viên Hội đồng: {m.get('membership', 0)}; có mặt: "
                                      f"{m.get('present_count', 0)}; vắng mặt: {len(absent)}."},
        {"kind": "label", "text": "Thành viên có mặt:"},
        {"kind": "people", "entries": [{"name": p.get("name", ""), "text": f" - {p.get('role', '')}"}
                                       for p in m.get("present") or []]},
    ]
    if absent:
        composition += [
            {"kind": "label", "text": "Thành viên vắng mặt:"},
            {"kind": "people", "entries": [{"name": p.get("name", ""), "text": f" - {p.get('role', '')} ({p.get('note', '')})"}
                                           for p in absent]},
        ]
    composition.append({"kind": "paragraph", "text": f"Chủ trì cuộc họp: {m.get('chair_name') or '...'}, Chủ tịch "
                                                     f"Hội đồng. Thư ký cuộc họp: {m.get('secretary_name') or '...'}."})
    rows = m.get("rows") or []
    counted = (f"Số phiếu phát ra: {m.get('ballots_issued', 0)}; số phiếu thu về: {m.get('ballots_received', 0)} "
               f"(bỏ phiếu điện tử: {m.get('electronic', 0)}; phiếu giấy: {m.get('paper', 0)})")
    if m.get("written") is not None:
        counted += f"; số ý kiến bằng văn bản của thành viên vắng mặt được tính: {m['written']}"
    award_form = m.get("award_form", "")
    if m.get("passed_count"):
        conclusion = (f"Căn cứ kết quả bỏ phiếu kín, Hội đồng thống nhất đề nghị khen thưởng hình thức {award_form} cho "
                      f"{m['passed_count']} mô hình, điển hình “Dân vận khéo” đạt yêu cầu: "
                      f"{'; '.join(m.get('passed_titles') or [])}.")
    else:
        conclusion = ("Căn cứ kết quả bỏ phiếu kín, không có mô hình, điển hình nào đạt yêu cầu để đề nghị khen thưởng "
                      f"hình thức {award_form}.")
    columns = [{"key": "stt", "label": "STT"}, {"key": "title", "label": "Tên mô hình/điển hình"},
               {"key": "unit", "label": "Đơn vị đề nghị"}, {"key": "votes", "label": m.get("votes_header", "Số phiếu")},
               {"key": "percent", "label": "Tỷ lệ %"}, {"key": "result", "label": "Kết quả"}]
    return {
        **m,
        "summary_lines": [m.get("subtitle", ""), m.get("campaign_title", "")],
        "opening": (f"Vào lúc {m.get('meeting_time') or '...'}, ngày {m.get('meeting_date', '')}, tại "
                    f"{m.get('meeting_place', '')}, Hội đồng xét chọn mô hình, điển hình “Dân vận khéo” họp xét đề nghị "
                    f"khen thưởng hình thức {award_form}."),
        "sections": [
            {"heading": "I. THÀNH PHẦN", "blocks": composition},
            {"heading": "II. NỘI DUNG", "blocks": [
                {"kind": "paragraph", "text": f"Hội đồng xem xét {len(rows)} hồ sơ trong danh sách đề cử và tiến hành "
                                              f"bỏ phiếu kín theo quy định: {m.get('rule', '')}"},
                {"kind": "paragraph", "text": counted + "."},
            ]},
            {"heading": "III. KẾT QUẢ BỎ PHIẾU KÍN", "blocks": [{"kind": "table", "columns": columns, "rows": rows}]},
        ],
        "conclusion_heading": "IV. KẾT LUẬN",
        "conclusion": [conclusion],
        "closing": [f"Biên bản kết thúc vào lúc {m.get('closed_at', '')}; đã được thông qua trước Hội đồng và các "
                    "thành viên dự họp thống nhất."],
        "signatures": [
            {"authority": "", "title": "THƯ KÝ", "name": m.get("secretary_name", ""), "note": "(Ký, ghi rõ họ tên)"},
            {"authority": "", "title": "CHỦ TỊCH HỘI ĐỒNG", "name": m.get("chair_name", ""), "note": "(Ký, ghi rõ họ tên)"},
        ],
    }


def minutes_document(m: dict) -> bytes:
    """The minutes of the council meeting from `minutes_context()`'s values: its sections of paragraphs, lists of
    people and the results table, then the closing kept with the signatures and "Nơi nhận"."""
    if "sections" not in m:
        m = _legacy_minutes(m)
    fmt = _minutes_format(m)
    header = dict(m.get("header") or {})
    if "mark" not in header:
        header = header_context(fmt, parent_body=header.get("parent_body", ""), issuing_body=header.get("issuing_body", ""),
                                number=header.get("number", ""), place_date=header.get("place_date", ""))
    out = OfficialDocx(fmt, title=f"Biên bản họp Hội đồng xét chọn - {header.get('number', '')}",
                       author=header.get("issuing_body", ""))
    out.header(header)
    summary = m.get("summary_lines") or [m.get("summary", "")]
    out.title(m.get("title", "BIÊN BẢN"), summary[0], tuple(summary[1:]), rule=m.get("summary_rule"))
    if m.get("opening"):
        out.body(m["opening"])
    for section in m.get("sections") or []:
        out.heading(section.get("heading", ""))
        for block in section.get("blocks") or []:
            _minutes_block(out, block)
    if m.get("conclusion_heading"):
        out.heading(m["conclusion_heading"])
    for text in m.get("conclusion") or []:
        out.body(text)
    for text in m.get("closing") or []:
        out.body(text, keep_next=True)
    out.signatures_side_by_side(
        [{"lines": [s.get("authority", ""), s.get("title", "")], "name": s.get("name", ""), "note": s.get("note", "")}
         for s in m.get("signatures") or []],
        (m.get("recipients_label", "Nơi nhận:"), m.get("recipients") or [], m.get("recipients_label_style")),
    )
    return out.to_bytes()


def _minutes_block(out: OfficialDocx, block: dict) -> None:
    kind = block.get("kind")
    if kind == "paragraph":
        out.body(block.get("text", ""))
    elif kind == "label":
        out.paragraph(block.get("text", ""), align="left", bold=True, italic=True, indent=True, before=2, after=1,
                      keep_next=True)
    elif kind == "people":
        for number, person in enumerate(block.get("entries") or [], start=1):
            paragraph = out.paragraph(align="left", after=1)
            paragraph.paragraph_format.left_indent = Cm(1.8)
            paragraph.paragraph_format.first_line_indent = Cm(-0.6)
            out.run(paragraph, f"{number}. ")
            out.run(paragraph, person.get("name", ""), bold=True)
            out.run(paragraph, person.get("text", ""))
    elif kind == "ledger_head":
        out.ledger_head(block.get("text", ""), block.get("hash", ""), block.get("check", ""), block.get("url", ""),
                        body=True)
    elif kind == "table":
        columns = block.get("columns") or []
        keys = [column.get("key", "") for column in columns]
        rows = [
            [(row.get(key), row.get(_RESULT_NOTES[key]) or "") if key in _RESULT_NOTES else row.get(key) for key in keys]
            for row in block.get("rows") or []
        ]
        out.grid(
            [(column.get("label", ""), _RESULT_WIDTHS.get(key, 0)) for column, key in zip(columns, keys)],
            rows,
            centred={i for i, key in enumerate(keys) if key in ("stt", "votes", "percent", "result")},
        )


def minutes_docx(ballot) -> bytes:
    from dvkheo.council.minutes import minutes_context

    return minutes_document(minutes_context(ballot))


def minutes_filename(ballot) -> str:
    from dvkheo.council.issuer import minutes_filename as named

    return named(ballot, "docx")
