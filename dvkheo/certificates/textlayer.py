"""A certificate's variable layer written straight as PDF operators, without a layout engine.

Why: the layer is a handful of lines in boxes whose font sizes `render` has already fitted, yet WeasyPrint
spent about 9 ms laying out each one (CSS cascade, line boxes, drawing), most of a batch's time. Here each
line is measured with the font's own advance widths (fontTools), broken at spaces as CSS's
`white-space: normal` with `overflow-wrap: break-word` does, and placed by CSS's half-leading rule, so that it
lands where WeasyPrint would put it (tests/certificates/test_textlayer.py compares both, word by word). The
geometry below mirrors static/css/certificate.css and certificate-blank.css; change them together.

Whatever this writer cannot draw exactly, a character the font lacks or a combining mark that NFC leaves
alone, raises `Undrawable`, and that chunk is laid out by WeasyPrint as before. Kerning is not applied:
a line may differ from WeasyPrint's by a fraction of a millimetre.

The fonts are the faces WeasyPrint uses (fontconfig's match for "Liberation Serif", else "Tinos"), embedded
once per file as CID fonts subset to the glyphs used, with the glyph IDs kept (so a page's text never needs
rewriting) and a ToUnicode map (so the text can be searched, copied and read by the tests).
"""
from __future__ import annotations

import io
import math
import subprocess
import unicodedata
import zlib
from dataclasses import dataclass, field
from functools import lru_cache

from dvkheo.certificates import layout as blank_layout

MM = 72 / 25.4
PAGE_WIDTH_PT = blank_layout.PAGE_WIDTH_MM * MM
PAGE_HEIGHT_PT = blank_layout.PAGE_HEIGHT_MM * MM
FAMILIES = ("Liberation Serif", "Tinos")
STYLES = {
    "regular": "Regular",
    "bold": "Bold",
    "italic": "Italic",
    "bold_italic": "Bold Italic",
}
RESOURCE_NAMES = {"regular": "/DVKR", "bold": "/DVKB", "italic": "/DVKI", "bold_italic": "/DVKBI"}
MARK_STATE = "/DVKMark"
MARK_OPACITY = 0.55

INK = (0x1F, 0x1A, 0x17)
RED = (0xC4, 0x16, 0x1C)
DARK_RED = (0x7D, 0x12, 0x10)
GREY = (0x3B, 0x38, 0x35)
BLACK = (0, 0, 0)
NAME_COLOURS = {"classic_red": DARK_RED, "gold": (0x4A, 0x32, 0x06), "blue": (0x0F, 0x2F, 0x6B)}


class Undrawable(ValueError):
    """This text needs a real layout engine (a glyph the font lacks, a mark NFC cannot compose)."""


# --- fonts ----------------------------------------------------------------------------------------------


@dataclass
class Face:
    style: str
    path: str
    postscript_name: str
    units_per_em: int
    ascent: float  # em, as the line box uses it (hhea, as HarfBuzz reads it for these fonts)
    descent: float  # em, positive
    cmap: dict[int, int]
    advances: list[int]  # by glyph ID, font units
    bbox: tuple[int, int, int, int]
    italic_angle: float
    cap_height: int

    def glyphs(self, text: str) -> list[int]:
        cmap = self.cmap
        try:
            return [cmap[ord(char)] for char in text]
        except KeyError as missing:
            raise Undrawable(f"no glyph for U+{missing.args[0]:04X} in {self.postscript_name}") from None

    def width(self, text: str, size: float, spacing: float = 0.0) -> float:
        """The advance of `text` in points; CSS letter-spacing is added after every character, the last one too."""
        advances, cmap = self.advances, self.cmap
        try:
            units = sum(advances[cmap[ord(char)]] for char in text)
        except KeyError as missing:
            raise Undrawable(f"no glyph for U+{missing.args[0]:04X} in {self.postscript_name}") from None
        return units * size / self.units_per_em + spacing * len(text)


def _font_file(style: str) -> str | None:
    for family in FAMILIES:
        try:
            found = subprocess.run(
                ["fc-match", "-f", "%{family}\n%{file}", f"{family}:style={STYLES[style]}"],
                capture_output=True, text=True, timeout=10, check=True,
            ).stdout.splitlines()
        except (OSError, subprocess.SubprocessError):
            return None
        if len(found) == 2 and family in found[0].split(",") and found[1].lower().endswith(".ttf"):
            return found[1]
    return None


