"""Whether a signed copy says what the issued decision says: its text against the decision's own PDF.

A signature proves who signed a file, not which text; the number line on page 1 proves only that the
file claims to be the decision. So the whole text of the upload is compared with the text of the
decision as the app renders it (`decision_pdf()`), both read with pypdf in the same way:

- Every name in the annexed list (for a revocation: every revoked awardee) appears as many times in the
  copy as in the decision. A left-out awardee is "thiếu tên"; an awardee listed twice is refused too.
- Nothing is added and nothing is left out. The texts are compared word by word (NFC, case folded,
  punctuation and line breaks ignored, a date as "15/6/2022" however it was written; difflib.SequenceMatcher
  on the word lists). What may differ is only
  what a different layout of the same text produces: words broken or joined at a line end ("02-QĐ/BDV" +
  "TU"), page numbers, a passage of three words or more repeated (a table header on every page), a word
  moved by another reading order. Any other word in the copy is new content ("Kẻ Giả Mạo", "500.000.000",
  a changed article, an extra annex row) and any other word of the decision missing from the copy is
  left-out content. This is the "no awardee beyond the record" rule, and stricter: a name, a serial, an
  amount or a row that the decision does not have cannot be added without adding words.
- The share of the decision's words found in the copy in the same order is at least COVERAGE_MIN, as a
  safeguard for the rules above: their word moves are judged one word at a time, so a text with all the
  right words in a scrambled order would pass them. Measured: the decision's own PDF signed as is, 100 %;
  the decision's Word file (.docx export) converted to PDF by LibreOffice, 99-100 % (the differences are
  page numbers, a table header repeated on page 3 and a serial broken inside a narrow cell). 90 % leaves
  room for a PDF producer that reads a table's cells in another order, and no more.

The secretary may retype the decision in Word and change punctuation or line breaks; wording may not
change, since the decision was issued as the app holds it.
"""
from __future__ import annotations

import io
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from difflib import SequenceMatcher

COVERAGE_MIN = 0.9
REPEATED_PASSAGE_MIN = 3  # words: a repeated table header or heading, never a lone word moved into a sentence
SHOWN_PASSAGES = 3  # passages quoted in the refusal, each side
SHOWN_WORDS = 12  # words of each quoted passage
# A real copy has about as many pages as the decision (another layout, a little more or less); a file with
# far more pages is not this decision, and its text is not read to the end.
PAGE_ALLOWANCE = 5

# A word, with what joins its parts without a space: "500.000.000", "04/12/2026", "01-QĐ/BDVTU", "DVK26-AB3D-3YYS".
_WORD = re.compile(r"\w+(?:[.,/\-]\w+)*")
_NON_WORD = re.compile(r"\W+")


def normalise(text: str) -> str:
    """Loose comparison: one spacing, no spaces around "/" and "-", and "Đ" however the PDF wrote it."""
    text = unicodedata.normalize("NFC", text or "")
    # Some fonts map Đ to the look-alike Icelandic eth; some text layers break lines inside the symbol.
    text = text.replace("\u00d0", "\u0110").replace("\u00f0", "\u0111")
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"\s*([/\-–])\s*", r"\1", text).replace("–", "-")
    return text


# A date written either way Vietnamese documents write it: "15/6/2022", "15-06-2022", "15 tháng 6 năm 2022". The app
# itself cites dates in the system's style (the State writes them out), and that style has changed between
# versions: a decision signed before an update must still match its re-rendered text.
_DATE_NUMERIC = re.compile(r"(?<![\w/.\-])(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})(?![\w/\-])")
_DATE_WORDS = re.compile(r"(?<![\w/.\-])(\d{1,2}) tháng (\d{1,2}) năm (\d{4})(?![\w/\-])", re.IGNORECASE)


def _canonical_dates(text: str) -> str:
    """Every date as "15/6/2022": one word, whichever way it was written."""
    def canonical(match: re.Match) -> str:
        return f"{int(match.group(1))}/{int(match.group(2))}/{match.group(3)}"

    return _DATE_NUMERIC.sub(canonical, _DATE_WORDS.sub(canonical, text))


def words(text: str) -> list[str]:
    """The words of `text` as written (case kept, for quoting), each date in one spelling."""
    return _WORD.findall(_canonical_dates(normalise(text)))


def _folded(items: list[str]) -> list[str]:
    return [word.casefold() for word in items]


def _squeezed(items: list[str]) -> str:
    """Letters and digits only: the same text however its words were broken, joined or punctuated."""
    return _NON_WORD.sub("", "".join(items))


