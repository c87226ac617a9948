"""Forms of objections: the public's "Phản ánh, góp ý" and the secretary's answer."""
from __future__ import annotations

import re

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    RadioField,
    SelectChoice,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import InputRequired, Length, Optional

from dvkheo.core.fields import VNDateField
from dvkheo.core.forms import TOO_LONG
from dvkheo.privacy.forms import consent_field

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_PHONE_SEPARATORS = re.compile(r"[\s.\-()]")
_PHONE = re.compile(r"\+?\d{9,12}")


def is_contact(value: str) -> bool:
    """A phone number (9 to 12 digits, spaces and dots allowed, +84 too) or an email address."""
    value = (value or "").strip()
    return bool(_EMAIL.fullmatch(value) or _PHONE.fullmatch(_PHONE_SEPARATORS.sub("", value)))


class ObjectionForm(FlaskForm):
    author_name = StringField(
        "Họ và tên người gửi",
        validators=[InputRequired(message="Vui lòng nhập họ và tên người gửi."), Length(max=200, message=TOO_LONG)],
        render_kw={"autocomplete": "name"},
    )
    author_contact = StringField(
        "Số điện thoại hoặc thư điện tử",
        validators=[
            InputRequired(message="Vui lòng nhập số điện thoại hoặc địa chỉ thư điện tử để liên hệ khi cần xác minh."),
            Length(max=200, message=TOO_LONG),
        ],
        render_kw={"autocomplete": "tel"},
    )
    content = TextAreaField(
        "Nội dung phản ánh, góp ý",
        validators=[
            InputRequired(message="Vui lòng nhập nội dung phản ánh, góp ý."),
            Length(min=10, message="Nội dung quá ngắn; vui lòng nêu rõ sự việc (ít nhất %(min)d ký tự)."),
            Length(max=5000, message=TOO_LONG),
        ],
    )
    # Law 91/2025: the name and contact are processed on the sender's consent, given here.
    consent = consent_field()
    # Hidden from people (CSS and aria-hidden); a bot filling every box fills this one too.
    website = StringField("Trang web (để trống)", validators=[Optional()], render_kw={"autocomplete": "off", "tabindex": "-1"})

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "pa")
        super().__init__(*args, **kwargs)

    def validate_author_name(self, field) -> None:
        if not field.data.strip():
            raise ValidationError("Vui lòng nhập họ và tên người gửi.")

    def validate_author_contact(self, field) -> None:
        if not is_contact(field.data):
            raise ValidationError(
                "Số điện thoại hoặc thư điện tử không hợp lệ (ví dụ 0905 123 456 hoặc ten@example.vn)."
            )

    def validate_content(self, field) -> None:
        if not field.data.strip():
            raise ValidationError("Vui lòng nhập nội dung phản ánh, góp ý.")

    @property
    def is_bot(self) -> bool:
        return bool((self.website.data or "").strip())


UPHELD_CHOICES = [("yes", "Đúng, phản ánh được chấp nhận"), ("no", "Không đúng, phản ánh không được chấp nhận")]


class AnswerForm(FlaskForm):
    answer = TextAreaField(
        "Nội dung trả lời",
        validators=[InputRequired(message="Vui lòng nhập nội dung trả lời."), Length(max=5000, message=TOO_LONG)],
    )
    upheld = RadioField(
        "Kết quả xác minh",
        choices=[SelectChoice(value, label) for value, label in UPHELD_CHOICES],
        validators=[InputRequired(message="Vui lòng cho biết phản ánh có đúng (được chấp nhận) hay không.")],
        validate_choice=False,  # checked below, with a Vietnamese message
    )
    hold = BooleanField("Tạm dừng xét hồ sơ")
    hold_reason = TextAreaField(
        "Lý do tạm dừng xét (để trống: dùng nội dung trả lời)", validators=[Optional(), Length(max=5000, message=TOO_LONG)]
    )
    hold_release_on = VNDateField("Ngày dự kiến xem xét gỡ tạm dừng", validators=[Optional()])

    def validate_upheld(self, field) -> None:
        if field.data not in dict(UPHELD_CHOICES):
            raise ValidationError("Vui lòng chọn một kết quả xác minh trong danh sách.")

    def validate_hold(self, field) -> None:
        if field.data and self.upheld.data != "yes":
            raise ValidationError("Chỉ tạm dừng xét hồ sơ khi phản ánh được xác minh là đúng.")

    def validate_hold_release_on(self, field) -> None:
        if self.hold.data and field.data is None and not field.errors:
            raise ValidationError("Vui lòng nhập ngày dự kiến xem xét gỡ tạm dừng xét.")

    @property
    def upheld_value(self) -> bool | None:
        return {"yes": True, "no": False}.get(self.upheld.data)
