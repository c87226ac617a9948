"""Paper-first intake: an XLSX template with one row per nomination, and its importer.

`build_template(campaign)` makes the workbook a unit fills offline (headers in Vietnamese,
drop-down lists, an instructions sheet). `parse_workbook(data, campaign)` reads an upload and
returns typed rows plus errors by spreadsheet row and column title; it never touches the
database beyond reading the reference lists. `import_rows()` creates one draft per row with
`operations.create_draft` + `operations.update_report` and audits an "import"; it flushes,
never commits: the view commits once, and only when no row failed.
"""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Callable

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from dvkheo.accounts.models import User
from dvkheo.campaigns.models import Campaign, NomineeKind, ReferenceItem
from dvkheo.core import audit
from dvkheo.core.exports import restore, xlsx_bytes
from dvkheo.core.storage import clean_original_name, sniff_kind
from dvkheo.core.tables import zip_problem
from dvkheo.core.text import fold
from dvkheo.core.timeutil import format_date
from dvkheo.nominations import operations
from dvkheo.nominations.models import Nomination
from dvkheo.units.models import Unit

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# A 10 MB zip can hide gigabytes of XML; refuse before openpyxl inflates it.
MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024
MAX_ROWS = 500
TEMPLATE_ROWS = 300  # rows prepared with drop-downs and text-formatted date cells

DATA_SHEET = "Hồ sơ"
HELP_SHEET = "Hướng dẫn"
LIST_SHEET = "Danh mục"

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NOT_XLSX = (
    "Tệp “{name}” không phải tệp Excel (.xlsx) hợp lệ. Hệ thống kiểm tra nội dung tệp, không chỉ đuôi tên; "
    "nếu tệp đang ở dạng .xls hoặc .csv, hãy mở bằng Excel và lưu lại dưới dạng “Sổ làm việc Excel (.xlsx)”."
)

_INT32_MAX = 2_147_483_647
_INT64_MAX = 999_999_999_999_999


@dataclass(frozen=True)
class Column:
    key: str  # attribute of Nomination, or "kind" / a *_id choice
    title: str  # Vietnamese column title, as in the nomination form
    type: str  # text | long | int | date | kind | field | collective_type | individual_category
    width: int
    help: str
    example: str = ""
    required: bool = False
    max_length: int = 255
    minimum: int = 0
    maximum: int = _INT32_MAX
    is_year: bool = False  # an "int" column holding a calendar year: examples and limits written as years, never "1.978"


