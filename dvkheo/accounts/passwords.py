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
    "matkhaumoi", "matkhaucu", "khenthuong", "thidua", "thiduakhenthuong", "binhchon", "hoidong", "giaykhen",
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


_KEYBOARD_RUNS = (
    "01234567890", "09876543210", "qwertyuiop", "asdfghjkl", "zxcvbnm", "abcdefghijklmnopqrstuvwxyz",
    "1qaz2wsx3edc4rfv", "qazwsxedcrfv",
)
_LEET = str.maketrans({"@": "a", "4": "a", "3": "e", "1": "i", "!": "i", "0": "o", "5": "s", "$": "s", "7": "t"})
_MIN_LEFT = 4  # characters a password must have beyond keyboard runs and repeats


def _in_a_run(piece: str) -> bool:
    return len(set(piece)) == 1 or any(piece in run or piece in run[::-1] for run in _KEYBOARD_RUNS)


def _too_simple(password: str, squeezed: str) -> bool:
    """Little is left once keyboard runs, alphabet runs and repeated characters are taken out
    ("12345678901", "Zxcv@123456", "aaaaaaaaaaaa")."""
    if not squeezed:  # symbols or emoji only: judge the characters themselves
        return len(set(password.replace(" ", ""))) <= 3
    left, start = 0, 0
    while start < len(squeezed):
        end = start + 4
        if end <= len(squeezed) and _in_a_run(squeezed[start:end]):
            while end < len(squeezed) and _in_a_run(squeezed[start:end + 1]):
                end += 1
            start = end
        else:
            left += 1
            start += 1
    return left < _MIN_LEFT or len(set(squeezed)) <= 3


def _repeated_unit(text: str) -> str | None:
    """"passwordpassword" → "password"."""
    match = re.fullmatch(r"(.+?)\1+", text)
    return match.group(1) if match else None


def _guessable_forms(password: str) -> set[str]:
    """The forms a guessing tool tries: as typed, without spaces and symbols, without the digits and
    symbols around it, with leetspeak undone, and the unit of a repetition."""
    folded = fold(password)
    squeezed = _letters_and_digits(password)
    forms = {folded, squeezed, _core(folded), _core(squeezed)}
    forms.add(re.sub(r"[\W_]+", "", _core(folded).translate(_LEET)))
    forms.update(unit for unit in map(_repeated_unit, list(forms)) if unit)
    return forms


def personal_words(*values: str | None) -> list[str]:
    """The parts of names (a person's, a unit's) and an email address that a password must not be built on."""
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
    squeezed = _letters_and_digits(password)
    if _guessable_forms(password) & common_passwords():
        return TOO_COMMON
    if _too_simple(password, squeezed):
        return TOO_SIMPLE
    if any(word in squeezed for word in CONTEXT_WORDS):
        return TOO_PERSONAL
    # Long name parts only: a passphrase may contain a short name by chance.
    if any(word in squeezed for word in personal if len(word) >= 5):
        return TOO_PERSONAL
    if any(squeezed == word or _core(fold(password)) == word for word in personal):
        return TOO_PERSONAL
    return None
