"""Uploaded files: checked by content and size, stored outside static/ under generated names.

Files go to the configured store (`dvkheo.core.filestore`), which writes a name whole or not at all,
so a crash never leaves a half-written file under a real name. A stored file with no database row (a failed or
abandoned form) is harmless and is removed by `flask uploads prune`.
"""
from __future__ import annotations

import errno
import hashlib
import io
import re
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import current_app

from dvkheo.core.filestore import StorageUnavailable, store

ALLOWED_DESCRIPTION = "PDF, JPEG, PNG, DOCX hoặc XLSX"

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class UploadRejected(ValueError):
    """An upload that may not be stored; the message is shown to the user as is."""


@dataclass(frozen=True)
class StoredFile:
    stored_name: str
    original_name: str
    content_type: str
    size_bytes: int
    sha256: str


def sniff_kind(head: bytes, stream: BinaryIO) -> str | None:
    """The file's real kind from its bytes, ignoring its name."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"PK\x03\x04"):
        stream.seek(0)
        try:
            with zipfile.ZipFile(stream) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile:
            return None
        finally:
            stream.seek(0)
        if "[Content_Types].xml" not in names:
            return None
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
    return None


def _refuse_zip_bomb(buffer: io.BytesIO, display_name: str) -> None:
    """A Word or Excel file is a zip: judged by its directory (entries, unpacked size) before anyone
    downloads and opens it, as the imports judge a workbook before reading it."""
    from dvkheo.core.tables import zip_problem

    try:
        with zipfile.ZipFile(buffer) as archive:
            problem = zip_problem(archive, display_name)
    finally:
        buffer.seek(0)
    if problem:
        raise UploadRejected(
            f"Tệp “{display_name}” chứa dữ liệu nén bất thường (quá nhiều thành phần, hoặc quá lớn khi giải nén). "
            "Vui lòng mở tệp bằng Word hoặc Excel, lưu lại rồi gửi lại."
        )


_UNSAFE_NAME_CHARS = re.compile(r'[\x00-\x1f<>:"|?*]')


def clean_original_name(raw: str | None) -> str:
    """Keep the user's (often Vietnamese) name as data, minus any path and control characters."""
    name = unicodedata.normalize("NFC", raw or "")
    name = name.replace("\\", "/").split("/")[-1]
    name = _UNSAFE_NAME_CHARS.sub("", name).strip().lstrip(".")
    return name[:200] or "tep-dinh-kem"


def key_for(stored_name: str) -> str:
    """The store's key of an upload's generated name ("ab/ab12….pdf"); ValueError for anything else."""
    if not re.fullmatch(r"[0-9a-f]{32}\.[a-z]{3,4}", stored_name or ""):
        raise ValueError("invalid stored name")
    return f"{stored_name[:2]}/{stored_name}"


def path_for(stored_name: str) -> Path:
    """Where a local store keeps an upload (maintenance scripts and tests; the app itself goes through the store)."""
    root = store().local_root
    if root is None:
        raise RuntimeError("path_for needs the local file store (STORAGE_BACKEND=local)")
    return root / key_for(stored_name)


def upload_root() -> Path:
    root = store().local_root
    if root is None:
        raise RuntimeError("upload_root needs the local file store (STORAGE_BACKEND=local)")
    return root


UPLOAD_KEY = re.compile(r"[0-9a-f]{2}/[0-9a-f]{32}\.[a-z]{3,4}")


def read_stored(stored_name: str) -> bytes:
    """The bytes of a stored upload; FileNotFoundError when absent, ValueError for a malformed name."""
    return store().read_bytes(key_for(stored_name))


def send_stored(stored_name: str, **options):
    """A stored upload as a response (404 when the name is malformed or the file is gone)."""
    from flask import abort

    try:
        key = key_for(stored_name)
    except ValueError:
        abort(404)
    return store().send(key, **options)


def write_new_file(data: bytes, extension: str) -> str:
    """Write checked bytes under a fresh random name, whole or not at all; returns the name."""
    stored_name = f"{uuid.uuid4().hex}.{extension}"
    try:
        store().put_bytes(key_for(stored_name), data)
    except OSError as error:
        _refuse_when_full(error)
        raise
    except StorageUnavailable as error:
        # Refused like a bad file, so that the form comes back with everything the person typed.
        raise UploadRejected(STORAGE_UNAVAILABLE) from error
    return stored_name


STORAGE_FULL = (
    "Máy chủ đã hết chỗ lưu tệp nên tệp chưa được lưu (không có phần nào của tệp được giữ lại). "
    "Vui lòng báo quản trị hệ thống, rồi gửi lại sau."
)


STORAGE_UNAVAILABLE = (
    "Kho lưu tệp tạm thời không phản hồi nên tệp chưa được lưu. Nội dung khác bạn đã nhập vẫn còn trên trang; "
    "vui lòng đợi ít phút rồi gửi lại tệp."
)


def _refuse_when_full(error: OSError) -> None:
    """A full disk (or quota) is the server's state, not a bug: the user is told, in words, instead of a 500."""
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        raise UploadRejected(STORAGE_FULL) from error


def store_upload(stream: BinaryIO, original_name: str | None, *, max_bytes: int | None = None) -> StoredFile:
    """Check and store one upload; raises UploadRejected with a Vietnamese message."""
    max_bytes = max_bytes or current_app.config["MAX_FILE_BYTES"]
    display_name = clean_original_name(original_name)
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise UploadRejected(
            f"Tệp “{display_name}” vượt quá {max_bytes // (1024 * 1024)} MB. Vui lòng nén hoặc chia nhỏ tệp."
        )
    if not data:
        raise UploadRejected(f"Tệp “{display_name}” rỗng.")
    buffer = io.BytesIO(data)
    kind = sniff_kind(data[:16], buffer)
    if kind is None:
        raise UploadRejected(
            f"Tệp “{display_name}” không phải tệp {ALLOWED_DESCRIPTION} hợp lệ (hệ thống kiểm tra nội dung tệp, không chỉ đuôi tên)."
        )
    if kind in ("docx", "xlsx"):
        _refuse_zip_bomb(buffer, display_name)
    if kind in ("jpeg", "png"):
        # Dimensions from the header, before anything is written or decoded (decompression bombs).
        from dvkheo.core.images import ImageTooLarge, check_pixels

        try:
            check_pixels(buffer, kind.upper())
        except ImageTooLarge as too_large:
            raise UploadRejected(
                f"{too_large} Tệp “{display_name}” chưa được lưu; vui lòng thu nhỏ ảnh rồi tải lên lại."
            ) from None
    stored_name = write_new_file(data, "jpg" if kind == "jpeg" else kind)
    if kind in ("jpeg", "png"):
        # The public gallery shows resized copies only; make them now, while the file is at hand.
        from dvkheo.core.images import create_thumbnails

        create_thumbnails(stored_name)
    return StoredFile(
        stored_name=stored_name,
        original_name=display_name,
        content_type=CONTENT_TYPES[kind],
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )


def discard(stored_name: str) -> None:
    from dvkheo.core.images import discard_thumbnails

    try:
        store().delete(key_for(stored_name))
    except ValueError:
        pass
    discard_thumbnails(stored_name)
