"""The award-form editor: a name and the council's voting rule, fractions typed as "2/3" or "90%"."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, StringField
from wtforms.validators import Length
from wtforms.widgets import TextInput

from dvkheo.awards.models import AwardForm, ThresholdBase
from dvkheo.awards.operations import AwardFormInput
from dvkheo.core.fields import VNIntegerField
from dvkheo.council.voting import FractionError, format_fraction, parse_fraction

INVALID_CHOICE = "Lựa chọn không hợp lệ; vui lòng chọn lại."


class FractionField(StringField):
    """A share typed as a fraction ("2/3") or a percentage ("90%"); `data` is (numerator, denominator)."""

    widget = TextInput()

    def __init__(self, label=None, validators=None, **kwargs):
        render_kw = {"placeholder": "ví dụ 2/3 hoặc 90%", "autocomplete": "off", "size": 8}
        render_kw.update(kwargs.pop("render_kw", {}) or {})
        super().__init__(label, validators, render_kw=render_kw, **kwargs)

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        if isinstance(self.data, tuple):
            return format_fraction(*self.data)
        return self.data or ""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        self.raw_data = valuelist
        self.data = None
        try:
            self.data = parse_fraction(valuelist[0])
        except FractionError as error:
            raise ValueError(str(error)) from None


class AwardFormForm(FlaskForm):
    name = StringField(
        "Tên hình thức khen thưởng",
        validators=[Length(max=120, message="Tên quá dài (tối đa 120 ký tự).")],
        render_kw={"placeholder": "Ví dụ: Giấy khen, Bằng khen"},
    )
    position = VNIntegerField("Thứ tự", minimum=0, maximum=999)
    quorum = FractionField("Số thành viên dự họp tối thiểu (so với tổng số thành viên Hội đồng)")
    threshold = FractionField("Tỷ lệ phiếu đồng ý để thông qua")
    threshold_inclusive = RadioField(
        "Cách so sánh",
        choices=[("more", "Trên tỷ lệ này (ví dụ quá bán: trên 1/2)"), ("least", "Từ tỷ lệ này trở lên (ví dụ từ 90% trở lên)")],
        default="more",
    )
    threshold_base = RadioField(
        "Tỷ lệ tính trên",
        choices=[(base.value, base.label) for base in ThresholdBase],
        default=ThresholdBase.PRESENT.value,
    )
    count_written_opinions = BooleanField("Tính ý kiến bằng văn bản của thành viên vắng mặt là phiếu biểu quyết")

    def __init__(self, *args, award_form: AwardForm | None = None, **kwargs):
        if award_form is not None:  # posted values, when any, take precedence
            kwargs["data"] = {
                "name": award_form.name,
                "position": award_form.position,
                "quorum": (award_form.quorum_numerator, award_form.quorum_denominator),
                "threshold": (award_form.threshold_numerator, award_form.threshold_denominator),
                "threshold_inclusive": "least" if award_form.threshold_inclusive else "more",
                "threshold_base": award_form.threshold_base.value,
                "count_written_opinions": award_form.count_written_opinions,
            }
        super().__init__(*args, **kwargs)

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        for field in (self.threshold_inclusive, self.threshold_base):
            if field.errors:
                field.errors = [INVALID_CHOICE]
        if not (self.name.data or "").strip():
            self.name.errors = list(self.name.errors) + ["Vui lòng nhập tên hình thức khen thưởng."]
            ok = False
        for field in (self.quorum, self.threshold):
            if field.data is None and not field.errors:
                field.errors = list(field.errors) + ["Vui lòng nhập tỷ lệ."]
                ok = False
        return ok

    def to_input(self) -> AwardFormInput:
        return AwardFormInput(
            name=self.name.data or "",
            position=self.position.data or 0,
            quorum_numerator=self.quorum.data[0],
            quorum_denominator=self.quorum.data[1],
            threshold_numerator=self.threshold.data[0],
            threshold_denominator=self.threshold.data[1],
            threshold_inclusive=self.threshold_inclusive.data == "least",
            threshold_base=ThresholdBase(self.threshold_base.data),
            count_written_opinions=bool(self.count_written_opinions.data),
        )
