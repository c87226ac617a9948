"""Resized photos for the public pages: small JPEGs, orientation applied, metadata gone, broken files harmless."""
from __future__ import annotations

import io

import pytest
from PIL import Image

from dvkheo.core import images
from dvkheo.core.storage import discard, store_upload


def _image_bytes(fmt: str, size=(2000, 1000), mode="RGB", colour=(200, 30, 30), **save) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, colour).save(out, fmt, **save)
    return out.getvalue()


def _open(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_small_thumbnail_of_a_png_is_a_480_by_320_jpeg():
    small = _open(images.make_thumbnail(_image_bytes("PNG"), "small"))
    assert (small.format, small.size) == ("JPEG", (480, 320))


def test_medium_thumbnail_fits_1200_and_keeps_the_shape():
    medium = _open(images.make_thumbnail(_image_bytes("JPEG", size=(4000, 3000)), "medium"))
    assert medium.format == "JPEG"
    assert medium.size == (1200, 900)


def test_medium_thumbnail_never_enlarges_a_small_photo():
    medium = _open(images.make_thumbnail(_image_bytes("JPEG", size=(300, 200)), "medium"))
    assert medium.size == (300, 200)


def test_thumbnail_applies_exif_orientation_and_drops_metadata():
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90°: a portrait photo stored landscape
    exif[0x010F] = "Máy ảnh của người chụp"  # Make
    original = _image_bytes("JPEG", size=(1600, 900), exif=exif.tobytes())
    medium = _open(images.make_thumbnail(original, "medium"))
    assert medium.size == (675, 1200)  # turned upright
    assert not medium.getexif()
    assert "exif" not in medium.info and "icc_profile" not in medium.info


def test_transparent_png_is_flattened_on_white():
    data = _image_bytes("PNG", size=(100, 100), mode="RGBA", colour=(0, 0, 0, 0))
    small = _open(images.make_thumbnail(data, "small"))
    assert small.mode == "RGB" and small.getpixel((10, 10)) == (255, 255, 255)


@pytest.mark.parametrize("data", [b"", b"not an image at all", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, b"\xff\xd8\xff" + b"\x00" * 40])
def test_broken_image_raises_image_broken(data):
    with pytest.raises(images.ImageBroken):
        images.make_thumbnail(data, "small")


def test_storing_an_image_makes_its_thumbnails_and_discard_removes_them(app):
    stored = store_upload(io.BytesIO(_image_bytes("JPEG")), "Ảnh hiện trường.jpg")
    paths = [images.thumbnail_path(stored.stored_name, size) for size in images.SIZES]
    assert all(path.is_file() for path in paths)
    assert _open(paths[0].read_bytes()).size == (480, 320)
    discard(stored.stored_name)
    assert not any(path.exists() for path in paths)


def test_ensure_thumbnail_of_a_broken_stored_image_is_none(app):
    stored = store_upload(io.BytesIO(b"\xff\xd8\xff" + b"\x00" * 100), "hỏng.jpg")  # sniffed as JPEG, unreadable
    assert images.ensure_thumbnail(stored.stored_name, "small") is None
    assert not images.thumbnail_path(stored.stored_name, "small").exists()
