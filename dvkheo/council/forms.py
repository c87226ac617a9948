"""Forms of the council pages. Every message is Vietnamese; choices are checked against the page's own lists."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length
from wtforms.widgets import CheckboxInput, ListWidget

from dvkheo.core.fields import VNDateField, VNIntegerField
from dvkheo.council.models import CouncilRole
from dvkheo.council.operations import ELECTRONIC, PAPER

INVALID_CHOICE = "Lựa chọn không hợp lệ; vui lòng chọn lại."
COUNCIL_ROLE_CHOICES = [(CouncilRole.MEMBER.value, CouncilRole.MEMBER.label), (CouncilRole.CHAIR.value, CouncilRole.CHAIR.label)]


def _vietnamese_choice_errors(form) -> None:
    """WTForms' own "Not a valid choice" is English: replace it on every choice field."""
    for field in form:
        if isinstance(field, (SelectField, RadioField, SelectMultipleField)) and field.errors:
            field.errors = [INVALID_CHOICE]


class MemberAddForm(FlaskForm):
    user_id = SelectField("Tài khoản", coerce=int, choices=[])
    council_role = SelectField("Vai trò trong Hội đồng", choices=COUNCIL_ROLE_CHOICES, default=CouncilRole.MEMBER.value)
    scores_nominations = BooleanField("Chấm điểm hồ sơ", default=True)

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.user_id.choices = [(user.id, f"{user.full_name} · {user.role.label} · {user.unit.name if user.unit else ''}") for user in candidates]

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        _vietnamese_choice_errors(self)
        return ok


class MemberEditForm(FlaskForm):
    council_role = SelectField("Vai trò trong Hội đồng", choices=COUNCIL_ROLE_CHOICES)
    scores_nominations = BooleanField("Chấm điểm hồ sơ")

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        _vietnamese_choice_errors(self)
        return ok


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class BallotForm(FlaskForm):
    award_form_id = SelectField("Hình thức khen thưởng", coerce=int, choices=[])
    meeting_on = VNDateField("Ngày họp")
    meeting_time = StringField(
        "Giờ họp", validators=[Length(max=40, message="Tối đa 40 ký tự.")], render_kw={"placeholder": "Ví dụ: 08 giờ 00"}
    )
    meeting_place = StringField(
        "Địa điểm họp",
        validators=[Length(max=255, message="Tối đa 255 ký tự.")],
        render_kw={"placeholder": "Ví dụ: Hội trường Ban Dân vận Tỉnh ủy"},
    )
    nomination_ids = MultiCheckboxField("Hồ sơ đưa vào phiếu bầu", coerce=int, choices=[])

    def __init__(self, *args, award_forms=(), nominations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.award_form_id.choices = [(form.id, form.name) for form in award_forms]
        self.nomination_ids.choices = [(n.id, f"{n.display_title} · {n.unit.name}") for n in nominations]

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        _vietnamese_choice_errors(self)
        if self.meeting_on.data is None and not self.meeting_on.errors:
            self.meeting_on.errors = list(self.meeting_on.errors) + ["Vui lòng nhập ngày họp (ngày/tháng/năm)."]
            ok = False
        if not (self.meeting_place.data or "").strip():
            self.meeting_place.errors = list(self.meeting_place.errors) + ["Vui lòng nhập địa điểm họp."]
            ok = False
        if not self.nomination_ids.data and not self.nomination_ids.errors:
            self.nomination_ids.errors = list(self.nomination_ids.errors) + ["Vui lòng chọn ít nhất một hồ sơ."]
            ok = False
        return ok


class AttendanceRowForm(Form):
    attendance_id = HiddenField()
    presence = RadioField(
        "Dự họp",
        choices=[("present", "Có mặt"), ("absent", "Vắng mặt")],
        default="present",
    )
    vote_mode = SelectField(
        "Cách bỏ phiếu",
        choices=[(ELECTRONIC, "Bỏ phiếu điện tử"), (PAPER, "Bỏ phiếu giấy")],
        default=ELECTRONIC,
    )
    written_opinion = TextAreaField(
        "Ý kiến bằng văn bản (số, ngày văn bản)",
        validators=[Length(max=2000, message="Tối đa 2.000 ký tự.")],
        render_kw={"rows": 2},
    )
    written_opinion_on = VNDateField("Ngày nhận ý kiến")


class AttendanceForm(FlaskForm):
    rows = FieldList(FormField(AttendanceRowForm))

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        for row in self.rows:
            _vietnamese_choice_errors(row.form)
        return ok


class ItemTallyForm(Form):
    item_id = HiddenField()
    agree_paper = VNIntegerField("Phiếu giấy đồng ý", minimum=0, maximum=999, default=0)
    disagree_paper = VNIntegerField("Phiếu giấy không đồng ý", minimum=0, maximum=999, default=0)
    agree_written = VNIntegerField("Ý kiến văn bản đồng ý", minimum=0, maximum=999, default=0)
    disagree_written = VNIntegerField("Ý kiến văn bản không đồng ý", minimum=0, maximum=999, default=0)


class TallyForm(FlaskForm):
    paper_ballots = VNIntegerField("Số phiếu giấy thu về", minimum=0, maximum=999, default=0)
    items = FieldList(FormField(ItemTallyForm))


AGREE, DISAGREE = "agree", "disagree"


def cast_form_class(items):
    """A ballot paper: one required "Đồng ý / Không đồng ý" choice per item, named item-<id>."""

    class CastForm(FlaskForm):
        def choices(self) -> dict[int, bool]:
            return {item.id: self[f"item-{item.id}"].data == AGREE for item in items}

        def validate(self, extra_validators=None) -> bool:
            ok = super().validate(extra_validators)
            for item in items:
                field = self[f"item-{item.id}"]
                if field.errors or field.data not in (AGREE, DISAGREE):
                    field.errors = ["Vui lòng chọn “Đồng ý” hoặc “Không đồng ý”."]
                    ok = False
            return ok

    for item in items:
        setattr(
            CastForm,
            f"item-{item.id}",
            RadioField(item.nomination.display_title, choices=[(AGREE, "Đồng ý"), (DISAGREE, "Không đồng ý")], validate_choice=False),
        )
    return CastForm
