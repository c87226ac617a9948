"""Route for the printable dossier PDF ("Báo cáo thành tích")."""
from __future__ import annotations

from io import BytesIO

from flask import send_file
from flask_login import login_required

from dvkheo import access
from dvkheo.nominations.views import bp


@bp.route("/<int:nomination_id>/dossier.pdf")
@login_required
def dossier_pdf(nomination_id: int):
    # 404 for anyone who may not see the dossier (other units learn nothing).
    nomination = access.load_nomination(nomination_id)
    # Imported here: WeasyPrint takes about a second to import, which every app start (CLI,
    # workers, tests) would otherwise pay even when no PDF is ever made.
    from dvkheo.nominations import dossier

    data = dossier.dossier_pdf(nomination)
    response = send_file(
        BytesIO(data),
        mimetype="application/pdf",
        as_attachment=False,
        download_name=f"bao-cao-thanh-tich-{nomination.id}.pdf",
        max_age=0,
    )
    # The report holds personal data of a unit: never kept by shared caches.
    response.headers["Cache-Control"] = "private, no-store"
    return response
