"""The document-system editor: every value of a DocumentFormat, with Vietnamese labels."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Length

from dvkheo.core.fields import PlainText
from dvkheo.core.forms import TOO_LONG
from dvkheo.documents.formats import PREFIX_KEYS, DocumentFormat
from dvkheo.documents.operations import CHOICES

PREFIX_LABELS = {
    "ON_BEHALF_OF_COLLECTIVE": "Thay mặt tập thể (T/M hoặc TM.)",
    "DEPUTY": "Ký thay người đứng đầu (K/T hoặc KT.)",
    "BY_ORDER": "Thừa lệnh (T/L hoặc TL.)",
    "AUTHORISED": "Thừa ủy quyền (T/UQ hoặc TUQ.)",
    "ACTING": "Quyền (Q.)",
}
SELECT_LABELS = {
    "issuer_mark": "Dấu dưới tên cơ quan ban hành",
    "recipients_label_style": "Cách viết “Nơi nhận:”",
    "recipient_end": "Dấu cuối mỗi dòng nơi nhận",
    "running_date": "Ngày tháng khi viện dẫn văn bản trong câu",
    "basis_style": "Cách trình bày căn cứ",
    "enacting": "Dòng ban hành trước các điều",
    "appendix_numerals": "Số thứ tự phụ lục",
    "emblem": "Biểu tượng trên giấy khen",
}


def _select(name: str) -> SelectField:
    return SelectField(SELECT_LABELS[name], choices=[SelectChoice(key, label) for key, label in CHOICES[name].items()])


def _split(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class DocumentSystemForm(FlaskForm):
    code = StringField(
        "Mã thể thức",
        validators=[Length(max=40, message=TOO_LONG), PlainText()],
        render_kw={"placeholder": "Ví dụ: doan-thanh-nien", "autocomplete": "off", "spellcheck": "false"},
    )
    name = StringField(
        "Tên thể thức",
        validators=[Length(max=160, message=TOO_LONG), PlainText()],
        render_kw={"placeholder": "Ví dụ: Văn bản của Đoàn TNCS Hồ Chí Minh"},
    )
    header_lines = TextAreaField(
        "Tiêu đề bên phải (mỗi dòng một dòng in)", validators=[Length(max=500, message=TOO_LONG), PlainText(multiline=True)], render_kw={"rows": 2}
    )
    issuer_mark = _select("issuer_mark")
    number_lead = StringField(
        "Chữ trước số", validators=[Length(max=10, message=TOO_LONG), PlainText()], render_kw={"placeholder": "Số hoặc Số:", "size": 6}
    )
    number_pattern = StringField(
        "Mẫu số, ký hiệu",
        validators=[Length(max=60, message=TOO_LONG), PlainText()],
        render_kw={"placeholder": "{n}-{type}/{body}", "autocomplete": "off", "spellcheck": "false"},
    )
    prefix_ON_BEHALF_OF_COLLECTIVE = StringField(PREFIX_LABELS["ON_BEHALF_OF_COLLECTIVE"], validators=[Length(max=12, message=TOO_LONG), PlainText()])
    prefix_DEPUTY = StringField(PREFIX_LABELS["DEPUTY"], validators=[Length(max=12, message=TOO_LONG), PlainText()])
    prefix_BY_ORDER = StringField(PREFIX_LABELS["BY_ORDER"], validators=[Length(max=12, message=TOO_LONG), PlainText()])
    prefix_AUTHORISED = StringField(PREFIX_LABELS["AUTHORISED"], validators=[Length(max=12, message=TOO_LONG), PlainText()])
    prefix_ACTING = StringField(PREFIX_LABELS["ACTING"], validators=[Length(max=12, message=TOO_LONG), PlainText()])
    recipients_label_style = _select("recipients_label_style")
    recipient_end = _select("recipient_end")
    archive_pattern = StringField(
        "Mẫu dòng lưu", validators=[Length(max=60, message=TOO_LONG), PlainText()], render_kw={"placeholder": "- Lưu {archive}."}
    )
    default_archive = StringField(
        "Nơi lưu mặc định", validators=[Length(max=60, message=TOO_LONG), PlainText()], render_kw={"placeholder": "VT"}
    )
    running_date = _select("running_date")
    basis_style = _select("basis_style")
    enacting = _select("enacting")
    summary_lead = StringField(
        "Chữ mở đầu trích yếu", validators=[Length(max=30, message=TOO_LONG), PlainText()], render_kw={"placeholder": "về việc"}
    )
    appendix_numerals = _select("appendix_numerals")
    certificate_lines = TextAreaField(
        "Dòng tiêu đề trên giấy khen (mỗi dòng một dòng in)", validators=[Length(max=500, message=TOO_LONG), PlainText(multiline=True)],
        render_kw={"rows": 2},
    )
    emblem = _select("emblem")

    def __init__(self, *args, source: DocumentFormat | None = None, **kwargs):
        if source is not None:  # posted values, when any, take precedence
            kwargs["data"] = self.initial_data(source) | kwargs.get("data", {})
        super().__init__(*args, **kwargs)

    @staticmethod
    def initial_data(fmt: DocumentFormat) -> dict:
        values = fmt.as_dict()
        data = {key: values[key] for key in CHOICES}
        data.update(
            code=fmt.code,
            name=fmt.name,
            header_lines="\n".join(fmt.header_lines),
            certificate_lines="\n".join(fmt.certificate_lines),
            number_lead=fmt.number_lead.strip(),
            number_pattern=fmt.number_pattern,
            archive_pattern=fmt.archive_pattern,
            default_archive=fmt.default_archive,
            summary_lead=fmt.summary_lead,
        )
        for key in PREFIX_KEYS:
            data[f"prefix_{key}"] = fmt.authority_prefixes.get(key, "")
        return data

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        for name in CHOICES:
            if self[name].errors:
                self[name].errors = ["Lựa chọn không hợp lệ; vui lòng chọn lại."]
        return ok

    def settings(self) -> dict:
        """The typed values as DocumentFormat settings (not yet cleaned: the operations clean and check them)."""
        values = {name: self[name].data for name in CHOICES}
        values.update(
            header_lines=_split(self.header_lines.data),
            certificate_lines=_split(self.certificate_lines.data),
            number_lead=self.number_lead.data or "",
            number_pattern=self.number_pattern.data or "",
            archive_pattern=self.archive_pattern.data or "",
            default_archive=self.default_archive.data or "",
            summary_lead=self.summary_lead.data or "",
            authority_prefixes={key: self[f"prefix_{key}"].data or "" for key in PREFIX_KEYS},
        )
        return values

    def attach(self, problems) -> list[str]:
        for problem in problems:
            if problem.field and problem.field in self:
                self[problem.field].errors = list(self[problem.field].errors) + [problem.message]
        return [problem.message for problem in problems]

    def messages(self) -> list[str]:
        found = []
        for field in self:
            if field.name != "csrf_token":
                found.extend(message for message in field.errors if isinstance(message, str))
        return list(dict.fromkeys(found))
