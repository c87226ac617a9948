"""Business actions on forms of commendation ("hình thức khen thưởng"); they flush and audit, never commit.

An award form carries everything a decision's header and a certificate print: the voting rule,
the issuing body and its document code, the signer, the certificate's title, look and reason,
the dated legal bases, and where each field sits on a pre-printed blank. Nothing of it is
hard-coded elsewhere: the defaults below are only the seed of a new campaign.
"""
from __future__ import annotations

import enum
import re
import string
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so

from dvkheo.awards.models import (
    DEFAULT_REASON,
    PREFIXES_WITH_AUTHORITY,
    AwardForm,
    CertificateDesign,
    Decision,
    DecisionStatus,
    LegalBasis,
    SignerPrefix,
    ThresholdBase,
    signature_lines,  # noqa: F401  (the editor's pages call it from here)
)
from dvkheo.certificates import layout
from dvkheo.core import audit
from dvkheo.core.rules import Problem, RuleRefused
from dvkheo.core.text import fold
from dvkheo.core.timeutil import format_date
from dvkheo.documents.formats import issuer_example
from dvkheo.extensions import db

# Seeded the first time a campaign's award forms are looked at: the common commune/district rule.
DEFAULT_FORMS = (
    dict(
        name="Giấy khen",
        quorum_numerator=2,
        quorum_denominator=3,
        threshold_numerator=1,
        threshold_denominator=2,
        threshold_inclusive=False,
        threshold_base=ThresholdBase.PRESENT,
        count_written_opinions=False,
    ),
)


@dataclass(frozen=True)
class LegalBasisInput:
    """One "Căn cứ ..." line and the days it applies (inclusive; None is open-ended)."""

    text: str
    valid_from: date | None = None
    valid_to: date | None = None


# The emulation-and-commendation law in force and its decrees, each with the days it applies
# (domain.md, "Rules of the wider law"): Decree 152/2025 replaced Decree 98/2023 on 01/07/2025,
# so a decision picks the line that applies on its own date.
DEFAULT_LEGAL_BASES = (
    LegalBasisInput("Căn cứ Luật Thi đua, khen thưởng số 06/2022/QH15 ngày 15/6/2022", date(2024, 1, 1)),
    LegalBasisInput(
        "Căn cứ Nghị định số 98/2023/NĐ-CP ngày 31/12/2023 của Chính phủ quy định chi tiết thi hành "
        "một số điều của Luật Thi đua, khen thưởng",
        date(2024, 1, 1),
        date(2025, 6, 30),
    ),
    LegalBasisInput(
        "Căn cứ Nghị định số 152/2025/NĐ-CP ngày 14/6/2025 của Chính phủ quy định chi tiết một số điều "
        "của Luật Thi đua, khen thưởng",
        date(2025, 7, 1),
    ),
)

CERTIFICATE_TITLES = ("GIẤY KHEN", "BẰNG KHEN")
REASON_PLACEHOLDERS = {
    "nam": "năm của đợt bình xét (ví dụ 2026)",
    "mo_hinh": "tên mô hình, điển hình được khen",
}


def authority_example(prefix: SignerPrefix, fmt) -> str:
    """What follows the prefix in `fmt`'s own kind of body: "T/M BAN THƯỜNG VỤ", "TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH"."""
    example = issuer_example(fmt)
    return example.collective if prefix is SignerPrefix.ON_BEHALF_OF_COLLECTIVE else example.head

_ISSUER_CODE = re.compile(r"[A-ZĐ0-9]+(?:-[A-ZĐ0-9]+)*")
_PLACE_PREFIX = re.compile(r"^(tỉnh|thành phố|tp\.?)\s+", re.IGNORECASE)
_TRAILING_PUNCTUATION = re.compile(r"[\s;,.]+$")
# Decree 30 sets a decision's number after "QĐ-": the symbol column holds at most 60 characters.
ISSUER_CODE_MAX = 40

# Bounds a field's box must keep on the A4 landscape blank, and sizes a printer can still print legibly.
FONT_SIZE_RANGE = (6, 72)
MIN_BOX_WIDTH_MM = 10
QR_SIDE_RANGE_MM = (15, 60)
_POINT_MM = 25.4 / 72
_LAYOUT_AXES = ("x", "y", "w", "size", "align")


