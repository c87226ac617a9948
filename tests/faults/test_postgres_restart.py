"""PostgreSQL restarts under the app: a private cluster (never the machine's shared server) is stopped
between requests and in the middle of a save. Requests during the outage get a Vietnamese 503 page; the
first request after the restart works (pool_pre_ping); a vote is recorded once or not at all and the ledger
still verifies; a nomination leaves no half-saved record and no orphan upload file."""
from __future__ import annotations

import io
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa

from config import TestingConfig
from dvkheo.accounts.models import Role
from dvkheo.campaigns.models import ReferenceKind
from dvkheo.extensions import db
from dvkheo.nominations.models import Attachment, Nomination
from dvkheo.voting import ledger
from dvkheo.voting.models import Vote
from tests.conftest import PASSWORD, PDF_BYTES, reference_item
from tests.faults.conftest import cast_vote, files_under, free_port, sign_in_voter, voter_session

pytestmark = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="PostgreSQL restart: only on the PostgreSQL pass (TEST_DATABASE_URL=postgresql://...)",
)

UNAVAILABLE = "Hệ thống tạm thời gián đoạn"
NOT_SAVED = "thao tác vừa rồi chưa được lưu"


def _pg_tool(name: str) -> str:
    found = shutil.which(name) or next(
        (str(path) for path in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True)), None
    )
    if found is None:
        pytest.fail(f"Không tìm thấy lệnh {name} của PostgreSQL để dựng cụm CSDL riêng cho phép thử.")
    return found


class PrivateCluster:
    """A PostgreSQL cluster of this test only, in a temporary folder, on a free port, run as the `postgres` user."""

    def __init__(self):
        self.folder = Path(tempfile.mkdtemp(prefix="dvkheo-pg-fault-"))
        self.data = self.folder / "data"
        self.port = free_port()
        shutil.chown(self.folder, "postgres", "postgres")
        self._as_postgres(_pg_tool("initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres",
                          "-E", "UTF8", "--no-sync", "--locale=C")

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _as_postgres(self, *command: str) -> None:
        done = subprocess.run(["runuser", "-u", "postgres", "--", *command], capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            raise AssertionError(f"{' '.join(command)} failed: {done.stdout}\n{done.stderr}")

    def _pg_ctl(self, *arguments: str) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder} -c fsync=off"
        self._as_postgres(_pg_ctl_path(), "-D", str(self.data), "-l", str(self.folder / "server.log"),
                          "-o", options, "-w", "-t", "30", *arguments)

    def start(self) -> None:
        self._pg_ctl("start")

    def stop(self) -> None:
        self._pg_ctl("-m", "fast", "stop")

    def remove(self) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", _pg_ctl_path(), "-D", str(self.data), "-m", "immediate", "-w",
                        "stop"], capture_output=True, timeout=60)
        shutil.rmtree(self.folder, ignore_errors=True)


def _pg_ctl_path() -> str:
    return _pg_tool("pg_ctl")


@pytest.fixture
def cluster():
    private = PrivateCluster()
    try:
        private.start()
        yield private
    finally:
        private.remove()


@pytest.fixture
def pg_app(cluster, other_apps, tmp_path):
    class PrivateClusterConfig(TestingConfig):
        REDIS_URL = ""
        UPLOAD_DIR = str(tmp_path / "uploads")

    application = other_apps(PrivateClusterConfig, SQLALCHEMY_DATABASE_URI=cluster.url)
    assert application.config["SQLALCHEMY_ENGINE_OPTIONS"].get("pool_pre_ping") is True
    with application.app_context():
        db.create_all()
    return application


@pytest.fixture
def scene(pg_app, make_unit, make_user, make_campaign, public_vote):
    """In the private cluster: a province, a commune's submitter, a campaign taking nominations and one taking votes."""
    with pg_app.app_context():
        province = make_unit("Tỉnh Quảng Ngãi", kind="province", code="51")
        commune = make_unit("Xã Tịnh Hà", parent=province)
        submitter = make_user(Role.UNIT_SUBMITTER, commune, email="xa-tinh-ha@example.vn")
        nominations_campaign = make_campaign(organising_unit=province)
        voting_campaign, nominee, voter = public_vote(province)
        values = dict(
            submitter_email=submitter.email, nominations_campaign_id=nominations_campaign.id,
            collective_type_id=reference_item(ReferenceKind.COLLECTIVE_TYPE).id,
            field_id=nominations_campaign.allowed_fields[0].id,
            voting_campaign_id=voting_campaign.id, nominee_id=nominee.id, voter=voter_session(voter),
        )
        db.session.remove()
    return values


def nomination_form(scene) -> dict:
    return {
        "title": "Vận động Nhân dân hiến đất làm đường liên thôn",
        "nominee_name": "Chi hội Nông dân thôn Trường Thọ",
        "collective_type_id": str(scene["collective_type_id"]),
        "field_id": str(scene["field_id"]),
        "locality": "Thôn Trường Thọ",
        "save_draft": "Lưu nháp",
        "evidence": (io.BytesIO(PDF_BYTES), "Biên bản họp dân.pdf"),
    }


def count(pg_app, model) -> int:
    with pg_app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def drafts(pg_app, scene) -> int:
    """Nominations of the campaign taking them (the voting campaign's nominee is not one of them)."""
    with pg_app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Nomination).where(
            Nomination.campaign_id == scene["nominations_campaign_id"]))


def ledger_ok(pg_app, campaign_id: int) -> bool:
    with pg_app.app_context():
        report = ledger.verify(campaign_id)
        assert report.ok, report.problems
        return report.ok


