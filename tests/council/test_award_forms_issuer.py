"""The award-form editor beyond the voting rule: issuing body, signer, certificate, dated legal bases, blank layout."""
from __future__ import annotations

from datetime import date
from html.parser import HTMLParser

import sqlalchemy as sa

from dvkheo.awards.models import AwardForm, CertificateDesign, LegalBasis, SignerPrefix
from dvkheo.certificates import layout
from dvkheo.core import audit
from dvkheo.extensions import db
from tests.conftest import PASSWORD


class _FormScraper(HTMLParser):
    """What a browser would send for the editor's form as shown: every input, select and textarea value."""

    def __init__(self):
        super().__init__()
        self.values: dict[str, str] = {}
        self._select = self._textarea = None
        self._in_form = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and "award-form-editor" in (attrs.get("class") or ""):
            self._in_form = True
        if not self._in_form:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.values[name] = attrs.get("value", "y")
            elif kind != "submit":
                self.values[name] = attrs.get("value", "")
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and ("selected" in attrs or self._select not in self.values):
            self.values[self._select] = attrs.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.values[name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self._in_form = False

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data.lstrip("\n") if not self.values[self._textarea] else data


def editor_values(client, form_id: int) -> dict[str, str]:
    response = client.get(f"/council/award-forms/{form_id}/edit")
    assert response.status_code == 200
    scraper = _FormScraper()
    scraper.feed(response.get_data(as_text=True))
    return scraper.values


def log_in(client, user):
    client.post("/logout")
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302


def reload(form_id: int) -> AwardForm:
    db.session.expire_all()
    return db.session.get(AwardForm, form_id)


def cited(basis: LegalBasis) -> str:
    return basis.text.split(" ngày ")[0]


def only_form(campaign) -> AwardForm:
    db.session.expire_all()
    (form,) = db.session.scalars(sa.select(AwardForm).where(AwardForm.campaign_id == campaign.id))
    return form


def test_default_form_is_issued_by_the_organising_unit_with_dated_legal_bases(client, become, secretary, council_campaign):
    become(secretary)
    client.post(f"/council/campaigns/{council_campaign.id}/award-forms/default")
    html = client.get(f"/council/campaigns/{council_campaign.id}/award-forms").get_data(as_text=True)
    form = only_form(council_campaign)
    # A province does not issue in its own name: its Party committee's Ban Dân vận does.
    assert (form.issuing_body, form.issuer_code, form.place_name, form.parent_body) == ("BAN DÂN VẬN", "BDVTU", "Quảng Ngãi", "TỈNH ỦY QUẢNG NGÃI")
    assert form.issuer_in_text == "Ban Dân vận Tỉnh ủy"
    assert (form.signer_prefix, form.certificate_title) == (SignerPrefix.NONE, "GIẤY KHEN")
    assert [(cited(b), b.valid_from, b.valid_to) for b in form.legal_bases] == [
        ("Căn cứ Luật Thi đua, khen thưởng số 06/2022/QH15", date(2024, 1, 1), None),
        ("Căn cứ Nghị định số 98/2023/NĐ-CP", date(2024, 1, 1), date(2025, 6, 30)),
        ("Căn cứ Nghị định số 152/2025/NĐ-CP", date(2025, 7, 1), None),
    ]
    # A decision dated before July 2025 cites Decree 98; one after, Decree 152.
    assert [cited(b) for b in form.legal_bases if b.applies_on(date(2025, 3, 1))][1] == "Căn cứ Nghị định số 98/2023/NĐ-CP"
    assert [cited(b) for b in form.legal_bases if b.applies_on(date(2026, 11, 20))][1] == "Căn cứ Nghị định số 152/2025/NĐ-CP"
    assert "BAN DÂN VẬN · QĐ-BDVTU" in html
    assert "Còn thiếu: chức vụ người ký, họ tên người ký." in html


def test_an_agency_under_the_province_issues_in_its_own_name(client, make_unit, make_user, make_campaign, province):
    agency = make_unit("Ban Dân vận Tỉnh ủy Quảng Ngãi", parent=province, kind="agency")
    campaign = make_campaign(organising_unit=agency)
    from dvkheo.accounts.models import Role

    log_in(client, make_user(Role.SECRETARY, agency))
    client.post(f"/council/campaigns/{campaign.id}/award-forms/default")
    form = only_form(campaign)
    assert (form.parent_body, form.issuing_body) == ("TỈNH QUẢNG NGÃI", "BAN DÂN VẬN TỈNH ỦY QUẢNG NGÃI")
    assert (form.issuer_code, form.place_name) == ("BDVTUQN", "Quảng Ngãi")


def test_the_page_as_shown_saves_unchanged(client, become, secretary, council_campaign):
    become(secretary)
    client.post(f"/council/campaigns/{council_campaign.id}/award-forms/default")
    form = only_form(council_campaign)
    values = editor_values(client, form.id)
    assert values["legal_bases-1-valid_to"] == "30/06/2025" and values["layout-recipient_name-y"] == "92"
    response = client.post(f"/council/award-forms/{form.id}/edit", data=values, follow_redirects=True)
    assert "Không có thay đổi nào." in response.get_data(as_text=True)
    assert [event.action for event in audit.history("award_form", form.id)] == ["create"]


def test_editing_every_section_saves_and_audits(client, become, secretary, council_campaign):
    become(secretary)
    client.post(f"/council/campaigns/{council_campaign.id}/award-forms/default")
    form = only_form(council_campaign)
    values = editor_values(client, form.id)
    values.update({
        "parent_body": "tỉnh ủy quảng ngãi", "issuing_body": "Ban Tuyên giáo và Dân vận", "issuer_code": " btgdvtu ", "place_name": "Quảng Ngãi",
        "signer_prefix": "TM.", "signer_authority": "Ban Thường vụ", "signer_title": "Trưởng ban",
        "signer_name": "Nguyễn Văn Trưởng", "certificate_title": "bằng khen", "certificate_design": "gold",
        "reason_template": "Đã có thành tích tiêu biểu trong phong trào thi đua “Dân vận khéo” năm {nam}, mô hình “{mo_hinh}”",
        # Line 2 (Decree 98) removed, line 1 edited, a line added in the empty row.
        "legal_bases-0-text": "Căn cứ Luật Thi đua, khen thưởng số 06/2022/QH15 ngày 15/6/2022;",
        "legal_bases-1-remove": "y",
        "legal_bases-3-text": "Căn cứ Quy chế làm việc của Ban Dân vận Tỉnh ủy",
        "legal_bases-3-valid_from": "01/01/2026", "legal_bases-3-valid_to": "",
        "layout-recipient_name-y": "98,5", "layout-qr-w": "30",
    })
    response = client.post(f"/council/award-forms/{form.id}/edit", data=values)
    assert response.status_code == 302, response.get_data(as_text=True)
    form = reload(form.id)
    assert (form.parent_body, form.issuing_body, form.issuer_code) == ("TỈNH ỦY QUẢNG NGÃI", "BAN TUYÊN GIÁO VÀ DÂN VẬN", "BTGDVTU")
    assert (form.signer_prefix, form.signer_authority, form.signer_title, form.signer_name) == (
        SignerPrefix.ON_BEHALF_OF_COLLECTIVE, "BAN THƯỜNG VỤ", "TRƯỞNG BAN", "Nguyễn Văn Trưởng")
    assert (form.certificate_title, form.certificate_design) == ("BẰNG KHEN", CertificateDesign.GOLD)
    assert form.reason_template.endswith("năm {nam}, mô hình “{mo_hinh}”")
    assert [(b.position, b.text, b.valid_from, b.valid_to) for b in form.legal_bases] == [
        (1, "Căn cứ Luật Thi đua, khen thưởng số 06/2022/QH15 ngày 15/6/2022", date(2024, 1, 1), None),
        (2, form.legal_bases[1].text, date(2025, 7, 1), None),
        (3, "Căn cứ Quy chế làm việc của Ban Dân vận Tỉnh ủy", date(2026, 1, 1), None),
    ]
    assert form.legal_bases[1].text.startswith("Căn cứ Nghị định số 152/2025/NĐ-CP")
    # Only what moved is stored; the renderer reads the defaults for the rest.
    assert form.blank_layout == {"recipient_name": {"y": 98.5}, "qr": {"w": 30.0}}
    effective = layout.effective_layout(form.blank_layout)
    assert (effective["recipient_name"].y, effective["recipient_name"].x, effective["qr"].w) == (98.5, 48, 30)
    assert effective["serial"] == layout.default_layout()["serial"]
    event = audit.history("award_form", form.id)[-1]
    assert (event.action, event.actor_id) == ("update", secretary.id)
    assert event.details["changed"] == [
        "blank_layout", "certificate_design", "certificate_title", "issuer_code", "issuing_body", "legal_bases",
        "reason_template", "signer_authority", "signer_name", "signer_prefix", "signer_title",
    ]
    assert [line["valid_from"] for line in event.details["legal_bases"]] == ["01/01/2024", "01/07/2025", "01/01/2026"]
    client.post(f"/council/campaigns/{council_campaign.id}/award-forms/default")
    html = client.get(f"/council/campaigns/{council_campaign.id}/award-forms").get_data(as_text=True)
    assert "T/M BAN THƯỜNG VỤ · TRƯỞNG BAN: Nguyễn Văn Trưởng" in html and "Chưa đủ để ban hành" not in html


def test_unknown_placeholder_or_broken_brace_is_refused_and_the_input_kept(client, become, secretary, council_campaign):
    become(secretary)
    client.post(f"/council/campaigns/{council_campaign.id}/award-forms/default")
    form = only_form(council_campaign)
    values = editor_values(client, form.id)
    before = form.reason_template
    for typed, message in (
        ("Khen mô hình “{ten_mo_hinh}” năm {nam}", "Không có chỗ điền “{ten_mo_hinh}”. Chỉ dùng {nam} (năm) và {mo_hinh} (tên mô hình)."),
        ("Khen mô hình “{mo_hinh” năm {nam}", "Dấu ngoặc nhọn chưa đóng, mở đúng cặp."),
        ("Khen năm {nam:>10}", "Không có chỗ điền “{nam:&gt;10}”."),
    ):
        response = client.post(f"/council/award-forms/{form.id}/edit", data=values | {"reason_template": typed, "signer_name": "Lê Văn Ký"})
        html = response.get_data(as_text=True)
        assert response.status_code == 422
        assert message in html
        assert typed.replace("“", "“").replace(">", "&gt;") in html  # the textarea still holds what was typed
        assert 'value="Lê Văn Ký"' in html
    form = reload(form.id)
    assert (form.reason_template, form.signer_name) == (before, "")


def test_bad_legal_basis_lines_are_refused_beside_the_row_and_every_row_kept(client, become, secretary, council_campaign):
    become(secretary)
    client.post(f"/council/campaigns/{council_campaign.id}/award-forms/default")
    form = only_form(council_campaign)
    values = editor_values(client, form.id) | {
        "legal_bases-1-valid_from": "01/07/2025", "legal_bases-1-valid_to": "30/06/2025",
        "legal_bases-3-text": "Theo đề nghị của Thường trực Hội đồng", "legal_bases-3-valid_from": "01/01/2026",
    }
    response = client.post(f"/council/award-forms/{form.id}/edit", data=values)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Dòng 2: ngày áp dụng (01/07/2025) phải trước hoặc trùng ngày hết áp dụng (30/06/2025)." in html
    assert "Dòng 4: căn cứ phải bắt đầu bằng “Căn cứ”" in html
    assert "Theo đề nghị của Thường trực Hội đồng</textarea>" in html
    assert 'name="legal_bases-1-valid_to" placeholder="dd/mm/yyyy" type="text" value="30/06/2025"' in html
    # A date that does not exist is explained on its own field, before any rule runs.
    response = client.post(f"/council/award-forms/{form.id}/edit", data=values | {"legal_bases-1-valid_to": "31/02/2025"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Ngày không hợp lệ; vui lòng nhập theo dạng ngày/tháng/năm, ví dụ 05/10/2026." in html and 'value="31/02/2025"' in html
    # Removing every line is refused too: a decision needs its legal bases.
    emptied = values | {f"legal_bases-{i}-remove": "y" for i in range(4)}
    response = client.post(f"/council/award-forms/{form.id}/edit", data=emptied)
    assert "Cần ít nhất một căn cứ pháp lý" in response.get_data(as_text=True)
    form = reload(form.id)
    assert [b.valid_to for b in form.legal_bases] == [None, date(2025, 6, 30), None]


def test_add_row_shows_another_empty_line_and_saves_nothing(client, become, secretary, council_campaign):
    become(secretary)
    client.post(f"/council/campaigns/{council_campaign.id}/award-forms/default")
    form = only_form(council_campaign)
    values = editor_values(client, form.id) | {"legal_bases-3-text": "Căn cứ Kế hoạch số 12-KH/BDVTU", "add_basis_row": "1"}
    response = client.post(f"/council/award-forms/{form.id}/edit", data=values)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Căn cứ Kế hoạch số 12-KH/BDVTU</textarea>" in html and 'name="legal_bases-4-text"' in html
    assert len(reload(form.id).legal_bases) == 3


def test_signer_authority_must_fit_the_prefix(client, become, secretary, council_campaign):
    become(secretary)
    client.post(f"/council/campaigns/{council_campaign.id}/award-forms/default")
    form = only_form(council_campaign)
    values = editor_values(client, form.id) | {"signer_title": "Phó Trưởng ban", "signer_name": "Trần Thị Phó"}
    response = client.post(f"/council/award-forms/{form.id}/edit", data=values | {"signer_prefix": "KT.", "signer_authority": ""})
    assert "Sau “K/T” cần ghi thẩm quyền, ví dụ “K/T TRƯỞNG BAN”." in response.get_data(as_text=True)
    response = client.post(f"/council/award-forms/{form.id}/edit", data=values | {"signer_prefix": "", "signer_authority": "Ban Thường vụ"})
    assert "Chỉ ghi thẩm quyền khi ký T/M, K/T, T/L hoặc T/UQ; người đứng đầu ký trực tiếp hoặc ký quyền (Q.)" in response.get_data(as_text=True)
    response = client.post(f"/council/award-forms/{form.id}/edit", data=values | {"signer_prefix": "TL", "signer_authority": ""})
    assert "Lựa chọn không hợp lệ; vui lòng chọn lại." in response.get_data(as_text=True)
    assert client.post(f"/council/award-forms/{form.id}/edit", data=values | {"signer_prefix": "KT.", "signer_authority": "Trưởng ban"}).status_code == 302
    form = reload(form.id)
    assert (form.signer_prefix, form.signer_authority, form.signer_title) == (SignerPrefix.DEPUTY, "TRƯỞNG BAN", "PHÓ TRƯỞNG BAN")


def test_issuer_code_is_checked_and_frozen_once_a_decision_is_issued(client, make_council_result, make_issued_decision):
    result = make_council_result(passed=1)
    decision = make_issued_decision(result)
    log_in(client, result.secretary)
    form = result.award_form
    values = editor_values(client, form.id)
    response = client.post(f"/council/award-forms/{form.id}/edit", data=values | {"issuer_code": "BDV TU/2"})
    assert "Ký hiệu chỉ gồm chữ in hoa không dấu, chữ Đ, chữ số và dấu gạch nối" in response.get_data(as_text=True)
    response = client.post(f"/council/award-forms/{form.id}/edit", data=values | {"issuer_code": "BDVT", "signer_name": "Lê Văn Mới"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert (
        f"Không đổi được ký hiệu “BDVTU”: đã có quyết định ban hành theo ký hiệu này ({decision.number_label}); "
        "đổi ký hiệu sẽ làm số quyết định nhảy sang dãy số mới." in html
    )
    assert 'value="BDVT"' in html and 'value="Lê Văn Mới"' in html
    assert reload(form.id).issuer_code == "BDVTU"
    # Everything else may still change; the issued decision keeps the header it copied.
    assert client.post(f"/council/award-forms/{form.id}/edit", data=values | {"signer_name": "Lê Văn Mới"}).status_code == 302
    assert reload(form.id).signer_name == "Lê Văn Mới"
    db.session.expire_all()
    assert decision.signer_name == "Nguyễn Văn Trưởng"


def test_blank_layout_must_stay_on_the_sheet_and_can_be_reset(client, become, secretary, council_campaign):
    become(secretary)
    client.post(f"/council/campaigns/{council_campaign.id}/award-forms/default")
    form = only_form(council_campaign)
    values = editor_values(client, form.id)
    response = client.post(f"/council/award-forms/{form.id}/edit", data=values | {
        "layout-recipient_name-x": "120", "layout-serial-size": "3", "layout-signer_name-y": "cao", "layout-qr-w": "8",
        "layout-date_line-align": "justify",
    })
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    # Every problem at once: what could not be read and what lies off the sheet.
    assert "Vui lòng nhập một số, dùng dấu phẩy cho phần thập phân" in html and 'value="cao"' in html
    assert "Lựa chọn không hợp lệ; vui lòng chọn lại." in html
    assert "Tên người, tập thể được khen: x + độ rộng (321 mm) vượt quá chiều ngang trang 297 mm." in html
    assert "Số hiệu giấy khen: cỡ chữ phải từ 6 đến 72 pt." in html
    assert "Mã QR tra cứu: cạnh mã QR phải từ 15 đến 60 mm để điện thoại quét được." in html
    assert 'name="layout-recipient_name-x" size="5" type="text" value="120"' in html
    assert reload(form.id).blank_layout is None
    assert client.post(f"/council/award-forms/{form.id}/edit", data=values | {"layout-reason-y": "121,5"}).status_code == 302
    assert reload(form.id).blank_layout == {"reason": {"y": 121.5}}
    values = editor_values(client, form.id)
    assert values["layout-reason-y"] == "121,5"
    assert client.post(f"/council/award-forms/{form.id}/edit", data=values | {"layout_reset": "y"}).status_code == 302
    assert reload(form.id).blank_layout is None
    assert layout.effective_layout(reload(form.id).blank_layout)["reason"].y == 118


def test_a_new_form_copies_the_issuer_and_opens_the_editor(client, become, secretary, council_campaign):
    become(secretary)
    url = f"/council/campaigns/{council_campaign.id}/award-forms"
    client.get(url)
    response = client.post(url, data={"name": "Bằng khen", "quorum": "2/3", "threshold": "90%", "threshold_inclusive": "least",
                                      "threshold_base": "membership"})
    created = db.session.scalar(sa.select(AwardForm).where(AwardForm.name == "Bằng khen"))
    assert response.headers["Location"].endswith(f"/council/award-forms/{created.id}/edit")
    assert (created.issuing_body, created.issuer_code, created.certificate_title) == ("BAN DÂN VẬN", "BDVTU", "BẰNG KHEN")
    assert len(created.legal_bases) == 3


def test_list_page_queries_do_not_grow_with_forms(client, become, secretary, council_campaign, make_award_form, count_queries):
    become(secretary)
    url = f"/council/campaigns/{council_campaign.id}/award-forms"
    client.post(f"{url}/default")
    with count_queries() as one:
        assert client.get(url).status_code == 200
    for name in ("Bằng khen", "Giấy khen đột xuất", "Giấy khen chuyên đề"):
        make_award_form(council_campaign, name=name)
    with count_queries() as four:
        html = client.get(url).get_data(as_text=True)
    assert html.count("3 căn cứ pháp lý") == 4
    assert four.count == one.count
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LegalBasis)) == 12
