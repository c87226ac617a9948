"""Where stored files live: one interface, a local folder or an S3-compatible bucket, chosen by configuration.

``STORAGE_BACKEND = "local"`` (the default) keeps files under ``UPLOAD_DIR``; several machines share it as
a network mount. ``STORAGE_BACKEND = "s3"`` keeps them in a bucket of any S3-protocol service (AWS, MinIO,
Ceph, a provincial data centre's object store), configured by ``S3_BUCKET``, ``S3_ENDPOINT_URL``,
``S3_REGION``, ``S3_ACCESS_KEY_ID``, ``S3_SECRET_ACCESS_KEY`` and ``S3_PREFIX``.

A file is named by a *key*: "ab/ab12….pdf" for an upload, "thumbs/small/ab12….jpg" for a resized photo,
"print-jobs/7/giay-khen-….pdf" for a print job's file. Both backends write a key whole or not at all: the
local one through a temporary name and one rename, S3 because an object appears only when its upload
completes. Work in progress (a print job's chunks, a restore's staged files) happens in a local
`scratch_folder` and is handed over with `put_file`.
"""
from __future__ import annotations

import errno
import os
import re
import shutil
import stat
import tempfile
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import Response, current_app, send_file

_SEGMENT = re.compile(r"[A-Za-z0-9_+\-][A-Za-z0-9_.+\-]{0,199}")


def check_key(key: str) -> str:
    """A key is a few plain segments: no "..", no leading dot (temporary names), no absolute path."""
    parts = key.split("/")
    if not key or len(parts) > 6 or not all(_SEGMENT.fullmatch(part) for part in parts):
        raise ValueError(f"invalid storage key {key!r}")
    return key


def is_valid_key(key: str) -> bool:
    try:
        check_key(key)
    except ValueError:
        return False
    return True


def is_work_in_progress(key: str) -> bool:
    """Names a writer is still filling: hidden temporary names and a print job's "<file>.part"."""
    return any(part.startswith(".") for part in key.split("/")) or key.endswith(".part")


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    modified: float  # seconds since the epoch


class StorageUnavailable(RuntimeError):
    """The store cannot be reached (an S3 endpoint down, a mount gone); shown as "try again later"."""


