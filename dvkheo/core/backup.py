"""`flask backup` and `flask restore`: the whole installation in one archive, and back.

The archive is a tar (gzip-compressed when its name ends in ``.gz``/``.tgz``) holding, in this order:

* ``manifest.json`` first, so that a restore refuses an archive of another database kind or of a
  newer schema before reading anything else: format version, app version, creation time (UTC),
  database dialect, alembic revision, and the path, size and SHA-256 of every other member;
* ``database.pgdump`` (``pg_dump --format=custom``, one consistent snapshot) or ``database.sqlite``
  (SQLite's online backup API, consistent while the app keeps writing);
* ``uploads/<key>``: every file of the file store (`dvkheo.core.filestore`: UPLOAD_DIR or an S3 bucket):
  evidence, emblems, signed copies, thumbnails, print jobs; never files still being written.

The database is dumped first and the files read afterwards: a file added meanwhile is merely an orphan
(`flask uploads prune` removes it), whereas the other order could name a file the archive lacks.

Everything is streamed in chunks, never a whole file in memory. A restore writes every member to a
hidden staging folder (inside UPLOAD_DIR for a local store) while hashing it, and loads the database only
once every hash matched; the files are then handed to the store (one rename, or one completed upload,
each), so a failure never leaves a half-written file under a real name.
"""
from __future__ import annotations

import glob
import gzip
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Callable

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from dvkheo.core.filestore import StorageUnavailable, StoredObject, check_key, store
from dvkheo.core.text import format_filesize
from dvkheo.extensions import db

FORMAT_NAME = "dvkheo-backup"
FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
UPLOADS_PREFIX = "uploads/"
DUMP_NAMES = {"postgresql": "database.pgdump", "sqlite": "database.sqlite"}
DIALECT_LABELS = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}
CHUNK_BYTES = 1024 * 1024
# A manifest lists one line per file; this is far above any real one and keeps a hostile archive small.
MAX_MANIFEST_BYTES = 256 * 1024 * 1024

Echo = Callable[[str], None]


class BackupError(Exception):
    """A backup or restore that cannot go on; the message is Vietnamese and shown as is."""


@dataclass
class Summary:
    database_bytes: int = 0
    files: int = 0
    file_bytes: int = 0
    seconds: float = 0.0
    revision: str | None = None
    notes: list[str] = field(default_factory=list)


# --- the database -----------------------------------------------------------------------------------


def dialect_name() -> str:
    name = db.engine.dialect.name
    if name not in DUMP_NAMES:
        raise BackupError(f"Chưa hỗ trợ sao lưu, khôi phục CSDL loại “{name}” (chỉ PostgreSQL và SQLite).")
    return name


def libpq_target(url: sa.URL) -> tuple[str, dict[str, str]]:
    """The SQLAlchemy URL as a libpq URI for pg_dump/pg_restore, and their environment.

    The password goes in PGPASSWORD, never on the command line, where any local user could read it
    (``ps``, /proc). Query parameters (sslmode, host=/run/postgresql, ...) are libpq's own and stay.
    """
    environment = dict(os.environ)
    if url.password:
        environment["PGPASSWORD"] = str(url.password)
    # URL.set(password=None) would keep the password (None means "unchanged" there): build anew.
    plain = sa.URL.create(
        "postgresql", username=url.username, host=url.host, port=url.port, database=url.database, query=url.query
    )
    return plain.render_as_string(hide_password=False), environment


def pg_tool(name: str) -> str:
    """pg_dump/pg_restore from PATH, else the newest of Debian's /usr/lib/postgresql/<version>/bin."""
    found = shutil.which(name)
    if found:
        return found

    def version(path: str) -> int:
        match = re.search(r"/postgresql/(\d+)/", path)
        return int(match.group(1)) if match else 0

    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=version, reverse=True)
    if not candidates:
        raise BackupError(
            f"Không tìm thấy chương trình {name} (gói postgresql-client). Cài gói này, "
            f"hoặc thêm thư mục chứa {name} vào PATH, rồi chạy lại."
        )
    return candidates[0]


