"""Search by words, the same in every search box (nominations, screening inbox, units, accounts, council
candidates, the public gallery), on SQLite and PostgreSQL alike.

Each searchable row keeps a stored column of its words, padded with spaces so that a word is found with a
portable ``LIKE '% word %'``:

    " ho tro nong dan xanh sach dep ... hỗ trợ nông dân sạch đẹp "

first every word folded (lower case, no diacritics, đ as d), then the words that had diacritics, as written
(lower case, NFC, the look-alike Ð/ð as Đ/đ, one tone placement for "hoà"/"hòa"). A word typed without
diacritics is looked up among the folded words ("dan van kheo" finds "Dân vận khéo"); a word typed with them
is looked up as written ("đỏ" does not find "do", "động" or "đoàn"; "Trường" does not find "Trưởng").
Punctuation and hyphens separate words ("xanh-sạch-đẹp" finds "xanh - sạch - đẹp"). Every word of the query
must be a whole word of the row, except the last, which may be the start of a word, as when one is still
typing ("kh" finds "khéo").
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Union

import sqlalchemy as sa

from dvkheo.core.text import fold

# Ð/ð (Icelandic eth, U+00D0/U+00F0) and Ɖ/ɖ (African D) look like Đ/đ and are typed for it.
_LOOKALIKES = str.maketrans({"Ð": "đ", "ð": "đ", "Ɖ": "đ", "ɖ": "đ", "Đ": "đ"})
# A word: letters and digits; anything else (spaces, punctuation, hyphens, "_", "%") separates words.
_WORD = re.compile(r"[^\W_]+")
_TONES = frozenset("\u0300\u0301\u0303\u0309\u0323")  # huyền, sắc, ngã, hỏi, nặng
# Open syllables whose tone is written on either vowel: "hoà"/"hòa", "khoẻ"/"khỏe", "thuỷ"/"thủy" (not "quý").
_MOVABLE_TONE = re.compile(r"(?:o[ae]|(?<!q)uy)$")

MAX_WORDS = 12  # a pasted paragraph is not a query; the first words are enough

Target = Union[sa.ColumnElement, Callable[[str], sa.ColumnElement[bool]]]


def _one_tone_placement(word: str) -> str:
    """"hoà" and "hòa" as one spelling (the tone on the first vowel of a final oa, oe, uy)."""
    decomposed = unicodedata.normalize("NFD", word)
    tones = [char for char in decomposed if char in _TONES]
    if len(tones) != 1:
        return word
    toneless = unicodedata.normalize("NFC", "".join(char for char in decomposed if char not in _TONES))
    if not _MOVABLE_TONE.search(toneless):
        return word
    at = len(toneless) - 2
    return unicodedata.normalize("NFC", toneless[:at] + toneless[at] + tones[0] + toneless[at + 1:])


def words(text: str | None) -> list[str]:
    """The words of `text` as written, in lower case: "Xanh-Sạch-Đẹp!" -> ["xanh", "sạch", "đẹp"]."""
    if not text:
        return []
    normal = unicodedata.normalize("NFC", text.translate(_LOOKALIKES).lower())
    return [_one_tone_placement(word) for word in _WORD.findall(normal)]


def search_text(*parts: str | None, limit: int | None = None) -> str:
    """The stored search column for a row made of `parts` ("" when there is no word). With `limit` (the
    column's length), whole words are left off the end to fit: the diacritic forms first."""
    written = words(" ".join(part for part in parts if part))
    folded = [fold(word) for word in written]
    every = folded + list(dict.fromkeys(word for word, plain in zip(written, folded) if word != plain))
    while every and limit is not None and sum(len(word) + 1 for word in every) + 1 > limit:
        every.pop()
    return f" {' '.join(every)} " if every else ""


def query_words(query: str | None) -> list[str]:
    """The distinct words of a query, in the order typed, at most MAX_WORDS."""
    return list(dict.fromkeys(words(query)))[:MAX_WORDS]


def _patterns(query: str | None) -> list[str]:
    typed = query_words(query)
    # Only the last word may be unfinished. Words hold neither "%" nor "_", so nothing needs escaping.
    return [f"% {word} %" for word in typed[:-1]] + [f"% {word}%" for word in typed[-1:]]


def matches(query: str | None, *targets: Target) -> sa.ColumnElement[bool]:
    """A condition: every word of `query` is in one of `targets`, each a stored search column (see
    `search_text`) or a function turning a LIKE pattern into a condition (for a related row's column, e.g.
    ``lambda p: Nomination.unit.has(Unit.search_text.like(p))``). An empty query matches every row, one of
    punctuation only ("%", "--") none."""
    if not query_words(query):
        return sa.false() if query and query.strip() else sa.true()
    conditions = []
    for pattern in _patterns(query):
        alternatives = [target.like(pattern) if hasattr(target, "like") else target(pattern) for target in targets]
        conditions.append(sa.or_(*alternatives))
    return sa.and_(sa.true(), *conditions)


def matches_text(query: str | None, text: str | None) -> bool:
    """The same test in Python, for lists already in memory."""
    if not query_words(query):
        return not (query and query.strip())
    stored = search_text(text)
    return all(pattern.strip("%") in stored for pattern in _patterns(query))
