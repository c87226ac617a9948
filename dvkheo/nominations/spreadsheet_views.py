"""Routes for paper-first intake via an XLSX template (filled in by the spreadsheet work)."""
from __future__ import annotations

from flask import render_template
from flask_login import login_required

from dvkheo.nominations.views import bp


@bp.route("/spreadsheet")
@login_required
def spreadsheet():
    return render_template("nominations/index.html")
