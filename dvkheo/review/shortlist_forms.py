"""Forms of the ranking page: the cut-off, the per-dossier decision and the revert.

The per-dossier forms carry a prefix ("n<nomination id>") so that every row's fields have their
own names and ids on the page.
"""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from dvkheo.core.fields import VNIntegerField
from dvkheo.core.forms import TOO_LONG

REASON_REQUIRED = "Vui lòng ghi rõ lý do."


def row_prefix(nomination_id: int) -> str:
    return f"n{nomination_id}"


class CutoffForm(FlaskForm):
    top_n = VNIntegerField(
        "Số hồ sơ đứng đầu mỗi nhóm",
        minimum=1,
        maximum=1000,
        validators=[InputRequired(message="Vui lòng nhập số hồ sơ lấy ở mỗi nhóm.")],
    )
    mark_rest = BooleanField("Đánh dấu các hồ sơ đã chấm điểm còn lại của các nhóm này là “Không vào danh sách đề cử”")
    # The groups the cut-off applies to: those of the page's filter.
    field_id = HiddenField()
    kind = HiddenField()


class PickForm(FlaskForm):
    reason = TextAreaField(
        "Lý do",
        validators=[DataRequired(message=REASON_REQUIRED), Length(max=5000, message=TOO_LONG)],
    )
    shortlist = SubmitField("Đưa vào danh sách đề cử")
    not_shortlist = SubmitField("Không đưa vào")

    @property
    def shortlisted(self) -> bool:
        """Which button was pressed; "Không đưa vào" only when it was."""
        return not self.not_shortlist.data


class RevertForm(FlaskForm):
    reason = TextAreaField(
        "Lý do xét lại",
        validators=[DataRequired(message=REASON_REQUIRED), Length(max=5000, message=TOO_LONG)],
    )
    submit = SubmitField("Xét lại danh sách đề cử")
