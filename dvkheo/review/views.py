"""The committee's review pages, one blueprint; each part of the work registers its routes from its own module."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("review", __name__)

from dvkheo.review import (  # noqa: E402,F401  (routes on this blueprint)
    assignment_views,
    ranking_views,
    scoring_views,
    screening_views,
)
