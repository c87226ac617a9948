"""The award-form editor: the council's voting rule (fractions typed as "2/3" or "90%"), the issuing
body, the signer, the certificate, the dated legal bases and the positions on a pre-printed blank."""
from __future__ import annotations

import re

import sqlalchemy as sa
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from flask_wtf.form import _Auto
from wtforms import (
    BooleanField, FieldList, Form, FormField, RadioField, SelectChoice, SelectField, StringField, TextAreaField,
)
from wtforms.validators import Length, ValidationError
from wtforms.widgets import TextInput

from dvkheo.awards.models import AwardForm, CertificateDesign, SignerPrefix, ThresholdBase
from dvkheo.awards.operations import (
    ISSUER_CODE_MAX,
    ISSUER_FIELDS,
    RULE_FIELDS,
    AwardFormInput,
    LegalBasisInput,
    document_format_for,
    input_problems,
)
from dvkheo.certificates import layout
from dvkheo.core.fields import PlainText, VNDateField, VNIntegerField
from dvkheo.core.forms import TOO_LONG
from dvkheo.documents.formats import issuer_example
from dvkheo.council.voting import FractionError, format_fraction, parse_fraction
from dvkheo.extensions import db

INVALID_CHOICE = "Lựa chọn không hợp lệ; vui lòng chọn lại."
# What each authority prefix means; the prefix itself is written as the chosen system writes it (T/M or TM.).
PREFIX_MEANINGS = {
    SignerPrefix.ON_BEHALF_OF_COLLECTIVE: "thay mặt tập thể lãnh đạo",
    SignerPrefix.DEPUTY: "ký thay người đứng đầu",
    SignerPrefix.BY_ORDER: "thừa lệnh",
    SignerPrefix.AUTHORISED: "thừa ủy quyền",
    SignerPrefix.ACTING: "quyền",
}


def prefix_choices(fmt) -> list[SelectChoice]:
    """The signer-prefix options as `fmt` writes them: "T/M (thay mặt tập thể lãnh đạo)" or "TM. (…)"."""
    choices = [SelectChoice(SignerPrefix.NONE.value, SignerPrefix.NONE.label)]
    for prefix, meaning in PREFIX_MEANINGS.items():
        written = fmt.prefix(prefix.name)
        if written:
            choices.append(SelectChoice(prefix.value, f"{written} ({meaning})"))
    return choices


def _optional_id(value):
    if value in (None, ""):
        return None
    return int(value)


def _party_system_id() -> int | None:
    from dvkheo.documents.models import system_by_code

    party = system_by_code("party")
    return party.id if party is not None else None


def document_system_choices() -> list[SelectChoice]:
    from dvkheo.documents.models import DocumentSystem

    systems = db.session.scalars(sa.select(DocumentSystem).order_by(DocumentSystem.builtin.desc(), DocumentSystem.id))
    return [SelectChoice(system.id, system.name) for system in systems]
ALIGNMENT_LABELS = {"left": "Trái", "center": "Giữa", "right": "Phải"}
_DECIMAL = re.compile(r"^([+-]?)(\d{1,4})(?:[.,](\d+))?$")


def format_decimal(value: float | None) -> str:
    """12.5 -> "12,5"; 48.0 -> "48" (as a Vietnamese reader writes it)."""
    if value is None:
        return ""
    return f"{value:.1f}".rstrip("0").rstrip(".").replace(".", ",") if value != int(value) else str(int(value))


class VNDecimalField(StringField):
    """A number with a decimal comma or point ("−2,5", "1.5"), at most `places` decimals; `data` is a float."""

    widget = TextInput()

    def __init__(self, label=None, validators=None, minimum: float | None = None, maximum: float | None = None,
                 places: int = 1, range_message: str | None = None, **kwargs):
        render_kw = {"inputmode": "decimal", "autocomplete": "off"}
        render_kw.update(kwargs.pop("render_kw", {}) or {})
        super().__init__(label, validators, render_kw=render_kw, **kwargs)
        self.minimum, self.maximum, self.places = minimum, maximum, places
        self.range_message = range_message or (
            f"Giá trị phải từ {format_decimal(minimum)} đến {format_decimal(maximum)}." if None not in (minimum, maximum) else ""
        )

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return format_decimal(self.data) if isinstance(self.data, (int, float)) else (self.data or "")

    def process_formdata(self, valuelist):
        if not valuelist:  # absent from the request: keep the object's value
            return
        self.raw_data = valuelist
        text = valuelist[0].strip().replace("−", "-").replace(" ", "")
        self.data = None
        if not text:
            return
        match = _DECIMAL.match(text)
        if not match:
            raise ValueError("Vui lòng nhập một số, dùng dấu phẩy cho phần thập phân (ví dụ 1,5 hoặc -2).")
        sign, whole, fraction = match.groups()
        if fraction and len(fraction) > self.places:
            raise ValueError(f"Chỉ nhập tối đa {self.places} chữ số sau dấu phẩy (ví dụ 1,5).")
        self.data = float(f"{sign}{whole}.{fraction or 0}")

    def pre_validate(self, form):
        if self.data is None:
            return
        too_low = self.minimum is not None and self.data < self.minimum
        too_high = self.maximum is not None and self.data > self.maximum
        if too_low or too_high:
            raise ValidationError(self.range_message or f"Giá trị không hợp lệ (giới hạn {format_decimal(self.minimum if too_low else self.maximum)}).")


