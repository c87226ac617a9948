"""Text folding so that search ignores Vietnamese diacritics ("dan van kheo" finds "Dân vận khéo")."""
from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
# Đ/đ, and the letters that look like it and are typed for it: Ð/ð (U+00D0/U+00F0), Ɖ/ɖ.
_D_LETTERS = str.maketrans({"đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "ɖ": "d", "Ɖ": "D"})


def fold(text: str | None) -> str:
    """Lower-case, strip diacritics, map đ (and the look-alike ð, U+00F0) to d, collapse spaces."""
    if not text:
        return ""
    text = text.translate(_D_LETTERS)
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return _SPACES.sub(" ", stripped.lower()).strip()


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


# Nested quotation in Vietnamese: the inner pair becomes single quotes.
_OPEN_QUOTES = "“«"
_CLOSE_QUOTES = "”»"


def _nested_well(text: str) -> bool:
    depth = 0
    for char in text:
        if char in _OPEN_QUOTES:
            depth += 1
        elif char in _CLOSE_QUOTES:
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def quoted(text: str | None) -> str:
    """“Hũ gạo tình thương”, however the title was typed: already quoted, with straight quotes, or with stray
    quotes around it. Never ““…”” or “““…”; quotes inside become ‘…’."""
    inner = " ".join((text or "").split())
    while inner:
        opens = sum(inner.count(q) for q in _OPEN_QUOTES)
        closes = sum(inner.count(q) for q in _CLOSE_QUOTES)
        if inner[0] in _OPEN_QUOTES and inner[-1] in _CLOSE_QUOTES and _nested_well(inner[1:-1]):
            inner = inner[1:-1].strip()
        elif inner[0] in _OPEN_QUOTES and opens > closes:
            inner = inner[1:].strip()
        elif inner[-1] in _CLOSE_QUOTES and closes > opens:
            inner = inner[:-1].strip()
        elif len(inner) >= 2 and inner[0] == inner[-1] == '"' and inner.count('"') == 2:
            inner = inner[1:-1].strip()
        else:
            break
    inner = inner.replace("“", "‘").replace("”", "’").replace("«", "‘").replace("»", "’")
    inner = re.sub(r'"([^"]*)"', r"‘\1’", inner)
    return f"“{inner}”"


# The generic noun before a place's proper name is written in lower case inside a sentence (Decree 30, Appendix II):
# "Hội Nông dân xã Tịnh Khê", "tại tỉnh Quảng Ngãi". At the start of a sentence or a line it keeps its capital.
_PLACE_NOUN = re.compile(
    r"(?<=[^\s.!?:\n(])(\s+)(Xã|Phường|Thị trấn|Thị xã|Huyện|Quận|Tỉnh|Thành phố|Đặc khu|Thôn|Tổ dân phố|Khu phố)(\s+)(\w)"
)


def in_running_text(text: str | None) -> str:
    """A place noun in mid-sentence, lower-cased: "Chủ tịch Hội Nông dân Xã Tịnh Khê" -> "... xã Tịnh Khê".

    Only before a proper name: "Tỉnh ủy", "Huyện ủy" (a Party committee) keep their capital."""

    def lower(match: re.Match) -> str:
        if not match.group(4).isupper():
            return match.group(0)
        noun = match.group(2)
        return match.group(1) + noun[0].lower() + noun[1:] + match.group(3) + match.group(4)

    return _PLACE_NOUN.sub(lower, text or "")


_SENTENCE_ENDS = (".", "!", "?", "…", ":", ";")


def as_sentence(text: str | None) -> str:
    """Typed text closed as one sentence inside a message: "Thiếu biên bản" and "Thiếu biên bản." both give
    "Thiếu biên bản.", so a reason quoted in a notification never ends in ".."."""
    text = (text or "").strip()
    if not text or text.endswith(_SENTENCE_ENDS):
        return text.rstrip(":;").rstrip() + ("." if text.endswith((":", ";")) else "")
    return text + "."
