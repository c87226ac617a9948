"""Route for the printable dossier PDF."""
from __future__ import annotations

from flask import abort
from flask_login import login_required

from dvkheo.nominations.views import bp


@bp.route("/<int:nomination_id>/dossier.pdf")
@login_required
def dossier_pdf(nomination_id: int):
    abort(501)
