"""How an issuing body writes its official documents: the Party's (Hướng dẫn 36-HD/VPTW), the State's
(Nghị định 30/2020/NĐ-CP) or a custom system an administrator defines (a mass organisation).

A `DocumentFormat` is plain data. A `DocumentSystem` row holds one (an administrator edits it), and a decision
keeps a copy of the one it was drafted in, so an issued decision reads the same even after the system is edited.
Every printed or exported document (PDF, .docx, the web preview) asks this module how to write the number, the
date in running text, the authority prefix, "Nơi nhận" and the archive line; no template decides it alone.
The sources are summarised in dvkheo/documents/FORMATS.md.
"""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from datetime import date

from dvkheo.core.text import fold

# A date cited in running text, as typed or as generated: "ngày 15/6/2022" or "ngày 15 tháng 6 năm 2022". Only after
# "ngày", so that a symbol such as "06/2022/QH15" is never read as a date. `lead` is the word before it with what
# separates them (", " or " "): after a document's number the Party writes a comma, the State none.
_RUNNING_DATE = re.compile(
    r"(?P<lead>(?P<word>[^\s,]+)(?P<gap>\s*,\s*|\s+))?"
    r"(?<!\w)(?P<ngay>[Nn]gày)\s+"
    r"(?:(?P<d>\d{1,2})\s*(?P<sep>[/.-])\s*(?P<m>\d{1,2})\s*(?P=sep)\s*(?P<y>\d{4})"
    r"|(?P<ld>\d{1,2})\s+tháng\s+(?P<lm>\d{1,2})\s*,?\s+năm\s+(?P<ly>\d{4}))(?!\d)"
)
# "06/2022/QH15", "11-CT/TU", "05/QĐ-UBND": a document's number or symbol, after which the date follows directly.
_DOCUMENT_NUMBER = re.compile(r"\d.*/|/.*\d")

# The keys of `authority_prefixes`: the names of dvkheo.awards.models.SignerPrefix.
PREFIX_KEYS = ("ON_BEHALF_OF_COLLECTIVE", "DEPUTY", "BY_ORDER", "AUTHORISED", "ACTING")

ISSUER_MARKS = {
    "asterisk": "Dấu sao (*) dưới tên cơ quan (Đảng)",
    "asterisks": "Ba dấu sao (***) dưới tên cơ quan (Đoàn)",
    "rule": "Gạch ngang dưới tên cơ quan (Nhà nước)",
    "none": "Không có",
}
RECIPIENT_LABEL_STYLES = {
    "underline": "“Nơi nhận:” gạch chân, chữ đứng (Đảng)",
    "bold_italic": "“Nơi nhận:” in đậm, nghiêng (Nhà nước)",
}
RUNNING_DATE_STYLES = {
    "short": "Quyết định số 05-QĐ/BDVTU, ngày 03/12/2026 của … (Đảng)",
    "long": "Quyết định số 05/QĐ-UBND ngày 03 tháng 12 năm 2026 của … (Nhà nước)",
}
BASIS_STYLES = {
    "dash": "Mỗi căn cứ bắt đầu bằng “- ”, chữ đứng (Đảng)",
    "italic": "Căn cứ in nghiêng, không gạch đầu dòng (Nhà nước)",
}
ENACTING_STYLES = {
    "authority": "“BAN DÂN VẬN TỈNH ỦY QUYẾT ĐỊNH” (Đảng)",
    "colon": "“QUYẾT ĐỊNH:” dưới dòng thẩm quyền (Nhà nước)",
}
NUMERALS = {"arabic": "Phụ lục 1, 2 (số Ả Rập)", "roman": "Phụ lục I, II (số La Mã)"}
EMBLEMS = {"party": "Biểu tượng Đảng (búa liềm)", "state": "Quốc huy", "none": "Không có"}


