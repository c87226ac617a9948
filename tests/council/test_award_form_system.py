"""The award-form editor and the issuer's document system: the system chosen and saved, the issuer as a sentence
names it, the archive line, the issuer's own emblem, and previews that follow the chosen system."""
from __future__ import annotations

import io
from types import SimpleNamespace

import pytest

from dvkheo.awards.models import SignerPrefix, signature_lines
from dvkheo.core import audit
from dvkheo.core.storage import path_for
from dvkheo.documents.formats import STATE
from tests.conftest import PNG_BYTES
from tests.council.test_award_forms_issuer import editor_values, reload

CLEAN_SVG = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">'
    b'<circle cx="5" cy="5" r="4" fill="#c00"/></svg>'
)


def _option_labels(html: str, name: str) -> list[str]:
    start = html.index(f'name="{name}"')
    block = html[start:html.index("</select>", start)]
    return [part.split(">", 1)[1].split("<", 1)[0] for part in block.split("<option")[1:]]


def test_a_new_award_form_issues_in_the_organising_units_system_and_name(award_form, systems, council_campaign):
    assert award_form.document_system_id == systems["party"].id
    assert council_campaign.organising_unit.name == "Tỉnh Quảng Ngãi"
    assert award_form.issuer_in_text == "Ban Dân vận Tỉnh ủy"  # a province's movement is run by its Ban Dân vận
    assert award_form.archive == "VT"


def test_party_preview_and_prefixes(client, award_form):
    html = client.get(f"/council/award-forms/{award_form.id}/edit").get_data(as_text=True)
    preview = html[html.index('class="doc-preview"'):html.index('class="emblem-field"')]
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" in preview and ">*</p>" in preview
    assert "Số …-QĐ/BDVTU" in preview and "- Lưu VT." in preview
    assert "CỘNG HÒA" not in preview and "Độc lập" not in preview and "Số:" not in preview
    assert _option_labels(html, "signer_prefix")[1:] == [
        "T/M (thay mặt tập thể lãnh đạo)", "K/T (ký thay người đứng đầu)", "T/L (thừa lệnh)",
        "T/UQ (thừa ủy quyền)", "Q. (quyền)",
    ]
    assert _option_labels(html, "document_system_id") == [
        "Văn bản của Đảng (Hướng dẫn 36-HD/VPTW)", "Văn bản hành chính nhà nước (Nghị định 30/2020/NĐ-CP)",
    ]


def test_choosing_the_state_system_is_saved_audited_and_the_page_follows_it(client, award_form, systems, secretary):
    values = editor_values(client, award_form.id) | {
        "document_system_id": str(systems["state"].id),
        "parent_body": "", "issuing_body": "Ủy ban nhân dân xã Tịnh Khê", "issuer_code": "UBND", "place_name": "Tịnh Khê",
        "issuer_in_text": "Ủy ban nhân dân xã Tịnh Khê", "archive": "Lưu: VT, VP.",
        "signer_prefix": "KT.", "signer_authority": "Chủ tịch", "signer_title": "Phó Chủ tịch", "signer_name": "Trần Văn Bảo",
    }
    response = client.post(f"/council/award-forms/{award_form.id}/edit", data=values)
    assert response.status_code == 302, response.get_data(as_text=True)
    form = reload(award_form.id)
    assert form.document_system_id == systems["state"].id and form.document_format.code == "state"
    assert (form.issuer_in_text, form.archive) == ("Ủy ban nhân dân xã Tịnh Khê", "VT, VP")
    assert signature_lines(form) == ["KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"]
    event = audit.history("award_form", form.id)[-1]
    assert {"document_system_id", "issuer_in_text", "archive"} <= set(event.details["changed"])
    assert event.actor_id == secretary.id

    html = client.get(f"/council/award-forms/{form.id}/edit").get_data(as_text=True)
    preview = html[html.index('class="doc-preview"'):html.index('class="emblem-field"')]
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in preview and "Độc lập - Tự do - Hạnh phúc" in preview
    assert "Số: …/QĐ-UBND" in preview and "- Như Điều 3;" in preview and "- Lưu: VT, VP." in preview
    assert "ĐẢNG CỘNG SẢN" not in preview and ">*</p>" not in preview
    assert "KT. CHỦ TỊCH" in html  # the signature block's preview
    assert _option_labels(html, "signer_prefix")[1] == "TM. (thay mặt tập thể lãnh đạo)"
    assert "Quyết định số 05/QĐ-UBND ngày 03 tháng 12 năm" in html
    listing = client.get(f"/council/campaigns/{form.campaign_id}/award-forms").get_data(as_text=True)
    assert "KT. CHỦ TỊCH · PHÓ CHỦ TỊCH: Trần Văn Bảo" in listing


