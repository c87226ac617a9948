from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError

from dvkheo.accounts.models import ROLE_LABELS

REQUIRED = "Vui lòng nhập {label}."


class LoginForm(FlaskForm):
    email = EmailField("Thư điện tử", validators=[DataRequired("Vui lòng nhập thư điện tử."), Email("Thư điện tử không hợp lệ.")])
    password = PasswordField("Mật khẩu", validators=[DataRequired("Vui lòng nhập mật khẩu.")])
    remember = BooleanField("Ghi nhớ đăng nhập trên máy này")


def _strong_password(form, field) -> None:
    value = field.data or ""
    if len(value) < 10 or value.isdigit() or value.isalpha():
        raise ValidationError("Mật khẩu cần ít nhất 10 ký tự, gồm cả chữ và số.")


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField("Mật khẩu hiện tại", validators=[DataRequired("Vui lòng nhập mật khẩu hiện tại.")])
    new_password = PasswordField("Mật khẩu mới", validators=[DataRequired("Vui lòng nhập mật khẩu mới."), _strong_password])
    confirm_password = PasswordField(
        "Nhập lại mật khẩu mới",
        validators=[DataRequired("Vui lòng nhập lại mật khẩu mới."), EqualTo("new_password", "Hai lần nhập mật khẩu mới không khớp.")],
    )


class UserForm(FlaskForm):
    full_name = StringField("Họ và tên", validators=[DataRequired("Vui lòng nhập họ và tên."), Length(max=200)])
    email = EmailField("Thư điện tử", validators=[DataRequired("Vui lòng nhập thư điện tử."), Email("Thư điện tử không hợp lệ.")])
    role = SelectField("Vai trò", choices=[(role.value, label) for role, label in ROLE_LABELS.items()])
    unit_id = SelectField("Đơn vị", coerce=int, validators=[Optional()])
    active = BooleanField("Đang hoạt động", default=True)
    password = PasswordField("Mật khẩu (để trống nếu không đổi)", validators=[Optional(), _strong_password])
