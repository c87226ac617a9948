"""`flask backup` / `flask restore`: real data out through the real commands, into empty stores, and back.

On SQLite the restore target is a fresh file; on PostgreSQL (TEST_DATABASE_URL) a scratch database
``dvkheo_backup_<random>`` on the same server, dropped afterwards. Either way a second app points at the
restored stores and must show the same dossiers, files, certificates and vote chain.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from config import TestingConfig
from dvkheo import create_app
from dvkheo.certificates.batch import jobs_root
from dvkheo.certificates.emblems import store_emblem
from dvkheo.certificates.models import Certificate
from dvkheo.core.storage import path_for
from dvkheo.extensions import db, limiter
from dvkheo.nominations.models import Attachment, Nomination
from dvkheo.voting import ledger, sealing
from dvkheo.voting.models import VoteChannel
from tests.conftest import PDF_BYTES, add_stored_attachment, empty_database_url
from tests.voting.conftest import make_nominee, make_voter, voting_campaign  # noqa: F401 (fixtures)

SVG_EMBLEM = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle cx="5" cy="5" r="4" fill="red"/></svg>'


def _is_postgres(app) -> bool:
    return app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")


@pytest.fixture
def target_app(app, tmp_path):
    """An app on an empty database and an empty upload folder, as on a new machine."""
    with empty_database_url(app, tmp_path, "dvkheo_backup") as url:

        class RestoredConfig(TestingConfig):
            SQLALCHEMY_DATABASE_URI = url
            UPLOAD_DIR = str(tmp_path / "tep-khoi-phuc")

        restored = create_app(RestoredConfig)
        yield restored
        with restored.app_context():
            db.session.remove()
            db.engine.dispose()
        limiter.init_app(app)  # each new app re-binds the shared limiter


@pytest.fixture
def dataset(app, make_nomination, make_council_result, make_issued_decision, voting_campaign, make_nominee, make_voter):
    """A dossier with two files, an issued decision with certificates and an emblem, three votes, a print job file."""
    nomination = make_nomination(title="Dân vận khéo trong hiến đất làm đường thôn Phú Lộc")
    add_stored_attachment(app, nomination, "Biên bản họp thôn.pdf", PDF_BYTES + b"%" + os.urandom(2048))
    result = make_council_result(passed=2, individuals=1)
    result.award_form.emblem_file = store_emblem(SVG_EMBLEM, "bieu-tuong.svg")
    db.session.commit()
    decision = make_issued_decision(result)
    nominees = [make_nominee("Mô hình đường hoa"), make_nominee("Mô hình camera an ninh")]
    for index in range(3):
        ledger.cast(voting_campaign, make_voter(), nominees[index % 2], VoteChannel.ONLINE)
        db.session.commit()
    sealing.seal(voting_campaign.id, final=False)
    db.session.commit()
    job_file = jobs_root() / "1" / "giay-khen-QD-01-BDVTU-2026.pdf"
    job_file.parent.mkdir(parents=True, exist_ok=True)
    job_file.write_bytes(PDF_BYTES)
    certificates = db.session.scalars(sa.select(Certificate).where(Certificate.decision_id == decision.id)).all()
    return {
        "nominations": _nominations(),
        "attachments": _attachments(),
        "certificates": [(c.serial, c.awardee.recipient_name) for c in certificates],
        "emblem": (result.award_form.emblem_file, _sha256(path_for(result.award_form.emblem_file))),
        "voting_campaign": voting_campaign.id,
        "job_file": job_file.relative_to(Path(app.config["UPLOAD_DIR"])).as_posix(),
    }


def _nominations():
    return db.session.execute(sa.select(Nomination.id, Nomination.title, Nomination.status).order_by(Nomination.id)).all()


def _attachments():
    return db.session.execute(
        sa.select(Attachment.nomination_id, Attachment.original_name, Attachment.stored_name, Attachment.sha256)
        .order_by(Attachment.id)
    ).all()


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _backup(runner, archive: Path) -> None:
    db.session.commit()
    result = runner.invoke(args=["backup", "--output", str(archive)])
    assert result.exit_code == 0, result.output
    assert "Đã tạo bản sao lưu" in result.output


def _restore(target_app, archive: Path):
    with target_app.app_context():
        return target_app.test_cli_runner().invoke(args=["restore", str(archive)])


def _stored_files(root: Path) -> list[str]:
    return sorted(str(Path(folder) / name) for folder, _, names in os.walk(root) for name in names)


def _untouched(target_app) -> None:
    """Nothing was loaded: no table in the database, no file (nor staging folder) in the upload store."""
    with target_app.app_context():
        assert sa.inspect(db.engine).get_table_names() == []
    root = Path(target_app.config["UPLOAD_DIR"])
    assert _stored_files(root) == []
    assert not root.exists() or list(root.iterdir()) == []


@pytest.mark.parametrize("name", ["sao-luu.tar", "sao-luu.tar.gz"])
def test_backup_then_restore_into_empty_stores_gives_back_everything(app, runner, dataset, target_app, tmp_path, name):
    archive = tmp_path / name
    _backup(runner, archive)
    assert archive.stat().st_mode & 0o777 == 0o600  # personal data: the owner's only
    with tarfile.open(archive) as opened:
        names = opened.getnames()
        manifest = json.load(opened.extractfile("manifest.json"))
    assert names[0] == "manifest.json"
    dialect = "postgresql" if _is_postgres(app) else "sqlite"
    assert manifest["database"]["dialect"] == dialect and manifest["format_version"] == 1
    assert manifest["created_at"].endswith("Z")
    listed = {entry["path"]: entry for entry in manifest["files"]}
    assert set(listed) == set(names[1:])
    upload_root = Path(app.config["UPLOAD_DIR"])
    for _, _, stored_name, sha256 in dataset["attachments"]:
        relative = path_for(stored_name).relative_to(upload_root).as_posix()
        assert listed[f"uploads/{relative}"]["sha256"] == sha256

    result = _restore(target_app, archive)
    assert result.exit_code == 0, result.output
    assert "Mọi tệp khớp manifest" in result.output and "Đã khôi phục" in result.output

    with target_app.app_context():
        assert _nominations() == dataset["nominations"]
        assert _attachments() == dataset["attachments"]
        assert len(dataset["attachments"]) >= 2
        for _, _, stored_name, sha256 in dataset["attachments"]:
            assert _sha256(path_for(stored_name)) == sha256  # byte-identical, in the new store
        emblem, emblem_sha256 = dataset["emblem"]
        assert _sha256(path_for(emblem)) == emblem_sha256
        assert (Path(target_app.config["UPLOAD_DIR"]) / dataset["job_file"]).read_bytes() == PDF_BYTES

        client = target_app.test_client()
        for serial, recipient in dataset["certificates"]:
            page = client.get(f"/verify/{serial}")
            assert page.status_code == 200
            text = page.get_data(as_text=True)
            assert serial in text and recipient in text and "Còn hiệu lực" in text

        verified = target_app.test_cli_runner().invoke(args=["votes", "verify", str(dataset["voting_campaign"])])
        assert verified.exit_code == 0, verified.output
        assert "Số lô đã niêm phong: 1" in verified.output and "sổ cái nguyên vẹn" in verified.output
    # Staging is gone; only the restored files remain.
    restored_root = Path(target_app.config["UPLOAD_DIR"])
    assert not [p for p in restored_root.iterdir() if p.name.startswith(".")]
    assert len(_stored_files(restored_root)) == len(listed) - 1


def test_a_tampered_file_is_refused_before_anything_is_loaded(app, runner, dataset, target_app, tmp_path):
    archive = tmp_path / "sao-luu.tar"
    _backup(runner, archive)
    # One byte of one uploaded file changed, in place: sizes and the manifest still look right.
    stored_name = dataset["attachments"][-1][2]
    with tarfile.open(archive) as opened:
        member = next(m for m in opened.getmembers() if m.name.endswith(stored_name))
    with open(archive, "r+b") as handle:
        handle.seek(member.offset_data + member.size - 1)
        byte = handle.read(1)
        handle.seek(-1, io.SEEK_CUR)
        handle.write(bytes([byte[0] ^ 0xFF]))

    result = _restore(target_app, archive)
    assert result.exit_code == 1
    assert f"Tệp “{member.name}” trong bản sao lưu không khớp mã SHA-256" in result.output
    assert "Không khôi phục gì" in result.output
    assert "Đang nạp cơ sở dữ liệu" not in result.output
    _untouched(target_app)


def test_restore_into_a_database_with_data_is_refused(app, runner, dataset, tmp_path):
    archive = tmp_path / "sao-luu.tar"
    _backup(runner, archive)
    before = (_nominations(), _attachments())
    result = runner.invoke(args=["restore", str(archive)])
    assert result.exit_code == 1
    assert "CSDL đích không trống: bảng" in result.output and "Chỉ khôi phục vào một CSDL trống" in result.output
    db.session.expire_all()
    assert (_nominations(), _attachments()) == before


def test_restore_into_empty_tables_replaces_them(app, runner, dataset, target_app, tmp_path):
    """A target whose schema exists but holds no row counts as empty; the archive's schema replaces it."""
    archive = tmp_path / "sao-luu.tar"
    _backup(runner, archive)
    with target_app.app_context():
        db.create_all()
        db.session.remove()
    result = _restore(target_app, archive)
    assert result.exit_code == 0, result.output
    with target_app.app_context():
        assert _nominations() == dataset["nominations"]
        assert _attachments() == dataset["attachments"]