def _run_pg(command: list[str], environment: dict[str, str], what: str) -> None:
    finished = subprocess.run(command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if finished.returncode != 0:
        detail = (finished.stderr or finished.stdout or "").strip()
        raise BackupError(f"{what} không thành công (mã lỗi {finished.returncode}): {detail}")


def sqlite_path() -> Path:
    database = db.engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError("CSDL SQLite trong bộ nhớ (không có tệp) không sao lưu, khôi phục được.")
    return Path(database)


def alembic_revision() -> str | None:
    """The schema's revision, or None for a database made without migrations (`db.create_all`)."""
    with db.engine.connect() as connection:
        if not sa.inspect(connection).has_table("alembic_version"):
            return None
        revisions = sorted(connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalars())
    return ",".join(revisions) or None


def dump_database(dialect: str, target: Path) -> None:
    if dialect == "postgresql":
        uri, environment = libpq_target(db.engine.url)
        _run_pg(
            [pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={target}", f"--dbname={uri}"],
            environment, "pg_dump",
        )
        return
    # The online backup API copies a consistent snapshot page by page while the app keeps writing.
    source = sqlite3.connect(str(sqlite_path()))
    destination = sqlite3.connect(str(target))
    try:
        source.backup(destination)
    finally:
        destination.close()
        source.close()


def nonempty_table() -> tuple[str, int] | None:
    """The first table of the target database holding rows, or None when it is empty (or has no tables)."""
    with db.engine.connect() as connection:
        names = [name for name in sa.inspect(connection).get_table_names() if name != "alembic_version"]
        for name in sorted(names):
            if connection.execute(sa.select(sa.literal(1)).select_from(sa.table(name)).limit(1)).first():
                count = connection.execute(sa.select(sa.func.count()).select_from(sa.table(name))).scalar_one()
                return name, count
    return None


def has_tables() -> bool:
    with db.engine.connect() as connection:
        return bool(sa.inspect(connection).get_table_names())


def load_database(dialect: str, dump: Path) -> None:
    if dialect == "postgresql":
        uri, environment = libpq_target(db.engine.url)
        command = [pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error"]
        if has_tables():
            # Empty tables (checked above) are replaced by the archive's, in the same transaction.
            command += ["--clean", "--if-exists"]
        _run_pg(command + [f"--dbname={uri}", str(dump)], environment, "pg_restore")
        return
    target = sqlite_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    db.session.remove()
    db.engine.dispose()  # no pooled connection of ours may hold the file while it is replaced
    source = sqlite3.connect(str(dump))
    destination = sqlite3.connect(str(target))
    try:
        source.backup(destination)
    finally:
        destination.close()
        source.close()
    db.engine.dispose()


def known_revision(revision: str) -> bool:
    """Whether every head in `revision` is one of this code's migrations (an unknown one is newer)."""
    from alembic.script import ScriptDirectory
    from alembic.util.exc import CommandError

    scripts = ScriptDirectory(current_app.extensions["migrate"].directory)
    for part in revision.split(","):
        try:
            if scripts.get_revision(part) is None:
                return False
        except CommandError:
            return False
    return True


def code_heads() -> set[str]:
    from alembic.script import ScriptDirectory

    return set(ScriptDirectory(current_app.extensions["migrate"].directory).get_heads())


# --- the upload store ---------------------------------------------------------------------------------


def stored_files() -> list[StoredObject]:
    """Every finished file of the store, sorted by key (files being written at this moment are skipped)."""
    try:
        return list(store().list())
    except (OSError, StorageUnavailable) as error:
        raise BackupError(
            f"Không đọc được toàn bộ {_store_words()} ({error}). Hãy chạy lệnh bằng tài khoản đọc được mọi tệp "
            "(tài khoản chạy ứng dụng), hoặc khắc phục kết nối tới kho, rồi chạy lại."
        ) from None


def _sha256_stored(key: str) -> tuple[int, str]:
    with store().open_read(key) as handle:
        return _sha256_stream(handle)


def _sha256_file(path: Path) -> tuple[int, str]:
    with open(path, "rb") as handle:
        return _sha256_stream(handle)


def _sha256_stream(handle: BinaryIO) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    while chunk := handle.read(CHUNK_BYTES):
        digest.update(chunk)
        size += len(chunk)
    return size, digest.hexdigest()


class _HashingReader:
    """Reads through to `raw`, hashing and counting, so that tar copies and hashes in one pass."""

    def __init__(self, raw: BinaryIO):
        self.raw, self.digest, self.size = raw, hashlib.sha256(), 0

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.digest.update(data)
        self.size += len(data)
        return data


# --- backup -------------------------------------------------------------------------------------------


def default_output() -> Path:
    return Path.cwd() / f"dvkheo-sao-luu-{datetime.now(timezone.utc):%Y%m%d-%H%M%S}.tar"


def _compressed(path: Path) -> bool:
    return path.name.endswith((".tar.gz", ".tgz"))


def app_version() -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("dvkheo")
    except PackageNotFoundError:
        return None


def create_backup(output: Path, echo: Echo = click.echo) -> Summary:
    started = time.monotonic()
    output = output.expanduser().absolute()
    if not output.name.endswith((".tar", ".tar.gz", ".tgz")):
        raise BackupError(f"Tên tệp sao lưu phải kết thúc bằng .tar hoặc .tar.gz (đang là “{output.name}”).")
    if output.exists():
        raise BackupError(f"Tệp {output} đã tồn tại; chọn tên khác để không ghi đè một bản sao lưu cũ.")
    root = store().local_root
    if root is not None and output.resolve().is_relative_to(root.resolve()):
        raise BackupError(f"Không lưu bản sao lưu vào trong thư mục tệp tải lên ({root}): chọn thư mục khác.")
    if not output.parent.is_dir():
        raise BackupError(f"Thư mục {output.parent} không tồn tại.")
    dialect = dialect_name()
    summary = Summary(revision=alembic_revision())
    work = Path(tempfile.mkdtemp(prefix=".dvkheo-sao-luu-", dir=output.parent))
    partial = output.with_name(f".{output.name}.dang-ghi")
    try:
        echo(f"Đang sao lưu cơ sở dữ liệu {DIALECT_LABELS[dialect]}…")
        dump = work / DUMP_NAMES[dialect]
        dump_database(dialect, dump)
        dump_size, dump_hash = _sha256_file(dump)
        summary.database_bytes = dump_size
        echo(f"  Đã sao lưu cơ sở dữ liệu: {_size(dump_size)}.")

        files = stored_files()
        echo(f"Đang kiểm kê {len(files)} tệp trong {_store_words()}…")
        entries = [{"path": dump.name, "size": dump_size, "sha256": dump_hash}]
        for stored in files:
            try:
                size, digest = _sha256_stored(stored.key)
            except FileNotFoundError:  # removed since the listing (a discarded upload): not part of the backup
                continue
            entries.append({"path": UPLOADS_PREFIX + stored.key, "size": size, "sha256": digest})
        _check_referenced_files(files, echo)
        manifest = {
            "format": FORMAT_NAME,
            "format_version": FORMAT_VERSION,
            "app_version": app_version(),
            "created_at": datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
            "database": {"dialect": dialect, "alembic_revision": summary.revision, "file": dump.name},
            "files": entries,
        }

        # Personal data: readable by the owner only, from the first byte.
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with open(descriptor, "wb") as raw:
            mode = "w:gz" if _compressed(output) else "w"
            options = {"compresslevel": 6} if mode == "w:gz" else {}
            with tarfile.open(fileobj=raw, mode=mode, format=tarfile.PAX_FORMAT, **options) as archive:
                manifest_bytes = json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8")
                archive.addfile(_member(MANIFEST_NAME, len(manifest_bytes), time.time()), io.BytesIO(manifest_bytes))
                step = max(1, len(entries) // 10)
                _add_checked(archive, entries[0], dump)
                for index, entry in enumerate(entries[1:], start=2):
                    _add_checked(archive, entry, None)
                    if entry["path"].startswith(UPLOADS_PREFIX):
                        summary.files += 1
                        summary.file_bytes += entry["size"]
                        if summary.files % step == 0 or index == len(entries):
                            echo(f"  Đã chép {summary.files}/{len(files)} tệp ({_size(summary.file_bytes)}).")
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, output)
    except OSError as error:  # a full disk, a folder without write permission
        partial.unlink(missing_ok=True)
        raise BackupError(f"Không ghi được bản sao lưu {output} ({error}).") from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    summary.seconds = time.monotonic() - started
    return summary


def referenced_uploads() -> set[str]:
    """The stored names of uploads some row needs: attachments, signed copies, emblems in use."""
    from dvkheo.awards.models import SignedCopy
    from dvkheo.certificates.emblems import emblems_in_use
    from dvkheo.nominations.models import Attachment

    names = set(db.session.scalars(sa.select(Attachment.stored_name)))
    names |= set(db.session.scalars(sa.select(SignedCopy.stored_name)))
    names |= emblems_in_use()
    db.session.rollback()
    return {name for name in names if name}


def _check_referenced_files(files: list[StoredObject], echo: Echo) -> None:
    """The store being backed up is the app's: a backup pointed at another (UPLOAD_DIR set by hand on an S3
    installation, a network mount not mounted) would otherwise hold the database and none of its files."""
    from dvkheo.core.storage import key_for

    referenced = referenced_uploads()
    present = {stored.key for stored in files}
    def absent(name: str) -> bool:
        try:
            return key_for(name) not in present
        except ValueError:  # not a name the app generates: nothing to look for
            return False

    missing = sorted(name for name in referenced if absent(name))
    if referenced and len(missing) == len(referenced):
        raise BackupError(
            f"CSDL ghi {len(referenced)} tệp tải lên nhưng {_store_words()} không có tệp nào trong số đó: lệnh đang "
            "đọc nhầm nơi lưu tệp. Kiểm tra STORAGE_BACKEND, UPLOAD_DIR hoặc S3_… (chạy lệnh với đúng tệp biến môi "
            "trường của dịch vụ) rồi chạy lại."
        )
    if missing:
        echo(
            f"  Chú ý: {len(missing)}/{len(referenced)} tệp tải lên mà CSDL ghi không có trong {_store_words()} "
            f"(ví dụ “{missing[0]}”); bản sao lưu cũng sẽ thiếu các tệp này."
        )


def _member(name: str, size: int, mtime: float) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode, info.type = size, int(mtime), 0o600, tarfile.REGTYPE
    return info


def _add_checked(archive: tarfile.TarFile, entry: dict, path: Path | None) -> None:
    """Copy the dump at `path`, or the stored file the entry names, into the archive, checking it is still the
    file the manifest describes."""
    try:
        if path is not None:
            opened = open(path, "rb")
        else:
            opened = store().open_read(entry["path"][len(UPLOADS_PREFIX):])
    except FileNotFoundError:
        raise BackupError(f"Tệp “{entry['path']}” bị xóa trong lúc sao lưu; chạy lại lệnh sao lưu.") from None
    with opened as handle:
        reader = _HashingReader(handle)
        try:
            archive.addfile(_member(entry["path"], entry["size"], time.time()), reader)
        except OSError as error:  # tarfile's "unexpected end of data": the file shrank
            raise BackupError(f"Không đọc được tệp “{entry['path']}” ({error}); chạy lại lệnh sao lưu.") from None
        if reader.digest.hexdigest() != entry["sha256"] or handle.read(1):
            raise BackupError(f"Tệp “{entry['path']}” thay đổi trong lúc sao lưu; chạy lại lệnh sao lưu.")


def _store_words() -> str:
    root = store().local_root
    if root is not None:
        return f"thư mục tệp tải lên {root}"
    return f"kho S3 “{current_app.config.get('S3_BUCKET')}”"


# --- restore ------------------------------------------------------------------------------------------


def _safe_relative(name: str) -> PurePosixPath | None:
    """The member name as a path that stays inside its folder, or None for anything else."""
    if not name or "\\" in name or "\x00" in name:
        return None
    path = PurePosixPath(name)
    if path.is_absolute() or any(part in ("", ".", "..") for part in name.split("/")):
        return None
    return path


def _check_manifest(manifest: object, dialect: str) -> dict:
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        raise BackupError("Tệp này không phải bản sao lưu của hệ thống (manifest.json không đúng định dạng).")
    version = manifest.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise BackupError(
            f"Bản sao lưu theo định dạng phiên bản {version}, mới hơn phiên bản phần mềm này đọc được "
            f"({FORMAT_VERSION}). Hãy cập nhật phần mềm rồi khôi phục."
        )
    database = manifest.get("database")
    revision = database.get("alembic_revision") if isinstance(database, dict) else None
    if not isinstance(database, dict) or not (
        revision is None
        or (isinstance(revision, str) and re.fullmatch(r"[A-Za-z0-9_]{1,64}(,[A-Za-z0-9_]{1,64}){0,15}", revision)
            and not {"head", "heads", "base"} & set(revision.split(",")))
    ):
        raise BackupError("manifest.json không ghi đúng loại và phiên bản lược đồ CSDL: bản sao lưu bị hỏng hoặc bị sửa.")
    source = database.get("dialect")
    if source != dialect:
        raise BackupError(
            f"Bản sao lưu là của CSDL {DIALECT_LABELS.get(source, source)}, còn CSDL đích là {DIALECT_LABELS[dialect]}: "
            "không khôi phục chéo loại CSDL được. Hãy trỏ DATABASE_URL tới một CSDL cùng loại."
        )
    files = manifest.get("files")
    if not isinstance(files, list):
        raise BackupError("manifest.json không có danh sách tệp.")
    entries: dict[str, dict] = {}
    for entry in files:
        name = entry.get("path") if isinstance(entry, dict) else None
        if not isinstance(name, str) or _safe_relative(name) is None:
            raise BackupError(f"manifest.json ghi một đường dẫn không hợp lệ: “{name}”.")
        if name != DUMP_NAMES[dialect] and not name.startswith(UPLOADS_PREFIX):
            raise BackupError(f"manifest.json ghi một tệp không thuộc bản sao lưu: “{name}”.")
        if name.startswith(UPLOADS_PREFIX):
            try:
                check_key(name[len(UPLOADS_PREFIX):])
            except ValueError:
                raise BackupError(f"manifest.json ghi một đường dẫn không hợp lệ: “{name}”.") from None
        if not isinstance(entry.get("size"), int) or not re.fullmatch(r"[0-9a-f]{64}", str(entry.get("sha256"))):
            raise BackupError(f"manifest.json thiếu kích thước hoặc mã SHA-256 của tệp “{name}”.")
        if name in entries:
            raise BackupError(f"manifest.json ghi tệp “{name}” hai lần.")
        entries[name] = entry
    if DUMP_NAMES[dialect] not in entries:
        raise BackupError("Bản sao lưu không có tệp cơ sở dữ liệu.")
    return entries


def _check_target_empty() -> None:
    occupied = nonempty_table()
    if occupied:
        table, count = occupied
        raise BackupError(
            f"CSDL đích không trống: bảng “{table}” có {count} dòng. Chỉ khôi phục vào một CSDL trống "
            "(mới tạo, chưa chạy “flask db upgrade”, chưa nạp dữ liệu mẫu), để không ghi đè dữ liệu đang có."
        )
    first = next(iter(stored_files()), None)  # a restore's own staging folder is hidden, so never listed
    if first is not None:
        root = store().local_root
        where = (f"Thư mục tệp tải lên (UPLOAD_DIR = {root})" if root is not None
                 else f"Kho S3 “{current_app.config.get('S3_BUCKET')}”")
        raise BackupError(
            f"{where} không trống: có tệp “{first.key}”. Chỉ khôi phục vào một nơi lưu tệp trống."
        )


def restore_backup(archive_path: Path, echo: Echo = click.echo) -> Summary:
    started = time.monotonic()
    archive_path = archive_path.expanduser().absolute()
    if not archive_path.is_file():
        raise BackupError(f"Không tìm thấy tệp sao lưu {archive_path}.")
    dialect = dialect_name()
    summary = Summary()
    _check_target_empty()
    try:
        # Stream mode: one forward pass, whatever the size; gzip is recognised by its bytes.
        archive = tarfile.open(archive_path, mode="r|*")
    except tarfile.TarError:
        raise BackupError(f"Tệp {archive_path} không phải tệp .tar hoặc .tar.gz hợp lệ.") from None
    except OSError as error:
        raise BackupError(f"Không đọc được tệp sao lưu {archive_path} ({error}).") from None
    staging: Path | None = None
    try:
        with archive:
            first = archive.next()
            if first is None or first.name != MANIFEST_NAME or not first.isreg() or first.size > MAX_MANIFEST_BYTES:
                raise BackupError("Tệp này không phải bản sao lưu của hệ thống (không mở đầu bằng manifest.json).")
            try:
                manifest = json.loads(archive.extractfile(first).read().decode("utf-8"))
            except (ValueError, UnicodeDecodeError):
                raise BackupError("manifest.json trong bản sao lưu hỏng, không đọc được.") from None
            entries = _check_manifest(manifest, dialect)
            revision = (manifest.get("database") or {}).get("alembic_revision")
            summary.revision = revision
            if revision and not known_revision(revision):
                raise BackupError(
                    f"Bản sao lưu có lược đồ CSDL ở phiên bản {revision}, mới hơn phần mềm này biết. "
                    "Hãy cập nhật phần mềm lên phiên bản đã tạo bản sao lưu rồi khôi phục."
                )
            echo(
                f"Bản sao lưu tạo lúc {manifest.get('created_at')} (UTC), phần mềm phiên bản "
                f"{manifest.get('app_version') or 'không rõ'}, CSDL {DIALECT_LABELS[dialect]}, "
                f"{len(entries) - 1} tệp tải lên."
            )

            staging = store().scratch_folder()
            # Every member is read for exactly the size the manifest gives, so this bounds what a restore writes
            # (a small .tar.gz may unpack to any size): refuse now rather than fill the disk half-way.
            needed = sum(entry["size"] for entry in entries.values())
            free = shutil.disk_usage(staging).free
            if needed > free:
                raise BackupError(
                    f"Không đủ chỗ trống để khôi phục: bản sao lưu cần {_size(needed)} cho các tệp, thư mục tạm "
                    f"{staging.parent} chỉ còn {_size(free)}. Không khôi phục gì."
                )
            echo("Đang kiểm tra mã SHA-256 của từng tệp (chưa nạp gì)…")
            mtimes = _stage_members(archive, entries, staging, echo)
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as error:  # cut short or corrupted
        _discard(staging)
        raise BackupError(f"Tệp sao lưu hỏng, không đọc hết được ({error}). Không khôi phục gì.") from None
    except OSError as error:  # a full disk, a folder without write permission
        _discard(staging)
        raise BackupError(f"Không ghi được tệp tạm khi khôi phục ({error}). Không khôi phục gì.") from None
    except BaseException:
        _discard(staging)
        raise

    try:
        _check_target_empty()  # again: someone may have written meanwhile
        dump = staging / DUMP_NAMES[dialect]
        echo(f"Mọi tệp khớp manifest. Đang nạp cơ sở dữ liệu {DIALECT_LABELS[dialect]}…")
        load_database(dialect, dump)
        summary.database_bytes = entries[dump.name]["size"]
        dump.unlink()
    except BaseException:
        _discard(staging)
        raise

    echo(f"Đang đưa các tệp tải lên vào {_store_words()}…")
    uploads = [(name, entry) for name, entry in entries.items() if name.startswith(UPLOADS_PREFIX)]
    try:
        for name, entry in uploads:
            # One rename (local) or one completed upload (S3): the real name appears whole or not at all.
            store().put_file(name[len(UPLOADS_PREFIX):], staging / name, modified=mtimes[name])
            summary.files += 1
            summary.file_bytes += entry["size"]
    except (OSError, StorageUnavailable) as error:
        # The database is loaded and part of the files are in place: say so, and how to start again,
        # instead of a traceback; the staged copies (personal data) do not stay behind in a scratch folder.
        raise BackupError(
            f"Khôi phục CHƯA hoàn tất: CSDL đã nạp, nhưng mới đưa được {summary.files}/{len(uploads)} tệp vào "
            f"{_store_words()} thì gặp lỗi ({error}). Hãy khắc phục lỗi, tạo lại CSDL trống, làm trống nơi lưu tệp "
            "rồi chạy lại lệnh khôi phục."
        ) from None
    finally:
        _discard(staging)
    if revision and revision not in code_heads():
        summary.notes.append(
            "Lược đồ CSDL trong bản sao lưu cũ hơn phiên bản phần mềm này: chạy “flask --app wsgi db upgrade”."
        )
    elif not revision:
        summary.notes.append(
            "Bản sao lưu không ghi phiên bản lược đồ (CSDL không tạo bằng “flask db upgrade”)."
        )
    summary.seconds = time.monotonic() - started
    return summary


def _stage_members(archive: tarfile.TarFile, entries: dict[str, dict], staging: Path, echo: Echo) -> dict[str, float]:
    """Write every member under `staging`, hashing it on the way; refuse the archive at the first mismatch."""
    seen: dict[str, float] = {}
    total = len(entries)
    step = max(1, total // 10)
    while (member := archive.next()) is not None:
        entry = entries.get(member.name)
        if entry is None:
            raise BackupError(f"Bản sao lưu chứa tệp “{member.name}” không có trong manifest.json: bị sửa, không khôi phục.")
        if member.name in seen or not member.isreg():
            raise BackupError(f"Tệp “{member.name}” trong bản sao lưu không hợp lệ (trùng hoặc không phải tệp thường).")
        if member.size != entry["size"]:
            raise BackupError(
                f"Tệp “{member.name}” có kích thước {member.size} byte, manifest.json ghi {entry['size']} byte: "
                "bản sao lưu bị hỏng hoặc bị sửa. Không khôi phục gì."
            )
        target = staging / member.name
        target.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        source = archive.extractfile(member)
        with open(target, "wb") as handle:
            while chunk := source.read(CHUNK_BYTES):
                digest.update(chunk)
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        if digest.hexdigest() != entry["sha256"]:
            raise BackupError(
                f"Tệp “{member.name}” trong bản sao lưu không khớp mã SHA-256 ghi trong manifest.json "
                "(bản sao lưu bị hỏng hoặc bị sửa). Không khôi phục gì."
            )
        seen[member.name] = float(member.mtime)
        if len(seen) % step == 0:
            echo(f"  Đã kiểm tra {len(seen)}/{total} tệp.")
    missing = [name for name in entries if name not in seen]
    if missing:
        raise BackupError(
            f"Bản sao lưu thiếu {len(missing)} tệp có trong manifest.json, ví dụ “{missing[0]}”: "
            "bản sao lưu không đầy đủ. Không khôi phục gì."
        )
    return seen


def _discard(staging: Path | None) -> None:
    store().discard_scratch(staging)


# --- commands -----------------------------------------------------------------------------------------


@click.command("backup")
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help="Tệp sao lưu (.tar hoặc .tar.gz); mặc định dvkheo-sao-luu-<thời điểm UTC>.tar trong thư mục hiện tại.",
)
@with_appcontext
def backup_command(output: Path | None) -> None:
    """Sao lưu CSDL và các tệp tải lên vào một tệp duy nhất."""
    output = output or default_output()
    try:
        summary = create_backup(output)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    total = output.stat().st_size
    click.echo(
        f"Đã tạo bản sao lưu {output.absolute()} ({_size(total)}): CSDL {_size(summary.database_bytes)}, "
        f"{summary.files} tệp tải lên ({_size(summary.file_bytes)}), "
        f"phiên bản lược đồ {summary.revision or 'không rõ'}, trong {_seconds(summary.seconds)} giây."
    )
    click.echo("Tệp chứa dữ liệu cá nhân: chỉ lưu ở nơi an toàn, chỉ người có thẩm quyền được đọc.")


@click.command("restore")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def restore_command(path: Path) -> None:
    """Khôi phục một bản sao lưu vào CSDL và thư mục tệp tải lên đang trống."""
    try:
        summary = restore_backup(path)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        f"Đã khôi phục: CSDL {_size(summary.database_bytes)}, {summary.files} tệp tải lên "
        f"({_size(summary.file_bytes)}), trong {_seconds(summary.seconds)} giây."
    )
    for note in summary.notes:
        click.echo(note)


def _size(size: int) -> str:
    return format_filesize(size) if size else "0 KB"


def _seconds(value: float) -> str:
    return f"{value:.2f}".replace(".", ",")
