"""Resized photos for the public pages: small JPEGs, orientation applied, metadata gone, broken files harmless;
and the pixel cap that keeps a decompression bomb from being decoded at all."""
from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from dvkheo.core import images
from dvkheo.core.storage import UploadRejected, discard, path_for, store_upload


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


# --- the pixel cap (decompression bombs) ------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]


def _bomb(path: Path) -> Path:
    """9,400 × 9,400 pixels in a few KB: ~88 MB as a bitmap, ~350 MB as RGB, more while resizing.

    Striped rather than blank: an all-zero image can decode into zero pages the kernel never makes
    resident, and then the unguarded measurement may not see the bomb at all."""
    row = bytes([0b01010101]) * (9400 // 8 + 1)
    Image.frombytes("1", (9400, 9400), row * 9400).save(path, "PNG")
    return path


def _stored_files(app) -> list[Path]:
    return [p for p in Path(app.config["UPLOAD_DIR"]).rglob("*") if p.is_file() and not p.name.startswith(".")]


def test_a_pixel_bomb_is_refused_by_its_header_and_nothing_is_stored(app, tmp_path):
    data = _bomb(tmp_path / "bom.png").read_bytes()
    before = _stored_files(app)

    with pytest.raises(UploadRejected) as refused:
        store_upload(io.BytesIO(data), "Ảnh toàn cảnh.png")

    assert str(refused.value).startswith("Ảnh quá lớn: 9.400 × 9.400 điểm ảnh, tối đa 40 triệu điểm ảnh.")
    assert "“Ảnh toàn cảnh.png”" in str(refused.value)
    assert _stored_files(app) == before


def test_pillow_itself_refuses_anything_above_the_cap():
    # Everywhere in the process (WeasyPrint included): Pillow raises from twice its limit, i.e. from the cap.
    assert Image.MAX_IMAGE_PIXELS * 2 == images.DEFAULT_MAX_PIXELS


_CHILD = r"""
import io, json, resource, sys
from PIL import Image
from config import TestingConfig
from dvkheo import create_app
from dvkheo.core.storage import UploadRejected, store_upload

class ChildConfig(TestingConfig):
    UPLOAD_DIR = sys.argv[2]

app = create_app(ChildConfig)
data = open(sys.argv[1], "rb").read()
peak = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux


def virtual_peak():  # KiB: what was allocated, resident or not (a busy host may keep part of it out of RAM)
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmPeak:"))

with app.app_context():
    warm = io.BytesIO()
    Image.new("RGB", (64, 48)).save(warm, "PNG")
    store_upload(io.BytesIO(warm.getvalue()), "warm.png")  # every module and plugin loaded before measuring
    before, virtual_before = peak(), virtual_peak()
    if sys.argv[3] == "guarded":
        try:
            store_upload(io.BytesIO(data), "bom.png")
            outcome = "stored"
        except UploadRejected as error:
            outcome = str(error)
    else:  # what a thumbnail did before the cap: decode and convert
        Image.MAX_IMAGE_PIXELS = None
        Image.open(io.BytesIO(data)).convert("RGB")
        outcome = "decoded"
    print(json.dumps({"grown_mb": (peak() - before) / 1024, "allocated_mb": (virtual_peak() - virtual_before) / 1024,
                      "outcome": outcome}))
"""


def _child(bomb: Path, uploads: Path, mode: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", _CHILD, str(bomb), str(uploads), mode],
        cwd=ROOT, capture_output=True, text=True, timeout=120, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_refusing_a_pixel_bomb_keeps_memory_growth_under_100_mb(tmp_path):
    """Measured in a fresh process (peak RSS before and after one upload), against the same process
    decoding the file as the thumbnailer used to: the measurement must be able to see the difference."""
    bomb = _bomb(tmp_path / "bom.png")
    (tmp_path / "uploads").mkdir()

    guarded = _child(bomb, tmp_path / "uploads", "guarded")
    unguarded = _child(bomb, tmp_path / "uploads", "unguarded")

    assert guarded["outcome"].startswith("Ảnh quá lớn: 9.400 × 9.400 điểm ảnh")
    assert guarded["grown_mb"] < 100, guarded
    assert guarded["allocated_mb"] < 100, guarded
    # The same bytes decoded: the measurement must see the bomb. Its resident peak shows ~350 MB on an idle machine
    # but far less on a busy host (15 MB once), so the control is the memory the decoder asked for (VmPeak): the
    # whole 9,400 × 9,400 RGB buffer, 337 MB, however much of it is resident.
    assert unguarded["allocated_mb"] > 300, (guarded, unguarded)


def test_an_image_just_under_the_cap_is_accepted_and_one_just_over_is_not(app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_IMAGE_PIXELS", 1_000_000)

    stored = store_upload(io.BytesIO(_image_bytes("PNG", size=(1000, 1000))), "vừa đủ.png")
    assert path_for(stored.stored_name).is_file()
    assert images.thumbnail_path(stored.stored_name, "small").is_file()
    with pytest.raises(UploadRejected, match="Ảnh quá lớn: 1.001 × 1.000 điểm ảnh, tối đa 1 triệu điểm ảnh."):
        store_upload(io.BytesIO(_image_bytes("JPEG", size=(1001, 1000))), "hơi lớn.jpg")


def test_a_bomb_stored_before_the_cap_gets_no_thumbnail_and_is_never_decoded(app, tmp_path, monkeypatch):
    name = "ab" * 16 + ".png"
    target = path_for(name)
    target.parent.mkdir(parents=True, exist_ok=True)
    _bomb(target)

    def never(*_args, **_kwargs):
        raise AssertionError("the bomb was decoded")

    monkeypatch.setattr(Image.Image, "load", never)
    monkeypatch.setattr("PIL.ImageFile.ImageFile.load", never)

    assert images.ensure_thumbnail(name, "small") is None
    assert not images.thumbnail_path(name, "small").exists()


def test_a_lower_cap_is_checked_before_decoding_when_thumbnailing(app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_IMAGE_PIXELS", 100 * 100)

    with pytest.raises(images.ImageTooLarge, match="Ảnh quá lớn: 101 × 100 điểm ảnh, tối đa 10.000 điểm ảnh."):
        images.make_thumbnail(_image_bytes("PNG", size=(101, 100)), "small")


def test_a_large_accepted_png_is_thumbnailed_without_copying_it_at_full_size(tmp_path):
    """A 36-megapixel PNG (under the cap) has no reduced decoding: it is shrunk once right after
    decoding, so the upload costs about one decoded copy (144 MB of RGBA), not three (430 MB before)."""
    photo = tmp_path / "so-do.png"
    Image.new("RGBA", (6000, 6000), (20, 120, 60, 255)).save(photo, "PNG")
    (tmp_path / "uploads").mkdir()

    stored = _child(photo, tmp_path / "uploads", "guarded")

    assert stored["outcome"] == "stored"
    assert stored["grown_mb"] < 250, stored
    assert len(list((tmp_path / "uploads" / "thumbs").rglob("*.jpg"))) == 4  # two for the warm-up image, two for this one
