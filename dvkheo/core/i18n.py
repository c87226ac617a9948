from __future__ import annotations

from flask import current_app, session


def select_locale() -> str:
    """Vietnamese unless the user chose another supported language."""
    chosen = session.get("lang")
    if chosen in current_app.config["LANGUAGES"]:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]
