"""gunicorn's access log without secrets: `--logger-class dvkheo.core.access_log.RedactingLogger`.

A password-reset or confirmation link carries its one-time token in the path, and a receipt check
may carry the receipt in `?ma=`; the access log would otherwise keep them in clear for as long as
the log lives. Any long token-like path segment and the values of those query parameters are
replaced by `***` in the request line, the path, the query and the referrer.
"""
from __future__ import annotations

import re

from gunicorn.glogging import Logger

# Our tokens are `secrets.token_urlsafe(32)`: 43 characters; ids, slugs and file names are shorter
# or contain a dot.
_TOKEN_SEGMENT = re.compile(r"(?<=/)[A-Za-z0-9_-]{24,}(?=[/?# ]|$)")
_SECRET_PARAMETER = re.compile(r"(?i)(?<=[?&])(ma|token|code|ma_xac_nhan)=[^&# ]*")


def redact(text: str | None) -> str | None:
    if not text:
        return text
    text = _TOKEN_SEGMENT.sub("***", text)
    return _SECRET_PARAMETER.sub(lambda match: f"{match.group(1)}=***", text)


def _redact_query(query: str | None) -> str | None:
    return redact("?" + query)[1:] if query else query


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("r", "U", "f"):
            atoms[key] = redact(atoms.get(key))
        atoms["q"] = _redact_query(atoms.get("q"))
        return atoms
