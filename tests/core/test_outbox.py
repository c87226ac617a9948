"""The development outbox: newest messages first while DEV_OUTBOX is on, 404 otherwise and in production."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from dvkheo.core.notifications import OutboxMessage, send_email
from dvkheo.extensions import db


@pytest.fixture
def outbox_off(app):
    app.config["DEV_OUTBOX"] = False
    yield
    app.config["DEV_OUTBOX"] = True


def test_outbox_lists_messages_newest_first(client):
    send_email("nguoi.thu@example.vn", "Mã xác thực bình chọn: 111111", "Mã xác thực bình chọn của bạn là: 111111")
    send_email("nguoi.thu@example.vn", "Mã xác thực bình chọn: 222222", "Mã xác thực bình chọn của bạn là: 222222")
    db.session.commit()
    response = client.get("/dev/outbox")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    assert "nguoi.thu@example.vn" in page
    assert page.index("222222") < page.index("111111")


def test_outbox_is_404_when_dev_outbox_is_off(client, outbox_off):
    assert send_email("nguoi.thu@example.vn", "Chủ đề", "Nội dung") is False  # nothing kept, no mail server
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0
    assert client.get("/dev/outbox").status_code == 404


def test_outbox_is_404_in_production_whatever_the_setting(client, monkeypatch):
    monkeypatch.setenv("DVKHEO_ENV", "production")
    assert client.get("/dev/outbox").status_code == 404


def test_outbox_opens_only_to_this_machine_or_an_administrator(client, login_as):
    """It holds reset links and voters' codes: a demo served on the office network must not show it."""
    send_email("admin@example.vn", "Đặt lại mật khẩu", "https://dvkheo.example/account/reset/bi-mat")
    db.session.commit()
    office_pc = {"REMOTE_ADDR": "192.168.1.23"}
    assert client.get("/dev/outbox", environ_base=office_pc).status_code == 404
    from dvkheo.accounts.models import Role

    relayed = [  # a forwarder on the serving machine (socat, nginx, ngrok) makes the visitor look local
        {"environ_base": {"REMOTE_ADDR": "127.0.0.1"}, "base_url": "http://192.0.2.2:5080"},
        {"environ_base": {"REMOTE_ADDR": "127.0.0.1"}, "headers": {"X-Forwarded-For": "203.0.113.9"}},
        {"environ_base": {"REMOTE_ADDR": "127.0.0.1"}, "headers": {"Forwarded": "for=203.0.113.9"}},
    ]
    for request in relayed:
        assert client.get("/dev/outbox", **request).status_code == 404, request
    assert client.get("/dev/outbox", base_url="http://[::1]:5000").status_code == 200
    login_as(Role.SECRETARY)
    assert client.get("/dev/outbox", environ_base=office_pc).status_code == 404
    client.post("/logout")
    login_as(Role.ADMIN)
    assert "bi-mat" in client.get("/dev/outbox", environ_base=office_pc).get_data(as_text=True)
