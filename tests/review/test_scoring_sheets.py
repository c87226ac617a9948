"""Paper scoring sheets ("Phiếu chấm điểm"): text of the PDF, one sheet per reviewer and dossier,
a reviewer filter, and the secretary-only access."""
from __future__ import annotations

import shutil
import subprocess

import pytest

from dvkheo.accounts.models import Role
from dvkheo.nominations.states import NominationState
from dvkheo.review.models import ReviewAssignment
from tests.review.conftest import give_scores
from tests.review.test_normalisation import split
from tests.review.test_ranking import login

S = NominationState


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} (poppler-utils) is not installed")
    return path


@pytest.fixture
def pdf_text(tmp_path):
    """Text of PDF bytes, extracted with poppler's pdftotext (as in tests/nominations)."""

    def extract(data: bytes, *options: str) -> str:
        source = tmp_path / "sheets.pdf"
        source.write_bytes(data)
        return subprocess.run([_tool("pdftotext"), *options, str(source), "-"], check=True, capture_output=True, text=True).stdout

    return extract


def open_assignment(nomination, reviewer) -> ReviewAssignment:
    from dvkheo.extensions import db

    assignment = ReviewAssignment(nomination=nomination, reviewer=reviewer)
    db.session.add(assignment)
    db.session.commit()
    return assignment


@pytest.fixture
def assigned(review_campaign, make_member, make_dossier):
    first = make_member(full_name="Hoàng Thị Diệu Linh")
    second = make_member(full_name="Võ Đức Thắng")
    road = make_dossier(status=S.IN_REVIEW, title="Dân vận khéo trong vận động hiến đất mở rộng đường thôn", with_evidence=False)
    water = make_dossier(status=S.IN_REVIEW, title="Mô hình nước sạch về bản", with_evidence=False)
    open_assignment(road, first)
    open_assignment(water, first)
    open_assignment(road, second)
    # Already scored: no blank sheet is printed for it.
    give_scores(water, second, split(70))
    return {"first": first, "second": second, "road": road, "water": water}


