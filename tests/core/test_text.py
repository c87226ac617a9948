"""Vietnamese text helpers: dictionary order (đ after d, â after ă after a, tones last) and people by given name."""
from __future__ import annotations

import pytest

from dvkheo.core.text import person_sort_key, vietnamese_key


def test_words_sort_as_a_vietnamese_dictionary_does():
    words = ["Võ", "đá", "Dung", "da", "ê", "e", "ơn", "ôn", "on", "ăn", "ân", "an", "ưa", "ua"]
    assert sorted(words, key=vietnamese_key) == ["an", "ăn", "ân", "da", "Dung", "đá", "e", "ê", "on", "ôn", "ơn", "ua", "ưa", "Võ"]


def test_tones_order_ngang_huyen_hoi_nga_sac_nang():
    assert sorted(["má", "mạ", "mà", "mã", "ma", "mả"], key=vietnamese_key) == ["ma", "mà", "mả", "mã", "má", "mạ"]


def test_people_are_ordered_by_given_name_then_full_name():
    names = ["Phạm Văn Hùng", "Đỗ Thị Hạnh", "Võ Minh Quang", "Lê Văn An", "Nguyễn Thị An"]
    assert sorted(names, key=person_sort_key) == ["Lê Văn An", "Nguyễn Thị An", "Đỗ Thị Hạnh", "Phạm Văn Hùng", "Võ Minh Quang"]


@pytest.mark.parametrize(
    "typed, printed",
    [
        ("Hũ gạo tình thương", "“Hũ gạo tình thương”"),
        ("“““Hũ gạo tình thương”", "“Hũ gạo tình thương”"),  # stray quotes typed around a title
        ('"Hũ gạo"', "“Hũ gạo”"),
        ('Mô hình "Dân vận khéo" ở xã', "“Mô hình ‘Dân vận khéo’ ở xã”"),  # quotes inside become single
        ("“A” và “B”", "“‘A’ và ‘B’”"),  # two quoted parts are not one quoted title
    ],
)
def test_a_title_is_quoted_exactly_once(typed, printed):
    from dvkheo.core.text import quoted

    assert quoted(typed) == printed


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Chủ tịch Hội Nông dân Xã Tịnh Khê", "Chủ tịch Hội Nông dân xã Tịnh Khê"),
        ("tặng cho Phường Nghĩa Lộ, Tỉnh Quảng Ngãi", "tặng cho phường Nghĩa Lộ, tỉnh Quảng Ngãi"),
        ("Xã Tịnh Khê", "Xã Tịnh Khê"),  # the start of a line keeps its capital
        ("Ban Dân vận Tỉnh ủy Quảng Ngãi", "Ban Dân vận Tỉnh ủy Quảng Ngãi"),  # a Party committee, not a place
    ],
)
def test_place_nouns_are_lower_case_only_mid_sentence(text, expected):
    from dvkheo.core.text import in_running_text

    assert in_running_text(text) == expected
