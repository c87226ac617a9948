"""What a new password must be: long enough, not a well-known password, not built on the app's,
the movement's or the person's own name. No composition rule (OWASP ASVS 5.0, 6.2.5): any characters,
a passphrase included, are welcome.

The well-known passwords are zxcvbn's list of the 30,000 most frequent passwords found in breaches
(installed with the package, read offline), plus words Vietnamese users often pick. A password is
refused when it *is* one of them, or is one with digits and punctuation added around it
("Password123!", "mật khẩu 123"): what guessing tools try first.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable

from dvkheo.core.text import fold

MIN_LENGTH = 10
MAX_LENGTH = 1000  # far above the 64 ASVS asks to allow; bounds the size of one request

TOO_SHORT = f"Mật khẩu cần ít nhất {MIN_LENGTH} ký tự (nên dùng một câu ngắn dễ nhớ)."
TOO_LONG = "Mật khẩu tối đa 1.000 ký tự."
TOO_COMMON = ("Mật khẩu này nằm trong danh sách mật khẩu phổ biến mà kẻ dò mật khẩu thử đầu tiên. "
              "Hãy chọn mật khẩu khác, ví dụ một câu ngắn chỉ bạn biết.")
TOO_SIMPLE = "Mật khẩu quá đơn giản (lặp lại hoặc theo thứ tự bàn phím). Hãy chọn mật khẩu khác."
TOO_PERSONAL = ("Mật khẩu không được dựa trên tên ứng dụng, tên đơn vị, họ tên hoặc thư điện tử của bạn. "
                "Hãy chọn mật khẩu khác.")

# Words banned whatever the account (ASVS 6.1.2): the app's and the movement's own names, and the
# Vietnamese favourites that breach lists under-represent. Compared without diacritics or spaces.
CONTEXT_WORDS = (
    "dvkheo", "danvankheo", "danvan", "bandanvan", "dankheo", "mattran", "tinhuy", "huyenuy", "danguy",
    "quangngai", "ubnd", "uybannhandan",
)
VIETNAMESE_COMMON = (
    "matkhau", "anhyeuem", "emyeuanh", "yeuem", "yeuanh", "toiyeuem", "iloveyou", "vietnam", "hanoi",
    "saigon", "hochiminh", "trangchu", "quantri", "admin", "administrator", "xinchao", "hello",
    "nguyen", "tran", "pham", "hoang", "huynh", "thanhcong", "hanhphuc", "giadinh", "doclap", "tudo",
)
_MIN_PERSONAL_PART = 4  # shorter name parts ("An", "Lê") would refuse too much


def _letters_and_digits(text: str) -> str:
    return re.sub(r"[\W_]+", "", fold(text))


def _core(folded: str) -> str:
    """The word under the decoration: "password123!" → "password", "@2026anhyeuem" → "anhyeuem"."""
    return re.sub(r"^[\W\d_]+|[\W\d_]+$", "", folded)


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"]) | frozenset(VIETNAMESE_COMMON)


_KEYBOARD_RUNS = ("1234567890", "0987654321", "qwertyuiop", "asdfghjkl", "zxcvbnm", "abcdefghijklmnopqrstuvwxyz")


def _too_simple(squeezed: str) -> bool:
    if len(set(squeezed)) <= 3:
        return True
    return any(squeezed in run or squeezed in run[::-1] for run in _KEYBOARD_RUNS)


def personal_words(*values: str | None) -> list[str]:
    """The parts of names and an email address that a password must not be built on."""
    words = []
    for value in values:
        if not value:
            continue
        local = value.split("@", 1)[0]
        words.append(_letters_and_digits(local))
        words.extend(_letters_and_digits(part) for part in re.split(r"[\s.\-_+]+", local))
    return [word for word in words if len(word) >= _MIN_PERSONAL_PART]


def problem(password: str, personal: Iterable[str] = ()) -> str | None:
    """The Vietnamese reason this password is refused, or None when it may be used."""
    if len(password) < MIN_LENGTH:
        return TOO_SHORT
    if len(password) > MAX_LENGTH:
        return TOO_LONG
    folded = fold(password)
    squeezed = _letters_and_digits(password)
    common = common_passwords()
    if {folded, squeezed, _core(folded), _core(squeezed)} & common:
        return TOO_COMMON
    if _too_simple(squeezed):
        return TOO_SIMPLE
    if any(word in squeezed for word in CONTEXT_WORDS):
        return TOO_PERSONAL
    # Long name parts only: a passphrase may contain a short name by chance.
    if any(word in squeezed for word in personal if len(word) >= 5):
        return TOO_PERSONAL
    if any(squeezed == word or _core(folded) == word for word in personal):
        return TOO_PERSONAL
    return None