COLUMNS: tuple[Column, ...] = (
    Column("kind", "Loại hồ sơ", "kind", 13, "Chọn “Tập thể” (mô hình) hoặc “Cá nhân” (điển hình).", "Tập thể", True),
    Column("title", "Tên mô hình, điển hình", "text", 40,
           "Tên ngắn gọn của mô hình, điển hình.", "Dân vận khéo trong vận động hiến đất mở rộng đường thôn", True, 300),
    Column("nominee_name", "Tên tập thể, cá nhân được đề nghị", "text", 32,
           "Tên đầy đủ của tập thể, hoặc họ và tên cá nhân.", "Ban Công tác Mặt trận thôn Phú Lộc", True),
    Column("collective_type_id", "Loại hình tập thể", "collective_type", 30,
           "Chỉ ghi với hồ sơ tập thể; chọn trong danh sách.", "Cấp ủy, chính quyền cơ sở"),
    Column("individual_category_id", "Đối tượng cá nhân", "individual_category", 24,
           "Chỉ ghi với hồ sơ cá nhân; chọn trong danh sách.", ""),
    Column("nominee_position", "Chức vụ, đơn vị công tác", "text", 28,
           "Chỉ ghi với hồ sơ cá nhân, ví dụ: Chủ tịch Hội Phụ nữ xã.", ""),
    Column("nominee_birth_year", "Năm sinh", "int", 10, "Chỉ ghi với hồ sơ cá nhân, ví dụ: 1978.", "",
           minimum=1920, maximum=2015, is_year=True),
    Column("field_id", "Lĩnh vực", "field", 30, "Chọn trong danh sách lĩnh vực của đợt bình xét.", ""),
    Column("locality", "Địa bàn thực hiện", "text", 24, "Thôn, xã, phường nơi thực hiện mô hình.", "Thôn Phú Lộc"),
    Column("started_on", "Thời gian bắt đầu", "date", 16, "Ngày/tháng/năm, ví dụ 15/03/2024.", "15/03/2024"),
    Column("duration", "Thời gian thực hiện", "text", 18, "Ví dụ: 3 năm (2023 - 2026).", "2 năm", max_length=120),
    Column("situation", "Tình hình trước khi thực hiện", "long", 40,
           "Khó khăn, vướng mắc, bức xúc của Nhân dân trước khi thực hiện.", "Đường thôn hẹp, xuống cấp, mùa mưa lầy lội."),
    Column("method", "Cách làm, giải pháp sáng tạo", "long", 40,
           "Cách làm sáng tạo, khéo léo; giải pháp đã áp dụng.", "Họp dân từng xóm, cán bộ gương mẫu hiến đất trước."),
    Column("participation", "Sự tham gia của Nhân dân", "long", 40,
           "Theo phương châm: dân biết, dân bàn, dân làm, dân kiểm tra, dân giám sát, dân thụ hưởng.",
           "Nhân dân bàn bạc phương án, góp ngày công, giám sát thi công."),
    Column("results", "Kết quả đạt được", "long", 40, "Kết quả cụ thể, có số liệu.", "Mở rộng 3,2 km đường; 214 hộ hiến đất."),
    Column("households_count", "Số hộ dân tham gia", "int", 12, "Số nguyên.", "214"),
    Column("money_contributed_vnd", "Kinh phí Nhân dân đóng góp (đồng)", "int", 18,
           "Số tiền bằng đồng, có thể viết 1.250.000.000.", "1.250.000.000", maximum=_INT64_MAX),
    Column("working_days", "Ngày công lao động", "int", 12, "Số nguyên.", "3.200"),
    Column("road_length_m", "Chiều dài đường (mét)", "int", 12, "Tính bằng mét.", "3.200"),
    Column("area_m2", "Diện tích (m²)", "int", 12, "Tính bằng mét vuông.", ""),
    Column("cases_resolved", "Số vụ việc được giải quyết", "int", 12, "Số nguyên.", ""),
    Column("replication", "Khả năng lan tỏa, nhân rộng", "long", 36,
           "Nơi đã học tập, áp dụng; khả năng nhân rộng.", "Các thôn Phú Thọ, Phú Hòa đã áp dụng."),
    Column("review_held_on", "Ngày họp bình xét công khai", "date", 16, "Ngày/tháng/năm.", "20/09/2026"),
    Column("review_attendees", "Số người dự họp", "int", 11, "Số nguyên.", "60"),
    Column("review_votes_cast", "Số phiếu biểu quyết", "int", 11, "Số nguyên.", "58"),
    Column("review_votes_for", "Số phiếu đồng ý", "int", 11, "Không lớn hơn số phiếu biểu quyết.", "55"),
)
COLUMNS_BY_KEY = {column.key: column for column in COLUMNS}

KIND_WORDS = {
    "tap the": NomineeKind.COLLECTIVE, "mo hinh": NomineeKind.COLLECTIVE, "collective": NomineeKind.COLLECTIVE,
    "ca nhan": NomineeKind.INDIVIDUAL, "dien hinh": NomineeKind.INDIVIDUAL, "individual": NomineeKind.INDIVIDUAL,
}


@dataclass(frozen=True)
class RowError:
    row: int | None  # spreadsheet row number (header = 1); None for the file as a whole
    column: str  # Vietnamese column title, "" for the row or the file as a whole
    message: str


@dataclass
class ParsedRow:
    row: int
    kind: NomineeKind
    values: dict[str, Any]


@dataclass
class ParseResult:
    rows: list[ParsedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)


class CellError(ValueError):
    """A cell value that cannot be converted; the message is Vietnamese."""


# --- reference lists ---------------------------------------------------------------------


def _key(text: str) -> str:
    """How list items are matched: case, diacritics, dash variants and extra spaces ignored."""
    # restore(): a list item offered as "'=…" by the template (see core.exports) matches its "=…" name.
    return fold(re.sub(r"[\u2010-\u2015]", "-", restore(text or "")))


def choice_lists(campaign: Campaign) -> dict[str, list[ReferenceItem]]:
    """The items each drop-down offers: the campaign's fields and the active reference lists."""
    reference = operations.reference_lists()
    return {
        "field": [item for item in campaign.allowed_fields if item.active],
        "collective_type": reference["collective_type"],
        "individual_category": reference["individual_category"],
    }