@dataclass(frozen=True)
class DocumentFormat:
    code: str
    name: str
    # Right column of the header, top to bottom; the last line is ruled.
    header_lines: tuple[str, ...]
    issuer_mark: str
    # "{n}" the zero-padded number, "{type}" the document type code (QĐ, BB), "{body}" the issuer's code.
    number_pattern: str
    number_lead: str  # "Số " (Party) or "Số: " (State)
    authority_prefixes: dict[str, str] = field(default_factory=dict)
    recipients_label_style: str = "underline"
    recipient_end: str = ","
    archive_pattern: str = "- Lưu {archive}."
    default_archive: str = "VT"
    running_date: str = "short"
    basis_style: str = "dash"
    enacting: str = "authority"
    summary_lead: str = "về việc"
    appendix_numerals: str = "arabic"
    certificate_lines: tuple[str, ...] = ()
    emblem: str = "none"

    # --- the number ---------------------------------------------------------------------------------

    def number(self, number: int | None, type_code: str, body: str) -> str:
        """"05-QĐ/BDVTU" (Party), "05/QĐ-UBND" (State); a draft has no number yet: "…-QĐ/BDVTU"."""
        n = "…" if number is None else f"{number:02d}"
        return self.number_pattern.format(n=n, type=type_code, body=body)

    def number_line(self, number: int | None, type_code: str, body: str) -> str:
        return f"{self.number_lead}{self.number(number, type_code, body)}"

    # --- dates and citations ------------------------------------------------------------------------

    def running_date_text(self, value: date) -> str:
        """The date of a cited document, with what precedes it: ", ngày 03/12/2026" or " ngày 03 tháng 12 năm 2026"."""
        if self.running_date == "long":
            month = f"{value.month:02d}" if value.month < 3 else str(value.month)
            return f" ngày {value.day:02d} tháng {month} năm {value.year}"
        return f", ngày {value.day:02d}/{value.month}/{value.year}"

    def with_running_dates(self, text: str) -> str:
        """Every date cited in `text` in this system's running style, however it was typed: the Party's
        "Luật … số 06/2022/QH15, ngày 15/6/2022", the State's "Luật … số 06/2022/QH15 ngày 15 tháng 6 năm 2022".

        Only a date after "ngày" is rewritten, and only one that exists; the comma before "ngày" is set (Party) or
        dropped (State) only after a document's number, anywhere else the words around the date are left as typed."""

        def rewrite(match: re.Match) -> str:
            day, month, year = (match.group("d"), match.group("m"), match.group("y")) if match.group("d") else (
                match.group("ld"), match.group("lm"), match.group("ly"))
            try:
                value = date(int(year), int(month), int(day))
            except ValueError:
                return match.group(0)
            dated = self.running_date_text(value)  # ", ngày 15/6/2022" or " ngày 15 tháng 6 năm 2022"
            words = dated.lstrip(", ")
            if match.group("ngay")[0].isupper():
                words = words[0].upper() + words[1:]
            if match.group("lead") is None:
                return words
            word, gap = match.group("word"), match.group("gap")
            if _DOCUMENT_NUMBER.search(word):
                return word + dated
            return word + gap + words

        return _RUNNING_DATE.sub(rewrite, text or "")

    def citation(self, kind: str, number_text: str, on: date | None, issuer: str) -> str:
        """"Quyết định số 05-QĐ/BDVTU, ngày 03/12/2026 của Ban Dân vận Tỉnh ủy": the issuer as written in a sentence."""
        text = f"{kind} số {number_text}"
        if on is not None:
            text += self.running_date_text(on)
        if issuer:
            text += f" của {issuer}"
        return text

    # --- signature, recipients, appendix ------------------------------------------------------------

    def prefix(self, prefix_name: str) -> str:
        return self.authority_prefixes.get(prefix_name, "")

    def recipient_lines(self, lines: list[str], archive: str | None = None) -> list[str]:
        """Each recipient on its own line, "- " first and this system's ending; the archive line last.

        A typed archive line ("Lưu: VT." or "- Lưu VT, VP.") is rewritten in this system's shape."""
        items: list[str] = []
        typed_archive = None
        for raw in lines:
            text = raw.strip().lstrip("-–").strip().rstrip(",;.").strip()
            if not text:
                continue
            if text.lower().startswith("lưu"):
                typed_archive = text[3:].lstrip(" :").strip()
                continue
            items.append(f"- {text}{self.recipient_end}")
        items.append(self.archive_line(typed_archive or archive or self.default_archive))
        return items

    def archive_line(self, archive: str) -> str:
        return self.archive_pattern.format(archive=archive.strip().rstrip(".") or self.default_archive)

    def appendix_label(self, index: int) -> str:
        return f"Phụ lục {_roman(index) if self.appendix_numerals == 'roman' else index}"

    def as_dict(self) -> dict:
        values = dataclasses.asdict(self)
        values["header_lines"] = list(self.header_lines)
        values["certificate_lines"] = list(self.certificate_lines)
        return values

    @classmethod
    def from_dict(cls, values: dict | None) -> "DocumentFormat":
        """A stored copy; unknown keys are ignored and missing ones fall back to the Party format's."""
        if not values:
            return PARTY
        known = {f.name for f in dataclasses.fields(cls)}
        merged = {**PARTY.as_dict(), **{key: value for key, value in values.items() if key in known}}
        merged["header_lines"] = tuple(merged["header_lines"] or ())
        merged["certificate_lines"] = tuple(merged["certificate_lines"] or ())
        merged["authority_prefixes"] = dict(merged["authority_prefixes"] or {})
        return cls(**merged)

    @property
    def is_party(self) -> bool:
        return self.issuer_mark in ("asterisk", "asterisks")


