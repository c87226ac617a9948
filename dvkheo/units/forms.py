"""Forms of the unit administration pages."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from dvkheo.core.fields import PlainText
from dvkheo.units.models import UNIT_KIND_LABELS
from dvkheo.units.operations import CODE_MAX, NAME_MAX

INHERIT_SYSTEM = 0


class UnitForm(FlaskForm):
    code = StringField(
        "Mã đơn vị",
        validators=[DataRequired("Vui lòng nhập mã đơn vị."), Length(max=CODE_MAX, message=f"Mã đơn vị tối đa {CODE_MAX} ký tự."), PlainText()],
    )
    name = StringField(
        "Tên đơn vị",
        validators=[DataRequired("Vui lòng nhập tên đơn vị."), Length(max=NAME_MAX, message=f"Tên đơn vị tối đa {NAME_MAX} ký tự."), PlainText()],
    )
    kind = SelectField("Loại đơn vị", choices=[SelectChoice(key, label) for key, label in UNIT_KIND_LABELS.items()])
    parent_code = StringField(
        "Đơn vị cấp trên",
        validators=[Optional(), Length(max=NAME_MAX, message=f"Mã hoặc tên đơn vị tối đa {NAME_MAX} ký tự.")],
        render_kw={"autocomplete": "off"},
    )
    active = BooleanField("Đang hoạt động", default=True)
    document_system_id = SelectField("Thể thức văn bản của đơn vị", coerce=int, choices=[], default=INHERIT_SYSTEM)

    def set_systems(self, systems, inherited: str) -> None:
        """The systems an administrator may pick; "inherit" names what the unit gets today when left so."""
        self.document_system_id.choices = [SelectChoice(INHERIT_SYSTEM, f"Theo đơn vị cấp trên (hiện nay: {inherited})")] + [
            SelectChoice(system.id, system.name) for system in systems
        ]

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.document_system_id.errors:
            self.document_system_id.errors = ["Lựa chọn không hợp lệ; vui lòng chọn lại."]
        return ok

    def allow_kind(self, kind: str | None) -> None:
        """Keep a kind that came from an import but is not in the standard list selectable."""
        if kind and kind not in UNIT_KIND_LABELS:
            self.kind.choices = [*self.kind.choices, SelectChoice(kind, kind)]


class UnitImportForm(FlaskForm):
    file = FileField("Tệp danh sách đơn vị (CSV hoặc XLSX)", validators=[FileRequired("Vui lòng chọn tệp cần nhập.")])
