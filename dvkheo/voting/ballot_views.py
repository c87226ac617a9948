"""Routes for ballot."""
from __future__ import annotations

from dvkheo.voting.views import bp  # noqa: F401