def test_restore_into_an_upload_folder_with_files_is_refused(app, runner, dataset, target_app, tmp_path):
    archive = tmp_path / "sao-luu.tar"
    _backup(runner, archive)
    stray = Path(target_app.config["UPLOAD_DIR"]) / "ab" / "cu.pdf"
    stray.parent.mkdir(parents=True)
    stray.write_bytes(PDF_BYTES)
    result = _restore(target_app, archive)
    assert result.exit_code == 1
    assert "Thư mục tệp tải lên (UPLOAD_DIR" in result.output and "“ab/cu.pdf”" in result.output
    with target_app.app_context():
        assert sa.inspect(db.engine).get_table_names() == []


def _rewrite_manifest(archive: Path, target: Path, change) -> None:
    """A copy of `archive` whose manifest went through `change` (the other members as they were)."""
    with tarfile.open(archive) as source, tarfile.open(target, "w") as copy:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name == "manifest.json":
                manifest = json.loads(data)
                change(manifest)
                data = json.dumps(manifest).encode()
                member.size = len(data)
            copy.addfile(member, io.BytesIO(data))


def test_a_newer_schema_or_another_database_kind_is_refused(app, runner, dataset, target_app, tmp_path):
    archive = tmp_path / "sao-luu.tar"
    _backup(runner, archive)

    newer = tmp_path / "moi-hon.tar"
    _rewrite_manifest(archive, newer, lambda m: m["database"].update(alembic_revision="ffffffffffff"))
    result = _restore(target_app, newer)
    assert result.exit_code == 1
    assert "phiên bản ffffffffffff, mới hơn phần mềm này biết" in result.output
    _untouched(target_app)

    other = "sqlite" if _is_postgres(app) else "postgresql"
    crossed = tmp_path / "khac-loai.tar"
    _rewrite_manifest(archive, crossed, lambda m: m["database"].update(dialect=other))
    result = _restore(target_app, crossed)
    assert result.exit_code == 1
    assert "không khôi phục chéo loại CSDL được" in result.output
    _untouched(target_app)


