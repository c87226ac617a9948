"""Routes of the certificates blueprint (filled in by its part of issue 5)."""
from __future__ import annotations

from dvkheo.certificates.views import bp  # noqa: F401
