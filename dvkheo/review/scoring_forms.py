"""Forms for assignment and scoring: the rubric sheet is built per campaign, one points and one comment field per criterion."""
from __future__ import annotations

import re

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import TextInput

from dvkheo.core.forms import TOO_LONG
from dvkheo.review.scoring import Entry, points_message


class PointsField(StringField):
    """Whole points typed by a reviewer; "12,5" or "2.5" are refused rather than read as 125 or 25."""

    widget = TextInput()

    def __init__(self, label=None, validators=None, maximum: int = 0, **kwargs):
        # data-score-max: read by static/js/score_total.js for the running total.
        render_kw = {"inputmode": "numeric", "autocomplete": "off", "size": 4, "data-score-max": maximum}
        super().__init__(label, validators, render_kw=render_kw, **kwargs)
        self.maximum = maximum

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else str(self.data)

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        self.raw_data = valuelist
        text = valuelist[0].strip()
        self.data = None
        if not text:
            return
        if not re.fullmatch(r"-?\d{1,6}", text):
            raise ValueError(f"Điểm phải là số nguyên (không có phần thập phân), từ 0 đến {self.maximum}.")
        self.data = int(text)

    def pre_validate(self, form):
        if self.data is not None and not 0 <= self.data <= self.maximum:
            raise ValidationError(points_message(self.maximum))


class ScoreSheetForm(FlaskForm):
    save = SubmitField("Lưu")
    finalise = SubmitField("Hoàn tất chấm điểm")

    @property
    def wants_finalise(self) -> bool:
        return bool(self.finalise.data)

    def rows(self, criteria):
        """(criterion, points field, comment field) in rubric order, for the template."""
        return [(c, self[f"points_{c.id}"], self[f"comment_{c.id}"]) for c in criteria]

    def entries(self, criteria) -> dict[int, Entry]:
        return {c.id: Entry(self[f"points_{c.id}"].data, self[f"comment_{c.id}"].data or "") for c in criteria}


def build_score_form(criteria, scores, **kwargs) -> ScoreSheetForm:
    """A sheet for this rubric, filled from the saved `scores` (a request's form data wins)."""

    class Sheet(ScoreSheetForm):
        pass

    data = {}
    for criterion in criteria:
        setattr(Sheet, f"points_{criterion.id}", PointsField(f"Điểm (tối đa {criterion.max_score})", maximum=criterion.max_score))
        setattr(
            Sheet, f"comment_{criterion.id}",
            TextAreaField("Nhận xét", validators=[Optional(), Length(max=5000, message=TOO_LONG)], render_kw={"rows": 3}),
        )
    for score in scores:
        data[f"points_{score.criterion_id}"] = score.points
        data[f"comment_{score.criterion_id}"] = score.comment
    return Sheet(data=data, **kwargs)


class ConflictForm(FlaskForm):
    reason = TextAreaField(
        "Lý do xung đột lợi ích",
        validators=[DataRequired("Vui lòng nêu lý do xung đột lợi ích."), Length(max=2000, message=TOO_LONG)],
        render_kw={"rows": 3},
    )


class AssignForm(FlaskForm):
    nomination_id = HiddenField()
    reviewer_id = SelectField(
        "Thành viên Hội đồng", coerce=int, validate_choice=False, validators=[DataRequired("Vui lòng chọn Thành viên Hội đồng.")]
    )

    def __init__(self, members, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.reviewer_id.choices = [(0, "— Chọn thành viên —")] + [(m.id, m.full_name) for m in members]

    def validate_nomination_id(self, field) -> None:
        if not (field.data or "").isdigit():
            raise ValidationError("Yêu cầu không hợp lệ.")


class RemindForm(FlaskForm):
    # Empty: every member with unfinished sheets; otherwise one reviewer's user id.
    reviewer_id = HiddenField()
