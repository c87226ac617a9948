"""Document systems in the admin pages: list, create from a model, edit, delete, who may, and the audit."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from dvkheo import access
from dvkheo.accounts.models import Role
from dvkheo.core.audit import AuditEvent
from dvkheo.documents.formats import PARTY, STATE, YOUTH_UNION
from dvkheo.documents.forms import DocumentSystemForm
from dvkheo.documents.models import DocumentSystem, ensure_builtin_systems, system_by_code
from dvkheo.extensions import db

BASE = "/admin/document-systems"


@pytest.fixture
def builtin():
    systems = ensure_builtin_systems()
    db.session.commit()
    return systems


@pytest.fixture
def admin(login_as):
    return login_as(Role.ADMIN)


def _post_data(fmt, **overrides) -> dict:
    data = DocumentSystemForm.initial_data(fmt)
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def _events(system_id: int, action: str | None = None) -> list[AuditEvent]:
    query = sa.select(AuditEvent).where(AuditEvent.entity_type == "document_system", AuditEvent.entity_id == system_id)
    if action:
        query = query.where(AuditEvent.action == action)
    return list(db.session.scalars(query))


def test_list_shows_both_builtin_systems_their_number_form_and_use(client, builtin, admin, make_campaign, make_award_form):
    campaign = make_campaign()
    make_award_form(campaign, document_system_id=builtin["state"].id)
    make_award_form(campaign, name="Bằng khen")  # none chosen: writes as the Party does
    page = client.get(f"{BASE}/").get_data(as_text=True)
    assert "Văn bản của Đảng (Hướng dẫn 36-HD/VPTW)" in page
    assert "Văn bản hành chính nhà nước (Nghị định 30/2020/NĐ-CP)" in page
    assert "Số 05-QĐ/BDVTU" in page and "Số: 05/QĐ-UBND" in page
    assert "1 hình thức khen thưởng" in page
    assert "chưa chọn thể thức, mặc định theo Đảng" in page
    assert "Bắt đầu từ: Văn bản của Đoàn TNCS Hồ Chí Minh" in page


def test_list_shows_each_systems_number_with_its_own_example_issuer(client, builtin, admin):
    """The Youth Union's system reads "Số: 05-QĐ/TĐTN" (its own example issuer), never a People's Committee's "UBND"."""
    data = _post_data(YOUTH_UNION, code="doan-thanh-nien", name="Văn bản của Tỉnh đoàn Quảng Ngãi")
    assert client.post(f"{BASE}/new", data=data).status_code == 302
    page = client.get(f"{BASE}/").get_data(as_text=True)
    row = page[page.index(">Văn bản của Tỉnh đoàn Quảng Ngãi</a>"):]
    row = row[:row.index("</tr>")]
    assert "Số: 05-QĐ/TĐTN" in row and "UBND" not in row
    assert "Số 05-QĐ/BDVTU" in page and "Số: 05/QĐ-UBND" in page


@pytest.mark.parametrize("model", ["", "party", "state", "youth"])
def test_a_fresh_new_page_reports_no_error(client, builtin, admin, model):
    """Nothing typed yet: no "các giá trị vừa nhập còn lỗi", no error summary, and the model's sample."""
    response = client.get(f"{BASE}/new", query_string={"from": model} if model else None)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "còn lỗi" not in page and "has-error" not in page
    assert "Theo các giá trị trong biểu mẫu." in page


def test_admin_menu_links_the_page(client, builtin, admin):
    assert f'href="{BASE}/"' in client.get("/", follow_redirects=True).get_data(as_text=True)


def test_an_unknown_model_starts_from_the_party_and_says_so(client, builtin, admin):
    from html import unescape

    page = unescape(client.get(f"{BASE}/new?from=mttq-tinh").get_data(as_text=True))
    assert "Không tìm thấy thể thức “mttq-tinh” để làm mẫu; biểu mẫu bắt đầu từ thể thức của Đảng." in page
    assert 'class="flash flash-warning"' in page and "Bắt đầu từ mẫu: <strong>Văn bản của Đảng" in page
    assert 'name="from" value="party"' in page  # saving records where it really started
    data = _post_data(PARTY, code="mau-moi", name="Mẫu mới")
    data["from"] = "mttq-tinh"
    assert client.post(f"{BASE}/new", data=data).status_code == 302
    (event,) = _events(system_by_code("mau-moi").id, "create")
    assert event.details["started_from"] == "party"


