"""Two app instances behind nginx, as deploy/ installs them: one PostgreSQL, one Redis, one upload store.

The module starts, as real processes: two gunicorn instances (production configuration) on a scratch PostgreSQL
database seeded with the demo, an RQ worker, a mail sink, and Debian's nginx with deploy/nginx/dvkheo.conf (only
its addresses, ports and paths swapped; the test fails if one of those swaps no longer matches the file). nginx
spreads requests round-robin with no stickiness, so consecutive requests of one browser land on different
instances, and the tests check that they did, from nginx's own log of the upstream that served each request.

Runs in the PostgreSQL pass of `make test` (the production database); skipped on the SQLite pass.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
CHROMIUM = "/usr/bin/chromium"
DEMO_DOMAIN = "demo.dvkheo.vn"
DEMO_PASSWORD = "DanVanKheo@2026"
REDIS_DB = 13
LOGIN_LIMIT = 5

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
                       reason="cụm hai máy chủ chạy trên PostgreSQL (lượt kiểm thử PostgreSQL của make test)"),
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process on port {port} exited:\n{log.read_text(errors='replace')[-4000:]}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"nothing listens on {port}:\n{log.read_text(errors='replace')[-4000:]}")


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    import ipaddress

    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "fullchain.pem", folder / "privkey.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def nginx_site(ports: list[int], https_port: int, http_port: int, cert: Path, key: Path) -> str:
    """deploy/nginx/dvkheo.conf with the test's addresses: every swap must match the shipped file."""
    site = (ROOT / "deploy" / "nginx" / "dvkheo.conf").read_text()
    swaps = [
        (r"server 127\.0\.0\.1:8001 ", f"server 127.0.0.1:{ports[0]} "),
        (r"server 127\.0\.0\.1:8002 ", f"server 127.0.0.1:{ports[1]} "),
        (r"listen 80;", f"listen 127.0.0.1:{http_port};"),
        (r"listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"),
        (r"\n\s*listen \[::\]:80;", ""),  # the test machine may have no IPv6
        (r"\n\s*listen \[::\]:443 ssl http2;", ""),
        (r"/etc/ssl/dvkheo/fullchain\.pem", str(cert)),
        (r"/etc/ssl/dvkheo/privkey\.pem", str(key)),
        (r"alias /srv/dvkheo/app/static/;", f"alias {ROOT / 'static'}/;"),
    ]
    for pattern, replacement in swaps:
        site, count = re.subn(pattern, replacement, site)
        assert count == 1, f"deploy/nginx/dvkheo.conf no longer has {pattern!r}"
    return site


class MailSink:
    def __init__(self):
        self.messages: list[str] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        import email
        from email import policy

        message = email.message_from_bytes(envelope.content, policy=policy.default)
        body = message.get_body(preferencelist=("plain", "html"))
        self.messages.append(body.get_content() if body is not None else "")
        return "250 OK"


class Cluster:
    def __init__(self, base_url: str, database_url: str, folder: Path, upstreams: list[int], processes: dict,
                 mail: MailSink):
        self.base_url, self.database_url, self.folder = base_url, database_url, folder
        self.upstreams, self.processes, self.mail = upstreams, processes, mail
        self.access_log = folder / "nginx" / "access.log"

    def log_lines(self) -> list[dict]:
        """nginx's log: one {method, path, status, upstream port} per request."""
        lines = []
        for line in self.access_log.read_text().splitlines():
            method, path, status, upstream = line.split("\t")
            port = upstream.rsplit(":", 1)[-1] if upstream != "-" else None
            lines.append({"method": method, "path": path, "status": int(status), "upstream": port})
        return lines

    def scalar(self, sql: str, **params):
        engine = sa.create_engine(self.database_url)
        try:
            with engine.connect() as connection:
                return connection.execute(sa.text(sql), params).scalar()
        finally:
            engine.dispose()