@dataclass(frozen=True)
class AwardFormInput:
    """What the award-form editor sends.

    The voting rule is always given. Every other part is optional: None keeps the form's value
    (on creation: the campaign's defaults), so a page that edits only the rule cannot wipe the issuer.
    `blank_layout` is every field's box as typed ({field: {x, y, w, size, align}}); an empty dict
    restores the defaults.
    """

    name: str
    quorum_numerator: int
    quorum_denominator: int
    threshold_numerator: int
    threshold_denominator: int
    threshold_inclusive: bool
    threshold_base: ThresholdBase
    count_written_opinions: bool
    position: int = 0
    parent_body: str | None = None
    issuing_body: str | None = None
    issuer_code: str | None = None
    place_name: str | None = None
    signer_prefix: SignerPrefix | None = None
    signer_authority: str | None = None
    signer_title: str | None = None
    signer_name: str | None = None
    certificate_title: str | None = None
    certificate_design: CertificateDesign | None = None
    reason_template: str | None = None
    issuer_in_text: str | None = None
    archive: str | None = None
    document_system_id: int | None = None
    legal_bases: tuple[LegalBasisInput, ...] | None = None
    blank_layout: dict | None = field(default=None, hash=False)
    # The stored name of a newly uploaded emblem; "" removes the emblem, None keeps it.
    emblem_file: str | None = None


RULE_FIELDS = (
    "name",
    "position",
    "quorum_numerator",
    "quorum_denominator",
    "threshold_numerator",
    "threshold_denominator",
    "threshold_inclusive",
    "threshold_base",
    "count_written_opinions",
)
ISSUER_FIELDS = (
    "parent_body",
    "issuing_body",
    "issuer_code",
    "place_name",
    "signer_prefix",
    "signer_authority",
    "signer_title",
    "signer_name",
    "certificate_title",
    "certificate_design",
    "reason_template",
    "issuer_in_text",
    "archive",
    "document_system_id",
)


def award_forms(campaign_id: int) -> list[AwardForm]:
    return list(
        db.session.scalars(
            sa.select(AwardForm)
            .where(AwardForm.campaign_id == campaign_id)
            .options(so.selectinload(AwardForm.legal_bases))
            .order_by(AwardForm.position, AwardForm.id)
        )
    )


# --- defaults drawn from the organising unit ------------------------------------------------------


def initials_code(name: str) -> str:
    """"Tỉnh Quảng Ngãi" -> "TQN", "Ban Dân vận Tỉnh ủy" -> "BDVTU", "Phường 12" -> "P12"."""
    words = re.findall(r"[a-z0-9]+", fold(name))
    return "".join(word if word.isdigit() else word[0] for word in words).upper()[:ISSUER_CODE_MAX]


def place_of(unit) -> str:
    """The province's name as a place line reads it: "Tỉnh Quảng Ngãi" -> "Quảng Ngãi"."""
    chain = []
    while unit is not None:
        chain.append(unit)
        unit = unit.parent
    if not chain:
        return ""
    province = next((node for node in chain if node.kind == "province"), chain[-1])
    return _PLACE_PREFIX.sub("", province.name.strip())


def unit_system_id(unit) -> int | None:
    """The document system the unit (or its nearest ancestor that names one) writes in; else the Party's,
    the movement's usual organiser (a Ban Dân vận or a Party committee)."""
    node = unit
    while node is not None:
        system_id = getattr(node, "document_system_id", None)  # units name a system once they carry one
        if system_id is not None:
            return system_id
        node = node.parent
    from dvkheo.documents.models import system_by_code

    party = system_by_code("party")
    return party.id if party is not None else None


def province_committee(unit) -> str | None:
    """"Tỉnh ủy" for a province, "Thành ủy" for a centrally-run city; None for any other organiser."""
    name = unit.name.strip().lower()
    if unit.kind != "province":
        return None
    if name.startswith("thành phố "):
        return "Thành ủy"
    if name.startswith("tỉnh "):
        return "Tỉnh ủy"
    return None


