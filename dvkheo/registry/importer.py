"""Recording recognitions made elsewhere: a committee imports, from a spreadsheet, the models its lower levels
recognised outside the app (years of them are on paper).

Rules, also told to the committee on the import page:
- One row per recognition; the columns of `COLUMNS` (headers with or without diacritics, any order, other
  columns ignored). CSV (UTF-8 with or without BOM, "," or ";") or XLSX, judged by content, at most
  `MAX_BYTES` and `MAX_ROWS` rows.
- A row belongs to the model already in the registry with the same unit and the same title (compared by
  `title_key`: case, spacing, quotes and punctuation ignored, diacritics kept, since "đường" and "đương" are
  different words): the recognition is added to it. Otherwise a new model is created; later rows of the same
  file with that unit and title add their recognitions to it.
- The same unit, title and decision number (compared by `decision_key`) twice in the file, or already in the
  registry, is an error: one decision recognises a model once.
- The unit (code, or its exact name) must lie in the committee's subtree.
- Cells are text: a cell starting with = + - @ is kept as typed, never computed (an XLSX formula is read as
  its formula text, not as the result a spreadsheet program cached).
- The summary ("Tóm tắt") is optional. The committee is the approver of a model's public summary and reads
  it on the preview before confirming, so confirming publishes it (`workflow` action IMPORT) when the model
  has no summary yet; a model that already has one keeps it (the preview says so).
- All or nothing: every row is checked first, with errors by row and column; the confirmation checks the
  file again against the registry as it is then, in one transaction, and writes every row or none.
"""
from __future__ import annotations

import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from dvkheo.accounts.models import User
from dvkheo.campaigns.models import NomineeKind, ReferenceItem, ReferenceKind
from dvkheo.core import audit
from dvkheo.core.exports import csv_bytes, restore, xlsx_bytes
from dvkheo.core.fields import hidden_character
from dvkheo.core.storage import UploadRejected, clean_original_name, sniff_kind
from dvkheo.core.tables import csv_table, xlsx_table
from dvkheo.core.text import fold
from dvkheo.core.timeutil import VIETNAM_TZ, format_date, today_in_vietnam
from dvkheo.extensions import db
from dvkheo.nominations.dossier import vn_number
from dvkheo.registry import import_workflow, workflow
from dvkheo.registry.models import (
    COMMUNE_KINDS,
    ImportBatch,
    Recognition,
    RecognitionLevel,
    RecognitionSource,
    RegisteredModel,
    SummaryState,
)
from dvkheo.registry.queries import YEAR_MIN
from dvkheo.registry.recognition import recount
from dvkheo.units.importer import ImportFailed, ImportIssue
from dvkheo.units.models import Unit, subtree_condition

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    required: bool
    example: str
    hint: str
    max_length: int = 255
    aliases: tuple[str, ...] = ()


COLUMNS: tuple[Column, ...] = (
    Column("title", "Tên mô hình, điển hình", True, "Dân vận khéo trong vận động hiến đất mở rộng đường thôn",
           "Tên ngắn gọn, như trên quyết định công nhận.", 300, ("ten mo hinh", "ten dien hinh", "ten mo hinh dien hinh", "title")),
    Column("kind", "Loại", True, "Mô hình", "“Mô hình” (tập thể) hoặc “Điển hình” (cá nhân).", 40,
           ("loai mo hinh", "mo hinh dien hinh", "kind")),
    Column("nominee", "Tập thể, cá nhân", True, "Ban Công tác Mặt trận thôn Phú Lộc",
           "Tên tập thể, hoặc họ và tên cá nhân được công nhận.", 255,
           ("tap the hoac ca nhan", "ten tap the ca nhan", "tap the ca nhan duoc cong nhan", "nominee")),
    Column("unit", "Đơn vị", True, "", "Mã đơn vị, hoặc tên đơn vị đúng như trong cây đơn vị; thuộc phạm vi của cơ quan nhập.", 255,
           ("ma don vi", "ten don vi", "don vi ma hoac ten", "unit")),
    Column("field", "Lĩnh vực", True, "", "Một lĩnh vực trong danh mục lĩnh vực của hệ thống.", 255, ("field",)),
    Column("year", "Năm", True, "", "Năm được công nhận, ví dụ 2023.", 10, ("nam cong nhan", "year")),
    Column("body", "Cơ quan công nhận", True, "Ủy ban nhân dân xã Tịnh Khê", "Cơ quan ban hành quyết định công nhận.", 255,
           ("co quan ban hanh", "recognising body")),
    Column("level", "Cấp công nhận", True, "Cấp xã", "Trung ương, Cấp tỉnh, Cấp huyện, Cấp xã hoặc Cơ quan, đơn vị.", 40,
           ("cap", "level")),
    Column("number", "Số quyết định", True, "125/QĐ-UBND", "Số, ký hiệu của quyết định.", 80,
           ("so qd", "so quyet dinh cong nhan", "so ky hieu", "decision number")),
    Column("decided_on", "Ngày quyết định", True, "", "Ngày/tháng/năm, ví dụ 05/10/2023.", 20,
           ("ngay qd", "ngay ban hanh", "ngay ky", "decision date")),
    Column("summary", "Tóm tắt", False, "Vận động 214 hộ hiến đất, mở rộng 3,2 km đường thôn, không phát sinh khiếu nại.",
           "Không bắt buộc. Tóm tắt công khai của mô hình; được công khai khi xác nhận nhập nếu mô hình chưa có tóm tắt.",
           workflow.MAX_SUMMARY, ("tom tat cong khai", "summary")),
)
COLUMNS_BY_KEY = {column.key: column for column in COLUMNS}


