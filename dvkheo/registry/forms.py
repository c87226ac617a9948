from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import TextAreaField
from wtforms.validators import Length

from dvkheo.core.fields import PlainText
from dvkheo.core.forms import TOO_LONG
from dvkheo.council.forms import INVALID_CHOICE, MultiCheckboxField
from dvkheo.registry.workflow import MAX_SUMMARY


class SummaryForm(FlaskForm):
    text = TextAreaField(
        "Tóm tắt công khai", validators=[Length(max=MAX_SUMMARY, message=TOO_LONG), PlainText(multiline=True)]
    )
    photos = MultiCheckboxField("Ảnh công khai", coerce=int, choices=[], validate_choice=True)

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.photos.choices = [(photo.id, photo.original_name) for photo in candidates]

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.photos.errors:  # WTForms' own messages are English
            self.photos.errors = [INVALID_CHOICE]
        return ok


class ReturnForm(FlaskForm):
    reason = TextAreaField("Lý do trả lại", validators=[Length(max=2000, message=TOO_LONG), PlainText(multiline=True)])


class ImportForm(FlaskForm):
    file = FileField(
        "Tệp danh sách mô hình, điển hình đã được công nhận (CSV hoặc Excel .xlsx)",
        validators=[FileRequired("Vui lòng chọn tệp cần nhập.")],
    )