def _roman(number: int) -> str:
    numerals = ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))
    result = ""
    for value, letters in numerals:
        while number >= value:
            result += letters
            number -= value
    return result


PARTY = DocumentFormat(
    code="party",
    name="Văn bản của Đảng (Hướng dẫn 36-HD/VPTW)",
    header_lines=("ĐẢNG CỘNG SẢN VIỆT NAM",),
    issuer_mark="asterisk",
    number_pattern="{n}-{type}/{body}",
    number_lead="Số ",
    authority_prefixes={
        "ON_BEHALF_OF_COLLECTIVE": "T/M",
        "DEPUTY": "K/T",
        "BY_ORDER": "T/L",
        "AUTHORISED": "T/UQ",
        "ACTING": "Q.",
    },
    recipients_label_style="underline",
    recipient_end=",",
    archive_pattern="- Lưu {archive}.",
    default_archive="VT",
    running_date="short",
    basis_style="dash",
    enacting="authority",
    summary_lead="về việc",
    appendix_numerals="arabic",
    certificate_lines=("ĐẢNG CỘNG SẢN VIỆT NAM",),
    emblem="party",
)

STATE = DocumentFormat(
    code="state",
    name="Văn bản hành chính nhà nước (Nghị định 30/2020/NĐ-CP)",
    header_lines=("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"),
    issuer_mark="rule",
    number_pattern="{n}/{type}-{body}",
    number_lead="Số: ",
    authority_prefixes={
        "ON_BEHALF_OF_COLLECTIVE": "TM.",
        "DEPUTY": "KT.",
        "BY_ORDER": "TL.",
        "AUTHORISED": "TUQ.",
        "ACTING": "Q.",
    },
    recipients_label_style="bold_italic",
    recipient_end=";",
    archive_pattern="- Lưu: {archive}.",
    default_archive="VT",
    running_date="long",
    basis_style="italic",
    enacting="colon",
    summary_lead="Về việc",
    appendix_numerals="roman",
    certificate_lines=("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"),
    emblem="state",
)

# An example an administrator starts from for the Youth Union (Quy định 367-QĐ/TWĐTN-VP).
YOUTH_UNION = dataclasses.replace(
    PARTY,
    code="youth",
    name="Văn bản của Đoàn TNCS Hồ Chí Minh",
    header_lines=("ĐOÀN TNCS HỒ CHÍ MINH",),
    issuer_mark="asterisks",
    number_lead="Số: ",
    authority_prefixes=dict(STATE.authority_prefixes),  # "TM.", "KT.": the Youth Union writes them as the State does
    recipients_label_style="bold_italic",
    recipient_end=";",
    archive_pattern="- Lưu {archive}.",
    summary_lead="về việc",
    certificate_lines=("ĐOÀN TNCS HỒ CHÍ MINH",),
    emblem="none",
)