def test_a_member_missing_from_the_manifest_is_refused(app, runner, dataset, target_app, tmp_path):
    archive = tmp_path / "sao-luu.tar"
    _backup(runner, archive)
    shortened = tmp_path / "thieu.tar"
    _rewrite_manifest(archive, shortened, lambda m: m["files"].pop())
    result = _restore(target_app, shortened)
    assert result.exit_code == 1
    assert "không có trong manifest.json" in result.output
    _untouched(target_app)


def test_a_large_upload_is_streamed_not_held_in_memory(app, target_app, tmp_path):
    import tracemalloc

    from dvkheo.core.backup import create_backup, restore_backup

    big = Path(app.config["UPLOAD_DIR"]) / "lon" / "video-hop-dan.bin"
    big.parent.mkdir(parents=True, exist_ok=True)
    with open(big, "wb") as handle:
        for _ in range(40):
            handle.write(os.urandom(1024 * 1024))
    archive = tmp_path / "sao-luu.tar.gz"
    try:
        tracemalloc.start()
        create_backup(archive, echo=lambda line: None)
        backup_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.reset_peak()
        with target_app.app_context():
            restore_backup(archive, echo=lambda line: None)
        restore_peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        big.unlink()
    assert backup_peak < 8 * 1024 * 1024 and restore_peak < 8 * 1024 * 1024, (backup_peak, restore_peak)
    restored = Path(target_app.config["UPLOAD_DIR"]) / "lon" / "video-hop-dan.bin"
    assert restored.stat().st_size == 40 * 1024 * 1024


