"""The QR code printed on every certificate: it opens the public verification page of its serial.

The code is drawn as inline SVG (one path of dark runs) because the PDF URL fetcher serves
nothing but files under static/: a data: URI image would be refused.
"""
from __future__ import annotations

from html import escape

import segno
from flask import current_app

# Two modules of quiet zone are drawn inside the box; the paper around the box is blank as well.
QUIET_ZONE_MODULES = 2


def verify_url(serial: str) -> str:
    """The public address of a certificate's verification page.

    Built from configuration, not `url_for`: batch jobs render certificates outside any request,
    and the printed address must be the public one, whatever host the job runs on.
    """
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/verify/{serial}"


def qr_svg(payload: str, size_mm: float, *, color: str = "#000", title: str | None = None) -> str:
    """An `<svg>` element `size_mm` wide and high holding `payload` (error correction M).

    Each run of dark modules in a row is one stroked segment, a module high: WeasyPrint parses
    every path command on every page, and this is the shortest path that draws the symbol.
    """
    code = segno.make(payload, error="m", micro=False, boost_error=False)
    border = QUIET_ZONE_MODULES
    side = len(code.matrix) + 2 * border
    runs = []
    for row_index, row in enumerate(code.matrix):
        y = row_index + border
        column = 0
        width = len(row)
        while column < width:
            if not row[column]:
                column += 1
                continue
            start = column
            while column < width and row[column]:
                column += 1
            runs.append(f"M{start + border} {y + 0.5:g}h{column - start}")
    label = f"<title>{escape(title)}</title>" if title else ""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="qr" width="{size_mm:g}mm" height="{size_mm:g}mm" '
        f'viewBox="0 0 {side} {side}" shape-rendering="crispEdges" role="img">{label}'
        f'<rect width="{side}" height="{side}" fill="#fff"/>'
        f'<path fill="none" stroke="{escape(color)}" stroke-width="1" d="{"".join(runs)}"/></svg>'
    )