@lru_cache(maxsize=None)
def load_face(style: str) -> Face | None:
    """The face WeasyPrint would pick for `style`, or None when the machine lacks it (then WeasyPrint draws)."""
    from fontTools.ttLib import TTFont

    path = _font_file(style)
    if path is None:
        return None
    font = TTFont(path, lazy=True)
    units = font["head"].unitsPerEm
    hhea = font["hhea"]
    order = font.getGlyphOrder()
    glyph_ids = {name: index for index, name in enumerate(order)}
    metrics = font["hmtx"].metrics
    head = font["head"]
    os2 = font["OS/2"]
    face = Face(
        style=style,
        path=path,
        postscript_name=str(font["name"].getDebugName(6) or f"LiberationSerif-{STYLES[style]}").replace(" ", ""),
        units_per_em=units,
        ascent=hhea.ascent / units,
        descent=-hhea.descent / units,
        cmap={codepoint: glyph_ids[name] for codepoint, name in font.getBestCmap().items()},
        advances=[metrics[name][0] for name in order],
        bbox=(head.xMin, head.yMin, head.xMax, head.yMax),
        italic_angle=float(font["post"].italicAngle),
        cap_height=int(getattr(os2, "sCapHeight", 0) or hhea.ascent * 0.66),
    )
    font.close()
    return face


def faces_available() -> bool:
    return all(load_face(style) is not None for style in STYLES)


class FontSet:
    """The faces of one output file and the glyphs its pages used: written once, subset, at the end."""

    def __init__(self):
        self.used: dict[str, dict[int, str]] = {}

    def face(self, style: str) -> Face:
        face = load_face(style)
        if face is None:
            raise Undrawable(f"font for {style} not installed")
        return face

    def encode(self, face: Face, text: str) -> bytes:
        glyphs = face.glyphs(text)
        used = self.used.setdefault(face.style, {})
        for glyph, char in zip(glyphs, text):
            used.setdefault(glyph, char)
        return b"<" + "".join(f"{glyph:04X}" for glyph in glyphs).encode("ascii") + b">"

    def font_objects(self, new_id, write_object, write_stream) -> dict[str, int]:
        """Write every used face (Type 0, CIDFontType2, Identity-H); returns {resource name: object id}."""
        from pypdf.generic import ArrayObject, DictionaryObject, FloatObject, NameObject, NumberObject, TextStringObject

        def name(value: str) -> NameObject:
            return NameObject(value)

        written: dict[str, int] = {}
        for style, used in sorted(self.used.items()):
            face = load_face(style)
            tag = _subset_tag(style, used)
            base_font = name(f"/{tag}+{face.postscript_name}")
            file_id, descriptor_id, cid_id, unicode_id, font_id = (new_id() for _ in range(5))
            data = _subset(face.path, sorted(used))
            write_stream(file_id, data, DictionaryObject({name("/Length1"): NumberObject(len(data))}))
            scale = 1000 / face.units_per_em
            write_object(descriptor_id, DictionaryObject({
                name("/Type"): name("/FontDescriptor"),
                name("/FontName"): base_font,
                name("/Flags"): NumberObject(4 | (64 if "italic" in style else 0)),
                name("/FontBBox"): ArrayObject(NumberObject(round(v * scale)) for v in face.bbox),
                name("/ItalicAngle"): FloatObject(face.italic_angle),
                name("/Ascent"): NumberObject(round(face.ascent * 1000)),
                name("/Descent"): NumberObject(-round(face.descent * 1000)),
                name("/CapHeight"): NumberObject(round(face.cap_height * scale)),
                name("/StemV"): NumberObject(120 if "bold" in style else 80),
                name("/FontFile2"): _ref(file_id),
            }))
            widths = ArrayObject()
            for glyph in sorted(used):
                widths.extend([NumberObject(glyph),
                               ArrayObject([NumberObject(round(face.advances[glyph] * scale))])])
            write_object(cid_id, DictionaryObject({
                name("/Type"): name("/Font"),
                name("/Subtype"): name("/CIDFontType2"),
                name("/BaseFont"): base_font,
                name("/CIDSystemInfo"): DictionaryObject({
                    name("/Registry"): TextStringObject("Adobe"),
                    name("/Ordering"): TextStringObject("Identity"),
                    name("/Supplement"): NumberObject(0),
                }),
                name("/FontDescriptor"): _ref(descriptor_id),
                name("/W"): widths,
                name("/CIDToGIDMap"): name("/Identity"),
            }))
            write_stream(unicode_id, _to_unicode(used))
            write_object(font_id, DictionaryObject({
                name("/Type"): name("/Font"),
                name("/Subtype"): name("/Type0"),
                name("/BaseFont"): base_font,
                name("/Encoding"): name("/Identity-H"),
                name("/DescendantFonts"): ArrayObject([_ref(cid_id)]),
                name("/ToUnicode"): _ref(unicode_id),
            }))
            written[RESOURCE_NAMES[style]] = font_id
        return written