def test_a_file_that_is_not_an_archive_is_refused(target_app, tmp_path):
    junk = tmp_path / "rac.tar"
    junk.write_bytes(os.urandom(4096))
    result = _restore(target_app, junk)
    assert result.exit_code == 1 and "không phải tệp .tar hoặc .tar.gz hợp lệ" in result.output
    _untouched(target_app)


def test_an_archive_cut_short_is_refused(app, runner, dataset, target_app, tmp_path):
    import tarfile

    archive = tmp_path / "sao-luu.tar"
    _backup(runner, archive)
    # Cut inside the data of the last file: wherever half the archive falls, it may be a clean member boundary
    # (then restore rightly reports missing files instead); this cut is always a file read short.
    with tarfile.open(archive) as opened:
        last = [member for member in opened.getmembers() if member.isfile() and member.size > 1][-1]
    cut = tmp_path / "cut.tar"
    cut.write_bytes(archive.read_bytes()[: last.offset_data + last.size // 2])
    result = _restore(target_app, cut)
    assert result.exit_code == 1 and "Tệp sao lưu hỏng, không đọc hết được" in result.output
    _untouched(target_app)


def test_backup_refuses_to_overwrite_or_write_inside_the_upload_folder(app, runner, tmp_path):
    existing = tmp_path / "cu.tar"
    existing.write_bytes(b"")
    result = runner.invoke(args=["backup", "--output", str(existing)])
    assert result.exit_code == 1 and "đã tồn tại" in result.output
    inside = Path(app.config["UPLOAD_DIR"]) / "sao-luu.tar"
    result = runner.invoke(args=["backup", "--output", str(inside)])
    assert result.exit_code == 1 and "trong thư mục tệp tải lên" in result.output
    assert not inside.exists()


def test_libpq_target_keeps_the_password_off_the_command_line():
    from dvkheo.core.backup import libpq_target

    uri, environment = libpq_target(sa.engine.make_url("postgresql+psycopg://dvkheo:m%40t-kh%C3%A2u@db.local:5433/dvkheo?sslmode=require"))
    assert uri == "postgresql://dvkheo@db.local:5433/dvkheo?sslmode=require"
    assert environment["PGPASSWORD"] == "m@t-khâu"


@pytest.mark.parametrize("failure", ["disk", "bucket"])
def test_a_store_failing_while_files_are_put_in_place_is_reported_and_leaves_no_staged_copy(
    app, runner, dataset, target_app, tmp_path, monkeypatch, failure
):
    """The last step (files into the store) fails after the database was loaded: the person reads what state the
    target is in and what to do, not a traceback; the staged copies of personal files do not stay behind."""
    from dvkheo.core.filestore import LocalFileStore, StorageUnavailable

    archive = tmp_path / "sao-luu.tar"
    _backup(runner, archive)
    real_put = LocalFileStore.put_file
    calls = []

    def failing_put(self, key, source, *, modified=None):
        calls.append(key)
        if len(calls) == 2:
            raise OSError(28, "No space left on device") if failure == "disk" else StorageUnavailable("S3 503")
        return real_put(self, key, source, modified=modified)

    monkeypatch.setattr(LocalFileStore, "put_file", failing_put)
    result = _restore(target_app, archive)

    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Khôi phục CHƯA hoàn tất: CSDL đã nạp, nhưng mới đưa được 1/" in result.output
    assert "tạo lại CSDL trống, làm trống nơi lưu tệp rồi chạy lại lệnh khôi phục" in result.output
    root = Path(target_app.config["UPLOAD_DIR"])
    assert [path.name for path in root.iterdir() if path.name.startswith(".")] == []


def test_a_folder_of_the_store_that_cannot_be_read_stops_the_backup_instead_of_being_left_out(
    app, runner, dataset, target_app, tmp_path, monkeypatch
):
    """os.walk skips an unreadable folder without a word (a backup run by an account that cannot read one
    subfolder): the archive would lack its files and still say "done"."""
    root = Path(app.config["UPLOAD_DIR"])
    locked = root / dataset["attachments"][0][2][:2]
    assert locked.is_dir()
    real_scandir = os.scandir

    def scandir(path="."):
        if isinstance(path, (str, os.PathLike)) and Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    archive = tmp_path / "sao-luu.tar"
    db.session.commit()
    result = runner.invoke(args=["backup", "--output", str(archive)])
    assert result.exit_code == 1, result.output
    assert "Không đọc được toàn bộ thư mục tệp tải lên" in result.output and "Permission denied" in result.output
    assert not archive.exists() and not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize("database", [
    "sqlite", ["sqlite"], {"dialect": "DIALECT", "alembic_revision": 5},
    {"dialect": "DIALECT", "alembic_revision": "heads"}, {"dialect": "DIALECT", "alembic_revision": "abc@head"},
])
def test_a_manifest_with_a_malformed_database_entry_is_refused_in_words(
    app, runner, dataset, target_app, tmp_path, database
):
    archive = tmp_path / "sao-luu.tar"
    _backup(runner, archive)
    dialect = "postgresql" if _is_postgres(app) else "sqlite"
    if isinstance(database, dict):
        database = {**database, "dialect": dialect}
    changed = tmp_path / "sai.tar"
    _rewrite_manifest(archive, changed, lambda m: m.update(database=database))
    result = _restore(target_app, changed)
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.exception
    assert "manifest.json không ghi đúng loại và phiên bản lược đồ CSDL" in result.output
    _untouched(target_app)


def test_an_archive_needing_more_room_than_the_disk_has_is_refused_before_anything_is_written(
    app, runner, dataset, target_app, tmp_path, monkeypatch
):
    """A .tar.gz of a few kilobytes can declare gigabytes of zeros (a gzip bomb, or just a too small disk)."""
    import shutil as shutil_module

    from dvkheo.core import backup

    archive = tmp_path / "sao-luu.tar.gz"
    _backup(runner, archive)
    real_usage = shutil_module.disk_usage
    monkeypatch.setattr(backup.shutil, "disk_usage", lambda path: real_usage(path)._replace(free=1000))
    result = _restore(target_app, archive)
    assert result.exit_code == 1, result.output
    assert "Không đủ chỗ trống để khôi phục: bản sao lưu cần" in result.output and "Không khôi phục gì" in result.output
    _untouched(target_app)


def test_a_backup_pointed_at_another_file_store_is_refused(app, runner, dataset, tmp_path, monkeypatch):
    """UPLOAD_DIR set by hand on an installation whose files are elsewhere (an S3 bucket, an unmounted share):
    the database alone would be backed up, with "0 tệp" as the only hint."""
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path / "thu-muc-trong"))
    archive = tmp_path / "sao-luu.tar"
    db.session.commit()
    result = runner.invoke(args=["backup", "--output", str(archive)])
    assert result.exit_code == 1, result.output
    assert "tệp tải lên nhưng thư mục tệp tải lên" in result.output and "đọc nhầm nơi lưu tệp" in result.output
    assert not archive.exists()


def test_a_backup_names_the_files_the_database_needs_but_the_store_lacks(app, runner, dataset, tmp_path):
    missing = dataset["attachments"][0][2]
    path_for(missing).unlink()
    archive = tmp_path / "sao-luu.tar"
    db.session.commit()
    result = runner.invoke(args=["backup", "--output", str(archive)])
    assert result.exit_code == 0, result.output
    assert f"Chú ý: 1/" in result.output and f"“{missing}”" in result.output
