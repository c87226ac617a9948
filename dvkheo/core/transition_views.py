"""How every view applies a workflow move: one transaction, refusals shown, scope failures 403."""
from __future__ import annotations

from typing import Callable

from flask import abort, flash, redirect

from dvkheo.core.rules import RuleRefused
from dvkheo.extensions import db


def perform(move: Callable[[], object], back_url: str, success: Callable[[], str]):
    """Run `move` (a workflow `apply` or an operation built on it), commit, flash `success()`; on refusal roll back and flash why."""
    try:
        move()
    except RuleRefused as refused:
        db.session.rollback()
        if any(problem.rule == "permission" for problem in refused.problems):
            abort(403)
        for problem in refused.problems:
            flash(problem.message, "error")
        return redirect(back_url)
    db.session.commit()
    flash(success(), "success")
    return redirect(back_url)
