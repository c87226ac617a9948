"""The printable model sheet (/mo-hinh/<id>/phieu.pdf): one A4 page whatever the summary, public data only,
answered 304 while unchanged."""
from __future__ import annotations

import io
import subprocess

import pytest
from pypdf import PdfReader

from dvkheo.accounts.models import Role
from dvkheo.registry import workflow

from .conftest import model_of, revoke_award

APPROVED = "Ban Công tác Mặt trận vận động 214 hộ hiến đất, mở rộng 3,2 km đường thôn Phú Lộc."
DRAFT = "Bản nháp mới chưa được Hội đồng duyệt: không được in."


def publish(model, writer, chair, text: str, photo_ids=None) -> None:
    from dvkheo.extensions import db

    workflow.apply(model, workflow.A.EDIT, writer, text=text, photo_ids=photo_ids)
    workflow.apply(model, workflow.A.SUBMIT, writer)
    workflow.apply(model, workflow.A.APPROVE, chair)
    db.session.commit()


def pdf_text(data: bytes) -> str:
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()


def sheet(client, model, **headers):
    return client.get(f"/mo-hinh/{model.id}/phieu.pdf", headers=headers)


@pytest.fixture
def awarded(recognised, make_user):
    result, decision = recognised
    collective = result.passed[1]
    model = model_of(collective)
    writer = make_user(Role.UNIT_SUBMITTER, model.unit)
    return result, decision, collective, model, writer


def test_the_sheet_prints_the_public_facts_and_nothing_internal(client, awarded):
    result, decision, collective, model, writer = awarded
    publish(model, writer, result.chair, APPROVED)
    workflow.apply(model, workflow.A.EDIT, writer, text=DRAFT)  # a newer draft, not approved
    from dvkheo.extensions import db

    db.session.commit()

    response = sheet(client, model)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert len(PdfReader(io.BytesIO(response.data)).pages) == 1
    text = " ".join(pdf_text(response.data).split())
    for printed in (
        model.title, "Mô hình · Tập thể", model.nominee_name, model.unit.name, APPROVED,
        decision.number_label, "20/11/2026", result.award_form.name, "Cấp tỉnh",
        f"/mo-hinh/{model.id}", "Khen thưởng, công nhận",  # diacritics come out of the font as typed
    ):
        assert printed in text, printed
    assert DRAFT not in text
    assert collective.method not in text and collective.results not in text
    fonts = subprocess.run(["pdffonts", "-"], input=response.data, capture_output=True).stdout.decode()
    assert ("Liberation-Serif" in fonts or "Tinos" in fonts) and "DejaVu" not in fonts


def test_a_very_long_summary_still_fits_one_page_cut_with_an_ellipsis(client, awarded):
    result, _, _, model, writer = awarded
    # Many short paragraphs: the longest text a unit may write, and the tallest.
    lines = [f"Đoạn {n}: người dân bàn bạc, hiến đất, góp công làm đường." for n in range(1, 80)]
    long_text = "\n".join(lines)[: workflow.MAX_SUMMARY - 20] + " KẾT-THÚC"
    publish(model, writer, result.chair, long_text)

    data = sheet(client, model).data
    assert len(PdfReader(io.BytesIO(data)).pages) == 1
    text = " ".join(pdf_text(data).split())
    assert "Đoạn 1: người dân bàn bạc" in text and "…" in text and "KẾT-THÚC" not in text
    assert "Khen thưởng, công nhận" in text and f"/mo-hinh/{model.id}" in text  # what follows is never lost


def test_only_approved_photos_are_printed_at_most_three(app, client, awarded):
    from dvkheo.extensions import db
    from tests.conftest import PNG_BYTES, add_stored_attachment

    result, _, collective, model, writer = awarded
    pictures = [add_stored_attachment(app, collective, f"Ảnh {n}.png", PNG_BYTES + b"\0" * n) for n in range(1, 6)]
    db.session.commit()

    def images() -> int:
        listing = subprocess.run(["pdfimages", "-list", "-"], input=sheet(client, model).data, capture_output=True)
        return len(listing.stdout.decode().splitlines()[2:])

    workflow.apply(model, workflow.A.EDIT, writer, text=APPROVED, photo_ids=[p.id for p in pictures[:2]])
    workflow.apply(model, workflow.A.SUBMIT, writer)
    db.session.commit()
    assert images() == 0  # chosen, not approved
    workflow.apply(model, workflow.A.APPROVE, result.chair)
    db.session.commit()
    assert images() == 2
    publish(model, writer, result.chair, APPROVED, photo_ids=[p.id for p in pictures])
    assert images() == 3
    assert len(PdfReader(io.BytesIO(sheet(client, model).data)).pages) == 1


def test_unchanged_sheet_is_answered_304_and_a_change_makes_a_new_one(client, awarded):
    result, _, _, model, writer = awarded
    first = sheet(client, model)
    etag = first.headers["ETag"]
    assert first.status_code == 200 and "public" in first.headers["Cache-Control"]

    again = sheet(client, model, **{"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""

    publish(model, writer, result.chair, APPROVED)
    changed = sheet(client, model, **{"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag and APPROVED in " ".join(pdf_text(changed.data).split())


def test_unknown_or_no_longer_recognised_models_have_no_sheet(client, awarded):
    result, decision, collective, model, writer = awarded
    assert client.get("/mo-hinh/2147483647/phieu.pdf").status_code == 404
    assert client.get("/mo-hinh/2147483648/phieu.pdf").status_code == 404
    line = next(line for line in decision.awardees if line.nomination_id == collective.id)
    revoke_award(result, decision, line)
    gone = sheet(client, model)
    assert gone.status_code == 410 and "không còn được công nhận" in gone.get_data(as_text=True)


def test_the_public_page_links_its_sheet(client, awarded):
    model = awarded[3]
    assert f'href="/mo-hinh/{model.id}/phieu.pdf"' in client.get(f"/mo-hinh/{model.id}").get_data(as_text=True)


def test_a_recognition_without_an_award_form_name_prints_what_the_public_page_prints(client, awarded):
    """Imported recognitions carry no award form name: the page says "Công nhận mô hình “Dân vận khéo”", and
    the sheet printed a bare "· Cấp tỉnh" with nothing before it."""
    from dvkheo.extensions import db

    result, decision, collective, model, writer = awarded
    for recognition in model.recognitions:
        recognition.award_form_name = ""
    db.session.commit()

    text = " ".join(pdf_text(sheet(client, model).data).split())
    assert "Công nhận mô hình “Dân vận khéo” · Cấp tỉnh" in text
    assert "• ·" not in text