def assert_unavailable_page(response) -> None:
    page = response.get_data(as_text=True)
    assert response.status_code == 503, page[:2000]
    assert UNAVAILABLE in page and NOT_SAVED in page
    assert "Traceback" not in page and "OperationalError" not in page and "psycopg" not in page
    assert response.headers["Retry-After"]


def test_requests_during_a_restart_get_a_503_and_the_first_one_after_it_works(pg_app, cluster, scene):
    staff, citizen = pg_app.test_client(), pg_app.test_client()
    assert staff.post("/login", data={"email": scene["submitter_email"], "password": PASSWORD}).status_code == 302
    assert staff.get("/nominations/").status_code == 200
    sign_in_voter(citizen, scene["voter"])
    campaign_id, nominee_id = scene["voting_campaign_id"], scene["nominee_id"]

    cluster.stop()
    page = staff.get("/nominations/?trang=2")
    assert_unavailable_page(page)
    assert '<a class="button" href="/nominations/?trang=2">Thử lại</a>' in page.get_data(as_text=True)
    refused_vote = cast_vote(citizen, campaign_id, nominee_id)
    assert_unavailable_page(refused_vote)
    assert "Về trang chủ" in refused_vote.get_data(as_text=True)  # a form's address is not a page to reload
    assert_unavailable_page(
        staff.post(f"/nominations/new/{scene['nominations_campaign_id']}/collective", data=nomination_form(scene),
                   content_type="multipart/form-data")
    )
    assert files_under(pg_app.config["UPLOAD_DIR"]) == []
    cluster.start()

    # The pool's connections died with the server; pre-ping replaces them, so the very first request works.
    page = staff.get("/nominations/")
    assert page.status_code == 200, page.get_data(as_text=True)[:2000]
    assert count(pg_app, Vote) == 0 and drafts(pg_app, scene) == 0
    assert ledger_ok(pg_app, campaign_id)
    # The vote refused during the outage can be cast now, once.
    response = cast_vote(citizen, campaign_id, nominee_id)
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    with pg_app.app_context():
        receipt = db.session.scalar(sa.select(Vote.receipt_code))
    assert receipt and f"Mã xác nhận bình chọn: {receipt}" in citizen.get(response.headers["Location"]).get_data(as_text=True)
    assert count(pg_app, Vote) == 1 and ledger_ok(pg_app, campaign_id)


@pytest.fixture
def stop_cluster_before(pg_app, cluster, monkeypatch):
    """Stop the cluster at the moment the app sends a statement matching `wanted` (once): the server really goes
    away between two statements of one request, as in a crash or a restart mid-save. Statements sent through
    SQLAlchemy and the vote's, which goes straight to the driver (`ledger._cast_autocommit`), alike."""
    stopped: list[str] = []

    def arm(wanted):
        def stop_if_wanted(statement: str) -> None:
            if not stopped and wanted(statement):
                stopped.append(statement)
                cluster.stop()

        def before_statement(conn, cursor, statement, parameters, context, executemany):
            stop_if_wanted(statement)

        driver_execute = psycopg.Connection.execute

        def execute(connection, query, *args, **kwargs):
            stop_if_wanted(str(query))
            return driver_execute(connection, query, *args, **kwargs)

        with pg_app.app_context():
            engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", before_statement)
        monkeypatch.setattr(psycopg.Connection, "execute", execute)
        return stopped

    yield arm


def test_a_nomination_saved_as_the_server_stops_leaves_no_record_and_no_file(pg_app, cluster, scene, stop_cluster_before):
    staff = pg_app.test_client()
    assert staff.post("/login", data={"email": scene["submitter_email"], "password": PASSWORD}).status_code == 302
    # The evidence is written to disk first, then the rows: stop the server just before the attachment's row.
    stopped = stop_cluster_before(lambda statement: statement.lstrip().upper().startswith("INSERT INTO ATTACHMENTS"))

    response = staff.post(f"/nominations/new/{scene['nominations_campaign_id']}/collective", data=nomination_form(scene),
                          content_type="multipart/form-data")

    assert stopped, "the save never reached the attachment's row"
    assert_unavailable_page(response)
    assert files_under(pg_app.config["UPLOAD_DIR"]) == []  # the stored evidence went with the failed save
    cluster.start()
    assert drafts(pg_app, scene) == 0 and count(pg_app, Attachment) == 0
    # And the same form is saved whole once the server is back.
    assert staff.post(f"/nominations/new/{scene['nominations_campaign_id']}/collective", data=nomination_form(scene),
                      content_type="multipart/form-data").status_code == 302
    assert drafts(pg_app, scene) == 1 and count(pg_app, Attachment) == 1
    assert len(files_under(pg_app.config["UPLOAD_DIR"])) == 1


def test_a_vote_cast_as_the_server_stops_is_recorded_once_or_not_at_all(pg_app, cluster, scene, stop_cluster_before):
    citizen = pg_app.test_client()
    sign_in_voter(citizen, scene["voter"])
    campaign_id, nominee_id = scene["voting_campaign_id"], scene["nominee_id"]
    stopped = stop_cluster_before(lambda statement: "INSERT INTO VOTES" in statement.upper())

    response = cast_vote(citizen, campaign_id, nominee_id)

    assert stopped, "the vote never reached its insert"
    assert_unavailable_page(response)
    cluster.start()
    assert count(pg_app, Vote) == 0  # not recorded, and the voter was told so
    assert ledger_ok(pg_app, campaign_id)
    assert cast_vote(citizen, campaign_id, nominee_id).status_code == 303
    assert cast_vote(citizen, campaign_id, nominee_id).status_code == 409  # a second click counts nothing
    assert count(pg_app, Vote) == 1 and ledger_ok(pg_app, campaign_id)