def issuer_defaults(campaign) -> dict:
    """The header, signer and certificate a new award form of `campaign` starts with."""
    unit = campaign.organising_unit
    issuer = dict(
        parent_body=unit.parent.name.upper() if unit.parent is not None else "",
        issuing_body=unit.name.upper(),
        issuer_code=initials_code(unit.name),
        issuer_in_text=unit.name,
    )
    committee = province_committee(unit)
    if committee is not None:
        # A place does not issue: a province's movement is run by its Party committee's Ban Dân vận.
        issuer = dict(
            parent_body=f"{committee.upper()} {place_of(unit).upper()}",
            issuing_body="BAN DÂN VẬN",
            issuer_code=f"BDV{initials_code(committee)}",
            issuer_in_text=f"Ban Dân vận {committee}",
        )
    return dict(
        **issuer,
        archive="VT",
        document_system_id=unit_system_id(unit),
        place_name=place_of(unit),
        signer_prefix=SignerPrefix.NONE,
        signer_authority="",
        signer_title="",
        signer_name="",
        certificate_title="GIẤY KHEN",
        certificate_design=CertificateDesign.CLASSIC_RED,
        reason_template=DEFAULT_REASON,
    )


def _basis_rows(bases) -> list[LegalBasis]:
    return [
        LegalBasis(position=position, text=basis.text, valid_from=basis.valid_from, valid_to=basis.valid_to)
        for position, basis in enumerate(bases, start=1)
    ]


def ensure_default_award_forms(campaign, actor=None) -> list[AwardForm]:
    """The campaign's award forms; when it has none, add the default "Giấy khen" (audited) first.

    The seed is issued in the organising unit's name with today's legal bases, so that a decision
    can be drafted at once; the secretary completes the signer in the editor.
    """
    forms = award_forms(campaign.id)
    if forms:
        return forms
    for position, values in enumerate(DEFAULT_FORMS, start=1):
        form = AwardForm(campaign_id=campaign.id, position=position, **values, **issuer_defaults(campaign))
        form.legal_bases = _basis_rows(DEFAULT_LEGAL_BASES)
        db.session.add(form)
        db.session.flush()
        audit.record("award_form", form.id, "create", actor, details={"name": form.name, "default": True})
        forms.append(form)
    return forms


def missing_details(form: AwardForm) -> list[str]:
    """What a decision in this form's name still lacks, in the editor's words (empty: ready to issue)."""
    labels = (
        ("issuing_body", "cơ quan ban hành"),
        ("issuer_code", "ký hiệu viết tắt của cơ quan ban hành"),
        ("place_name", "địa danh"),
        ("signer_title", "chức vụ người ký"),
        ("signer_name", "họ tên người ký"),
    )
    missing = [label for name, label in labels if not (getattr(form, name) or "").strip()]
    if form.signer_prefix in PREFIXES_WITH_AUTHORITY and not (form.signer_authority or "").strip():
        missing.append(f"thẩm quyền ký sau “{form.signer_prefix.value}”")
    if not form.legal_bases:
        missing.append("căn cứ pháp lý")
    return missing


# --- checks (pure: they return problems with the editor's field names) -------------------------------


def reason_template_problems(template: str) -> list[Problem]:
    """Unknown placeholders and broken braces, explained; "{nam}" and "{mo_hinh}" are the only names."""
    if not template.strip():
        return [Problem("reason_template", "Vui lòng nhập lý do khen thưởng in trên giấy khen.", "reason_template")]
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError:
        return [
            Problem(
                "reason_template",
                "Dấu ngoặc nhọn chưa đóng, mở đúng cặp. Chỉ dùng {nam} và {mo_hinh}; "
                "muốn in dấu ngoặc nhọn thì gõ hai lần: {{ hoặc }}.",
                "reason_template",
            )
        ]
    problems = []
    for _, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in REASON_PLACEHOLDERS or spec or conversion:
            shown = "{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
            problems.append(
                Problem(
                    "reason_template",
                    f"Không có chỗ điền “{shown}”. Chỉ dùng {{nam}} (năm) và {{mo_hinh}} (tên mô hình).",
                    "reason_template",
                )
            )
    return problems


def reason_preview(template: str, year: int, model_title: str = "Dân vận khéo trong xây dựng đường giao thông nông thôn") -> str:
    """The reason as a certificate would print it; "" when the template is broken."""
    if reason_template_problems(template):
        return ""
    return template.format(nam=year, mo_hinh=model_title)


def _clean_basis_text(text: str) -> str:
    # The decision adds the ";" itself (Decree 30 ends each basis with one).
    return _TRAILING_PUNCTUATION.sub("", " ".join((text or "").split()))


