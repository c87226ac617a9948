"""PUBLIC_BASE_URL is the one address the app gives out: links in emails, QR codes on certificates.
`make run PORT=8000` sets it to the port being served; the request's Host header never decides it."""
from __future__ import annotations

import shutil
import subprocess

import pytest
import sqlalchemy as sa

from config import BASE_DIR
from dvkheo.accounts.models import Role
from dvkheo.certificates.qr import verify_url
from dvkheo.core.notifications import Notification, OutboxMessage, absolute_url
from dvkheo.extensions import db
from dvkheo.voting.models import Objection
from tests.voting.conftest import make_nominee, voting_campaign  # noqa: F401  (fixtures)

PUBLIC = "https://dvkheo.quangngai.gov.vn"


@pytest.fixture
def public_address(app, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", PUBLIC)
    return PUBLIC


def test_emailed_notification_carries_an_absolute_link_built_from_the_public_address(
    client, make_user, make_nominee, voting_campaign, public_address,  # noqa: F811
):
    secretary = make_user(Role.SECRETARY, voting_campaign.organising_unit)
    nominee = make_nominee("Mô hình được phản ánh")

    response = client.post(
        f"/binh-chon/ho-so/{nominee.id}/phan-anh",
        data={"pa-author_name": "Lê Thị Góp Ý", "pa-author_contact": "0905 123 456", "pa-content": "Đường chưa xong.", "pa-consent": "y"},
        headers={"Host": "attacker.example"},
    )

    assert response.status_code == 302
    objection = db.session.scalars(sa.select(Objection)).one()
    (message,) = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.recipient == secretary.email)).all()
    assert message.body.endswith(f"\n\n{PUBLIC}/binh-chon/quan-ly/phan-anh/{objection.id}")
    assert "attacker.example" not in message.body
    # In the app the notice keeps its relative link (it opens on whatever host the user is on).
    notice = db.session.scalars(sa.select(Notification).where(Notification.user_id == secretary.id)).one()
    assert notice.link == f"/binh-chon/quan-ly/phan-anh/{objection.id}"


@pytest.mark.parametrize(("link", "expected"), [
    ("/review/queue", f"{PUBLIC}/review/queue"),
    ("review/queue", f"{PUBLIC}/review/queue"),
    ("//attacker.example/x", f"{PUBLIC}/attacker.example/x"),
    ("https://other.gov.vn/a", "https://other.gov.vn/a"),
    ("", ""),
])
def test_absolute_url(link, expected, public_address):
    assert absolute_url(link) == expected


def test_qr_codes_point_at_the_public_address(app, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "http://127.0.0.1:8000")

    assert verify_url("GK-2026-000123") == "http://127.0.0.1:8000/verify/GK-2026-000123"


def _make_run_dry(*arguments: str, **env: str) -> str:
    if not shutil.which("make"):
        pytest.skip("make is not installed")
    environment = {"PATH": "/usr/bin:/bin", **env}
    result = subprocess.run(
        ["make", "-n", "run", *arguments], cwd=BASE_DIR, env=environment, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_make_run_on_another_port_gives_that_port_as_the_public_address():
    commands = _make_run_dry("PORT=8000")

    gunicorn = next(line for line in commands.splitlines() if "gunicorn" in line)
    seed = next(line for line in commands.splitlines() if "seed-demo" in line)
    assert gunicorn.startswith("PUBLIC_BASE_URL='http://127.0.0.1:8000' ")
    assert "--bind 127.0.0.1:8000" in gunicorn
    assert seed.startswith("PUBLIC_BASE_URL='http://127.0.0.1:8000' ")


def test_make_run_keeps_a_public_address_the_user_set():
    commands = _make_run_dry("PORT=8000", PUBLIC_BASE_URL="https://dvkheo.example.vn")

    gunicorn = next(line for line in commands.splitlines() if "gunicorn" in line)
    assert gunicorn.startswith("PUBLIC_BASE_URL='https://dvkheo.example.vn' ")


def test_make_run_serves_one_process_without_redis_and_several_with_it():
    alone = next(line for line in _make_run_dry("WORKERS=3").splitlines() if "gunicorn" in line)
    shared = next(line for line in _make_run_dry("WORKERS=3", REDIS_URL="redis://127.0.0.1:6379/0").splitlines()
                  if "gunicorn" in line)

    assert "--workers 1 --threads 4" in alone
    assert "--workers 3 --threads 4" in shared