def test_scoring_sheets_pdf_has_title_rubric_and_reviewer(client, review_campaign, secretary, assigned, pdf_text):
    login(client, secretary)
    response = client.get(f"/review/campaigns/{review_campaign.id}/scoring-sheets.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    raw = pdf_text(response.data)
    text = " ".join(raw.split())  # table cells wrap long titles over several lines
    # One sheet per open assignment, one page each with the default rubric: Linh has two,
    # Thắng one (his other sheet is final).
    assert text.count("PHIẾU CHẤM ĐIỂM") == 3
    assert raw.count("\f") == 3
    # The council is the Party body's by default: the Party's header, never the State's motto.
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" in text and "BAN DÂN VẬN TỈNH ỦY HỘI ĐỒNG XÉT CHỌN *" in text
    assert "CỘNG HÒA" not in text and "Độc lập" not in text
    assert "HỘI ĐỒNG XÉT CHỌN" in text
    for criterion in review_campaign.criteria:
        assert criterion.title in text
    assert "Sự đồng thuận, tham gia của Nhân dân" in text
    assert "Hoàng Thị Diệu Linh" in text and "Võ Đức Thắng" in text
    assert "Dân vận khéo trong vận động hiến đất mở rộng đường thôn" in text
    for heading in ("STT", "Tiêu chí", "Điểm tối đa", "Điểm chấm", "Nhận xét", "Tổng cộng"):
        assert heading in text
    assert "(Ký, ghi rõ họ tên)" in text


def test_scoring_sheets_for_one_reviewer(client, review_campaign, secretary, assigned, pdf_text):
    login(client, secretary)
    response = client.get(f"/review/campaigns/{review_campaign.id}/scoring-sheets.pdf?reviewer={assigned['second'].id}")
    assert response.status_code == 200
    text = pdf_text(response.data)
    assert text.count("PHIẾU CHẤM ĐIỂM") == 1
    assert "Võ Đức Thắng" in text and "Hoàng Thị Diệu Linh" not in text
    assert "Mô hình nước sạch về bản" not in text


def test_scoring_sheets_for_a_non_member_is_404(client, review_campaign, secretary, assigned, make_user, make_unit):
    outsider = make_user(Role.REVIEWER, make_unit(kind="agency"))
    login(client, secretary)
    assert client.get(f"/review/campaigns/{review_campaign.id}/scoring-sheets.pdf?reviewer={outsider.id}").status_code == 404
    assert client.get(f"/review/campaigns/{review_campaign.id}/scoring-sheets.pdf?reviewer=abc").status_code == 404


def test_scoring_sheets_without_open_assignment_explains(client, review_campaign, secretary):
    login(client, secretary)
    response = client.get(f"/review/campaigns/{review_campaign.id}/scoring-sheets.pdf", follow_redirects=True)
    assert response.status_code == 200
    assert "Không có phiếu chấm điểm nào cần in" in response.get_data(as_text=True)


@pytest.mark.parametrize("role, status", [("chair", 403), ("admin", 403), ("reviewer", 404), ("unit", 404)])
def test_scoring_sheets_are_for_the_secretary_only(client, review_campaign, chair, make_user, make_unit, assigned, role, status):
    user = {
        "chair": lambda: chair,
        "admin": lambda: make_user(Role.ADMIN),
        "reviewer": lambda: assigned["first"],
        "unit": lambda: make_user(Role.UNIT_SUBMITTER, assigned["road"].unit),
    }[role]()
    login(client, user)
    assert client.get(f"/review/campaigns/{review_campaign.id}/scoring-sheets.pdf").status_code == status


def test_scoring_sheets_in_the_state_system(client, review_campaign, secretary, assigned, pdf_text):
    """A council set to the State's system prints the national title and the motto, and no Party line."""
    from dvkheo.documents.models import ensure_builtin_systems, system_by_code
    from dvkheo.extensions import db

    ensure_builtin_systems()
    review_campaign.council_document_system = system_by_code("state")
    review_campaign.council_parent_body = "ỦY BAN NHÂN DÂN XÃ TỊNH KHÊ"
    db.session.commit()
    login(client, secretary)
    data = client.get(f"/review/campaigns/{review_campaign.id}/scoring-sheets.pdf").data
    text = " ".join(pdf_text(data).split())
    assert "ỦY BAN NHÂN DÂN XÃ TỊNH KHÊ HỘI ĐỒNG XÉT CHỌN" in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "Độc lập - Tự do - Hạnh phúc" in text
    assert "ĐẢNG CỘNG SẢN" not in text and "*" not in text


def test_stt_header_lies_inside_its_column(client, review_campaign, secretary, assigned):
    """The "STT" header's glyphs sit between the first column's vertical rules (it used to overflow)."""
    import io

    import pdfplumber

    login(client, secretary)
    data = client.get(f"/review/campaigns/{review_campaign.id}/scoring-sheets.pdf").data
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        page = pdf.pages[0]
        words = page.extract_words(extra_attrs=["fontname"])
        stt = next(w for w in words if w["text"] == "STT")
        criteria = next(w for w in words if w["text"] == "Tiêu" and abs(w["top"] - stt["top"]) < 8)
        # The vertical rules of the header row: WeasyPrint draws cell borders as thin rects or lines.
        verticals = sorted(
            {round(edge["x0"], 1) for edge in page.edges
             if edge["orientation"] == "v" and edge["top"] <= stt["top"] + 1 and edge["bottom"] >= stt["bottom"] - 1}
        )
        left_rule = max(x for x in verticals if x <= stt["x0"])
        right_rule = min(x for x in verticals if x >= stt["x0"])
        assert right_rule < criteria["x0"]  # the rule between "STT" and "Tiêu chí"
        chars = [c for c in page.chars if abs(c["top"] - stt["top"]) < 1 and stt["x0"] - 0.5 <= c["x0"] <= stt["x1"] + 0.5]
        assert "".join(c["text"] for c in chars) == "STT"
        assert all(left_rule < c["x0"] and c["x1"] < right_rule for c in chars), (left_rule, right_rule, chars)
