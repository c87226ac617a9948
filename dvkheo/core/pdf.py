"""PDF rendering for every printable document of the app (WeasyPrint).

One helper, `render_pdf(template_name, **context)`: the Jinja template is rendered to HTML
and laid out by WeasyPrint with

* one module-level `FontConfiguration`, reused by every document (fonts are looked up once);
* a URL fetcher that serves files from the app's own ``static/`` folder and refuses anything
  else (other local files, http(s), ftp, data: URIs), so that a crafted reference can never
  read /etc/passwd or make the server fetch a remote URL;
* ``base_url`` at the project root, so templates write ``static/css/pdf.css``.

Fonts come from fontconfig by family name ("Liberation Serif", "Tinos": Times-metric, with full
Vietnamese coverage); no @font-face is needed.

Importing this module imports WeasyPrint (about a second): views import it inside the view
function, so that app start-up does not pay for it and the font configuration is made in the
worker process, after any fork.
"""
from __future__ import annotations

import logging
import mimetypes
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

import weasyprint
from flask import current_app, render_template
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger(__name__)

FONT_CONFIG = FontConfiguration()
# The shared font configuration wraps one Pango/fontconfig font map, which is not safe to use
# from several threads at once: renders in one process take turns (about 0.1 s each).
_RENDER_LOCK = threading.Lock()


class ResourceRefused(ValueError):
    """A resource outside static/ was referenced by a PDF template."""


# The scheme of resources a caller hands over in memory (an issuer's emblem, checked when uploaded).
MEMORY_SCHEME = "dvkheo-memory"


class StaticOnlyFetcher(URLFetcher):
    """Serve ``file:`` URLs inside `static_root`, and the exact in-memory `resources` given; refuse every other URL."""

    def __init__(self, static_root: str | Path, resources: dict[str, tuple[bytes, str]] | None = None):
        super().__init__(allowed_protocols={"file"}, allow_redirects=False)
        self.static_root = Path(static_root).resolve()
        self.resources = dict(resources or {})

    def resolve(self, url: str) -> Path:
        parts = urlsplit(url)
        if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
            raise ResourceRefused(f"PDF resource refused (only static/ files are served): {url[:200]}")
        path = Path(url2pathname(unquote(parts.path))).resolve()
        if not path.is_relative_to(self.static_root) or not path.is_file():
            raise ResourceRefused(f"PDF resource refused (outside static/ or missing): {url[:200]}")
        return path

    def fetch(self, url, headers=None):
        if url in self.resources:
            body, content_type = self.resources[url]
            return URLFetcherResponse(url, body=body, headers={"Content-Type": content_type})
        try:
            path = self.resolve(url)
        except ResourceRefused:
            logger.warning("Refused PDF resource %r", url[:200])  # repr: a line break in a URL cannot forge a log line
            raise
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(path.as_uri(), body=path.read_bytes(), headers={"Content-Type": content_type})


def static_root() -> Path:
    return Path(current_app.static_folder).resolve()


def base_url() -> str:
    """The folder that holds static/, as a file URL ending in a slash."""
    return static_root().parent.as_uri() + "/"


def url_fetcher(resources: dict[str, tuple[bytes, str]] | None = None) -> StaticOnlyFetcher:
    return StaticOnlyFetcher(static_root(), resources)


def render_pdf(template_name: str, **context) -> bytes:
    """Render a Jinja template to PDF bytes (needs an app context)."""
    html = render_template(template_name, **context)
    document = weasyprint.HTML(string=html, base_url=base_url(), url_fetcher=url_fetcher())
    with _RENDER_LOCK:
        return document.write_pdf(font_config=FONT_CONFIG)


# The few user-agent rules a certificate's variable layer needs (its own stylesheet does the rest): matching every
# element against WeasyPrint's full HTML5 stylesheet was a fifth of the layer's time (measured, WeasyPrint 70).
LEAN_USER_AGENT_CSS = (
    "html, body, section, div, p, h1 { display: block } head, title, meta, link, style, script { display: none } "
    "b, strong { font-weight: bold } i, em { font-style: italic }"
)
_lean_stylesheet = None


class _LeanHTML(weasyprint.HTML):
    """An HTML document laid out with `LEAN_USER_AGENT_CSS` instead of the full user-agent stylesheet."""

    def _ua_stylesheets(self, forms=False):
        global _lean_stylesheet
        if _lean_stylesheet is None:
            _lean_stylesheet = weasyprint.CSS(string=LEAN_USER_AGENT_CSS)
        return [_lean_stylesheet]


def render_html_pdf(
    html: str, target=None, *, resources: dict[str, tuple[bytes, str]] | None = None, lean: bool = False
) -> bytes | None:
    """Lay out an HTML string already rendered (needs an app context for the static folder).

    With `target` (a path or a binary file object) the PDF is written there and None is returned,
    so that a batch can stream chunks to disk instead of holding them in memory. `resources` maps
    ``dvkheo-memory:`` URLs the HTML uses to (bytes, content type) the caller has already checked. `lean`: only
    for HTML whose own stylesheet styles every element it uses (a certificate's variable layer).
    """
    kind = _LeanHTML if lean else weasyprint.HTML
    document = kind(string=html, base_url=base_url(), url_fetcher=url_fetcher(resources))
    with _RENDER_LOCK:
        return document.write_pdf(target, font_config=FONT_CONFIG)


def layout_html(html: str, *, resources: dict[str, tuple[bytes, str]] | None = None):
    """Lay out an HTML string without writing it: a caller that must fit a page counts `document.pages` and
    tries again smaller; `write_document` then writes the one it keeps."""
    document = weasyprint.HTML(string=html, base_url=base_url(), url_fetcher=url_fetcher(resources))
    with _RENDER_LOCK:
        return document.render(font_config=FONT_CONFIG)


def write_document(document) -> bytes:
    with _RENDER_LOCK:
        return document.write_pdf()
