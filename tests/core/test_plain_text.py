"""Issue 11 polish: one check, shared by the forms, that a typed text holds no character nobody can see."""
from __future__ import annotations

import pytest

from dvkheo.core.fields import hidden_character


@pytest.mark.parametrize("text, found", [
    ("BAN DÂN VẬN", None),
    ("TỈNH ỦY\u00a0QUẢNG NGÃI", None),  # a no-break space is a space
    ("Ban Dân vận Tỉnh ủy 🇻🇳", None),
    ("BAN\x00 DÂN VẬN", "U+0000 (ký tự điều khiển)"),
    ("BAN DÂN\x1f VẬN", "U+001F (ký tự điều khiển)"),
    ("BAN\tDÂN VẬN", "U+0009 (ký tự điều khiển)"),
    ("BAN DÂN\u200b VẬN", "U+200B (khoảng trắng không độ rộng)"),
    ("\u202eNẬV NÂD NAB", "U+202E (ký tự đổi chiều chữ)"),
    ("BAN \u2066DÂN\u2069 VẬN", "U+2066 (ký tự đổi chiều chữ)"),
    ("BAN DÂN VẬN\ufffe", "U+FFFE (ký tự không dùng trong văn bản)"),
    ("BAN \ufdd0DÂN VẬN", "U+FDD0 (ký tự không dùng trong văn bản)"),
    ("\ufeffBAN DÂN VẬN", "U+FEFF (dấu BOM)"),
])
def test_single_line(text, found):
    assert hidden_character(text) == found


def test_a_text_area_keeps_its_tabs_and_line_breaks_only():
    assert hidden_character("dòng một\r\n\tdòng hai\n", multiline=True) is None
    assert hidden_character("dòng một\n\x07dòng hai", multiline=True) == "U+0007 (ký tự điều khiển)"
    assert hidden_character("dòng một\u2028dòng hai", multiline=True).startswith("U+2028")
