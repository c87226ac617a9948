"""The decision pages as the committee uses them: who sees what, drafting, approving, issuing, the PDF."""
from __future__ import annotations

import io
import re
import unicodedata
from datetime import date, timedelta

import sqlalchemy as sa
from pypdf import PdfReader

from dvkheo.accounts.models import Role
from dvkheo.awards import decisions as ops
from dvkheo.awards import workflow
from dvkheo.awards.models import Decision, DecisionStatus
from dvkheo.certificates.models import Certificate
from dvkheo.core.timeutil import today_in_vietnam
from dvkheo.extensions import db
from dvkheo.nominations.models import Nomination
from dvkheo.nominations.states import NominationState as S
from dvkheo.review.models import HoldCategory
from dvkheo.review.screening import place_hold


def _pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    return " ".join(unicodedata.normalize("NFC", text).split())


def _draft(result, nominations=None):
    chosen = [n.id for n in (nominations if nominations is not None else result.passed)]
    decision = ops.draft_award_decision(result.campaign, result.award_form, chosen, result.secretary)
    db.session.commit()
    return decision


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    return match.group(1) if match else ""


# --- access ------------------------------------------------------------------------------------


def test_who_may_open_the_decision_pages(client, login_as, auth, make_unit, make_council_result):
    result = make_council_result(passed=1)
    decision = _draft(result)
    pages = [
        f"/awards/campaigns/{result.campaign.id}/decisions",
        f"/awards/decisions/{decision.id}",
        f"/awards/decisions/{decision.id}/pdf",
    ]
    other_province = make_unit("Tỉnh Khác", kind="province", code="99")
    inside_commune = result.passed[0].unit

    def statuses():
        return [client.get(url).status_code for url in pages]

    # Outside the campaign's tree: nothing exists.
    auth.logout()
    login_as(Role.UNIT_SUBMITTER, make_unit("Xã Ngoài Tỉnh", parent=other_province))
    assert statuses() == [404, 404, 404]
    auth.logout()
    login_as(Role.SECRETARY, other_province)
    assert statuses() == [404, 404, 404]
    auth.logout()
    login_as(Role.REVIEWER, other_province)
    assert statuses() == [404, 404, 404]
    # Inside the tree without the permission: the campaign's list is forbidden; a decision, like the minutes and the
    # certificates, does not exist for them (they do not learn that its number exists).
    auth.logout()
    login_as(Role.REVIEWER, inside_commune)
    assert statuses() == [403, 404, 404]
    auth.logout()
    login_as(Role.UNIT_SUBMITTER, inside_commune)
    assert statuses() == [403, 404, 404]
    auth.logout()
    login_as(Role.SECRETARY, inside_commune)  # another committee inside the tree (a commune's secretary)
    assert statuses() == [403, 404, 404]
    assert client.get(f"/awards/decisions/{decision.id}/docx").status_code == 404
    # The committee reads everything.
    auth.logout()
    auth.login(result.chair)
    assert statuses() == [200, 200, 200]