def legal_basis_problems(bases: tuple[LegalBasisInput, ...]) -> list[Problem]:
    """Each line says "Căn cứ ..." and applies from a day no later than the day it ends.

    Fields are named "legal_bases.<index>.<part>" by the line's index in `bases`.
    """
    problems = []
    if not bases:
        problems.append(Problem("legal_bases", "Cần ít nhất một căn cứ pháp lý (“Căn cứ ...”).", "legal_bases"))
    for index, basis in enumerate(bases):
        text = _clean_basis_text(basis.text)
        if not text:
            problems.append(Problem("legal_bases", f"Dòng {index + 1}: vui lòng nhập nội dung căn cứ.", f"legal_bases.{index}.text"))
        elif not fold(text).startswith("can cu "):
            problems.append(
                Problem(
                    "legal_bases",
                    f"Dòng {index + 1}: căn cứ phải bắt đầu bằng “Căn cứ”, ví dụ “Căn cứ Luật Thi đua, khen thưởng số 06/2022/QH15”.",
                    f"legal_bases.{index}.text",
                )
            )
        if basis.valid_from and basis.valid_to and basis.valid_from > basis.valid_to:
            problems.append(
                Problem(
                    "legal_bases",
                    f"Dòng {index + 1}: ngày áp dụng ({format_date(basis.valid_from)}) phải trước hoặc trùng ngày "
                    f"hết áp dụng ({format_date(basis.valid_to)}).",
                    f"legal_bases.{index}.valid_to",
                )
            )
    return problems


def _number(value) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def blank_layout_problems(boxes: dict) -> list[Problem]:
    """Every box stays on the 297 × 210 mm sheet, is wide enough and prints at a legible size.

    Fields are named "blank_layout.<field>.<axis>".
    """
    problems = []

    def refuse(name: str, axis: str, message: str) -> None:
        label = layout.FIELD_LABELS.get(name, "Mã QR tra cứu")
        problems.append(Problem("blank_layout", f"{label}: {message}", f"blank_layout.{name}.{axis}"))

    for name, box in boxes.items():
        if name not in layout.default_layout():
            continue
        x, y, w = (_number(box.get(axis)) for axis in ("x", "y", "w"))
        if None in (x, y, w):
            axis = next(axis for axis, value in zip(("x", "y", "w"), (x, y, w)) if value is None)
            refuse(name, axis, "vui lòng nhập số milimét.")
            continue
        if x < 0 or x > layout.PAGE_WIDTH_MM:
            refuse(name, "x", f"x phải từ 0 đến {layout.PAGE_WIDTH_MM} mm.")
        if y < 0 or y > layout.PAGE_HEIGHT_MM:
            refuse(name, "y", f"y phải từ 0 đến {layout.PAGE_HEIGHT_MM} mm.")
        if name == "qr":
            low, high = QR_SIDE_RANGE_MM
            if not low <= w <= high:
                refuse(name, "w", f"cạnh mã QR phải từ {low} đến {high} mm để điện thoại quét được.")
            elif x + w > layout.PAGE_WIDTH_MM or y + w > layout.PAGE_HEIGHT_MM:
                refuse(name, "w", f"mã QR vượt ra ngoài trang ({layout.PAGE_WIDTH_MM} × {layout.PAGE_HEIGHT_MM} mm).")
            continue
        if w < MIN_BOX_WIDTH_MM:
            refuse(name, "w", f"độ rộng phải từ {MIN_BOX_WIDTH_MM} mm trở lên.")
        elif x + w > layout.PAGE_WIDTH_MM:
            refuse(name, "w", f"x + độ rộng ({_mm(x + w)} mm) vượt quá chiều ngang trang {layout.PAGE_WIDTH_MM} mm.")
        size = _number(box.get("size"))
        low, high = FONT_SIZE_RANGE
        if size is None or not low <= size <= high:
            refuse(name, "size", f"cỡ chữ phải từ {low} đến {high} pt.")
        elif y + size * _POINT_MM > layout.PAGE_HEIGHT_MM:
            refuse(name, "y", f"dòng chữ cỡ {_mm(size)} pt đặt ở y = {_mm(y)} mm vượt quá mép dưới trang ({layout.PAGE_HEIGHT_MM} mm).")
        if box.get("align") not in layout.ALIGNMENTS:
            refuse(name, "align", "vui lòng chọn căn trái, giữa hoặc phải.")
    return problems


