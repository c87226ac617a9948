from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so

from dvkheo.core import search
from dvkheo.extensions import db

# Kinds are free text (the tree may hold provinces, communes, agencies, armed-forces units...);
# these labels only make the common ones readable.
UNIT_KIND_LABELS = {
    "province": "Tỉnh, thành phố",
    "district": "Huyện, quận",
    "commune": "Xã",
    "ward": "Phường",
    "special_zone": "Đặc khu",
    "town": "Thị trấn",
    "agency": "Cơ quan, ban ngành",
    "mass_organisation": "Mặt trận, đoàn thể",
    "armed_forces": "Đơn vị lực lượng vũ trang",
    "enterprise": "Doanh nghiệp",
    "school": "Trường học",
    "hospital": "Bệnh viện, trạm y tế",
    "grassroots": "Tổ chức cơ sở",
    "village": "Thôn, tổ dân phố",
}


class Unit(db.Model):
    """One node of the organisation tree, of any depth.

    `path` is the materialised chain of ids ("/1/7/42/") so that "the subtree under X" is one
    indexed prefix comparison on SQLite and PostgreSQL alike.
    """

    __tablename__ = "units"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(40), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(255))
    kind: so.Mapped[str] = so.mapped_column(sa.String(40), default="agency")
    parent_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    path: so.Mapped[str] = so.mapped_column(sa.String(1000), default="", index=True)
    depth: so.Mapped[int] = so.mapped_column(default=0)
    active: so.Mapped[bool] = so.mapped_column(default=True)
    search_text: so.Mapped[str] = so.mapped_column(sa.String(600), default="")
    # How the unit writes its own documents (its dossier); None: as its nearest ancestor that says, else the State's.
    document_system_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("document_systems.id", ondelete="RESTRICT"))

    parent: so.Mapped["Unit | None"] = so.relationship(remote_side=[id], back_populates="children")
    children: so.Mapped[list["Unit"]] = so.relationship(back_populates="parent")
    document_system: so.Mapped["DocumentSystem | None"] = so.relationship()  # noqa: F821

    @property
    def kind_label(self) -> str:
        return UNIT_KIND_LABELS.get(self.kind, self.kind)

    def refresh_search_text(self) -> None:
        self.search_text = search.search_text(self.code, self.name, limit=600)

    def assign_path(self) -> None:
        """Set path and depth from the parent; the row must have an id (flush first)."""
        if self.parent is not None:
            self.path = f"{self.parent.path}{self.id}/"
            self.depth = self.parent.depth + 1
        else:
            self.path = f"/{self.id}/"
            self.depth = 0

    def is_within(self, ancestor: "Unit") -> bool:
        """True when this unit is `ancestor` itself or lies anywhere below it."""
        return self.path.startswith(ancestor.path)

    @property
    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/") if part]

    def __repr__(self) -> str:
        return f"<Unit {self.code} {self.name}>"


def subtree_condition(root: Unit):
    """SQL condition: a unit lies in the subtree rooted at `root` (root included)."""
    return Unit.path.startswith(root.path, autoescape=True)
