"""Import units from a CSV or XLSX sheet, or from Vietnam's official administrative divisions.

Rules, also told to administrators on the import page:
- Columns "Mã đơn vị" (code), "Tên đơn vị" (name), "Loại đơn vị" (kind), "Mã đơn vị cấp trên"
  (parent_code); Vietnamese or English headers, any order; other columns are ignored.
- A code that already exists in the system UPDATES that unit (name, kind, parent): units send
  corrected sheets again and again, and a re-import must not fail on rows it already took.
  An empty kind keeps the unit's kind (a new unit gets "Cơ quan, ban ngành"); an empty parent
  puts the unit at the top level; a sheet without a parent column keeps existing parents.
- A parent may be in the database or anywhere in the sheet (before or after its children).
- Every row is checked first; if any row fails, nothing is written.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Any, Iterable

import sqlalchemy as sa
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from dvkheo.core import audit
from dvkheo.core.exports import csv_bytes, xlsx_bytes
from dvkheo.core.storage import UploadRejected, clean_original_name, sniff_kind
from dvkheo.core.tables import csv_table, xlsx_table
from dvkheo.core.text import fold
from dvkheo.extensions import db
from dvkheo.units.models import UNIT_KIND_LABELS, Unit
from dvkheo.units.operations import (
    CODE_MAX,
    NAME_MAX,
    UnitError,
    accepted_kinds_text,
    resolve_kind,
    rewrite_descendant_paths,
    units_by_codes,
)

DEFAULT_KIND = "agency"

COLUMN_TITLES = {
    "code": "Mã đơn vị",
    "name": "Tên đơn vị",
    "kind": "Loại đơn vị",
    "parent_code": "Mã đơn vị cấp trên",
}
# Folded header spellings accepted for each column.
_HEADER_WORDS = {
    "code": {"ma", "ma don vi", "ma so", "code", "unit code"},
    "name": {"ten", "ten don vi", "name", "unit name"},
    "kind": {"loai", "loai don vi", "kind", "type", "unit kind"},
    "parent_code": {"ma don vi cap tren", "ma cap tren", "don vi cap tren", "cap tren", "parent code", "parent"},
}
_HEADER_KEYS = {word: key for key, words in _HEADER_WORDS.items() for word in words}

TEMPLATE_ROWS = [
    ("VN-P51", "Tỉnh Quảng Ngãi", "Tỉnh", ""),
    ("VN-W21025", "Phường Cẩm Thành", "Phường", "VN-P51"),
]


@dataclass
class UnitRow:
    """One unit as a sheet (or the official list) describes it."""

    code: str
    name: str
    kind: str | None = None  # as typed; None when the sheet has no kind column
    parent_code: str | None = None  # "" = top level; None = no parent column (keep current parent)
    line: int | None = None  # row number as the spreadsheet shows it (header = 1)


@dataclass(frozen=True)
class ImportIssue:
    """One problem, worded for the person who will fix the sheet."""

    message: str
    line: int | None = None
    column: str | None = None  # e.g. 'B “Tên đơn vị”'

    def __str__(self) -> str:
        where = ", ".join(part for part in (
            f"Dòng {self.line}" if self.line else "",
            f"cột {self.column}" if self.column else "",
        ) if part)
        return f"{where}: {self.message}" if where else self.message


class ImportFailed(Exception):
    """The sheet was refused; `issues` lists every problem found. Nothing was written."""

    def __init__(self, issues: list[ImportIssue]):
        super().__init__(f"{len(issues)} lỗi")
        self.issues = issues


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged

    def summary(self) -> str:
        return f"tạo mới {self.created}, cập nhật {self.updated}, giữ nguyên {self.unchanged} (tổng {self.total} đơn vị)"


@dataclass
class Sheet:
    rows: list[UnitRow]
    columns: dict[str, str]  # column key -> how messages name it ('B “Tên”')


# --- reading an upload ---------------------------------------------------------------------


def read_sheet(stream, filename: str | None, *, max_bytes: int) -> Sheet:
    """Read an uploaded CSV or XLSX, judged by its content, not its name.

    Raises UploadRejected (a file that is too big, empty or not a spreadsheet) or ImportFailed
    (header problems). No side effects.
    """
    display_name = clean_original_name(filename)
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise UploadRejected(f"Tệp “{display_name}” vượt quá {max_bytes // (1024 * 1024)} MB.")
    if not data.strip():
        raise UploadRejected(f"Tệp “{display_name}” rỗng.")
    kind = sniff_kind(data[:16], io.BytesIO(data))
    if kind == "xlsx":
        table = xlsx_table(data, display_name)
    elif data.startswith(b"\xd0\xcf\x11\xe0"):
        raise UploadRejected(
            f"Tệp “{display_name}” là tệp Excel 97-2003 (.xls). Vui lòng mở bằng Excel và lưu lại dạng .xlsx hoặc CSV."
        )
    elif kind is not None or data.startswith(b"PK\x03\x04"):
        raise UploadRejected(f"Tệp “{display_name}” không phải tệp CSV hoặc Excel (.xlsx).")
    else:
        table = csv_table(data, display_name)
    return sheet_from_table(table)










def _header_key(text: str) -> str | None:
    """Which column a header names: "Mã đơn vị cấp trên (nếu có)" and "parent_code" alike."""
    folded = re.sub(r"\(.*?\)", " ", fold(text))
    folded = " ".join(re.sub(r"[_\-*:.]", " ", folded).split())
    return _HEADER_KEYS.get(folded)


def sheet_from_table(table: list[list[str]]) -> Sheet:
    """Map the header row (the first non-empty row) and turn each later non-empty row into a UnitRow.

    Raises ImportFailed when a required column is missing or named twice, or there is no data.
    """
    header_index = next((i for i, cells in enumerate(table) if any(cells)), None)
    if header_index is None:
        raise ImportFailed([ImportIssue("Tệp không có dữ liệu.")])
    header = table[header_index]
    header_line = header_index + 1
    positions: dict[str, int] = {}
    issues: list[ImportIssue] = []
    for column, text in enumerate(header):
        key = _header_key(text)
        if key is None:
            continue
        if key in positions:
            issues.append(ImportIssue(
                f"Có hai cột cùng là “{COLUMN_TITLES[key]}” (cột {get_column_letter(positions[key] + 1)} "
                f"và cột {get_column_letter(column + 1)}); vui lòng giữ một cột.",
                header_line,
            ))
        else:
            positions[key] = column
    for key in ("code", "name"):
        if key not in positions:
            accepted = " / ".join(sorted(_HEADER_WORDS[key]))
            issues.append(ImportIssue(
                f"Không tìm thấy cột “{COLUMN_TITLES[key]}” ở dòng tiêu đề (tên cột được chấp nhận, không phân biệt dấu: {accepted}).",
                header_line,
            ))
    if issues:
        raise ImportFailed(issues)

    def cell(cells: list[str], key: str) -> str | None:
        column = positions.get(key)
        if column is None:
            return None
        return cells[column] if column < len(cells) else ""

    rows = [
        UnitRow(
            code=cell(cells, "code") or "",
            name=cell(cells, "name") or "",
            kind=cell(cells, "kind"),
            parent_code=cell(cells, "parent_code"),
            line=index + 1,
        )
        for index, cells in enumerate(table)
        if index > header_index and any(cells)
    ]
    if not rows:
        raise ImportFailed([ImportIssue("Tệp chỉ có dòng tiêu đề, chưa có đơn vị nào.")])
    columns = {key: f"{get_column_letter(column + 1)} “{header[column]}”" for key, column in positions.items()}
    return Sheet(rows=rows, columns=columns)


# --- checking and applying -----------------------------------------------------------------


def _database_parents() -> dict[str, str | None]:
    """code -> parent code for every unit in the database (one query, no ORM objects)."""
    triples = db.session.execute(sa.select(Unit.id, Unit.code, Unit.parent_id)).all()
    code_by_id = {unit_id: code for unit_id, code, _ in triples}
    return {code: code_by_id.get(parent_id) for _, code, parent_id in triples}


def _final_parents(rows: Iterable[UnitRow], db_parents: dict[str, str | None]) -> dict[str, str | None]:
    """The tree as it will be after the import: the sheet's parents over the database's."""
    final = dict(db_parents)
    for row in rows:
        if row.parent_code is not None:
            final[row.code] = row.parent_code or None
        else:
            final.setdefault(row.code, None)
    return final


def _find_loops(start_codes: Iterable[str], parents: dict[str, str | None]) -> list[list[str]]:
    """Every loop reachable from `start_codes` by following parents; each code is walked once."""
    finished: set[str] = set()
    loops: list[list[str]] = []
    for start in start_codes:
        trail: list[str] = []
        position: dict[str, int] = {}
        code = start
        while code is not None and code not in finished:
            if code in position:
                loops.append(trail[position[code]:])
                break
            position[code] = len(trail)
            trail.append(code)
            code = parents.get(code)
        finished.update(trail)
    return loops


def _depths(codes: Iterable[str], parents: dict[str, str | None]) -> dict[str, int]:
    """Depth of each code in a loop-free parent map, memoised so the whole map is walked once."""
    depth: dict[str, int] = {}
    for start in codes:
        trail = []
        code = start
        while code is not None and code not in depth:
            trail.append(code)
            code = parents.get(code)
        base = -1 if code is None else depth[code]
        for offset, walked in enumerate(reversed(trail), start=1):
            depth[walked] = base + offset
    return depth


def validate_rows(
    rows: list[UnitRow], db_parents: dict[str, str | None], columns: dict[str, str] | None = None
) -> list[ImportIssue]:
    """Check every row against the others and the tree in the database. Read-only.

    Returns the problems sorted by row: missing or too long code or name, codes repeated in
    the sheet, unknown kinds, parents found neither in the sheet nor in the database, and
    parents that would make a loop (including through units already in the database).
    """
    columns = columns or {}
    issues: list[ImportIssue] = []

    def problem(row: UnitRow, key: str, message: str) -> None:
        if row.line is None:  # rows from the official list have no spreadsheet position
            message = f"Đơn vị “{row.code}”: {message}"
        issues.append(ImportIssue(message, row.line, columns.get(key) if row.line else None))

    sheet_codes = {row.code for row in rows if row.code}
    first_row: dict[str, UnitRow] = {}
    for row in rows:
        if not row.code:
            problem(row, "code", "Thiếu mã đơn vị.")
        elif len(row.code) > CODE_MAX:
            problem(row, "code", f"Mã đơn vị dài quá {CODE_MAX} ký tự.")
        elif row.code in first_row:
            earlier = first_row[row.code]
            problem(row, "code", f"Mã “{row.code}” bị trùng với dòng {earlier.line}." if earlier.line else f"Mã “{row.code}” bị trùng.")
        else:
            first_row[row.code] = row
        if not row.name:
            problem(row, "name", "Thiếu tên đơn vị.")
        elif len(row.name) > NAME_MAX:
            problem(row, "name", f"Tên đơn vị dài quá {NAME_MAX} ký tự.")
        if row.kind and resolve_kind(row.kind) is None:
            problem(row, "kind", (
                f"Loại đơn vị “{row.kind}” không hợp lệ. Dùng một trong các loại: {accepted_kinds_text()} "
                "(có thể ghi ngắn: Tỉnh, Xã, Phường, Cơ quan...)."
            ))
        if row.parent_code:
            if row.parent_code == row.code:
                problem(row, "parent_code", "Đơn vị không thể là cấp trên của chính nó.")
            elif row.parent_code not in sheet_codes and row.parent_code not in db_parents:
                problem(row, "parent_code", f"Không tìm thấy đơn vị cấp trên có mã “{row.parent_code}” trong tệp hoặc trong hệ thống.")

    # Loops are judged on the tree the import would produce, so that a sheet moving an existing
    # unit under one of its own descendants (possibly via units only in the database) is caught.
    candidate = [row for row in first_row.values() if row.parent_code != row.code]
    parents = _final_parents(candidate, db_parents)
    for loop in _find_loops([row.code for row in candidate], parents):
        chain = " → ".join([*loop, loop[0]])
        for code in loop:
            if code in first_row:
                problem(first_row[code], "parent_code", f"Mã đơn vị cấp trên tạo thành vòng lặp: {chain}.")
    issues.sort(key=lambda issue: (issue.line or 0))
    return issues


def apply_rows(rows: list[UnitRow], db_parents: dict[str, str | None], *, actor: Any, source: str) -> ImportResult:
    """Write validated rows: create new units, update changed ones, leave the rest alone.

    Side effects: inserts every new unit with one batched INSERT (one flush), sets parents and
    paths in Python, parents before children; a moved existing unit has its subtree's paths
    rewritten with one UPDATE; adds a unit audit event (details.source = `source`) for each
    created or changed unit; flushes. The caller commits, or rolls back on error.
    """
    units = units_by_codes([row.code for row in rows] + [row.parent_code for row in rows if row.parent_code])
    result = ImportResult()
    created: dict[str, Unit] = {}  # in sheet order, so that ids follow the sheet
    for row in rows:
        if row.code not in units:
            unit = Unit(code=row.code, name=row.name, kind=resolve_kind(row.kind) or DEFAULT_KIND, path="", depth=0)
            units[row.code] = created[row.code] = unit
    db.session.add_all(created.values())
    db.session.flush()  # one INSERT for all new units: their ids are needed for the paths

    depth = _depths([row.code for row in rows], _final_parents(rows, db_parents))
    renamed: list[int] = []
    for row in sorted(rows, key=lambda r: depth[r.code]):
        unit = units[row.code]
        parent = units[row.parent_code] if row.parent_code else None
        if row.code in created:
            unit.parent = parent
            unit.assign_path()
            unit.refresh_search_text()
            result.created += 1
            audit.record("unit", unit.id, "create", actor, details={"source": source, "parent": row.parent_code or None})
            continue
        changes: dict[str, Any] = {}
        kind = resolve_kind(row.kind) if row.kind else unit.kind
        for attribute, value in (("name", row.name), ("kind", kind)):
            if getattr(unit, attribute) != value:
                changes[attribute] = [getattr(unit, attribute), value]
                setattr(unit, attribute, value)
        if row.parent_code is not None and unit.parent_id != (parent.id if parent else None):
            changes["parent"] = [db_parents.get(unit.code), parent.code if parent else None]
            old_path, old_depth = unit.path, unit.depth
            unit.parent = parent
            unit.assign_path()
            rewrite_descendant_paths(old_path, unit.path, unit.depth - old_depth)
        if changes:
            unit.refresh_search_text()
            if "name" in changes:
                renamed.append(unit.id)
            result.updated += 1
            audit.record("unit", unit.id, "update", actor, details={"source": source, **changes})
        else:
            result.unchanged += 1
    db.session.flush()
    if renamed:
        from dvkheo.registry.models import refresh_place_names

        refresh_place_names(renamed)
    return result


def import_rows(rows: list[UnitRow], *, actor: Any, source: str, columns: dict[str, str] | None = None) -> ImportResult:
    """Check all rows, then write all of them or none.

    Raises ImportFailed with every problem before anything is written; otherwise has the side
    effects of `apply_rows`. The caller commits.
    """
    db_parents = _database_parents()
    issues = validate_rows(rows, db_parents, columns)
    if issues:
        raise ImportFailed(issues)
    return apply_rows(rows, db_parents, actor=actor, source=source)


# --- templates -----------------------------------------------------------------------------


def template_csv() -> bytes:
    """The CSV template: header and two example rows, UTF-8 with BOM so that Excel shows the accents."""
    return csv_bytes([COLUMN_TITLES.values(), *TEMPLATE_ROWS])


def template_xlsx() -> bytes:
    """The XLSX template: the sheet to fill in, then a sheet of instructions and accepted kinds."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Đơn vị"
    sheet.append(list(COLUMN_TITLES.values()))
    for row in TEMPLATE_ROWS:
        sheet.append(list(row))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for letter, width in zip("ABCD", (16, 40, 22, 22), strict=True):
        sheet.column_dimensions[letter].width = width
    # Code columns are text, so that a typed "01" does not become the number 1.
    for letter in "AD":
        sheet.column_dimensions[letter].number_format = "@"
        for (cell,) in sheet.iter_rows(min_col=ord(letter) - 64, max_col=ord(letter) - 64):
            cell.number_format = "@"
    sheet.freeze_panes = "A2"

    guide = workbook.create_sheet("Hướng dẫn")
    guide.column_dimensions["A"].width = 28
    guide.column_dimensions["B"].width = 90
    guide_rows = [
        ("Cột", "Cách điền"),
        (COLUMN_TITLES["code"], "Bắt buộc, không trùng. Mã đã có trong hệ thống thì đơn vị đó được cập nhật."),
        (COLUMN_TITLES["name"], "Bắt buộc."),
        (COLUMN_TITLES["kind"], "Một trong các loại bên dưới; để trống: giữ loại cũ, đơn vị mới là “Cơ quan, ban ngành”."),
        (COLUMN_TITLES["parent_code"], "Mã đơn vị cấp trên (trong hệ thống hoặc ở dòng khác của tệp); để trống nếu là cấp cao nhất."),
        (),
        ("Loại đơn vị", "Có thể ghi"),
        *((label, " / ".join([*(part.strip() for part in label.split(",")), key])) for key, label in UNIT_KIND_LABELS.items()),
    ]
    for row in guide_rows:
        guide.append(list(row))
    for row_number in (1, 7):
        for cell in guide[row_number]:
            cell.font = Font(bold=True)
    return xlsx_bytes(workbook)