def _header_word(text: str) -> str:
    folded = re.sub(r"\(.*?\)", " ", fold(text))
    return " ".join(re.sub(r"[_\-*:.,/]", " ", folded).split())


_HEADER_KEYS = {
    _header_word(word): column.key for column in COLUMNS for word in (column.title, *column.aliases)
}

KIND_WORDS = {
    "mo hinh": NomineeKind.COLLECTIVE, "tap the": NomineeKind.COLLECTIVE,
    "dien hinh": NomineeKind.INDIVIDUAL, "ca nhan": NomineeKind.INDIVIDUAL,
}
LEVEL_WORDS = {
    **{_header_word(level.label): level for level in RecognitionLevel},
    "trung uong": RecognitionLevel.CENTRAL, "tinh": RecognitionLevel.PROVINCE, "thanh pho": RecognitionLevel.PROVINCE,
    "huyen": RecognitionLevel.DISTRICT, "quan": RecognitionLevel.DISTRICT, "xa": RecognitionLevel.COMMUNE,
    "phuong": RecognitionLevel.COMMUNE, "dac khu": RecognitionLevel.COMMUNE, "co quan don vi": RecognitionLevel.AGENCY,
    "co quan": RecognitionLevel.AGENCY, "don vi": RecognitionLevel.AGENCY,
}
DATE_HINT = "cần ghi theo dạng dd/mm/yyyy, ví dụ 05/10/2023"


# --- keys that decide "the same model" and "the same decision" ------------------------------------------

_QUOTES_AND_PUNCTUATION = re.compile(r"[\"'“”‘’«»„`.,;:!?()\[\]{}]")
_DASHES = re.compile(r"[\u2010-\u2015\u2212]")


def title_key(title: str) -> str:
    """Case, spacing, quotes and punctuation ignored; diacritics kept (NFC)."""
    text = unicodedata.normalize("NFC", title or "").casefold()
    text = _DASHES.sub("-", _QUOTES_AND_PUNCTUATION.sub(" ", text))
    return " ".join(text.replace(" - ", " ").split())


def decision_key(number: str) -> str:
    """"125/QĐ-UBND", "125 / qđ – ubnd" and "0125/QĐ-UBND" alike."""
    text = _DASHES.sub("-", unicodedata.normalize("NFC", number or "").casefold())
    text = "".join(text.split())
    return re.sub(r"^0+(?=\d)", "", text)


# --- reading an upload ----------------------------------------------------------------------------------


@dataclass
class Upload:
    data: bytes
    kind: str  # "xlsx" or "csv"
    filename: str


def read_upload(stream, filename: str | None) -> Upload:
    """The uploaded bytes, judged by content: an XLSX workbook or text (CSV). Raises UploadRejected (too big,
    empty, an .xls, a program, an archive or any other file renamed .csv or .xlsx). No side effects."""
    display_name = clean_original_name(filename)
    data = stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise UploadRejected(f"Tệp “{display_name}” vượt quá {MAX_BYTES // (1024 * 1024)} MB; vui lòng chia thành nhiều tệp.")
    if not data.strip():
        raise UploadRejected(f"Tệp “{display_name}” rỗng.")
    kind = sniff_kind(data[:16], io.BytesIO(data))
    if kind == "xlsx":
        return Upload(data, "xlsx", display_name)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise UploadRejected(
            f"Tệp “{display_name}” là tệp Excel 97-2003 (.xls). Vui lòng mở bằng Excel và lưu lại dạng .xlsx hoặc CSV."
        )
    if kind is not None or data.startswith((b"PK\x03\x04", b"MZ", b"\x7fELF", b"\x1f\x8b", b"Rar!", b"7z\xbc\xaf")):
        raise UploadRejected(
            f"Tệp “{display_name}” không phải tệp CSV hoặc Excel (.xlsx). Hệ thống kiểm tra nội dung tệp, không chỉ đuôi tên."
        )
    return Upload(data, "csv", display_name)