# --- the template ------------------------------------------------------------------------

_THIN = Side(style="thin", color="808080")
_HEADER_FILL = PatternFill("solid", fgColor="FDE9D9")
_REQUIRED_FILL = PatternFill("solid", fgColor="F4B183")
_TITLE_FONT = Font(name="Times New Roman", size=14, bold=True)
_BODY_FONT = Font(name="Times New Roman", size=12)
_BOLD_FONT = Font(name="Times New Roman", size=12, bold=True)


def header_text(column: Column) -> str:
    return f"{column.title} *" if column.required else column.title


def build_template(campaign: Campaign) -> bytes:
    """The XLSX a unit fills in for `campaign`: data sheet, instructions, drop-down lists."""
    lists = choice_lists(campaign)
    workbook = Workbook()
    data = workbook.active
    data.title = DATA_SHEET
    help_sheet = workbook.create_sheet(HELP_SHEET)
    list_sheet = workbook.create_sheet(LIST_SHEET)
    workbook.properties.title = f"Mẫu nhập hồ sơ đề nghị - {campaign.title}"[:250]
    workbook.properties.creator = "Dân vận khéo"

    # Lists sheet: one column per drop-down.
    list_columns = {
        "kind": ("Loại hồ sơ", [kind.label for kind in campaign.allowed_kinds]),
        "field": ("Lĩnh vực", [item.name for item in lists["field"]]),
        "collective_type": ("Loại hình tập thể", [item.name for item in lists["collective_type"]]),
        "individual_category": ("Đối tượng cá nhân", [item.name for item in lists["individual_category"]]),
    }
    list_ranges: dict[str, str] = {}
    for index, (list_type, (title, names)) in enumerate(list_columns.items(), start=1):
        letter = get_column_letter(index)
        cell = list_sheet.cell(row=1, column=index, value=title)
        cell.font = _BOLD_FONT
        cell.fill = _HEADER_FILL
        for row, name in enumerate(names, start=2):
            list_sheet.cell(row=row, column=index, value=name).font = _BODY_FONT
        list_sheet.column_dimensions[letter].width = max([len(title), *map(len, names)]) + 4
        if names:
            list_ranges[list_type] = f"'{LIST_SHEET}'!${letter}$2:${letter}${len(names) + 1}"
    list_sheet.freeze_panes = "A2"

    # Data sheet: header row, widths, frozen header, drop-downs, text-formatted date cells.
    last_row = TEMPLATE_ROWS + 1
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        cell = data.cell(row=1, column=index, value=header_text(column))
        cell.font = _BOLD_FONT
        cell.fill = _REQUIRED_FILL if column.required else _HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
        data.column_dimensions[letter].width = column.width
        if column.type == "date":
            # Text cells keep "05/03/2024" as typed: Excel set to US dates would read it as 3 May.
            for row in range(2, last_row + 1):
                data.cell(row=row, column=index).number_format = "@"
        if column.type == "long":
            for row in range(2, last_row + 1):
                data.cell(row=row, column=index).alignment = Alignment(wrap_text=True, vertical="top")
        source = list_ranges.get(column.type)
        if source:
            validation = DataValidation(
                type="list", formula1=source, allow_blank=True, showDropDown=False,
                showErrorMessage=True, errorStyle="stop", errorTitle="Giá trị không có trong danh sách",
                error=f"Vui lòng chọn “{column.title}” trong danh sách (sheet “{LIST_SHEET}”).",
                showInputMessage=True, promptTitle=column.title[:32], prompt=column.help[:255],
            )
            validation.add(f"{letter}2:{letter}{last_row}")
            data.add_data_validation(validation)
    data.row_dimensions[1].height = 48
    data.freeze_panes = "C2"  # header row and the kind and title columns stay in view
    data.sheet_properties.tabColor = "C00000"

    _write_help(help_sheet, campaign)
    workbook.active = 0
    return xlsx_bytes(workbook)


