"""Forms of the screening panel. Each has a prefix so that several share the dossier page."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, TextAreaField, ValidationError
from wtforms.validators import InputRequired, Length, Optional

from dvkheo.core.fields import VNDateField
from dvkheo.core.forms import TOO_LONG
from dvkheo.review.models import HoldCategory

REASON_REQUIRED = "Vui lòng ghi rõ lý do."


def _reason(label: str) -> TextAreaField:
    return TextAreaField(
        label, validators=[InputRequired(message=REASON_REQUIRED), Length(max=5000, message=TOO_LONG)]
    )


class ReturnForm(FlaskForm):
    reason = _reason("Lý do trả lại, nội dung cần bổ sung")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "return")
        super().__init__(*args, **kwargs)


class RejectForm(FlaskForm):
    reason = _reason("Lý do không tiếp nhận")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "reject")
        super().__init__(*args, **kwargs)


class HoldForm(FlaskForm):
    category = SelectField(
        "Diện tạm dừng xét",
        choices=[SelectChoice(category.value, category.label) for category in HoldCategory],
        validators=[InputRequired(message="Vui lòng chọn diện tạm dừng xét.")],
        validate_choice=False,  # checked below, with a Vietnamese message
    )
    reason = _reason("Lý do tạm dừng xét (căn cứ, văn bản liên quan)")
    release_on = VNDateField(
        "Ngày dự kiến xem xét gỡ tạm dừng",
        validators=[InputRequired(message="Vui lòng nhập ngày dự kiến xem xét gỡ tạm dừng xét.")],
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "hold")
        super().__init__(*args, **kwargs)

    def validate_category(self, field) -> None:
        if field.data not in HoldCategory._value2member_map_:
            raise ValidationError("Vui lòng chọn diện tạm dừng xét trong danh sách.")

    @property
    def hold_category(self) -> HoldCategory:
        return HoldCategory(self.category.data)


class ReleaseForm(FlaskForm):
    note = TextAreaField(
        "Ghi chú khi gỡ tạm dừng xét (không bắt buộc)", validators=[Optional(), Length(max=5000, message=TOO_LONG)]
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "release")
        super().__init__(*args, **kwargs)
