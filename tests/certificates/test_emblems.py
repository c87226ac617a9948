"""An issuer's own emblem: what an upload may contain, and that the certificate prints it."""
from __future__ import annotations

import io

import pdfplumber
import pytest
import sqlalchemy as sa
from PIL import Image

from dvkheo.certificates import render
from dvkheo.certificates.emblems import MAX_EMBLEM_BYTES, check_emblem, load_emblem, store_emblem
from dvkheo.certificates.models import Certificate
from dvkheo.core.storage import UploadRejected
from dvkheo.extensions import db

MM = 72 / 25.4
CLEAN_SVG = (
    b'<?xml version="1.0"?>\n<!-- drawn by the office -->\n'
    b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 10 10">'
    b'<defs><circle id="c" cx="5" cy="5" r="4"/></defs><use xlink:href="#c" fill="#c4161c"/></svg>'
)


def png_bytes(size=(64, 64), color=(196, 22, 28, 255)) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", size, color).save(out, format="PNG")
    return out.getvalue()


def test_a_png_is_accepted_and_re_encoded():
    data = png_bytes() + b"trailing bytes a viewer would ignore"

    kind, cleaned = check_emblem(data, "bieu-tuong.png")

    assert kind == "png"
    assert cleaned.startswith(b"\x89PNG") and b"trailing bytes" not in cleaned
    assert Image.open(io.BytesIO(cleaned)).size == (64, 64)


def test_a_plain_svg_is_accepted_without_its_comments():
    kind, cleaned = check_emblem(CLEAN_SVG, "bieu-tuong.svg")

    assert kind == "svg"
    assert b"<svg" in cleaned and b"drawn by the office" not in cleaned
    assert b'href="#c"' in cleaned  # a reference inside the file is harmless


