"""Routes for identity."""
from __future__ import annotations

from dvkheo.voting.views import bp  # noqa: F401
