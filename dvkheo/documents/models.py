"""Document systems kept as data: the Party's and the State's are seeded, an administrator adds others."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from dvkheo.core.timeutil import utcnow
from dvkheo.documents.formats import BUILTIN, DocumentFormat
from dvkheo.extensions import db


class DocumentSystem(db.Model):
    """One way of writing official documents ("thể thức văn bản"). `settings` holds a DocumentFormat's values."""

    __tablename__ = "document_systems"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(40), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(160))
    settings: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)
    # The Party's and the State's: their rules come from a regulation, so they can be edited but not deleted.
    builtin: so.Mapped[bool] = so.mapped_column(default=False)
    created_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True), default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    @property
    def format(self) -> DocumentFormat:
        return DocumentFormat.from_dict({**(self.settings or {}), "code": self.code, "name": self.name})

    def __repr__(self) -> str:
        return f"<DocumentSystem {self.code}>"


def ensure_builtin_systems() -> dict[str, DocumentSystem]:
    """The Party and State rows, added when missing (the migration seeds them; a bare create_all does not)."""
    existing = {system.code: system for system in db.session.scalars(sa.select(DocumentSystem))}
    for code, fmt in BUILTIN.items():
        if code not in existing:
            values = fmt.as_dict()
            name = values.pop("name")
            values.pop("code")
            system = DocumentSystem(code=code, name=name, settings=values, builtin=True)
            db.session.add(system)
            existing[code] = system
    db.session.flush()
    return existing


def system_by_code(code: str) -> DocumentSystem | None:
    return db.session.scalar(sa.select(DocumentSystem).where(DocumentSystem.code == code))
