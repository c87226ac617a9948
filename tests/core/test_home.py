"""The public home page leads citizens to the gallery and staff to the login."""
from __future__ import annotations


def test_anonymous_home_offers_the_gallery_and_the_login(client):
    page = client.get("/").get_data(as_text=True)
    assert 'href="/binh-chon/"' in page and "Xem và bình chọn mô hình, điển hình" in page
    assert 'href="/login"' in page