def _admin_url(url: str) -> str:
    return re.sub(r"/[^/]*$", "/postgres", url)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    if not os.path.exists(NGINX):
        pytest.fail(f"{NGINX} chưa được cài (apt-get install nginx; `make test` tự cài)")
    folder = tmp_path_factory.mktemp("cluster")
    test_url = os.environ["TEST_DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1)
    database = f"dvkheo_cluster_{os.getpid()}"
    admin = sa.create_engine(_admin_url(test_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{database}"'))
        connection.execute(sa.text(f'CREATE DATABASE "{database}"'))
    database_url = re.sub(r"/[^/]*$", f"/{database}", test_url)

    from aiosmtpd.controller import Controller

    mail = MailSink()
    smtp_port = free_port()
    smtp = Controller(mail, hostname="127.0.0.1", port=smtp_port)
    smtp.start()

    import redis

    redis_url = f"redis://127.0.0.1:6379/{REDIS_DB}"
    redis.Redis.from_url(redis_url).flushdb()

    https_port, http_port = free_port(), free_port()
    upstreams = [free_port(), free_port()]
    uploads = folder / "shared-uploads"  # the one store both instances and the worker use
    uploads.mkdir()
    environment = {
        **{key: value for key, value in os.environ.items() if not key.startswith(("FLASK_", "DVKHEO_", "TEST_"))},
        "DVKHEO_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "VOTER_ID_HASH_KEY": secrets.token_urlsafe(48),
        "PUBLIC_BASE_URL": f"https://127.0.0.1:{https_port}",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "UPLOAD_DIR": str(uploads),
        "TRUSTED_PROXIES": "1",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp_port),
        "MAIL_DEFAULT_SENDER": "dvkheo@127.0.0.1",
        "LOGIN_RATE_LIMIT": f"{LOGIN_LIMIT} per minute",
        "PRINT_CHUNK_SIZE": "2",
        "LOG_LEVEL": "WARNING",
    }
    flask = [str(VENV_BIN / "flask"), "--app", "wsgi"]
    for command in (["db", "upgrade"], ["seed-demo", "--allow-production"]):
        done = subprocess.run(flask + command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr

    processes: dict[str, subprocess.Popen] = {}
    logs: dict[str, Path] = {}

    def start(name: str, command: list[str]) -> subprocess.Popen:
        logs[name] = folder / f"{name}.log"
        handle = open(logs[name], "wb")
        processes[name] = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=handle, stderr=subprocess.STDOUT,
                                           start_new_session=True)
        return processes[name]

    try:
        for index, port in enumerate(upstreams, start=1):
            start(f"web{index}", [str(VENV_BIN / "gunicorn"), "--workers", "2", "--threads", "2", "--bind",
                                  f"127.0.0.1:{port}", "--logger-class", "dvkheo.core.access_log.RedactingLogger",
                                  "wsgi:app"])
        start("worker", flask + ["jobs", "worker"])
        nginx_folder = folder / "nginx"
        nginx_folder.mkdir()
        cert, key = self_signed_certificate(nginx_folder)
        (nginx_folder / "site.conf").write_text(nginx_site(upstreams, https_port, http_port, cert, key))
        (nginx_folder / "nginx.conf").write_text(f"""
daemon off;
user root;
worker_processes 1;
pid {nginx_folder}/nginx.pid;
error_log {nginx_folder}/error.log warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    log_format upstreams '$request_method\\t$uri\\t$status\\t$upstream_addr';
    access_log {nginx_folder}/access.log upstreams;
    client_body_temp_path {nginx_folder}/body;
    proxy_temp_path {nginx_folder}/proxy;
    fastcgi_temp_path {nginx_folder}/fastcgi;
    uwsgi_temp_path {nginx_folder}/uwsgi;
    scgi_temp_path {nginx_folder}/scgi;
    include {nginx_folder}/site.conf;
}}
""")
        start("nginx", [NGINX, "-p", str(nginx_folder), "-c", str(nginx_folder / "nginx.conf")])
        for index, port in enumerate(upstreams, start=1):
            wait_for_port(port, processes[f"web{index}"], logs[f"web{index}"])
        wait_for_port(https_port, processes["nginx"], logs["nginx"])
        yield Cluster(f"https://127.0.0.1:{https_port}", database_url, folder, [str(p) for p in upstreams], processes,
                      mail)
    finally:
        for name, process in processes.items():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for name, process in processes.items():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        smtp.stop()
        redis.Redis.from_url(redis_url).flushdb()
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} chưa được cài")
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM_ARGS

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, cluster):
    context = browser.new_context(base_url=cluster.base_url, ignore_https_errors=True, locale="vi-VN",
                                  viewport={"width": 390, "height": 844})
    context.set_default_timeout(20_000)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"JavaScript: {error}"))
    page.on("response", lambda response: response.status >= 500 and problems.append(f"HTTP {response.status} {response.url}"))
    yield page
    context.close()
    assert problems == []