def page_texts(data: bytes, max_pages: int | None = None) -> list[str]:
    """Each page's text as pypdf reads it, without the page number a header or footer prints on it alone."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    texts = []
    for number, page in enumerate(reader.pages[:max_pages] if max_pages else reader.pages, start=1):
        texts.append(_without_page_number(page.extract_text() or "", number))
    return texts


def page_count(data: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(data)).pages)


def _without_page_number(text: str, number: int) -> str:
    """The page's own number stands alone on its first or last line (the app prints it at the end of the text
    layer, Word at the start); another layout puts it on another page, so it is not part of the content."""
    lines = text.splitlines()
    if lines and lines[-1].strip() == str(number):
        lines = lines[:-1]
    if lines and lines[0].strip() == str(number):
        lines = lines[1:]
    return "\n".join(lines)


def _name_pattern(name: str) -> re.Pattern | None:
    parts = _folded(words(name))
    if not parts:
        return None
    # Between the words of a name: any spacing or line break, as a table cell wraps it.
    return re.compile(r"(?<!\w)" + r"\W*".join(re.escape(part) for part in parts) + r"(?!\w)")


def _count(pattern: re.Pattern, folded_text: str) -> int:
    return len(pattern.findall(folded_text))


@dataclass
class Comparison:
    """What differs between the decision's text and the signed copy's, in the user's words."""

    coverage: float
    missing_names: list[str] = field(default_factory=list)
    repeated_names: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)

    @property
    def matches(self) -> bool:
        return not (self.missing_names or self.repeated_names or self.added or self.dropped) and (
            self.coverage >= COVERAGE_MIN
        )

    def differences(self) -> list[str]:
        """"thiếu tên “…”", "có nội dung không có trong quyết định: “…”", …: what the refusal names."""
        quoted = lambda items: ", ".join(f"“{item}”" for item in items)  # noqa: E731
        parts = []
        if self.missing_names:
            parts.append(f"thiếu tên {quoted(self.missing_names)}")
        if self.repeated_names:
            parts.append(f"tên {quoted(self.repeated_names)} xuất hiện nhiều lần hơn trong quyết định")
        if self.added:
            parts.append(f"có nội dung không có trong quyết định: {quoted(self.added)}")
        if self.dropped:
            parts.append(f"thiếu nội dung của quyết định: {quoted(self.dropped)}")
        if self.coverage < COVERAGE_MIN:
            parts.append(
                f"chỉ {int(self.coverage * 100)}% nội dung quyết định có trong bản ký số theo đúng thứ tự "
                f"(cần từ {int(COVERAGE_MIN * 100)}%)"
            )
        return parts


def _phrase(items: list[str]) -> str:
    shown = " ".join(items[:SHOWN_WORDS])
    return shown + (" …" if len(items) > SHOWN_WORDS else "")


def _contains(haystack: list[str], needle: list[str]) -> bool:
    """Whether `needle` stands in `haystack` as consecutive words."""
    if not needle or len(needle) > len(haystack):
        return False
    first = needle[0]
    width = len(needle)
    return any(
        haystack[index] == first and haystack[index:index + width] == needle
        for index in range(len(haystack) - width + 1)
    )


def _unexplained(
    own: list[tuple[int, int]], own_words: list[str], own_folded: list[str], other: Counter, other_folded: list[str]
) -> list[str]:
    """The passages of one side that a different layout does not explain, quoted as written.

    `own` are the side's ranges that the alignment did not match; `other` counts the words of the other side's
    unmatched ranges (a word moved elsewhere is in both); a passage of REPEATED_PASSAGE_MIN words or more that
    stands in the other text is a repetition (a table header printed on every page)."""
    remaining = Counter(other)
    result = []
    for start, end in own:
        segment = own_folded[start:end]
        if len(segment) >= REPEATED_PASSAGE_MIN and _contains(other_folded, segment):
            continue
        unexplained = False
        for word in segment:
            if remaining[word] > 0:
                remaining[word] -= 1
            else:
                unexplained = True
        if unexplained:
            result.append(_phrase(own_words[start:end]))
    return result


def compare(record_text: str, signed_text: str, names: list[str]) -> Comparison:
    """Compare the decision's text (as the app renders it) with a signed copy's; `names` are the awardees."""
    record_words, signed_words = words(record_text), words(signed_text)
    record_folded, signed_folded = _folded(record_words), _folded(signed_words)

    matcher = SequenceMatcher(None, record_folded, signed_folded, autojunk=False)
    matched = 0
    dropped_ranges: list[tuple[int, int]] = []
    added_ranges: list[tuple[int, int]] = []
    for operation, r1, r2, s1, s2 in matcher.get_opcodes():
        if operation == "equal" or _squeezed(record_folded[r1:r2]) == _squeezed(signed_folded[s1:s2]):
            # The same letters broken or joined elsewhere ("02-QĐ/BDV TU", "15-6-2022" for "15/6/2022").
            matched += r2 - r1
            continue
        if r2 > r1:
            dropped_ranges.append((r1, r2))
        if s2 > s1:
            added_ranges.append((s1, s2))
    coverage = matched / len(record_folded) if record_folded else 1.0

    dropped_words = Counter(word for start, end in dropped_ranges for word in record_folded[start:end])
    added_words = Counter(word for start, end in added_ranges for word in signed_folded[start:end])
    comparison = Comparison(coverage=coverage)
    added = _unexplained(added_ranges, signed_words, signed_folded, dropped_words, record_folded)
    dropped = _unexplained(dropped_ranges, record_words, record_folded, added_words, signed_folded)
    comparison.added = added[:SHOWN_PASSAGES] + (["…"] if len(added) > SHOWN_PASSAGES else [])
    comparison.dropped = dropped[:SHOWN_PASSAGES] + (["…"] if len(dropped) > SHOWN_PASSAGES else [])

    record_joined = " ".join(record_folded)
    signed_joined = " ".join(signed_folded)
    seen: set[str] = set()
    for name in names:
        pattern = _name_pattern(name)
        key = " ".join(_folded(words(name)))
        if pattern is None or key in seen:
            continue
        seen.add(key)
        wanted, found = _count(pattern, record_joined), _count(pattern, signed_joined)
        shown = " ".join(words(name))
        if found < wanted:
            comparison.missing_names.append(shown)
        elif found > wanted:
            comparison.repeated_names.append(shown)
    return comparison
