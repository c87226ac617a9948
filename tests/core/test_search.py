"""Search by words (dvkheo.core.search): what a query typed in any search box finds, and what it must not.

Each pair is checked twice: in Python and by the database (SQLite, or PostgreSQL with TEST_DATABASE_URL),
so that both give the same answer."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from dvkheo.core import search
from dvkheo.extensions import db
from dvkheo.units.models import Unit

MUST_MATCH = [
    ("dan van kheo", "Dân vận khéo trong xây dựng nông thôn mới"),
    ("DÂN VẬN", "Dân vận khéo"),
    ("đỏ", "Hội Chữ thập đỏ phường Cẩm Thành"),
    ("Trường Thọ", "Chi hội Nông dân thôn Trường Thọ"),
    ("truong tho", "Chi hội Nông dân thôn Trường Thọ"),
    ("xanh-sạch-đẹp", "Ngày Chủ nhật xanh - sạch - đẹp"),
    ("xanh sạch đẹp", "Ngày Chủ nhật “xanh-sạch-đẹp”"),
    ("Ðường", "Đường giao thông nông thôn"),  # Ð is U+00D0, the look-alike of Đ
    ("ðường", "Con đường hoa"),  # ð is U+00F0
    ("đường", "ÐƯỜNG LÀNG"),  # stored with the look-alike, found with the real letter
    ("kh", "Dân vận khéo"),  # the last word, still being typed
    ("dân vận kh", "Dân vận khéo"),
    ("nong dan", "Hội Nông dân xã Tịnh Khê"),
    ("Hòa Bình", "Xã Hoà Bình"),  # either tone placement
    ("thuỷ", "Thủy lợi nội đồng"),
    ("Khỏe", "Sống khoẻ"),
    ("nguyen.van@example", "Nguyễn Văn An nguyen.van@example.vn"),
    ("vn-w21025", "VN-W21025 Phường Cẩm Thành"),
    ("Dân vận khéo", "Dân vận khéo"),  # NFC typed, NFD stored
    ("Da\u0302n va\u0323\u0302n", "Dân vận khéo"),  # NFD typed (combining marks), NFC stored
]

MUST_NOT_MATCH = [
    ("đỏ", "Phong trào toàn dân tham gia hoạt động đoàn kết"),
    ("đỏ", "Thôn Đông Yên"),
    ("đỏ", "Hỗ trợ do thiên tai"),
    ("Trường Thọ", "Trưởng thôn Phú Thọ"),
    ("Trường Thọ", "Trưởng thôn Trường Xuân"),
    ("ho tro", "Hồng trong xóm"),  # whole words: "ho" is not the start of "hồng" unless it is the last word
    ("an toan", "Thanh toán đúng hạn"),  # "an" is not inside "thanh"
    ("dân", "Dẫn nước về đồng"),  # typed with diacritics: only "dân"
    ("xanh sạch", "Xanh hóa trường học"),  # every word must be there
    ("nong", "Long An"),
    ("ho", "Nghiêm Thị Thanh"),
    ("%", "Dân vận 100% hộ tham gia"),
    ("_", "ten_dang_nhap"),
]


def _database_finds(query: str, text: str) -> bool:
    """Store `text` as a unit's search column and ask the database whether `query` finds it."""
    unit = Unit(code="SEARCH-1", name=text[:255], kind="commune")
    unit.refresh_search_text()
    db.session.add(unit)
    db.session.flush()
    found = db.session.scalar(sa.select(sa.func.count()).where(Unit.id == unit.id, search.matches(query, Unit.search_text)))
    db.session.rollback()
    return bool(found)


@pytest.mark.parametrize("query, text", MUST_MATCH)
def test_query_finds_the_text(app, query, text):
    assert search.matches_text(query, text)
    assert _database_finds(query, text)


@pytest.mark.parametrize("query, text", MUST_NOT_MATCH)
def test_query_does_not_find_the_text(app, query, text):
    assert not search.matches_text(query, text)
    assert not _database_finds(query, text)


def test_a_word_without_diacritics_finds_every_spelling_and_a_word_with_them_only_its_own():
    texts = ["đỏ", "đó", "do", "đo", "độ", "động", "đoàn", "dọn"]
    assert [t for t in texts if search.matches_text("do", t)] == texts  # the last word: a prefix, without diacritics
    assert [t for t in texts if search.matches_text("do thi", f"{t} thi")] == ["đỏ", "đó", "do", "đo", "độ"]
    assert [t for t in texts if search.matches_text("đỏ", t)] == ["đỏ"]
    assert [t for t in texts if search.matches_text("đo", t)] == ["đo", "đoàn"]  # typing "đoàn" on its way


def test_only_the_last_word_may_be_unfinished():
    assert search.matches_text("dan van kh", "Dân vận khéo")
    assert not search.matches_text("da van kheo", "Dân vận khéo")


def test_stored_text_holds_folded_words_then_the_words_with_diacritics():
    assert search.search_text("Dân vận khéo", "xanh-sạch-đẹp", None) == " dan van kheo xanh sach dep dân vận khéo sạch đẹp "
    assert search.search_text("", None) == ""
    assert search.search_text("ÐỘNG", "Hoà") == " dong hoa động hòa "


def test_stored_text_fits_its_column_by_leaving_whole_words_off():
    text = search.search_text("Nguyễn Văn An " * 30, limit=100)
    assert len(text) <= 100 and text.startswith(" nguyen van an ") and text.endswith(" ")
    assert all(word in {"nguyen", "van", "an", "nguyễn", "văn"} for word in text.split())


def test_an_empty_query_finds_everything_and_punctuation_alone_nothing(app):
    assert search.matches_text("", "Dân vận khéo") and search.matches_text("   ", "Dân vận khéo")
    assert not search.matches_text("--", "Dân vận khéo")
    assert _database_finds("", "Dân vận khéo")
    assert not _database_finds("%%", "Dân vận khéo")


def test_a_pasted_paragraph_is_cut_to_its_first_words():
    assert len(search.query_words(" ".join(f"từ{n}" for n in range(40)))) == search.MAX_WORDS
