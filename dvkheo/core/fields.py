"""Form fields that read what Vietnamese users type: dd/mm/yyyy dates and 1.200.000-style numbers; and the one check
that a typed text holds no hidden characters (`PlainText`)."""
from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

from wtforms import StringField, ValidationError
from wtforms.validators import StopValidation
from wtforms.widgets import TextInput

from dvkheo.core.urls import INT_MAX

_DIGIT_GROUPS = re.compile(r"[\s.,]")


class VNDateField(StringField):
    """A date typed as dd/mm/yyyy (also accepts yyyy-mm-dd); stored as a `date`."""

    widget = TextInput()

    def __init__(self, label=None, validators=None, **kwargs):
        render_kw = {"placeholder": "dd/mm/yyyy", "inputmode": "numeric", "autocomplete": "off"}
        render_kw.update(kwargs.pop("render_kw", {}) or {})
        super().__init__(label, validators, render_kw=render_kw, **kwargs)
        self.parsed: date | None = None

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        if isinstance(self.data, date):
            return self.data.strftime("%d/%m/%Y")
        return self.data or ""

    def process_formdata(self, valuelist):
        if not valuelist:  # field absent from the request: keep the object's value
            return
        self.raw_data = valuelist
        text = valuelist[0].strip()
        self.data = None
        if not text:
            return
        for pattern in ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d"):
            try:
                self.data = datetime.strptime(text, pattern).date()
                return
            except ValueError:
                continue
        self.data = None
        raise ValueError("Ngày không hợp lệ; vui lòng nhập theo dạng ngày/tháng/năm, ví dụ 05/10/2026.")


class VNIntegerField(StringField):
    """A whole number; accepts thousands separators ("1.200.000", "1 200 000").

    Bounded by default to what an INTEGER column holds on PostgreSQL, so that a huge number is told
    beside the field rather than failing the insert; a BIGINT column passes its own maximum.
    """

    widget = TextInput()

    def __init__(self, label=None, validators=None, minimum: int | None = 0, maximum: int | None = INT_MAX, **kwargs):
        render_kw = {"inputmode": "numeric"}
        render_kw.update(kwargs.pop("render_kw", {}) or {})
        super().__init__(label, validators, render_kw=render_kw, **kwargs)
        self.minimum, self.maximum = minimum, maximum

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        # Shown as the user would type it: 1.250.000.000 (years stay bare: 1985).
        return f"{self.data:,}".replace(",", ".") if abs(self.data) >= 10000 else str(self.data)

    def process_formdata(self, valuelist):
        if not valuelist:  # field absent from the request: keep the object's value
            return
        self.raw_data = valuelist
        text = _DIGIT_GROUPS.sub("", valuelist[0].strip())
        self.data = None
        if not text:
            return
        if not re.fullmatch(r"-?\d{1,15}", text):
            if re.fullmatch(r"\d{16,}", text) and self.maximum is not None:  # a whole number, just too big
                raise ValueError(self._too_big())
            raise ValueError("Vui lòng nhập một số nguyên (ví dụ 1.200).")
        self.data = int(text)

    def pre_validate(self, form):
        if self.data is None:
            return
        # StopValidation: the field's own range check (e.g. "Năm phải từ 2000 đến 2100") would repeat it.
        if self.minimum is not None and self.data < self.minimum:
            raise StopValidation(f"Giá trị không được nhỏ hơn {self.minimum}.")
        if self.maximum is not None and self.data > self.maximum:
            raise StopValidation(self._too_big())

    def _too_big(self) -> str:
        return f"Giá trị không được lớn hơn {self.maximum:,}.".replace(",", ".")


# --- hidden characters -------------------------------------------------------------------------------------------

_NAMED = {
    "\u200b": "khoảng trắng không độ rộng", "\u200c": "ký tự nối ẩn", "\u200d": "ký tự nối ẩn", "\ufeff": "dấu BOM",
    "\u00ad": "gạch nối ẩn",
}


def hidden_character(text: str | None, *, multiline: bool = False) -> str | None:
    """A character a user cannot see or print, described for the message ("U+200B (khoảng trắng không độ rộng)"), or
    None. Refused: control characters (a tab and line breaks only where the field takes several lines), format
    characters (zero-width spaces and joiners, the bidi embeddings and isolates U+202A–U+202E, U+2066–U+2069 that
    reorder what is printed, BOM), surrogates, private-use characters, noncharacters (U+FDD0–U+FDEF, U+FFFE, U+FFFF
    and their kin in every plane) and the Unicode line/paragraph separators. Each would reach a letterhead, a PDF or
    a .docx (whose XML cannot even hold most control characters) where nobody can see, find or remove it."""
    allowed = "\t\r\n" if multiline else ""
    for char in text or "":
        if char in allowed:
            continue
        code = ord(char)
        noncharacter = 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE
        if noncharacter or unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp"):
            name = _NAMED.get(char) or ("ký tự không dùng trong văn bản" if noncharacter else
                                        "ký tự điều khiển" if unicodedata.category(char) == "Cc" else
                                        "ký tự đổi chiều chữ" if 0x202A <= code <= 0x202E or 0x2066 <= code <= 0x2069 else
                                        "ký tự ẩn")
            return f"U+{code:04X} ({name})"
    return None


class PlainText:
    """Refuses a value holding a character nobody can see (see `hidden_character`), with a Vietnamese message naming
    it. `multiline`: a text area, whose tab and line breaks are text."""

    def __init__(self, multiline: bool = False):
        self.multiline = multiline
        self.field_flags = {}

    def __call__(self, form, field) -> None:
        found = hidden_character(field.data if isinstance(field.data, str) else "", multiline=self.multiline)
        if found:
            raise ValidationError(
                f"Nội dung có ký tự ẩn hoặc ký tự điều khiển {found}, thường lẫn vào khi sao chép từ nơi khác; "
                "vui lòng xóa rồi gõ lại phần đó."
            )
