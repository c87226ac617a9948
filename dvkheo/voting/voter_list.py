"""A campaign's local voter list ("danh sách cử tri"), imported from a CSV or XLSX sheet.

Rules, also told to the secretary on the import page:
- Columns "Số định danh", "Họ và tên", "Ngày sinh", "Địa bàn"; headers with or without
  diacritics, any order; other columns are ignored.
- "Số định danh" is the 12-digit personal identity number (số căn cước); it is stored only as a
  keyed hash (`identity.id_number_hash`), never in clear, and never shown back.
- "Địa bàn" names a unit inside the campaign's tree, by code or by name: it decides which
  commune's officials may record the person's assisted vote.
- A number already on the list UPDATES that person (name, birth date, locality): communes send
  corrected lists again and again. People missing from a later sheet stay on the list.
- Every row is checked first; if any row fails, nothing is written (all or nothing).
"""
from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from dvkheo.campaigns.models import Campaign
from dvkheo.core import audit
from dvkheo.core.exports import xlsx_bytes
from dvkheo.core.storage import UploadRejected, clean_original_name, sniff_kind
from dvkheo.core.tables import MAX_ROWS, clean_cell, csv_table, xlsx_table
from dvkheo.core.text import fold
from dvkheo.core.timeutil import today_in_vietnam, utcnow
from dvkheo.extensions import db
from dvkheo.units.importer import ImportFailed, ImportIssue
from dvkheo.units.models import Unit, subtree_condition
from dvkheo.voting.identity import id_number_hash, name_key, normalise_id_number
from dvkheo.voting.models import Voter, VoterListEntry

MAX_BYTES = 10 * 1024 * 1024
NAME_MAX = 200
SHOWN_ISSUES = 200
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

COLUMN_TITLES = {
    "id_number": "Số định danh",
    "full_name": "Họ và tên",
    "birth_date": "Ngày sinh",
    "locality": "Địa bàn",
}
_HEADER_WORDS = {
    "id_number": {
        "so dinh danh", "so dinh danh ca nhan", "ma dinh danh", "so cccd", "cccd", "so can cuoc", "can cuoc",
        "so can cuoc cong dan", "id number", "id",
    },
    "full_name": {"ho va ten", "ho ten", "ten", "full name", "name"},
    "birth_date": {"ngay sinh", "ngay thang nam sinh", "ngay, thang, nam sinh", "birth date", "date of birth", "dob"},
    "locality": {"dia ban", "dia ban cu tru", "noi cu tru", "don vi", "ma don vi", "xa, phuong", "xa phuong", "locality", "unit"},
}
_HEADER_KEYS = {word: key for key, words in _HEADER_WORDS.items() for word in words}
_DATE_PATTERNS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d", "%Y-%m-%d %H:%M:%S")


@dataclass
class ListRow:
    line: int
    id_number: str
    full_name: str
    birth_date: date
    unit_id: int
    locality: str


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged

    def summary(self) -> str:
        def number(n: int) -> str:
            return f"{n:,}".replace(",", ".")

        return (
            f"thêm mới {number(self.created)}, cập nhật {number(self.updated)}, giữ nguyên {number(self.unchanged)} "
            f"(tổng {number(self.total)} người)"
        )


# --- reading an upload ---------------------------------------------------------------------------


def read_table(stream, filename: str | None) -> list[list[Any]]:
    """The cells of an uploaded CSV or XLSX, judged by content. Raises UploadRejected. No side effects.

    XLSX cells keep their types (a number stored as an integer, a date as a date), so that
    identity numbers get their leading zeros back and dates need no guessing.
    """
    display_name = clean_original_name(filename)
    data = stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise UploadRejected(f"Tệp “{display_name}” vượt quá {MAX_BYTES // (1024 * 1024)} MB.")
    if not data.strip():
        raise UploadRejected(f"Tệp “{display_name}” rỗng.")
    kind = sniff_kind(data[:16], io.BytesIO(data))
    if kind == "xlsx":
        return xlsx_table(data, display_name, cell=_typed_cell)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise UploadRejected(
            f"Tệp “{display_name}” là tệp Excel 97-2003 (.xls). Vui lòng mở bằng Excel và lưu lại dạng .xlsx hoặc CSV."
        )
    if kind is not None or data.startswith(b"PK\x03\x04"):
        raise UploadRejected(f"Tệp “{display_name}” không phải tệp CSV hoặc Excel (.xlsx).")
    return csv_table(data, display_name)


