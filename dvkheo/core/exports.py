"""Spreadsheets the app hands out (XLSX and CSV): user-typed text stays text, never a formula.

A dossier title typed as `=HYPERLINK("http://…","Bấm vào đây")` must not become a live link or a
calculation when the committee opens the ranking in Excel or LibreOffice ("CSV/formula injection").
As OWASP recommends, a text value starting with `=`, `+`, `-`, `@`, a tab, a carriage return or a NUL
is prefixed with an apostrophe; in an XLSX it is also stored as a string cell (openpyxl would otherwise
store a value starting with "=" as a formula). Only strings are touched: a negative score is a number
and stays one.

Every export goes through here: `cells()` for rows (plain values or openpyxl cells, also write-only
ones), `xlsx_bytes()` to save a workbook (it checks every cell of an ordinary workbook once more,
so a cell written one by one is covered too) and `csv_bytes()` for CSV.
"""
from __future__ import annotations

import csv
import io
from typing import Any, Iterable

from openpyxl import Workbook
from openpyxl.cell import Cell

# What a spreadsheet program may read as the start of a formula (OWASP "CSV Injection", ASVS 5.0 V1.2.10).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\0")
QUOTE = "'"


def neutralise(value: Any) -> Any:
    """`value` unchanged, unless it is text a spreadsheet could run: then "'" + value."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return QUOTE + value
    return value


def restore(value: str) -> str:
    """The text as typed, from a neutralised value read back (an importer reading our own template)."""
    if value.startswith(QUOTE) and value[1:].startswith(FORMULA_TRIGGERS):
        return value[1:]
    return value


def _safe_cell(cell: Any) -> Any:
    if isinstance(cell, Cell):  # also what openpyxl's WriteOnlyCell() returns
        if isinstance(cell.value, str) and cell.value.startswith(FORMULA_TRIGGERS):
            cell.value = neutralise(cell.value)
            cell.data_type = "s"  # openpyxl types a str starting with "=" as a formula ("f")
        return cell
    return neutralise(cell)


def cells(values: Iterable[Any]) -> list[Any]:
    """One row for `sheet.append`: every text value neutralised (cells keep their style)."""
    return [_safe_cell(value) for value in values]


def xlsx_bytes(workbook: Workbook) -> bytes:
    """The workbook saved as XLSX bytes, with no formula left in any cell.

    Ordinary workbooks are checked cell by cell here; a write-only workbook has already written its
    rows, so those must come through `cells()` (the ranking export does)."""
    if not workbook.write_only:
        for sheet in workbook.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    _safe_cell(cell)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: Iterable[Iterable[Any]], *, bom: bool = True) -> bytes:
    """CSV (comma, CRLF), UTF-8 with a BOM by default so that Excel shows Vietnamese accents."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow(cells(row))
    return buffer.getvalue().encode("utf-8-sig" if bom else "utf-8")


def csv_line(values: Iterable[Any]) -> str:
    """One CSV line (comma, CRLF) of neutralised cells, for exports streamed a chunk at a time."""
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerow(cells(values))
    return buffer.getvalue()
