"""End to end in a real browser: a unit submitter drafts a collective nomination with
evidence, saves it, submits it and finds it listed as submitted."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from dvkheo.accounts.models import Role
from dvkheo.core.audit import AuditEvent
from dvkheo.demo import evidence_png
from dvkheo.extensions import db
from dvkheo.nominations.models import Nomination
from dvkheo.nominations.states import NominationState
from tests.conftest import PASSWORD

TITLE = "Dân vận khéo trong vận động Nhân dân hiến đất mở rộng đường thôn Mỹ Lai"
EVIDENCE_NAME = "Ảnh đường thôn sau khi mở rộng.png"

# Every field the collective form asks for, by its Vietnamese label.
TEXT_FIELDS = {
    "Tên mô hình, điển hình": TITLE,
    "Tên tập thể, cá nhân được đề nghị": "Ban Công tác Mặt trận thôn Mỹ Lai",
    "Địa bàn thực hiện": "Thôn Mỹ Lai, xã Tịnh Khê",
    "Thời gian bắt đầu": "15/03/2024",
    "Thời gian thực hiện": "2 năm (2024 - 2026)",
    "Tình hình trước khi thực hiện": "Đường thôn hẹp, xuống cấp, mùa mưa lầy lội; xe cứu thương không vào được.",
    "Cách làm, giải pháp sáng tạo": "Họp dân từng xóm; cán bộ, đảng viên gương mẫu hiến đất trước.",
    "Sự tham gia của Nhân dân": "Dân biết, dân bàn, dân làm, dân kiểm tra, dân giám sát, dân thụ hưởng.",
    "Kết quả đạt được": "Mở rộng 3,2 km đường; 214 hộ hiến đất.",
    "Số hộ dân tham gia": "214",
    "Kinh phí Nhân dân đóng góp (đồng)": "1.250.000.000",
    "Ngày công lao động": "3.200",
    "Chiều dài đường (mét)": "3.200",
    "Khả năng lan tỏa, nhân rộng": "Đã được 5 thôn trong xã học tập.",
    "Ngày họp bình xét công khai": "20/09/2026",
    "Số người dự họp": "60",
    "Số phiếu biểu quyết": "58",
    "Số phiếu đồng ý": "55",
}
SELECT_FIELDS = {
    "Loại hình tập thể": "Mặt trận Tổ quốc, đoàn thể chính trị - xã hội cơ sở",
    "Lĩnh vực": "Xây dựng nông thôn mới, đô thị văn minh",
}


def label(text: str) -> re.Pattern:
    """A field's label, whether or not it carries the required-field star."""
    return re.compile(rf"^\s*{re.escape(text)}\s*\*?\s*$")


def _log_in(page: Page, email: str) -> None:
    page.goto("/login")
    page.get_by_label(label("Thư điện tử")).fill(email)
    page.get_by_label(label("Mật khẩu")).fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    # A unit's home is its "Việc cần làm"; the dossiers are one link away.
    expect(page.get_by_role("heading", level=1)).to_have_text("Việc cần làm")
    page.goto("/nominations/")


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 390], ids=["desktop", "phone"])
def test_unit_submitter_drafts_and_submits_a_collective_nomination(
    page: Page, make_unit, make_user, make_campaign, province, artifacts_dir, backend, width
):
    page.set_viewport_size({"width": width, "height": 900 if width > 500 else 844})
    commune = make_unit("Xã Tịnh Khê", parent=province, kind="commune", code="21211")
    campaign = make_campaign()
    submitter = make_user(Role.UNIT_SUBMITTER, commune, full_name="Nguyễn Thị Lan")

    _log_in(page, submitter.email)
    page.get_by_role("link", name="Tạo hồ sơ đề nghị").click()
    page.locator("section", has_text=campaign.title).get_by_role("link", name="Mô hình (tập thể)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hồ sơ đề nghị mới: Mô hình (tập thể)")

    for name, value in TEXT_FIELDS.items():
        page.get_by_label(label(name)).fill(value)
    for name, option in SELECT_FIELDS.items():
        page.get_by_label(label(name)).select_option(label=option)
    page.get_by_label(label("Minh chứng chung cho hồ sơ")).set_input_files(
        files=[{"name": EVIDENCE_NAME, "mimeType": "image/png", "buffer": evidence_png(1)}]
    )
    page.get_by_role("button", name="Lưu nháp").click()

    expect(page.get_by_text("Đã lưu nháp hồ sơ.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sửa hồ sơ đề nghị: Mô hình (tập thể)")
    expect(page.get_by_text(re.compile(r"Số hồ sơ \d+ · Bản nháp"))).to_be_visible()
    expect(page.get_by_role("link", name=EVIDENCE_NAME)).to_be_visible()
    expect(page.get_by_label(label("Tên mô hình, điển hình"))).to_have_value(TITLE)
    expect(page.get_by_label(label("Ngày họp bình xét công khai"))).to_have_value("20/09/2026")
    page.screenshot(path=str(artifacts_dir / f"nomination-form-{backend}-{width}.png"), full_page=True)

    page.get_by_role("button", name="Nộp hồ sơ").click()
    expect(page.get_by_text("Đã nộp hồ sơ.", exact=False)).to_be_visible()

    page.goto("/nominations/")
    row = page.get_by_role("row").filter(has_text=TITLE)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Đã nộp")
    expect(row).to_contain_text("Xây dựng nông thôn mới, đô thị văn minh")
    page.screenshot(path=str(artifacts_dir / f"nomination-list-{backend}-{width}.png"), full_page=True)

    db.session.expire_all()
    nomination = db.session.scalars(sa.select(Nomination)).one()
    assert nomination.status is NominationState.SUBMITTED
    assert nomination.unit_id == commune.id
    assert nomination.money_contributed_vnd == 1_250_000_000
    assert [a.original_name for a in nomination.evidence_files()] == [EVIDENCE_NAME]
    moves = db.session.scalars(
        sa.select(AuditEvent.to_state).where(AuditEvent.entity_type == "nomination", AuditEvent.action == "submit")
    ).all()
    assert moves == [NominationState.SUBMITTED.value]
