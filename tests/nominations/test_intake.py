"""A unit submitter's intake: drafts, submit, failed submits that lose nothing, uploads."""
from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from dvkheo.accounts.models import Role
from dvkheo.campaigns.models import ReferenceKind
from dvkheo.extensions import db
from dvkheo.nominations.models import Attachment, Nomination
from dvkheo.nominations.states import NominationState
from tests.conftest import PDF_BYTES, PNG_BYTES, reference_item


@pytest.fixture
def commune(make_unit, province):
    return make_unit("Xã Tịnh Ấn Tây", parent=province)


@pytest.fixture
def submitter(login_as, commune):
    return login_as(Role.UNIT_SUBMITTER, commune)


def complete_form(campaign) -> dict:
    return {
        "title": "Vận động Nhân dân hiến đất làm đường",
        "nominee_name": "Chi hội Nông dân thôn Trường Thọ",
        "collective_type_id": str(reference_item(ReferenceKind.COLLECTIVE_TYPE).id),
        "field_id": str(campaign.allowed_fields[0].id),
        "locality": "Thôn Trường Thọ",
        "started_on": "15/03/2024",
        "duration": "2 năm",
        "situation": "Đường đất hẹp, mùa mưa lầy lội.",
        "method": "Cán bộ, đảng viên gương mẫu hiến đất trước.",
        "participation": "Dân bàn phương án, dân góp công, dân giám sát thi công.",
        "results": "Mở rộng 2,5 km đường bê tông.",
        "households_count": "1.214",
        "money_contributed_vnd": "1.250.000.000",
        "review_held_on": "20/09/2026",
        "review_attendees": "60",
        "review_votes_cast": "58",
        "review_votes_for": "55",
    }


def file(data: bytes, name: str):
    return (io.BytesIO(data), name)


def create_url(campaign) -> str:
    return f"/nominations/new/{campaign.id}/collective"


def only_nomination() -> Nomination:
    return db.session.scalars(sa.select(Nomination)).one()


