"""An issuer's own emblem for its certificates: a PNG or an SVG, checked by content when uploaded and again
when printed, and kept outside static/ like every upload.

`check_emblem(data, name)` is what an upload form calls: it returns ("png" | "svg", cleaned bytes) or
raises `UploadRejected` with a Vietnamese message. The cleaned PNG is re-encoded by Pillow (no metadata,
no trailing data); the cleaned SVG is re-serialised from its parsed tree, and an SVG that could run or
fetch anything (a script, an event handler, a foreignObject, an animation, a link outside itself, a
DOCTYPE) is refused rather than quietly trimmed, so that what the issuer sees is what prints.
`store_emblem` writes the cleaned bytes under a generated name (for `AwardForm.emblem_file`);
`load_emblem` gives them back to the certificate renderer, checked once more.
"""
from __future__ import annotations

import io
import logging
import re

from dvkheo.core.storage import UploadRejected, clean_original_name, read_stored, write_new_file

logger = logging.getLogger(__name__)

MAX_EMBLEM_BYTES = 1024 * 1024
# An emblem prints about 18 mm wide: 2,000 pixels a side is already 2,800 dpi.
MAX_EMBLEM_SIDE = 2000
CONTENT_TYPES = {"png": "image/png", "svg": "image/svg+xml"}

SVG_NAMESPACE = "http://www.w3.org/2000/svg"
XLINK_NAMESPACE = "http://www.w3.org/1999/xlink"
# Elements that run code, embed another document, or change the drawing after it is loaded.
FORBIDDEN_ELEMENTS = {
    "script", "foreignobject", "iframe", "embed", "object", "audio", "video", "canvas",
    "animate", "animatemotion", "animatetransform", "animatecolor", "set", "handler", "listener",
    # A marker is drawn again at every vertex of every path that names it: an emblem has no use for one.
    "marker",
}
_EXTERNAL_URL = re.compile(r"url\(\s*['\"]?\s*(?!#)", re.IGNORECASE)
_LOCAL_URL = re.compile(r"url\(\s*['\"]?\s*#([^)'\"\s]+)", re.IGNORECASE)
# What the renderer draws once every <use> and url(#…) is expanded. A 2 KB file of nested <use> expands
# tenfold per level (ten levels: 10^10 shapes) and held every PDF of the app for minutes; WeasyPrint takes about
# 0.4 ms a shape, so this bound keeps an emblem under two seconds. A real emblem draws a few hundred.
MAX_DRAWN_SHAPES = 4000


def _refuse(display_name: str, why: str) -> UploadRejected:
    return UploadRejected(f"Tệp biểu tượng “{display_name}” không dùng được: {why}")


def _local_name(tag) -> str:
    if not isinstance(tag, str):  # comments and processing instructions
        return ""
    return tag.rsplit("}", 1)[-1].casefold()


def _check_png(data: bytes, display_name: str) -> bytes:
    from PIL import Image, UnidentifiedImageError

    from dvkheo.core.images import ImageTooLarge, check_pixels

    buffer = io.BytesIO(data)
    try:
        check_pixels(buffer, "PNG")
    except ImageTooLarge as too_large:
        raise _refuse(display_name, f"{too_large}") from None
    buffer.seek(0)
    try:
        with Image.open(buffer) as image:
            if image.format != "PNG":
                raise _refuse(display_name, "tệp không phải ảnh PNG hợp lệ.")
            if max(image.size) > MAX_EMBLEM_SIDE:
                raise _refuse(
                    display_name,
                    f"ảnh {image.size[0]} × {image.size[1]} điểm ảnh, lớn hơn mức {MAX_EMBLEM_SIDE} điểm ảnh mỗi cạnh; "
                    "vui lòng thu nhỏ ảnh rồi tải lên lại.",
                )
            image.load()
            cleaned = image.convert("RGBA") if image.mode not in ("RGB", "RGBA", "L", "LA") else image.copy()
    except UploadRejected:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise _refuse(display_name, "ảnh PNG bị hỏng, không đọc được.") from None
    out = io.BytesIO()
    cleaned.save(out, format="PNG", optimize=False)
    return out.getvalue()


def _check_svg(data: bytes, display_name: str) -> bytes:
    from lxml import etree

    lowered = data.lower()
    if b"<!doctype" in lowered or b"<!entity" in lowered:
        raise _refuse(display_name, "tệp SVG có khai báo DOCTYPE hoặc ENTITY; vui lòng xuất lại tệp SVG thuần.")
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False,
        remove_comments=True, remove_pis=True,
    )
    try:
        root = etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError:
        raise _refuse(display_name, "tệp SVG bị lỗi cú pháp, không đọc được.") from None
    if root.tag != f"{{{SVG_NAMESPACE}}}svg":
        raise _refuse(display_name, "tệp không phải ảnh SVG (thẻ gốc phải là <svg>).")
    for element in root.iter():
        name = _local_name(element.tag)
        if not name:
            continue
        if name in FORBIDDEN_ELEMENTS:
            raise _refuse(display_name, f"tệp SVG chứa thành phần <{name}> (mã lệnh, nội dung nhúng hoặc hiệu ứng động).")
        for attribute, value in element.attrib.items():
            attribute_name = _local_name(attribute)
            if attribute_name.startswith("on"):
                raise _refuse(display_name, f"tệp SVG chứa thuộc tính sự kiện “{attribute_name}”.")
            if attribute_name == "href" and not value.strip().startswith("#"):
                raise _refuse(display_name, "tệp SVG liên kết tới tệp hoặc địa chỉ bên ngoài; chỉ được tham chiếu trong chính tệp.")
            if _EXTERNAL_URL.search(value):
                raise _refuse(display_name, "tệp SVG tham chiếu url(...) ra bên ngoài tệp.")
        if name == "style" and element.text and (_EXTERNAL_URL.search(element.text) or "@import" in element.text.lower()):
            raise _refuse(display_name, "tệp SVG có CSS nạp tài nguyên bên ngoài (@import hoặc url(...)).")
    drawn = _drawn_shapes(root, display_name)
    if drawn > MAX_DRAWN_SHAPES:
        raise _refuse(display_name, f"tệp SVG vẽ hơn {_count(MAX_DRAWN_SHAPES)} hình khi triển khai các tham chiếu "
                                    "<use> (mức tối đa của một biểu tượng); vui lòng xuất lại tệp SVG đơn giản hơn.")
    return etree.tostring(root, encoding="utf-8", xml_declaration=True)


