"""The statistics page in a real browser, under the app's CSP: Chart.js (served from static/vendor) draws the bar
and line charts from their tables, nothing breaks the CSP, and the page fits a phone (the tables scroll inside
their own box, not the page)."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from dvkheo.accounts.models import Role
from tests.browser.test_csp import CspWatch, log_in
from tests.reports.test_statistics import build_world  # noqa: F401  (the three-level world of the figure tests)

pytestmark = pytest.mark.browser

# Pixels of a canvas that are painted (not transparent): a chart that drew nothing has none.
PAINTED = """c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;
  for (let i = 3; i < d.length; i += 4) { if (d[i] > 0) n++; } return n; }"""


@pytest.fixture(autouse=True)
def _fresh_figure_cache(app):
    app.extensions.pop("dvkheo_figure_cache", None)
    yield
    app.extensions.pop("dvkheo_figure_cache", None)


@pytest.mark.parametrize("width, height", [(1280, 900), (390, 844)], ids=["desktop", "phone"])
def test_charts_draw_from_their_tables_without_csp_violation(page: Page, build_world, make_user, artifacts_dir, backend,
                                                            width, height):
    world = build_world()
    secretary = make_user(Role.SECRETARY, world.province)
    page.set_viewport_size({"width": width, "height": height})
    watch = CspWatch(page)
    log_in(page, secretary.email)

    page.goto("/thong-ke?ky=year&nam=2026")

    expect(page.locator("h1")).to_have_text("Thống kê phong trào “Dân vận khéo”")
    charts = page.locator("figure.stats-chart canvas")
    expect(charts).to_have_count(2)
    for index in range(2):
        canvas = charts.nth(index)
        expect(canvas).to_be_visible()
        assert canvas.evaluate(PAINTED) > 2000, f"chart {index} painted nothing"
        assert "(số liệu ở bảng ngay sau)" in canvas.get_attribute("aria-label")
    # Each chart's table is still there, after its chart, for those who read.
    expect(page.locator("table[data-chart='bar'][data-chart-drawn='1']")).to_be_attached()
    expect(page.locator("table[data-chart='line'][data-chart-drawn='1']")).to_be_attached()
    expect(page.get_by_role("link", name="Huyện Số 1").first).to_be_visible()
    # The page itself never scrolls sideways; wide tables scroll in their own box.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=str(artifacts_dir / f"statistics-{backend}-{width}.png"), full_page=True)
    assert watch.collect() == []

    # Drill down: a district's name opens the same page rooted at that district, charts drawn again.
    page.get_by_role("link", name="Huyện Số 1").first.click()
    expect(page.locator(".stats-scope")).to_contain_text("Huyện Số 1 · Năm 2026")
    expect(page.locator("figure.stats-chart canvas")).to_have_count(2)
    assert watch.collect() == []