def _cell(value: Any) -> Any:
    """A cell as typed: dates and whole numbers keep their type, text is NFC without surrounding spaces, a formula
    is its text."""
    if value is None:
        return ""
    if isinstance(value, (datetime, date)):
        return value
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, (int, float)):
        return value
    if not isinstance(value, str):  # openpyxl's ArrayFormula / DataTableFormula
        value = getattr(value, "text", None) or str(value)
        if not value.startswith("="):
            value = f"={value}"
    return unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n")).strip()


def _text(value: Any) -> str:
    if isinstance(value, (datetime, date)):
        return format_date(value)
    return restore(str(value if value is not None else "")).strip()


def _line(value: Any) -> str:
    return " ".join(_text(value).split())


def _paragraphs(value: Any) -> str:
    return "\n".join(" ".join(line.split()) for line in _text(value).split("\n") if line.strip())


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


@dataclass
class Row:
    line: int  # as the spreadsheet shows it (header = line of the header row)
    cells: dict[str, Any]


@dataclass
class Sheet:
    rows: list[Row]
    columns: dict[str, str]  # key -> 'J “Ngày quyết định”', how messages name the column


def read_sheet(upload: Upload) -> Sheet:
    """The rows of an upload by column. Raises UploadRejected (an unreadable or hostile file) or ImportFailed
    (header problems, no data, too many rows). No side effects."""
    if upload.kind == "xlsx":
        table = xlsx_table(upload.data, upload.filename, cell=_cell, formulas_as_text=True)
    else:
        table = csv_table(upload.data, upload.filename, cell=_cell)
    header_index = next((i for i, cells in enumerate(table) if any(not _blank(c) for c in cells)), None)
    if header_index is None:
        raise ImportFailed([ImportIssue("Tệp không có dữ liệu.")])
    header = table[header_index]
    positions: dict[str, int] = {}
    issues: list[ImportIssue] = []
    for index, text in enumerate(header):
        key = _HEADER_KEYS.get(_header_word(_line(text).rstrip(" *")))
        if key is None:
            continue
        if key in positions:
            issues.append(ImportIssue(
                f"Có hai cột cùng là “{COLUMNS_BY_KEY[key].title}” (cột {get_column_letter(positions[key] + 1)} và "
                f"cột {get_column_letter(index + 1)}); vui lòng giữ một cột.", header_index + 1,
            ))
        else:
            positions[key] = index
    missing = [column.title for column in COLUMNS if column.required and column.key not in positions]
    if missing:
        issues.append(ImportIssue(
            "Dòng tiêu đề thiếu cột " + ", ".join(f"“{title}”" for title in missing)
            + ". Vui lòng dùng tệp mẫu và không sửa dòng tiêu đề.", header_index + 1,
        ))
    if issues:
        raise ImportFailed(issues)
    rows = []
    for index in range(header_index + 1, len(table)):
        cells = table[index]
        if all(_blank(c) for c in cells):
            continue
        rows.append(Row(index + 1, {key: (cells[p] if p < len(cells) else "") for key, p in positions.items()}))
    if not rows:
        raise ImportFailed([ImportIssue("Tệp chỉ có dòng tiêu đề, chưa có mô hình nào.", header_index + 1)])
    if len(rows) > MAX_ROWS:
        raise ImportFailed([ImportIssue(
            f"Tệp có {vn_number(len(rows))} dòng; mỗi lần nhập tối đa {vn_number(MAX_ROWS)} dòng, vui lòng chia thành nhiều tệp."
        )])
    columns = {key: f"{get_column_letter(p + 1)} “{_line(header[p])}”" for key, p in positions.items()}
    return Sheet(rows, columns)


# --- checking the rows against the registry ---------------------------------------------------------------


