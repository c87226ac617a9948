"""The public ledger page on a phone (390 px) and a desktop (1280 px): nothing runs off the screen, the
64-character hashes and the file format's long formula wrap; screenshots in test-artifacts/."""
from __future__ import annotations

import pytest

from tests.voting.conftest import make_nominee, make_voter, voting_campaign  # noqa: F401 (fixtures)
from tests.voting.ledger_helpers import seal, sealed_ballot

# Anything wider than the viewport, or reaching past its right edge (the page must not scroll sideways).
OVERFLOWING = """() => {
  const found = [];
  for (const element of document.querySelectorAll('main *, body > *')) {
    const box = element.getBoundingClientRect();
    if (!box.width || !box.height) continue;
    if (box.right > innerWidth + 0.5) found.push(`${element.tagName.toLowerCase()}.${element.className} “${(element.textContent || '').trim().slice(0, 40)}” ${Math.round(box.right)}`);
  }
  return found.slice(0, 10);
}"""


@pytest.mark.parametrize("width", [390, 1280])
def test_ledger_page_fits_the_screen(page, artifacts_dir, voting_campaign, make_nominee, make_voter, width):
    sealed_ballot(voting_campaign, make_nominee, make_voter)
    seal(voting_campaign, final=True)
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"/binh-chon/dot/{voting_campaign.id}/so-cai")
    assert page.locator("h1").inner_text() == "Sổ cái bình chọn"
    assert page.locator("td[data-label='Lô số']").count() == 5
    assert page.evaluate(OVERFLOWING) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    # A batch hash on one line would be about 560 px: on a phone it wraps inside its cell.
    hash_box = page.locator("td[data-label='Mã băm'] code.hash").first.bounding_box()
    assert hash_box["x"] + hash_box["width"] <= width
    if width == 390:
        assert hash_box["height"] > 30
    for name in ("Tải sổ cái (JSON)", "Tải chương trình kiểm tra (kiem_tra_so_cai.py)"):
        assert page.get_by_role("link", name=name).is_visible()
    page.screenshot(path=str(artifacts_dir / f"ledger-{width}.png"), full_page=True)