class FileStore(ABC):
    """What the app needs from a file store; every method takes checked keys."""

    label: str

    @abstractmethod
    def put_bytes(self, key: str, data: bytes) -> None:
        """Store `data` under `key`, whole or not at all (an OSError such as ENOSPC leaves nothing)."""

    @abstractmethod
    def put_file(self, key: str, source: Path, *, modified: float | None = None) -> None:
        """Hand a finished local file (ideally inside `scratch_folder`) over to the store; `source` is consumed."""

    @abstractmethod
    def read_bytes(self, key: str) -> bytes:
        """The whole file; FileNotFoundError when absent."""

    @abstractmethod
    def open_read(self, key: str) -> AbstractContextManager[BinaryIO]:
        """A stream of the file, for large files (backups); FileNotFoundError when absent."""

    @abstractmethod
    def size(self, key: str) -> int | None:
        """The file's size in bytes, or None when there is no such file."""

    def exists(self, key: str) -> bool:
        return self.size(key) is not None

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove the file if present."""

    @abstractmethod
    def list(self, prefix: str = "") -> Iterator[StoredObject]:
        """Every finished file whose key starts with `prefix`, in key order."""

    @abstractmethod
    def send(self, key: str, *, mimetype: str, as_attachment: bool = False, download_name: str | None = None,
             max_age: int | None = None, etag: str | bool = True) -> Response:
        """The file as an HTTP response, streamed; NotFound (404) when absent."""

    @abstractmethod
    def scratch_folder(self, label: str = "") -> Path:
        """A new private local folder for work in progress; the caller removes it (`discard_scratch`)."""

    def discard_scratch(self, folder: Path | None) -> None:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)

    @abstractmethod
    def check(self) -> None:
        """Raise StorageUnavailable when the store cannot be used (for /readyz)."""

    @property
    def local_root(self) -> Path | None:
        """The folder holding the files, for a local store (None for a remote one)."""
        return None


# --- a local folder ---------------------------------------------------------------------------------------


class LocalFileStore(FileStore):
    label = "thư mục"

    def __init__(self, root: Path):
        self.root = Path(root)

    @property
    def local_root(self) -> Path:
        return self.root

    def path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put_bytes(self, key: str, data: bytes) -> None:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp_path = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp_path, target)
        except BaseException:
            Path(temp_path).unlink(missing_ok=True)
            raise

    def put_file(self, key: str, source: Path, *, modified: float | None = None) -> None:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.replace(source, target)  # one rename: the name appears whole or not at all
        except OSError as error:
            if error.errno != 18:  # EXDEV: another filesystem; copy beside the target, then rename
                raise
            fd, temp_path = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
            try:
                with os.fdopen(fd, "wb") as handle, open(source, "rb") as original:
                    shutil.copyfileobj(original, handle, 1024 * 1024)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(temp_path, target)
            except BaseException:
                Path(temp_path).unlink(missing_ok=True)
                raise
            Path(source).unlink(missing_ok=True)
        _fsync_folder(target.parent)
        if modified is not None:
            os.utime(target, (modified, modified))

    def read_bytes(self, key: str) -> bytes:
        return self.path(key).read_bytes()

    @contextmanager
    def open_read(self, key: str) -> Iterator[BinaryIO]:
        with open(self.path(key), "rb") as handle:
            yield handle

    def size(self, key: str) -> int | None:
        try:
            path = self.path(key)
            return path.stat().st_size if path.is_file() else None
        except OSError:
            return None

    def delete(self, key: str) -> None:
        path = self.path(key)
        path.unlink(missing_ok=True)
        # Empty folders are left: another writer may be about to use them, and they cost nothing.

    def list(self, prefix: str = "") -> Iterator[StoredObject]:
        if not self.root.is_dir():
            return
        found: list[StoredObject] = []
        def unreadable(error: OSError) -> None:
            # os.walk skips a folder it cannot read, silently: a backup would miss its files, a restore take a
            # folder with files for an empty one. Say so instead.
            raise error

        for folder, directories, files in os.walk(self.root, onerror=unreadable):
            # Hidden folders are work in progress; lost+found is the filesystem's own (UPLOAD_DIR a mount point).
            directories[:] = [name for name in directories if not name.startswith(".")
                              and not (name == "lost+found" and Path(folder) == self.root)]
            for name in files:
                path = Path(folder) / name
                key = path.relative_to(self.root).as_posix()
                # A name the app never makes (a file copied in by hand) can be neither read nor restored: not listed.
                if (not key.startswith(prefix) or is_work_in_progress(key) or not is_valid_key(key)
                        or path.is_symlink()):
                    continue
                try:
                    stat = path.stat()
                except OSError:  # removed meanwhile
                    continue
                found.append(StoredObject(key, stat.st_size, stat.st_mtime))
        found.sort(key=lambda item: item.key)
        yield from found

    def send(self, key, *, mimetype, as_attachment=False, download_name=None, max_age=None, etag=True):
        from flask import abort

        path = self.path(key)
        if not path.is_file():
            abort(404)
        return send_file(path, mimetype=mimetype, as_attachment=as_attachment, download_name=download_name,
                         max_age=max_age, etag=etag, conditional=True)

    def scratch_folder(self, label: str = "") -> Path:
        # Inside the store (hidden, so never listed), so that `put_file` is one rename on the same filesystem.
        parent = self.root / check_key(label) if label else self.root
        parent.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=".work-", dir=parent))

    def check(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            if not os.access(self.root, os.W_OK):
                raise StorageUnavailable(f"{self.root} is not writable")
        except OSError as error:
            raise StorageUnavailable(str(error)) from error


def _private_folder(folder: Path) -> Path:
    """`folder`, made 0700 and checked to be our own real directory. Its name is fixed ("dvkheo-work" in /tmp by
    default), so another local account could have made it first, or put a symlink there, to read the print files
    and the restored files (personal data) staged under it, or swap them."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    try:
        folder.mkdir(mode=0o700)
    except FileExistsError:
        pass
    status = os.lstat(folder)
    if not stat.S_ISDIR(status.st_mode) or status.st_uid != os.geteuid():
        raise PermissionError(
            errno.EPERM,
            f"Thư mục tạm {folder} không phải thư mục riêng của tài khoản chạy ứng dụng (liên kết, hoặc của tài khoản "
            "khác): xóa nó, hoặc đặt SCRATCH_DIR tới một thư mục riêng",
            str(folder),
        )
    if stat.S_IMODE(status.st_mode) != 0o700:
        os.chmod(folder, 0o700)
    return folder


def _fsync_folder(folder: Path) -> None:
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


# --- an S3-compatible bucket ------------------------------------------------------------------------------