def _write_help(sheet, campaign: Campaign) -> None:
    lines = [
        ("MẪU NHẬP HỒ SƠ ĐỀ NGHỊ CÔNG NHẬN MÔ HÌNH, ĐIỂN HÌNH “DÂN VẬN KHÉO”", _TITLE_FONT),
        (f"Đợt bình xét: {campaign.title}", _BOLD_FONT),
        (f"Cơ quan tổ chức: {campaign.organising_unit.name}", _BODY_FONT),
        ("", _BODY_FONT),
        ("Cách điền:", _BOLD_FONT),
        (f"1. Mỗi hồ sơ đề nghị ghi trên một dòng của sheet “{DATA_SHEET}”, bắt đầu từ dòng 2; không sửa dòng tiêu đề (dòng 1).", _BODY_FONT),
        ("2. Các cột có dấu * là bắt buộc: Loại hồ sơ, Tên mô hình, điển hình, Tên tập thể, cá nhân được đề nghị.", _BODY_FONT),
        (f"3. Loại hồ sơ, Lĩnh vực, Loại hình tập thể, Đối tượng cá nhân: chọn trong danh sách thả xuống (xem sheet “{LIST_SHEET}”).", _BODY_FONT),
        ("4. Ngày ghi theo dạng ngày/tháng/năm, ví dụ 15/03/2024. Số có thể viết có dấu chấm ngăn cách hàng nghìn, ví dụ 1.250.000.000.", _BODY_FONT),
        ("5. Dòng để trống được bỏ qua. Nếu có dòng sai, hệ thống không tạo hồ sơ nào và báo lỗi theo số dòng, tên cột để sửa.", _BODY_FONT),
        (f"6. Mỗi lần tải lên tối đa {MAX_ROWS} hồ sơ, tệp tối đa {MAX_UPLOAD_BYTES // (1024 * 1024)} MB, định dạng .xlsx.", _BODY_FONT),
        ("7. Các hồ sơ được tạo ở trạng thái Bản nháp: đơn vị bổ sung tệp minh chứng, biên bản bình xét rồi Nộp hồ sơ trên phần mềm.", _BODY_FONT),
        ("", _BODY_FONT),
        ("Các cột và ví dụ một dòng đã điền (ví dụ chỉ để tham khảo, không chép vào sheet nhập liệu):", _BOLD_FONT),
    ]
    for row, (text, font) in enumerate(lines, start=1):
        sheet.cell(row=row, column=1, value=text).font = font
    header_row = len(lines) + 1
    for index, title in enumerate(("Cột", "Tên cột", "Bắt buộc", "Hướng dẫn", "Ví dụ"), start=1):
        cell = sheet.cell(row=header_row, column=index, value=title)
        cell.font = _BOLD_FONT
        cell.fill = _HEADER_FILL
        cell.border = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
    for offset, column in enumerate(COLUMNS, start=1):
        values = (get_column_letter(offset), column.title, "Có" if column.required else "", column.help, column.example)
        for index, value in enumerate(values, start=1):
            cell = sheet.cell(row=header_row + offset, column=index, value=value)
            cell.font = _BODY_FONT
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            cell.border = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
    for letter, width in zip("ABCDE", (7, 34, 10, 60, 45)):
        sheet.column_dimensions[letter].width = width


# --- reading an upload -------------------------------------------------------------------


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):  # a spreadsheet date: calendar day as typed, no time zone
        value = value.date()
    if isinstance(value, date):
        return format_date(value)
    return str(value).replace("\r\n", "\n").strip()


_PLAIN_INT = re.compile(r"\d+")
_GROUPED_INT = re.compile(r"\d{1,3}(?:([.,\u00a0 ])\d{3})(?:\1\d{3})*")


def to_int(value: Any) -> int:
    if isinstance(value, bool):
        raise CellError("Vui lòng nhập một số nguyên.")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise CellError(f"“{_as_text(value)}” không phải số nguyên.")
    text = _as_text(value)
    negative = text.startswith("-")
    digits = text[1:].strip() if negative else text
    if _PLAIN_INT.fullmatch(digits) or _GROUPED_INT.fullmatch(digits):
        number = int(re.sub(r"\D", "", digits))
        return -number if negative else number
    raise CellError(f"“{text[:40]}” không phải số nguyên; ví dụ hợp lệ: 1200 hoặc 1.200.")


_DATE_PATTERNS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d")


