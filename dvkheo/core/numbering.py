"""A register of outgoing document numbers ("sổ đăng ký văn bản đi"): one series per issuer, restarting each year."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from dvkheo.core.timeutil import utcnow
from dvkheo.extensions import db


class DocumentNumber(db.Model):
    __tablename__ = "document_numbers"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    series: so.Mapped[str] = so.mapped_column(sa.String(80))
    year: so.Mapped[int] = so.mapped_column()
    number: so.Mapped[int] = so.mapped_column()
    entity_type: so.Mapped[str] = so.mapped_column(sa.String(40))
    entity_id: so.Mapped[int] = so.mapped_column()
    issued_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True), default=utcnow)

    __table_args__ = (sa.UniqueConstraint("series", "year", "number", name="uq_document_numbers_series_year_number"),)


def next_number(series: str, year: int, entity_type: str, entity_id: int, *, attempts: int = 5) -> int:
    """Take the next free number of `series` in `year` for the entity; the unique constraint settles races."""
    for _ in range(attempts):
        highest = db.session.scalar(
            sa.select(sa.func.max(DocumentNumber.number)).where(DocumentNumber.series == series, DocumentNumber.year == year)
        )
        number = (highest or 0) + 1
        try:
            with db.session.begin_nested():
                db.session.add(
                    DocumentNumber(series=series, year=year, number=number, entity_type=entity_type, entity_id=entity_id)
                )
        except sa.exc.IntegrityError:
            continue
        return number
    raise RuntimeError(f"Không cấp được số văn bản cho sổ {series}/{year}.")


def format_number(number: int) -> str:
    """Decree 30: numbers below 10 take a leading zero ("05")."""
    return f"{number:02d}"
