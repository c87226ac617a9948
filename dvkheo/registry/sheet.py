"""The model sheet ("Phiếu giới thiệu mô hình"): one printable A4 page per recognised model, for the exhibitions
of "Tháng Dân vận", at /mo-hinh/<id>/phieu.pdf.

Only what the public page shows goes on it: the model's public fields, its standing recognitions, the approved
summary and the approved photos (never the draft, never the report's internal texts). It is always ONE page:
the layout is tried at decreasing font sizes (`STEPS`, classes of static/css/model-sheet.css) and, if the
smallest still overflows, the summary is cut at a word and ended with "…" (the longest cut that fits, found by
halving). The ETag is a hash of the HTML of the first try, which holds every printed value and the photos'
content hashes: an unchanged sheet costs a conditional request and no layout.
"""
from __future__ import annotations

import hashlib

from flask import current_app, render_template

from dvkheo.certificates.qr import qr_svg
from dvkheo.core.filestore import store
from dvkheo.core.images import ensure_thumbnail
from dvkheo.registry import queries
from dvkheo.registry.models import RegisteredModel

TEMPLATE = "registry/sheet_pdf.html"
STEPS = (0, 1, 2, 3, 4)  # body classes "step-0" (11 pt) … "step-4" (8.5 pt)
MAX_PHOTOS = 3
MAX_RECOGNITIONS = 8  # more are summed up in a line: a sheet lists, the page has the rest
ELLIPSIS = "…"
QR_MM = 30


def public_url(model: RegisteredModel) -> str:
    """The printed address: the configured public one, whatever host served the request."""
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/mo-hinh/{model.id}"


def site_address() -> str:
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    return base.split("://", 1)[-1]


class Sheet:
    """A model's sheet, ready to hash (`etag`) and, only when needed, to lay out (`pdf()`)."""

    def __init__(self, model: RegisteredModel):
        self.model = model
        self.photos = []
        for attachment in queries.photos(model):
            key = ensure_thumbnail(attachment.stored_name, "small")
            if key is not None:
                self.photos.append((f"dvkheo-memory:photo-{attachment.sha256}.jpg", key))
            if len(self.photos) == MAX_PHOTOS:
                break
        recognitions = list(reversed(queries.forwarded_from(model)))  # the highest, latest first
        self.context = dict(
            m=model,
            recognitions=recognitions[:MAX_RECOGNITIONS],
            more_recognitions=max(0, len(recognitions) - MAX_RECOGNITIONS),
            photo_urls=[url for url, _ in self.photos],
            qr=qr_svg(public_url(model), QR_MM, title="Mã QR mở trang của mô hình"),
            url=public_url(model),
            site=site_address(),
        )
        self.paragraphs = [p.strip() for p in (model.public_summary or "").split("\n") if p.strip()]
        self.first_html = self._html(STEPS[0], self.paragraphs)
        self.etag = hashlib.sha256(self.first_html.encode()).hexdigest()[:40]

    def _html(self, step: int, paragraphs: list[str]) -> str:
        return render_template(TEMPLATE, step=step, paragraphs=paragraphs, **self.context)

    def pdf(self) -> bytes:
        from dvkheo.core.pdf import layout_html, write_document

        resources = {url: (store().read_bytes(key), "image/jpeg") for url, key in self.photos}

        def fits(html: str):
            document = layout_html(html, resources=resources)
            return document if len(document.pages) == 1 else None

        document = fits(self.first_html)
        if document is not None:
            return write_document(document)
        smallest = STEPS[-1]
        # The smallest size next: when even it overflows (a long summary), the sizes between are not worth a try.
        if fits(self._html(smallest, self.paragraphs)) is not None:
            for step in STEPS[1:]:
                document = fits(self._html(step, self.paragraphs))
                if document is not None:
                    return write_document(document)
        words = " \n ".join(self.paragraphs).split(" ")
        best = fits(self._html(smallest, []))
        low, high = 0, len(words)  # `low` words fit (none at worst), `high` do not
        while high - low > 1:
            middle = (low + high) // 2
            document = fits(self._html(smallest, _cut(words, middle)))
            if document is not None:
                low, best = middle, document
            else:
                high = middle
        if best is None:  # nothing but the summary can be cut: print what fits on the first page
            best = layout_html(self._html(smallest, []), resources=resources)
            best.pages[1:] = []
        return write_document(best)


def _cut(words: list[str], count: int) -> list[str]:
    """The first `count` words back into paragraphs, the last one ended with "…"."""
    text = " ".join(words[:count]).rstrip(" ,;:.-–\n")
    paragraphs = [p.strip() for p in text.split("\n") if p.strip()]
    if paragraphs:
        paragraphs[-1] += ELLIPSIS
    return paragraphs
