"""Every search example of the README works on the demo (`flask seed-demo`), as a visitor would type it."""
from __future__ import annotations

import re
from pathlib import Path


README = Path(__file__).resolve().parents[2] / "README.md"
# "tìm không dấu (“nong dan”)": a search the README tells the reader to type in the public gallery.
SEARCH_EXAMPLE = re.compile(r"tìm[^.;(“]*\(“([^”]+)”\)")
CARD_TITLE = re.compile(r'<h2 class="card-title"><a href="[^"]+">([^<]+)</a></h2>')


def test_the_readme_has_search_examples():
    assert SEARCH_EXAMPLE.findall(README.read_text(encoding="utf-8"))


def test_each_readme_search_example_finds_a_nominee_in_the_demo_gallery(runner, client):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    gallery = client.get("/binh-chon/").get_data(as_text=True)
    campaigns = sorted(set(re.findall(r'href="(/binh-chon/dot/\d+)"', gallery)))
    assert campaigns, "the demo has a campaign in its public stage"

    for example in SEARCH_EXAMPLE.findall(README.read_text(encoding="utf-8")):
        found = []
        for campaign in campaigns:
            page = client.get(campaign, query_string={"q": example}).get_data(as_text=True)
            found += [title for title in CARD_TITLE.findall(page)]
        assert found, f"README: “{example}” finds nothing in the demo's public gallery"
        everything = [title for campaign in campaigns for title in CARD_TITLE.findall(client.get(campaign).get_data(as_text=True))]
        # A search, not the whole list: the example narrows it down.
        assert len(found) < len(everything), f"README: “{example}” finds every nominee"