def _ref(object_id: int):
    from dvkheo.certificates.batch import Renumbered

    return Renumbered(object_id, 0, None)


def _subset_tag(style: str, used: dict[int, str]) -> str:
    import hashlib

    digest = hashlib.sha256(f"{style}:{sorted(used)}".encode()).digest()
    return "".join(chr(ord("A") + byte % 26) for byte in digest[:6])


@lru_cache(maxsize=32)
def _subset_cached(path: str, glyphs: tuple[int, ...]) -> bytes:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.retain_gids = True  # the pages name glyphs by their IDs in the whole font
    options.notdef_outline = True
    options.hinting = False
    options.layout_features = []
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "kern", "FFTM", "DSIG"]
    options.name_IDs = [1, 2, 3, 4, 6]
    font = TTFont(path, lazy=True)
    subsetter = subset.Subsetter(options)
    subsetter.populate(gids=list(glyphs))
    subsetter.subset(font)
    buffer = io.BytesIO()
    font.save(buffer)
    font.close()
    return buffer.getvalue()


def _subset(path: str, glyphs: list[int]) -> bytes:
    return _subset_cached(path, tuple(glyphs))


def _to_unicode(used: dict[int, str]) -> bytes:
    entries = sorted(used.items())
    lines = [
        b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap",
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
        b"/CMapName /Adobe-Identity-UCS def /CMapType 2 def",
        b"1 begincodespacerange <0000> <FFFF> endcodespacerange",
    ]
    for start in range(0, len(entries), 100):
        block = entries[start:start + 100]
        lines.append(b"%d beginbfchar" % len(block))
        for glyph, char in block:
            lines.append(b"<%04X> <%s>" % (glyph, char.encode("utf-16-be").hex().upper().encode("ascii")))
        lines.append(b"endbfchar")
    lines.append(b"endcmap CMapName currentdict /CMap defineresource pop end end")
    return b"\n".join(lines)


# --- text in boxes ------------------------------------------------------------------------------------------


def clean(text: str) -> str:
    """What CSS shows of `text`: NFC, white space collapsed; a combining mark left over cannot be drawn here."""
    text = " ".join(unicodedata.normalize("NFC", text or "").split())
    if any(unicodedata.combining(char) for char in text):
        raise Undrawable("combining mark")
    return text


def wrap(face: Face, text: str, size: float, width: float, *, spacing: float = 0.0, nowrap: bool = False,
         anywhere: bool = False) -> list[str]:
    """Lines of `text` in a box `width` points wide, broken greedily at spaces (a word wider than the box breaks
    between characters, as `overflow-wrap: break-word` does; with `anywhere`, a line breaks wherever it is full)."""
    if not text:
        return []
    if nowrap:
        return [text]
    if anywhere:
        return _break_characters(face, text, size, width, spacing)
    space = face.width(" ", size, spacing)
    lines: list[str] = []
    current, used = "", 0.0
    for word in text.split(" "):
        word_width = face.width(word, size, spacing)
        if current and used + space + word_width <= width + 0.01:
            current, used = f"{current} {word}", used + space + word_width
            continue
        if current:
            lines.append(current)
        if word_width > width + 0.01:
            *full, word = _break_characters(face, word, size, width, spacing)
            lines.extend(full)
            word_width = face.width(word, size, spacing)
        current, used = word, word_width
    lines.append(current)
    return lines


