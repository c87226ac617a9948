"""Administering document systems: create, change and delete them; they flush and audit, never commit.

Checks live here, not only in the form, so that a system added from the shell obeys the same rules: a number
pattern the app can fill, an archive pattern with its holders, a code no other system has.
"""
from __future__ import annotations

import re
from datetime import date

import sqlalchemy as sa

from dvkheo.core import audit
from dvkheo.core.rules import Problem, RuleRefused
from dvkheo.documents.formats import (
    BASIS_STYLES,
    EMBLEMS,
    ENACTING_STYLES,
    ISSUER_MARKS,
    NUMERALS,
    PARTY,
    RECIPIENT_LABEL_STYLES,
    RUNNING_DATE_STYLES,
    STATE,
    YOUTH_UNION,
    DocumentFormat,
)
from dvkheo.documents.models import DocumentSystem
from dvkheo.extensions import db

# What an administrator may start a new system from (the Youth Union is only an example, never seeded).
TEMPLATES = {PARTY.code: PARTY, STATE.code: STATE, YOUTH_UNION.code: YOUTH_UNION}
RECIPIENT_ENDS = {",": "Dấu phẩy “,” (Đảng)", ";": "Dấu chấm phẩy “;” (Nhà nước)"}
CHOICES = {
    "issuer_mark": ISSUER_MARKS,
    "recipients_label_style": RECIPIENT_LABEL_STYLES,
    "recipient_end": RECIPIENT_ENDS,
    "running_date": RUNNING_DATE_STYLES,
    "basis_style": BASIS_STYLES,
    "enacting": ENACTING_STYLES,
    "appendix_numerals": NUMERALS,
    "emblem": EMBLEMS,
}
# Every DocumentFormat value but the code and the name (those are the row's columns).
SETTINGS = (
    "header_lines", "issuer_mark", "number_pattern", "number_lead", "authority_prefixes", "recipients_label_style",
    "recipient_end", "archive_pattern", "default_archive", "running_date", "basis_style", "enacting", "summary_lead",
    "appendix_numerals", "certificate_lines", "emblem",
)
CODE_PATTERN = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")

# What the sample on the edit page shows: one decision, its citation, its recipients.
SAMPLE_NUMBER = 5
SAMPLE_DATE = date(2026, 12, 3)
SAMPLE_RECIPIENTS = ["Như Điều 3", "Các đơn vị có tên tại Điều 1"]
PREFIX_EXAMPLES = {
    "ON_BEHALF_OF_COLLECTIVE": "BAN THƯỜNG VỤ",
    "DEPUTY": "TRƯỞNG BAN",
    "BY_ORDER": "TRƯỞNG BAN",
    "AUTHORISED": "CHỦ TỊCH",
    "ACTING": "TRƯỞNG BAN",
}


def pattern_problem(pattern: str, required: tuple[str, ...], field: str, example: str) -> Problem | None:
    """A pattern must name each of `required` once and nothing else in braces (str.format would fail on it)."""
    names = _PLACEHOLDER.findall(pattern)
    stray = _PLACEHOLDER.sub("", pattern)
    wanted = ", ".join("{" + name + "}" for name in required)
    if "{" in stray or "}" in stray:
        return Problem(field, f"Dấu ngoặc nhọn chưa đóng, mở đúng cặp. Mẫu cần có {wanted}, ví dụ “{example}”.", field)
    unknown = sorted({name for name in names if name not in required})
    if unknown:
        listed = ", ".join("{" + name + "}" for name in unknown)
        return Problem(field, f"Mẫu chỉ được dùng {wanted}; không dùng được {listed}. Ví dụ “{example}”.", field)
    missing = [name for name in required if name not in names]
    if missing:
        listed = ", ".join("{" + name + "}" for name in missing)
        return Problem(field, f"Mẫu còn thiếu {listed}. Ví dụ “{example}”.", field)
    doubled = sorted({name for name in names if names.count(name) > 1})
    if doubled:
        listed = ", ".join("{" + name + "}" for name in doubled)
        return Problem(field, f"Mỗi chỗ điền chỉ dùng một lần: {listed} xuất hiện nhiều lần.", field)
    return None


def _lines(values) -> tuple[str, ...]:
    return tuple(" ".join(line.split()) for line in values if line and line.strip())


