"""The ranking as an Excel workbook: sheet "Xếp hạng" (one row per dossier, in ranking order) and
sheet "Điểm chi tiết" (one row per dossier × reviewer with every criterion's points).

Numbers are written as numbers (two-decimal format), dates as dates shown dd/mm/yyyy, typed text
as text (never a formula: `core.exports`); the header row is frozen. Only final sheets appear, as in the ranking, and none of a dossier the
reader still scores (blind review: the row says why its scores are missing).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from dvkheo.accounts.models import User
from dvkheo.core.exports import cells, xlsx_bytes
from dvkheo.core.timeutil import as_vietnam
from dvkheo.extensions import db
from dvkheo.nominations.models import Nomination
from dvkheo.review.models import AssignmentStatus, ReviewAssignment, Score
from dvkheo.review.ranking import HIDDEN_ROW_NOTE, Ranking, Row

RANKING_SHEET = "Xếp hạng"
DETAIL_SHEET = "Điểm chi tiết"
PAPER_MARK = "nhập hộ từ phiếu giấy"
DISAGREEMENT_MARK = "Có"

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="EEF0F3")
_WRAP = Alignment(wrap_text=True, vertical="top")
_SCORE_FORMAT = "0.00"
_DATE_FORMAT = "DD/MM/YYYY"

# (header, width) of the ranking sheet, in order.
RANKING_COLUMNS = (
    ("Nhóm", 34),
    ("Thứ hạng", 9),
    ("Số hồ sơ", 9),
    ("Tên mô hình, điển hình", 45),
    ("Tập thể, cá nhân được đề nghị", 32),
    ("Đơn vị", 28),
    ("Lĩnh vực", 28),
    ("Tập thể/Cá nhân", 12),
    ("Số phiếu chấm đã hoàn thành", 12),
    ("Số thành viên được phân công", 12),
    ("Điểm trung bình", 11),
    ("Độ chênh lệch", 11),
    ("Chênh lệch lớn", 10),
    ("Điểm chuẩn hóa", 11),
    ("Trạng thái", 24),
    ("Ghi chú", 18),
    ("Lý do (danh sách đề cử)", 45),
)


@dataclass
class DetailSheet:
    """One reviewer's final sheet on one dossier."""

    assignment_id: int
    nomination_id: int
    reviewer_name: str
    finalised_at: datetime | None
    on_paper: bool
    points: dict[int, int | None] = field(default_factory=dict)
    comments: dict[int, str] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(p for p in self.points.values() if p is not None)


def detail_sheets(campaign_id: int, nomination_ids: set[int] | None = None) -> dict[int, list[DetailSheet]]:
    """Final sheets of the campaign per nomination id, reviewers by name (one query)."""
    query = (
        sa.select(
            ReviewAssignment.id,
            ReviewAssignment.nomination_id,
            User.full_name,
            ReviewAssignment.finalised_at,
            ReviewAssignment.entered_by_id,
            Score.criterion_id,
            Score.points,
            Score.comment,
        )
        .join(Nomination, Nomination.id == ReviewAssignment.nomination_id)
        .join(User, User.id == ReviewAssignment.reviewer_id)
        .outerjoin(Score, Score.assignment_id == ReviewAssignment.id)
        .where(
            Nomination.campaign_id == campaign_id,
            ReviewAssignment.status == AssignmentStatus.ACTIVE,
            ReviewAssignment.finalised_at.is_not(None),
        )
        .order_by(ReviewAssignment.nomination_id, User.full_name, ReviewAssignment.id)
    )
    sheets: dict[int, DetailSheet] = {}
    for assignment_id, nomination_id, name, finalised_at, entered_by_id, criterion_id, points, comment in db.session.execute(query):
        if nomination_ids is not None and nomination_id not in nomination_ids:
            continue
        sheet = sheets.get(assignment_id)
        if sheet is None:
            sheet = sheets[assignment_id] = DetailSheet(assignment_id, nomination_id, name, finalised_at, entered_by_id is not None)
        if criterion_id is not None:
            sheet.points[criterion_id] = points
            sheet.comments[criterion_id] = comment or ""
    by_nomination: dict[int, list[DetailSheet]] = {}
    for sheet in sheets.values():
        by_nomination.setdefault(sheet.nomination_id, []).append(sheet)
    return by_nomination