@pytest.mark.parametrize("requested", ["x" * 5000, "đảng", "party<script>", "../state", "a\x00b", "%", " "])
def test_a_model_that_is_no_code_does_not_crash(client, builtin, admin, requested):
    from html import unescape

    response = client.get(f"{BASE}/new", query_string={"from": requested})
    assert response.status_code == 200
    page = unescape(response.get_data(as_text=True))
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" in page
    if requested.strip():
        assert "Mã thể thức làm mẫu không hợp lệ; biểu mẫu bắt đầu từ thể thức của Đảng." in page
    if requested in ("x" * 5000, "party<script>"):
        assert requested not in page  # not echoed back


def test_a_known_model_given_in_capitals_is_found(client, builtin, admin):
    page = client.get(f"{BASE}/new?from=STATE").get_data(as_text=True)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in page and "flash-warning" not in page


def test_create_from_the_youth_union_example(client, builtin, admin):
    page = client.get(f"{BASE}/new?from=youth").get_data(as_text=True)
    assert "ĐOÀN TNCS HỒ CHÍ MINH" in page and "***" in page
    data = _post_data(YOUTH_UNION, code="doan-thanh-nien", name="Văn bản của Tỉnh đoàn Quảng Ngãi")
    data["from"] = "youth"
    response = client.post(f"{BASE}/new", data=data)
    assert response.status_code == 302
    system = system_by_code("doan-thanh-nien")
    assert system is not None and not system.builtin
    fmt = system.format
    assert fmt.header_lines == ("ĐOÀN TNCS HỒ CHÍ MINH",)
    assert fmt.issuer_mark == "asterisks"
    assert fmt.number_line(5, "QĐ", "TĐTN") == "Số: 05-QĐ/TĐTN"
    assert fmt.prefix("ON_BEHALF_OF_COLLECTIVE") == "TM."
    (event,) = _events(system.id, "create")
    assert event.actor_id == admin.id and event.details["started_from"] == "youth"
    assert event.details["settings"]["issuer_mark"] == "asterisks"


def test_edit_changes_every_value_and_audits_each_change(client, builtin, admin):
    party = builtin["party"]
    data = _post_data(
        PARTY,
        name=PARTY.name,
        header_lines="ĐẢNG CỘNG SẢN VIỆT NAM\n",
        archive_pattern="- Lưu {archive}.",
        default_archive="Văn phòng Tỉnh ủy",
        prefix_ACTING="",
        certificate_lines="ĐẢNG CỘNG SẢN VIỆT NAM\nĐẢNG BỘ TỈNH QUẢNG NGÃI",
    )
    response = client.post(f"{BASE}/{party.id}/edit", data=data)
    assert response.status_code == 302
    db.session.refresh(party)
    fmt = party.format
    assert fmt.default_archive == "Văn phòng Tỉnh ủy"
    assert fmt.prefix("ACTING") == ""
    assert fmt.certificate_lines == ("ĐẢNG CỘNG SẢN VIỆT NAM", "ĐẢNG BỘ TỈNH QUẢNG NGÃI")
    (event,) = _events(party.id, "update")
    changes = event.details["changes"]
    assert changes["default_archive"] == ["VT", "Văn phòng Tỉnh ủy"]
    assert set(changes) == {"default_archive", "authority_prefixes", "certificate_lines"}
    history = client.get(f"{BASE}/{party.id}/edit").get_data(as_text=True)
    assert "Sửa thể thức" in history and "Văn phòng Tỉnh ủy" in history


