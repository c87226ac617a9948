"""The public gallery: only published nominees of public campaigns, searchable without diacritics,
light pages with resized photos, and nothing of a unit's internal data."""
from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from dvkheo.campaigns.models import CampaignStatus, NomineeKind
from dvkheo.core import images
from dvkheo.extensions import db
from dvkheo.nominations.states import NominationState as S
from tests.conftest import PDF_BYTES, add_stored_attachment


def _jpeg(size=(1600, 1200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (20, 120, 60)).save(out, "JPEG")
    return out.getvalue()


def page_of(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


# --- what is public --------------------------------------------------------------------------


def test_gallery_index_lists_only_campaigns_in_a_public_phase(client, voting_campaign, make_campaign, make_nominee):
    make_nominee()
    make_campaign(title="Đợt đang chấm điểm", status=CampaignStatus.REVIEW)
    make_campaign(title="Đợt không công khai", status=CampaignStatus.COUNCIL_DECISION, has_public_stage=False)
    make_campaign(title="Đợt đã khen thưởng", status=CampaignStatus.AWARDED)
    page = page_of(client, "/binh-chon/")
    assert voting_campaign.title in page and "Đợt đã khen thưởng" in page
    assert "Đợt đang chấm điểm" not in page and "Đợt không công khai" not in page
    assert "1 mô hình, điển hình trong Danh sách đề cử" in page
    assert "Đăng nhập" in page  # anonymous visitors, no account needed


@pytest.mark.parametrize("status", [S.DRAFT, S.SUBMITTED, S.ACCEPTED, S.SCORED, S.NOT_SHORTLISTED, S.ON_HOLD, S.WITHDRAWN, S.REJECTED])
def test_gallery_shows_only_shortlisted_nominees(client, voting_campaign, make_nominee, status):
    make_nominee("Mô hình trong danh sách đề cử")
    hidden = make_nominee("Mô hình không được công khai", status=status)
    page = page_of(client, f"/binh-chon/dot/{voting_campaign.id}")
    assert "Mô hình trong danh sách đề cử" in page
    assert "Mô hình không được công khai" not in page
    assert client.get(f"/binh-chon/ho-so/{hidden.id}").status_code == 404


@pytest.mark.parametrize(
    "status, has_public_stage",
    [(CampaignStatus.REVIEW, True), (CampaignStatus.NOMINATIONS_OPEN, True), (CampaignStatus.COUNCIL_DECISION, False)],
)
def test_campaign_not_public_is_404_with_its_nominees(client, make_campaign, make_nominee, status, has_public_stage):
    campaign = make_campaign(status=status, has_public_stage=has_public_stage)
    nominee = make_nominee(campaign=campaign)  # shortlisted, but the campaign is not public
    assert client.get(f"/binh-chon/dot/{campaign.id}").status_code == 404
    assert client.get(f"/binh-chon/ho-so/{nominee.id}").status_code == 404


def test_decided_nominees_stay_readable_after_the_public_stage(client, make_campaign, make_nominee):
    campaign = make_campaign(status=CampaignStatus.COUNCIL_DECISION)
    passed = make_nominee("Mô hình được thông qua", campaign=campaign, status=S.PASSED_COUNCIL)
    failed = make_nominee("Mô hình không được thông qua", campaign=campaign, status=S.FAILED_COUNCIL)
    make_nominee("Mô hình không vào danh sách", campaign=campaign, status=S.NOT_SHORTLISTED)
    page = page_of(client, f"/binh-chon/dot/{campaign.id}")
    assert "Mô hình được thông qua" in page and "Mô hình không được thông qua" in page
    assert "Mô hình không vào danh sách" not in page
    nominee_page = page_of(client, f"/binh-chon/ho-so/{passed.id}")
    assert "Thời gian công khai lấy ý kiến đã kết thúc." in nominee_page and 'name="pa-content"' not in nominee_page
    assert client.get(f"/binh-chon/ho-so/{failed.id}").status_code == 200


def test_passed_nominee_is_not_public_while_the_campaign_still_votes(client, voting_campaign, make_nominee):
    early = make_nominee(status=S.PASSED_COUNCIL)
    assert client.get(f"/binh-chon/ho-so/{early.id}").status_code == 404


def test_unknown_ids_are_404(client):
    assert client.get("/binh-chon/dot/999999").status_code == 404
    assert client.get("/binh-chon/ho-so/999999").status_code == 404
    assert client.get("/binh-chon/anh/999999/small.jpg").status_code == 404


# --- search and filters ----------------------------------------------------------------------


def test_search_ignores_diacritics(client, voting_campaign, make_nominee):
    make_nominee("Dân vận khéo trong xây dựng đường giao thông nông thôn")
    make_nominee("Mô hình “Ngày thứ bảy tình nguyện”")
    url = f"/binh-chon/dot/{voting_campaign.id}?q="
    page = page_of(client, url + "dan van kheo")
    assert "Dân vận khéo trong xây dựng" in page and "Ngày thứ bảy" not in page
    page = page_of(client, url + "ĐƯỜNG GIAO")  # Đ finds D, upper case finds lower case
    assert "Dân vận khéo trong xây dựng" in page and "Ngày thứ bảy" not in page
    page = page_of(client, url + "duong giao")
    assert "Dân vận khéo trong xây dựng" in page
    page = page_of(client, url + "Ðường")  # the look-alike Ð (U+00D0) is Đ
    assert "Dân vận khéo trong xây dựng" in page and "Ngày thứ bảy" not in page
    page = page_of(client, url + "Đân")  # a typed Đ is not a plain D: "đỏ" must not find "do"
    assert "Dân vận khéo trong xây dựng" not in page
    assert "Không có mô hình, điển hình nào khớp" in page_of(client, url + "không có mô hình này")


def test_search_finds_the_unit_name_and_treats_wildcards_literally(client, voting_campaign, make_nominee, make_unit):
    unit = make_unit("Phường Đồng Xoài", parent=voting_campaign.organising_unit)
    make_nominee("Mô hình của phường").unit = unit
    make_nominee("Mô hình khác")
    page = page_of(client, f"/binh-chon/dot/{voting_campaign.id}?q=dong xoai")
    assert "Mô hình của phường" in page and "Mô hình khác" not in page
    assert "Không có mô hình, điển hình nào khớp" in page_of(client, f"/binh-chon/dot/{voting_campaign.id}?q=%25")


def test_filters_by_field_kind_and_unit(client, voting_campaign, make_nominee, make_unit):
    fields = voting_campaign.allowed_fields
    unit = make_unit("Xã Lọc Đơn Vị", parent=voting_campaign.organising_unit)
    make_nominee("Mô hình lĩnh vực một", field=fields[0])
    make_nominee("Mô hình lĩnh vực hai", field=fields[1])
    make_nominee("Điển hình cá nhân", kind=NomineeKind.INDIVIDUAL, field=fields[1]).unit = unit
    db.session.commit()
    base = f"/binh-chon/dot/{voting_campaign.id}"
    page = page_of(client, f"{base}?field={fields[0].id}")
    assert "Mô hình lĩnh vực một" in page and "Mô hình lĩnh vực hai" not in page and "Điển hình cá nhân" not in page
    page = page_of(client, f"{base}?kind=individual")
    assert "Điển hình cá nhân" in page and "Mô hình lĩnh vực" not in page
    page = page_of(client, f"{base}?unit={unit.id}")
    assert "Điển hình cá nhân" in page and "Mô hình lĩnh vực" not in page
    page = page_of(client, f"{base}?field={fields[1].id}&kind=collective")
    assert "Mô hình lĩnh vực hai" in page and "Điển hình cá nhân" not in page
    # Nonsense filter values are ignored, not 500.
    assert "Mô hình lĩnh vực một" in page_of(client, f"{base}?field=abc&kind=nothing&unit=-1")


def test_gallery_paginates_24_per_page(client, voting_campaign, make_nominee):
    for number in range(26):
        make_nominee(f"Mô hình phân trang {number:02d}")
    first = page_of(client, f"/binh-chon/dot/{voting_campaign.id}")
    assert first.count('class="card"') == 24 and "Trang 1/2" in first
    second = page_of(client, f"/binh-chon/dot/{voting_campaign.id}?page=2")
    assert second.count('class="card"') == 2 and "Mô hình phân trang 25" in second


# --- light pages and a bounded number of queries -----------------------------------------------


def test_gallery_query_count_does_not_grow_with_nominees(client, voting_campaign, make_nominee, count_queries, app):
    def measure() -> int:
        with count_queries() as counter:
            assert client.get(f"/binh-chon/dot/{voting_campaign.id}").status_code == 200
        return counter.count

    for _ in range(3):
        nominee = make_nominee()
        add_stored_attachment(app, nominee, "ảnh.jpg", _jpeg((64, 48)))
    db.session.commit()
    small = measure()
    for _ in range(27):
        nominee = make_nominee()
        add_stored_attachment(app, nominee, "ảnh.jpg", _jpeg((64, 48)))
    db.session.commit()
    assert measure() == small
    with count_queries() as counter:
        assert client.get("/binh-chon/").status_code == 200
    assert counter.count <= 4


def test_card_photo_is_a_lazy_thumbnail_with_its_size(client, voting_campaign, make_nominee, app):
    nominee = make_nominee("Mô hình có ảnh", with_evidence=False)
    add_stored_attachment(app, nominee, "bien-ban.pdf", PDF_BYTES)
    photo = add_stored_attachment(app, nominee, "ảnh hiện trường.jpg", _jpeg())
    db.session.commit()
    page = page_of(client, f"/binh-chon/dot/{voting_campaign.id}")
    tags = re.findall(r"<img [^>]+>", page)
    assert tags == [
        f'<img src="/binh-chon/anh/{photo.id}/small.jpg" alt="" width="480" height="320" loading="lazy" decoding="async">'
    ]
    assert photo.stored_name not in page
    # No script but the shared one of every page (a few hundred bytes, deferred).
    assert re.findall(r"<script[^>]*>", page) == ['<script src="/static/js/app.js" defer>']
    assert len(page.encode()) < 20_000


def test_nominee_page_shows_the_report_and_links_medium_photos(client, make_nominee, app):
    nominee = make_nominee("Mô hình “Tuyến đường nở hoa”", with_evidence=False, road_length_m=3200)
    photo = add_stored_attachment(app, nominee, "ảnh.jpg", _jpeg())
    db.session.commit()
    page = page_of(client, f"/binh-chon/ho-so/{nominee.id}")
    for text in ("Mô hình “Tuyến đường nở hoa”", nominee.nominee_name, nominee.unit.name, "Thôn Phú Lộc",
                 "15/03/2024", "Họp dân từng xóm", "Mở rộng 3,2 km đường", "3.200", "1.250.000.000"):
        assert text in page, text
    assert f'href="/binh-chon/anh/{photo.id}/medium.jpg"' in page
    assert f'src="/binh-chon/anh/{photo.id}/small.jpg"' in page


def test_public_pages_never_show_internal_data(client, voting_campaign, make_nominee, make_user, app):
    from dvkheo.accounts.models import Role

    nominee = make_nominee("Mô hình kiểm tra riêng tư", with_evidence=False, review_attendees=61, review_votes_cast=59, review_votes_for=57)
    minutes = add_stored_attachment(app, nominee, "Biên bản bình xét nội bộ.jpg", _jpeg(), purpose="review_minutes")
    evidence_pdf = add_stored_attachment(app, nominee, "Báo cáo nội bộ.pdf", PDF_BYTES)
    submitter = make_user(Role.UNIT_SUBMITTER, nominee.unit, email="can-bo-xa@example.vn")
    nominee.created_by = submitter
    db.session.commit()
    for url in (f"/binh-chon/dot/{voting_campaign.id}", f"/binh-chon/ho-so/{nominee.id}"):
        page = page_of(client, url)
        for secret in ("Biên bản bình xét nội bộ", "Báo cáo nội bộ", minutes.stored_name, evidence_pdf.stored_name,
                       "can-bo-xa@example.vn", "57/59", "Bình xét công khai tại đơn vị", "/nominations/"):
            assert secret not in page, (url, secret)
    assert client.get(f"/binh-chon/anh/{minutes.id}/small.jpg").status_code == 404  # the minutes, even as a picture
    assert client.get(f"/binh-chon/anh/{evidence_pdf.id}/small.jpg").status_code == 404  # not an image


# --- photos --------------------------------------------------------------------------------------


def test_photo_is_a_cached_jpeg_no_wider_than_the_limit(client, make_nominee, app):
    nominee = make_nominee(with_evidence=False)
    png = io.BytesIO()
    Image.new("RGB", (3000, 2000), (10, 10, 200)).save(png, "PNG")
    photo = add_stored_attachment(app, nominee, "ảnh.png", png.getvalue())
    db.session.commit()
    for size, limit in (("small", 480), ("medium", 1200)):
        response = client.get(f"/binh-chon/anh/{photo.id}/{size}.jpg")
        assert response.status_code == 200 and response.mimetype == "image/jpeg"
        image = Image.open(io.BytesIO(response.data))
        assert image.format == "JPEG" and image.width <= limit
        assert "public" in response.headers["Cache-Control"] and "max-age=86400" in response.headers["Cache-Control"]
    again = client.get(f"/binh-chon/anh/{photo.id}/small.jpg", headers={"If-None-Match": response.headers["ETag"].replace("medium", "small")})
    assert again.status_code == 304
    assert client.get(f"/binh-chon/anh/{photo.id}/huge.jpg").status_code == 404


def test_photo_is_made_on_first_request_when_missing(client, make_nominee, app):
    nominee = make_nominee(with_evidence=False)
    photo = add_stored_attachment(app, nominee, "ảnh.jpg", _jpeg())
    db.session.commit()
    images.discard_thumbnails(photo.stored_name)  # a file stored before thumbnails existed
    assert client.get(f"/binh-chon/anh/{photo.id}/small.jpg").status_code == 200
    assert images.thumbnail_path(photo.stored_name, "small").is_file()


def test_photo_of_a_nominee_not_public_is_404(client, make_nominee, app):
    hidden = make_nominee(status=S.SCORED, with_evidence=False)
    photo = add_stored_attachment(app, hidden, "ảnh.jpg", _jpeg())
    db.session.commit()
    assert client.get(f"/binh-chon/anh/{photo.id}/small.jpg").status_code == 404


def test_broken_photo_gives_404_not_500(client, make_nominee, app):
    nominee = make_nominee("Mô hình ảnh hỏng", with_evidence=False)
    broken = add_stored_attachment(app, nominee, "hỏng.jpg", b"\xff\xd8\xff" + b"\x00" * 200)
    db.session.commit()
    assert client.get(f"/binh-chon/anh/{broken.id}/small.jpg").status_code == 404
    assert "Mô hình ảnh hỏng" in page_of(client, f"/binh-chon/dot/{nominee.campaign_id}")


@pytest.mark.parametrize("page", ["2", "99999999999999999999"])
def test_a_page_past_the_end_of_the_gallery_shows_its_last_page(client, voting_campaign, make_nominee, page):
    make_nominee("Mô hình thôn Phú Thọ")
    listing = page_of(client, f"/binh-chon/dot/{voting_campaign.id}?page={page}")
    assert "Mô hình thôn Phú Thọ" in listing


def test_search_matches_words_in_the_nominee_and_its_unit(client, voting_campaign, make_nominee):
    farmers = make_nominee("Hội Nông dân giúp nhau thoát nghèo")  # its unit: "Xã Bình Chọn 1"
    red = make_nominee("Nồi cháo tình thương của Hội Chữ thập đỏ")
    make_nominee("Đoàn kết vận động đồng bào do thiên tai")
    url = f"/binh-chon/dot/{voting_campaign.id}"
    page = page_of(client, f"{url}?q=nong dan")
    assert farmers.title in page and red.title not in page and "Đoàn kết vận động" not in page
    page = page_of(client, f"{url}?q=đỏ")
    assert red.title in page and "Đoàn kết vận động" not in page and farmers.title not in page
    page = page_of(client, f"{url}?q=nong dan xa binh chon 1")  # words of the nominee and of its unit
    assert farmers.title in page and red.title not in page
    page = page_of(client, f"{url}?q=nong dan binh chon 2")
    assert "Không có mô hình, điển hình nào khớp" in page


def test_card_names_the_place_only_when_it_differs_from_the_unit(client, voting_campaign, make_nominee):
    same = make_nominee("Mô hình ở chính đơn vị")
    same.locality = same.unit.name
    elsewhere = make_nominee("Mô hình ở một thôn", locality="Thôn Trường Thọ")
    db.session.commit()

    page = page_of(client, f"/binh-chon/dot/{voting_campaign.id}")

    assert f'<p class="card-where muted">{same.unit.name}</p>' not in page
    assert '<p class="card-where muted">Thôn Trường Thọ</p>' in page and elsewhere.unit.name in page