def _score(value: float | None) -> float | None:
    return None if value is None else float(value)


def _note(row: Row) -> str:
    if row.scores_hidden:
        return HIDDEN_ROW_NOTE
    if row.on_hold:
        return "Tạm dừng xét"
    if row.incomplete:
        return "chưa đủ điểm"
    return ""


def _ranking_values(row: Row) -> list:
    return [
        row.group_label,
        row.rank,
        row.number,
        row.title,
        row.nominee_name,
        row.unit_name,
        row.field_name,
        row.kind.label,
        row.final_count,
        row.active_count,
        _score(row.raw_mean),
        _score(row.spread),
        DISAGREEMENT_MARK if row.disagreement else "",
        _score(row.normalised),
        row.status.label,
        _note(row),
        row.decision.reason if row.decision else "",
    ]


def _header(sheet, columns: list[tuple[str, int]]) -> None:
    """Widths, frozen first row and the bold header (write-only sheets: before any row)."""
    for index, (_, width) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    header = []
    for title, _ in columns:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font, cell.fill, cell.alignment = _HEADER_FONT, _HEADER_FILL, _WRAP
        header.append(cell)
    sheet.append(cells(header))


def _formatted(sheet, value, number_format: str):
    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = number_format
    return cell


def _vietnam_date(moment: datetime | None) -> date | None:
    return as_vietnam(moment).date() if moment is not None else None


def ranking_workbook(ranking: Ranking, *, with_comments: bool = True) -> bytes:
    """The two sheets as XLSX bytes (a write-only workbook: thousands of rows stay fast)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(RANKING_SHEET)
    rows = ranking.rows
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(RANKING_COLUMNS))}{max(len(rows) + 1, 2)}"
    _header(sheet, list(RANKING_COLUMNS))
    score_columns = {
        i for i, (title, _) in enumerate(RANKING_COLUMNS) if title in ("Điểm trung bình", "Độ chênh lệch", "Điểm chuẩn hóa")
    }
    for row in rows:
        values = _ranking_values(row)
        sheet.append(
            cells(_formatted(sheet, v, _SCORE_FORMAT) if i in score_columns and v is not None else v for i, v in enumerate(values))
        )

    detail = workbook.create_sheet(DETAIL_SHEET)
    criteria = ranking.criteria
    columns = [("Số hồ sơ", 9), ("Tên mô hình, điển hình", 40), ("Thành viên Hội đồng", 26)]
    columns += [(f"{c.title} (tối đa {c.max_score})", 14) for c in criteria]
    columns += [("Tổng điểm", 10)]
    if with_comments:
        columns += [(f"Nhận xét: {c.title}", 40) for c in criteria]
    columns += [("Ngày hoàn thành", 14), ("Ghi chú", 22)]
    _header(detail, columns)
    # Blind review: no reviewer's sheet of a dossier the reader still scores.
    sheets = detail_sheets(ranking.campaign_id, {r.nomination_id for r in rows if not r.scores_hidden})
    for row in rows:
        for reviewer_sheet in sheets.get(row.nomination_id, []):
            values = [row.number, row.title, reviewer_sheet.reviewer_name]
            values += [reviewer_sheet.points.get(c.id) for c in criteria]
            values += [reviewer_sheet.total]
            if with_comments:
                values += [reviewer_sheet.comments.get(c.id, "") for c in criteria]
            finalised = _vietnam_date(reviewer_sheet.finalised_at)
            values += [
                _formatted(detail, finalised, _DATE_FORMAT) if finalised else None,
                PAPER_MARK if reviewer_sheet.on_paper else "",
            ]
            detail.append(cells(values))

    return xlsx_bytes(workbook)