class FractionField(StringField):
    """A share typed as a fraction ("2/3") or a percentage ("90%"); `data` is (numerator, denominator)."""

    widget = TextInput()

    def __init__(self, label=None, validators=None, **kwargs):
        render_kw = {"placeholder": "ví dụ 2/3 hoặc 90%", "autocomplete": "off", "size": 8}
        render_kw.update(kwargs.pop("render_kw", {}) or {})
        super().__init__(label, validators, render_kw=render_kw, **kwargs)

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        if isinstance(self.data, tuple):
            return format_fraction(*self.data)
        return self.data or ""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        self.raw_data = valuelist
        self.data = None
        try:
            self.data = parse_fraction(valuelist[0])
        except FractionError as error:
            raise ValueError(str(error)) from None


class AwardFormForm(FlaskForm):
    """A new award form: its name and voting rule (the rest starts from the campaign's first form)."""

    name = StringField(
        "Tên hình thức khen thưởng",
        validators=[Length(max=120, message="Tên quá dài (tối đa 120 ký tự)."), PlainText()],
        render_kw={"placeholder": "Ví dụ: Giấy khen, Bằng khen"},
    )
    position = VNIntegerField("Thứ tự", minimum=0, maximum=999)
    quorum = FractionField("Số thành viên dự họp tối thiểu (so với tổng số thành viên Hội đồng)")
    threshold = FractionField("Tỷ lệ phiếu đồng ý để thông qua")
    threshold_inclusive = RadioField(
        "Cách so sánh",
        choices=[("more", "Trên tỷ lệ này (ví dụ quá bán: trên 1/2)"), ("least", "Từ tỷ lệ này trở lên (ví dụ từ 90% trở lên)")],
        default="more",
    )
    threshold_base = RadioField(
        "Tỷ lệ tính trên",
        choices=[(base.value, base.label) for base in ThresholdBase],
        default=ThresholdBase.PRESENT.value,
    )
    count_written_opinions = BooleanField("Tính ý kiến bằng văn bản của thành viên vắng mặt là phiếu biểu quyết")

    def __init__(self, *args, award_form: AwardForm | None = None, **kwargs):
        if award_form is not None:  # posted values, when any, take precedence
            kwargs["data"] = self.initial_data(award_form) | kwargs.get("data", {})
        super().__init__(*args, **kwargs)

    @staticmethod
    def initial_data(award_form: AwardForm) -> dict:
        return {
            "name": award_form.name,
            "position": award_form.position,
            "quorum": (award_form.quorum_numerator, award_form.quorum_denominator),
            "threshold": (award_form.threshold_numerator, award_form.threshold_denominator),
            "threshold_inclusive": "least" if award_form.threshold_inclusive else "more",
            "threshold_base": award_form.threshold_base.value,
            "count_written_opinions": award_form.count_written_opinions,
        }

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        for field in (self.threshold_inclusive, self.threshold_base):
            if field.errors:
                field.errors = [INVALID_CHOICE]
        if not (self.name.data or "").strip():
            self.name.errors = list(self.name.errors) + ["Vui lòng nhập tên hình thức khen thưởng."]
            ok = False
        for field in (self.quorum, self.threshold):
            if field.data is None and not field.errors:
                field.errors = list(field.errors) + ["Vui lòng nhập tỷ lệ."]
                ok = False
        return ok

    def rule_input(self) -> dict:
        return dict(
            name=self.name.data or "",
            position=self.position.data or 0,
            quorum_numerator=self.quorum.data[0],
            quorum_denominator=self.quorum.data[1],
            threshold_numerator=self.threshold.data[0],
            threshold_denominator=self.threshold.data[1],
            threshold_inclusive=self.threshold_inclusive.data == "least",
            threshold_base=ThresholdBase(self.threshold_base.data),
            count_written_opinions=bool(self.count_written_opinions.data),
        )

    def to_input(self) -> AwardFormInput:
        return AwardFormInput(**self.rule_input())

    def attach(self, problems) -> list[str]:
        """Put each refused rule's message beside its field; returns the messages for the summary."""
        for problem in problems:
            field = self.field_for(problem.field)
            if field is not None:
                field.errors = list(field.errors) + [problem.message]
        return [problem.message for problem in problems]

    def field_for(self, name: str | None):
        return self[name] if name and name in self else None


