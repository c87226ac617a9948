"""An office's printers and how far each shifts the page; actions flush and audit, never commit.

Offsets are millimetres, one decimal, −50 to 50: positive x moves every field right, positive y
moves it down (as a ruler on the sheet reads). Print jobs copy the offsets when they start, so
recalibrating never changes a file already made.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from dvkheo.certificates.models import PrinterCalibration
from dvkheo.core import audit
from dvkheo.core.rules import Problem, RuleRefused
from dvkheo.core.text import fold
from dvkheo.extensions import db

OFFSET_LIMIT_MM = 50.0


@dataclass(frozen=True)
class PrinterInput:
    name: str
    offset_x_mm: float
    offset_y_mm: float


def printers_of(unit_id: int) -> list[PrinterCalibration]:
    """A unit's printers by name."""
    return list(
        db.session.scalars(
            sa.select(PrinterCalibration)
            .where(PrinterCalibration.unit_id == unit_id)
            .order_by(PrinterCalibration.name, PrinterCalibration.id)
        )
    )


def printers_with_updater(unit_id: int) -> list[tuple[PrinterCalibration, str | None]]:
    """A unit's printers and the name of who last calibrated each (one query for the list page)."""
    from dvkheo.accounts.models import User

    return [
        (printer, full_name)
        for printer, full_name in db.session.execute(
            sa.select(PrinterCalibration, User.full_name)
            .outerjoin(User, User.id == PrinterCalibration.updated_by_id)
            .where(PrinterCalibration.unit_id == unit_id)
            .order_by(PrinterCalibration.name, PrinterCalibration.id)
        )
    ]


def _check(unit_id: int, data: PrinterInput, exclude_id: int | None) -> PrinterInput:
    problems = []
    name = " ".join((data.name or "").split())
    if not name:
        problems.append(Problem("name", "Vui lòng đặt tên máy in (ví dụ “Máy in phòng Văn thư”).", "name"))
    elif len(name) > 120:
        problems.append(Problem("name", "Tên máy in quá dài (tối đa 120 ký tự).", "name"))
    else:
        query = sa.select(PrinterCalibration.name).where(PrinterCalibration.unit_id == unit_id)
        if exclude_id is not None:
            query = query.where(PrinterCalibration.id != exclude_id)
        if any(fold(other) == fold(name) for other in db.session.scalars(query)):
            problems.append(Problem("name", f"Đơn vị đã có máy in tên “{name}”.", "name"))
    offsets = {}
    for field, axis in (("offset_x_mm", "x"), ("offset_y_mm", "y")):
        value = getattr(data, field)
        if value is None:
            problems.append(Problem(field, f"Vui lòng nhập độ lệch {axis} (mm); nhập 0 nếu máy in không lệch.", field))
            continue
        value = round(float(value), 1)
        if abs(value) > OFFSET_LIMIT_MM:
            problems.append(Problem(field, f"Độ lệch {axis} phải từ −50 đến 50 mm.", field))
        offsets[field] = value + 0.0  # -0.0 reads "−0" on the page
    if problems:
        raise RuleRefused(problems)
    return PrinterInput(name, offsets["offset_x_mm"], offsets["offset_y_mm"])


def _snapshot(printer: PrinterCalibration) -> dict:
    return {"name": printer.name, "offset_x_mm": printer.offset_x_mm, "offset_y_mm": printer.offset_y_mm}


def create_printer(unit_id: int, data: PrinterInput, actor) -> PrinterCalibration:
    """Add a printer to a unit; side effects: flush, audit "create" with its offsets."""
    clean = _check(unit_id, data, None)
    printer = PrinterCalibration(
        unit_id=unit_id, name=clean.name, offset_x_mm=clean.offset_x_mm, offset_y_mm=clean.offset_y_mm,
        updated_by_id=getattr(actor, "id", None),
    )
    db.session.add(printer)
    db.session.flush()
    audit.record("printer_calibration", printer.id, "create", actor, details=_snapshot(printer))
    return printer


def update_printer(printer: PrinterCalibration, data: PrinterInput, actor) -> bool:
    """Rename or recalibrate; side effects: audit "update" with the values before and after. Returns whether anything changed."""
    clean = _check(printer.unit_id, data, printer.id)
    before = _snapshot(printer)
    after = {"name": clean.name, "offset_x_mm": clean.offset_x_mm, "offset_y_mm": clean.offset_y_mm}
    if before == after:
        return False
    for key, value in after.items():
        setattr(printer, key, value)
    printer.updated_by_id = getattr(actor, "id", None)
    db.session.flush()
    audit.record("printer_calibration", printer.id, "update", actor, details={"before": before, "after": after})
    return True


def delete_printer(printer: PrinterCalibration, actor) -> None:
    """Remove a printer; print jobs that used it keep the offsets they copied. Side effects: audit "delete"."""
    audit.record("printer_calibration", printer.id, "delete", actor, details=_snapshot(printer))
    db.session.delete(printer)
    db.session.flush()