def to_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _as_text(value)
    if isinstance(value, str):
        for pattern in _DATE_PATTERNS:
            try:
                parsed = datetime.strptime(text, pattern).date()
            except ValueError:
                continue
            if 1900 <= parsed.year <= 2100:
                return parsed
    raise CellError(f"“{text[:40]}” không phải ngày hợp lệ; vui lòng ghi theo dạng ngày/tháng/năm, ví dụ 05/10/2026.")


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _read_rows(data: bytes, display_name: str) -> tuple[list[tuple[int, tuple]], list[str] | None, str | None]:
    """(data rows with their numbers, header cells) of the data sheet, or an error message."""
    buffer = io.BytesIO(data)
    if sniff_kind(data[:16], buffer) != "xlsx":
        return [], None, NOT_XLSX.format(name=display_name)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            problem = zip_problem(archive, display_name, MAX_UNCOMPRESSED_BYTES)
        if problem:
            return [], None, problem
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds of errors on damaged or foreign files
        return [], None, NOT_XLSX.format(name=display_name)
    try:
        sheet = workbook[DATA_SHEET] if DATA_SHEET in workbook.sheetnames else workbook.worksheets[0]
        # Some programs write a wrong <dimension>; trusting it would silently drop rows.
        sheet.reset_dimensions()
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            return [], None, f"Tệp “{display_name}” không có dòng tiêu đề; vui lòng dùng tệp mẫu của phần mềm."
        body: list[tuple[int, tuple]] = []
        for number, values in enumerate(rows, start=2):
            if all(_blank(v) for v in values):
                continue
            body.append((number, values))
            if len(body) > MAX_ROWS:
                return [], None, f"Mỗi lần chỉ nhập tối đa {MAX_ROWS} hồ sơ; vui lòng chia tệp thành nhiều lần tải lên."
        return body, [_as_text(h) for h in header], None
    except Exception:
        return [], None, NOT_XLSX.format(name=display_name)
    finally:
        workbook.close()


def _match_header(header: list[str]) -> tuple[dict[str, int], list[Column]]:
    """Column index of each known column by title (case, diacritics and the * mark ignored)."""
    wanted = {_key(column.title): column for column in COLUMNS}
    positions: dict[str, int] = {}
    for index, text in enumerate(header):
        column = wanted.get(_key(text.rstrip(" *")))
        if column is not None and column.key not in positions:
            positions[column.key] = index
    missing = [column for column in COLUMNS if column.required and column.key not in positions]
    return positions, missing


def parse_workbook(data: bytes, campaign: Campaign, filename: str | None = None) -> ParseResult:
    """Typed rows and draft-level errors of an uploaded workbook; creates nothing."""
    display_name = clean_original_name(filename or "tệp tải lên")
    result = ParseResult()
    if len(data) > MAX_UPLOAD_BYTES:
        result.errors.append(RowError(None, "", f"Tệp “{display_name}” vượt quá {MAX_UPLOAD_BYTES // (1024 * 1024)} MB."))
        return result
    if not data:
        result.errors.append(RowError(None, "", f"Tệp “{display_name}” rỗng."))
        return result
    body, header, problem = _read_rows(data, display_name)
    if problem:
        result.errors.append(RowError(None, "", problem))
        return result
    positions, missing = _match_header(header)
    if missing:
        names = ", ".join(f"“{column.title}”" for column in missing)
        result.errors.append(RowError(1, "", f"Dòng tiêu đề thiếu cột {names}; vui lòng dùng tệp mẫu tải từ phần mềm và không sửa dòng 1."))
        return result
    if not body:
        result.errors.append(RowError(None, "", "Tệp chưa có dòng hồ sơ nào (từ dòng 2 trở đi)."))
        return result

    matchers = _matchers(campaign)
    for number, values in body:
        cells = {key: (values[index] if index < len(values) else None) for key, index in positions.items()}
        parsed, errors = _parse_row(number, cells, campaign, matchers)
        result.errors.extend(errors)
        if parsed is not None:
            result.rows.append(parsed)
    if result.errors:
        result.rows = []
    return result


def _matchers(campaign: Campaign) -> dict[str, Callable[[str], ReferenceItem | None]]:
    lists = choice_lists(campaign)
    indexes = {name: {_key(item.name): item for item in items} for name, items in lists.items()}
    return {name: (lambda text, index=index: index.get(_key(text))) for name, index in indexes.items()}


