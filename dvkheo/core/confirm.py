"""Irreversible steps ask first: one confirmation mechanism shared by every such button.

A button that cannot be undone ("Hoàn tất chấm điểm", "Kiểm phiếu và kết thúc", a campaign's
phase change, "Ban hành quyết định"...) posts its form as usual. The view checks the form
(session, typed fields) and then, unless the request carries `confirmed=1`, answers with a
confirmation page instead of acting: it states what cannot be undone and holds the same form,
every posted field copied as a hidden input, plus `confirmed=1`. Nothing is written before
that second post, so a refresh, the back button or "Quay lại" leaves everything as it was.

This works without JavaScript. With it, static/js/confirm.js reads the same texts from the
button's `data-confirm-*` attributes (macro `confirm_attrs` in templates/_macros/confirm.html),
asks in a dialog and posts with `confirmed=1`, so the page round trip is skipped.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import render_template, request

CONFIRM_FIELD = "confirmed"


@dataclass(frozen=True)
class Confirmation:
    """What the person is asked before an irreversible step.

    `question` heads the page ("Hoàn tất chấm điểm hồ sơ …?"); `irreversible` says, in one or two
    sentences, what cannot be undone afterwards; `button` is the confirming button's label;
    `details` are facts worth a last look (a total, a date, a count); `danger` paints the
    button red for a destructive step (a deletion) rather than a normal next step.

    `step_field` names the posted field that asks for the step when one form has several buttons
    (the scoring sheet's "finalise" beside "save"): the confirming button carries it, the hidden
    fields do not. `keep` = (label, field, value) adds a button that posts what was typed with that
    field instead, so that nothing typed is lost by not confirming ("Lưu phiếu, chưa hoàn tất").
    """

    question: str
    irreversible: str
    button: str
    details: tuple[str, ...] = ()
    danger: bool = False
    step_field: str | None = None
    keep: tuple[str, str, str] | None = None


def is_confirmed() -> bool:
    """True when this POST comes from a confirmation (the page's form or the JavaScript dialog)."""
    return request.form.get(CONFIRM_FIELD) == "1"


def ask(confirmation: Confirmation, cancel_url: str):
    """The confirmation page for this POST: the same fields, posted again to the same address with `confirmed=1`.

    Call it only after the form has been checked (CSRF included), so that what is confirmed is
    exactly what will be done. Returns a (body, status) pair for the view to return.
    """
    left_out = {CONFIRM_FIELD, confirmation.step_field}
    fields = [(name, value) for name, value in request.form.items(multi=True) if name not in left_out]
    step = (confirmation.step_field, request.form.get(confirmation.step_field, "")) if confirmation.step_field else None
    return render_template(
        "core/confirm.html",
        confirmation=confirmation,
        action_url=request.script_root + request.full_path.rstrip("?"),
        fields=fields,
        cancel_url=cancel_url,
        confirm_field=CONFIRM_FIELD,
        step=step,
    ), 200