class S3FileStore(FileStore):
    label = "kho S3"

    def __init__(self, *, bucket: str, prefix: str = "", endpoint_url: str | None = None, region: str | None = None,
                 access_key_id: str | None = None, secret_access_key: str | None = None,
                 scratch_dir: str | None = None):
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self._settings = {
            "endpoint_url": endpoint_url or None,
            "region_name": region or None,
            "aws_access_key_id": access_key_id or None,
            "aws_secret_access_key": secret_access_key or None,
        }
        self.scratch_dir = Path(scratch_dir or tempfile.gettempdir()) / "dvkheo-work"
        self._client = None
        self._client_pid: int | None = None
        self._lock = threading.Lock()

    @property
    def client(self):
        # One client per process: gunicorn and RQ fork after the app is made, and a client's connection
        # pool must not be shared across a fork.
        if self._client is None or self._client_pid != os.getpid():
            with self._lock:
                if self._client is None or self._client_pid != os.getpid():
                    import boto3
                    from botocore.config import Config

                    config = Config(
                        connect_timeout=5, read_timeout=60, retries={"max_attempts": 3, "mode": "standard"},
                        s3={"addressing_style": "path"},
                    )
                    self._client = boto3.session.Session().client("s3", config=config, **self._settings)
                    self._client_pid = os.getpid()
        return self._client

    def _name(self, key: str) -> str:
        return self.prefix + check_key(key)

    @contextmanager
    def _errors(self, key: str | None = None):
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            yield
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code", ""))
            if code in ("404", "NoSuchKey", "NotFound") and key is not None:
                raise FileNotFoundError(key) from None
            raise StorageUnavailable(f"S3 {code}: {error}") from error
        except BotoCoreError as error:  # endpoint unreachable, timeouts
            raise StorageUnavailable(str(error)) from error

    def put_bytes(self, key: str, data: bytes) -> None:
        import hashlib
        import base64

        checksum = base64.b64encode(hashlib.md5(data).digest()).decode()  # noqa: S324 - integrity, not secrecy
        with self._errors():
            self.client.put_object(Bucket=self.bucket, Key=self._name(key), Body=data, ContentMD5=checksum)

    def put_file(self, key: str, source: Path, *, modified: float | None = None) -> None:
        with self._errors():
            self.client.upload_file(str(source), self.bucket, self._name(key))
        Path(source).unlink(missing_ok=True)

    def read_bytes(self, key: str) -> bytes:
        with self._errors(key):
            return self.client.get_object(Bucket=self.bucket, Key=self._name(key))["Body"].read()

    @contextmanager
    def open_read(self, key: str) -> Iterator[BinaryIO]:
        with self._errors(key):
            body = self.client.get_object(Bucket=self.bucket, Key=self._name(key))["Body"]
        try:
            yield body
        finally:
            body.close()

    def size(self, key: str) -> int | None:
        try:
            with self._errors(key):
                return int(self.client.head_object(Bucket=self.bucket, Key=self._name(key))["ContentLength"])
        except FileNotFoundError:
            return None

    def delete(self, key: str) -> None:
        with self._errors():
            self.client.delete_object(Bucket=self.bucket, Key=self._name(key))

    def list(self, prefix: str = "") -> Iterator[StoredObject]:
        paginator = self.client.get_paginator("list_objects_v2")
        with self._errors():
            for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix + prefix):
                for item in page.get("Contents", []):
                    key = item["Key"][len(self.prefix):]
                    if is_work_in_progress(key) or not is_valid_key(key):
                        continue
                    yield StoredObject(key, int(item["Size"]), item["LastModified"].timestamp())

    def send(self, key, *, mimetype, as_attachment=False, download_name=None, max_age=None, etag=True):
        from flask import abort

        try:
            with self._errors(key):
                answer = self.client.get_object(Bucket=self.bucket, Key=self._name(key))
        except FileNotFoundError:
            abort(404)
        body = answer["Body"]
        response = send_file(body, mimetype=mimetype, as_attachment=as_attachment,
                             download_name=download_name or key.rsplit("/", 1)[-1], max_age=max_age,
                             etag=etag if isinstance(etag, str) else answer.get("ETag", "").strip('"') or False,
                             conditional=True, last_modified=answer.get("LastModified"))
        response.content_length = int(answer["ContentLength"])
        response.call_on_close(body.close)
        return response

    def scratch_folder(self, label: str = "") -> Path:
        root = _private_folder(self.scratch_dir)
        parent = root / check_key(label) if label else root
        parent.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=".work-", dir=parent))

    def check(self) -> None:
        with self._errors():
            self.client.head_bucket(Bucket=self.bucket)


# --- the app's store --------------------------------------------------------------------------------------

BACKENDS = ("local", "s3")


def make_store(config) -> FileStore:
    backend = (config.get("STORAGE_BACKEND") or "local").strip().lower()
    if backend == "local":
        return LocalFileStore(Path(config["UPLOAD_DIR"]))
    if backend == "s3":
        if not config.get("S3_BUCKET"):
            raise RuntimeError("STORAGE_BACKEND=s3 needs S3_BUCKET (and S3_ENDPOINT_URL for a non-AWS service).")
        return S3FileStore(
            bucket=config["S3_BUCKET"], prefix=config.get("S3_PREFIX") or "",
            endpoint_url=config.get("S3_ENDPOINT_URL"), region=config.get("S3_REGION"),
            access_key_id=config.get("S3_ACCESS_KEY_ID"), secret_access_key=config.get("S3_SECRET_ACCESS_KEY"),
            scratch_dir=config.get("SCRATCH_DIR"),
        )
    raise RuntimeError(f"STORAGE_BACKEND must be one of {', '.join(BACKENDS)} (got {backend!r}).")


def store() -> FileStore:
    """The current app's store, made on first use from its configuration (tests change UPLOAD_DIR freely)."""
    app = current_app._get_current_object()
    signature = (app.config.get("STORAGE_BACKEND"), app.config.get("UPLOAD_DIR"), app.config.get("S3_BUCKET"),
                 app.config.get("S3_ENDPOINT_URL"), app.config.get("S3_PREFIX"))
    cached = app.extensions.get("dvkheo_filestore")
    if cached is None or cached[0] != signature:
        cached = (signature, make_store(app.config))
        app.extensions["dvkheo_filestore"] = cached
    return cached[1]