def _parse_row(number: int, cells: dict[str, Any], campaign: Campaign, matchers) -> tuple[ParsedRow | None, list[RowError]]:
    errors: list[RowError] = []

    def error(column: Column, message: str) -> None:
        errors.append(RowError(number, column.title, message))

    kind_column = COLUMNS_BY_KEY["kind"]
    kind_text = _as_text(cells.get("kind"))
    kind = KIND_WORDS.get(_key(kind_text))
    if not kind_text:
        error(kind_column, "Vui lòng chọn “Tập thể” hoặc “Cá nhân”.")
    elif kind is None:
        error(kind_column, f"“{kind_text[:40]}” không hợp lệ; vui lòng chọn “Tập thể” hoặc “Cá nhân”.")
    elif kind not in campaign.allowed_kinds:
        error(kind_column, f"Đợt bình xét này không nhận hồ sơ {kind.label.lower()}.")
        kind = None

    values: dict[str, Any] = {}
    for column in COLUMNS:
        if column.key == "kind":
            continue
        raw = cells.get(column.key)
        if column.type in ("text", "long"):
            text = _as_text(raw)
            limit = 20000 if column.type == "long" else column.max_length
            if column.required and not text:
                error(column, "Không được để trống.")
            elif len(text) > limit:
                error(column, f"Nội dung quá dài (tối đa {limit} ký tự, hiện có {len(text)}).")
            values[column.key] = text
        elif column.type == "int":
            values[column.key] = None
            if _blank(raw):
                continue
            try:
                number_value = to_int(raw)
            except CellError as problem:
                error(column, f"“{_as_text(raw)[:40]}” không phải năm hợp lệ; ví dụ hợp lệ: 1978." if column.is_year else str(problem))
                continue
            if column.is_year and not column.minimum <= number_value <= column.maximum:
                error(column, f"Năm {number_value} không hợp lệ; vui lòng ghi năm từ {column.minimum} đến {column.maximum}, ví dụ 1978.")
            elif number_value < column.minimum:
                error(column, f"Giá trị không được nhỏ hơn {column.minimum}.")
            elif number_value > column.maximum:
                error(column, f"Giá trị không được lớn hơn {column.maximum:,}.".replace(",", "."))
            else:
                values[column.key] = number_value
        elif column.type == "date":
            values[column.key] = None
            if _blank(raw):
                continue
            try:
                values[column.key] = to_date(raw)
            except CellError as problem:
                error(column, str(problem))
        else:  # a name from a list: field, collective_type, individual_category
            values[column.key] = None
            text = _as_text(raw)
            if not text:
                continue
            item = matchers[column.type](text)
            if item is None:
                where = "của đợt bình xét này" if column.type == "field" else f"trong sheet “{LIST_SHEET}”"
                error(column, f"“{text[:60]}” không có trong danh sách {column.title.lower()} {where}.")
                continue
            values[column.key] = item.id

    if kind is NomineeKind.COLLECTIVE:
        for key in ("individual_category_id", "nominee_position", "nominee_birth_year"):
            if values.get(key) not in (None, ""):
                error(COLUMNS_BY_KEY[key], "Chỉ ghi với hồ sơ cá nhân; hồ sơ tập thể để trống cột này.")
    elif kind is NomineeKind.INDIVIDUAL and values.get("collective_type_id") is not None:
        error(COLUMNS_BY_KEY["collective_type_id"], "Chỉ ghi với hồ sơ tập thể; hồ sơ cá nhân để trống cột này.")

    votes_for, votes_cast = values.get("review_votes_for"), values.get("review_votes_cast")
    if votes_for is not None and votes_cast is not None and votes_for > votes_cast:
        error(COLUMNS_BY_KEY["review_votes_for"], "Số phiếu đồng ý không thể lớn hơn số phiếu biểu quyết.")

    if errors or kind is None:
        return None, errors
    return ParsedRow(number, kind, values), []


# --- creating the drafts -----------------------------------------------------------------


def import_rows(rows: list[ParsedRow], campaign: Campaign, unit: Unit, actor: User, filename: str = "") -> list[Nomination]:
    """One draft per parsed row, audited; flushes, never commits."""
    created = []
    for parsed in rows:
        nomination = operations.create_draft(campaign, parsed.kind, unit, actor)
        operations.update_report(nomination, parsed.values, actor)
        audit.record(
            "nomination", nomination.id, "import", actor,
            details={"source": "xlsx", "name": filename, "row": parsed.row},
        )
        created.append(nomination)
    return created
