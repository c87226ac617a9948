from __future__ import annotations

from flask import Blueprint, render_template

from dvkheo.access import roles_required
from dvkheo.accounts.models import Role

bp = Blueprint("campaigns", __name__)


@bp.route("/")
@roles_required(Role.SECRETARY, Role.CHAIR, Role.ADMIN)
def index():
    return render_template("campaigns/index.html")


@bp.route("/reference-lists")
@roles_required(Role.ADMIN)
def reference_lists():
    return render_template("campaigns/index.html")
