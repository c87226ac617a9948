"""The strict Content-Security-Policy (`style-src 'self'; script-src 'self'`, no 'unsafe-inline') holds for
every web page template: no `style=` attribute, no `<style>` element, no inline `<script>`, no `on…=` event
handler, no `javascript:` URL. The browser silently refuses such things (the scoring progress bar showed
100% for that reason), so this test reads every template under templates/ itself: a new template is
checked without being listed anywhere. Only the templates WeasyPrint lays out to PDF on the server are
exempt; each is named below with the reason, and the last tests check that they really are PDF-only."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
STATIC_JS = ROOT / "static" / "js"

# Templates never sent to a browser: WeasyPrint renders them to PDF on the server (it does not apply the
# HTTP CSP, and the PDFs' layout needs computed positions and sizes). Each links its stylesheets by a
# relative "static/css/…" path that only dvkheo.core.pdf's URL fetcher resolves.
PDF_ONLY = {
    "pdf/base.html": "the base of every printable document (Decree 30 layout), rendered by dvkheo.core.pdf.render_pdf",
    "nominations/dossier_pdf.html": "the dossier report PDF (dvkheo.nominations.dossier, via render_pdf)",
    "review/scoring_sheets_pdf.html": "the paper scoring sheets PDF (dvkheo.review.sheets, via render_pdf)",
    "awards/decision_pdf.html": "the award decision PDF (dvkheo.awards.decision_pdf, via render_pdf)",
    "council/minutes_pdf.html": "the council ballot minutes PDF (dvkheo.council.minutes, via render_pdf)",
    "reports/report_pdf.html": "the periodic report PDF (dvkheo.reports.report_documents, via render_pdf)",
    "certificates/certificate.html": "certificates on plain paper (dvkheo.certificates.render, via render_html_pdf); "
    "inline styles carry the printer's offsets and the fitted font sizes, computed per certificate",
    "certificates/blank.html": "certificates printed on pre-printed blanks (dvkheo.certificates.render, via render_html_pdf); "
    "inline styles place each field at its box plus the printer's offsets",
    "certificates/test_page.html": "the printer alignment test page PDF (dvkheo.certificates.render.render_test_page_pdf); "
    "inline styles place the boxes and rulers at the printer's offsets",
}

# Jinja comments, expressions and statements. They are blanked out before the HTML is read (keeping the
# line count), so that a macro argument such as `style="bold"` is not mistaken for an attribute.
JINJA = re.compile(r"\{#.*?#\}|\{\{.*?\}\}|\{%.*?%\}", re.S)
STRING_LITERAL = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")
# Markup typed inside a Jinja string ('<span style="…">' or 'onclick="…"') is checked as text.
INLINE_IN_TEXT = re.compile(r"\bstyle\s*=|\bon[a-z]+\s*=\s*[\"']|<\s*style\b|<\s*script\b|javascript\s*:", re.I)


def discover_templates() -> list[str]:
    """Every HTML template under templates/, by its name as Flask loads it ("review/progress.html")."""
    return sorted(path.relative_to(TEMPLATES).as_posix() for path in TEMPLATES.rglob("*.html"))


def web_templates() -> list[str]:
    return [name for name in discover_templates() if name not in PDF_ONLY]


class InlineFinder(HTMLParser):
    """Collects what a strict CSP refuses: (line, problem) pairs."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[tuple[int, str]] = []
        self._inline_script_at: int | None = None

    def _add(self, problem: str) -> None:
        self.problems.append((self.getpos()[0], problem))

    def handle_starttag(self, tag, attrs):
        names = {name.lower(): value for name, value in attrs}
        if tag == "style":
            self._add("<style> element")
        if tag == "script":
            if "src" not in names:
                self._add("inline <script> (no src)")
            else:
                self._inline_script_at = self.getpos()[0]
        for name, value in names.items():
            if name == "style":
                self._add(f"style= attribute on <{tag}>")
            elif name.startswith("on") and len(name) > 2:
                self._add(f"{name}= event handler on <{tag}>")
            elif value and value.strip().lower().startswith("javascript:"):
                self._add(f"javascript: URL in {name}= on <{tag}>")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        self._inline_script_at = None

    def handle_endtag(self, tag):
        if tag == "script":
            self._inline_script_at = None

    def handle_data(self, data):
        if self._inline_script_at is not None and data.strip():
            self.problems.append((self._inline_script_at, "<script src=…> with inline content"))


