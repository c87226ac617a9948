"""Certificate pages: public verification, downloads, printers and batch print jobs; one blueprint at the site root."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("certificates", __name__)

from dvkheo.certificates import (  # noqa: E402,F401  (routes on this blueprint)
    certificate_views,
    print_job_views,
    printer_views,
    verify_views,
)