@pytest.mark.parametrize(
    "svg, why",
    [
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "<script>"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><p>x</p></foreignObject></svg>', "<foreignobject>"),
        (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "onload"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><image href="https://example.com/a.png"/></svg>', "bên ngoài"),
        (b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
         b'<image xlink:href="file:///etc/passwd"/></svg>', "bên ngoài"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><rect style="fill: url(https://example.com/x)"/></svg>', "url("),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><style>@import "https://example.com/a.css";</style></svg>', "@import"),
        (b'<!DOCTYPE svg [<!ENTITY a "aaaa">]><svg xmlns="http://www.w3.org/2000/svg">&a;</svg>', "DOCTYPE"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><set attributeName="href" to="javascript:x"/></svg>', "<set>"),
        (b'<!--' + b"x" * 5000 + b'--><!DOCTYPE svg SYSTEM "http://example.com/a.dtd"><svg xmlns="http://www.w3.org/2000/svg"/>',
         "không dùng được"),  # refused however far down it hides
        (b'<svg xmlns="http://www.w3.org/2000/svg"><animate attributeName="href" values="javascript:x"/></svg>', "<animate>"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><style>rect { fill: url(http://example.com/x) }</style></svg>', "bên ngoài"),
        (b'<svg><rect/></svg>', "thẻ gốc"),  # no SVG namespace: not an SVG image
        (b'<svg xmlns="http://www.w3.org/2000/svg"><rect></svg>', "cú pháp"),
    ],
)
def test_an_svg_that_could_run_or_fetch_anything_is_refused_with_a_reason(svg, why):
    with pytest.raises(UploadRejected) as refused:
        check_emblem(svg, "bieu-tuong.svg")

    message = str(refused.value)
    assert message.startswith("Tệp biểu tượng “bieu-tuong.svg” không dùng được")
    assert why in message


@pytest.mark.parametrize(
    "data, name",
    [
        (b"\xff\xd8\xff\xe0" + b"\0" * 100, "anh.jpg"),
        (b"%PDF-1.7\n", "bieu-tuong.svg"),  # judged by content, not by its name
        (b"", "rong.png"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "hong.png"),
    ],
)
def test_other_files_are_refused(data, name):
    with pytest.raises(UploadRejected):
        check_emblem(data, name)


def test_an_oversized_or_huge_emblem_is_refused():
    with pytest.raises(UploadRejected, match="KB"):
        check_emblem(b"<svg " + b" " * MAX_EMBLEM_BYTES + b"/>", "lon.svg")
    with pytest.raises(UploadRejected, match="điểm ảnh"):
        check_emblem(png_bytes(size=(2500, 10)), "dai.png")


def nested_use_svg(levels: int, fan_out: int = 10) -> bytes:
    """The reviewer's bomb: each level draws the one below `fan_out` times (2 KB for ten levels: 10^10 circles)."""
    groups = ['<g id="l0"><circle cx="50" cy="50" r="40" fill="red"/></g>']
    for level in range(1, levels + 1):
        groups.append(f'<g id="l{level}">' + f'<use href="#l{level - 1}"/>' * fan_out + "</g>")
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"><defs>{"".join(groups)}</defs>'
            f'<use href="#l{levels}"/></svg>').encode()


@pytest.mark.parametrize("levels", [4, 10])
def test_an_svg_whose_use_references_multiply_the_drawing_is_refused_at_once(levels):
    import time

    started = time.perf_counter()
    with pytest.raises(UploadRejected) as refused:
        check_emblem(nested_use_svg(levels), "bom.svg")

    assert "hơn 4.000 hình" in str(refused.value)
    assert time.perf_counter() - started < 1  # judged without drawing anything


def test_a_reference_cycle_is_refused():
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><g id="a"><use href="#b"/></g><g id="b"><use href="#a"/></g></svg>'
    with pytest.raises(UploadRejected, match="tham chiếu vòng"):
        check_emblem(svg, "vong.svg")


def test_an_emblem_that_repeats_a_star_with_use_is_accepted():
    # Two levels of ten: a hundred circles, a busy but honest drawing.
    kind, _ = check_emblem(nested_use_svg(2), "ngoi-sao.svg")
    assert kind == "svg"


def test_a_bomb_stored_before_the_check_is_not_drawn_and_the_certificate_still_prints(app):
    from dvkheo.core.storage import write_new_file

    stored = write_new_file(nested_use_svg(10), "svg")  # as if uploaded before the limit existed

    assert load_emblem(stored) is None  # the placeholder prints instead, in milliseconds


@pytest.mark.parametrize("kind", ["png", "svg"])
def test_an_uploaded_emblem_prints_at_the_top_of_the_certificate(app, make_council_result, make_issued_decision, kind):
    result = make_council_result(passed=1)
    data = png_bytes() if kind == "png" else CLEAN_SVG
    result.award_form.emblem_file = store_emblem(data, f"bieu-tuong.{kind}")
    db.session.commit()
    decision = make_issued_decision(result)
    certificate = db.session.scalars(sa.select(Certificate).where(Certificate.decision_id == decision.id)).one()
    assert load_emblem(result.award_form.emblem_file)[0] == kind

    pdf = render.render_certificates_pdf(render.load_for_print([certificate.id]))

    with pdfplumber.open(io.BytesIO(pdf)) as document:
        page = document.pages[0]
        if kind == "png":
            (image,) = page.images
            box = (image["x0"], image["top"], image["x1"], image["bottom"])
        else:  # an SVG is drawn as paths: the emblem's red disc
            red = [shape for shape in page.curves + page.rects
                   if isinstance(shape.get("non_stroking_color"), (tuple, list)) and len(shape["non_stroking_color"]) == 3
                   and tuple(shape["non_stroking_color"]) == pytest.approx((196 / 255, 22 / 255, 28 / 255), abs=0.01)
                   and shape["top"] < 35 * MM]
            assert red
            box = (min(s["x0"] for s in red), min(s["top"] for s in red), max(s["x1"] for s in red),
                   max(s["bottom"] for s in red))
        text = page.extract_text()
    centre_x = (box[0] + box[2]) / 2
    assert centre_x == pytest.approx(297 / 2 * MM, abs=2 * MM)  # centred
    assert box[1] < 35 * MM  # at the top, above the header lines
    assert "BIỂU TƯỢNG" not in text  # the placeholder's label is gone


def test_without_an_upload_the_system_placeholder_is_drawn(make_council_result, make_issued_decision):
    result = make_council_result(passed=1)
    decision = make_issued_decision(result)
    certificate = db.session.scalars(sa.select(Certificate).where(Certificate.decision_id == decision.id)).one()

    html = render.certificates_html([certificate])

    assert "static/img/emblem-placeholder-party.svg" in html
