"""Error pages are Vietnamese, and a crash mid-action leaves nothing half-saved."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from config import TestingConfig
from dvkheo import create_app
from dvkheo.extensions import db
from dvkheo.units.models import Unit


@pytest.fixture
def crashing_client(app):
    class CrashConfig(TestingConfig):
        SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
        UPLOAD_DIR = app.config["UPLOAD_DIR"]
        PROPAGATE_EXCEPTIONS = False

    crashing = create_app(CrashConfig)

    @crashing.route("/crash-midway")
    def crash_midway():
        db.session.add(Unit(code="HALF", name="Đơn vị lưu dở"))
        db.session.flush()  # the row reached the database inside the transaction...
        raise RuntimeError("sự cố giữa chừng")  # ...and then the action failed

    return crashing.test_client()


def test_crash_midway_saves_nothing_and_explains(crashing_client):
    response = crashing_client.get("/crash-midway")
    assert response.status_code == 500
    assert "Hệ thống gặp sự cố" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Unit).where(Unit.code == "HALF")) == 0


def test_unknown_page_is_a_vietnamese_404(client):
    response = client.get("/khong-co-trang-nay")
    assert response.status_code == 404
    assert "Không tìm thấy trang" in response.get_data(as_text=True)


def test_forbidden_page_is_a_vietnamese_403(client, login_as):
    from dvkheo.accounts.models import Role

    login_as(Role.CITIZEN)
    response = client.get("/nominations/new")
    assert response.status_code == 403
    assert "Không có quyền truy cập" in response.get_data(as_text=True)
