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

from dvkheo.core.fields import PlainText, VNDateField, VNIntegerField
from dvkheo.council.clock import clock_problem, ends_before_start
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


def _clock_field(label: str, example: str, **kwargs) -> StringField:
    return StringField(
        label,
        **kwargs,
        validators=[Length(max=40, message="Tối đa 40 ký tự.")],
        render_kw={"placeholder": f"Ví dụ: {example}", "autocomplete": "off", "class": "clock"},
    )


def _check_clocks(form, start_time: str | None, start_on) -> bool:
    """Each typed time must read as a time, and the meeting must end after it starts."""
    ok = True
    for name in ("meeting_time", "meeting_end_time"):
        field = getattr(form, name, None)
        problem = clock_problem(field.data) if field is not None else None
        if problem:
            field.errors = list(field.errors) + [problem]
            ok = False
    end_time = getattr(form, "meeting_end_time", None)
    end_on = getattr(form, "meeting_end_on", None)
    if end_on is not None and end_on.data and start_on and end_on.data < start_on:
        end_on.errors = list(end_on.errors) + ["Ngày kết thúc không được trước ngày họp."]
        ok = False
    elif ok and end_time is not None and ends_before_start(start_time, start_on, end_time.data, end_on.data if end_on else None):
        end_time.errors = list(end_time.errors) + ["Giờ kết thúc phải sau giờ bắt đầu cuộc họp."]
        ok = False
    return ok


class BallotForm(FlaskForm):
    award_form_id = SelectField("Hình thức khen thưởng", coerce=int, choices=[])
    meeting_on = VNDateField("Ngày họp")
    meeting_time = _clock_field("Giờ bắt đầu", "08:00")
    meeting_end_time = _clock_field("Giờ kết thúc (nếu đã biết)", "11:30")
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
        return _check_clocks(self, self.meeting_time.data, self.meeting_on.data) and ok


class MeetingForm(FlaskForm):
    """The meeting as the minutes will state it, typed by the secretary before or while the ballot is open."""

    meeting_on = VNDateField("Ngày họp")
    meeting_time = _clock_field("Giờ bắt đầu", "08:00")
    meeting_end_time = _clock_field("Giờ kết thúc", "11:30")
    meeting_end_on = VNDateField("Ngày kết thúc")
    meeting_place = StringField(
        "Địa điểm họp",
        validators=[Length(max=255, message="Tối đa 255 ký tự.")],
        render_kw={"placeholder": "Ví dụ: Hội trường Ban Dân vận Tỉnh ủy"},
    )

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.meeting_on.data is None and not self.meeting_on.errors:
            self.meeting_on.errors = list(self.meeting_on.errors) + ["Vui lòng nhập ngày họp (ngày/tháng/năm)."]
            ok = False
        if not (self.meeting_place.data or "").strip():
            self.meeting_place.errors = list(self.meeting_place.errors) + ["Vui lòng nhập địa điểm họp."]
            ok = False
        return _check_clocks(self, self.meeting_time.data, self.meeting_on.data) and ok


class CloseForm(FlaskForm):
    """Beside the close button: when the meeting ended, as the minutes will say it (required)."""

    # Own ids: the meeting form on the same page has fields of the same names.
    meeting_end_time = _clock_field("Giờ kết thúc cuộc họp", "11:30", id="close_end_time")
    meeting_end_on = VNDateField("Ngày kết thúc (nếu khác ngày họp)", id="close_end_on")

    def __init__(self, *args, start_time: str = "", start_on=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.start_time, self.start_on = start_time, start_on

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if not (self.meeting_end_time.data or "").strip():
            self.meeting_end_time.errors = list(self.meeting_end_time.errors) + [
                "Vui lòng nhập giờ kết thúc cuộc họp: biên bản ghi giờ này."
            ]
            return False
        return _check_clocks(self, self.start_time, self.start_on) and ok


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


INHERIT = 0


class CouncilIssuerForm(FlaskForm):
    """How the council's minutes and scoring sheets name it and in which system they are written."""

    council_name = StringField("Tên đầy đủ của Hội đồng", validators=[Length(max=300, message="Tối đa 300 ký tự."), PlainText()])
    council_parent_body = StringField(
        "Cơ quan thành lập Hội đồng (dòng trên “HỘI ĐỒNG XÉT CHỌN”)",
        validators=[Length(max=255, message="Tối đa 255 ký tự."), PlainText()],
    )
    council_code = StringField("Ký hiệu của Hội đồng", validators=[Length(max=40, message="Tối đa 40 ký tự."), PlainText()])
    council_document_system_id = SelectField("Thể thức văn bản", coerce=int, choices=[])
    council_recipients = TextAreaField(
        "Nơi nhận biên bản (mỗi dòng một nơi)",
        validators=[Length(max=2000, message="Tối đa 2.000 ký tự."), PlainText(multiline=True)],
        render_kw={"rows": 3},
    )

    def __init__(self, *args, systems=(), inherited_label: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.council_document_system_id.choices = [(INHERIT, f"Theo hình thức khen thưởng ({inherited_label})")] + [
            (system.id, system.name) for system in systems
        ]

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        _vietnamese_choice_errors(self)
        code = (self.council_code.data or "").strip()
        if code and not all(ch.isalnum() or ch in "-" for ch in code):
            self.council_code.errors = list(self.council_code.errors) + ["Ký hiệu chỉ gồm chữ, số và dấu gạch ngang, ví dụ HĐXC."]
            ok = False
        return ok

    def values(self) -> dict:
        return {
            "council_name": self.council_name.data or "",
            "council_parent_body": self.council_parent_body.data or "",
            "council_code": self.council_code.data or "",
            "council_document_system_id": self.council_document_system_id.data or None,
            "council_recipients": self.council_recipients.data or "",
        }
