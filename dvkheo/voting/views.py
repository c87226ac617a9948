"""The public stage, one blueprint under /binh-chon: the gallery and objections, identification,
the ballot and results for citizens; objection handling, the voter list and assisted voting for staff.
Each part registers its routes from its own module."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("voting", __name__)

from dvkheo.voting import (  # noqa: E402,F401  (routes on this blueprint)
    assisted_views,
    ballot_views,
    gallery_views,
    identity_views,
    ledger_views,
    objection_views,
)
