from __future__ import annotations

from flask import Blueprint, render_template

from dvkheo.access import admin_required

bp = Blueprint("units", __name__)


@bp.route("/")
@admin_required
def index():
    return render_template("units/index.html")