def _mm(value: float) -> str:
    return f"{value:g}".replace(".", ",")


def layout_overrides(boxes: dict) -> dict | None:
    """Only what differs from the defaults is stored, so that an untouched field follows the defaults."""
    defaults = layout.default_layout()
    overrides = {}
    for name, box in boxes.items():
        if name not in defaults:
            continue
        default = defaults[name]
        changed = {}
        for axis in _LAYOUT_AXES:
            if axis not in box or (name == "qr" and axis in ("size", "align")):
                continue
            value = box[axis] if axis == "align" else float(box[axis])
            if value != getattr(default, axis):
                changed[axis] = value
        if changed:
            overrides[name] = changed
    return overrides or None


def issuer_code_problem(code: str, example: str = "BDVTU") -> Problem | None:
    if not code:
        return Problem("issuer_code", f"Vui lòng nhập ký hiệu viết tắt của cơ quan ban hành (ví dụ {example}).", "issuer_code")
    if len(code) > ISSUER_CODE_MAX or not _ISSUER_CODE.fullmatch(code):
        return Problem(
            "issuer_code",
            f"Ký hiệu chỉ gồm chữ in hoa không dấu, chữ Đ, chữ số và dấu gạch nối (ví dụ BDVTU hoặc UBND-VP), tối đa {ISSUER_CODE_MAX} ký tự.",
            "issuer_code",
        )
    return None


# --- create and update --------------------------------------------------------------------------------