def test_saving_unchanged_values_records_nothing(client, builtin, admin):
    state = builtin["state"]
    client.post(f"{BASE}/{state.id}/edit", data=_post_data(STATE))
    assert _events(state.id) == []


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("{n}-{type}", "Mẫu còn thiếu {body}"),
        ("{n}/{type}-{body}-{unit}", "không dùng được {unit}"),
        ("{n}/{type-{body}", "Dấu ngoặc nhọn chưa đóng, mở đúng cặp"),
        ("{n}/{type}-{body}/{n}", "{n} xuất hiện nhiều lần"),
        ("", "Mẫu còn thiếu {n}, {type}, {body}"),
    ],
)
def test_number_pattern_is_checked(client, builtin, admin, pattern, message):
    state = builtin["state"]
    response = client.post(f"{BASE}/{state.id}/edit", data=_post_data(STATE, number_pattern=pattern))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    db.session.refresh(state)
    assert state.format.number_pattern == "{n}/{type}-{body}"
    assert _events(state.id) == []


def test_other_checks_show_beside_their_fields(client, builtin, admin):
    data = _post_data(
        PARTY, code="Đoàn TN", name="", header_lines="", archive_pattern="- Lưu.", issuer_mark="sao", number_lead="",
    )
    response = client.post(f"{BASE}/new", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    for message in (
        "Mã chỉ gồm chữ thường không dấu",
        "Vui lòng nhập tên thể thức văn bản.",
        "Vui lòng nhập ít nhất một dòng tiêu đề bên phải",
        "Mẫu còn thiếu {archive}",
        "Lựa chọn không hợp lệ; vui lòng chọn lại.",
        "Vui lòng nhập chữ đứng trước số",
    ):
        assert message in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DocumentSystem)) == 2


def test_a_taken_code_is_refused(client, builtin, admin):
    response = client.post(f"{BASE}/new", data=_post_data(STATE, code="state", name="Bản sao"))
    assert response.status_code == 422
    assert "Mã “state” đã được dùng cho thể thức khác." in response.get_data(as_text=True)


def test_a_name_already_taken_is_refused_ignoring_case_and_spaces(client, builtin, admin):
    first = client.post(f"{BASE}/new", data=_post_data(YOUTH_UNION, code="doan-1", name="Văn bản của Tỉnh đoàn"))
    assert first.status_code == 302
    again = client.post(f"{BASE}/new", data=_post_data(YOUTH_UNION, code="doan-2", name="  văn bản của  tỉnh đoàn "))
    assert again.status_code == 422
    assert "Đã có thể thức tên “Văn bản của Tỉnh đoàn”" in again.get_data(as_text=True)
    assert system_by_code("doan-2") is None


def test_preview_shows_the_typed_format_and_saves_nothing(client, builtin, admin):
    party = builtin["party"]
    data = _post_data(PARTY, number_pattern="{n}/{type}-{body}", number_lead="Số:", preview="1")
    page = client.post(f"{BASE}/{party.id}/edit", data=data).get_data(as_text=True)
    assert "Số: 05/QĐ-BDVTU" in page
    db.session.refresh(party)
    assert party.format.number_pattern == "{n}-{type}/{body}"
    assert _events(party.id) == []


def test_edit_page_shows_a_sample_decision_of_the_system(client, builtin, admin):
    party_page = client.get(f"{BASE}/{builtin['party'].id}/edit").get_data(as_text=True)
    assert "Số 05-QĐ/BDVTU" in party_page
    assert "Quyết định số 05-QĐ/BDVTU, ngày 03/12/2026 của Ban Dân vận Tỉnh ủy" in party_page
    assert "- Như Điều 3," in party_page and "- Lưu VT, HĐXC." in party_page
    assert "T/M BAN THƯỜNG VỤ" in party_page
    state_page = client.get(f"{BASE}/{builtin['state'].id}/edit").get_data(as_text=True)
    assert "Số: 05/QĐ-UBND" in state_page
    assert "Quyết định số 05/QĐ-UBND ngày 03 tháng 12 năm 2026 của Ủy ban nhân dân xã Tịnh Khê" in state_page
    assert "- Như Điều 3;" in state_page and "- Lưu: VT, HĐXC." in state_page
    assert "TM. BAN THƯỜNG VỤ" in state_page and "Độc lập - Tự do - Hạnh phúc" in state_page


