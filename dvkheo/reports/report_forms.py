"""Forms of the periodic report: choosing the period, writing the narrative, returning it for completion."""
from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, TextAreaField
from wtforms.validators import Length, ValidationError

from dvkheo.core.fields import PlainText, VNDateField, VNIntegerField
from dvkheo.core.forms import TOO_LONG
from dvkheo.reports import report_period
from dvkheo.reports.models import SECTION_MAX, SECTIONS, PeriodKind

QUARTERS = [SelectChoice(str(n), f"Quý {report_period.ROMAN[n]}") for n in (1, 2, 3, 4)]
HALVES = [SelectChoice("1", "6 tháng đầu năm"), SelectChoice("2", "6 tháng cuối năm")]


class PeriodForm(FlaskForm):
    """A quarter, six months, a year or a range of whole months. `bounds()` gives its first and last day."""

    period_kind = SelectField(
        "Kỳ báo cáo", choices=[SelectChoice(k.value, k.label) for k in PeriodKind], default=PeriodKind.HALF.value,
        validate_choice=False,
    )
    year = VNIntegerField("Năm", minimum=report_period.YEAR_MIN, maximum=report_period.YEAR_MAX)
    quarter = SelectField("Quý", choices=QUARTERS, default="1", validate_choice=False)
    half = SelectField("6 tháng", choices=HALVES, default="1", validate_choice=False)
    first_day = VNDateField("Từ ngày (tính từ đầu tháng)")
    last_day = VNDateField("Đến ngày (tính đến cuối tháng)")

    def kind(self) -> PeriodKind | None:
        raw = self.period_kind.data or ""
        return PeriodKind(raw) if raw in PeriodKind._value2member_map_ else None

    def validate_period_kind(self, field) -> None:
        if self.kind() is None:
            raise ValidationError("Vui lòng chọn kỳ báo cáo.")

    def validate_year(self, field) -> None:
        if self.kind() is not PeriodKind.RANGE and field.data is None:
            raise ValidationError("Vui lòng nhập năm.")

    def validate_quarter(self, field) -> None:
        if self.kind() is PeriodKind.QUARTER and field.data not in ("1", "2", "3", "4"):
            raise ValidationError("Vui lòng chọn quý.")

    def validate_half(self, field) -> None:
        if self.kind() is PeriodKind.HALF and field.data not in ("1", "2"):
            raise ValidationError("Vui lòng chọn 6 tháng đầu hoặc cuối năm.")

    def validate_last_day(self, field) -> None:
        if self.kind() is not PeriodKind.RANGE:
            return
        if self.first_day.data is None or field.data is None:
            raise ValidationError("Vui lòng nhập ngày bắt đầu và ngày kết thúc của kỳ.")
        if self.first_day.data > field.data:
            raise ValidationError("Ngày kết thúc phải sau ngày bắt đầu.")
        if not (report_period.YEAR_MIN <= self.first_day.data.year and field.data.year <= report_period.YEAR_MAX):
            raise ValidationError("Kỳ báo cáo phải nằm trong các năm từ 2000 đến 2100.")
        if (field.data.year - self.first_day.data.year) * 12 + field.data.month - self.first_day.data.month >= 120:
            raise ValidationError("Kỳ báo cáo không dài quá 10 năm.")

    def bounds(self) -> tuple[date, date]:
        kind = self.kind()
        if kind is PeriodKind.RANGE:
            return report_period.bounds(kind, self.first_day.data.year, None, self.first_day.data, self.last_day.data)
        number = {PeriodKind.QUARTER: self.quarter.data, PeriodKind.HALF: self.half.data}.get(kind)
        return report_period.bounds(kind, self.year.data, int(number) if number else None)


def _section(label: str) -> TextAreaField:
    return TextAreaField(label, validators=[Length(max=SECTION_MAX, message=TOO_LONG), PlainText(multiline=True)],
                         render_kw={"rows": 8})


class NarrativeForm(FlaskForm):
    situation = _section("I. Tình hình triển khai")
    results = _section("II. Kết quả thực hiện")
    shortcomings = _section("III. Hạn chế, nguyên nhân")
    directions = _section("IV. Phương hướng, nhiệm vụ")

    def values(self) -> dict[str, str]:
        return {name: getattr(self, name).data or "" for name, _ in SECTIONS}


class ReturnForm(FlaskForm):
    reason = TextAreaField(
        "Nội dung cần bổ sung", validators=[Length(max=2000, message=TOO_LONG), PlainText(multiline=True)],
        render_kw={"rows": 3},
    )