def _check_name(campaign_id: int, name: str, exclude_id: int | None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise RuleRefused([Problem("name", "Vui lòng nhập tên hình thức khen thưởng.", "name")])
    query = sa.select(AwardForm.id, AwardForm.name).where(AwardForm.campaign_id == campaign_id)
    if exclude_id is not None:
        query = query.where(AwardForm.id != exclude_id)
    if any(fold(other) == fold(name) for _, other in db.session.execute(query)):
        raise RuleRefused([Problem("name", f"Đợt bình xét đã có hình thức khen thưởng “{name}”.", "name")])
    return name


def _single_line(value: str) -> str:
    return " ".join((value or "").split())


def _normalised_issuer(data: AwardFormInput) -> dict:
    """The given issuer, signer and certificate parts cleaned as they will be printed (None: not given)."""
    upper = {"parent_body", "issuing_body", "signer_authority", "signer_title", "certificate_title"}
    values = {}
    for name in ISSUER_FIELDS:
        value = getattr(data, name)
        if value is None:
            continue
        if isinstance(value, enum.Enum):  # str-based enums are kept as they are
            pass
        elif name == "issuer_code":
            value = re.sub(r"\s+", "", value).upper()
        elif name == "reason_template":
            value = _single_line(value)
        elif name == "archive":
            # Typed as the line reads ("Lưu: VT, HĐXC."): only the holders are kept, the system writes the rest.
            value = re.sub(r"^[-–\s]*(lưu\b)?[\s:]*", "", _single_line(value), flags=re.IGNORECASE).rstrip(" .;,")
        elif isinstance(value, str):
            value = _single_line(value)
            if name in upper:
                value = value.upper()
        values[name] = value
    return values


def document_format_for(system_id: int | None):
    """The DocumentFormat of a system id as chosen in the editor; none (or an unknown id): the Party's."""
    from dvkheo.documents.formats import PARTY
    from dvkheo.documents.models import DocumentSystem

    system = db.session.get(DocumentSystem, system_id) if system_id else None
    return system.format if system is not None else PARTY


def _issuer_problems(values: dict) -> list[Problem]:
    problems = []
    fmt = document_format_for(values.get("document_system_id"))
    example = issuer_example(fmt)  # the examples of a body of the chosen system, never the other's
    required = {
        "issuing_body": f"Vui lòng nhập tên cơ quan ban hành (in hoa, ví dụ {example.issuing_body}).",
        "place_name": f"Vui lòng nhập địa danh ghi trước ngày tháng (ví dụ {example.place}).",
        "certificate_title": "Vui lòng nhập tên giấy khen in trên phôi (ví dụ GIẤY KHEN).",
    }
    for name, message in required.items():
        if name in values and not values[name]:
            problems.append(Problem(name, message, name))
    if "issuer_code" in values:
        problem = issuer_code_problem(values["issuer_code"], example.code)
        if problem:
            problems.append(problem)
    prefix = values.get("signer_prefix")
    authority = values.get("signer_authority")
    if prefix is not None and authority is not None:
        if prefix in PREFIXES_WITH_AUTHORITY and not authority:
            problems.append(
                Problem(
                    "signer_authority",
                    f"Sau “{fmt.prefix(prefix.name) or prefix.value}” cần ghi thẩm quyền, ví dụ "
                    f"“{fmt.prefix(prefix.name) or prefix.value} {authority_example(prefix, fmt)}”.",
                    "signer_authority",
                )
            )
        elif prefix not in PREFIXES_WITH_AUTHORITY and authority:
            problems.append(
                Problem(
                    "signer_authority",
                    f"Chỉ ghi thẩm quyền khi ký {_prefix_list(fmt)}; "
                    f"người đứng đầu ký trực tiếp hoặc ký quyền ({fmt.prefix('ACTING') or 'Q.'}) thì để trống.",
                    "signer_authority",
                )
            )
    if "reason_template" in values:
        problems += reason_template_problems(values["reason_template"])
    return problems


def _prefix_list(fmt) -> str:
    """"T/M, K/T, T/L hoặc T/UQ" (Party) or "TM., KT., TL. hoặc TUQ." (State)."""
    names = [fmt.prefix(prefix.name) or prefix.value for prefix in PREFIXES_WITH_AUTHORITY]
    return f"{', '.join(names[:-1])} hoặc {names[-1]}"


def _issued_decision_numbers(form: AwardForm) -> list[str]:
    decisions = db.session.scalars(
        sa.select(Decision)
        .where(Decision.award_form_id == form.id, Decision.status == DecisionStatus.ISSUED)
        .order_by(Decision.year, Decision.number)
        .limit(3)
    )
    return [decision.number_label for decision in decisions]


def input_problems(data: AwardFormInput) -> list[Problem]:
    """The problems of the issuer, signer, certificate, legal bases and layout parts that need no database
    (the editor shows them beside the fields together with its own format errors)."""
    problems = _issuer_problems(_normalised_issuer(data))
    if data.legal_bases is not None:
        problems += legal_basis_problems(data.legal_bases)
    if data.blank_layout is not None:
        problems += blank_layout_problems(data.blank_layout)
    return problems


def _validate(data: AwardFormInput, form: AwardForm | None) -> tuple[dict, tuple[LegalBasisInput, ...] | None, dict | None]:
    """Every problem of the input at once; returns the cleaned issuer values, legal bases and layout overrides."""
    values = _normalised_issuer(data)
    problems = input_problems(data)
    if form is not None and "issuer_code" in values and form.issuer_code and values["issuer_code"] != form.issuer_code:
        issued = _issued_decision_numbers(form)
        if issued:
            problems.append(
                Problem(
                    "issuer_code",
                    f"Không đổi được ký hiệu “{form.issuer_code}”: đã có quyết định ban hành theo ký hiệu này "
                    f"({', '.join(issued)}); đổi ký hiệu sẽ làm số quyết định nhảy sang dãy số mới. "
                    "Nếu cơ quan ban hành thay đổi, hãy thêm một hình thức khen thưởng mới.",
                    "issuer_code",
                )
            )
    system_id = values.get("document_system_id")
    if system_id is not None and not _system_exists(system_id):
        problems.append(Problem("document_system_id", "Thể thức văn bản này không còn; vui lòng chọn lại.", "document_system_id"))
    if problems:
        raise RuleRefused(problems)
    bases = None
    if data.legal_bases is not None:
        bases = tuple(LegalBasisInput(_clean_basis_text(b.text), b.valid_from, b.valid_to) for b in data.legal_bases)
    overrides = layout_overrides(data.blank_layout) if data.blank_layout is not None else None
    return values, bases, overrides


def _system_exists(system_id: int) -> bool:
    from dvkheo.documents.models import DocumentSystem

    return db.session.get(DocumentSystem, system_id) is not None


def _starting_values(campaign, name: str) -> tuple[dict, list[LegalBasisInput]]:
    """A new form copies the campaign's first form (same issuer, signer, bases), else the defaults."""
    first = next(iter(award_forms(campaign.id)), None)
    if first is None:
        values = issuer_defaults(campaign)
        bases = list(DEFAULT_LEGAL_BASES)
    else:
        values = {key: getattr(first, key) for key in ISSUER_FIELDS}
        bases = [LegalBasisInput(b.text, b.valid_from, b.valid_to) for b in first.legal_bases]
    if fold(name) in {fold(title) for title in CERTIFICATE_TITLES}:
        values["certificate_title"] = name.upper()
    return values, bases


def create_award_form(campaign, data: AwardFormInput, actor) -> AwardForm:
    """Add an award form with its voting rule; parts not given start from the campaign's first form.

    Side effects: flush, audit "create".
    """
    name = _check_name(campaign.id, data.name, None)
    issuer, bases, overrides = _validate(data, None)
    start, start_bases = _starting_values(campaign, name)
    rule = {key: getattr(data, key) for key in RULE_FIELDS} | {"name": name}
    if not rule["position"]:
        highest = db.session.scalar(sa.select(sa.func.max(AwardForm.position)).where(AwardForm.campaign_id == campaign.id))
        rule["position"] = (highest or 0) + 1
    form = AwardForm(campaign_id=campaign.id, **rule, **(start | issuer), blank_layout=overrides)
    form.legal_bases = _basis_rows(bases if bases is not None else start_bases)
    db.session.add(form)
    db.session.flush()
    audit.record("award_form", form.id, "create", actor, details={"name": name})
    return form


def _bases_of(form: AwardForm) -> list[dict]:
    return [
        {"text": basis.text, "valid_from": format_date(basis.valid_from), "valid_to": format_date(basis.valid_to)}
        for basis in form.legal_bases
    ]


def update_award_form(form: AwardForm, data: AwardFormInput, actor) -> bool:
    """Change an award form; ballots and decisions already made keep what they copied.

    Refused (RuleRefused, every problem at once): a bad issuer code, or a new code once a decision
    was issued under the old one; a signer authority that does not fit the prefix; an unknown
    placeholder or broken brace in the reason; a legal basis not starting "Căn cứ" or ending before
    it starts; a field box off the sheet.
    Side effects: sets the attributes, replaces the legal bases, audits "update" with the changed
    names (and the new bases when they changed). Returns whether anything changed.
    """
    name = _check_name(form.campaign_id, data.name, form.id)
    issuer, bases, overrides = _validate(data, form)
    after = {key: getattr(data, key) for key in RULE_FIELDS} | {"name": name} | issuer
    if not after["position"]:
        after["position"] = form.position
    if data.blank_layout is not None:
        after["blank_layout"] = overrides
    if data.emblem_file is not None:
        after["emblem_file"] = data.emblem_file or None
    changed = sorted(key for key, value in after.items() if getattr(form, key) != value)
    for key in changed:
        setattr(form, key, after[key])
    details: dict = {}
    if bases is not None:
        before_bases = [(b.text, b.valid_from, b.valid_to) for b in form.legal_bases]
        if before_bases != [(b.text, b.valid_from, b.valid_to) for b in bases]:
            # Rows are replaced, not patched: their order is their position in the decision.
            form.legal_bases = _basis_rows(bases)
            db.session.flush()
            changed = sorted(changed + ["legal_bases"])
            details["legal_bases"] = _bases_of(form)
    if not changed:
        return False
    audit.record("award_form", form.id, "update", actor, details={"changed": changed} | details)
    return True


def settle_not_awarded(campaign, actor) -> int:
    """Publishing the awards: every nomination the council passed or failed but no issued decision names
    becomes "not awarded" (through the workflow, audited). Returns how many."""
    from dvkheo.nominations import workflow
    from dvkheo.nominations.models import Nomination
    from dvkheo.nominations.states import NOT_AWARDED_FROM, NominationAction

    settled = list(
        db.session.scalars(
            sa.select(Nomination).where(Nomination.campaign_id == campaign.id, Nomination.status.in_(NOT_AWARDED_FROM))
        )
    )
    for nomination in settled:
        workflow.apply(nomination, NominationAction.NOT_AWARD, actor, details={"campaign_published": True})
    return len(settled)