def test_delete_a_custom_system_nobody_uses(client, builtin, admin):
    response = client.post(f"{BASE}/new", data=_post_data(YOUTH_UNION, code="mttq", name="Văn bản của Mặt trận"))
    system = system_by_code("mttq")
    assert response.status_code == 302 and system is not None
    system_id = system.id
    response = client.post(f"{BASE}/{system_id}/delete", follow_redirects=True)
    assert "Đã xóa thể thức văn bản “Văn bản của Mặt trận”." in response.get_data(as_text=True)
    assert system_by_code("mttq") is None
    (event,) = _events(system_id, "delete")
    assert event.details["code"] == "mttq" and event.actor_id == admin.id


def test_a_system_in_use_or_builtin_is_not_deleted(client, builtin, admin, make_campaign, make_award_form):
    custom = DocumentSystem(code="doan", name="Văn bản của Đoàn", settings=YOUTH_UNION.as_dict(), builtin=False)
    db.session.add(custom)
    db.session.commit()
    make_award_form(make_campaign(), document_system_id=custom.id)
    page = client.post(f"{BASE}/{custom.id}/delete", follow_redirects=True).get_data(as_text=True)
    assert "Không xóa được “Văn bản của Đoàn”: 1 hình thức khen thưởng đang dùng thể thức này." in page
    page = client.post(f"{BASE}/{builtin['state'].id}/delete", follow_redirects=True).get_data(as_text=True)
    assert "Không xóa được thể thức của Đảng hoặc của Nhà nước" in page
    assert system_by_code("doan") is not None and system_by_code("state") is not None
    listing = client.get(f"{BASE}/").get_data(as_text=True)
    assert f"{BASE}/{custom.id}/delete" not in listing


@pytest.mark.parametrize("role", [Role.UNIT_SUBMITTER, Role.SECRETARY, Role.CHAIR, Role.REVIEWER, Role.CITIZEN])
def test_only_administrators_may_open_or_change(client, builtin, login_as, make_unit, role):
    user = login_as(role, make_unit() if role is not Role.CITIZEN else None)
    assert not access.can_manage_document_systems(user)
    party = builtin["party"]
    assert client.get(f"{BASE}/").status_code == 403
    assert client.get(f"{BASE}/new").status_code == 403
    assert client.post(f"{BASE}/{party.id}/edit", data=_post_data(PARTY, default_archive="X")).status_code == 403
    assert client.post(f"{BASE}/{party.id}/delete").status_code == 403
    assert f'href="{BASE}/"' not in client.get("/", follow_redirects=True).get_data(as_text=True)
    db.session.refresh(party)
    assert party.format.default_archive == "VT"


def test_anonymous_visitors_are_sent_to_log_in(client, builtin):
    response = client.get(f"{BASE}/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert not access.can_manage_document_systems(None)


def test_administrator_predicate(make_user):
    assert access.can_manage_document_systems(make_user(Role.ADMIN))


@pytest.mark.parametrize("field, value, code", [
    ("name", "Văn bản của Hội\u202e Nông dân", "U+202E"),
    ("header_lines", "HỘI NÔNG DÂN\u200b VIỆT NAM", "U+200B"),
    ("prefix_ON_BEHALF_OF_COLLECTIVE", "TM.\x00", "U+0000"),
    ("certificate_lines", "HỘI NÔNG DÂN\nVIỆT NAM\ufffe", "U+FFFE"),
])
def test_a_hidden_character_in_a_system_is_refused(client, builtin, admin, field, value, code):
    from html import unescape

    data = _post_data(STATE, code="hoi-nong-dan", name="Văn bản của Hội Nông dân")
    data[field] = value
    response = client.post(f"{BASE}/new", data=data)
    assert response.status_code == 422
    assert f"Nội dung có ký tự ẩn hoặc ký tự điều khiển {code}" in unescape(response.get_data(as_text=True))
    assert system_by_code("hoi-nong-dan") is None


def test_a_systems_title_lines_may_be_several(client, builtin, admin):
    data = _post_data(STATE, code="hoi-nong-dan", name="Văn bản của Hội Nông dân")
    data["header_lines"] = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\r\nĐộc lập - Tự do - Hạnh phúc"
    assert client.post(f"{BASE}/new", data=data).status_code == 302
