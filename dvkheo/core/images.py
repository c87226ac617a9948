"""Resized copies of uploaded photos for the public pages, which must stay light on a phone.

Two sizes, both baseline JPEG with the EXIF orientation applied and every metadata block dropped
(EXIF, GPS, ICC): "small" is a 480×320 card picture cropped to 3:2 (so pages can state its width
and height), "medium" fits inside 1200×1200 without enlarging. They are made when an image is
stored (`storage.store_upload`) and, for files stored before that, on first request; either way
they are cached in the file store under "thumbs/<size>/", which writes a name whole or not at all,
so two requests racing to make one never leave half a file. An unreadable image never raises: callers
get None and show nothing.

Decompression bombs: a 250 KB PNG can declare 9,400 × 9,400 pixels and take ~730 MB once decoded.
An image's dimensions are read from its header first (`check_pixels`, no pixel decoded) and an image
over `MAX_IMAGE_PIXELS` (config, 40 million by default) is refused when uploaded and never thumbnailed.
Behind that, Pillow itself refuses to open anything larger anywhere in the process (also inside
WeasyPrint): `Image.MAX_IMAGE_PIXELS` is set to half the cap, the point where Pillow raises
DecompressionBombError instead of warning.
"""
from __future__ import annotations

import io
import logging
import warnings
from dataclasses import dataclass
from pathlib import Path

from flask import current_app, has_app_context
from PIL import Image, ImageOps, UnidentifiedImageError

from config import Config

log = logging.getLogger(__name__)

DEFAULT_MAX_PIXELS = 40_000_000


def pillow_limit(max_pixels: int) -> int:
    """Pillow warns above `Image.MAX_IMAGE_PIXELS` and raises above twice that."""
    return max(max_pixels // 2, 1)


# Process-wide, from the environment (`MAX_IMAGE_PIXELS`): the last line of defence.
Image.MAX_IMAGE_PIXELS = pillow_limit(getattr(Config, "MAX_IMAGE_PIXELS", DEFAULT_MAX_PIXELS))

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


class ImageTooLarge(ImageBroken):
    """More pixels than `MAX_IMAGE_PIXELS`; the message is Vietnamese and names both sizes."""

    def __init__(self, width: int, height: int, limit: int):
        self.width, self.height, self.limit = width, height, limit
        super().__init__(
            f"Ảnh quá lớn: {_number(width)} × {_number(height)} điểm ảnh, tối đa {_pixels_text(limit)} điểm ảnh."
        )


def _number(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def _pixels_text(limit: int) -> str:
    """40_000_000 → "40 triệu"; 2_500_000 → "2,5 triệu"; 250_000 → "250.000"."""
    if limit >= 1_000_000 and limit % 100_000 == 0:
        millions = f"{limit / 1_000_000:.1f}".rstrip("0").rstrip(".").replace(".", ",")
        return f"{millions} triệu"
    return _number(limit)


def max_pixels() -> int:
    """The cap of the running app (tests may lower it), else the process default."""
    if has_app_context():
        return int(current_app.config.get("MAX_IMAGE_PIXELS") or DEFAULT_MAX_PIXELS)
    return int(getattr(Config, "MAX_IMAGE_PIXELS", DEFAULT_MAX_PIXELS))


def header_size(stream: io.BufferedIOBase, image_format: str) -> tuple[int, int] | None:
    """Width and height read from the header of a PNG or JPEG, decoding no pixel; None if unreadable.

    Pillow's format plugin is called directly: `Image.open` would refuse a bomb before we could
    learn its size, and the refusal must name it."""
    Image.init()
    try:
        factory, _accept = Image.OPEN[image_format]
        stream.seek(0)
        return factory(stream, None).size  # not closed: that would close the caller's stream
    except Exception:  # noqa: BLE001  (any damaged header: "unreadable", decided elsewhere)
        return None
    finally:
        stream.seek(0)


def check_pixels(stream: io.BufferedIOBase, image_format: str, limit: int | None = None) -> None:
    """Raise ImageTooLarge when the header declares more than `limit` pixels (default: `max_pixels()`)."""
    limit = limit or max_pixels()
    size = header_size(stream, image_format)
    if size is not None and size[0] * size[1] > limit:
        raise ImageTooLarge(size[0], size[1], limit)


def make_thumbnail(source: bytes | Path, size: str) -> bytes:
    """JPEG bytes of `source` resized to `size` ("small" or "medium"); raises ImageBroken."""
    spec = SIZES[size]
    if isinstance(source, bytes):
        stream: io.BufferedIOBase = io.BytesIO(source)
    else:
        stream = open(source, "rb")  # noqa: SIM115  (closed in `finally`)
    try:
        limit = max_pixels()
        with warnings.catch_warnings():
            # Pillow warns from half the cap on; the cap itself is checked just below, before decoding.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(stream) as image:
                if image.width * image.height > limit:
                    raise ImageTooLarge(image.width, image.height, limit)
                if image.format == "JPEG":
                    image.draft("RGB", (spec.width * 2, spec.height * 2))  # decode a 1/2..1/8 scale: fast, small
                image.load()
                # A PNG decodes at full size (no draft mode): shrink it by a whole factor at once, so the
                # rotation and colour conversion below copy a small image, not a 100 MB one.
                factor = min(image.width // (spec.width * 2), image.height // (spec.height * 2))
                if factor >= 2:
                    image = image.reduce(factor)
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
    except ImageTooLarge:
        raise
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


def thumbnail_key(stored_name: str, size: str) -> str:
    from dvkheo.core.storage import key_for

    key_for(stored_name)  # validates the name (no path tricks)
    if size not in SIZES:
        raise ValueError("unknown size")
    return f"thumbs/{size}/{stored_name.rsplit('.', 1)[0]}.jpg"


def thumbnail_path(stored_name: str, size: str) -> Path:
    """Where a local store keeps a resized copy (maintenance scripts and tests)."""
    from dvkheo.core.storage import upload_root

    return upload_root() / thumbnail_key(stored_name, size)


def ensure_thumbnail(stored_name: str, size: str) -> str | None:
    """The key of the cached resized copy, made now if missing; None when the original is missing or unreadable."""
    from dvkheo.core.filestore import store
    from dvkheo.core.storage import read_stored

    target = thumbnail_key(stored_name, size)
    if store().exists(target):
        return target
    try:
        original = read_stored(stored_name)
    except FileNotFoundError:
        return None
    try:
        data = make_thumbnail(original, size)
    except ImageBroken as error:
        log.warning("Cannot make the %s thumbnail of %s: %s", size, stored_name, error)
        return None
    # Two requests may make the same copy at once: each writes whole, the last rename wins, both are equal.
    store().put_bytes(target, data)
    return target


def create_thumbnails(stored_name: str) -> None:
    """Make every size now (called when an image is stored); never raises."""
    for size in SIZES:
        try:
            ensure_thumbnail(stored_name, size)
        except Exception:  # a thumbnail is a convenience: the upload itself must not fail for it
            log.exception("Thumbnail %s of %s failed", size, stored_name)


def discard_thumbnails(stored_name: str) -> None:
    from dvkheo.core.filestore import store

    for size in SIZES:
        try:
            store().delete(thumbnail_key(stored_name, size))
        except ValueError:
            pass


