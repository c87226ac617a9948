"""The awards pages (decisions, revocations, forwarding upward), one blueprint; each part registers its routes from its own module."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("awards", __name__)

from dvkheo.awards import (  # noqa: E402,F401  (routes on this blueprint)
    decision_views,
    forwarding_views,
    revocation_views,
    signed_copy_views,
)