@dataclass
class PlannedRow:
    """One row as it will be imported: its values and the model it creates or joins."""

    line: int
    title: str = ""
    kind: NomineeKind | None = None
    nominee: str = ""
    unit: Unit | None = None
    unit_text: str = ""
    field_item: ReferenceItem | None = None
    year: int | None = None
    body: str = ""
    level: RecognitionLevel | None = None
    number: str = ""
    decided_on: date | None = None
    summary: str = ""
    existing: RegisteredModel | None = None  # the registry's model this row joins
    same_as_line: int | None = None  # the earlier row of this file whose new model it joins
    summary_used: bool = False
    unit_unknown: bool = False  # a unit was named, but none of the committee's has that code or name
    notes: list[str] = field(default_factory=list)
    errors: list[ImportIssue] = field(default_factory=list)

    @property
    def creates(self) -> bool:
        return self.existing is None and self.same_as_line is None


@dataclass
class Plan:
    rows: list[PlannedRow]
    issues: list[ImportIssue]
    units: "_Units"

    @property
    def ok(self) -> bool:
        return not self.issues

    @property
    def created(self) -> int:
        return sum(1 for row in self.rows if row.creates)

    @property
    def attached(self) -> int:
        return len(self.rows) - self.created


class _Units:
    """The committee's subtree (one query), and its ancestors for the province and commune of a new model."""

    def __init__(self, root: Unit):
        self.root = root
        ancestors = [i for i in root.ancestor_ids if i != root.id]
        condition = subtree_condition(root)
        if ancestors:
            condition = sa.or_(condition, Unit.id.in_(ancestors))
        self.by_id = {unit.id: unit for unit in db.session.scalars(sa.select(Unit).where(condition))}
        inside = [unit for unit in self.by_id.values() if unit.is_within(root)]
        self.by_code = {unit.code.casefold(): unit for unit in inside}
        self.by_name: dict[str, list[Unit]] = {}
        for unit in inside:
            self.by_name.setdefault(_unit_name_key(unit.name), []).append(unit)

    def find(self, text: str) -> tuple[Unit | None, str | None]:
        unit = self.by_code.get(text.casefold())
        if unit is not None:
            return unit, None
        matches = self.by_name.get(_unit_name_key(text), [])
        if len(matches) == 1:
            return matches[0], None
        if matches:
            codes = ", ".join(unit.code for unit in matches[:5])
            return None, f"Có {len(matches)} đơn vị cùng tên “{text[:80]}” ({codes}); vui lòng ghi mã đơn vị."
        return None, None

    def places(self, unit: Unit) -> tuple[int | None, int | None]:
        """As `recognition._places`, from the units already loaded."""
        chain = [self.by_id[i] for i in unit.ancestor_ids if i in self.by_id]
        province = next((u.id for u in chain if u.kind == "province"), None)
        commune = next((u.id for u in reversed(chain) if u.kind in COMMUNE_KINDS), None)
        return province, commune


def _unit_name_key(name: str) -> str:
    return " ".join(unicodedata.normalize("NFC", name or "").casefold().split())


def _outside(texts: set[str], root: Unit) -> dict[str, Unit]:
    """Units named by code or exact name that exist but lie outside the committee's subtree (one query, only
    when some unit was not found inside), to say so rather than "not found"."""
    if not texts:
        return {}
    rows = db.session.scalars(
        sa.select(Unit).where(sa.or_(Unit.code.in_(texts), Unit.name.in_(texts)), sa.not_(subtree_condition(root))).limit(500)
    )
    found: dict[str, Unit] = {}
    for unit in rows:
        found.setdefault(unit.code, unit)
        found.setdefault(unit.name, unit)
    return found


def _fields() -> dict[str, ReferenceItem]:
    items = db.session.scalars(
        sa.select(ReferenceItem).where(ReferenceItem.kind == ReferenceKind.FIELD, ReferenceItem.active.is_(True))
        .order_by(ReferenceItem.position, ReferenceItem.id)
    )
    index: dict[str, ReferenceItem] = {}
    for item in items:
        index.setdefault(fold(item.name), item)
        index.setdefault(fold(item.code), item)
    return index


def field_names() -> list[str]:
    return list(db.session.scalars(
        sa.select(ReferenceItem.name).where(ReferenceItem.kind == ReferenceKind.FIELD, ReferenceItem.active.is_(True))
        .order_by(ReferenceItem.position, ReferenceItem.id)
    ))


def _existing_models(unit_ids: set[int]) -> dict[tuple[int, str], RegisteredModel]:
    """The registry's models of these units by (unit, title key), with their recognitions: two queries."""
    if not unit_ids:
        return {}
    models = db.session.scalars(
        sa.select(RegisteredModel).where(RegisteredModel.unit_id.in_(unit_ids))
        .options(so.selectinload(RegisteredModel.recognitions)).order_by(RegisteredModel.id)
    )
    found: dict[tuple[int, str], RegisteredModel] = {}
    for model in models:
        found.setdefault((model.unit_id, title_key(model.title)), model)
    return found


