"""Soak: minutes of mixed load on two app instances behind nginx; workers' memory, errors, the vote ledger.

Run with `make bench-soak` (or `.venv/bin/python bench/soak.py [--minutes 20] [--users 8]`). Needs PostgreSQL on
127.0.0.1:5432, Redis on 127.0.0.1:6379 (database 12, emptied) and Debian's nginx.

1. Starts the cluster of `tests/deploy/cluster.py`: a scratch PostgreSQL database migrated and seeded with the demo,
   two production gunicorn instances (2 workers × 2 threads each), an RQ worker, a mail sink (the real SMTP path)
   and nginx with deploy/nginx/dvkheo.conf, TLS on a free loopback port. All load goes through nginx.
2. Virtual users (threads, plain http.client over TLS, one cookie jar and one keep-alive connection each, CSRF
   tokens read from the forms as a browser would send them) run for `--warmup` seconds, then `--minutes`:
   anonymous browsing (home, public gallery, dossiers and their photos, results, /verify/<serial> of real
   certificates, a stylesheet from nginx); logged-in browsing by the demo accounts (pages reached from their own
   menus, signing out and in again now and then); a commune officer saving draft dossiers with a PNG as evidence and
   downloading it back; voters identifying by email code (a fresh address each, the code read from the mail sink)
   and casting up to the campaign's votes_per_voter votes; the secretary creating a batch print job every
   `--print-every` seconds, waiting for the worker to finish it and downloading the PDF.
3. Every response is counted by kind. An error is a 5xx, a connection failure or any status the step did not expect
   (a 4xx, or a redirect to the login page). A request that fails before any answer on a connection that nginx had
   already closed (keep-alive timeout) is retried once on a new connection, as browsers do; a second failure counts.
4. Memory: VmRSS of every gunicorn worker of both instances (children of each master) and of the RQ worker's main
   process (its per-job work horses come and go), at the start (after the warm-up) and at the end; growth per
   process and in total (goal: each under 10 %); also sampled every 30 s into the JSON, and the growth over the
   soak's second half printed beside it (a leak keeps growing, caches filling up level off).
5. At the end `flask --app wsgi votes verify <campaign>` runs against the cluster's database (exit 0 = the chain
   verifies) and the votes stored in the database must equal the votes the load saw accepted.

All load comes from 127.0.0.1, so the app's per-address rate limits (LOGIN_RATE_LIMIT, VOTE_RATE_LIMIT_PER_IP,
VOTE_RATE_LIMIT_PER_VOTER, EMAIL_CODE_RATE_LIMIT, VERIFY_RATE_LIMIT) are raised to "100000 per minute" through the
cluster's settings: otherwise the bench would measure the limiter refusing one address, not the app.
Figures go to stdout and to bench/results/soak-<time>.json (git-ignored); the exit code is 0 even when a goal is
missed: the verdict is printed.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.deploy.cluster import DEMO_DOMAIN, DEMO_PASSWORD, VENV_BIN, running_cluster  # noqa: E402

MEMORY_GOAL_PERCENT = 10.0
SERVER_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
HIGH_LIMIT = "100000 per minute"
SETTINGS = {name: HIGH_LIMIT for name in ("LOGIN_RATE_LIMIT", "VOTE_RATE_LIMIT_PER_IP", "VOTE_RATE_LIMIT_PER_VOTER",
                                          "EMAIL_CODE_RATE_LIMIT", "VERIFY_RATE_LIMIT")}
# Demo accounts (local part @demo.dvkheo.vn) that browse their own pages; coso uploads, thuky prints.
STAFF = ["hoidong1", "chutich", "thukyxa", "coso2", "hoidong2", "truongthon", "chutichxa", "admin"]
ROLES = ["anonymous", "voter", "uploader", "staff", "anonymous", "voter", "secretary", "staff"]
SKIP_LINK = re.compile(r"logout|/thoat|/download|\.(pdf|docx|xlsx|jpg|png)\b|/dev/|/static/|print-jobs|/xac-thuc|"
                       r"/nhap-ma|/phieu|/delete|/edit$|/new\b|/spreadsheet|/import")
# Bodies kept for an error sample: enough to read the message, not the page.
SAMPLE_CHARS = 300


class StepFailed(Exception):
    """A response was not what the step needed: the virtual user starts its loop again."""


# --- HTML forms, as a browser would submit them ---------------------------------------------------------------


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self.links: list[str] = []
        self._form: dict | None = None
        self._select: dict | None = None
        self._textarea: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = {key: (value if value is not None else "") for key, value in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if tag == "form":
            self._form = {"action": a.get("action", ""), "id": a.get("id", ""), "method": a.get("method", "get").lower(),
                          "fields": []}
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._form["fields"].append((name, a.get("value", "on")))
                return
            self._form["fields"].append((name, a.get("value", "")))
        elif tag == "select" and name:
            self._select = {"name": name, "first": None, "chosen": None, "multiple": "multiple" in a}
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            if self._select["first"] is None:
                self._select["first"] = value
            if "selected" in a:
                self._select["chosen"] = value
        elif tag == "textarea" and name:
            self._textarea = {"name": name, "text": ""}

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea["text"] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None:
            chosen = self._select["chosen"]
            if chosen is None and not self._select["multiple"]:
                chosen = self._select["first"]
            if chosen is not None and self._form is not None:
                self._form["fields"].append((self._select["name"], chosen))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            if self._form is not None:
                self._form["fields"].append((self._textarea["name"], self._textarea["text"].lstrip("\n")))
            self._textarea = None


def parse(html: str) -> _Forms:
    parser = _Forms()
    parser.feed(html)
    parser.close()
    return parser


def find_form(html: str, *, action: str | None = None, form_id: str | None = None, has: str | None = None) -> dict:
    for form in parse(html).forms:
        if action is not None and not form["action"].endswith(action):
            continue
        if form_id is not None and form["id"] != form_id:
            continue
        if has is not None and not any(name == has for name, _ in form["fields"]):
            continue
        return form
    raise StepFailed(f"không thấy biểu mẫu {action or form_id or has}")


def csrf_token(html: str) -> str:
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    if not found:
        raise StepFailed("trang không có csrf_token")
    return found.group(1)


def multipart(fields: list[tuple[str, str]], files: list[tuple[str, str, str, bytes]]) -> tuple[bytes, str]:
    boundary = "----dvkheo-soak-" + uuid.uuid4().hex
    parts: list[bytes] = []
    for name, value in fields:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode() + value.encode()
                     + b"\r\n")
    for name, filename, mimetype, data in files:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                     f"Content-Type: {mimetype}\r\n\r\n".encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


# --- counting ----------------------------------------------------------------------------------------------------


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.rows: list[tuple[float, str, float, int, bool]] = []  # (monotonic time, kind, seconds, status, ok)
        self.samples: dict[tuple[str, str], list[dict]] = defaultdict(list)
        self.counters: Counter = Counter()

    def record(self, kind: str, seconds: float, status: int, ok: bool, method: str, path: str, detail: str = ""):
        with self.lock:
            self.rows.append((time.monotonic(), kind, seconds, status, ok))
            if not ok:
                key = (kind, str(status))
                if len(self.samples[key]) < 5:
                    self.samples[key].append({"method": method, "path": path, "status": status,
                                              "detail": detail[:SAMPLE_CHARS]})

    def count(self, name: str, amount: int = 1):
        with self.lock:
            self.counters[name] += amount


class Response:
    def __init__(self, status: int, headers: list[tuple[str, str]], body: bytes):
        self.status, self.headers, self.body = status, headers, body

    def header(self, name: str) -> str:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return ""

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


class Client:
    """One browser: a keep-alive TLS connection to nginx and a cookie jar (the __Host- cookies are Secure)."""

    def __init__(self, base_url: str, stats: Stats):
        parts = urlsplit(base_url)
        self.base_url, self.host, self.port, self.stats = base_url, parts.hostname, parts.port, stats
        self.context = ssl._create_unverified_context()  # the cluster's self-signed certificate
        self.cookies: dict[str, str] = {}
        self.connection: http.client.HTTPSConnection | None = None

    def _connection(self) -> http.client.HTTPSConnection:
        if self.connection is None:
            self.connection = http.client.HTTPSConnection(self.host, self.port, context=self.context, timeout=120)
        return self.connection

    def close(self):
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def _store_cookies(self, headers: list[tuple[str, str]]):
        for key, value in headers:
            if key.lower() != "set-cookie":
                continue
            pair, _, attributes = value.partition(";")
            name, _, cookie = pair.strip().partition("=")
            lowered = attributes.lower()
            if "max-age=0" in lowered or "expires=thu, 01 jan 1970" in lowered or "expires=thu, 01-jan-1970" in lowered:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = cookie

    def request(self, kind: str, method: str, path: str, *, form: list[tuple[str, str]] | None = None,
                files: list[tuple[str, str, str, bytes]] | None = None, expect=(200,), referer: str | None = None
                ) -> Response:
        headers = {"User-Agent": "dvkheo-soak/1", "Accept-Language": "vi-VN"}
        body = None
        if form is not None or files:
            if files:
                body, content_type = multipart(form or [], files)
            else:
                body, content_type = urlencode(form or []).encode(), "application/x-www-form-urlencoded"
            headers["Content-Type"] = content_type
            # Flask-WTF checks the Referer of every form posted over https, as browsers send it.
            headers["Referer"] = self.base_url + (referer or path)
            headers["Origin"] = self.base_url
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        started = time.monotonic()
        response = None
        for attempt in (1, 2):
            reused = self.connection is not None
            try:
                connection = self._connection()
                connection.request(method, path, body=body, headers=headers)
                raw = connection.getresponse()
                response = Response(raw.status, raw.getheaders(), raw.read())
                if raw.will_close:
                    self.close()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as error:
                self.close()
                if attempt == 1 and reused:
                    continue  # nginx closed an idle keep-alive connection: a browser retries on a new one
                self.stats.record(kind, time.monotonic() - started, 0, False, method, path, f"{type(error).__name__}: {error}")
                raise StepFailed(f"{method} {path}: {error}") from error
            except (OSError, http.client.HTTPException) as error:
                self.close()
                self.stats.record(kind, time.monotonic() - started, 0, False, method, path, f"{type(error).__name__}: {error}")
                raise StepFailed(f"{method} {path}: {error}") from error
        elapsed = time.monotonic() - started
        self._store_cookies(response.headers)
        ok = response.status in expect and response.status < 500
        if ok and response.status in (301, 302, 303) and "/login" in response.header("Location") \
                and not path.startswith(("/login", "/logout")):
            ok = False  # the session was lost: the user would be sent to sign in again
        detail = "" if ok else f"Location: {response.header('Location')} " + re.sub(r"\s+", " ", response.text)
        self.stats.record(kind, elapsed, response.status, ok, method, path, detail)
        if not ok:
            raise StepFailed(f"{method} {path}: {response.status}")
        return response

    def get(self, kind: str, path: str, expect=(200,)) -> Response:
        return self.request(kind, "GET", path, expect=expect)


def location_path(response: Response) -> str:
    location = response.header("Location")
    parts = urlsplit(location)
    return parts.path + (f"?{parts.query}" if parts.query else "")


# --- the virtual users --------------------------------------------------------------------------------------------


class Run:
    def __init__(self, cluster, args, facts: dict):
        self.cluster, self.args, self.facts = cluster, args, facts
        self.stats = Stats()
        self.mail_lock = threading.Lock()
        self.stop_at = 0.0
        self.stopping = threading.Event()
        self.voter_numbers = iter(range(1, 10**9))
        self.voter_lock = threading.Lock()
        self.run_id = uuid.uuid4().hex[:8]
        self.print_seconds: list[float] = []  # creating the job to the PDF downloaded

    def running(self) -> bool:
        return not self.stopping.is_set() and time.monotonic() < self.stop_at

    def think(self):
        low, high = self.args.think
        time.sleep(random.uniform(low, high))

    def new_client(self) -> Client:
        return Client(self.cluster.base_url, self.stats)

    # Signing in and out -------------------------------------------------------------------------------------

    def log_in(self, client: Client, local_part: str) -> None:
        page = client.get("đăng nhập", "/login")
        form = find_form(page.text, has="password")
        fields = [(name, value) for name, value in form["fields"] if name not in ("email", "password")]
        fields += [("email", f"{local_part}@{DEMO_DOMAIN}"), ("password", DEMO_PASSWORD)]
        response = client.request("đăng nhập", "POST", "/login", form=fields, expect=(302, 303))
        if "/login" in response.header("Location"):
            raise StepFailed(f"đăng nhập {local_part} không thành công")
        self.stats.count("đăng nhập")

    def log_out(self, client: Client, page_path: str) -> None:
        page = client.get("người dùng: trang", page_path)
        client.request("đăng nhập", "POST", "/logout", form=[("csrf_token", csrf_token(page.text))], expect=(302, 303),
                       referer="/")
        client.cookies.clear()

    def discover(self, client: Client, limit: int = 20) -> list[str]:
        """Pages reachable from the signed-in user's home page and its links (one level more), that answer 200."""
        found: list[str] = []
        queue = ["/"]
        seen = {"/"}
        while queue and len(found) < limit:
            path = queue.pop(0)
            response = client.request("người dùng: khám phá", "GET", path, expect=(200, 302, 303, 403, 404, 409))
            if response.status in (302, 303):
                # "/" sends a signed-in user on to their role's start page: a page only as its target.
                target = location_path(response)
                if urlsplit(response.header("Location")).netloc in ("", urlsplit(self.cluster.base_url).netloc) \
                        and target not in seen and not SKIP_LINK.search(urlsplit(target).path):
                    seen.add(target)
                    queue.append(target)
                continue
            if response.status != 200 or "text/html" not in response.header("Content-Type"):
                continue
            found.append(path)
            for link in parse(response.text).links:
                target = urlsplit(urljoin(self.cluster.base_url + path, link))
                if target.netloc != urlsplit(self.cluster.base_url).netloc:
                    continue
                candidate = target.path + (f"?{target.query}" if target.query else "")
                if candidate in seen or SKIP_LINK.search(target.path) or target.path.startswith("/binh-chon"):
                    continue
                seen.add(candidate)
                queue.append(candidate)
        return found

    # Roles -------------------------------------------------------------------------------------------------

    def anonymous(self, number: int) -> None:
        client = self.new_client()
        facts = self.facts
        pages = ["/", "/binh-chon/", f"/binh-chon/dot/{facts['campaign_id']}",
                 f"/binh-chon/dot/{facts['campaign_id']}/ket-qua", "/static/css/app.css"]
        while self.running():
            try:
                choice = random.random()
                if choice < 0.35:
                    client.get("công khai: trang", random.choice(pages))
                elif choice < 0.65 and facts["nomination_ids"]:
                    page = client.get("công khai: hồ sơ", f"/binh-chon/ho-so/{random.choice(facts['nomination_ids'])}")
                    photos = re.findall(r"/binh-chon/anh/\d+/(?:small|medium)\.jpg", page.text)
                    if photos:
                        self.think()
                        client.get("công khai: ảnh", random.choice(photos))
                elif facts["serials"]:
                    client.get("công khai: tra cứu giấy khen", f"/verify/{random.choice(facts['serials'])}")
                else:
                    client.get("công khai: trang", random.choice(pages))
            except StepFailed:
                time.sleep(1)
            self.think()
        client.close()

    def voter(self, number: int) -> None:
        campaign = self.facts["campaign_id"]
        base = f"/binh-chon/dot/{campaign}"
        while self.running():
            client = self.new_client()  # a new person, a new browser
            try:
                self._vote_once(client, base)
            except StepFailed:
                time.sleep(1)
            client.close()
            self.think()

    def _vote_once(self, client: Client, base: str) -> None:
        with self.voter_lock:
            number = next(self.voter_numbers)
        page = client.get("bình chọn: xác thực", f"{base}/xac-thuc")
        form = find_form(page.text, has="email")
        fields = [(name, value) for name, value in form["fields"] if name not in ("email", "consent")]
        fields += [("email", f"cu-tri-{self.run_id}-{number}@example.vn"), ("consent", "y")]
        # The sink keeps message bodies only: one identification at a time knows which code is its own.
        with self.mail_lock:
            before = len(self.cluster.mail.messages)
            response = client.request("bình chọn: gửi mã", "POST", f"{base}/xac-thuc", form=fields, expect=(303,))
            code = None
            deadline = time.monotonic() + 60
            while code is None and time.monotonic() < deadline:
                for message in self.cluster.mail.messages[before:]:
                    found = re.search(r"Mã xác thực bình chọn của bạn là: (\d{6})", message)
                    if found:
                        code = found.group(1)
                        break
                else:
                    time.sleep(0.1)
        if code is None:
            self.stats.record("bình chọn: thư mã", 60, 0, False, "SMTP", f"{base}/xac-thuc", "không nhận được thư mã")
            raise StepFailed("không nhận được thư mã")
        self.stats.count("thư mã đã nhận")
        self.think()
        page = client.get("bình chọn: nhập mã", location_path(response))
        form = find_form(page.text, has="code")
        fields = [(name, value) for name, value in form["fields"] if name != "code"] + [("code", code)]
        response = client.request("bình chọn: nhập mã", "POST", f"{base}/nhap-ma", form=fields, expect=(303,))
        ballot = client.get("bình chọn: phiếu", location_path(response))
        casts = [f for f in parse(ballot.text).forms if f["action"].endswith("/binh-chon")]
        if not casts:
            raise StepFailed("phiếu không có nút bình chọn")
        picks = random.sample(casts, k=random.randint(1, min(len(casts), self.facts["votes_per_voter"])))
        for form in picks:
            self.think()
            response = client.request("bình chọn: bỏ phiếu", "POST", f"{base}/binh-chon", form=form["fields"],
                                      expect=(303,), referer=f"{base}/phieu")
            self.stats.count("phiếu được ghi nhận")
            client.get("bình chọn: phiếu", location_path(response))
        self.think()
        client.get("bình chọn: kết quả", f"{base}/ket-qua")
        sign_out = find_form(ballot.text, action="/thoat")
        client.request("bình chọn: thoát", "POST", f"{base}/thoat", form=sign_out["fields"], expect=(303,),
                       referer=f"{base}/phieu")

    def staff(self, number: int) -> None:
        accounts = STAFF[number % len(STAFF):] + STAFF[:number % len(STAFF)]
        client = self.new_client()
        rotation = 0
        pages: dict[str, list[str]] = {}
        while self.running():
            account = accounts[rotation % len(accounts)]
            rotation += 1
            try:
                self.log_in(client, account)
                if account not in pages:
                    pages[account] = self.discover(client)
                    if not pages[account]:
                        raise StepFailed(f"{account}: không có trang nào để xem")
                switch_at = time.monotonic() + self.args.session_seconds
                while self.running() and time.monotonic() < switch_at:
                    client.get("người dùng: trang", random.choice(pages[account]))
                    self.think()
                self.log_out(client, pages[account][0])
            except StepFailed:
                client.cookies.clear()
                time.sleep(1)
        client.close()

    def uploader(self, number: int) -> None:
        from dvkheo.demo import evidence_png

        self._signed_in_with_a_task("coso", self.args.upload_every, 0,
                                    lambda client: self._upload(client, evidence_png(random.randint(1, 10_000))))

    def secretary(self, number: int) -> None:
        self._signed_in_with_a_task("thuky", self.args.print_every, min(30, self.args.print_every), self._print)

    def _signed_in_with_a_task(self, account: str, every: float, first_after: float, task) -> None:
        """Signed in as `account`: `task(client)` every `every` seconds (the first after `first_after`), browsing the
        pages found from the account's own menus in between; signs in again after a failed step."""
        client = self.new_client()
        pages: list[str] = []
        next_task = time.monotonic() + first_after
        logged_in = False
        while self.running():
            try:
                if not logged_in:
                    client.cookies.clear()
                    self.log_in(client, account)
                    logged_in = True
                    pages = pages or self.discover(client)
                    if not pages:
                        raise StepFailed("không có trang nào để xem")
                if time.monotonic() >= next_task:
                    next_task = time.monotonic() + every
                    task(client)
                else:
                    client.get("người dùng: trang", random.choice(pages))
            except StepFailed:
                logged_in = False
                time.sleep(1)
            self.think()
        client.close()

    def _upload(self, client: Client, png: bytes) -> None:
        choose = client.get("hồ sơ: tạo", "/nominations/new")
        links = sorted(set(re.findall(r'href="(/nominations/new/\d+/collective)"', choose.text)))
        if not links:
            raise StepFailed("không có đợt nhận hồ sơ tập thể")
        path = links[0]
        self.think()
        page = client.get("hồ sơ: tạo", path)
        form = find_form(page.text, has="title")
        fields = [(name, value) for name, value in form["fields"] if name != "title"]
        title = f"Tổ tự quản đo tải {uuid.uuid4().hex[:6]}"
        fields += [("title", title), ("save_draft", "Lưu nháp")]
        name = f"Ảnh minh chứng {uuid.uuid4().hex[:6]}.png"
        response = client.request("hồ sơ: lưu nháp có tệp", "POST", path, form=fields,
                                  files=[("evidence", name, "image/png", png)], expect=(302, 303))
        edit = client.get("hồ sơ: tạo", location_path(response))
        found = re.search(r'href="(/nominations/\d+/attachments/\d+)"[^>]*>\s*' + re.escape(name), edit.text)
        if not found:
            raise StepFailed("không thấy tệp minh chứng vừa tải lên")
        download = client.get("hồ sơ: tải minh chứng", found.group(1))
        if download.body != png:
            self.stats.record("hồ sơ: tải minh chứng", 0, download.status, False, "GET", found.group(1),
                              "tệp tải về khác tệp đã tải lên")
            raise StepFailed("tệp tải về khác tệp đã tải lên")
        self.stats.count("tệp minh chứng đã tải lên")

    def _print(self, client: Client) -> None:
        decision = self.facts["decision_id"]
        page = client.get("in: trang giấy khen", f"/certificates/decisions/{decision}")
        form = find_form(page.text, form_id="print-form")
        started = time.monotonic()
        response = client.request("in: tạo tệp", "POST", f"/certificates/decisions/{decision}/print-jobs",
                                  form=form["fields"], expect=(302, 303), referer=f"/certificates/decisions/{decision}")
        job_path = location_path(response)
        client.get("in: trang tiến độ", job_path)
        deadline = time.monotonic() + 600
        while True:
            status = json.loads(client.get("in: trạng thái", f"{job_path}/status").body)
            if status["status"] == "done" and status["download_url"]:
                break
            if status["status"] == "failed" or time.monotonic() > deadline or self.stopping.is_set():
                self.stats.record("in: tạo tệp", time.monotonic() - started, 0, False, "JOB", job_path,
                                  f"tệp in không xong: {status}")
                raise StepFailed(f"tệp in {status['status']}")
            time.sleep(2)
        pdf = client.get("in: tải tệp", urlsplit(status["download_url"]).path)
        if not pdf.body.startswith(b"%PDF"):
            self.stats.record("in: tải tệp", 0, pdf.status, False, "GET", job_path, "tệp tải về không phải PDF")
            raise StepFailed("tệp in không phải PDF")
        self.stats.count("tệp in đã xong")
        self.print_seconds.append(round(time.monotonic() - started, 1))


