"""Two production instances of the app behind Debian's nginx, as deploy/ installs them, for tests and benches.

`running_cluster(folder, server_url)` creates a scratch PostgreSQL database on the server of `server_url`, migrates
and seeds it with the demo, and starts as real processes: two gunicorn instances (DVKHEO_ENV=production), an RQ worker,
a mail sink (aiosmtpd) and nginx with deploy/nginx/dvkheo.conf, of which only the addresses, ports and paths are
swapped (it fails if one of those swaps no longer matches the shipped file). nginx logs, per request, the upstream
that served it (`Cluster.log_lines`). Everything is stopped and the database dropped on exit.
"""
from __future__ import annotations

import contextlib
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
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
DEMO_DOMAIN = "demo.dvkheo.vn"
DEMO_PASSWORD = "DanVanKheo@2026"
REDIS_DB = int(os.environ.get("DVKHEO_CLUSTER_REDIS_DB", "13"))  # another number lets two runs share a Redis
LOGIN_LIMIT = 5


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




@contextlib.contextmanager
def running_cluster(folder: Path, server_url: str, *, settings: dict | None = None, web_workers: int = 2,
                    redis_db: int = REDIS_DB):
    """Yield a `Cluster`; `server_url` names any database of the PostgreSQL server to use, `settings` add to or
    override the instances' environment; `redis_db` is emptied before and after (two clusters need two)."""
    if not os.path.exists(NGINX):
        raise RuntimeError(f"{NGINX} chưa được cài (apt-get install nginx; `make test` tự cài)")
    folder.mkdir(parents=True, exist_ok=True)
    test_url = server_url.replace("postgresql://", "postgresql+psycopg://", 1)
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

    redis_url = f"redis://127.0.0.1:6379/{redis_db}"
    redis.Redis.from_url(redis_url).flushdb()

    https_port, http_port = free_port(), free_port()
    upstreams = [free_port(), free_port()]
    uploads = folder / "shared-uploads"  # the one store both instances and the worker use
    uploads.mkdir(exist_ok=True)
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
        "MALLOC_ARENA_MAX": "2",  # as deploy/systemd/dvkheo-web@.service sets it
        **(settings or {}),
    }
    flask = [str(VENV_BIN / "flask"), "--app", "wsgi"]
    for command in (["db", "upgrade"], ["seed-demo", "--allow-production"]):
        done = subprocess.run(flask + command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            raise RuntimeError(f"flask {' '.join(command)} failed:\n{done.stdout}{done.stderr}")

    processes: dict[str, subprocess.Popen] = {}
    logs: dict[str, Path] = {}
    environment_of: dict[str, dict] = {}

    def start(name: str, command: list[str]) -> subprocess.Popen:
        logs[name] = folder / f"{name}.log"
        handle = open(logs[name], "wb")
        processes[name] = subprocess.Popen(command, cwd=ROOT, env={**environment, **environment_of.get(name, {})},
                                           stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)
        return processes[name]

    try:
        for index, port in enumerate(upstreams, start=1):
            # As deploy/systemd/dvkheo-web@.service starts an instance: its own metrics folder and name.
            environment_of[f"web{index}"] = {"PROMETHEUS_MULTIPROC_DIR": str(folder / f"metrics-web{index}"),
                                             "INSTANCE_NAME": f"web{index}"}
            start(f"web{index}", [str(VENV_BIN / "gunicorn"), "-c", "python:dvkheo.core.gunicorn_hooks",
                                  "--workers", str(web_workers), "--threads", "2", "--bind",
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
        running = Cluster(f"https://127.0.0.1:{https_port}", database_url, folder, [str(p) for p in upstreams],
                          processes, mail)
        running.environment = environment  # what every process got: for `flask` commands run beside them
        yield running
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