def _typed_cell(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return clean_cell(value)




def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _header_key(value: Any) -> str | None:
    folded = re.sub(r"\(.*?\)", " ", fold(str(value or "")))
    folded = " ".join(re.sub(r"[_\-*:./]", " ", folded).split())
    return _HEADER_KEYS.get(folded)


def _to_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for pattern in _DATE_PATTERNS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


class _Units:
    """Units of the campaign's tree by code and by folded name (one query)."""

    def __init__(self, campaign: Campaign):
        root = campaign.organising_unit
        rows = db.session.execute(sa.select(Unit.id, Unit.code, Unit.name).where(subtree_condition(root))).all()
        self.names = {unit_id: name for unit_id, _, name in rows}
        self.by_code = {code.strip().lower(): unit_id for unit_id, code, _ in rows}
        self.by_name: dict[str, list[int]] = {}
        for unit_id, _, name in rows:
            self.by_name.setdefault(fold(name), []).append(unit_id)
        self.root_name = root.name

    def find(self, text: str) -> tuple[int | None, str | None]:
        """(unit id, None) or (None, the problem)."""
        unit_id = self.by_code.get(text.strip().lower())
        if unit_id is not None:
            return unit_id, None
        matches = self.by_name.get(fold(text), [])
        if len(matches) == 1:
            return matches[0], None
        if matches:
            return None, f"Có {len(matches)} đơn vị cùng tên “{text}”; vui lòng ghi mã đơn vị."
        return None, f"Không tìm thấy địa bàn “{text[:60]}” (mã hoặc tên đơn vị) trong phạm vi {self.root_name}."


def parse_table(table: list[list[Any]], campaign: Campaign) -> list[ListRow]:
    """Check every row of the sheet; return typed rows, or raise ImportFailed with every problem.

    Problems are given by spreadsheet row and column ('C “Ngày sinh”'); identity numbers are
    never repeated in a message. Reads the campaign's units (one query), writes nothing.
    """
    header_index = next((i for i, cells in enumerate(table) if any(not _blank(c) for c in cells)), None)
    if header_index is None:
        raise ImportFailed([ImportIssue("Tệp không có dữ liệu.")])
    header = table[header_index]
    positions: dict[str, int] = {}
    for column, text in enumerate(header):
        key = _header_key(text)
        if key is not None and key not in positions:
            positions[key] = column
    missing = [COLUMN_TITLES[key] for key in COLUMN_TITLES if key not in positions]
    if missing:
        names = ", ".join(f"“{title}”" for title in missing)
        raise ImportFailed([ImportIssue(
            f"Dòng tiêu đề thiếu cột {names}. Vui lòng dùng tệp mẫu (các cột: {', '.join(COLUMN_TITLES.values())}).",
            header_index + 1,
        )])
    columns = {key: f"{get_column_letter(index + 1)} “{clean_cell(header[index])}”" for key, index in positions.items()}
    units = _Units(campaign)
    today = today_in_vietnam()
    issues: list[ImportIssue] = []
    rows: list[ListRow] = []
    first_line: dict[str, int] = {}

    for index in range(header_index + 1, len(table)):
        cells = table[index]
        if all(_blank(c) for c in cells):
            continue
        line = index + 1

        def cell(key: str) -> Any:
            position = positions[key]
            return cells[position] if position < len(cells) else None

        def problem(key: str, message: str) -> None:
            issues.append(ImportIssue(message, line, columns[key]))

        raw_number, raw_name, raw_birth, raw_locality = (cell(key) for key in COLUMN_TITLES)
        number = normalise_id_number(raw_number) if not _blank(raw_number) else None
        if _blank(raw_number):
            problem("id_number", "Thiếu số định danh cá nhân.")
        elif number is None:
            problem("id_number", "Số định danh cá nhân phải gồm đúng 12 chữ số.")
        elif number in first_line:
            problem("id_number", f"Số định danh trùng với dòng {first_line[number]}.")
        else:
            first_line[number] = line
        full_name = clean_cell(raw_name)
        if not full_name:
            problem("full_name", "Thiếu họ và tên.")
        elif len(full_name) > NAME_MAX:
            problem("full_name", f"Họ và tên dài quá {NAME_MAX} ký tự.")
        birth_date = None
        if _blank(raw_birth):
            problem("birth_date", "Thiếu ngày sinh.")
        else:
            birth_date = _to_date(raw_birth)
            if birth_date is None:
                problem("birth_date", f"“{clean_cell(raw_birth)[:20]}” không phải ngày hợp lệ; ghi theo dạng ngày/tháng/năm, ví dụ 05/10/1980.")
            elif not (1900 <= birth_date.year and birth_date <= today):
                problem("birth_date", "Ngày sinh không hợp lệ (trước năm 1900 hoặc sau ngày hôm nay).")
                birth_date = None
        unit_id = None
        locality = clean_cell(raw_locality)
        if not locality:
            problem("locality", "Thiếu địa bàn (mã hoặc tên xã, phường).")
        else:
            unit_id, message = units.find(locality)
            if message:
                problem("locality", message)
        if number and full_name and birth_date and unit_id and first_line.get(number) == line:
            rows.append(ListRow(line, number, unicodedata.normalize("NFC", full_name), birth_date, unit_id, units.names[unit_id]))
    if not issues and not rows:
        issues.append(ImportIssue("Tệp chỉ có dòng tiêu đề, chưa có người nào.", header_index + 1))
    if issues:
        raise ImportFailed(issues)
    return rows


# --- writing ---------------------------------------------------------------------------------------


def import_rows(campaign: Campaign, rows: list[ListRow], *, actor) -> ImportResult:
    """Write checked rows: add new people, update those whose number is already on the list.

    Side effects, in order: one query for the list's existing hashes; one batched INSERT and one
    batched UPDATE; an "voter_list_import" audit event on the campaign holding only the counts.
    Flushes, never commits.
    """
    existing = {
        digest: (entry_id, full_name, birth_date, unit_id)
        for entry_id, digest, full_name, birth_date, unit_id in db.session.execute(
            sa.select(
                VoterListEntry.id, VoterListEntry.id_number_hash, VoterListEntry.full_name,
                VoterListEntry.birth_date, VoterListEntry.unit_id,
            ).where(VoterListEntry.campaign_id == campaign.id)
        )
    }
    now = utcnow()
    inserts, updates = [], []
    result = ImportResult()
    for row in rows:
        digest = id_number_hash(row.id_number)
        values = dict(
            full_name=row.full_name, name_key=name_key(row.full_name), birth_date=row.birth_date,
            unit_id=row.unit_id, locality=row.locality, imported_at=now,
        )
        current = existing.get(digest)
        if current is None:
            inserts.append(dict(campaign_id=campaign.id, id_number_hash=digest, **values))
            result.created += 1
        elif current[1:] == (row.full_name, row.birth_date, row.unit_id):
            result.unchanged += 1
        else:
            updates.append(dict(id=current[0], **values))
            result.updated += 1
    if inserts:
        db.session.execute(sa.insert(VoterListEntry), inserts)
    if updates:
        db.session.execute(sa.update(VoterListEntry), updates)
    audit.record(
        "campaign", campaign.id, "voter_list_import", actor,
        details={"created": result.created, "updated": result.updated, "unchanged": result.unchanged},
    )
    db.session.flush()
    return result


# --- reading the list ------------------------------------------------------------------------------


def counts_by_unit(campaign_id: int) -> list[tuple[str, int]]:
    """(unit name, people on the list) for the campaign, biggest first: one grouped query, no numbers."""
    rows = db.session.execute(
        sa.select(sa.func.coalesce(Unit.name, "Chưa xác định địa bàn"), sa.func.count(VoterListEntry.id))
        .select_from(VoterListEntry)
        .outerjoin(Unit, Unit.id == VoterListEntry.unit_id)
        .where(VoterListEntry.campaign_id == campaign_id)
        .group_by(Unit.id, Unit.name)
        .order_by(sa.func.count(VoterListEntry.id).desc(), Unit.name)
    ).all()
    return [(name, count) for name, count in rows]


SEARCH_LIMIT = 20


def find_entries(
    campaign: Campaign, official, *, id_number: str | None = None, full_name: str | None = None, birth_date=None
) -> list[tuple[VoterListEntry, Voter | None]]:
    """People on the list an official may assist (their unit's subtree, or entries without a unit),
    by identity number or by folded name + birth date, each with their voter if they identified
    or voted already. One query; at most SEARCH_LIMIT rows."""
    if official.unit is None:
        return []
    query = (
        sa.select(VoterListEntry, Voter)
        .outerjoin(Unit, Unit.id == VoterListEntry.unit_id)
        .outerjoin(Voter, sa.and_(Voter.campaign_id == campaign.id, Voter.list_entry_id == VoterListEntry.id))
        .where(
            VoterListEntry.campaign_id == campaign.id,
            sa.or_(VoterListEntry.unit_id.is_(None), subtree_condition(official.unit)),
        )
        .options(so.contains_eager(VoterListEntry.unit))
        .order_by(VoterListEntry.name_key, VoterListEntry.birth_date, VoterListEntry.id)
        .limit(SEARCH_LIMIT)
    )
    number = normalise_id_number(id_number) if id_number else None
    if number:
        query = query.where(VoterListEntry.id_number_hash == id_number_hash(number))
    elif full_name and birth_date:
        query = query.where(VoterListEntry.name_key == name_key(full_name), VoterListEntry.birth_date == birth_date)
    else:
        return []
    return [(entry, voter) for entry, voter in db.session.execute(query).unique().all()]


def has_list(campaign_id: int) -> bool:
    return db.session.scalar(
        sa.select(sa.exists().where(VoterListEntry.campaign_id == campaign_id))
    )


# --- the template ----------------------------------------------------------------------------------

TEMPLATE_UNITS_MAX = 5000


def template_xlsx(campaign: Campaign) -> bytes:
    """The XLSX to fill in: the list sheet (number and date columns as text), instructions, and the
    campaign's units with their codes for the "Địa bàn" column. No example person in the data sheet."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Danh sách cử tri"
    sheet.append(list(COLUMN_TITLES.values()))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for letter, width in zip("ABCD", (18, 32, 14, 30), strict=True):
        sheet.column_dimensions[letter].width = width
    # Text columns, so that "001..." keeps its zeros and "05/10/1980" is not reinterpreted.
    for letter in "ABC":
        sheet.column_dimensions[letter].number_format = "@"
    sheet.freeze_panes = "A2"

    guide = workbook.create_sheet("Hướng dẫn")
    guide.column_dimensions["A"].width = 20
    guide.column_dimensions["B"].width = 100
    for row in (
        ("Cột", "Cách điền"),
        (COLUMN_TITLES["id_number"], "Bắt buộc: số định danh cá nhân (số căn cước) gồm 12 chữ số, ví dụ 051090001234. "
                                      "Hệ thống chỉ lưu mã băm của số này, không lưu và không hiển thị lại số."),
        (COLUMN_TITLES["full_name"], "Bắt buộc: họ và tên đầy đủ, có dấu, như trên thẻ căn cước."),
        (COLUMN_TITLES["birth_date"], "Bắt buộc: ngày/tháng/năm, ví dụ 05/10/1980."),
        (COLUMN_TITLES["locality"], "Bắt buộc: mã hoặc tên xã, phường nơi cư trú (xem sheet “Địa bàn”). "
                                     "Cán bộ của địa bàn đó ghi nhận bình chọn có hỗ trợ cho người này."),
        (),
        ("Lưu ý", "Người đã có trong danh sách (cùng số định danh) được cập nhật theo tệp mới; người không có trong tệp mới vẫn được giữ."),
        ("", "Nếu có dòng sai, hệ thống không nhập dòng nào; sửa theo thông báo rồi tải lên lại."),
        ("", f"Mỗi tệp tối đa {MAX_ROWS:,} người; danh sách lớn hơn tải lên thành nhiều tệp.".replace(",", ".")),
    ):
        guide.append(list(row))
    guide["A1"].font = guide["B1"].font = Font(bold=True)

    units_sheet = workbook.create_sheet("Địa bàn")
    units_sheet.append(["Mã đơn vị", "Tên đơn vị"])
    for cell in units_sheet[1]:
        cell.font = Font(bold=True)
    units_sheet.column_dimensions["A"].width = 16
    units_sheet.column_dimensions["B"].width = 50
    for code, name in db.session.execute(
        sa.select(Unit.code, Unit.name).where(subtree_condition(campaign.organising_unit)).order_by(Unit.path).limit(TEMPLATE_UNITS_MAX)
    ):
        units_sheet.append([code, name])
    return xlsx_bytes(workbook)
