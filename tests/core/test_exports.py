"""`core.exports`: the one place that keeps typed text out of spreadsheet formulas, and the guard
that every export in the code goes through it."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from dvkheo.core.exports import cells, csv_bytes, neutralise, restore, xlsx_bytes
from tests.export_checks import PAYLOADS, assert_csv_has_no_formula, assert_xlsx_has_no_formula

SOURCE = Path(__file__).resolve().parents[2] / "dvkheo"


@pytest.mark.parametrize("typed", PAYLOADS)
def test_text_that_could_run_gets_an_apostrophe_and_comes_back(typed):
    assert neutralise(typed) == "'" + typed
    assert restore(neutralise(typed)) == typed


@pytest.mark.parametrize("value", ["Mô hình dân vận khéo", "", "'quoted already", "1.250.000", "a=b", -2, -2.5, 0, None, True])
def test_harmless_text_and_every_number_stay_as_they_are(value):
    assert neutralise(value) == value
    assert type(neutralise(value)) is type(value)


def test_an_ordinary_workbook_is_cleaned_when_saved_even_cell_by_cell():
    book = Workbook()
    sheet = book.active
    sheet.append(list(PAYLOADS))
    sheet.cell(row=2, column=1, value="=1+1")
    sheet.cell(row=2, column=2, value=-7)
    assert sheet["A2"].data_type == "f"  # what openpyxl does on its own

    cells_read = assert_xlsx_has_no_formula(xlsx_bytes(book), PAYLOADS + ("=1+1",))

    number = next(cell for cell in cells_read if cell.coordinate == "B2")
    assert (number.value, number.data_type) == (-7, "n")


def test_a_write_only_workbook_is_cleaned_row_by_row():
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Xếp hạng")
    styled = WriteOnlyCell(sheet, value="=HYPERLINK(\"x\")")
    sheet.append(cells([styled, *PAYLOADS, -3.5]))

    cells_read = assert_xlsx_has_no_formula(xlsx_bytes(book), PAYLOADS + ('=HYPERLINK("x")',))

    assert [cell.value for cell in cells_read][-1] == -3.5


def test_csv_is_cleaned_and_keeps_the_bom_for_excel():
    data = csv_bytes([["Tên", "Điểm"], *[[typed, -2] for typed in PAYLOADS]])

    assert data.startswith(b"\xef\xbb\xbf")
    rows = assert_csv_has_no_formula(data)
    assert [row[1] for row in rows[1:]] == ["-2"] * len(PAYLOADS)  # a number is written as the number


def test_csv_quotes_separators_and_neutralises_a_leading_nul():
    data = csv_bytes([["\0x", 'a,"b"', "dòng 1\ndòng 2"]], bom=False)

    assert data.decode() == '\'\0x,"a,""b""","dòng 1\ndòng 2"\r\n'  # RFC 4180 quoting, apostrophe before the NUL


def test_every_export_in_the_code_goes_through_core_exports():
    """A new export that saves a workbook or writes CSV by itself would skip the neutralising."""
    offenders = []
    for path in SOURCE.rglob("*.py"):
        if path.name == "exports.py" and path.parent.name == "core":
            continue
        text = path.read_text(encoding="utf-8")
        writes_csv = re.search(r"\bcsv\.(writer|DictWriter)\(", text)
        saves_workbook_itself = re.search(r"\bWorkbook\(", text) and ("xlsx_bytes(" not in text or "workbook.save(" in text)
        if writes_csv or saves_workbook_itself:
            offenders.append(str(path.relative_to(SOURCE)))
    assert offenders == []