def inline_problems(source: str) -> list[tuple[int, str]]:
    """What a strict CSP would refuse in one template's source: (line, problem) pairs."""
    problems: list[tuple[int, str]] = []
    for match in JINJA.finditer(source):
        if match.group(0).startswith("{#"):
            continue
        for literal in STRING_LITERAL.finditer(match.group(0)):
            if INLINE_IN_TEXT.search(literal.group(0)):
                line = source.count("\n", 0, match.start()) + 1
                problems.append((line, f"markup refused by the CSP inside a Jinja string: {literal.group(0)[:60]}"))
    finder = InlineFinder()
    finder.feed(JINJA.sub(lambda m: " J " + "\n" * m.group(0).count("\n"), source))
    finder.close()
    return sorted(problems + finder.problems)


# --- the templates -----------------------------------------------------------------------------


def test_discovery_walks_the_templates_folder_as_flask_does(app):
    found = discover_templates()

    assert {"base.html", "review/progress.html", "voting/gallery.html", "_macros/forms.html"} <= set(found)
    assert found == sorted(app.jinja_env.list_templates(filter_func=lambda name: name.endswith(".html")))
    assert len(web_templates()) == len(found) - len(PDF_ONLY)


def test_no_web_template_has_an_inline_style_script_or_event_handler():
    problems = [
        f"templates/{name}:{line}: {problem}"
        for name in web_templates()
        for line, problem in inline_problems((TEMPLATES / name).read_text(encoding="utf-8"))
    ]

    assert problems == [], "Refused by the CSP (put CSS in static/css/, JS in static/js/):\n" + "\n".join(problems)


def test_the_check_catches_each_kind_of_inline_code_and_nothing_else():
    refused = {
        '<div class="bar"><span style="width: {{ percent }}%"></span></div>': "style= attribute on <span>",
        '<style>.x { color: red }</style>': "<style> element",
        '<svg><style>rect { fill: red }</style></svg>': "<style> element",
        '<script>alert(1)</script>': "inline <script> (no src)",
        '<script src="/static/js/a.js">alert(1)</script>': "<script src=…> with inline content",
        '<button onclick="go()">Đi</button>': "onclick= event handler on <button>",
        '<body onLoad="init()">': "onload= event handler on <body>",
        '<a href="javascript:void(0)">Mở</a>': "javascript: URL in href= on <a>",
        '<form action=" JavaScript:send()"></form>': "javascript: URL in action= on <form>",
        '<p {% if wide %}style="width: 100%"{% endif %}>': "style= attribute on <p>",
        "{{ '<span style=\"color: red\">' if late }}": "markup refused by the CSP inside a Jinja string",
        "{% set handler = 'onclick=\"x()\"' %}": "markup refused by the CSP inside a Jinja string",
    }
    for source, problem in refused.items():
        found = inline_problems(source)
        assert len(found) == 1 and found[0][1].startswith(problem), (source, found)

    accepted = [
        '<script src="{{ url_for(\'static\', filename=\'js/print_job.js\') }}" defer></script>',
        '<link rel="stylesheet" href="{{ url_for(\'static\', filename=\'css/app.css\') }}">',
        '{{ field(form.name, style="bold", hint="Kiểu chữ đậm") }}',
        '{# An old note: style="width: 5%" was refused. #}',
        '<progress class="meter" max="12" value="7">58%</progress>',
        '<svg viewBox="0 0 10 10"><rect x="1" y="1" width="{{ w }}" height="2" class="box"/></svg>',
        '<details open><summary>Mở rộng</summary><p>Những dòng này là văn bản: style="x", onclick="y".</p></details>',
    ]
    for source in accepted:
        assert inline_problems(source) == [], source


