"""Mail leaves over verified TLS: against a real SMTP server (aiosmtpd) that offers STARTTLS with a
certificate from its own authority, the password is sent only when that authority is trusted, and
no log line carries a subject (a voter's code travels in it)."""
from __future__ import annotations

import logging
import socket
import subprocess

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from config import ProductionConfig
from dvkheo.core.notifications import send_email
from tests.core.test_config import production_settings  # noqa: F401

CODE_SUBJECT = "Mã xác thực bình chọn: 482913"


def app_log(caplog) -> str:
    """What the app itself logged (the test SMTP server logs the whole conversation)."""
    return "\n".join(record.getMessage() for record in caplog.records if record.name.startswith("dvkheo"))


def _openssl(*args: str, cwd) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def certificates(tmp_path_factory):
    """A private authority and a certificate it signed for localhost."""
    folder = tmp_path_factory.mktemp("smtp-tls")
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=So TTTT thu nghiem",
             "-keyout", "ca.key", "-out", "ca.pem", cwd=folder)
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout", "server.key", "-out", "server.csr", cwd=folder)
    (folder / "san.ext").write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    _openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2",
             "-extfile", "san.ext", "-out", "server.pem", cwd=folder)
    return folder


class Recorder:
    def __init__(self):
        self.messages: list[bytes] = []
        self.logins: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.content)
        return "250 OK"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        self.logins.append(auth_data.login)
        return AuthResult(success=auth_data.password == b"mat-khau-hop-thu")


@pytest.fixture
def mail_server(certificates):
    import ssl

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certificates / "server.pem", certificates / "server.key")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    recorder = Recorder()
    controller = Controller(
        recorder, hostname="127.0.0.1", port=port, tls_context=context, require_starttls=True,
        authenticator=recorder.authenticate, auth_required=True, auth_require_tls=True,
    )
    controller.start()
    yield port, recorder
    controller.stop()


@pytest.fixture
def mail_settings(app, mail_server):
    port, _ = mail_server
    saved = {key: app.config.get(key) for key in ("MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS", "MAIL_USERNAME", "MAIL_PASSWORD", "MAIL_CA_FILE", "DEV_OUTBOX")}
    app.config.update(MAIL_SERVER="localhost", MAIL_PORT=port, MAIL_USE_TLS=True, MAIL_USERNAME="dvkheo@tinh.vn",
                      MAIL_PASSWORD="mat-khau-hop-thu", DEV_OUTBOX=False)
    yield app.config
    app.config.update(saved)


def test_mail_goes_out_over_verified_starttls_with_a_trusted_authority(app, mail_settings, mail_server, certificates, caplog):
    _, recorder = mail_server
    mail_settings["MAIL_CA_FILE"] = str(certificates / "ca.pem")
    with app.app_context(), caplog.at_level(logging.DEBUG):
        assert send_email("cu.tri@example.vn", CODE_SUBJECT, "Mã của bạn là 482913") is True
    assert recorder.logins == [b"dvkheo@tinh.vn"]
    assert len(recorder.messages) == 1 and b"482913" in recorder.messages[0]
    assert "482913" not in app_log(caplog)


def test_an_untrusted_certificate_gets_neither_the_password_nor_the_message(app, mail_settings, mail_server, caplog):
    _, recorder = mail_server
    mail_settings["MAIL_CA_FILE"] = ""  # the server's authority is not among the system's
    with app.app_context(), caplog.at_level(logging.DEBUG):
        assert send_email("cu.tri@example.vn", CODE_SUBJECT, "Mã của bạn là 482913") is False
    assert recorder.logins == [] and recorder.messages == []
    assert "Could not send an email" in app_log(caplog)
    assert "482913" not in app_log(caplog)


def test_production_refuses_a_mail_password_sent_in_clear(production_settings):  # noqa: F811
    production_settings.setattr(ProductionConfig, "MAIL_USERNAME", "dvkheo@tinh.vn")
    production_settings.setattr(ProductionConfig, "MAIL_USE_TLS", False)
    production_settings.setattr(ProductionConfig, "MAIL_USE_SSL", False)
    assert any(problem.startswith("MAIL_USERNAME") for problem in ProductionConfig.problems())
    production_settings.setattr(ProductionConfig, "MAIL_USE_TLS", True)
    assert ProductionConfig.problems() == []
