from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, MultipleFileField, StringField, SubmitField, TextAreaField
from wtforms.validators import Length, Optional

from dvkheo.core.fields import PlainText, VNDateField, VNIntegerField
from dvkheo.core.forms import TOO_LONG


class ReplicationForm(FlaskForm):
    started_on = VNDateField("Ngày bắt đầu áp dụng")
    adaptation = TextAreaField(
        "Đơn vị đã vận dụng, điều chỉnh những gì",
        validators=[Optional(), Length(max=8000, message=TOO_LONG), PlainText(multiline=True)],
    )
    scale = StringField(
        "Quy mô áp dụng", validators=[Optional(), Length(max=500, message=TOO_LONG), PlainText()],
        render_kw={"placeholder": "ví dụ: 4 thôn, 2 tổ dân phố"},
    )
    people_reached = VNIntegerField("Số người được hưởng lợi, tham gia")
    first_results = TextAreaField(
        "Kết quả bước đầu", validators=[Optional(), Length(max=8000, message=TOO_LONG), PlainText(multiline=True)]
    )
    files = MultipleFileField("Minh chứng (ảnh, văn bản)")
    # Signed list of files accepted in an earlier, failed attempt; they are attached on success.
    staged_uploads = HiddenField()

    save_draft = SubmitField("Lưu nháp")
    send = SubmitField("Lưu và gửi xác nhận")

    @property
    def wants_send(self) -> bool:
        return bool(self.send.data)


class ReturnForm(FlaskForm):
    reason = TextAreaField(
        "Lý do trả lại", validators=[Optional(), Length(max=2000, message=TOO_LONG), PlainText(multiline=True)]
    )
