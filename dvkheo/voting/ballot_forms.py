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


CHOOSE_NOMINEE = "Vui lòng chọn một mô hình, điển hình để bình chọn."
LARGEST_ID = 2**31 - 1  # the database's integer key: anything larger cannot name a nominee


def read_cast(formdata) -> tuple[int | None, str | None]:
    """The nominee chosen on the ballot, or the message to show.

    Read by hand rather than through a WTForms form: this runs on every vote, and the form's
    machinery (field binding, label translation) cost more than the rest of the request's Python.
    """
    if (formdata.get("website") or "").strip():
        return None, HONEYPOT_MESSAGE
    text = (formdata.get("nomination_id") or "").strip()
    # `isdigit` alone accepts "²" and other digits `int` refuses; ASCII first.
    if not (text.isascii() and text.isdigit()) or len(text) > 10:
        return None, CHOOSE_NOMINEE
    number = int(text)
    if not 0 < number <= LARGEST_ID:
        return None, CHOOSE_NOMINEE
    return number, None


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
