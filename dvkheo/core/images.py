"""Resized copies of uploaded photos for the public pages, which must stay light on a phone.

Two sizes, both baseline JPEG with the EXIF orientation applied and every metadata block dropped
(EXIF, GPS, ICC): "small" is a 480×320 card picture cropped to 3:2 (so pages can state its width
and height), "medium" fits inside 1200×1200 without enlarging. They are made when an image is
stored (`storage.store_upload`) and, for files stored before that, on first request; either way
they are cached under UPLOAD_DIR/thumbs/<size>/ and written through a temporary name, so two
requests racing to make one never leave half a file. An unreadable image never raises: callers
get None and show nothing.
"""
from __future__ import annotations

import io
import logging
import os
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

log = logging.getLogger(__name__)

IMAGE_CONTENT_TYPES = frozenset({"image/jpeg", "image/png"})


@dataclass(frozen=True)
class Size:
    width: int
    height: int
    crop: bool  # True: exactly width×height (centre crop); False: fit inside, never enlarge
    quality: int


SIZES = {
    "small": Size(480, 320, crop=True, quality=75),
    "medium": Size(1200, 1200, crop=False, quality=78),
}
SMALL = SIZES["small"]


class ImageBroken(ValueError):
    """The bytes are not an image Pillow can read (or an absurdly large one)."""


def make_thumbnail(source: bytes | Path, size: str) -> bytes:
    """JPEG bytes of `source` resized to `size` ("small" or "medium"); raises ImageBroken."""
    spec = SIZES[size]
    if isinstance(source, bytes):
        stream: io.BufferedIOBase = io.BytesIO(source)
    else:
        stream = open(source, "rb")  # noqa: SIM115  (closed in `finally`)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(stream) as image:
                if image.format == "JPEG":
                    image.draft("RGB", (spec.width * 2, spec.height * 2))  # decode a 1/2..1/8 scale: fast, small
                image.load()
                image = ImageOps.exif_transpose(image)
                image = _to_rgb(image)
                if spec.crop:
                    image = ImageOps.fit(image, (spec.width, spec.height), Image.Resampling.LANCZOS)
                else:
                    image.thumbnail((spec.width, spec.height), Image.Resampling.LANCZOS)
                out = io.BytesIO()
                # A fresh save with no exif=/icc_profile= argument writes no metadata at all.
                image.save(out, "JPEG", quality=spec.quality, optimize=True, progressive=True)
                return out.getvalue()
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning, OSError,
            ValueError, SyntaxError, EOFError) as error:
        raise ImageBroken(str(error)) from error
    finally:
        stream.close()


def _to_rgb(image: Image.Image) -> Image.Image:
    """JPEG has no transparency: flatten onto white (a black background would hide dark drawings)."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        image = image.convert("RGBA")
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(image, mask=image.getchannel("A"))
        return background
    if image.mode != "RGB":
        return image.convert("RGB")
    return image


def thumbnail_path(stored_name: str, size: str) -> Path:
    from dvkheo.core.storage import path_for, upload_root

    path_for(stored_name)  # validates the name (no path tricks)
    if size not in SIZES:
        raise ValueError("unknown size")
    return upload_root() / "thumbs" / size / f"{stored_name.rsplit('.', 1)[0]}.jpg"


def ensure_thumbnail(stored_name: str, size: str) -> Path | None:
    """The cached resized copy, made now if missing; None when the original is missing or unreadable."""
    from dvkheo.core.storage import path_for

    target = thumbnail_path(stored_name, size)
    if target.is_file():
        return target
    original = path_for(stored_name)
    if not original.is_file():
        return None
    try:
        data = make_thumbnail(original, size)
    except ImageBroken as error:
        log.warning("Cannot make the %s thumbnail of %s: %s", size, stored_name, error)
        return None
    _write_atomically(target, data)
    return target


def create_thumbnails(stored_name: str) -> None:
    """Make every size now (called when an image is stored); never raises."""
    for size in SIZES:
        try:
            ensure_thumbnail(stored_name, size)
        except Exception:  # a thumbnail is a convenience: the upload itself must not fail for it
            log.exception("Thumbnail %s of %s failed", size, stored_name)


def discard_thumbnails(stored_name: str) -> None:
    for size in SIZES:
        try:
            thumbnail_path(stored_name, size).unlink(missing_ok=True)
        except ValueError:
            pass


def _write_atomically(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_path = tempfile.mkstemp(dir=target.parent, prefix=".thumb-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temp_path, target)
    except BaseException:
        Path(temp_path).unlink(missing_ok=True)
        raise
