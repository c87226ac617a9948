"""Forms of personal data: the consent tick, the public request form, the secretary's answer."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField, ValidationError
from wtforms.validators import InputRequired, Length, Optional

from dvkheo.core.forms import TOO_LONG
from dvkheo.privacy.models import RequestKind
from dvkheo.privacy.notices import CONSENT_LABEL, CONSENT_REQUIRED


class _Consent:
    """Refuses an unticked box with the Vietnamese message (InputRequired would say nothing useful)."""

    def __call__(self, form, field) -> None:
        if not field.data:
            raise ValidationError(CONSENT_REQUIRED)


def consent_field() -> BooleanField:
    return BooleanField(CONSENT_LABEL, validators=[_Consent()])


class DataRequestForm(FlaskForm):
    campaign_id = SelectField(
        "Đợt bình xét có dữ liệu của bạn", coerce=int, validate_choice=False,
        validators=[InputRequired("Vui lòng chọn đợt bình xét có dữ liệu của bạn.")],
    )
    kind = RadioField("Bạn yêu cầu", validate_choice=False)
    requester_name = StringField(
        "Họ và tên", validators=[InputRequired("Vui lòng nhập họ và tên."), Length(max=200, message=TOO_LONG)],
        render_kw={"autocomplete": "name"},
    )
    requester_contact = StringField(
        "Thư điện tử hoặc số điện thoại đã dùng",
        validators=[InputRequired("Vui lòng nhập thư điện tử hoặc số điện thoại bạn đã dùng khi bình chọn, phản ánh."),
                    Length(max=200, message=TOO_LONG)],
        render_kw={"autocomplete": "email"},
    )
    details = TextAreaField(
        "Nội dung yêu cầu", validators=[Optional(), Length(max=5000, message=TOO_LONG)],
    )
    website = StringField("Trang web (để trống)", validators=[Optional()], render_kw={"autocomplete": "off", "tabindex": "-1"})

    def __init__(self, *args, campaigns=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.campaign_id.choices = [(0, "— Chọn đợt bình xét —")] + [(c.id, c.title) for c in campaigns]
        self.kind.choices = [(kind.value, kind.label) for kind in RequestKind]

    def validate_campaign_id(self, field) -> None:
        if not field.data or field.data not in {value for value, _label in field.choices}:
            raise ValidationError("Vui lòng chọn đợt bình xét có dữ liệu của bạn.")

    def validate_kind(self, field) -> None:
        if field.data not in RequestKind._value2member_map_:
            raise ValidationError("Vui lòng chọn điều bạn yêu cầu.")

    def validate_requester_name(self, field) -> None:
        if not (field.data or "").strip():
            raise ValidationError("Vui lòng nhập họ và tên.")

    def validate_requester_contact(self, field) -> None:
        from dvkheo.voting.objection_forms import is_contact

        if not is_contact(field.data):
            raise ValidationError("Thư điện tử hoặc số điện thoại không hợp lệ (ví dụ ten@example.vn hoặc 0905 123 456).")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # Checked here: the field's Optional() stops its own chain when it is empty.
        if self.kind.data == RequestKind.CORRECT.value and not (self.details.data or "").strip():
            self.details.errors = [*self.details.errors, "Vui lòng ghi rõ thông tin nào chưa đúng và cần sửa thành gì."]
            valid = False
        return valid

    @property
    def is_bot(self) -> bool:
        return bool((self.website.data or "").strip())


class HandleForm(FlaskForm):
    answer = TextAreaField(
        "Nội dung trả lời, lý do từ chối", validators=[Optional(), Length(max=5000, message=TOO_LONG)],
    )


class ConfirmForm(FlaskForm):
    """The requester's "Xác nhận yêu cầu" button behind the emailed link (a CSRF token only)."""


VERIFIED_LABEL = "Đã xác minh danh tính người yêu cầu (giấy tờ, gọi điện…)"


class _Ticked:
    def __call__(self, form, field) -> None:
        if not field.data:
            raise ValidationError("Vui lòng đánh dấu khi đã xác minh danh tính người yêu cầu.")


class VerifyIdentityForm(FlaskForm):
    verified = BooleanField(VERIFIED_LABEL, validators=[_Ticked()])
    note = TextAreaField(
        "Cách đã xác minh",
        validators=[InputRequired("Vui lòng ghi cách đã xác minh (giấy tờ nào, gọi số nào, lúc nào)."),
                    Length(max=2000, message=TOO_LONG)],
    )