def _break_characters(face: Face, text: str, size: float, width: float, spacing: float) -> list[str]:
    lines, current, used = [], "", 0.0
    for char in text:
        advance = face.width(char, size, spacing)
        if current and used + advance > width + 0.01:
            lines.append(current)
            current, used = "", 0.0
        if not current and char == " ":
            continue
        current, used = current + char, used + advance
    if current:
        lines.append(current)
    return lines


@dataclass
class Paragraph:
    text: str
    size: float
    style: str = "regular"
    line_height: float = 1.25
    colour: tuple[int, int, int] = INK
    align: str = "left"
    spacing: float = 0.0
    margin_top_mm: float = 0.0
    margin_bottom_mm: float = 0.0
    nowrap: bool = False
    anywhere: bool = False


@dataclass
class Canvas:
    """The operators of one page's variable layer, in CSS's coordinates (mm from the top-left corner)."""

    fonts: FontSet
    parts: list[bytes] = field(default_factory=list)
    uses_mark: bool = False

    def text_line(self, face: Face, text: str, size: float, x_pt: float, baseline_mm: float,
                  colour: tuple[int, int, int], spacing: float = 0.0) -> None:
        y = PAGE_HEIGHT_PT - baseline_mm * MM
        self.parts.append(
            b"BT %.3f %.3f %.3f rg %s %.2f Tf %.3f Tc 1 0 0 1 %.3f %.3f Tm %s Tj ET\n" % (
                colour[0] / 255, colour[1] / 255, colour[2] / 255,
                RESOURCE_NAMES[face.style].encode(), size, spacing, x_pt, y, self.fonts.encode(face, text)))

    def flow(self, paragraphs: list[Paragraph], left_mm: float, top_mm: float, width_mm: float) -> float:
        """Paragraphs one under another in a box (margins collapse as CSS's do); returns the bottom (mm)."""
        y = top_mm
        pending_margin = 0.0
        first = True
        for paragraph in paragraphs:
            if not paragraph.text:
                continue
            face = self.fonts.face(paragraph.style)
            y += paragraph.margin_top_mm if first else max(pending_margin, paragraph.margin_top_mm)
            first = False
            line_box_mm = paragraph.size * paragraph.line_height / MM
            half_leading = (line_box_mm - (face.ascent + face.descent) * paragraph.size / MM) / 2
            for line in wrap(face, paragraph.text, paragraph.size, width_mm * MM, spacing=paragraph.spacing,
                             nowrap=paragraph.nowrap, anywhere=paragraph.anywhere):
                line_width = face.width(line, paragraph.size, paragraph.spacing)
                x = left_mm * MM
                if paragraph.align == "center":
                    x += (width_mm * MM - line_width) / 2
                elif paragraph.align == "right":
                    x += width_mm * MM - line_width
                self.text_line(face, line, paragraph.size, x, y + half_leading + face.ascent * paragraph.size / MM,
                               paragraph.colour, paragraph.spacing)
                y += line_box_mm
            pending_margin = paragraph.margin_bottom_mm
        return y + pending_margin

    def label_box(self, text: str, *, right_mm: float, top_mm: float, size: float, spacing: float,
                  padding_mm: tuple[float, float], border_pt: float, radius_mm: float, colour) -> None:
        """A bold word in a rounded frame, its right edge `right_mm` from the page's right (the reissue tag)."""
        face = self.fonts.face("bold")
        text_width = face.width(text, size, spacing)
        width = text_width + 2 * padding_mm[1] * MM + 2 * border_pt
        height = size * 1.25 + 2 * padding_mm[0] * MM + 2 * border_pt
        left = PAGE_WIDTH_PT - right_mm * MM - width
        top = top_mm * MM
        self._rounded_rect(left + border_pt / 2, top + border_pt / 2, width - border_pt, height - border_pt,
                           radius_mm * MM, border_pt, colour)
        baseline_pt = top + border_pt + padding_mm[0] * MM + (size * 1.25 - (face.ascent + face.descent) * size) / 2 \
            + face.ascent * size
        self.text_line(face, text, size, left + border_pt + padding_mm[1] * MM, baseline_pt / MM, colour, spacing)

    def status_mark(self, text: str, top_mm: float, left_offset_mm: float) -> None:
        """"ĐÃ THU HỒI" across the page at −14°, translucent, as static/css/certificate-stamp.css draws it."""
        face = self.fonts.face("bold")
        size, spacing, border = 64.0, 4.0, 3.0
        padding_v, padding_h = 2 * MM, 9 * MM
        text_width = face.width(text, size, spacing)
        width = text_width + 2 * padding_h + 2 * border
        height = size * 1.25 + 2 * padding_v + 2 * border
        centre_x = left_offset_mm * MM + PAGE_WIDTH_PT / 2
        centre_y = PAGE_HEIGHT_PT - (top_mm * MM + height / 2)
        angle = math.radians(14)
        cos, sin = math.cos(angle), math.sin(angle)
        self.uses_mark = True
        # Rotate about the box's centre, then draw as if upright with the centre at the origin (y up).
        self.parts.append(b"q %s gs %.5f %.5f %.5f %.5f %.3f %.3f cm\n" % (
            MARK_STATE.encode(), cos, sin, -sin, cos, centre_x, centre_y))
        colour = RED
        self._rounded_path(-width / 2 + border / 2, -height / 2 + border / 2, width - border, height - border,
                           3 * MM)
        self.parts.append(b"%.3f %.3f %.3f RG %.2f w S\n" % (colour[0] / 255, colour[1] / 255, colour[2] / 255, border))
        baseline_from_top = border + padding_v + (size * 1.25 - (face.ascent + face.descent) * size) / 2 + face.ascent * size
        self.parts.append(
            b"BT %.3f %.3f %.3f rg %s %.2f Tf %.3f Tc 1 0 0 1 %.3f %.3f Tm %s Tj ET\nQ\n" % (
                colour[0] / 255, colour[1] / 255, colour[2] / 255, RESOURCE_NAMES["bold"].encode(), size, spacing,
                -width / 2 + border + padding_h, height / 2 - baseline_from_top, self.fonts.encode(face, text)))

    def _rounded_rect(self, left: float, top: float, width: float, height: float, radius: float, line_width: float,
                      colour) -> None:
        """Stroke a rounded rectangle given in points from the page's top-left corner."""
        self.parts.append(b"q 1 0 0 1 %.3f %.3f cm\n" % (left, PAGE_HEIGHT_PT - top - height))
        self._rounded_path(0, 0, width, height, radius)
        self.parts.append(b"%.3f %.3f %.3f RG %.2f w S Q\n" % (
            colour[0] / 255, colour[1] / 255, colour[2] / 255, line_width))

    def _rounded_path(self, x: float, y: float, width: float, height: float, radius: float) -> None:
        radius = min(radius, width / 2, height / 2)
        k = radius * 0.5523  # the Bézier handle of a quarter circle
        right, top = x + width, y + height
        self.parts.append(
            (b"%.3f %.3f m %.3f %.3f l %.3f %.3f %.3f %.3f %.3f %.3f c %.3f %.3f l %.3f %.3f %.3f %.3f %.3f %.3f c "
             b"%.3f %.3f l %.3f %.3f %.3f %.3f %.3f %.3f c %.3f %.3f l %.3f %.3f %.3f %.3f %.3f %.3f c h\n") % (
                x + radius, y, right - radius, y,
                right - radius + k, y, right, y + radius - k, right, y + radius,
                right, top - radius,
                right, top - radius + k, right - radius + k, top, right - radius, top,
                x + radius, top,
                x + radius - k, top, x, top - radius + k, x, top - radius,
                x, y + radius,
                x, y + radius - k, x + radius - k, y, x + radius, y))

    def content(self) -> bytes:
        return b"".join(self.parts)


