"""Forms of the decision pages; every message is Vietnamese and choices come from the page's own lists."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, FieldList, Form, FormField, HiddenField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Length

from dvkheo.awards.decisions import DraftInput, LineInput
from dvkheo.awards.models import SignerPrefix
from dvkheo.core.fields import PlainText, VNDateField
from dvkheo.core.forms import TOO_LONG
from dvkheo.council.forms import INVALID_CHOICE, MultiCheckboxField


def _length(limit: int) -> Length:
    return Length(max=limit, message=TOO_LONG)


class NewDecisionForm(FlaskForm):
    nomination_ids = MultiCheckboxField("Hồ sơ đưa vào quyết định", coerce=int, choices=[])

    def __init__(self, *args, candidate_list=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.nomination_ids.choices = [
            SelectChoice(c.nomination_id, c.nomination.nominee_name) for c in (candidate_list.candidates if candidate_list else [])
        ]

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.nomination_ids.errors:
            # A box that is no longer offered (on hold, taken by another draft) was ticked.
            self.nomination_ids.errors = [
                "Danh sách hồ sơ đã thay đổi (có hồ sơ vừa bị tạm dừng xét hoặc đã được đưa vào quyết định khác); "
                "vui lòng xem lại và chọn lại."
            ]
        elif not self.nomination_ids.data:
            self.nomination_ids.errors = ["Vui lòng chọn ít nhất một hồ sơ để đưa vào quyết định."]
            ok = False
        return ok


class LineForm(Form):
    line_id = HiddenField()
    recipient_name = StringField("Tên tập thể, cá nhân", validators=[_length(255), PlainText()])
    recipient_detail = StringField("Chức vụ, đơn vị", validators=[_length(500), PlainText()])
    reason = TextAreaField("Lý do khen thưởng (in trên giấy khen)", validators=[_length(2000), PlainText(multiline=True)])
    remove = BooleanField("Bỏ khỏi danh sách")


SIGNER_PREFIX_CHOICES = [SelectChoice(prefix.value, prefix.label) for prefix in SignerPrefix]


class DecisionEditForm(FlaskForm):
    parent_body = StringField("Cơ quan chủ quản (dòng trên)", validators=[_length(255), PlainText()])
    issuing_body = StringField("Cơ quan ban hành", validators=[_length(255), PlainText()])
    place_name = StringField("Địa danh ghi ngày tháng", validators=[_length(120), PlainText()])
    signer_prefix = SelectField("Thẩm quyền ký", choices=SIGNER_PREFIX_CHOICES)
    signer_authority = StringField("Tập thể, người đứng đầu được ký thay (sau TM., KT., ...)", validators=[_length(255), PlainText()])
    signer_title = StringField("Chức vụ người ký", validators=[_length(255), PlainText()])
    signer_name = StringField("Họ tên người ký", validators=[_length(255), PlainText()])
    title = TextAreaField("Trích yếu (Về việc ...)", validators=[_length(2000), PlainText(multiline=True)])
    legal_bases = TextAreaField("Căn cứ ban hành (mỗi căn cứ một dòng)", validators=[_length(10000), PlainText(multiline=True)])
    considering = TextAreaField("Xét đề nghị", validators=[_length(2000), PlainText(multiline=True)])
    articles = TextAreaField("Các điều của quyết định (mỗi điều một đoạn)", validators=[_length(20000), PlainText(multiline=True)])
    recipients = TextAreaField("Nơi nhận (mỗi nơi một dòng)", validators=[_length(4000), PlainText(multiline=True)])
    lines = FieldList(FormField(LineForm))
    add_nomination_ids = MultiCheckboxField("Bổ sung hồ sơ vào danh sách", coerce=int, choices=[])

    def __init__(self, *args, candidate_list=None, fmt=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_nomination_ids.choices = [
            SelectChoice(c.nomination_id, c.nomination.nominee_name) for c in (candidate_list.candidates if candidate_list else [])
        ]
        self.authority_hint = ""
        if fmt is not None:
            self._follow_system(fmt)

    def _follow_system(self, fmt) -> None:
        """The prefixes and examples as the draft's own system writes them: "T/M BAN THƯỜNG VỤ" in a Party draft,
        "TM. ỦY BAN NHÂN DÂN" in a State one. A prefix the system does not write keeps its generic label."""
        from dvkheo.awards.forms import PREFIX_MEANINGS
        from dvkheo.awards.operations import authority_example

        choices = [SelectChoice(SignerPrefix.NONE.value, SignerPrefix.NONE.label)]
        for prefix, meaning in PREFIX_MEANINGS.items():
            written = fmt.prefix(prefix.name)
            choices.append(SelectChoice(prefix.value, f"{written} ({meaning})" if written else prefix.label))
        self.signer_prefix.choices = choices
        collective = fmt.prefix(SignerPrefix.ON_BEHALF_OF_COLLECTIVE.name) or SignerPrefix.ON_BEHALF_OF_COLLECTIVE.value
        deputy = fmt.prefix(SignerPrefix.DEPUTY.name) or SignerPrefix.DEPUTY.value
        self.signer_authority.label.text = f"Tập thể, người đứng đầu được ký thay (sau {collective}, {deputy}, ...)"
        self.authority_hint = (
            f"Ví dụ: {authority_example(SignerPrefix.ON_BEHALF_OF_COLLECTIVE, fmt)} (sau “{collective}”), "
            f"{authority_example(SignerPrefix.DEPUTY, fmt)} (sau “{deputy}”)."
        )

    @classmethod
    def for_decision(cls, decision, candidate_list):
        form = cls(
            formdata=None,
            candidate_list=candidate_list,
            fmt=decision.format,
            data={
                "parent_body": decision.parent_body,
                "issuing_body": decision.issuing_body,
                "place_name": decision.place_name,
                "signer_prefix": decision.signer_prefix.value,
                "signer_authority": decision.signer_authority,
                "signer_title": decision.signer_title,
                "signer_name": decision.signer_name,
                "title": decision.title,
                "legal_bases": "\n".join(decision.legal_bases or []),
                "considering": decision.considering,
                "articles": decision.articles,
                "recipients": decision.recipients,
            },
        )
        for line in decision.awardees:
            form.lines.append_entry(
                {
                    "line_id": str(line.id),
                    "recipient_name": line.recipient_name,
                    "recipient_detail": line.recipient_detail,
                    "reason": line.reason,
                    "remove": False,
                }
            )
        return form

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        for field in (self.signer_prefix, self.add_nomination_ids):
            if field.errors:
                field.errors = [INVALID_CHOICE]
        return ok

    def to_input(self) -> DraftInput:
        return DraftInput(
            parent_body=self.parent_body.data or "",
            issuing_body=self.issuing_body.data or "",
            place_name=self.place_name.data or "",
            signer_prefix=SignerPrefix(self.signer_prefix.data),
            signer_authority=self.signer_authority.data or "",
            signer_title=self.signer_title.data or "",
            signer_name=self.signer_name.data or "",
            title=self.title.data or "",
            legal_bases=(self.legal_bases.data or "").replace("\r\n", "\n").split("\n"),
            considering=self.considering.data or "",
            articles=self.articles.data or "",
            recipients=self.recipients.data or "",
            lines=[
                LineInput(
                    line_id=int(entry.form.line_id.data),
                    recipient_name=entry.form.recipient_name.data or "",
                    recipient_detail=entry.form.recipient_detail.data or "",
                    reason=entry.form.reason.data or "",
                    remove=bool(entry.form.remove.data),
                )
                for entry in self.lines
                if (entry.form.line_id.data or "").isdigit()
            ],
            add_nomination_ids=list(self.add_nomination_ids.data or []),
        )


class ReturnForm(FlaskForm):
    reason = TextAreaField("Lý do trả lại", validators=[_length(2000)])


class IssueForm(FlaskForm):
    decided_on = VNDateField("Ngày ban hành (ngày ký)")
    acknowledge = BooleanField("Tôi đã xem xét các cảnh báo")


class SignedCopyForm(FlaskForm):
    """The digitally signed PDF of an issued decision; what is in it is judged by dvkheo.awards.signed_copy."""

    file = FileField(
        "Tệp PDF đã ký số",
        validators=[FileRequired("Vui lòng chọn tệp PDF đã ký số của quyết định.")],
        render_kw={"accept": "application/pdf,.pdf"},
    )