def test_preview_shows_the_chosen_system_and_saves_nothing(client, award_form, systems):
    values = editor_values(client, award_form.id) | {"document_system_id": str(systems["state"].id), "preview": "1"}
    response = client.post(f"/council/award-forms/{award_form.id}/edit", data=values)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in html and "Số: …/QĐ-BDVTU" in html
    assert reload(award_form.id).document_system_id == systems["party"].id
    assert [event.action for event in audit.history("award_form", award_form.id)] == ["create"]


def test_an_unknown_system_is_refused(client, award_form, systems):
    values = editor_values(client, award_form.id) | {"document_system_id": "9999"}
    response = client.post(f"/council/award-forms/{award_form.id}/edit", data=values)
    assert response.status_code == 422
    assert "Lựa chọn không hợp lệ; vui lòng chọn lại." in response.get_data(as_text=True)
    assert reload(award_form.id).document_system_id == systems["party"].id


@pytest.mark.parametrize(("name", "data", "mimetype"), [("bieu-tuong.png", PNG_BYTES, "image/png"), ("bieu-tuong.svg", CLEAN_SVG, "image/svg+xml")])
def test_the_issuers_emblem_is_stored_shown_and_removed(client, award_form, name, data, mimetype):
    values = editor_values(client, award_form.id)
    values["emblem"] = (io.BytesIO(data), name)
    response = client.post(f"/council/award-forms/{award_form.id}/edit", data=values, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    form = reload(award_form.id)
    # Stored as checked and cleaned (a PNG re-encoded, an SVG re-serialised): the same kind of file, never the raw upload.
    stored = path_for(form.emblem_file).read_bytes() if form.emblem_file else b""
    assert stored[:8] == data[:8] if mimetype == "image/png" else b"<svg" in stored
    assert "emblem_file" in audit.history("award_form", form.id)[-1].details["changed"]
    shown = client.get(f"/council/award-forms/{form.id}/emblem")
    assert shown.status_code == 200 and shown.mimetype == mimetype and shown.data == stored
    assert "default-src 'none'" in shown.headers["Content-Security-Policy"]
    assert f"/council/award-forms/{form.id}/emblem" in client.get(f"/council/award-forms/{form.id}/edit").get_data(as_text=True)

    stored = path_for(form.emblem_file)
    values = editor_values(client, form.id) | {"emblem_remove": "y"}
    assert client.post(f"/council/award-forms/{form.id}/edit", data=values).status_code == 302
    assert reload(form.id).emblem_file is None and not stored.exists()
    assert client.get(f"/council/award-forms/{form.id}/emblem").status_code == 404


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "chứa thành phần &lt;script&gt;"),
        ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "chứa thuộc tính sự kiện “onload”"),
        ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:x="http://www.w3.org/1999/xlink"><image x:href="http://example.com/a.png"/></svg>',
         "liên kết tới tệp hoặc địa chỉ bên ngoài"),
        ("logo.svg", b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]><svg>&a;</svg>', "có khai báo DOCTYPE hoặc ENTITY"),
        ("logo.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 64, "chỉ nhận ảnh PNG hoặc SVG"),
        ("logo.png", b"%PDF-1.4 not an image", "chỉ nhận ảnh PNG hoặc SVG"),
    ],
)
def test_an_emblem_that_could_run_or_fetch_anything_is_refused(client, award_form, name, data, message):
    values = editor_values(client, award_form.id)
    values["emblem"] = (io.BytesIO(data), name)
    response = client.post(f"/council/award-forms/{award_form.id}/edit", data=values, content_type="multipart/form-data")
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert reload(award_form.id).emblem_file is None


def test_signature_lines_follow_the_holders_system(make_council_result):
    party_form = SimpleNamespace(signer_prefix=SignerPrefix.ON_BEHALF_OF_COLLECTIVE, signer_authority="ban thường vụ",
                                 signer_title="Bí thư")
    assert signature_lines(party_form) == ["T/M BAN THƯỜNG VỤ", "BÍ THƯ"]
    state_form = SimpleNamespace(**vars(party_form), format=STATE)
    assert signature_lines(state_form) == ["TM. BAN THƯỜNG VỤ", "BÍ THƯ"]
    acting = SimpleNamespace(signer_prefix=SignerPrefix.ACTING, signer_authority="", signer_title="Trưởng ban", format=STATE)
    assert signature_lines(acting) == ["Q. TRƯỞNG BAN"]
    result = make_council_result(passed=1)
    assert signature_lines(result.award_form)[0] == "T/M BAN THƯỜNG VỤ"  # no system chosen: the Party's


def test_uploads_prune_keeps_an_emblem_in_use(client, award_form, runner):
    values = editor_values(client, award_form.id)
    values["emblem"] = (io.BytesIO(CLEAN_SVG), "bieu-tuong.svg")
    assert client.post(f"/council/award-forms/{award_form.id}/edit", data=values, content_type="multipart/form-data").status_code == 302
    stored = path_for(reload(award_form.id).emblem_file)
    result = runner.invoke(args=["uploads", "prune", "--older-than-hours", "0"])
    assert result.exit_code == 0, result.output
    assert stored.exists()
