"""Forms of voter identification (citizens), the voter list import and assisted voting (staff)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import EmailField, SelectMultipleField, StringField, ValidationError, widgets
from wtforms.validators import DataRequired, Email, Length, Optional

from dvkheo.core.fields import VNDateField
from dvkheo.core.forms import TOO_LONG
from dvkheo.core.timeutil import today_in_vietnam
from dvkheo.privacy.forms import consent_field
from dvkheo.voting.identity import CODE_DIGITS, normalise_id_number

ID_NUMBER_INVALID = "Số định danh cá nhân gồm đúng 12 chữ số (in trên thẻ căn cước)."


class _HoneypotForm(FlaskForm):
    """A field people never see (hidden by CSS, skipped by keyboard) that bots fill in."""

    website = StringField("Trang web (vui lòng để trống ô này)", render_kw={"autocomplete": "off", "tabindex": "-1"})

    @property
    def is_bot(self) -> bool:
        return bool((self.website.data or "").strip())


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _id_number(form, field) -> None:
    if field.data and normalise_id_number(field.data) is None:
        raise ValidationError(ID_NUMBER_INVALID)


def _born_in_the_past(form, field) -> None:
    if field.data is not None and not (1900 <= field.data.year and field.data <= today_in_vietnam()):
        raise ValidationError("Ngày sinh không hợp lệ.")


def _id_number_field(**kwargs) -> StringField:
    return StringField(
        "Số định danh cá nhân (số căn cước)",
        description="12 chữ số, in trên thẻ căn cước.",
        render_kw={"inputmode": "numeric", "autocomplete": "off", "maxlength": 20},
        **kwargs,
    )


class EmailIdentifyForm(_HoneypotForm):
    email = EmailField(
        "Thư điện tử",
        validators=[
            DataRequired("Vui lòng nhập địa chỉ thư điện tử."),
            Length(max=254, message=TOO_LONG),
            Email("Địa chỉ thư điện tử không hợp lệ (ví dụ: ten@gmail.com).", check_deliverability=False),
        ],
        description="Mã xác thực sẽ được gửi tới địa chỉ này.",
        filters=[_strip],
        render_kw={"autocomplete": "email", "inputmode": "email"},
    )
    # Law 91/2025: the address is processed on the person's consent, given here.
    consent = consent_field()


class CodeForm(_HoneypotForm):
    code = StringField(
        "Mã xác thực",
        validators=[DataRequired("Vui lòng nhập mã xác thực gồm 6 chữ số.")],
        render_kw={"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": 12},
    )

    def validate_code(self, field) -> None:
        digits = "".join((field.data or "").split())
        if not (digits.isdigit() and len(digits) == CODE_DIGITS):
            raise ValidationError("Mã xác thực gồm đúng 6 chữ số.")


class VoterListIdentifyForm(_HoneypotForm):
    id_number = _id_number_field(validators=[DataRequired("Vui lòng nhập số định danh cá nhân."), _id_number])
    full_name = StringField(
        "Họ và tên",
        filters=[_strip],
        validators=[DataRequired("Vui lòng nhập họ và tên."), Length(max=200, message=TOO_LONG)],
        render_kw={"autocomplete": "name"},
    )
    birth_date = VNDateField(
        "Ngày sinh", description="Ngày/tháng/năm, ví dụ 05/10/1980.",
        validators=[DataRequired("Vui lòng nhập ngày sinh (ngày/tháng/năm)."), _born_in_the_past],
    )


class VoterListUploadForm(FlaskForm):
    file = FileField("Tệp danh sách cử tri (CSV hoặc Excel .xlsx)", validators=[FileRequired("Vui lòng chọn tệp cần nhập.")])


class AssistedSearchForm(FlaskForm):
    """Find a person on the local list: by identity number, or by name and birth date."""

    id_number = _id_number_field(validators=[Optional(), _id_number])
    full_name = StringField("Họ và tên", validators=[Optional(), Length(max=200, message=TOO_LONG)])
    birth_date = VNDateField("Ngày sinh", validators=[Optional(), _born_in_the_past])

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        if self.id_number.data:
            return True
        if not (self.full_name.data or "").strip():
            self.full_name.errors.append("Nhập số định danh cá nhân, hoặc họ và tên cùng ngày sinh.")
            return False
        if self.birth_date.data is None:
            self.birth_date.errors.append("Tìm theo họ và tên cần có cả ngày sinh.")
            return False
        return True


class AssistedVoteForm(FlaskForm):
    """The nominees the person asks the official to tick; at most the slots the person has left."""

    nominations = SelectMultipleField(
        "Mô hình, điển hình được bình chọn",
        coerce=int,
        widget=widgets.ListWidget(prefix_label=False),
        option_widget=widgets.CheckboxInput(),
        validate_choice=False,  # checked below, with a Vietnamese message
    )

    def __init__(self, *args, nominees=(), slots_left: int = 1, **kwargs):
        super().__init__(*args, **kwargs)
        self.slots_left = slots_left
        self.nominations.choices = [(n.id, f"{n.title} — {n.nominee_name}") for n in nominees]

    def validate_nominations(self, field) -> None:
        chosen = field.data or []
        if not chosen:
            raise ValidationError("Vui lòng chọn ít nhất một mô hình, điển hình.")
        offered = {value for value, _label in self.nominations.choices}
        if any(value not in offered for value in chosen):
            raise ValidationError("Có mô hình, điển hình không còn trong danh sách bình chọn; vui lòng chọn lại.")
        if len(chosen) > self.slots_left:
            raise ValidationError(f"Người này chỉ còn được bình chọn tối đa {self.slots_left} mô hình, điển hình.")