def test_secretary_drafts_chair_approves_and_issues(client, auth, make_council_result):
    result = make_council_result(passed=2, individuals=1)
    campaign = result.campaign

    # The chair may not draft.
    auth.logout()
    auth.login(result.chair)
    assert client.get(f"/awards/campaigns/{campaign.id}/decisions/new?award_form={result.award_form.id}").status_code == 403

    auth.logout()

    auth.login(result.secretary)
    listing = client.get(f"/awards/campaigns/{campaign.id}/decisions").get_data(as_text=True)
    assert "Dự thảo quyết định khen thưởng" in listing and "Trần Thị Hạnh" in listing
    new_url = f"/awards/campaigns/{campaign.id}/decisions/new?award_form={result.award_form.id}"
    page = client.get(new_url).get_data(as_text=True)
    assert page.count(" checked") == 2  # every candidate ticked by default
    response = client.post(new_url, data={"csrf_token": _csrf(page), "nomination_ids": [n.id for n in result.passed]})
    assert response.status_code == 302
    decision = db.session.scalar(sa.select(Decision))
    assert response.headers["Location"].endswith(f"/awards/decisions/{decision.id}")
    page = client.get(f"/awards/decisions/{decision.id}").get_data(as_text=True)
    assert "Sửa dự thảo" in page and "Hủy dự thảo" in page and "Duyệt dự thảo" not in page

    # The secretary may not approve.
    response = client.post(f"/awards/decisions/{decision.id}/approve", data={"csrf_token": _csrf(page)})
    assert response.status_code == 403
    assert db.session.get(Decision, decision.id).status is DecisionStatus.DRAFT

    auth.logout()

    auth.login(result.chair)
    page = client.get(f"/awards/decisions/{decision.id}").get_data(as_text=True)
    assert "Duyệt dự thảo" in page and "Sửa dự thảo" not in page
    client.post(f"/awards/decisions/{decision.id}/approve", data={"csrf_token": _csrf(page)})
    assert db.session.get(Decision, decision.id).status is DecisionStatus.APPROVED

    # A bad date keeps what was typed and says why.
    page = client.get(f"/awards/decisions/{decision.id}").get_data(as_text=True)
    response = client.post(f"/awards/decisions/{decision.id}/issue", data={"csrf_token": _csrf(page), "decided_on": "31/02/2026"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'value="31/02/2026"' in html and "Ngày không hợp lệ" in html
    # Issuing cannot be undone: the first post only asks, saying so, and carries the typed date on.
    response = client.post(f"/awards/decisions/{decision.id}/issue", data={"csrf_token": _csrf(page), "decided_on": "20/11/2026"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Ban hành quyết định này?" in html
    assert "Không thể hoàn tác." in html and "Quyết định đã ban hành không sửa, không hủy được" in html
    assert "Ngày ban hành: 20/11/2026" in html and "Số tập thể, cá nhân được khen thưởng: 2" in html
    assert 'name="decided_on" value="20/11/2026"' in html and 'name="confirmed" value="1"' in html
    assert db.session.get(Decision, decision.id).status is DecisionStatus.APPROVED and decision.number is None
    response = client.post(f"/awards/decisions/{decision.id}/issue", data={"csrf_token": _csrf(page), "decided_on": "20/11/2026", "confirmed": "1"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Đã ban hành Quyết định số 01-QĐ/BDVTU ngày 20/11/2026" in page
    assert "Đã cấp 2 giấy khen" in page
    decision = db.session.get(Decision, decision.id)
    assert decision.status is DecisionStatus.ISSUED and decision.issued_by_id == result.chair.id
    assert {db.session.get(Nomination, n.id).status for n in result.passed} == {S.AWARDED}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Certificate)) == 2


def test_return_without_reason_keeps_the_page_and_asks_for_it(client, auth, make_council_result):
    result = make_council_result(passed=1)
    decision = _draft(result)
    workflow.apply(decision, workflow.DecisionAction.APPROVE, result.chair)
    db.session.commit()
    auth.logout()
    auth.login(result.chair)
    page = client.get(f"/awards/decisions/{decision.id}").get_data(as_text=True)
    response = client.post(f"/awards/decisions/{decision.id}/return", data={"csrf_token": _csrf(page), "reason": ""})
    assert response.status_code == 422 and "Vui lòng ghi rõ lý do trả lại." in response.get_data(as_text=True)
    response = client.post(f"/awards/decisions/{decision.id}/return", data={"csrf_token": _csrf(page), "reason": "Bổ sung căn cứ"})
    assert response.status_code == 302
    assert db.session.get(Decision, decision.id).status is DecisionStatus.DRAFT


def test_on_hold_is_greyed_on_the_new_page_and_a_forged_tick_is_refused(client, auth, make_council_result):
    result = make_council_result(passed=2)
    held = result.passed[0]
    place_hold(held, result.secretary, HoldCategory.INSPECTION, "Đang thanh tra việc sử dụng kinh phí", today_in_vietnam() + timedelta(days=20))
    db.session.commit()

    auth.logout()

    auth.login(result.secretary)
    url = f"/awards/campaigns/{result.campaign.id}/decisions/new?award_form={result.award_form.id}"
    page = client.get(url).get_data(as_text=True)
    assert "Đang thanh tra việc sử dụng kinh phí" in page and "Tạm dừng xét" in page
    assert f'value="{held.id}"' not in page
    response = client.post(url, data={"csrf_token": _csrf(page), "nomination_ids": [held.id]})
    assert response.status_code == 422
    assert "Danh sách hồ sơ đã thay đổi" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Decision)) == 0


def test_edit_page_saves_and_keeps_what_was_typed_on_error(client, auth, make_council_result):
    result = make_council_result(passed=1)
    decision = _draft(result)
    line = decision.awardees[0]
    auth.logout()
    auth.login(result.secretary)
    page = client.get(f"/awards/decisions/{decision.id}/edit").get_data(as_text=True)
    form = {
        "csrf_token": _csrf(page), "parent_body": "TỈNH ỦY QUẢNG NGÃI", "issuing_body": "BAN DÂN VẬN", "place_name": "Quảng Ngãi",
        "signer_prefix": "TM.", "signer_authority": "BAN THƯỜNG VỤ", "signer_title": "TRƯỞNG BAN", "signer_name": "",
        "title": "Về việc khen thưởng năm 2026", "legal_bases": "Căn cứ Luật Thi đua, khen thưởng", "considering": "Xét đề nghị",
        "articles": "Điều 1. Tặng Giấy khen.", "recipients": "- Như Điều 3;\n- Lưu: VT.",
        "lines-0-line_id": str(line.id), "lines-0-recipient_name": "Ban Công tác Mặt trận thôn Đông Hòa",
        "lines-0-recipient_detail": line.recipient_detail, "lines-0-reason": line.reason,
    }
    response = client.post(f"/awards/decisions/{decision.id}/edit", data=form)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Vui lòng nhập họ tên người ký." in html and "Ban Công tác Mặt trận thôn Đông Hòa" in html
    form["signer_name"] = "Nguyễn Văn Trưởng"
    assert client.post(f"/awards/decisions/{decision.id}/edit", data=form).status_code == 302
    decision = db.session.get(Decision, decision.id)
    assert decision.title == "Về việc khen thưởng năm 2026"
    assert decision.awardees[0].recipient_name == "Ban Công tác Mặt trận thôn Đông Hòa"


# --- the PDF -------------------------------------------------------------------------------------


def test_pdf_in_the_official_format(client, auth, make_council_result):
    result = make_council_result(passed=2, individuals=1)
    decision = _draft(result)
    auth.logout()
    auth.login(result.chair)

    draft = client.get(f"/awards/decisions/{decision.id}/pdf")
    assert draft.status_code == 200 and draft.mimetype == "application/pdf"
    assert f"QD-du-thao-{decision.id}-BDVTU.pdf" in draft.headers["Content-Disposition"]
    text = _pdf_text(draft.data)
    assert "DỰ THẢO" in text and "Số …-QĐ/BDVTU" in text

    workflow.apply(decision, workflow.DecisionAction.APPROVE, result.chair)
    workflow.apply(decision, workflow.DecisionAction.ISSUE, result.chair, decided_on=date(2026, 11, 20))
    db.session.commit()
    issued = client.get(f"/awards/decisions/{decision.id}/pdf")
    assert "QD-01-BDVTU-2026.pdf" in issued.headers["Content-Disposition"]
    reader = PdfReader(io.BytesIO(issued.data))
    assert len(reader.pages) >= 2  # the annexed list starts on its own page
    text = _pdf_text(issued.data)
    for expected in (
        "ĐẢNG CỘNG SẢN VIỆT NAM", "TỈNH ỦY QUẢNG NGÃI", "BAN DÂN VẬN",
        "Số 01-QĐ/BDVTU", "Quảng Ngãi, ngày 20 tháng 11 năm 2026", "QUYẾT ĐỊNH", "BAN DÂN VẬN TỈNH ỦY QUYẾT ĐỊNH",
        "- Căn cứ Nghị định số 152/2025/NĐ-CP", "Điều 1.", "T/M BAN THƯỜNG VỤ", "TRƯỞNG BAN", "Nguyễn Văn Trưởng",
        "Nơi nhận:", "- Lưu VT, HĐXC.", "DANH SÁCH",
        "(kèm theo Quyết định số 01-QĐ/BDVTU, ngày 20/11/2026 của Ban Dân vận Tỉnh ủy)",
        "Trần Thị Hạnh", "Ban Công tác Mặt trận thôn Số 2", "Chủ tịch Hội Phụ nữ xã",
    ):
        assert expected in text, expected
    assert "98/2023" not in text and "DỰ THẢO" not in text
    assert "CỘNG HÒA" not in text and "Số:" not in text and "TM." not in text
    annex = " ".join(unicodedata.normalize("NFC", reader.pages[-1].extract_text()).split())
    assert "DANH SÁCH" in annex and "Trần Thị Hạnh" in annex


# --- bounded queries ----------------------------------------------------------------------------


def test_list_page_query_count_does_not_grow(client, auth, make_council_result, make_issued_decision, count_queries):
    def measure(passed: int, decisions: int) -> int:
        result = make_council_result(passed=passed + decisions)
        for nomination in result.passed[:decisions]:
            make_issued_decision(result, [nomination])
        auth.logout()
        auth.login(result.secretary)
        url = f"/awards/campaigns/{result.campaign.id}/decisions"
        client.get(url)
        with count_queries() as counter:
            response = client.get(url)
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert html.count("Xem</a>") == decisions
        return counter.count

    small = measure(passed=1, decisions=1)
    large = measure(passed=6, decisions=4)
    assert large == small, (small, large)
    assert small <= 25


def test_new_decision_page_writes_the_signer_in_the_issuers_system(client, auth, make_council_result):
    """"Dự thảo quyết định" names the signer as the decision will: "K/T" for a Party issuer, "KT." for a State one."""
    from dvkheo.awards.models import SignerPrefix
    from dvkheo.documents.models import ensure_builtin_systems

    result = make_council_result(passed=1)
    form = result.award_form
    form.signer_prefix, form.signer_authority, form.signer_title = SignerPrefix.DEPUTY, "TRƯỞNG BAN", "PHÓ TRƯỞNG BAN"
    db.session.commit()
    auth.login(result.secretary)
    url = f"/awards/campaigns/{result.campaign.id}/decisions/new?award_form={form.id}"
    page = client.get(url).get_data(as_text=True)
    assert "K/T TRƯỞNG BAN · PHÓ TRƯỞNG BAN · Nguyễn Văn Trưởng" in page and "KT." not in page

    form.document_system_id = ensure_builtin_systems()["state"].id
    form.signer_authority, form.signer_title = "CHỦ TỊCH", "PHÓ CHỦ TỊCH"
    db.session.commit()
    page = client.get(url).get_data(as_text=True)
    assert "KT. CHỦ TỊCH · PHÓ CHỦ TỊCH · Nguyễn Văn Trưởng" in page and "K/T" not in page


def test_a_decision_number_stays_on_one_line(client, auth, make_council_result, make_issued_decision):
    """On a phone "số 01-QĐ/BDVTU" used to break at its hyphen ("số 01-" / "QĐ/BDVTU"): every number on the decision's
    pages sits in a no-wrap span, styled by the site's stylesheet (the CSP allows no inline style)."""
    from pathlib import Path

    result = make_council_result(passed=1)
    decision = make_issued_decision(result)
    auth.login(result.chair)
    number = '<span class="nowrap">01-QĐ/BDVTU</span>'
    page = client.get(f"/awards/decisions/{decision.id}").get_data(as_text=True)
    heading = re.search(r"<h1>(.*?)</h1>", page, re.S).group(1)
    assert f"số {number}" in heading
    assert f"đúng số quyết định {number}" in page  # the signed copy's help text
    assert number in client.get(f"/awards/campaigns/{result.campaign.id}/decisions").get_data(as_text=True)
    assert "style=" not in heading
    css = (Path(__file__).resolve().parents[2] / "static/css/app.css").read_text()
    assert re.search(r"^\.nowrap\s*{\s*white-space:\s*nowrap;\s*}", css, re.M)
    assert 'href="/static/css/app.css' in page