# --- the editor's further sections ---------------------------------------------------------------------


class LegalBasisRowForm(Form):
    text = TextAreaField(
        "Căn cứ",
        validators=[Length(max=1000, message=TOO_LONG), PlainText(multiline=True)],
        render_kw={"rows": 2, "placeholder": "Căn cứ ..."},
    )
    valid_from = VNDateField("Áp dụng từ ngày")
    valid_to = VNDateField("Đến ngày")
    remove = BooleanField("Xóa dòng này")


class LayoutBoxForm(Form):
    x = VNDecimalField("x (mm)", render_kw={"size": 5})
    y = VNDecimalField("y (mm)", render_kw={"size": 5})
    w = VNDecimalField("Rộng (mm)", render_kw={"size": 5})
    size = VNDecimalField("Cỡ chữ (pt)", render_kw={"size": 4})
    align = SelectField("Căn lề", choices=list(ALIGNMENT_LABELS.items()))


class QrBoxForm(Form):
    x = VNDecimalField("x (mm)", render_kw={"size": 5})
    y = VNDecimalField("y (mm)", render_kw={"size": 5})
    w = VNDecimalField("Cạnh (mm)", render_kw={"size": 5})


QR_LABEL = "Mã QR tra cứu"
BlankLayoutForm = type(
    "BlankLayoutForm",
    (Form,),
    {name: FormField(LayoutBoxForm, label=label) for name, label, _ in layout.FIELDS} | {"qr": FormField(QrBoxForm, label=QR_LABEL)},
)


def layout_rows(layout_form) -> list[tuple[str, str, object, layout.FieldBox]]:
    """(name, label, sub-form, default box) for the layout table, in reading order, the QR code last."""
    defaults = layout.default_layout()
    rows = [(name, label, layout_form[name], defaults[name]) for name, label, _ in layout.FIELDS]
    return rows + [("qr", QR_LABEL, layout_form["qr"], defaults["qr"])]


