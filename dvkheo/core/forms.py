from __future__ import annotations

from flask_wtf import FlaskForm


class EmptyForm(FlaskForm):
    """Carries only the CSRF token, for POST-only buttons."""


# WTForms fills "%(max)d" itself; it ships no Vietnamese messages, so every form uses this one.
TOO_LONG = "Nội dung quá dài (tối đa %(max)d ký tự)."