def test_draft_saves_incomplete(client, submitter, make_campaign):
    campaign = make_campaign()
    response = client.post(create_url(campaign), data={"title": "Mô hình còn dang dở", "save_draft": "Lưu nháp"})
    assert response.status_code == 302
    nomination = only_nomination()
    assert (nomination.status, nomination.title, nomination.unit_id) == (NominationState.DRAFT, "Mô hình còn dang dở", submitter.unit_id)
    assert "Đã lưu nháp" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_complete_submit_with_evidence_is_submitted(client, submitter, make_campaign):
    campaign = make_campaign()
    data = complete_form(campaign) | {
        "submit_dossier": "Nộp hồ sơ",
        f"evidence_criterion_{campaign.criteria[0].id}": file(PNG_BYTES, "Ảnh đường mới.png"),
        "review_minutes": file(PDF_BYTES, "Biên bản bình xét.pdf"),
    }
    response = client.post(create_url(campaign), data=data, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    nomination = only_nomination()
    assert nomination.status is NominationState.SUBMITTED
    assert nomination.households_count == 1214 and nomination.money_contributed_vnd == 1_250_000_000
    assert sorted((a.original_name, a.purpose, a.criterion_id) for a in nomination.attachments) == [
        ("Biên bản bình xét.pdf", "review_minutes", None),
        ("Ảnh đường mới.png", "evidence", campaign.criteria[0].id),
    ]
    page = client.get(f"/nominations/{nomination.id}").get_data(as_text=True)
    assert "Đã nộp" in page and "Nộp hồ sơ" in page  # status badge and the history line


def test_failed_submit_keeps_typed_values_and_saves_draft(client, submitter, make_campaign):
    campaign = make_campaign()
    data = complete_form(campaign) | {"submit_dossier": "Nộp hồ sơ"}  # no evidence file
    response = client.post(create_url(campaign), data=data, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Hồ sơ cần ít nhất một tệp minh chứng." in page
    assert 'value="Chi hội Nông dân thôn Trường Thọ"' in page
    assert "Cán bộ, đảng viên gương mẫu hiến đất trước." in page
    nomination = only_nomination()
    assert nomination.status is NominationState.DRAFT
    assert nomination.nominee_name == "Chi hội Nông dân thôn Trường Thọ"
    # The page now posts to the saved draft, so a second attempt does not create a duplicate.
    assert f'action="/nominations/{nomination.id}/edit"' in page


def test_invalid_number_keeps_everything_and_the_uploaded_file(client, submitter, make_campaign):
    campaign = make_campaign()
    data = complete_form(campaign) | {
        "households_count": "khoảng hai trăm",
        "submit_dossier": "Nộp hồ sơ",
        "evidence": file(PNG_BYTES, "Ảnh hiện trường.png"),
    }
    response = client.post(create_url(campaign), data=data, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Vui lòng nhập một số nguyên" in page
    assert 'value="khoảng hai trăm"' in page
    assert "Ảnh hiện trường.png" in page  # shown as already uploaded
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Nomination)) == 0

    staged = re.search(r'name="staged_uploads" type="hidden" value="([^"]+)"', page).group(1)
    retry = complete_form(campaign) | {"submit_dossier": "Nộp hồ sơ", "staged_uploads": staged}
    response = client.post(create_url(campaign), data=retry, content_type="multipart/form-data")
    assert response.status_code == 302
    nomination = only_nomination()
    assert nomination.status is NominationState.SUBMITTED
    assert [a.original_name for a in nomination.attachments] == ["Ảnh hiện trường.png"]


@pytest.mark.parametrize("field", ["households_count", "working_days", "review_attendees"])
def test_a_count_beyond_what_the_database_holds_is_told_beside_the_field(client, submitter, make_campaign, field):
    """On PostgreSQL an INTEGER column refuses 2.147.483.648: the form must say so, not answer 500."""
    campaign = make_campaign()
    data = complete_form(campaign) | {field: "2.147.483.648", "save_draft": "Lưu nháp"}
    response = client.post(create_url(campaign), data=data, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Giá trị không được lớn hơn 2.147.483.647." in page and 'value="2.147.483.648"' in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Nomination)) == 0


def test_a_number_longer_than_any_column_is_called_too_big_not_malformed(client, submitter, make_campaign):
    campaign = make_campaign()
    data = complete_form(campaign) | {"households_count": "99999999999999999999999", "save_draft": "Lưu nháp"}
    page = client.post(create_url(campaign), data=data, content_type="multipart/form-data").get_data(as_text=True)
    assert "Giá trị không được lớn hơn 2.147.483.647." in page
    assert "Vui lòng nhập một số nguyên" not in page


def test_a_large_sum_of_money_is_kept(client, submitter, make_campaign):
    campaign = make_campaign()
    data = complete_form(campaign) | {"money_contributed_vnd": "25.000.000.000", "save_draft": "Lưu nháp"}
    assert client.post(create_url(campaign), data=data, content_type="multipart/form-data").status_code == 302
    assert only_nomination().money_contributed_vnd == 25_000_000_000


def test_staged_token_of_another_user_is_ignored(client, submitter, make_campaign, make_user, commune, app):
    from dvkheo.core.storage import store_upload
    from dvkheo.nominations.operations import dump_staged

    campaign = make_campaign()
    other = make_user(Role.UNIT_SUBMITTER, commune)
    token = dump_staged([(store_upload(io.BytesIO(PNG_BYTES), "của người khác.png"), "evidence", None)], other)
    client.post(create_url(campaign), data={"title": "Mô hình", "save_draft": "1", "staged_uploads": token})
    assert only_nomination().attachments == []


def test_votes_for_above_votes_cast_is_a_field_error(client, submitter, make_campaign):
    campaign = make_campaign()
    data = complete_form(campaign) | {"review_votes_for": "70", "save_draft": "Lưu nháp"}
    response = client.post(create_url(campaign), data=data)
    assert response.status_code == 422
    assert "Số phiếu đồng ý không thể lớn hơn số phiếu biểu quyết." in response.get_data(as_text=True)


def test_invalid_date_is_explained(client, submitter, make_campaign):
    response = client.post(create_url(make_campaign()), data={"started_on": "31/02/2024", "save_draft": "1"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Ngày không hợp lệ" in page and 'value="31/02/2024"' in page


def test_edit_returned_nomination_and_resubmit(client, submitter, make_nomination, commune):
    nomination = make_nomination(unit=commune, status=NominationState.RETURNED)
    response = client.post(
        f"/nominations/{nomination.id}/edit",
        data={"title": nomination.title, "results": "Đã bổ sung: 3,2 km đường, 214 hộ.", "submit_dossier": "Nộp lại hồ sơ"},
    )
    assert response.status_code == 302
    db.session.refresh(nomination)
    assert nomination.status is NominationState.RESUBMITTED
    assert nomination.results == "Đã bổ sung: 3,2 km đường, 214 hộ."


@pytest.mark.parametrize("status", [NominationState.SUBMITTED, NominationState.WITHDRAWN])
def test_edit_refused_once_sent(client, submitter, make_nomination, commune, status):
    nomination = make_nomination(unit=commune, status=status)
    assert client.get(f"/nominations/{nomination.id}/edit").status_code == 403
    assert client.post(f"/nominations/{nomination.id}/edit", data={"title": "Sửa trộm", "save_draft": "1"}).status_code == 403
    db.session.refresh(nomination)
    assert nomination.title != "Sửa trộm"


def test_withdraw_asks_first_and_changes_nothing_until_confirmed(client, submitter, make_nomination, commune):
    nomination = make_nomination(unit=commune, status=NominationState.SUBMITTED)
    page = client.get(f"/nominations/{nomination.id}").get_data(as_text=True)
    assert 'data-confirm-question="Rút hồ sơ này?"' in page  # the dialog, with JavaScript

    asked = client.post(f"/nominations/{nomination.id}/withdraw", data={"reason": "Đơn vị đề nghị ở đợt sau"})
    body = asked.get_data(as_text=True)
    assert asked.status_code == 200
    assert "Rút hồ sơ này?" in body and "<strong>Không thể hoàn tác.</strong>" in body
    assert "<li>Lý do: Đơn vị đề nghị ở đợt sau</li>" in body
    assert 'name="reason" value="Đơn vị đề nghị ở đợt sau"' in body and 'name="confirmed" value="1"' in body
    db.session.refresh(nomination)
    assert nomination.status is NominationState.SUBMITTED


def test_withdraw_records_reason(client, submitter, make_nomination, commune):
    nomination = make_nomination(unit=commune, status=NominationState.SUBMITTED)
    response = client.post(
        f"/nominations/{nomination.id}/withdraw", data={"reason": "Đơn vị đề nghị ở đợt sau", "confirmed": "1"}, follow_redirects=True
    )
    assert "Đã rút hồ sơ" in response.get_data(as_text=True)
    db.session.refresh(nomination)
    assert nomination.status is NominationState.WITHDRAWN
    assert "Đơn vị đề nghị ở đợt sau" in client.get(f"/nominations/{nomination.id}").get_data(as_text=True)


def test_secretary_returns_with_reason_and_unit_sees_it(client, auth, make_nomination, make_user, commune):
    nomination = make_nomination(unit=commune, status=NominationState.SUBMITTED)
    secretary = make_user(Role.SECRETARY, nomination.campaign.organising_unit)
    submitter = make_user(Role.UNIT_SUBMITTER, commune)
    auth.login(secretary)
    client.post(f"/nominations/{nomination.id}/return", data={"reason": "Bổ sung ảnh công trình"})
    auth.logout()
    auth.login(submitter)
    page = client.get(f"/nominations/{nomination.id}").get_data(as_text=True)
    assert "Trả lại để bổ sung" in page and "Bổ sung ảnh công trình" in page


def test_return_without_reason_is_refused(client, auth, make_nomination, make_user, commune):
    nomination = make_nomination(unit=commune, status=NominationState.SUBMITTED)
    auth.login(make_user(Role.SECRETARY, nomination.campaign.organising_unit))
    response = client.post(f"/nominations/{nomination.id}/return", data={"reason": ""}, follow_redirects=True)
    assert "Vui lòng ghi rõ lý do." in response.get_data(as_text=True)
    db.session.refresh(nomination)
    assert nomination.status is NominationState.SUBMITTED


def test_campaign_choice_lists_only_campaigns_covering_the_unit(client, submitter, make_campaign, make_unit):
    make_campaign(title="Đợt của tỉnh mình")
    make_campaign(organising_unit=make_unit("Tỉnh Gia Lai", kind="province"), title="Đợt của tỉnh khác")
    page = client.get("/nominations/new").get_data(as_text=True)
    assert "Đợt của tỉnh mình" in page and "Đợt của tỉnh khác" not in page


def test_create_in_campaign_of_another_province_is_refused(client, submitter, make_campaign, make_unit):
    campaign = make_campaign(organising_unit=make_unit("Tỉnh Gia Lai", kind="province"))
    response = client.post(create_url(campaign), data={"title": "X", "save_draft": "1"})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Nomination)) == 0


# --- uploads -------------------------------------------------------------------------------


def stored_files(app) -> list:
    from pathlib import Path

    return [p for p in Path(app.config["UPLOAD_DIR"]).glob("*/*") if not p.name.startswith(".")]


def save_draft_with_evidence(client, campaign, data: bytes, name: str):
    return client.post(
        create_url(campaign), data={"title": "Mô hình", "save_draft": "1", "evidence": file(data, name)},
        content_type="multipart/form-data",
    )


def test_oversized_file_is_refused_and_not_stored(client, submitter, make_campaign, app):
    campaign = make_campaign()
    before = len(stored_files(app))
    response = save_draft_with_evidence(client, campaign, b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024), "Báo cáo lớn.pdf")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "vượt quá 10 MB" in page and 'value="Mô hình"' in page
    assert len(stored_files(app)) == before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attachment)) == 0