def _count(number: int) -> str:
    return f"{number:,}".replace(",", ".")


def _drawn_shapes(root, display_name: str) -> int:
    """How many elements the renderer draws once <use> and url(#id) references are expanded (capped just above
    the limit, so a bomb is measured in microseconds); a reference cycle is refused."""
    # lxml hands out proxy objects; holding every one alive keeps each node's proxy (and its id()) the same.
    elements = list(root.iter())
    by_id = {element.get("id"): element for element in elements if isinstance(element.tag, str) and element.get("id")}
    cap = MAX_DRAWN_SHAPES + 1
    weights: dict[int, int] = {}
    in_progress: set[int] = set()

    def references(element) -> list:
        targets = []
        for attribute, value in element.attrib.items():
            if _local_name(attribute) == "href" and value.strip().startswith("#"):
                targets.append(by_id.get(value.strip()[1:]))
            targets += [by_id.get(found) for found in _LOCAL_URL.findall(value)]
        return [target for target in targets if target is not None]

    def weight(element) -> int:
        key = id(element)
        if key in weights:
            return weights[key]
        if key in in_progress:
            raise _refuse(display_name, "tệp SVG có tham chiếu vòng (một phần tử dùng lại chính nó).")
        in_progress.add(key)
        total = 1
        for child in element:
            if isinstance(child.tag, str):
                total = min(cap, total + weight(child))
        for target in references(element):
            total = min(cap, total + weight(target))
        in_progress.discard(key)
        weights[key] = total
        return total

    drawn = weight(root)
    del elements
    return drawn


def check_emblem(data: bytes, name: str | None = None) -> tuple[str, bytes]:
    """("png" | "svg", cleaned bytes) of an uploaded emblem, judged by its content; raises UploadRejected."""
    display_name = clean_original_name(name)
    if not data:
        raise _refuse(display_name, "tệp rỗng.")
    if len(data) > MAX_EMBLEM_BYTES:
        raise _refuse(display_name, f"tệp lớn hơn {MAX_EMBLEM_BYTES // 1024} KB; vui lòng dùng ảnh nhỏ hơn.")
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png", _check_png(data, display_name)
    text_head = data[:512].lstrip(b"\xef\xbb\xbf").lstrip()
    if text_head.startswith(b"<") and b"<svg" in data[:4096].lower():
        return "svg", _check_svg(data, display_name)
    raise _refuse(
        display_name,
        "chỉ nhận ảnh PNG hoặc SVG (hệ thống kiểm tra nội dung tệp, không chỉ đuôi tên).",
    )


def store_emblem(data: bytes, name: str | None = None) -> str:
    """Check `data` and store its cleaned bytes under a generated name; returns that name (for `emblem_file`)."""
    kind, cleaned = check_emblem(data, name)
    return write_new_file(cleaned, kind)


def load_emblem(stored_name: str | None) -> tuple[str, bytes] | None:
    """The stored emblem, checked again, or None (missing, unreadable or refused: the drawn placeholder prints)."""
    if not stored_name:
        return None
    try:
        data = read_stored(stored_name)
        return check_emblem(data, stored_name)
    except (OSError, ValueError) as problem:  # UploadRejected is a ValueError
        logger.warning("Emblem %r not printed: %s", stored_name, problem)
        return None


def emblems_in_use(*, campaign_id: int | None = None) -> set[str]:
    """Stored emblem files some row still needs: an award form's current one, or one an issued decision froze for
    its certificates (`Decision.certificate_snapshot`), within one campaign or everywhere.

    Such a file is never deleted when an award form's emblem is replaced: the decision's certificates reprint with it."""
    import sqlalchemy as sa

    from dvkheo.awards.models import AwardForm, Decision
    from dvkheo.extensions import db

    forms = sa.select(AwardForm.emblem_file).where(AwardForm.emblem_file.is_not(None))
    snapshots = sa.select(Decision.certificate_snapshot).where(Decision.certificate_snapshot.is_not(None))
    if campaign_id is not None:
        forms = forms.where(AwardForm.campaign_id == campaign_id)
        snapshots = snapshots.where(Decision.campaign_id == campaign_id)
    used = set(db.session.scalars(forms))
    for snapshot in db.session.scalars(snapshots):
        used.update(look.get("emblem_file") for look in (snapshot or {}).values() if isinstance(look, dict))
    used.discard(None)
    return used
