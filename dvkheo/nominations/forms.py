"""The nomination form: the report sections of domain.md, plus evidence per criterion.

Draft-level checks (types, lengths, files) live here; what a *submitted* dossier needs is
checked by `eligibility`, so a draft can be saved incomplete at any time.
"""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FileField,
    HiddenField,
    MultipleFileField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import Length, Optional, ValidationError

from dvkheo.campaigns.models import Campaign, NomineeKind, ReferenceItem
from dvkheo.core.fields import VNDateField, VNIntegerField
from dvkheo.core.forms import TOO_LONG
from dvkheo.privacy.notices import NOMINEE_CONSENT_LABEL


def _text(label: str, max_length: int = 255, **kwargs) -> StringField:
    return StringField(label, validators=[Optional(), Length(max=max_length, message=TOO_LONG)], **kwargs)


def _long(label: str, **kwargs) -> TextAreaField:
    return TextAreaField(label, validators=[Optional(), Length(max=20000, message=TOO_LONG)], **kwargs)


class NominationForm(FlaskForm):
    title = _text("Tên mô hình, điển hình", 300)
    nominee_name = _text("Tên tập thể, cá nhân được đề nghị")
    collective_type_id = SelectField("Loại hình tập thể", coerce=int, validators=[Optional()])
    individual_category_id = SelectField("Đối tượng cá nhân", coerce=int, validators=[Optional()])
    nominee_position = _text("Chức vụ, đơn vị công tác")
    nominee_birth_year = VNIntegerField("Năm sinh", minimum=1920, maximum=2015)
    # Law 91/2025: the unit confirms the individual agreed to their personal details being passed on.
    nominee_consent = BooleanField(NOMINEE_CONSENT_LABEL)
    field_id = SelectField("Lĩnh vực", coerce=int, validators=[Optional()])
    locality = _text("Địa bàn thực hiện")
    started_on = VNDateField("Thời gian bắt đầu")
    duration = _text("Thời gian thực hiện", 120, render_kw={"placeholder": "ví dụ: 3 năm (2023 - 2026)"})
    situation = _long("Tình hình trước khi thực hiện")
    method = _long("Cách làm, giải pháp sáng tạo")
    participation = _long("Sự tham gia của Nhân dân")
    results = _long("Kết quả đạt được")
    households_count = VNIntegerField("Số hộ dân tham gia")
    money_contributed_vnd = VNIntegerField("Kinh phí Nhân dân đóng góp (đồng)", maximum=10**15 - 1)  # a BIGINT column
    working_days = VNIntegerField("Ngày công lao động")
    road_length_m = VNIntegerField("Chiều dài đường (mét)")
    area_m2 = VNIntegerField("Diện tích (m²)")
    cases_resolved = VNIntegerField("Số vụ việc được giải quyết")
    replication = _long("Khả năng lan tỏa, nhân rộng")
    review_held_on = VNDateField("Ngày họp bình xét công khai")
    review_attendees = VNIntegerField("Số người dự họp")
    review_votes_cast = VNIntegerField("Số phiếu biểu quyết")
    review_votes_for = VNIntegerField("Số phiếu đồng ý")

    evidence = MultipleFileField("Minh chứng chung cho hồ sơ")
    review_minutes = FileField("Biên bản bình xét công khai (bản scan)")
    # Signed list of files accepted in an earlier, failed attempt; they are attached on success.
    staged_uploads = HiddenField()

    save_draft = SubmitField("Lưu nháp")
    submit_dossier = SubmitField("Nộp hồ sơ")

    def __init__(self, campaign: Campaign, kind: NomineeKind, reference: dict, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.campaign, self.kind = campaign, kind
        placeholder = [(0, "— Chọn —")]
        self.field_id.choices = placeholder + [(f.id, f.name) for f in campaign.allowed_fields if f.active]
        self.collective_type_id.choices = placeholder + [(i.id, i.name) for i in reference["collective_type"]]
        self.individual_category_id.choices = placeholder + [(i.id, i.name) for i in reference["individual_category"]]
        self.criterion_files: list[tuple] = []

    def validate_review_votes_for(self, field) -> None:
        # The database refuses this too; saying it here keeps the draft and the typed values.
        cast = self.review_votes_cast.data
        if field.data is not None and cast is not None and field.data > cast:
            raise ValidationError("Số phiếu đồng ý không thể lớn hơn số phiếu biểu quyết.")

    def validate_review_votes_cast(self, field) -> None:
        attendees = self.review_attendees.data
        if field.data is not None and attendees is not None and field.data > attendees:
            raise ValidationError("Số phiếu biểu quyết không thể lớn hơn số người dự họp.")

    @property
    def wants_submit(self) -> bool:
        return bool(self.submit_dossier.data)


def evidence_field_name(criterion_id: int) -> str:
    return f"evidence_criterion_{criterion_id}"


def build_form(campaign: Campaign, kind: NomineeKind, reference: dict[str, list[ReferenceItem]], **kwargs) -> NominationForm:
    """A form class with one evidence upload per rubric criterion of this campaign."""
    attrs = {
        evidence_field_name(criterion.id): MultipleFileField(f"Minh chứng cho tiêu chí: {criterion.title}")
        for criterion in campaign.criteria
    }
    form_class = type("CampaignNominationForm", (NominationForm,), attrs)
    form = form_class(campaign, kind, reference, **kwargs)
    form.criterion_files = [(criterion, form[evidence_field_name(criterion.id)]) for criterion in campaign.criteria]
    return form


class ReturnForm(FlaskForm):
    reason = TextAreaField("Lý do trả lại, nội dung cần bổ sung", validators=[Length(max=5000, message=TOO_LONG)])


class WithdrawForm(FlaskForm):
    reason = TextAreaField("Lý do rút hồ sơ (không bắt buộc)", validators=[Optional(), Length(max=5000, message=TOO_LONG)])