# --- memory ------------------------------------------------------------------------------------------------------


def rss_kb(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        return None
    return None


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except FileNotFoundError:
            continue
    return sorted(set(found))


def memory_sample(cluster) -> dict[str, int]:
    """{"web1 pid 123": kB, ...}: every gunicorn worker of both instances, and the RQ worker's main process."""
    sample: dict[str, int] = {}
    for name in ("web1", "web2"):
        for pid in children(cluster.processes[name].pid):
            value = rss_kb(pid)
            if value is not None:
                sample[f"{name} pid {pid}"] = value
    worker = cluster.processes["worker"].pid
    value = rss_kb(worker)
    if value is not None:
        sample[f"worker pid {worker}"] = value
    return sample


# --- the run -----------------------------------------------------------------------------------------------------


def facts_of(cluster) -> dict:
    import sqlalchemy as sa

    engine = sa.create_engine(cluster.database_url)
    try:
        with engine.connect() as connection:
            campaign_id = connection.execute(sa.text(
                "SELECT id FROM campaigns WHERE status = 'public_voting' ORDER BY id LIMIT 1")).scalar()
            votes_per_voter = connection.execute(sa.text("SELECT votes_per_voter FROM campaigns WHERE id = :id"),
                                                 {"id": campaign_id}).scalar()
            nomination_ids = connection.execute(sa.text(
                "SELECT id FROM nominations WHERE campaign_id = :id AND status = 'shortlisted' ORDER BY id"),
                {"id": campaign_id}).scalars().all()
            serials = connection.execute(sa.text(
                "SELECT serial FROM certificates WHERE status = 'valid' ORDER BY id LIMIT 50")).scalars().all()
            decision_id = connection.execute(sa.text(
                "SELECT id FROM decisions WHERE status = 'issued' AND issuer_code = 'BDVTU' ORDER BY id LIMIT 1")).scalar()
            votes = connection.execute(sa.text("SELECT count(*) FROM votes WHERE campaign_id = :id"),
                                       {"id": campaign_id}).scalar()
    finally:
        engine.dispose()
    return {"campaign_id": campaign_id, "votes_per_voter": votes_per_voter, "nomination_ids": list(nomination_ids),
            "serials": list(serials), "decision_id": decision_id, "votes_before": votes}


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def summarise(stats: Stats, start: float, end: float) -> dict:
    by_kind: dict[str, dict] = {}
    grouped: dict[str, list] = defaultdict(list)
    for row in stats.rows:
        grouped[row[1]].append(row)
    seconds = max(end - start, 1e-9)
    for kind, rows in sorted(grouped.items()):
        soak = [row for row in rows if start <= row[0] <= end]
        times = [row[2] for row in rows if row[3]]
        by_kind[kind] = {
            "requests": len(rows),
            "errors": sum(1 for row in rows if not row[4]),
            "statuses": dict(Counter(str(row[3]) for row in rows)),
            "rps_soak": round(len(soak) / seconds, 2),
            "p50_ms": round(statistics.median(times) * 1000, 1) if times else None,
            "p95_ms": round(percentile(times, 0.95) * 1000, 1) if times else None,
        }
    return by_kind


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=20, help="thời gian đo sau khởi động (phút)")
    parser.add_argument("--warmup", type=float, default=60, help="khởi động trước lần đo bộ nhớ đầu (giây)")
    parser.add_argument("--users", type=int, default=8, help="số người dùng ảo đồng thời")
    parser.add_argument("--print-every", type=float, default=300, help="tạo tệp in mỗi … giây")
    parser.add_argument("--upload-every", type=float, default=20, help="lưu nháp hồ sơ có tệp mỗi … giây")
    parser.add_argument("--session-seconds", type=float, default=120, help="người dùng đổi tài khoản sau … giây")
    parser.add_argument("--think", type=float, nargs=2, default=(0.2, 0.8), metavar=("MIN", "MAX"),
                        help="thời gian nghỉ giữa hai yêu cầu (giây)")
    parser.add_argument("--web-workers", type=int, default=2, help="tiến trình gunicorn mỗi máy chủ")
    args = parser.parse_args()
    import redis

    try:
        redis.Redis.from_url("redis://127.0.0.1:6379/12").ping()
    except redis.RedisError:
        print("Cần Redis trên 127.0.0.1:6379 (hai máy chủ dùng chung bộ đếm giới hạn và hàng đợi RQ).")
        return 2

    results: dict = {"settings": {**vars(args), "rate_limits": HIGH_LIMIT}}
    with tempfile.TemporaryDirectory(prefix="dvkheo-soak-") as tmp:
        setup_started = time.monotonic()
        with running_cluster(Path(tmp) / "cluster", SERVER_URL, settings=SETTINGS, web_workers=args.web_workers,
                             redis_db=12) as cluster:
            results["setup_seconds"] = round(time.monotonic() - setup_started, 1)
            facts = facts_of(cluster)
            results["facts"] = {key: value for key, value in facts.items() if key not in ("serials", "nomination_ids")}
            results["facts"].update(nominees=len(facts["nomination_ids"]), serials=len(facts["serials"]))
            run = Run(cluster, args, facts)
            began = time.monotonic()
            run.stop_at = began + args.warmup + args.minutes * 60
            roles = {"anonymous": run.anonymous, "voter": run.voter, "uploader": run.uploader, "staff": run.staff,
                     "secretary": run.secretary}
            threads = []
            for number in range(args.users):
                role = ROLES[number % len(ROLES)]
                thread = threading.Thread(target=roles[role], args=(number,), name=f"{role}-{number}", daemon=True)
                threads.append((role, thread))
                thread.start()
            print(f"Cụm đã sẵn sàng sau {results['setup_seconds']} giây: {cluster.base_url}; "
                  f"{args.users} người dùng ảo ({', '.join(role for role, _ in threads)}).", flush=True)

            timeline: list[dict] = []
            memory_start = memory_end = None
            soak_start = began + args.warmup
            next_sample = began
            while time.monotonic() < run.stop_at:
                now = time.monotonic()
                if memory_start is None and now >= soak_start:
                    memory_start = memory_sample(cluster)
                    soak_start = now
                    print(f"Hết khởi động: đo bộ nhớ đầu ({len(memory_start)} tiến trình).", flush=True)
                if now >= next_sample:
                    sample = memory_sample(cluster)
                    timeline.append({"seconds": round(now - began), "rss_kb": sample})
                    done = len(run.stats.rows)
                    errors = sum(1 for row in run.stats.rows if not row[4])
                    print(f"  {round(now - began):>5} giây: {done} yêu cầu, {errors} lỗi, "
                          f"RSS tổng {sum(sample.values()) / 1024:.0f} MB", flush=True)
                    next_sample = now + 30
                time.sleep(1)
            if memory_start is None:
                memory_start = memory_sample(cluster)
                soak_start = time.monotonic()
            memory_end = memory_sample(cluster)
            soak_end = time.monotonic()
            run.stopping.set()
            for _, thread in threads:
                thread.join(timeout=120)
            stuck = [thread.name for _, thread in threads if thread.is_alive()]
            timeline.append({"seconds": round(time.monotonic() - began), "rss_kb": memory_sample(cluster)})

            verify = subprocess.run([str(VENV_BIN / "flask"), "--app", "wsgi", "votes", "verify",
                                     str(facts["campaign_id"])], cwd=ROOT, env=cluster.environment,
                                    capture_output=True, text=True, timeout=300)
            votes_after = cluster.scalar("SELECT count(*) FROM votes WHERE campaign_id = :id", id=facts["campaign_id"])
            nginx_lines = cluster.log_lines()
            upstreams = Counter(line["upstream"] for line in nginx_lines if line["upstream"])
            alive = {name: process.poll() is None for name, process in cluster.processes.items()}

    # Figures ---------------------------------------------------------------------------------------------------
    by_kind = summarise(run.stats, soak_start, soak_end)
    soak_seconds = soak_end - soak_start
    total_requests = len(run.stats.rows)
    total_errors = sum(1 for row in run.stats.rows if not row[4])
    soak_requests = sum(1 for row in run.stats.rows if soak_start <= row[0] <= soak_end)
    memory = {}
    for key in sorted(set(memory_start) | set(memory_end)):
        start_kb, end_kb = memory_start.get(key), memory_end.get(key)
        growth = round((end_kb - start_kb) / start_kb * 100, 1) if start_kb and end_kb else None
        memory[key] = {"start_kb": start_kb, "end_kb": end_kb, "growth_percent": growth}
    common = [key for key in memory if memory[key]["growth_percent"] is not None]
    total_start = sum(memory[key]["start_kb"] for key in common)
    total_end = sum(memory[key]["end_kb"] for key in common)
    total_growth = round((total_end - total_start) / total_start * 100, 1) if total_start else None
    replaced = [key for key in memory if memory[key]["growth_percent"] is None]
    worst = max((memory[key]["growth_percent"] for key in common), default=None)
    # A leak keeps growing; caches filling up (templates, compiled SQL, pools) level off. The second half of the
    # soak tells them apart: RSS at the sample nearest its middle against the end.
    middle = (soak_start + soak_end) / 2 - began
    halfway = next((entry["rss_kb"] for entry in timeline if entry["seconds"] >= middle), memory_start)
    second_half = {}
    for key in memory:
        if halfway.get(key) and memory_end.get(key):
            second_half[key] = round((memory_end[key] - halfway[key]) / halfway[key] * 100, 1)
    accepted = run.stats.counters["phiếu được ghi nhận"]
    stored = votes_after - facts["votes_before"]
    memory_ok = bool(common) and not replaced and worst is not None and worst < MEMORY_GOAL_PERCENT
    ledger_ok = verify.returncode == 0 and stored == accepted
    results.update(
        soak_seconds=round(soak_seconds, 1), requests=total_requests, soak_requests=soak_requests,
        rps=round(soak_requests / soak_seconds, 2) if soak_seconds else None, errors=total_errors,
        by_kind=by_kind, error_samples={f"{kind} {status}": rows for (kind, status), rows in run.stats.samples.items()},
        counters=dict(run.stats.counters), print_seconds=run.print_seconds, memory=memory,
        memory_total={"start_kb": total_start, "end_kb": total_end, "growth_percent": total_growth},
        memory_worst_growth_percent=worst, memory_second_half_growth_percent=second_half, memory_processes_replaced=replaced, memory_timeline=timeline,
        votes={"accepted_by_load": accepted, "stored": stored, "before": facts["votes_before"], "after": votes_after,
               "verify_exit_code": verify.returncode, "verify_output": verify.stdout[-2000:] + verify.stderr[-2000:]},
        nginx_upstreams=dict(upstreams), processes_alive_at_end=alive, threads_stuck=stuck,
        verdict={"memory": memory_ok, "errors": total_errors == 0, "ledger": ledger_ok},
    )

    print(f"\nChạy bền: {args.users} người dùng ảo qua nginx tới hai máy chủ ứng dụng (gunicorn {args.web_workers} "
          f"tiến trình × 2 luồng mỗi máy), PostgreSQL, Redis, hàng đợi RQ; khởi động {args.warmup:.0f} giây, "
          f"đo {soak_seconds / 60:.1f} phút; chỉ 127.0.0.1, giới hạn tần suất nâng lên {HIGH_LIMIT}.")
    print(f"{'loại yêu cầu':<32} {'yêu cầu':>8} {'lỗi':>5} {'yêu cầu/giây':>13} {'p50 ms':>8} {'p95 ms':>8}")
    for kind, item in by_kind.items():
        p50 = f"{item['p50_ms']:.0f}" if item["p50_ms"] is not None else "-"
        p95 = f"{item['p95_ms']:.0f}" if item["p95_ms"] is not None else "-"
        print(f"{kind:<32} {item['requests']:>8} {item['errors']:>5} {item['rps_soak']:>13.2f} {p50:>8} {p95:>8}")
    print(f"Tổng: {total_requests} yêu cầu ({results['rps']} yêu cầu/giây trong thời gian đo), {total_errors} lỗi; "
          f"nginx chia cho hai máy chủ: {', '.join(f'cổng {port}: {count}' for port, count in sorted(upstreams.items()))}.")
    counters = run.stats.counters
    print(f"Đã làm: {counters['thư mã đã nhận']} cử tri xác thực bằng thư, {accepted} phiếu, "
          f"{counters['tệp minh chứng đã tải lên']} hồ sơ nháp có tệp, {counters['tệp in đã xong']} tệp in "
          f"(thời gian: {', '.join(f'{s:.0f} giây' for s in run.print_seconds) or '-'}), "
          f"{counters['đăng nhập']} lần đăng nhập.")
    for (kind, status), rows in sorted(run.stats.samples.items()):
        print(f"  Lỗi {kind} ({status}): {rows[0]['method']} {rows[0]['path']} — {rows[0]['detail'][:160]}")
    print(f"\n{'tiến trình':<24} {'RSS đầu MB':>11} {'RSS cuối MB':>12} {'tăng %':>8} {'tăng % nửa sau':>15}")
    for key, item in memory.items():
        start_mb = f"{item['start_kb'] / 1024:.1f}" if item["start_kb"] else "-"
        end_mb = f"{item['end_kb'] / 1024:.1f}" if item["end_kb"] else "-"
        growth = f"{item['growth_percent']:+.1f}" if item["growth_percent"] is not None else "-"
        late = f"{second_half[key]:+.1f}" if key in second_half else "-"
        print(f"{key:<24} {start_mb:>11} {end_mb:>12} {growth:>8} {late:>15}")
    print(f"{'tổng':<24} {total_start / 1024:>11.1f} {total_end / 1024:>12.1f} "
          f"{(f'{total_growth:+.1f}' if total_growth is not None else '-'):>8}")
    if replaced:
        print(f"Tiến trình thay đổi giữa hai lần đo (khởi động lại?): {', '.join(replaced)}")
    print(f"Bộ nhớ: tăng nhiều nhất {worst if worst is not None else '-'} % (mục tiêu < {MEMORY_GOAL_PERCENT:.0f} % "
          f"mỗi tiến trình): {'ĐẠT' if memory_ok else 'KHÔNG ĐẠT'}.")
    print(f"Lỗi: {total_errors} (mục tiêu 0): {'ĐẠT' if total_errors == 0 else 'KHÔNG ĐẠT'}.")
    print(f"Chuỗi phiếu: `flask votes verify {facts['campaign_id']}` thoát mã {verify.returncode}"
          f" ({'nguyên vẹn' if verify.returncode == 0 else 'CÓ LỖI'}); phiếu trong CSDL tăng {stored}, "
          f"tải ghi nhận {accepted}: {'ĐẠT' if ledger_ok else 'KHÔNG ĐẠT'}.")
    if stuck:
        print(f"Lưu ý: luồng chưa dừng sau 120 giây: {', '.join(stuck)}")
    if not all(alive.values()):
        print(f"Lưu ý: tiến trình đã dừng trước khi kết thúc: {[name for name, up in alive.items() if not up]}")
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"soak-{datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(results, ensure_ascii=False, indent=2, default=str))
    print(f"Đã ghi {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