def cleaned(values: dict) -> dict:
    """The settings as they will be stored: single spaces, lines without blanks, "Số" followed by one space."""
    result = dict(values)
    for name in ("number_pattern", "archive_pattern", "default_archive", "summary_lead"):
        result[name] = " ".join((result.get(name) or "").split())
    result["number_pattern"] = result["number_pattern"].replace(" ", "")
    lead = " ".join((result.get("number_lead") or "").split())
    result["number_lead"] = f"{lead} " if lead else ""
    result["header_lines"] = list(_lines(result.get("header_lines") or ()))
    result["certificate_lines"] = list(_lines(result.get("certificate_lines") or ()))
    result["authority_prefixes"] = {
        key: " ".join((value or "").split()) for key, value in (result.get("authority_prefixes") or {}).items()
    }
    return result


def problems_of(name: str, settings: dict) -> list[Problem]:
    """Every problem of a system's name and settings at once, with the editor's field names."""
    problems = []
    if not " ".join((name or "").split()):
        problems.append(Problem("name", "Vui lòng nhập tên thể thức văn bản.", "name"))
    if not settings.get("header_lines"):
        problems.append(
            Problem("header_lines", "Vui lòng nhập ít nhất một dòng tiêu đề bên phải (ví dụ ĐẢNG CỘNG SẢN VIỆT NAM).", "header_lines")
        )
    problem = pattern_problem(settings.get("number_pattern", ""), ("n", "type", "body"), "number_pattern", "{n}-{type}/{body}")
    if problem:
        problems.append(problem)
    if not settings.get("number_lead", "").strip():
        problems.append(Problem("number_lead", "Vui lòng nhập chữ đứng trước số (“Số” hoặc “Số:”).", "number_lead"))
    problem = pattern_problem(settings.get("archive_pattern", ""), ("archive",), "archive_pattern", "- Lưu {archive}.")
    if problem:
        problems.append(problem)
    if not settings.get("default_archive"):
        problems.append(Problem("default_archive", "Vui lòng nhập nơi lưu mặc định (ví dụ VT).", "default_archive"))
    if not settings.get("summary_lead"):
        problems.append(Problem("summary_lead", "Vui lòng nhập chữ mở đầu trích yếu (ví dụ “về việc”).", "summary_lead"))
    for field, options in CHOICES.items():
        if settings.get(field) not in options:
            problems.append(Problem(field, "Lựa chọn không hợp lệ; vui lòng chọn lại.", field))
    return problems


def code_problems(code: str) -> list[Problem]:
    if not code:
        return [Problem("code", "Vui lòng nhập mã (chữ thường không dấu, chữ số, dấu gạch nối; ví dụ doan-thanh-nien).", "code")]
    if not CODE_PATTERN.fullmatch(code):
        return [Problem("code", "Mã chỉ gồm chữ thường không dấu, chữ số và dấu gạch nối, tối đa 40 ký tự (ví dụ mttq).", "code")]
    if db.session.scalar(sa.select(DocumentSystem.id).where(DocumentSystem.code == code)) is not None:
        return [Problem("code", f"Mã “{code}” đã được dùng cho thể thức khác.", "code")]
    return []


def name_problems(name: str, own_id: int | None = None) -> list[Problem]:
    """Two systems of the same name cannot be told apart in the award-form editor's list (case and spaces ignored)."""
    from dvkheo.core.text import fold

    wanted = fold(name)
    for system_id, other in db.session.execute(sa.select(DocumentSystem.id, DocumentSystem.name)):
        if system_id != own_id and wanted and fold(other) == wanted:
            return [Problem("name", f"Đã có thể thức tên “{other}”; vui lòng đặt tên khác để dễ phân biệt.", "name")]
    return []


def usage_counts() -> dict[int | None, int]:
    """Award forms per system id; None holds the forms that chose none (they write as the Party does)."""
    from dvkheo.awards.models import AwardForm

    rows = db.session.execute(sa.select(AwardForm.document_system_id, sa.func.count()).group_by(AwardForm.document_system_id))
    return {system_id: count for system_id, count in rows}


def _unit_count(system: DocumentSystem) -> int:
    """Units that write in this system, once units carry one (their dossier PDF follows it)."""
    from dvkheo.units.models import Unit

    column = getattr(Unit, "document_system_id", None)
    if column is None:
        return 0
    return db.session.scalar(sa.select(sa.func.count()).select_from(Unit).where(column == system.id)) or 0


def delete_problem(system: DocumentSystem) -> str | None:
    if system.builtin:
        return "Không xóa được thể thức của Đảng hoặc của Nhà nước: chúng theo văn bản quy định; chỉ sửa được."
    forms = usage_counts().get(system.id, 0)
    units = _unit_count(system)
    if forms or units:
        used = " và ".join(
            part for part in (f"{forms} hình thức khen thưởng" if forms else "", f"{units} đơn vị" if units else "") if part
        )
        return f"Không xóa được “{system.name}”: {used} đang dùng thể thức này. Hãy chọn thể thức khác cho chúng trước."
    return None


