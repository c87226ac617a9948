"""Where each variable field of a certificate sits on a pre-printed blank ("phôi"), A4 landscape (297 × 210 mm).

An award form may override any field in `AwardForm.blank_layout` ({"recipient_name": {"y": 98}, ...});
whatever it leaves out keeps the default below. Coordinates are the top-left corner of the field's
box in millimetres from the sheet's top-left corner, before a printer's calibration offsets.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

PAGE_WIDTH_MM = 297
PAGE_HEIGHT_MM = 210
ALIGNMENTS = ("left", "center", "right")


@dataclass(frozen=True)
class FieldBox:
    x: float  # mm from the left edge
    y: float  # mm from the top edge
    w: float  # box width, mm
    size: float  # font size, pt
    align: str = "center"
    bold: bool = False
    italic: bool = False


# (field, label, default box) in reading order on the sheet.
FIELDS: tuple[tuple[str, str, FieldBox], ...] = (
    ("recipient_name", "Tên người, tập thể được khen", FieldBox(48, 92, 201, 24, "center", bold=True)),
    ("recipient_detail", "Chức vụ, đơn vị", FieldBox(48, 106, 201, 14, "center", italic=True)),
    ("reason", "Thành tích (lý do khen thưởng)", FieldBox(48, 118, 201, 14, "center")),
    # The references sit beside the QR code, bottom left, as on the plain certificate: whoever scans the code
    # sees the serial it must show.
    ("decision_number", "Số quyết định", FieldBox(51, 163, 100, 10.5, "left", italic=True)),
    ("serial", "Số hiệu giấy khen", FieldBox(51, 170, 100, 11, "left", bold=True)),
    ("reissue_note", "Ghi chú cấp lại", FieldBox(51, 176, 100, 9, "left", italic=True)),
    ("date_line", "Địa danh, ngày tháng", FieldBox(160, 150, 110, 13, "center", italic=True)),
    ("signer_name", "Họ tên người ký", FieldBox(160, 186, 110, 14, "center", bold=True)),
)
FIELD_LABELS = {name: label for name, label, _ in FIELDS}
QR_BOX = FieldBox(24, 158, 25, 0)  # the QR code's square (x, y, side in `w`)
# Fields that keep their place beside the QR code when a form moves the code but not them.
BESIDE_QR = ("decision_number", "serial", "reissue_note")


def default_layout() -> dict[str, FieldBox]:
    return {name: box for name, _, box in FIELDS} | {"qr": QR_BOX}


def effective_layout(overrides: dict | None) -> dict[str, FieldBox]:
    """The default layout with an award form's overrides applied; unknown keys and bad values are ignored.

    A form that moves the QR code without placing the serial itself takes the serial along, so that the
    serial stays beside the code whatever the blank's design."""
    layout = default_layout()
    overrides = overrides or {}
    for name, values in overrides.items():
        if name not in layout or not isinstance(values, dict):
            continue
        known = {key: value for key, value in values.items() if key in FieldBox.__dataclass_fields__}
        try:
            layout[name] = replace(layout[name], **known)
        except TypeError:
            continue
    defaults = default_layout()
    for name in BESIDE_QR:
        if isinstance(overrides.get(name), dict):
            continue
        qr = layout["qr"]
        try:
            layout[name] = replace(defaults[name], x=defaults[name].x + float(qr.x) - QR_BOX.x,
                                   y=defaults[name].y + float(qr.y) - QR_BOX.y)
        except (TypeError, ValueError):
            layout[name] = defaults[name]
    return layout
