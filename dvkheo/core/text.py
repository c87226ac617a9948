"""Text folding so that search ignores Vietnamese diacritics ("dan van kheo" finds "Dân vận khéo")."""
from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def fold(text: str | None) -> str:
    """Lower-case, strip diacritics, map đ to d, collapse spaces."""
    if not text:
        return ""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return _SPACES.sub(" ", stripped.lower()).strip()


def like_pattern(term: str) -> str:
    """A LIKE pattern for a folded search term; escapes the wildcards the user typed."""
    folded = fold(term).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{folded}%"


def format_filesize(size: int) -> str:
    """Sizes as Vietnamese readers write them: "850 KB", "2,4 MB"."""
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    return f"{size / (1024 * 1024):.1f} MB".replace(".", ",")


# Vietnamese dictionary order: ă, â after a; đ after d; ê after e; ô, ơ after o; ư after u; then the
# tones ngang, huyền, hỏi, ngã, sắc, nặng. Code-point order would put "Đỗ" after "Võ".
_ALPHABET = "aăâbcdđeêghiklmnoôơpqrstuưvxy"
_LETTER_RANK = {letter: rank for rank, letter in enumerate(_ALPHABET)}
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}


def vietnamese_key(text: str | None) -> tuple:
    """A sort key that orders Vietnamese words as a dictionary does, case-insensitively."""
    letters, tones = [], []
    for char in unicodedata.normalize("NFC", (text or "").lower()):
        parts = unicodedata.normalize("NFD", char)
        tone = next((_TONES[mark] for mark in parts if mark in _TONES), 0)
        shape = unicodedata.normalize("NFC", "".join(mark for mark in parts if mark not in _TONES))
        letters.append(_LETTER_RANK.get(shape, 100 + ord(shape[0]) if shape else 0))
        tones.append(tone)
    return tuple(letters), tuple(tones)


def person_sort_key(full_name: str | None) -> tuple:
    """People as Vietnamese lists order them: by given name (the last word), then by the full name."""
    words = (full_name or "").split()
    return vietnamese_key(words[-1] if words else ""), vietnamese_key(full_name)