def create_system(code: str, name: str, settings: dict, actor, *, started_from: str | None = None) -> DocumentSystem:
    """Add a custom system. Refused (RuleRefused, every problem at once): a bad or taken code, a bad pattern.

    Side effects: flush, audit "create" with the settings."""
    code = (code or "").strip().lower()
    name = " ".join((name or "").split())
    values = cleaned(settings)
    problems = code_problems(code) + problems_of(name, values) + name_problems(name)
    if problems:
        raise RuleRefused(problems)
    system = DocumentSystem(code=code, name=name, settings={key: values[key] for key in SETTINGS}, builtin=False)
    db.session.add(system)
    db.session.flush()
    audit.record(
        "document_system", system.id, "create", actor,
        details={"code": code, "name": name, "started_from": started_from, "settings": system.settings},
    )
    return system


def update_system(system: DocumentSystem, name: str, settings: dict, actor) -> bool:
    """Change a system's name and settings; decisions already drafted keep the copy they took.

    Side effects: audit "update" with each changed value as [before, after]. Returns whether anything changed."""
    name = " ".join((name or "").split())
    values = cleaned(settings)
    problems = problems_of(name, values) + name_problems(name, system.id)
    if problems:
        raise RuleRefused(problems)
    before = {"name": system.name, **{key: current(system, key) for key in SETTINGS}}
    after = {"name": name, **{key: values[key] for key in SETTINGS}}
    changes = {key: [before[key], after[key]] for key in after if before[key] != after[key]}
    if not changes:
        return False
    system.name = name
    system.settings = {key: values[key] for key in SETTINGS}
    db.session.flush()
    audit.record("document_system", system.id, "update", actor, details={"changes": changes})
    return True


def delete_system(system: DocumentSystem, actor) -> None:
    problem = delete_problem(system)
    if problem:
        raise RuleRefused([Problem("delete", problem)])
    audit.record(
        "document_system", system.id, "delete", actor,
        details={"code": system.code, "name": system.name, "settings": system.settings},
    )
    db.session.delete(system)
    db.session.flush()


def current(system: DocumentSystem, key: str):
    """A stored value as the editor compares it (lists, not tuples)."""
    value = system.format.as_dict()[key]
    return dict(value) if isinstance(value, dict) else value


def starting_point(requested: str | None) -> tuple[str, DocumentFormat, str]:
    """The format a new system starts from (`from` in the address): a built-in example or an existing system copied.

    Returns (code, format, message). No `from`: the Party's, silently. A code that names nothing, or that is no code
    at all (too long, odd characters: never sent to the database), also starts from the Party's, and `message` says
    so: a stale link must not pass the Party's format off as the system asked for."""
    if requested is None or not requested.strip():
        return PARTY.code, PARTY, ""
    code = requested.strip().lower()
    if not CODE_PATTERN.fullmatch(code):
        return PARTY.code, PARTY, "Mã thể thức làm mẫu không hợp lệ; biểu mẫu bắt đầu từ thể thức của Đảng."
    if code in TEMPLATES:
        return code, TEMPLATES[code], ""
    existing = db.session.scalar(sa.select(DocumentSystem).where(DocumentSystem.code == code))
    if existing is not None:
        return code, existing.format, ""
    return PARTY.code, PARTY, f"Không tìm thấy thể thức “{code}” để làm mẫu; biểu mẫu bắt đầu từ thể thức của Đảng."


def sample(fmt: DocumentFormat, body: str = "BDVTU", issuer: str = "Ban Dân vận Tỉnh ủy") -> dict:
    """What a decision in this format reads like, for the edit page."""
    return {
        "header_lines": list(fmt.header_lines),
        "issuer_mark": fmt.issuer_mark,
        "number_line": fmt.number_line(SAMPLE_NUMBER, "QĐ", body),
        "citation": fmt.citation("Quyết định", fmt.number(SAMPLE_NUMBER, "QĐ", body), SAMPLE_DATE, issuer),
        "recipients": fmt.recipient_lines(SAMPLE_RECIPIENTS, "VT, HĐXC"),
        "recipients_label_style": fmt.recipients_label_style,
        "signatures": [
            f"{fmt.prefix(key)} {PREFIX_EXAMPLES[key]}".strip() for key in PREFIX_EXAMPLES if fmt.prefix(key)
        ],
        "date_words": f"ngày {SAMPLE_DATE.day:02d} tháng {SAMPLE_DATE.month} năm {SAMPLE_DATE.year}",
        "summary": f"{fmt.summary_lead} tặng Giấy khen",
        "appendix": fmt.appendix_label(1),
    }
