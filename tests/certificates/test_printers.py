"""Printers of the organising unit and their calibration: who may manage them, offsets as typed, the test page."""
from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from dvkheo.accounts.models import Role
from dvkheo.certificates.models import PrinterCalibration
from dvkheo.core import audit
from dvkheo.extensions import db
from tests.conftest import PASSWORD


@pytest.fixture
def campaign(make_campaign):
    return make_campaign()


@pytest.fixture
def secretary(make_user, campaign):
    return make_user(Role.SECRETARY, campaign.organising_unit, full_name="Lê Thị Thu")


@pytest.fixture
def chair(make_user, campaign):
    return make_user(Role.CHAIR, campaign.organising_unit, full_name="Võ Minh Quang")


@pytest.fixture
def log_in(client):
    def do(user):
        client.post("/logout")
        assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
        return user

    return do


def printers_url(campaign) -> str:
    return f"/certificates/campaigns/{campaign.id}/printers"


def all_printers() -> list[PrinterCalibration]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(PrinterCalibration).order_by(PrinterCalibration.id)))


def add_printer(campaign, name="Máy in phòng Văn thư", x=1.5, y=-2.0) -> PrinterCalibration:
    printer = PrinterCalibration(unit_id=campaign.organising_unit_id, name=name, offset_x_mm=x, offset_y_mm=y)
    db.session.add(printer)
    db.session.commit()
    return printer


def test_secretary_adds_a_printer_with_a_decimal_comma(client, log_in, secretary, campaign):
    log_in(secretary)
    html = client.get(printers_url(campaign)).get_data(as_text=True)
    assert "x dương: dịch sang phải; y dương: dịch xuống." in html and "Chưa có máy in nào." in html
    response = client.post(printers_url(campaign), data={"name": " Máy in  phòng Văn thư ", "offset_x_mm": "1,5", "offset_y_mm": "-2"},
                           follow_redirects=True)
    assert "Đã thêm máy in “Máy in phòng Văn thư” (lệch x 1,5 mm, y -2 mm)." in response.get_data(as_text=True)
    (printer,) = all_printers()
    assert (printer.unit_id, printer.name, printer.offset_x_mm, printer.offset_y_mm) == (
        campaign.organising_unit_id, "Máy in phòng Văn thư", 1.5, -2.0)
    assert printer.updated_by_id == secretary.id
    event = audit.history("printer_calibration", printer.id)[-1]
    assert (event.action, event.actor_id, event.details) == (
        "create", secretary.id, {"name": "Máy in phòng Văn thư", "offset_x_mm": 1.5, "offset_y_mm": -2.0})
    # A dot is read as a decimal point too.
    client.post(printers_url(campaign), data={"name": "Canon LBP 2900", "offset_x_mm": "0.5", "offset_y_mm": "0"})
    assert [p.offset_x_mm for p in all_printers()] == [1.5, 0.5]