# --- the two sheets -----------------------------------------------------------------------------------------

# Plain paper (static/css/certificate.css): the body's box, the references' box, the reissue tag.
BODY_LEFT_MM, BODY_WIDTH_MM = 41.5, 214.0
REFS_LEFT_MM, REFS_TOP_MM, REFS_WIDTH_MM = 51.5, 165.0, 100.0
MARK_TOP_MM = 78.0
BLANK_LINE_HEIGHTS = {"recipient_name": 1.15, "reason": 1.3, "reissue_note": 1.2}


def plain_layer(sheet: dict, fonts: FontSet) -> Canvas:
    """The variable layer of a plain certificate (what `certificate.html` draws with layer="variable")."""
    fields, sizes = sheet["fields"], sheet["sizes"]
    offset_x, offset_y = sheet["offset_x_mm"], sheet["offset_y_mm"]
    canvas = Canvas(fonts)
    if fields["reissue_note"]:
        canvas.label_box("CẤP LẠI", right_mm=26 - offset_x, top_mm=20 + offset_y, size=12, spacing=1.5,
                         padding_mm=(1, 3), border_pt=1.2, radius_mm=1.5, colour=RED)
    name, detail, reason = sizes["name"], sizes["detail"], sizes["reason"]
    canvas.flow([
        Paragraph("Tặng", 16, "italic", 1.25, align="center", margin_bottom_mm=1.5),
        Paragraph(clean(fields["recipient_name"]), name.size_pt, "bold", name.line_height,
                  colour=NAME_COLOURS.get(sheet.get("design"), INK), align="center"),
        Paragraph(clean(fields["recipient_detail"]), detail.size_pt, "italic", 1.25, align="center", margin_top_mm=1),
        Paragraph(clean(fields["reason"]), reason.size_pt, "regular", reason.line_height, align="center",
                  margin_top_mm=3),
    ], BODY_LEFT_MM + offset_x, sizes["body_top_mm"] + offset_y, BODY_WIDTH_MM)
    canvas.flow([
        Paragraph(clean(fields["serial"]), 11.5, "bold", 1.3, spacing=0.3, nowrap=True),
        Paragraph(clean(fields["reissue_note"]), 9.5, "italic", 1.2, colour=DARK_RED, margin_top_mm=0.3,
                  margin_bottom_mm=0.6),
        Paragraph("Tra cứu, xác thực: quét mã QR hoặc truy cập", 8.5, "regular", 1.3, colour=GREY),
        Paragraph(clean(fields["verify_url"]), 8.5, "regular", 1.3, colour=GREY, anywhere=True),
    ], REFS_LEFT_MM + offset_x, REFS_TOP_MM + offset_y, REFS_WIDTH_MM)
    if sheet.get("mark"):
        canvas.status_mark(sheet["mark"], MARK_TOP_MM + offset_y, offset_x)
    return canvas