def _parse_row(row: Row, sheet: Sheet, units: _Units, fields: dict[str, ReferenceItem], today: date) -> PlannedRow:
    planned = PlannedRow(row.line)

    def problem(key: str, message: str) -> None:
        planned.errors.append(ImportIssue(message, row.line, sheet.columns[key]))

    def text(key: str, multiline: bool = False) -> str:
        raw = row.cells.get(key, "")
        value = _paragraphs(raw) if multiline else _line(raw)
        column = COLUMNS_BY_KEY[key]
        if column.required and not value:
            problem(key, "Không được để trống.")
        elif len(value) > column.max_length:
            problem(key, f"Nội dung quá dài (tối đa {column.max_length:,} ký tự, hiện có {len(value):,}).".replace(",", "."))
        elif (found := hidden_character(value, multiline=multiline)) is not None:
            problem(key, f"Nội dung có ký tự ẩn hoặc ký tự điều khiển {found}; vui lòng xóa rồi gõ lại phần đó.")
        else:
            return value
        return ""

    planned.title = text("title")
    planned.nominee = text("nominee")
    planned.body = text("body")
    planned.number = text("number")
    if "summary" in sheet.columns:
        planned.summary = text("summary", multiline=True)

    kind_text = text("kind")
    if kind_text:
        planned.kind = KIND_WORDS.get(_header_word(kind_text))
        if planned.kind is None:
            problem("kind", f"“{kind_text[:40]}” không hợp lệ; ghi “Mô hình” (tập thể) hoặc “Điển hình” (cá nhân).")

    unit_text = text("unit")
    planned.unit_text = unit_text
    if unit_text:
        planned.unit, message = units.find(unit_text)
        if message:
            problem("unit", message)
        planned.unit_unknown = planned.unit is None and message is None

    field_text = text("field")
    if field_text:
        planned.field_item = fields.get(fold(field_text))
        if planned.field_item is None:
            problem("field", f"“{field_text[:80]}” không có trong danh mục lĩnh vực (xem danh sách trên trang nhập).")

    level_text = text("level")
    if level_text:
        planned.level = LEVEL_WORDS.get(_header_word(level_text))
        if planned.level is None:
            labels = ", ".join(level.label for level in RecognitionLevel)
            problem("level", f"“{level_text[:40]}” không hợp lệ; ghi một trong: {labels}.")

    raw_year = row.cells.get("year", "")
    if _blank(raw_year):
        problem("year", "Không được để trống.")
    else:
        year_text = _line(raw_year)
        year = int(year_text) if isinstance(raw_year, int) or (year_text.isascii() and year_text.isdigit() and len(year_text) == 4) else None
        if year is None:
            problem("year", f"“{year_text[:20]}” không phải năm hợp lệ; ghi 4 chữ số, ví dụ 2023.")
        elif not YEAR_MIN <= year <= today.year:
            problem("year", f"Năm {year} không hợp lệ; ghi năm từ {YEAR_MIN} đến {today.year}.")
        else:
            planned.year = year

    raw_date = row.cells.get("decided_on", "")
    if _blank(raw_date):
        problem("decided_on", "Không được để trống.")
    else:
        decided = _to_date(raw_date)
        if decided is None:
            problem("decided_on", f"“{_line(raw_date)[:20]}”: ngày không hợp lệ, {DATE_HINT}.")
        elif decided > today:
            problem("decided_on", f"Ngày quyết định {format_date(decided)} sau ngày hôm nay.")
        elif decided.year < YEAR_MIN:
            problem("decided_on", f"Ngày quyết định {format_date(decided)} trước năm {YEAR_MIN}.")
        else:
            planned.decided_on = decided
    if planned.year and planned.decided_on and planned.decided_on.year not in (planned.year, planned.year + 1):
        # A year's recognition is decided that year or early the next, never before it nor years later.
        problem("year", f"Năm {planned.year} không khớp với ngày quyết định {format_date(planned.decided_on)}.")
    return planned


