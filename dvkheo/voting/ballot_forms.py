"""Forms of the public ballot: casting and withdrawing a vote (CSRF + a bot honeypot), and the
receipt lookup. WTForms ships no Vietnamese messages, so every message is written here."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import Length, ValidationError

from dvkheo.voting.ledger_verifier import normalise_receipt

HONEYPOT_MESSAGE = "Yêu cầu không hợp lệ. Vui lòng tải lại trang và bình chọn lại."
UNKNOWN_NOMINEE = "Mô hình, điển hình này không có trong danh sách bình chọn."


class HoneypotForm(FlaskForm):
    """`website` is hidden from people (the `hidden` attribute): only a bot fills it in.

    The app-wide CSRFProtect already checks every POST before the view runs; checking the same
    token again in the form would only cost time on the busiest route of the public stage.
    """

    class Meta:
        csrf = False

    website = StringField("Trang web", render_kw={"autocomplete": "off", "tabindex": "-1"})

    def validate_website(self, field) -> None:
        if (field.data or "").strip():
            raise ValidationError(HONEYPOT_MESSAGE)


class CastForm(HoneypotForm):
    """One vote: the nomination chosen on the ballot."""

    # A label of its own (never shown): without one WTForms translates a default label on every request.
    nomination_id = HiddenField("Mô hình, điển hình")

    @property
    def nomination_number(self) -> int | None:
        text = (self.nomination_id.data or "").strip()
        return int(text) if text.isdigit() and len(text) < 12 else None

    def validate_nomination_id(self, field) -> None:
        if self.nomination_number is None:
            raise ValidationError("Vui lòng chọn một mô hình, điển hình để bình chọn.")


class WithdrawForm(HoneypotForm):
    """Withdrawing one's own vote (the vote is named in the URL)."""


class ReceiptLookupForm(FlaskForm):
    """The receipt check: it changes nothing, but is posted so the code stays out of URLs and logs."""

    class Meta:
        csrf = False

    ma = StringField(
        "Mã xác nhận bình chọn",
        validators=[Length(max=40, message="Mã xác nhận quá dài.")],
        filters=[lambda value: normalise_receipt(value) if isinstance(value, str) else value],
        render_kw={"placeholder": "BC-XXXX-XXXX-XXXX", "autocomplete": "off", "spellcheck": "false"},
    )

    def problem(self) -> str | None:
        if not self.ma.data:
            return "Vui lòng nhập mã xác nhận bình chọn."
        if self.ma.errors:
            return " ".join(self.ma.errors)
        return None
