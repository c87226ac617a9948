"""An issuer's own emblem for its certificates: a PNG or an SVG, checked by content before it is stored.

A PNG goes through the common upload checks (real PNG, pixel count before decoding). An SVG is text the PDF
renderer will read, so it is refused when it could run or fetch anything: a DOCTYPE or entity (entity
expansion), a script, an event handler, a foreign object, or a link to anything outside the file.
"""
from __future__ import annotations

import io
import os
import re
import tempfile
import uuid
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import BinaryIO

from dvkheo.core.storage import UploadRejected, clean_original_name, path_for, store_upload

EMBLEM_MAX_BYTES = 1024 * 1024
_ALLOWED_HREF = re.compile(r"^(#|data:image/(png|jpeg);base64,)", re.IGNORECASE)
_FORBIDDEN_ELEMENTS = {"script", "foreignobject", "iframe", "embed", "object", "audio", "video"}


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1].lower()


def svg_problem(data: bytes) -> str | None:
    """Why this SVG may not be stored (None: it is a plain drawing)."""
    head = data[:4096].lower()
    if b"<!doctype" in head or b"<!entity" in data.lower() or b"<?xml-stylesheet" in head:
        return "có khai báo DOCTYPE, ENTITY hoặc bảng kiểu ngoài"
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError:
        return "không phải tệp SVG hợp lệ"
    if _local(root.tag) != "svg":
        return "không phải tệp SVG hợp lệ"
    for element in root.iter():
        if _local(element.tag) in _FORBIDDEN_ELEMENTS:
            return f"chứa thành phần <{_local(element.tag)}>"
        for name, value in element.attrib.items():
            attribute = _local(name)
            if attribute.startswith("on"):
                return f"chứa thuộc tính sự kiện “{attribute}”"
            if attribute == "href" and not _ALLOWED_HREF.match(value.strip()):
                return "liên kết tới tệp hoặc địa chỉ bên ngoài"
            if "url(" in value.replace(" ", "").lower() and not re.search(r"url\(\s*['\"]?#", value, re.IGNORECASE):
                return "liên kết tới tệp hoặc địa chỉ bên ngoài"
    return None


def _looks_like_svg(data: bytes) -> bool:
    text = data[:1024].lstrip(b"\xef\xbb\xbf").lstrip()
    return text.startswith(b"<?xml") or text.startswith(b"<svg") or text.startswith(b"<!--") or b"<svg" in text


def store_emblem(stream: BinaryIO, original_name: str | None) -> str:
    """Check and store an emblem; returns its stored name. Raises UploadRejected with a Vietnamese message."""
    display_name = clean_original_name(original_name)
    data = stream.read(EMBLEM_MAX_BYTES + 1)
    if len(data) > EMBLEM_MAX_BYTES:
        raise UploadRejected(f"Biểu tượng “{display_name}” vượt quá 1 MB. Vui lòng dùng ảnh nhỏ hơn.")
    if not data:
        raise UploadRejected(f"Tệp “{display_name}” rỗng.")
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return store_upload(io.BytesIO(data), display_name, max_bytes=EMBLEM_MAX_BYTES).stored_name
    if not _looks_like_svg(data):
        raise UploadRejected(
            f"Biểu tượng “{display_name}” phải là ảnh PNG hoặc SVG (hệ thống kiểm tra nội dung tệp, không chỉ đuôi tên)."
        )
    problem = svg_problem(data)
    if problem:
        raise UploadRejected(f"Không nhận biểu tượng SVG “{display_name}”: tệp {problem}. Vui lòng xuất lại thành SVG đơn giản hoặc PNG.")
    stored_name = f"{uuid.uuid4().hex}.svg"
    target = path_for(stored_name)
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
    return stored_name