def _to_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _line(value)
    if not re.fullmatch(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{4}|\d{4}-\d{2}-\d{2}", text):
        return None
    for pattern in ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def plan(sheet: Sheet, committee: Unit) -> Plan:
    """Every row checked and matched, with every problem by row and column. Reads, never writes: the units of
    the committee's subtree and their ancestors (one query), units named outside it (one query, only if any),
    the fields (one query), the models of the units named and their recognitions (two queries)."""
    units = _Units(committee)
    fields = _fields()
    today = today_in_vietnam()
    rows = [_parse_row(row, sheet, units, fields, today) for row in sheet.rows]

    outside = _outside({row.unit_text for row in rows if row.unit_unknown}, committee)
    for row in rows:
        if row.unit_unknown:
            unit = outside.get(row.unit_text)
            message = (
                f"Đơn vị “{unit.name}” ({unit.code}) không thuộc phạm vi của {committee.name}; chỉ nhập được mô hình của "
                "đơn vị mình và các đơn vị cấp dưới."
                if unit is not None else
                f"Không tìm thấy đơn vị “{row.unit_text[:80]}” (mã hoặc tên đúng như trong cây đơn vị) trong phạm vi của {committee.name}."
            )
            row.errors.append(ImportIssue(message, row.line, sheet.columns["unit"]))

    existing = _existing_models({row.unit.id for row in rows if row.unit is not None})
    new_models: dict[tuple[int, str], PlannedRow] = {}
    decisions: dict[tuple[int, str, str], int] = {}
    summaries: dict[tuple[int, str], PlannedRow] = {}  # the first row giving each model's summary
    for row in rows:
        if row.unit is None or not row.title:
            continue
        key = (row.unit.id, title_key(row.title))
        model = existing.get(key)
        first = new_models.get(key)
        if model is not None:
            row.existing = model
            if row.kind is not None and row.kind is not model.kind:
                row.errors.append(ImportIssue(
                    f"Mô hình “{model.title}” của {row.unit.name} đã có trong danh mục là {model.kind.model_label.lower()}; "
                    f"dòng này ghi {row.kind.model_label.lower()}.", row.line, sheet.columns["kind"],
                ))
        elif first is not None:
            row.same_as_line = first.line
            if row.kind is not None and first.kind is not None and row.kind is not first.kind:
                row.errors.append(ImportIssue(
                    f"Cùng mô hình với dòng {first.line} nhưng khác loại ({first.kind.model_label} / {row.kind.model_label}).",
                    row.line, sheet.columns["kind"],
                ))
        else:
            new_models[key] = row
        if row.number:
            number_key = (*key, decision_key(row.number))
            if number_key in decisions:
                row.errors.append(ImportIssue(
                    f"Trùng với dòng {decisions[number_key]}: cùng đơn vị, cùng tên mô hình và cùng số quyết định “{row.number}”.",
                    row.line, sheet.columns["number"],
                ))
            else:
                decisions[number_key] = row.line
                recorded = next(
                    (r for r in (model.recognitions if model is not None else []) if decision_key(r.decision_number) == number_key[2]),
                    None,
                )
                if recorded is not None:
                    when = f" ngày {format_date(recorded.decided_on)}" if recorded.decided_on else ""
                    row.errors.append(ImportIssue(
                        f"Mô hình “{model.title}” đã được ghi nhận theo quyết định số {recorded.decision_number}{when}; "
                        "không nhập lại.", row.line, sheet.columns["number"],
                    ))
        if row.summary:
            earlier = summaries.get(key)
            if earlier is not None:
                if earlier.summary != row.summary:
                    row.errors.append(ImportIssue(
                        f"Khác tóm tắt ở dòng {earlier.line} của cùng mô hình; mỗi mô hình chỉ có một tóm tắt.",
                        row.line, sheet.columns["summary"],
                    ))
            elif model is not None and (model.summary_state is not SummaryState.NONE or model.public_summary):
                row.notes.append("Mô hình đã có tóm tắt; tóm tắt trong tệp không được dùng.")
            else:
                row.summary_used = True
                summaries[key] = row

    # By row, then left to right ("J" before "K", "Z" before "AA").
    issues = sorted(
        (issue for row in rows for issue in row.errors),
        key=lambda issue: (issue.line or 0, len((issue.column or "").split(" ")[0]), issue.column or ""),
    )
    for row in rows:
        row.errors.sort(key=lambda issue: (len((issue.column or "").split(" ")[0]), issue.column or ""))
    return Plan(rows, issues, units)


# --- the pending file, its confirmation ------------------------------------------------------------------


def check(upload: Upload, committee: Unit) -> tuple[Sheet, Plan]:
    sheet = read_sheet(upload)
    return sheet, plan(sheet, committee)


def stage(upload: Upload, sheet: Sheet, actor: User) -> ImportBatch:
    """Keep a checked file for its preview and confirmation; the actor's earlier files still waiting are
    discarded (one file waits per person). Audits the upload. Flushes, never commits."""
    waiting = db.session.scalars(
        sa.select(ImportBatch).where(
            ImportBatch.uploaded_by_id == actor.id, ImportBatch.state == import_workflow.S.PENDING,
            ImportBatch.committee_unit_id == actor.unit_id,
        )
    ).all()
    for earlier in waiting:
        import_workflow.apply(earlier, import_workflow.A.DISCARD, actor, details={"replaced": True})
    batch = ImportBatch(
        committee_unit_id=actor.unit_id, filename=upload.filename, file_kind=upload.kind, size_bytes=len(upload.data),
        sha256=hashlib.sha256(upload.data).hexdigest(), content=upload.data, row_count=len(sheet.rows),
        uploaded_by_id=actor.id,
    )
    db.session.add(batch)
    db.session.flush()
    audit.record("model_import", batch.id, "upload", actor, to_state=batch.state.value,
                 details={"filename": upload.filename, "rows": len(sheet.rows), "sha256": batch.sha256})
    return batch


def upload_of(batch: ImportBatch) -> Upload:
    return Upload(batch.content or b"", batch.file_kind, batch.filename)


def _lock_units(sheet: Sheet, committee: Unit) -> None:
    """Two imports naming the same units wait for each other (PostgreSQL), so that the second sees the first's
    models and recognitions before it decides "new model" or "duplicate". FOR NO KEY UPDATE: rows that merely
    reference the unit (a nomination being saved) are not held up."""
    units = _Units(committee)
    named = {units.find(_line(row.cells.get("unit", "")))[0] for row in sheet.rows}
    ids = sorted(unit.id for unit in named if unit is not None)
    if ids:
        # In id order, so that two imports never wait for each other crosswise.
        db.session.execute(sa.select(Unit.id).where(Unit.id.in_(ids)).order_by(Unit.id).with_for_update(key_share=True)).all()


def confirm(batch: ImportBatch, actor: User) -> Plan:
    """Import a waiting file: claim it (a second confirmation is refused, `import_workflow`), read it again,
    check every row against the registry as it is now, then write every row or raise ImportFailed.

    Side effects, in order: the batch becomes IMPORTED (audited "confirm"); the named units are locked; each
    new model is created (audited "create", with the file and row) and recognitions are added (audited
    "import_recognition"), a summary is published through `workflow` (IMPORT) where the model had none; the
    models' years, level and recognised state are recounted (audited when one enters the registry); the batch
    keeps its counts. Flushes, never commits: the caller rolls back on any exception.
    """
    import_workflow.apply(batch, import_workflow.A.CONFIRM, actor, details={"filename": batch.filename})
    committee = batch.committee_unit
    sheet = read_sheet(upload_of(batch))
    _lock_units(sheet, committee)
    checked = plan(sheet, committee)
    if not checked.ok:
        raise ImportFailed(checked.issues)
    write(checked, batch, actor)
    return checked


def write(checked: Plan, batch: ImportBatch, actor: User) -> None:
    """The rows of a checked plan, written (see `confirm`)."""
    units = checked.units
    created: dict[int, RegisteredModel] = {}  # by the line that creates the model
    for row in checked.rows:
        if row.creates:
            province_id, commune_id = units.places(units.by_id.get(row.unit.id, row.unit))
            model = RegisteredModel(
                kind=row.kind, title=row.title, nominee_name=row.nominee, unit_id=row.unit.id,
                province_id=province_id, commune_id=commune_id, locality="", field_id=row.field_item.id,
            )
            # Ordered in the list and the feed by when it was recognised, not by when it was typed in.
            model.recognised_at = datetime.combine(row.decided_on, time(), tzinfo=VIETNAM_TZ).astimezone(timezone.utc)
            model.refresh_search_text()
            created[row.line] = model
    db.session.add_all(created.values())
    db.session.flush()  # one batched INSERT; the ids are needed by the audit
    touched: dict[int, RegisteredModel] = {}
    for row in checked.rows:
        model = row.existing or created.get(row.line) or created[row.same_as_line]
        if row.line in created:
            audit.record("registered_model", model.id, "create", actor,
                         details={"import_batch_id": batch.id, "row": row.line})
        recognition = Recognition(
            model=model, source=RecognitionSource.EXTERNAL, import_batch=batch, issuing_body=row.body,
            decision_number=row.number, decided_on=row.decided_on, year=row.year, level=row.level,
        )
        db.session.add(recognition)
        touched[model.id] = model
    db.session.flush()
    for row in checked.rows:
        model = row.existing or created.get(row.line) or created[row.same_as_line]
        if row.summary_used:
            recount(model, actor)  # the summary needs a recognised model
            workflow.apply(model, workflow.A.IMPORT, actor, text=row.summary)
    for row in checked.rows:
        model = row.existing or created.get(row.line) or created[row.same_as_line]
        audit.record("registered_model", model.id, "import_recognition", actor, details={
            "import_batch_id": batch.id, "row": row.line, "decision_number": row.number,
            "decided_on": row.decided_on.isoformat(), "issuing_body": row.body, "level": row.level.value,
        })
    for model in touched.values():
        recount(model, actor)
    batch.row_count = len(checked.rows)
    batch.created_count = len(created)
    db.session.flush()


# --- what was imported ------------------------------------------------------------------------------------


def imported_recognitions(batch: ImportBatch) -> sa.Select:
    """The recognitions a file brought, in the file's order, with their models and units (for a page of them)."""
    return (
        sa.select(Recognition).where(Recognition.import_batch_id == batch.id)
        .options(so.joinedload(Recognition.model).joinedload(RegisteredModel.unit))
        .order_by(Recognition.id)
    )


# --- templates --------------------------------------------------------------------------------------------


def _example(committee: Unit) -> dict[str, str]:
    """One filled-in row naming a real unit of the committee and a real field, so that the example itself
    passes the checks (the preview shows it before anything is written)."""
    unit = db.session.scalars(
        sa.select(Unit).where(subtree_condition(committee), Unit.id != committee.id).order_by(Unit.path).limit(1)
    ).first() or committee
    fields = field_names()
    year = today_in_vietnam().year - 1
    values = {column.key: column.example for column in COLUMNS}
    values.update(unit=unit.code, field=fields[0] if fields else "", year=str(year), decided_on=f"05/12/{year}")
    return values


def template_csv(committee: Unit) -> bytes:
    """Header and one example row, UTF-8 with BOM so that Excel shows the accents; no cell a spreadsheet runs."""
    example = _example(committee)
    return csv_bytes([[column.title for column in COLUMNS], [example[column.key] for column in COLUMNS]])


def template_xlsx(committee: Unit) -> bytes:
    """The sheet to fill in (header, one example row, text cells so that dates and codes stay as typed), then
    a sheet of instructions with the accepted kinds, levels, fields and the committee's units."""
    example = _example(committee)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Mô hình đã công nhận"
    sheet.append([column.title for column in COLUMNS])
    sheet.append([example[column.key] for column in COLUMNS])
    widths = {"title": 48, "kind": 12, "nominee": 34, "unit": 16, "field": 28, "year": 8, "body": 32, "level": 16,
              "number": 18, "decided_on": 16, "summary": 60}
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = widths[column.key]
        sheet.cell(row=1, column=index).font = Font(bold=True)
        sheet.cell(row=1, column=index).alignment = Alignment(wrap_text=True, vertical="top")
        if column.key in ("unit", "year", "number", "decided_on"):
            # Text cells: "05/12/2023" is not reread as a US date, a code keeps its leading zeros.
            for row in range(2, MAX_ROWS + 2):
                sheet.cell(row=row, column=index).number_format = "@"
    sheet.freeze_panes = "B2"

    guide = workbook.create_sheet("Hướng dẫn")
    guide.column_dimensions["A"].width = 26
    guide.column_dimensions["B"].width = 100
    lines: list[tuple[str, str]] = [
        ("Cột", "Cách điền"),
        *((f"{c.title}{' *' if c.required else ''}", c.hint) for c in COLUMNS),
        ("", ""),
        ("Lưu ý", "Mỗi dòng là một lần công nhận. Dòng 2 là ví dụ: sửa hoặc xóa trước khi nhập."),
        ("", f"Mỗi tệp tối đa {MAX_ROWS:,} dòng, {MAX_BYTES // (1024 * 1024)} MB. Nếu có dòng sai, không dòng nào được nhập.".replace(",", ".")),
        ("", "Cùng đơn vị, cùng tên mô hình với một mô hình đã có: lần công nhận được thêm vào mô hình đó."),
        ("", ""),
        ("Loại", "Mô hình; Điển hình"),
        ("Cấp công nhận", "; ".join(level.label for level in RecognitionLevel)),
        ("Lĩnh vực", "; ".join(field_names())),
        ("", ""),
        ("Mã đơn vị", "Tên đơn vị"),
    ]
    for line in lines:
        guide.append(list(line))
    for code, name in db.session.execute(
        sa.select(Unit.code, Unit.name).where(subtree_condition(committee)).order_by(Unit.path).limit(MAX_ROWS)
    ):
        guide.append([code, name])
    for row in (1, len(lines)):
        for cell in guide[row]:
            cell.font = Font(bold=True)
    return xlsx_bytes(workbook)
