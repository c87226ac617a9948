"""The shared XLSX reader (unit and voter-list imports) against hostile workbooks: XML entities
are never expanded or fetched (ASVS 5.0 V1.5.1), and a zip is judged by its directory before
anything is unpacked (V5.2.3). Every refusal is a Vietnamese sentence naming the file."""
from __future__ import annotations

import time

import pytest

from dvkheo.core.storage import UploadRejected
from dvkheo.core.tables import MAX_UNZIPPED_BYTES, MAX_ZIP_ENTRIES, xlsx_table
from tests.hostile_xlsx import MARKER, with_bomb, with_entity, with_many_entries, with_understated_size, workbook_bytes

ROWS = [["Mã đơn vị", "Tên đơn vị"], ["VN-P51", MARKER]]


def refusal(data: bytes) -> str:
    with pytest.raises(UploadRejected) as refused:
        xlsx_table(data, "don-vi.xlsx")
    return str(refused.value)


def test_the_plain_workbook_reads_back():
    assert xlsx_table(workbook_bytes(ROWS), "don-vi.xlsx") == ROWS


@pytest.mark.parametrize("part", ["sheet", "shared-strings"])
@pytest.mark.parametrize("attack", ["xxe", "billion-laughs"])
def test_an_entity_in_the_workbook_is_refused_in_vietnamese_never_expanded(attack, part):
    started = time.monotonic()
    message = refusal(with_entity(workbook_bytes(ROWS), attack, part))

    assert message == "Không đọc được tệp Excel “don-vi.xlsx”; tệp có thể bị hỏng."
    assert "root:" not in message
    assert time.monotonic() - started < 5  # a billion characters were never built


def test_thousands_of_zip_entries_are_refused_before_the_workbook_is_opened():
    message = refusal(with_many_entries(workbook_bytes(ROWS), MAX_ZIP_ENTRIES))

    assert "Tệp “don-vi.xlsx” chứa quá nhiều thành phần nén" in message
    assert f"tối đa {MAX_ZIP_ENTRIES:,}".replace(",", ".") in message


def test_a_workbook_with_a_few_hundred_parts_is_still_read():
    data = with_many_entries(workbook_bytes(ROWS), 300)
    assert xlsx_table(data, "don-vi.xlsx") == ROWS


def test_a_zip_bomb_is_refused_by_its_declared_size_without_unpacking():
    data = with_bomb(workbook_bytes(ROWS), MAX_UNZIPPED_BYTES + 1024 * 1024)
    assert len(data) < 1024 * 1024  # well under every upload limit

    started = time.monotonic()
    message = refusal(data)

    assert message == "Tệp “don-vi.xlsx” chứa dữ liệu quá lớn sau khi giải nén; vui lòng chia thành nhiều tệp nhỏ hơn."
    assert time.monotonic() - started < 1


def test_a_zip_that_understates_its_unpacked_size_is_refused_as_damaged():
    many_rows = ROWS + [["TDP-%d" % number, "Tổ dân phố số %d" % number] for number in range(3000)]
    message = refusal(with_understated_size(workbook_bytes(many_rows)))

    assert message == "Không đọc được tệp Excel “don-vi.xlsx”; tệp có thể bị hỏng."
