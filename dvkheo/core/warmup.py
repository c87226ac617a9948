"""Load, when a worker starts, what its first requests would otherwise load one at a time.

Without this a fresh gunicorn worker compiles each template, imports WeasyPrint, openpyxl or python-docx
and reads the list of common passwords on the first request that needs them: that request is slow, and
the worker's memory climbs for its first quarter of an hour as pages are visited, which looks like a leak
in any graph. Warmed, a worker starts at its working size and the first user of each page waits no longer
than the next. Called by gunicorn's `post_worker_init` (`dvkheo.core.gunicorn_hooks`) and by the RQ worker.
"""
from __future__ import annotations

import importlib
import logging
import time

from flask import Flask
from jinja2 import TemplateError

logger = logging.getLogger(__name__)

# Imported lazily by the views that need them (so that `flask` commands start fast).
HEAVY_MODULES = (
    "dvkheo.core.pdf",  # WeasyPrint and its fonts
    "dvkheo.certificates.render",
    "dvkheo.certificates.textlayer",
    "dvkheo.documents.docx",  # python-docx
    "openpyxl",
    "pypdf",
    "segno",
    "PIL.PngImagePlugin",
    "PIL.JpegImagePlugin",
)


def warm_up(app: Flask) -> float:
    """Compile every template, import the heavy modules, fill the long-lived caches; returns the seconds spent."""
    started = time.monotonic()
    with app.app_context():
        for name in app.jinja_env.list_templates(extensions=("html", "txt", "xml", "svg")):
            try:
                app.jinja_env.get_template(name)
            except TemplateError:
                logger.exception("Template %s does not compile", name)
        for module in HEAVY_MODULES:
            try:
                importlib.import_module(module)
            except ImportError:
                logger.warning("Warm-up could not import %s", module)
        from dvkheo.accounts.passwords import common_passwords

        common_passwords()
    seconds = time.monotonic() - started
    logger.info("Worker warmed up in %.2f s", seconds)
    return seconds
