"""Two app instances behind nginx, as deploy/ installs them: one PostgreSQL, one Redis, one upload store.

The module starts the cluster of `tests/deploy/cluster.py` (two gunicorn instances in production configuration on a
scratch PostgreSQL database seeded with the demo, an RQ worker, a mail sink, Debian's nginx with
deploy/nginx/dvkheo.conf). nginx spreads requests round-robin with no stickiness, so consecutive requests of one
browser land on different instances, and the tests check that they did, from nginx's own log of the upstream that
served each request.

Runs in the PostgreSQL pass of `make test` (the production database); skipped on the SQLite pass.
"""
from __future__ import annotations

import io
import os
import re
import secrets
import time
from collections import Counter

import pytest

from tests.deploy.cluster import DEMO_DOMAIN, DEMO_PASSWORD, LOGIN_LIMIT, REDIS_DB, running_cluster

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
                       reason="cụm hai máy chủ chạy trên PostgreSQL (lượt kiểm thử PostgreSQL của make test)"),
]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    with running_cluster(tmp_path_factory.mktemp("cluster"), os.environ["TEST_DATABASE_URL"]) as running:
        yield running


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
        ready = context.request.get("/readyz")
        assert ready.status == 200 and ready.json()["checks"] == {"database": "ok", "redis": "ok", "storage": "ok"}
        assert context.request.get("/metrics").status == 404  # not through the public address
        # Prometheus on the machine reads each instance directly: the sum over its workers.
        metrics = context.request.get(f"http://127.0.0.1:{cluster.upstreams[0]}/metrics")
        assert metrics.status == 200
        counted = [float(line.rsplit(" ", 1)[1]) for line in metrics.text().splitlines()
                   if line.startswith("dvkheo_http_requests_total{") and 'route="/healthz"' in line
                   and 'status="200"' in line]
        assert counted and counted[0] >= 5, metrics.text()[:2000]
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
