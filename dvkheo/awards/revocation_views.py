"""Routes of the awards blueprint (filled in by its part of issue 5)."""
from __future__ import annotations

from dvkheo.awards.views import bp  # noqa: F401