def test_offsets_out_of_range_or_too_precise_are_refused_and_the_input_kept(client, log_in, secretary, campaign):
    log_in(secretary)
    response = client.post(printers_url(campaign), data={"name": "Máy in lệch", "offset_x_mm": "50,1", "offset_y_mm": "1,25"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Độ lệch x phải từ −50 đến 50 mm." in html
    assert "Chỉ nhập tối đa 1 chữ số sau dấu phẩy (ví dụ 1,5)." in html
    assert 'value="50,1"' in html and 'value="1,25"' in html and 'value="Máy in lệch"' in html
    response = client.post(printers_url(campaign), data={"name": "", "offset_x_mm": "hai", "offset_y_mm": "-50"})
    html = response.get_data(as_text=True)
    assert "Vui lòng nhập một số, dùng dấu phẩy cho phần thập phân" in html
    assert all_printers() == []
    add_printer(campaign)
    response = client.post(printers_url(campaign), data={"name": "máy in phòng văn thư", "offset_x_mm": "0", "offset_y_mm": "0"})
    assert "Đơn vị đã có máy in tên “máy in phòng văn thư”." in response.get_data(as_text=True)
    assert len(all_printers()) == 1


def test_chair_recalibrates_and_deletes_audited(client, log_in, chair, campaign):
    printer = add_printer(campaign)
    log_in(chair)
    edit = f"/certificates/printers/{printer.id}?campaign_id={campaign.id}"
    response = client.post(edit, data={f"p{printer.id}-name": "Máy in phòng Văn thư", f"p{printer.id}-offset_x_mm": "-3,5",
                                       f"p{printer.id}-offset_y_mm": "60"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Độ lệch y phải từ −50 đến 50 mm." in html and 'value="-3,5"' in html
    response = client.post(edit, data={f"p{printer.id}-name": "Máy in phòng Văn thư", f"p{printer.id}-offset_x_mm": "-3,5",
                                       f"p{printer.id}-offset_y_mm": "2"}, follow_redirects=True)
    assert "Đã lưu máy in “Máy in phòng Văn thư” (lệch x -3,5 mm, y 2 mm)." in response.get_data(as_text=True)
    (printer,) = all_printers()
    assert (printer.offset_x_mm, printer.offset_y_mm, printer.updated_by_id) == (-3.5, 2.0, chair.id)
    event = audit.history("printer_calibration", printer.id)[-1]
    assert event.details == {
        "before": {"name": "Máy in phòng Văn thư", "offset_x_mm": 1.5, "offset_y_mm": -2.0},
        "after": {"name": "Máy in phòng Văn thư", "offset_x_mm": -3.5, "offset_y_mm": 2.0},
    }
    printer_id = printer.id
    response = client.post(f"/certificates/printers/{printer_id}/delete?campaign_id={campaign.id}", follow_redirects=True)
    assert "Đã xóa máy in “Máy in phòng Văn thư”." in response.get_data(as_text=True)
    assert all_printers() == []
    assert [e.action for e in audit.history("printer_calibration", printer_id)] == ["update", "delete"]


def test_other_committees_and_units_see_nothing(client, log_in, make_user, make_unit, campaign):
    printer = add_printer(campaign)
    other_province = make_unit("Tỉnh Bình Định", kind="province")
    commune = make_unit("Xã Tịnh Khê", parent=campaign.organising_unit)
    edit = f"/certificates/printers/{printer.id}?campaign_id={campaign.id}"
    data = {f"p{printer.id}-name": "Đổi tên", f"p{printer.id}-offset_x_mm": "0", f"p{printer.id}-offset_y_mm": "0"}
    for outsider in (make_user(Role.SECRETARY, other_province), make_user(Role.UNIT_SUBMITTER, commune)):
        log_in(outsider)
        assert client.get(printers_url(campaign)).status_code == 404
        assert client.post(printers_url(campaign), data={"name": "X", "offset_x_mm": "0", "offset_y_mm": "0"}).status_code == 404
        assert client.post(edit, data=data).status_code == 404
        assert client.post(f"/certificates/printers/{printer.id}/delete?campaign_id={campaign.id}").status_code == 404
        assert client.get(f"/certificates/printers/{printer.id}/test-page.pdf?award_form=1").status_code == 404
    # Someone of the same unit without a committee role learns the printer exists but may not touch it.
    log_in(make_user(Role.UNIT_SUBMITTER, campaign.organising_unit))
    assert client.post(edit, data=data).status_code == 403
    assert client.get(printers_url(campaign)).status_code == 404
    assert [p.name for p in all_printers()] == ["Máy in phòng Văn thư"]


def test_the_test_page_downloads_as_a_pdf_with_the_offsets(client, log_in, chair, campaign, make_award_form):
    award_form = make_award_form(campaign)
    printer = add_printer(campaign, x=3.5, y=-2.0)
    log_in(chair)
    html = client.get(printers_url(campaign)).get_data(as_text=True)
    assert f'/certificates/printers/{printer.id}/test-page.pdf' in html and f'value="{award_form.id}"' in html
    response = client.get(f"/certificates/printers/{printer.id}/test-page.pdf?award_form={award_form.id}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "trang-in-thu-may-in-phong-van-thu.pdf" in response.headers["Content-Disposition"]
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages).replace("−", "-")
    assert "+3,5 mm" in text and "-2,0 mm" in text
    assert client.get(f"/certificates/printers/{printer.id}/test-page.pdf").status_code == 404


def test_printer_page_queries_do_not_grow_with_printers(client, log_in, secretary, campaign, make_award_form, count_queries):
    make_award_form(campaign)
    add_printer(campaign)
    log_in(secretary)
    with count_queries() as one:
        assert client.get(printers_url(campaign)).status_code == 200
    for number in range(2, 7):
        add_printer(campaign, name=f"Máy in số {number}")
    with count_queries() as six:
        html = client.get(printers_url(campaign)).get_data(as_text=True)
    assert html.count("Tải trang in thử (PDF)") == 6
    assert six.count == one.count