# --- the official administrative divisions -------------------------------------------------

OFFICIAL_SOURCE = "vietnam-provinces"


def province_unit_code(code: int) -> str:
    return f"VN-P{int(code):02d}"


def ward_unit_code(code: int) -> str:
    return f"VN-W{int(code):05d}"


def _province_name(province) -> str:
    """The package names cities "Thành phố Huế" but provinces bare ("Quảng Ngãi"); units read "Tỉnh Quảng Ngãi"."""
    from vietnam_provinces.base import VietNamDivisionType as Division

    if province.division_type is Division.TINH and not province.name.startswith("Tỉnh "):
        return f"Tỉnh {province.name}"
    return province.name


def official_rows(*, root_code: str | None = None, province: str | None = None) -> list[UnitRow]:
    """Rows for the 34 provinces and 3,321 communes of the two-tier local government (from 01/07/2025).

    `root_code` puts the provinces under that unit (else at the top level); `province`
    ("51", "VN-P51" or "quang_ngai") keeps one province. Raises UnitError for an unknown province.
    No side effects.
    """
    import vietnam_provinces as vp
    from vietnam_provinces.base import VietNamDivisionType as Division

    kinds = {
        Division.TINH: "province",
        Division.THANH_PHO_TRUNG_UONG: "province",
        Division.XA: "commune",
        Division.PHUONG: "ward",
        Division.DAC_KHU: "special_zone",
    }
    provinces = sorted(vp.Province.iter_all(), key=lambda p: int(p.code))
    if province:
        wanted = province.strip().upper().removeprefix("VN-P")
        provinces = [
            p for p in provinces
            if (wanted.isdigit() and int(wanted) == int(p.code)) or fold(province).replace(" ", "_") == p.codename
        ]
        if not provinces:
            raise UnitError(f"Không có tỉnh, thành phố nào có mã “{province}” trong danh mục đơn vị hành chính.")
    chosen = {int(p.code) for p in provinces}
    rows = [UnitRow(province_unit_code(p.code), _province_name(p), kinds[p.division_type], root_code or "") for p in provinces]
    rows += [
        UnitRow(ward_unit_code(w.code), w.name, kinds[w.division_type], province_unit_code(w.province_code))
        for w in sorted(vp.Ward.iter_all(), key=lambda w: int(w.code))
        if int(w.province_code) in chosen
    ]
    return rows