def blank_layer(sheet: dict, fonts: FontSet) -> Canvas:
    """The fields of a pre-printed blank, each in its box (`blank.html`), shifted by the printer's offsets."""
    canvas = Canvas(fonts)
    offset_x, offset_y = sheet["offset_x_mm"], sheet["offset_y_mm"]
    for item in sheet["blank_fields"]:
        box = item["box"]
        style = ("bold_italic" if box.italic else "bold") if box.bold else ("italic" if box.italic else "regular")
        canvas.flow([Paragraph(
            clean(item["text"]), item["size"], style, BLANK_LINE_HEIGHTS.get(item["name"], 1.25), colour=BLACK,
            align=box.align if box.align in blank_layout.ALIGNMENTS else "center",
            spacing=0.3 if item["name"] == "serial" else 0.0, nowrap=item["name"] == "serial",
        )], box.x + offset_x, box.y + offset_y, box.w)
    if sheet.get("mark"):
        canvas.status_mark(sheet["mark"], MARK_TOP_MM, 0.0)
    return canvas


def layer_for(sheet: dict, fonts: FontSet) -> Canvas:
    """The page's variable layer, or `Undrawable` (nothing is recorded in `fonts` then)."""
    snapshot = {style: dict(used) for style, used in fonts.used.items()}
    try:
        if sheet.get("blank_fields") is not None:
            return blank_layer(sheet, fonts)
        return plain_layer(sheet, fonts)
    except Undrawable:
        fonts.used = snapshot
        raise


def compress(data: bytes) -> bytes:
    return zlib.compress(data, 6)
