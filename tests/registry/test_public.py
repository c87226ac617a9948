"""The public registry: word search, filters, pages, query counts, the model page's Open Graph tags, the feed."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from dvkheo.campaigns.models import ReferenceItem, ReferenceKind
from dvkheo.extensions import db
from dvkheo.registry.models import ModelStatus

from .conftest import issue_award, model_of

ATOM = "{http://www.w3.org/2005/Atom}"


def titles(client, query: str = "") -> list[str]:
    page = client.get(f"/mo-hinh{query}")
    assert page.status_code == 200
    return re.findall(r'<h2 class="card-title"><a href="/mo-hinh/\d+">([^<]+)</a>', page.get_data(as_text=True))


def retitle(nomination, title: str) -> None:
    nomination.title = title
    nomination.refresh_derived()
    db.session.commit()


def test_needs_no_login_and_is_linked_where_the_public_votes(client, recognised):
    result, _ = recognised
    assert sorted(titles(client)) == sorted(n.title for n in result.passed)
    assert 'href="/mo-hinh"' in client.get("/").get_data(as_text=True)


def test_search_ignores_diacritics_only_when_typed_without_them(client, make_council_result):
    result = make_council_result(passed=2)
    retitle(result.passed[0], "Dân vận khéo giữ gìn đường làng sạch đẹp")
    retitle(result.passed[1], "Vận động hiến đất làm đường")
    issue_award(result)

    assert titles(client, "?q=dan+van") == ["Dân vận khéo giữ gìn đường làng sạch đẹp"]
    assert titles(client, "?q=DAN+VAN+khe") == ["Dân vận khéo giữ gìn đường làng sạch đẹp"]
    assert titles(client, "?q=đỏ") == []
    assert titles(client, "?q=động") == ["Vận động hiến đất làm đường"]
    assert titles(client, "?q=%25") == []


def test_each_filter(client, make_council_result, make_unit):
    first = make_council_result(passed=2, individuals=1)
    other_field = ReferenceItem(kind=ReferenceKind.FIELD, code="thu-nghiem", name="Lĩnh vực thử nghiệm", position=99)
    db.session.add(other_field)
    collective = first.passed[1]
    collective.field = other_field
    db.session.commit()
    issue_award(first)
    district = make_unit("Huyện Thử", kind="district")
    later = make_council_result(passed=1, organising_unit=district)
    issue_award(later, decided_on=__import__("datetime").date(2025, 6, 1))
    model_of(first.passed[0]).status = ModelStatus.SCALED_UP
    db.session.commit()
    individual, late = first.passed[0].title, later.passed[0].title

    assert titles(client, f"?linh-vuc={other_field.id}") == [collective.title]
    assert sorted(titles(client, f"?tinh={first.campaign.organising_unit_id}")) == sorted([individual, collective.title])
    assert titles(client, f"?xa={collective.unit_id}") == [collective.title]
    assert titles(client, "?cap=district") == [late]
    assert sorted(titles(client, "?cap=province")) == sorted([individual, collective.title])
    assert titles(client, "?nam=2025") == [late]
    assert titles(client, "?loai=individual") == [individual]
    assert titles(client, "?tinh-trang=scaled_up") == [individual]
    # A filter that does not apply is ignored; a number no row can have is not found.
    assert len(titles(client, "?nam=abc&cap=nonsense")) == 3
    assert client.get("/mo-hinh?nam=99999").status_code == 404
    assert client.get("/mo-hinh?tinh=99999999999").status_code == 404


def test_pages_and_a_fixed_number_of_queries(client, make_council_result, count_queries):
    def cost() -> int:
        with count_queries() as counter:
            assert client.get("/mo-hinh").status_code == 200
        return counter.count

    issue_award(make_council_result(passed=3))
    few = cost()
    issue_award(make_council_result(passed=27))
    assert cost() == few

    assert len(titles(client)) == 20
    assert len(titles(client, "?page=2")) == 10
    assert titles(client, "?page=999999999999") == titles(client, "?page=2")  # past the end: the last page
    assert titles(client, "?page=-1") == titles(client)


def test_model_page_has_open_graph_tags_with_absolute_addresses(app, client, recognised):
    result, _ = recognised
    model = model_of(result.passed[1])
    base = app.config["PUBLIC_BASE_URL"].rstrip("/")
    page = client.get(f"/mo-hinh/{model.id}").get_data(as_text=True)

    assert f'<meta property="og:title" content="{model.title}">' in page
    assert f'<meta property="og:url" content="{base}/mo-hinh/{model.id}">' in page
    assert re.search(rf'<meta property="og:image" content="{re.escape(base)}/\S+">', page)
    assert '<meta property="og:description" content="' in page
    assert client.get("/mo-hinh/2147483647").status_code == 404
    assert client.get("/mo-hinh/2147483648").status_code == 404


def test_feed_is_atom_with_absolute_links(app, client, recognised):
    result, _ = recognised
    response = client.get("/mo-hinh/moi.atom")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    feed = ET.fromstring(response.data)
    base = app.config["PUBLIC_BASE_URL"].rstrip("/")

    assert feed.tag == f"{ATOM}feed"
    assert feed.find(f"{ATOM}id").text == f"{base}/mo-hinh/moi.atom"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", feed.find(f"{ATOM}updated").text)
    entries = feed.findall(f"{ATOM}entry")
    assert sorted(e.find(f"{ATOM}title").text for e in entries) == sorted(n.title for n in result.passed)
    for entry in entries:
        assert entry.find(f"{ATOM}link").get("href").startswith(f"{base}/mo-hinh/")
        assert entry.find(f"{ATOM}id").text == entry.find(f"{ATOM}link").get("href")


def test_photos_are_public_only_once_chosen_and_approved_with_the_summary(app, client, auth, login_as, make_council_result):
    from dvkheo.accounts.models import Role
    from tests.conftest import PNG_BYTES, add_stored_attachment

    result = make_council_result(passed=2)
    shown, other = result.passed
    photo = add_stored_attachment(app, shown, "Ảnh con đường.png", PNG_BYTES)
    kept_back = add_stored_attachment(app, shown, "Ảnh chưa muốn đăng.png", PNG_BYTES + b"\0\0\0")
    minutes = add_stored_attachment(app, shown, "Biên bản họp dân.png", PNG_BYTES + b"\0", purpose="review_minutes")
    elsewhere = add_stored_attachment(app, other, "Ảnh khác.png", PNG_BYTES + b"\0\0")
    db.session.commit()
    issue_award(result)
    model = model_of(shown)
    base = app.config["PUBLIC_BASE_URL"].rstrip("/")
    url = f"/mo-hinh/{model.id}"

    def public_photo(attachment) -> int:
        return client.get(f"{url}/anh/{attachment.id}/small.jpg").status_code

    # Evidence went to a committee, not to the public: nothing shows until chosen and approved.
    page = client.get(url).get_data(as_text=True)
    assert f"/anh/{photo.id}/" not in page and public_photo(photo) == 404
    assert f'<meta property="og:image" content="{base}/static/img/og-mo-hinh.png">' in page
    assert client.get(f"{url}/tom-tat/anh/{photo.id}.jpg").status_code == 302  # the unit's preview needs a login

    login_as(Role.UNIT_SUBMITTER, model.unit)
    form = client.get(f"{url}/tom-tat").get_data(as_text=True)
    assert f'value="{photo.id}"' in form and f'value="{kept_back.id}"' in form and f'value="{minutes.id}"' not in form
    assert client.get(f"{url}/tom-tat/anh/{photo.id}.jpg").status_code == 200
    refused = client.post(f"{url}/tom-tat", data={"action": "edit", "s-text": "Tóm tắt.", "s-photos": [str(minutes.id)]})
    assert refused.status_code == 422 and "Lựa chọn không hợp lệ" in refused.get_data(as_text=True)
    sent = client.post(f"{url}/tom-tat", data={"action": "submit", "s-text": "Tóm tắt.", "s-photos": [str(photo.id)]})
    assert sent.status_code == 302
    auth.logout()
    assert public_photo(photo) == 404  # chosen, not yet approved

    auth.login(result.chair)
    review = client.get(f"{url}/tom-tat").get_data(as_text=True)
    assert f"/tom-tat/anh/{photo.id}.jpg" in review and f"/tom-tat/anh/{kept_back.id}.jpg" not in review
    assert client.post(f"{url}/tom-tat", data={"action": "approve"}).status_code == 302
    auth.logout()

    page = client.get(url).get_data(as_text=True)
    assert f"{url}/anh/{photo.id}/small.jpg" in page and f"/anh/{kept_back.id}/" not in page
    assert f'<meta property="og:image" content="{base}{url}/anh/{photo.id}/medium.jpg">' in page
    response = client.get(f"{url}/anh/{photo.id}/small.jpg")
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    # Never the unchosen one, the minutes, another model's photo through this address, nor an unknown size.
    assert public_photo(kept_back) == 404 and public_photo(minutes) == 404 and public_photo(elsewhere) == 404
    assert client.get(f"{url}/anh/{photo.id}/original.jpg").status_code == 404


def test_list_page_has_open_graph_tags_and_its_default_picture(app, client, recognised):
    base = app.config["PUBLIC_BASE_URL"].rstrip("/")
    page = client.get("/mo-hinh").get_data(as_text=True)

    assert '<meta property="og:site_name" content="Dân vận khéo">' in page
    assert '<meta property="og:title" content="Mô hình, điển hình “Dân vận khéo”">' in page
    assert f'<meta property="og:url" content="{base}/mo-hinh">' in page
    assert f'<meta property="og:image" content="{base}/static/img/og-mo-hinh.png">' in page
    assert re.search(r'<meta property="og:description" content="[^"]*học tập, nhân rộng[^"]*">', page)
    picture = client.get("/static/img/og-mo-hinh.png")
    assert picture.status_code == 200 and picture.mimetype == "image/png"


def test_feed_escapes_titles_and_summaries(client, recognised):
    """A "&" in a title or markup in an approved summary is text in the feed: it neither breaks the XML nor adds to it."""
    result, _ = recognised
    model = model_of(result.passed[0])
    model.title = "Hội LHPN & Đoàn TN <cùng làm>"
    model.public_summary = '<img src=x onerror=alert(1)></summary><link href="https://evil.example/"/> dân vận & "x"'
    db.session.commit()
    feed = ET.fromstring(client.get("/mo-hinh/moi.atom").data)
    entry = next(e for e in feed.findall(f"{ATOM}entry") if e.find(f"{ATOM}title").text == model.title)
    assert model.public_summary in entry.find(f"{ATOM}summary").text
    assert all("evil.example" not in (link.get("href") or "") for link in feed.iter(f"{ATOM}link"))