@pytest.mark.parametrize("attack", ["bomb", "entries"])
def test_a_zip_bomb_workbook_is_refused_as_evidence(client, submitter, make_campaign, app, attack):
    """Whoever downloads evidence opens it in Excel: a workbook that inflates to 240 MB is not stored."""
    from tests.hostile_xlsx import with_bomb, with_many_entries, workbook_bytes

    plain = workbook_bytes([["Thôn", "Số hộ"], ["Phú Thọ", 214]])
    hostile = with_bomb(plain, 240 * 1024 * 1024) if attack == "bomb" else with_many_entries(plain, 1200)
    campaign = make_campaign()
    before = len(stored_files(app))
    response = save_draft_with_evidence(client, campaign, hostile, "Bảng kê.xlsx")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "chứa dữ liệu nén bất thường" in page and 'value="Mô hình"' in page
    assert len(stored_files(app)) == before
    accepted = save_draft_with_evidence(client, campaign, plain, "Bảng kê.xlsx")
    assert accepted.status_code == 302


def test_request_above_limit_gets_vietnamese_413(client, submitter, make_campaign, app):
    campaign = make_campaign()
    huge = b"0" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = client.post(create_url(campaign), data={"evidence": file(huge, "x.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 413
    assert "Tệp tải lên quá lớn" in response.get_data(as_text=True)


def test_nomination_total_cap_is_enforced(client, submitter, make_nomination, commune, app):
    nomination = make_nomination(unit=commune)
    app.config["MAX_NOMINATION_BYTES"] = len(PNG_BYTES) + 10
    try:
        response = client.post(
            f"/nominations/{nomination.id}/edit",
            data={"title": nomination.title, "save_draft": "1", "evidence": file(PDF_BYTES, "Thêm.pdf")},
            content_type="multipart/form-data",
        )
    finally:
        app.config["MAX_NOMINATION_BYTES"] = 50 * 1024 * 1024
    assert response.status_code == 422
    assert "Tổng dung lượng tệp của một hồ sơ" in response.get_data(as_text=True)
    db.session.refresh(nomination)
    assert [a.original_name for a in nomination.attachments] == ["Ảnh con đường.png"]


def test_renamed_executable_is_refused(client, submitter, make_campaign):
    executable = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 200
    response = client.post(
        create_url(make_campaign()),
        data={"title": "Mô hình", "save_draft": "1", "evidence": file(executable, "bien-ban.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "không phải tệp PDF, JPEG, PNG, DOCX hoặc XLSX hợp lệ" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attachment)) == 0


def test_zip_that_is_not_office_is_refused(client, submitter, make_campaign):
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("virus.exe", b"MZ")
    response = client.post(
        create_url(make_campaign()),
        data={"title": "Mô hình", "save_draft": "1", "evidence": file(buffer.getvalue(), "so-lieu.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422


def test_file_name_with_path_segments_is_stored_safely(client, submitter, make_campaign, app):
    from pathlib import Path

    response = client.post(
        create_url(make_campaign()),
        data={"title": "Mô hình", "save_draft": "1", "evidence": file(PDF_BYTES, "../../etc/Biên bản.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    attachment = db.session.scalars(sa.select(Attachment)).one()
    assert attachment.original_name == "Biên bản.pdf"
    assert re.fullmatch(r"[0-9a-f]{32}\.pdf", attachment.stored_name)
    stored = Path(app.config["UPLOAD_DIR"]) / attachment.stored_name[:2] / attachment.stored_name
    assert stored.read_bytes() == PDF_BYTES
    assert Path(app.config["UPLOAD_DIR"]).resolve() in stored.resolve().parents


def test_vietnamese_file_name_is_offered_on_download(client, submitter, make_campaign):
    client.post(
        create_url(make_campaign()),
        data={"title": "Mô hình", "save_draft": "1", "evidence": file(PDF_BYTES, "Ảnh đường bê tông thôn Phú Lộc.pdf")},
        content_type="multipart/form-data",
    )
    attachment = db.session.scalars(sa.select(Attachment)).one()
    response = client.get(f"/nominations/{attachment.nomination_id}/attachments/{attachment.id}")
    assert response.status_code == 200
    assert response.data == PDF_BYTES
    assert response.headers["Content-Type"] == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert "attachment" in disposition
    assert "filename*=UTF-8''%E1%BA%A2nh%20%C4%91%C6%B0%E1%BB%9Dng" in disposition
    assert response.headers["Cache-Control"] == "no-store"  # private evidence: kept by no browser or proxy cache


def test_deleting_an_attachment_removes_row_and_file(client, submitter, make_nomination, commune, app):
    from pathlib import Path

    nomination = make_nomination(unit=commune)
    attachment = nomination.attachments[0]
    path = Path(app.config["UPLOAD_DIR"]) / attachment.stored_name[:2] / attachment.stored_name
    assert path.exists()
    response = client.post(f"/nominations/{nomination.id}/attachments/{attachment.id}/delete")
    assert response.status_code == 302
    db.session.refresh(nomination)
    assert nomination.attachments == [] and not path.exists()


def pixel_bomb() -> bytes:
    """A small PNG (about 10 KB) that declares 9,400 × 9,400 pixels: ~730 MB once decoded as RGB."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("1", (9400, 9400)).save(out, "PNG")
    return out.getvalue()


def test_pixel_bomb_evidence_is_refused_with_its_size_and_the_form_is_kept(client, submitter, make_campaign, app):
    campaign = make_campaign()
    before = len(stored_files(app))
    bomb = pixel_bomb()
    assert len(bomb) < 300 * 1024

    response = client.post(
        create_url(campaign),
        data=complete_form(campaign) | {"save_draft": "1", "evidence": file(bomb, "Ảnh toàn cảnh.png")},
        content_type="multipart/form-data",
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Ảnh quá lớn: 9.400 × 9.400 điểm ảnh, tối đa 40 triệu điểm ảnh." in page
    assert "Ảnh toàn cảnh.png" in page
    assert 'value="Vận động Nhân dân hiến đất làm đường"' in page and 'value="1.250.000.000"' in page
    assert len(stored_files(app)) == before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attachment)) == 0


MARKUP = {
    "title": "<script>alert(1)</script> Mô hình",
    "nominee_name": '"><img src=x onerror=alert(2)> Chi hội',
    "locality": "Thôn <b>Trường Thọ</b> & 'Phú Lộc'",
    "situation": "</textarea><script>alert(3)</script>",
}


def test_markup_typed_into_the_form_comes_back_as_text_on_every_page(client, submitter, make_campaign):
    """ASVS 5.0 V1.1.2, V1.2.1: what a person types is shown as they typed it, never run as markup,
    in element text, in attribute values and inside a textarea."""
    campaign = make_campaign()
    response = client.post(create_url(campaign), data=MARKUP | {"save_draft": "Lưu nháp"})
    assert response.status_code == 302
    nomination = only_nomination()
    assert nomination.title == MARKUP["title"]  # stored as typed; escaped only when shown

    pages = {
        "detail": client.get(response.headers["Location"]),
        "list": client.get("/nominations/"),
        "edit": client.get(f"/nominations/{nomination.id}/edit"),
    }
    for name, page in pages.items():
        assert page.status_code == 200, name
        html = page.get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html and "<b>Trường" not in html, name
        assert "&lt;script&gt;alert(1)&lt;/script&gt; Mô hình" in html, name
    edit = pages["edit"].get_data(as_text=True)
    assert "&#34;&gt;&lt;img src=x onerror=alert(2)&gt; Chi hội" in edit or "&quot;&gt;&lt;img src=x onerror=alert(2)&gt; Chi hội" in edit
    assert "&lt;/textarea&gt;&lt;script&gt;alert(3)&lt;/script&gt;" in edit
    assert "Thôn &lt;b&gt;Trường Thọ&lt;/b&gt; &amp; &#39;Phú Lộc&#39;" in edit