BUILTIN = {PARTY.code: PARTY, STATE.code: STATE}


@dataclass(frozen=True)
class IssuerExample:
    """A believable issuer in a system, for the editors' hints and the samples: a Party body's examples shown to a
    People's Committee (or the reverse) would teach the wrong header."""

    parent_body: str
    issuing_body: str
    code: str
    in_text: str
    place: str
    archive: str
    collective: str  # after T/M or TM.
    head: str  # the head's title, who signs directly
    deputy: str


ISSUER_EXAMPLES = {
    # By the mark under the issuer's name: "*" the Party, "***" the Youth Union, a rule (or none) the State.
    "asterisk": IssuerExample(
        "TỈNH ỦY QUẢNG NGÃI", "BAN DÂN VẬN", "BDVTU", "Ban Dân vận Tỉnh ủy", "Quảng Ngãi", "VT, HĐXC",
        "BAN THƯỜNG VỤ", "TRƯỞNG BAN", "PHÓ TRƯỞNG BAN",
    ),
    "asterisks": IssuerExample(
        "", "BCH TỈNH ĐOÀN QUẢNG NGÃI", "TĐTN", "Ban Thường vụ Tỉnh đoàn", "Quảng Ngãi", "VT, VP",
        "BAN THƯỜNG VỤ", "BÍ THƯ", "PHÓ BÍ THƯ",
    ),
    "other": IssuerExample(
        "", "ỦY BAN NHÂN DÂN XÃ TỊNH KHÊ", "UBND", "Ủy ban nhân dân xã Tịnh Khê", "Tịnh Khê", "VT, VP",
        "ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "PHÓ CHỦ TỊCH",
    ),
}


def issuer_example(fmt: DocumentFormat) -> IssuerExample:
    return ISSUER_EXAMPLES.get(fmt.issuer_mark, ISSUER_EXAMPLES["other"])


# Who an issuer is, read from its name (diacritics folded, so "Tỉnh uỷ" and "TỈNH ỦY" read alike): a Party body
# ("Ban Dân vận …", "Ban Thường vụ …", "Tỉnh ủy/Huyện ủy/Đảng ủy …") or a People's Committee ("Ủy ban nhân dân …").
# A mass organisation also has a "Ban Thường vụ" (of the Tỉnh đoàn, of a Hội): its name says so, and it is left alone.
_PARTY_BODY = re.compile(
    r"\b(ban dan van|ban thuong vu|ban tuyen giao|(tinh|huyen|thanh|quan|thi|dang) uy|chi bo|dang bo)\b"
)
_STATE_BODY = re.compile(r"\b(uy ban nhan dan|ubnd)\b")
_MASS_ORGANISATION = re.compile(r"\b(doan|hoi(?! dong)|mat tran|mttq|cuu chien binh)\b")  # a council (hội đồng) is no Hội


def body_system(name: str) -> str | None:
    """"party" for a Party body, "state" for a People's Committee, None when the name does not say."""
    folded = fold(name)
    if not folded or _MASS_ORGANISATION.search(folded):
        return None
    if _STATE_BODY.search(folded):
        return "state"
    if _PARTY_BODY.search(folded):
        return "party"
    return None