class AwardFormEditForm(AwardFormForm):
    parent_body = StringField(
        "Cơ quan chủ quản (cơ quan cấp trên)",
        validators=[Length(max=255, message=TOO_LONG), PlainText()],
        render_kw={"placeholder": "Ví dụ: TỈNH ỦY QUẢNG NGÃI"},
    )
    issuing_body = StringField(
        "Cơ quan ban hành",
        validators=[Length(max=255, message=TOO_LONG), PlainText()],
        render_kw={"placeholder": "Ví dụ: BAN DÂN VẬN"},
    )
    issuer_code = StringField(
        "Ký hiệu viết tắt",
        validators=[Length(max=ISSUER_CODE_MAX, message=TOO_LONG), PlainText()],
        render_kw={"placeholder": "Ví dụ: BDVTU", "autocomplete": "off", "spellcheck": "false"},
    )
    place_name = StringField(
        "Địa danh",
        validators=[Length(max=120, message=TOO_LONG), PlainText()],
        render_kw={"placeholder": "Ví dụ: Quảng Ngãi"},
    )
    document_system_id = SelectField("Thể thức văn bản", coerce=_optional_id, validate_choice=False)
    issuer_in_text = StringField(
        "Tên cơ quan khi viết trong câu",
        validators=[Length(max=255, message=TOO_LONG), PlainText()],
        render_kw={"placeholder": "Ví dụ: Ban Dân vận Tỉnh ủy"},
    )
    archive = StringField(
        "Lưu",
        validators=[Length(max=120, message=TOO_LONG), PlainText()],
        render_kw={"placeholder": "Ví dụ: VT, HĐXC"},
    )
    emblem = FileField("Biểu tượng riêng của cơ quan (PNG hoặc SVG)", render_kw={"accept": ".png,.svg,image/png,image/svg+xml"})
    emblem_remove = BooleanField("Bỏ biểu tượng riêng, dùng biểu tượng theo thể thức")
    signer_prefix = SelectField("Thẩm quyền ký", choices=[(prefix.value, prefix.label) for prefix in SignerPrefix])
    signer_authority = StringField(
        "Tập thể lãnh đạo, người đứng đầu (sau thẩm quyền ký)",
        validators=[Length(max=255, message=TOO_LONG), PlainText()],
        render_kw={"placeholder": "Ví dụ: BAN THƯỜNG VỤ"},
    )
    signer_title = StringField(
        "Chức vụ người ký",
        validators=[Length(max=255, message=TOO_LONG), PlainText()],
        render_kw={"placeholder": "Ví dụ: TRƯỞNG BAN"},
    )
    signer_name = StringField(
        "Họ và tên người ký",
        validators=[Length(max=255, message=TOO_LONG), PlainText()],
        render_kw={"placeholder": "Ví dụ: Nguyễn Văn An"},
    )
    certificate_title = StringField(
        "Tên in trên giấy khen",
        validators=[Length(max=60, message=TOO_LONG), PlainText()],
        render_kw={"list": "certificate-titles", "autocomplete": "off"},
    )
    certificate_design = SelectField("Mẫu trình bày", choices=[(design.value, design.label) for design in CertificateDesign])
    reason_template = TextAreaField(
        "Lý do khen thưởng",
        validators=[Length(max=1000, message=TOO_LONG), PlainText(multiline=True)],
        render_kw={"rows": 3},
    )
    legal_bases = FieldList(FormField(LegalBasisRowForm), min_entries=0)
    layout = FormField(BlankLayoutForm)
    layout_reset = BooleanField("Khôi phục vị trí mặc định cho tất cả các trường")

    def __init__(self, *args, award_form: AwardForm | None = None, prefill_bases=None, **kwargs):
        """The saved form as it stands: an empty field stays empty (a commune's People's Committee has no parent
        body under Decree 30), since the defaults were applied once, when the form was created
        (`operations.create_award_form`). `prefill_bases`: legal bases shown when the form has none (GET only),
        which a decision cannot do without and the editor never lets one save."""
        if award_form is not None:
            data = self.initial_data(award_form)
            for name in ("parent_body", "issuing_body", "issuer_code", "place_name", "signer_authority", "signer_title",
                         "signer_name", "certificate_title", "reason_template", "issuer_in_text", "archive"):
                data[name] = getattr(award_form, name) or ""
            # No system chosen reads as the Party's (`AwardForm.document_format`): shown as such, never as the unit's.
            data["document_system_id"] = award_form.document_system_id or _party_system_id()
            data["signer_prefix"] = award_form.signer_prefix.value
            data["certificate_design"] = award_form.certificate_design.value
            bases = award_form.legal_bases or list(prefill_bases or ())
            data["legal_bases"] = [
                {"text": basis.text, "valid_from": basis.valid_from, "valid_to": basis.valid_to} for basis in bases
            ]
            data["layout"] = {
                name: {"x": box.x, "y": box.y, "w": box.w, "size": box.size, "align": box.align}
                for name, box in layout.effective_layout(award_form.blank_layout).items()
            }
            kwargs["data"] = data | kwargs.get("data", {})
            award_form = None
        formdata = args[0] if args else kwargs.get("formdata", _Auto)
        super().__init__(*args, award_form=award_form, **kwargs)
        formdata = self.meta.wrap_formdata(self, formdata)
        # Rows absent from a posted form (a page that edits only the rule) leave the bases as they are.
        self.posted_names = set(formdata.keys()) if formdata is not None else set()
        self.legal_bases_posted = any(key.startswith("legal_bases-") for key in self.posted_names)
        self.legal_bases_errors: list[str] = []
        self.saved_entries: list = []
        self.stored_emblem: str | None = None
        self.document_system_id.choices = document_system_choices()
        self.signer_prefix.choices = prefix_choices(self.document_format)
        self.follow_system_examples()

    def follow_system_examples(self) -> None:
        """Each issuer field's placeholder from an issuer of the chosen system ("BAN DÂN VẬN" for the Party's,
        "ỦY BAN NHÂN DÂN XÃ TỊNH KHÊ" for the State's). A copy of render_kw: the class's dict is shared by every form."""
        example = issuer_example(self.document_format)
        examples = {
            "parent_body": example.parent_body or "Để trống nếu không có cơ quan chủ quản",
            "issuing_body": example.issuing_body,
            "issuer_code": example.code,
            "place_name": example.place,
            "issuer_in_text": example.in_text,
            "archive": example.archive,
            "signer_authority": example.collective,
            "signer_title": example.head,
        }
        for name, text in examples.items():
            field = self[name]
            lead = "" if text.startswith("Để trống") else "Ví dụ: "
            field.render_kw = {**(field.render_kw or {}), "placeholder": f"{lead}{text}"}

    @property
    def document_format(self):
        """The system chosen in the form (as posted, else as saved): the preview and the prefix labels follow it."""
        return document_format_for(self.document_system_id.data)

    def add_basis_row(self) -> None:
        self.legal_bases.append_entry()

    def validate(self, extra_validators=None) -> bool:
        """Format errors and the rules that need no database, all shown at once beside their fields."""
        ok = super().validate(extra_validators)
        for field in (self.signer_prefix, self.certificate_design):
            if field.errors:
                field.errors = [INVALID_CHOICE]
        # Only a system on offer may be chosen (checked here, so that a page posting only the rule passes).
        offered = {choice.value for choice in self.document_system_id.choices}
        if self.document_system_id.errors or (
            "document_system_id" in self.posted_names and self.document_system_id.data not in offered
        ):
            self.document_system_id.errors = [INVALID_CHOICE]
            ok = False
        for _, _, box_form, _ in layout_rows(self.layout):
            if "align" in box_form.form and box_form.form.align.errors:
                box_form.form.align.errors = [INVALID_CHOICE]
        problems = input_problems(AwardFormInput(**dict.fromkeys(RULE_FIELDS), **self._parts(checking=True)))
        self.attach(problems)
        return ok and not problems

    def _kept_entries(self) -> list:
        return [
            entry for entry in self.legal_bases
            if not entry.form.remove.data
            and ((entry.form.text.data or "").strip() or entry.form.valid_from.data or entry.form.valid_to.data
                 or entry.form.valid_from.errors or entry.form.valid_to.errors)
        ]

    def _parts(self, *, checking: bool = False) -> dict:
        """Everything but the rule, as AwardFormInput takes it. While `checking`, parts that failed to parse are
        left out (their own error is already shown) and a choice that is not offered counts as not given."""
        parts: dict = {"legal_bases": None}
        if self.legal_bases_posted:
            self.saved_entries = self._kept_entries()
            parts["legal_bases"] = tuple(
                LegalBasisInput(entry.form.text.data or "", entry.form.valid_from.data, entry.form.valid_to.data)
                for entry in self.saved_entries
            )
        if self.layout_reset.data:
            parts["blank_layout"] = {}
        else:
            parts["blank_layout"] = {
                name: {axis: box_form.form[axis].data for axis in box_form.form._fields}
                for name, _, box_form, _ in layout_rows(self.layout)
                if not (checking and box_form.errors)
            }
        # A part absent from the request (a page that edits only the rule) is left as it is.
        for name in ISSUER_FIELDS:
            if name not in self.posted_names or (checking and getattr(self, name).errors):
                continue
            value = getattr(self, name).data or ""
            if name == "document_system_id":
                value = getattr(self, name).data
            elif name == "signer_prefix":
                value = SignerPrefix(value)
            elif name == "certificate_design":
                value = CertificateDesign(value)
            parts[name] = value
        return parts

    def to_input(self) -> AwardFormInput:
        emblem = self.stored_emblem or ("" if self.emblem_remove.data else None)
        return AwardFormInput(**self.rule_input(), **self._parts(), emblem_file=emblem)

    def field_for(self, name: str | None):
        """Also finds "legal_bases.<index>.<part>" (index among the saved rows) and "blank_layout.<field>.<axis>"."""
        if not name:
            return None
        parts = name.split(".")
        if parts[0] == "legal_bases":
            if len(parts) == 3 and int(parts[1]) < len(self.saved_entries):
                return self.saved_entries[int(parts[1])].form[parts[2]]
            return None
        if parts[0] == "blank_layout" and len(parts) == 3:
            return self.layout[parts[1]].form[parts[2]]
        return super().field_for(name)

    def attach(self, problems) -> list[str]:
        for problem in problems:
            if problem.field == "legal_bases":
                self.legal_bases_errors.append(problem.message)
        return super().attach(problems)

    def messages(self) -> list[str]:
        """Every error shown beside a field, once each, in page order (for the summary at the top)."""
        found: list[str] = []

        def walk(fields):
            for field in fields:
                if isinstance(field, FormField):
                    walk(field.form)
                elif isinstance(field, FieldList):
                    for entry in field:
                        walk(entry.form)
                elif field.name != "csrf_token":
                    found.extend(message for message in field.errors if isinstance(message, str))
            return found

        walk(self)
        found.extend(self.legal_bases_errors)
        return list(dict.fromkeys(found))
