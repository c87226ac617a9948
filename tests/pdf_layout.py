"""Reading a rendered PDF the way a reader sees it: lines per page with their position and fonts (pdfplumber)."""
from __future__ import annotations

import io
from dataclasses import dataclass, field

import pdfplumber


@dataclass
class Line:
    text: str
    x0: float
    x1: float
    top: float
    fonts: set[str] = field(default_factory=set)

    @property
    def italic(self) -> bool:
        return bool(self.fonts) and all("Italic" in f for f in self.fonts)

    @property
    def bold(self) -> bool:
        return bool(self.fonts) and all("Bold" in f for f in self.fonts)


def _lines(words, x_min: float | None = None, x_max: float | None = None) -> list[Line]:
    rows: list[list[dict]] = []
    for word in sorted(words, key=lambda w: (round(w["top"]), w["x0"])):
        if x_min is not None and word["x0"] < x_min:
            continue
        if x_max is not None and word["x0"] >= x_max:
            continue
        if rows and abs(rows[-1][0]["top"] - word["top"]) < 2.5:
            rows[-1].append(word)
        else:
            rows.append([word])
    lines = []
    for row in rows:
        row.sort(key=lambda w: w["x0"])
        lines.append(
            Line(" ".join(w["text"] for w in row), row[0]["x0"], row[-1]["x1"], row[0]["top"], {w["fontname"] for w in row})
        )
    return lines


def pages(data: bytes) -> list[list[Line]]:
    """Each page's lines, top to bottom (words on one baseline joined, whatever the column)."""
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return [_lines(page.extract_words(extra_attrs=["fontname"], keep_blank_chars=False)) for page in pdf.pages]


def columns(data: bytes, page_number: int = 0, split: float = 0.45) -> tuple[list[Line], list[Line]]:
    """The left and right columns of a page's header area, split at `split` of the page's width."""
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        page = pdf.pages[page_number]
        words = page.extract_words(extra_attrs=["fontname"])
        middle = page.width * split
        return _lines(words, x_max=middle), _lines(words, x_min=middle)


def page_texts(data: bytes) -> list[str]:
    return ["\n".join(line.text for line in page) for page in pages(data)]


def table_overflows(data: bytes, page_number: int) -> tuple[list[str], list[list[str]]]:
    """The words of a page's ruled table that run past the right border of the cell they start in, and each cell's
    lines of text (row by row). A word that overflows would print over the next column or off the table."""
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        page = pdf.pages[page_number]
        table = page.find_table()
        assert table is not None, "no ruled table on the page"
        cells = [cell for cell in table.cells if cell]
        words = page.extract_words()
        over = []
        for word in words:
            x, y = word["x0"] + 0.5, (word["top"] + word["bottom"]) / 2
            cell = next((c for c in cells if c[0] <= x <= c[2] and c[1] <= y <= c[3]), None)
            if cell is not None and word["x1"] > cell[2] + 0.5:
                over.append(word["text"])
        texts = []
        for row in table.rows:
            texts.append([
                [line.text for line in _lines(page.crop(cell).extract_words(extra_attrs=["fontname"]))] if cell else []
                for cell in row.cells
            ])
        return over, texts
