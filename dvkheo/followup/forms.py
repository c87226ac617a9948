from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, MultipleFileField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, ValidationError

from dvkheo.core.fields import PlainText, VNDateField, VNIntegerField
from dvkheo.core.forms import TOO_LONG
from dvkheo.followup.workflow import LIMITS, MAX_TEXT
from dvkheo.registry.models import ModelStatus

YEAR_MIN, YEAR_MAX = 1990, 2100


def _limits(name: str) -> dict:
    low, high = LIMITS[name]
    return {"minimum": low, "maximum": high}


class AnswerForm(FlaskForm):
    reported_status = SelectField(
        "Tình trạng hiện nay của mô hình",
        choices=[SelectChoice("", "— Chọn tình trạng —")] + [SelectChoice(s.value, s.label) for s in ModelStatus],
        validate_choice=False,  # checked below with a Vietnamese message (WTForms has none)
    )
    people_reached = VNIntegerField("Số người được tiếp cận, hưởng lợi", **_limits("people_reached"))
    money_vnd = VNIntegerField("Kinh phí huy động, đóng góp (đồng)", **_limits("money_vnd"))
    working_days = VNIntegerField("Số ngày công đóng góp", **_limits("working_days"))
    other_results = TextAreaField(
        "Kết quả khác", validators=[Length(max=MAX_TEXT, message=TOO_LONG), PlainText(multiline=True)]
    )
    internal_note = TextAreaField(
        "Ghi chú gửi Hội đồng (không công khai)",
        validators=[Length(max=MAX_TEXT, message=TOO_LONG), PlainText(multiline=True)],
    )
    evidence = MultipleFileField("Tệp minh chứng (không công khai)")
    staged_uploads = HiddenField()

    def validate_reported_status(self, field) -> None:
        if field.data and field.data not in ModelStatus._value2member_map_:
            raise ValidationError("Tình trạng không hợp lệ; vui lòng chọn lại.")

    def values(self) -> dict:
        raw = self.reported_status.data or ""
        return {
            "reported_status": ModelStatus(raw) if raw in ModelStatus._value2member_map_ else None,
            "people_reached": self.people_reached.data,
            "money_vnd": self.money_vnd.data,
            "working_days": self.working_days.data,
            "other_results": self.other_results.data or "",
            "internal_note": self.internal_note.data or "",
        }


class ReturnForm(FlaskForm):
    reason = TextAreaField(
        "Lý do trả lại", validators=[Length(max=2000, message=TOO_LONG), PlainText(multiline=True)]
    )


class DeadlineForm(FlaskForm):
    due_on = VNDateField("Hạn trả lời", validators=[InputRequired(message="Vui lòng nhập hạn trả lời.")])


class RoundForm(FlaskForm):
    year = VNIntegerField(
        "Năm theo dõi", minimum=YEAR_MIN, maximum=YEAR_MAX,
        validators=[InputRequired(message="Vui lòng nhập năm.")],
    )
    due_on = VNDateField("Hạn trả lời", validators=[InputRequired(message="Vui lòng nhập hạn trả lời.")])