def system_mismatch(fmt: DocumentFormat, *, issuing_body: str, parent_body: str = "", issuer_in_text: str = "") -> str:
    """A warning (never a refusal: an administrator may know better) when a Party body issues in a system without the
    Party's asterisk, or a People's Committee in a Party-like one; "" when the names and the system agree.

    The issuing body speaks first ("BAN DÂN VẬN" under "TỈNH ỦY QUẢNG NGÃI"), then its superior, then the name as
    written in a sentence."""
    kind, name = None, ""
    for candidate in (issuing_body, parent_body, issuer_in_text):
        kind = body_system(candidate)
        if kind is not None:
            name = " ".join((issuing_body or candidate).split())
            break
    chosen = "Nhà nước" if fmt.code == "state" else ("của Đảng" if fmt.code == "party" else f"“{fmt.name}”")
    if kind == "party" and fmt.issuer_mark != "asterisk":
        return (
            f"Cơ quan ban hành “{name}” là cơ quan Đảng nhưng đang chọn thể thức {chosen}. Văn bản của cơ quan Đảng "
            "trình bày theo Hướng dẫn 36-HD/VPTW (thể thức của Đảng); vui lòng kiểm tra lại thể thức đã chọn."
        )
    if kind == "state" and fmt.is_party:
        return (
            f"Cơ quan ban hành “{name}” là Ủy ban nhân dân (cơ quan Nhà nước) nhưng đang chọn thể thức {chosen}. "
            "Văn bản của Ủy ban nhân dân trình bày theo Nghị định 30/2020/NĐ-CP (thể thức Nhà nước); "
            "vui lòng kiểm tra lại thể thức đã chọn."
        )
    return ""


# Word pairs a header line never splits: "TỈNH ỦY", "NHÂN DÂN", "THƯỜNG VỤ", "MẶT TRẬN"...
_KEEP_TOGETHER = {
    ("TỈNH", "ỦY"), ("HUYỆN", "ỦY"), ("ĐẢNG", "ỦY"), ("THÀNH", "ỦY"), ("QUẬN", "ỦY"), ("THỊ", "ỦY"), ("NHÂN", "DÂN"),
    ("THƯỜNG", "VỤ"), ("THƯỜNG", "TRỰC"), ("MẶT", "TRẬN"), ("TỔ", "QUỐC"), ("VIỆT", "NAM"), ("CỘNG", "SẢN"),
    ("THANH", "NIÊN"), ("DÂN", "VẬN"), ("CHI", "BỘ"), ("ĐẢNG", "BỘ"), ("BAN", "CHẤP"), ("CHẤP", "HÀNH"),
}


def balanced_lines(text: str | None, longest: int = 22) -> list[str]:
    """A header name too long for its column, cut into lines of even length at word breaks, so that the column never
    wraps by itself and leaves one word alone ("ỦY BAN NHÂN DÂN / XÃ TỊNH KHÊ", not "… XÃ TỊNH / KHÊ")."""
    words = " ".join((text or "").split()).split(" ")
    if not words or words == [""]:
        return []
    line = " ".join(words)
    if len(line) <= longest:
        return [line]
    best: list[str] = [line]
    best_width = len(line)
    for lines in range(2, 4):
        # Every way to cut the words into `lines` parts is few for a header name; take the one whose longest is shortest.
        def cuts(start: int, parts: int):
            if parts == 1:
                yield [" ".join(words[start:])]
                return
            for end in range(start + 1, len(words) - parts + 2):
                if (words[end - 1].upper(), words[end].upper()) in _KEEP_TOGETHER:
                    continue
                for rest in cuts(end, parts - 1):
                    yield [" ".join(words[start:end]), *rest]

        for candidate in cuts(0, lines):
            width = max(len(part) for part in candidate)
            # On a tie the heavier top line wins: "ỦY BAN NHÂN DÂN / XÃ TỊNH KHÊ", not "ỦY BAN NHÂN / DÂN XÃ …".
            if width < best_width or (width == best_width and len(candidate) == len(best) and len(candidate[0]) > len(best[0])):
                best, best_width = candidate, width
        if best_width <= longest:
            break
    return best


def header_context(fmt: DocumentFormat, *, parent_body: str, issuing_body: str, number: str, place_date: str) -> dict:
    """Plain values for templates/pdf/_header.html and the .docx header table (`number` already has its "Số")."""
    return {
        "system": "party" if fmt.is_party else "state",
        "parent_body": (parent_body or "").strip(),
        "issuing_body": (issuing_body or "").strip(),
        "parent_lines": balanced_lines(parent_body),
        "issuing_lines": balanced_lines(issuing_body),
        "mark": fmt.issuer_mark,
        "number": number,
        "right_lines": list(fmt.header_lines),
        "place_date": place_date,
    }
