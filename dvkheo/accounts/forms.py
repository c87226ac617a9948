from __future__ import annotations

from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError

from dvkheo.accounts import passwords
from dvkheo.accounts.models import ROLE_LABELS

REQUIRED = "Vui lòng nhập {label}."


def _email_validators() -> list:
    """An account's address, as the reset request and the administrator's form both check it."""
    return [
        DataRequired("Vui lòng nhập thư điện tử."),
        Email("Thư điện tử không hợp lệ.", check_deliverability=False),
        Length(max=254, message="Thư điện tử tối đa 254 ký tự."),
    ]


class LoginForm(FlaskForm):
    email = EmailField("Thư điện tử", validators=[DataRequired("Vui lòng nhập thư điện tử."), Email("Thư điện tử không hợp lệ.")])
    password = PasswordField("Mật khẩu", validators=[DataRequired("Vui lòng nhập mật khẩu.")])
    remember = BooleanField("Ghi nhớ đăng nhập trên máy này")


def _strong_password(form, field) -> None:
    """The password policy of `accounts.passwords`, told beside the field."""
    reason = passwords.problem(field.data or "", form.personal_words())
    if reason:
        raise ValidationError(reason)


class _AccountPasswordForm(FlaskForm):
    """A form that sets an account's password; the account's own names may not be its base."""

    account = None  # the account whose password is set, when the view knows it

    def personal_words(self) -> list[str]:
        user = self.account
        if user is None and current_user.is_authenticated:
            user = current_user
        if user is None:
            return []
        return passwords.personal_words(user.full_name, user.email, user.unit.name if user.unit else None)


class PasswordChangeForm(_AccountPasswordForm):
    current_password = PasswordField("Mật khẩu hiện tại", validators=[DataRequired("Vui lòng nhập mật khẩu hiện tại.")])
    new_password = PasswordField("Mật khẩu mới", validators=[DataRequired("Vui lòng nhập mật khẩu mới."), _strong_password])
    confirm_password = PasswordField(
        "Nhập lại mật khẩu mới",
        validators=[DataRequired("Vui lòng nhập lại mật khẩu mới."), EqualTo("new_password", "Hai lần nhập mật khẩu mới không khớp.")],
    )


class PasswordResetRequestForm(FlaskForm):
    email = EmailField(
        "Thư điện tử của tài khoản",
        validators=_email_validators(),
    )


class PasswordResetForm(_AccountPasswordForm):
    new_password = PasswordField(
        "Mật khẩu mới", validators=[DataRequired("Vui lòng nhập mật khẩu mới."), _strong_password],
        render_kw={"autocomplete": "new-password"},
    )
    confirm_password = PasswordField(
        "Nhập lại mật khẩu mới",
        validators=[DataRequired("Vui lòng nhập lại mật khẩu mới."), EqualTo("new_password", "Hai lần nhập mật khẩu mới không khớp.")],
        render_kw={"autocomplete": "new-password"},
    )


class UserForm(FlaskForm):
    """An account as the administrator edits it; the unit is searched by code or name (trees hold thousands)."""

    full_name = StringField("Họ và tên", validators=[DataRequired("Vui lòng nhập họ và tên."), Length(max=200, message="Họ và tên tối đa 200 ký tự.")])
    email = EmailField(
        "Thư điện tử",
        validators=_email_validators(),
    )
    role = SelectField("Vai trò", choices=[SelectChoice(role.value, label) for role, label in ROLE_LABELS.items()])
    unit_code = StringField(
        "Đơn vị",
        validators=[Optional(), Length(max=255, message="Mã hoặc tên đơn vị tối đa 255 ký tự.")],
        render_kw={"autocomplete": "off"},
    )
    active = BooleanField("Đang hoạt động (được đăng nhập)", default=True)
    # "new-password" stops browsers from filling in the administrator's own saved password.
    password = PasswordField("Mật khẩu mới", validators=[Optional(), _strong_password], render_kw={"autocomplete": "new-password"})
    confirm_password = PasswordField(
        "Nhập lại mật khẩu mới",
        validators=[EqualTo("password", "Hai lần nhập mật khẩu không khớp.")],
        render_kw={"autocomplete": "new-password"},
    )

    def personal_words(self) -> list[str]:
        return passwords.personal_words(self.full_name.data, self.email.data)


class ApiTokenForm(FlaskForm):
    """A personal token for the staff API: a name to recognise it, what it may do, how long it lives."""

    name = StringField(
        "Tên gợi nhớ",
        validators=[DataRequired("Vui lòng đặt tên cho khóa (ví dụ: phần mềm một cửa của xã)."), Length(max=100, message="Tên tối đa 100 ký tự.")],
    )
    allow_draft = BooleanField("Cho phép tạo bản nháp hồ sơ đề nghị của đơn vị")
    days = SelectField("Thời hạn", coerce=int, default=90)

    def __init__(self, *args, may_draft: bool, **kwargs):
        from dvkheo.accounts import api_tokens

        super().__init__(*args, **kwargs)
        self.days.choices = [SelectChoice(d, f"{d} ngày") for d in api_tokens.EXPIRY_CHOICES]
        if not may_draft:
            del self.allow_draft