def log_in(page, local_part: str) -> None:
    page.goto("/login")
    page.locator("input[name=email]").fill(f"{local_part}@{DEMO_DOMAIN}")
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_load_state()
    assert "/login" not in page.url, page.locator("body").inner_text()[:500]


def test_requests_alternate_between_the_instances_and_static_files_come_from_nginx(cluster, browser):
    context = browser.new_context(base_url=cluster.base_url, ignore_https_errors=True)
    try:
        before = len(cluster.log_lines())
        for _ in range(10):
            response = context.request.get("/healthz")
            assert response.status == 200
        style = context.request.get("/static/css/app.css")
        page = context.request.get("/")
        assert style.status == 200 and "public" in style.headers.get("cache-control", "")
        # nginx served the file from the folder: none of the headers the app puts on everything it answers.
        assert "content-security-policy" in page.headers
        assert "content-security-policy" not in style.headers and "expires" in style.headers
    finally:
        context.close()
    served = [line for line in cluster.log_lines()[before:] if line["path"] == "/healthz"]
    ports = [line["upstream"] for line in served]
    assert Counter(ports) == {cluster.upstreams[0]: 5, cluster.upstreams[1]: 5}
    assert all(a != b for a, b in zip(ports, ports[1:])), ports  # strictly alternating: no stickiness needed


