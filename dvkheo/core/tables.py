"""Reading an uploaded spreadsheet (CSV or the first sheet of an XLSX) into rows of cells, safely:
bounded rows and unzipped size, Vietnamese encodings and separators, a Vietnamese message for
every file that cannot be read. Shared by the unit and voter-list importers."""
from __future__ import annotations

import csv
import io
import unicodedata
import zipfile
from typing import Any, Callable

from openpyxl import load_workbook

from dvkheo.core.storage import UploadRejected

MAX_ROWS = 20_000
# An XLSX is a zip: refuse one that would inflate far beyond what a list of rows needs.
MAX_UNZIPPED_BYTES = 100 * 1024 * 1024
# A workbook saved by Excel or LibreOffice holds a few dozen parts (one per sheet, image or
# style file); thousands of tiny entries only make the reader work through its directory.
MAX_ZIP_ENTRIES = 1000


def clean_cell(value: Any) -> str:
    """Cell text as a person reads it: NFC, single spaces, 51.0 shown as 51."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = unicodedata.normalize("NFC", str(value))
    return " ".join(text.split())


def zip_problem(archive: zipfile.ZipFile, display_name: str, max_unzipped: int = MAX_UNZIPPED_BYTES) -> str | None:
    """Why an XLSX must not be opened, judged from its zip directory alone, before anything is
    inflated: too many entries, or more unpacked bytes than `max_unzipped`. The sizes are the
    declared ones; zipfile stops reading an entry at its declared size, so a lying header
    cannot inflate more (the entry then fails its CRC check and the file is refused as damaged)."""
    entries = archive.infolist()
    if len(entries) > MAX_ZIP_ENTRIES:
        return (
            f"Tệp “{display_name}” chứa quá nhiều thành phần nén ({len(entries):,}; tối đa {MAX_ZIP_ENTRIES:,}). "
            "Vui lòng mở bằng Excel và lưu lại dưới dạng “Sổ làm việc Excel (.xlsx)”."
        ).replace(",", ".")
    if sum(info.file_size for info in entries) > max_unzipped:
        return f"Tệp “{display_name}” chứa dữ liệu quá lớn sau khi giải nén; vui lòng chia thành nhiều tệp nhỏ hơn."
    return None


def _too_many_rows() -> UploadRejected:
    return UploadRejected(f"Tệp có quá {MAX_ROWS:,} dòng; vui lòng chia thành nhiều tệp.".replace(",", "."))


def decode_text(data: bytes, display_name: str) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1258 as saved by Vietnamese Excel."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    for encoding in ("utf-8-sig", "cp1258"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UploadRejected(f"Không đọc được bảng mã của tệp “{display_name}”. Vui lòng lưu lại dạng CSV UTF-8.")


def csv_table(data: bytes, display_name: str, cell: Callable[[str], Any] = clean_cell) -> list[list[Any]]:
    text = decode_text(data, display_name)
    if any(unicodedata.category(ch) == "Cc" and ch not in "\t\r\n" for ch in text[:100_000]):
        raise UploadRejected(f"Tệp “{display_name}” không phải tệp CSV hoặc Excel (.xlsx).")
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    # Excel on a Vietnamese Windows saves CSV with ";" (the decimal mark is ","); pick the likeliest.
    delimiter = max(",;\t", key=first_line.count)
    table: list[list[str]] = []
    try:
        for cells in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            table.append([cell(text) for text in cells])
            if len(table) > MAX_ROWS + 1:
                raise _too_many_rows()
    except csv.Error:
        raise UploadRejected(f"Tệp “{display_name}” không đúng định dạng CSV.") from None
    return table


def xlsx_table(
    data: bytes, display_name: str, cell: Callable[[Any], Any] = clean_cell, *, formulas_as_text: bool = False
) -> list[list[Any]]:
    """The first sheet's rows, each value passed through `cell` (text by default; an importer that
    needs real dates or numbers passes its own). `formulas_as_text`: a formula cell gives its formula
    ("=HYPERLINK(…)"), never the result some spreadsheet program cached in the file."""
    unreadable = UploadRejected(f"Không đọc được tệp Excel “{display_name}”; tệp có thể bị hỏng.")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            problem = zip_problem(archive, display_name)
        if problem:
            raise UploadRejected(problem)
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=not formulas_as_text)
    except UploadRejected:
        raise
    except Exception:  # openpyxl raises many kinds of errors on a damaged file
        raise unreadable from None
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # some programs write a wrong <dimension>
        table: list[list[Any]] = []
        for values in sheet.iter_rows(values_only=True):
            table.append([cell(value) for value in values])
            if len(table) > MAX_ROWS + 1:
                raise _too_many_rows()
    except UploadRejected:
        raise
    except Exception:
        raise unreadable from None
    finally:
        workbook.close()
    return table