def test_problems_carry_the_template_line():
    source = "{% extends 'base.html' %}\n{#\n  several\n  lines\n#}\n<p>\n  <span style=\"width: 5%\">x</span>\n</p>\n"

    assert inline_problems(source) == [(7, "style= attribute on <span>")]


# --- the PDF-only allow-list -------------------------------------------------------------------


def _python_sources() -> dict[Path, str]:
    return {path: path.read_text(encoding="utf-8") for path in (ROOT / "dvkheo").rglob("*.py")}


def test_every_exempt_template_exists_and_has_a_reason():
    names = set(discover_templates())

    for name, reason in PDF_ONLY.items():
        assert name in names, f"{name}: listed as PDF-only but there is no such template"
        assert len(reason) > 20


def test_exempt_templates_are_only_rendered_to_pdf():
    sources = _python_sources()
    for name in PDF_ONLY:
        if name == "pdf/base.html":
            continue  # reached only through {% extends %}, checked below
        users = [path for path, text in sources.items() if f'"{name}"' in text or f"'{name}'" in text]
        assert users, f"{name}: no module renders it; drop it from PDF_ONLY"
        for path in users:
            text = sources[path]
            where = path.relative_to(ROOT)
            assert "render_pdf" in text or "render_html_pdf" in text, f"{where} names {name} but renders no PDF"
            assert "@bp.route" not in text and not path.name.endswith("views.py"), f"{where} is a view module: it could serve {name} as a page"
        template = (TEMPLATES / name).read_text(encoding="utf-8")
        # Stylesheets by relative path resolve only through dvkheo.core.pdf's fetcher, not in a browser.
        assert "url_for(" not in template, f"{name} builds URLs for a browser"


def test_no_web_template_extends_or_includes_an_exempt_template():
    reference = re.compile(r"\{%-?\s*(?:extends|include|import|from)\s+[\"']([^\"']+)[\"']")
    for name in discover_templates():
        used = set(reference.findall((TEMPLATES / name).read_text(encoding="utf-8")))
        if name not in PDF_ONLY:
            assert not used & PDF_ONLY.keys(), f"web template {name} uses PDF-only {used & PDF_ONLY.keys()}"
        elif "pdf/base.html" in used:
            assert name in PDF_ONLY


# --- static JavaScript -------------------------------------------------------------------------


JS_INLINE = re.compile(
    r"setAttribute\(\s*[\"'](?:style|on[a-z]+)[\"']"  # an inline style or handler set as an attribute
    r"|[\"'`][^\"'`\n]*\b(?:style|on[a-z]+)\s*=[^\"'`\n]*[\"'`]"  # markup in a string: '<b style="…">'
    r"|javascript\s*:|\beval\s*\(|new\s+Function\s*\(",
    re.I,
)


def test_static_javascript_injects_no_inline_style_or_handler():
    scripts = sorted(STATIC_JS.rglob("*.js"))
    assert scripts, "static/js/ holds the app's scripts"
    problems = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in scripts
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if JS_INLINE.search(line)
    ]

    assert problems == [], "Refused by the CSP (use element.style.x = … or classes):\n" + "\n".join(problems)


def test_the_javascript_check_catches_inline_styles_and_handlers():
    for line in (
        'bar.setAttribute("style", "width: " + p + "%");',
        "box.innerHTML = '<span style=\"width: 5%\"></span>';",
        'row.insertAdjacentHTML("beforeend", `<button onclick="go()">x</button>`);',
        "link.href = 'javascript:void(0)';",
    ):
        assert JS_INLINE.search(line), line
    for line in ('bar.style.width = p + "%";', 'bar.value = data.percent;', 'badge.className = "badge badge-" + tone;'):
        assert not JS_INLINE.search(line), line