def test_a_phone_user_files_evidence_votes_and_prints_while_each_request_may_hit_the_other_instance(page, cluster):
    from pypdf import PdfReader

    from dvkheo.demo import evidence_png

    first_request = len(cluster.log_lines())

    # 1. A commune officer saves a draft dossier with evidence; the file lands in the one shared store.
    log_in(page, "coso")
    page.goto("/nominations/")
    page.get_by_role("link", name="Tạo hồ sơ đề nghị").first.click()
    page.get_by_role("link", name="Mô hình (tập thể)").first.click()
    title = f"Tổ hòa giải thôn Trường Thọ {secrets.token_hex(3)}"
    page.get_by_label(re.compile(r"^\s*Tên mô hình, điển hình")).fill(title)
    page.get_by_label(re.compile(r"^\s*Minh chứng chung cho hồ sơ")).set_input_files(
        files=[{"name": "Ảnh họp tổ hòa giải.png", "mimeType": "image/png", "buffer": evidence_png(3)}])
    page.get_by_role("button", name="Lưu nháp").click()
    page.get_by_text("Đã lưu nháp hồ sơ.").wait_for()
    evidence = page.get_by_role("link", name="Ảnh họp tổ hòa giải.png")
    evidence.wait_for()
    download = page.context.request.get(evidence.get_attribute("href"))
    assert download.status == 200 and download.body() == evidence_png(3)
    stored = cluster.scalar("SELECT stored_name FROM attachments WHERE original_name = :name",
                            name="Ảnh họp tổ hòa giải.png")
    assert (cluster.folder / "shared-uploads" / stored[:2] / stored).read_bytes() == evidence_png(3)

    # 2. A citizen votes with a code mailed to them (the mail sink is the real SMTP server here).
    page.context.clear_cookies()
    campaign_id = cluster.scalar("SELECT id FROM campaigns WHERE status = 'public_voting' ORDER BY id LIMIT 1")
    page.goto(f"/binh-chon/dot/{campaign_id}/xac-thuc")
    page.locator('input[name="email"]').fill("cu.tri.cum@example.vn")
    page.locator('input[name="consent"]').check()
    mails_before = len(cluster.mail.messages)
    page.get_by_role("button", name="Gửi mã xác thực").click()
    deadline = time.monotonic() + 30
    while len(cluster.mail.messages) == mails_before and time.monotonic() < deadline:
        time.sleep(0.2)
    code = re.search(r"\b(\d{6})\b", cluster.mail.messages[-1]).group(1)
    page.locator('input[name="code"]').fill(code)
    page.get_by_role("button", name="Xác thực").click()
    page.wait_for_url(re.compile(rf"/binh-chon/dot/{campaign_id}/phieu$"))
    page.get_by_role("button", name=re.compile(r"^Bình chọn cho ")).first.click()
    page.locator(".flash-success").first.wait_for()
    assert "Mã xác nhận bình chọn" in page.locator(".flash-success").first.inner_text()
    votes = cluster.scalar("SELECT count(*) FROM votes WHERE campaign_id = :id", id=campaign_id)
    assert votes >= 1

    # 3. The secretary prints the issued decision's certificates: a separate RQ worker process makes the file.
    page.context.clear_cookies()
    log_in(page, "thuky")
    decision_id = cluster.scalar("SELECT id FROM decisions WHERE status = 'issued' AND issuer_code = 'BDVTU' "
                                 "ORDER BY id LIMIT 1")
    page.goto(f"/certificates/decisions/{decision_id}")
    page.get_by_role("button", name="Tạo tệp in").click()
    download_link = page.get_by_role("link", name=re.compile("Tải tệp in"))
    download_link.wait_for(timeout=90_000)
    batch = page.context.request.get(download_link.get_attribute("href"))
    assert batch.status == 200 and batch.body().startswith(b"%PDF")
    import io

    certificates = cluster.scalar("SELECT count(*) FROM certificates WHERE decision_id = :id AND status = 'valid'",
                                  id=decision_id)
    assert len(PdfReader(io.BytesIO(batch.body())).pages) == certificates
    worker_log = (cluster.folder / "worker.log").read_text(errors="replace")
    assert "run_print_job" in worker_log  # the job ran in the worker process, not in a web instance

    # Every step above crossed instances: consecutive requests of this one browser were served by both.
    served = [line["upstream"] for line in cluster.log_lines()[first_request:] if line["upstream"]]
    assert set(served) == set(cluster.upstreams)
    switches = sum(1 for a, b in zip(served, served[1:]) if a != b)
    assert switches >= len(served) // 3, served


def test_the_login_limit_counts_the_real_client_on_both_instances_whatever_x_forwarded_for_says(cluster, browser):
    import redis

    # The earlier tests' sign-ins from this address count too (that is the point): start from zero.
    store = redis.Redis.from_url(f"redis://127.0.0.1:6379/{REDIS_DB}")
    limit_keys = list(store.scan_iter("LIMITS*"))
    assert limit_keys, "the login limit's counters are not in the shared Redis"
    store.delete(*limit_keys)
    context = browser.new_context(base_url=cluster.base_url, ignore_https_errors=True)
    try:
        before = len(cluster.log_lines())
        statuses = []
        form = context.request.get("/login").text()
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
        for attempt in range(LOGIN_LIMIT + 2):
            response = context.request.post("/login", form={
                "csrf_token": token, "email": f"khong-ton-tai-{attempt}@{DEMO_DOMAIN}", "password": "sai-mat-khau-123",
            }, headers={"X-Forwarded-For": f"203.0.113.{attempt + 1}", "Referer": f"{cluster.base_url}/login"},
                max_redirects=0)
            statuses.append(response.status)
        refused = response.text()
    finally:
        context.close()
    assert statuses[:LOGIN_LIMIT] == [200] * LOGIN_LIMIT, statuses
    assert statuses[LOGIN_LIMIT:] == [429, 429], statuses
    assert "Quá nhiều" in refused or "thử lại" in refused
    posts = [line["upstream"] for line in cluster.log_lines()[before:] if line["method"] == "POST"]
    assert set(posts) == set(cluster.upstreams)  # one counter in Redis, whichever instance answered
