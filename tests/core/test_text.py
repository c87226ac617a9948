"""Vietnamese text helpers: dictionary order (đ after d, â after ă after a, tones last) and people by given name."""
from __future__ import annotations

from dvkheo.core.text import person_sort_key, vietnamese_key


def test_words_sort_as_a_vietnamese_dictionary_does():
    words = ["Võ", "đá", "Dung", "da", "ê", "e", "ơn", "ôn", "on", "ăn", "ân", "an", "ưa", "ua"]
    assert sorted(words, key=vietnamese_key) == ["an", "ăn", "ân", "da", "Dung", "đá", "e", "ê", "on", "ôn", "ơn", "ua", "ưa", "Võ"]


def test_tones_order_ngang_huyen_hoi_nga_sac_nang():
    assert sorted(["má", "mạ", "mà", "mã", "ma", "mả"], key=vietnamese_key) == ["ma", "mà", "mả", "mã", "má", "mạ"]


def test_people_are_ordered_by_given_name_then_full_name():
    names = ["Phạm Văn Hùng", "Đỗ Thị Hạnh", "Võ Minh Quang", "Lê Văn An", "Nguyễn Thị An"]
    assert sorted(names, key=person_sort_key) == ["Lê Văn An", "Nguyễn Thị An", "Đỗ Thị Hạnh", "Phạm Văn Hùng", "Võ Minh Quang"]
