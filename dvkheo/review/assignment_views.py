"""Routes for assignment."""
from __future__ import annotations

from dvkheo.review.views import bp  # noqa: F401
