"""Forms for campaigns (settings and rubric) and the reference lists.

WTForms ships no Vietnamese catalogue, so every validator here carries its own message and
choice fields use `invalid_*_message`: no English text can reach the page.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, time
from typing import TYPE_CHECKING, Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
)
from wtforms.widgets import CheckboxInput, ListWidget, TextInput

from dvkheo.campaigns.models import Campaign, NomineeKind, ReferenceItem, VoterVerification
from dvkheo.campaigns.operations import PHASE_DATES, SETTING_LABELS, CriterionInput
from dvkheo.core.fields import VNDateField, VNIntegerField
from dvkheo.core.forms import TOO_LONG
from dvkheo.core.timeutil import VIETNAM_TZ, as_vietnam, format_date, format_datetime, today_in_vietnam

if TYPE_CHECKING:
    from dvkheo.units.models import Unit

SESSION_EXPIRED = "Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ; vui lòng tải lại trang và gửi lại."
INVALID_CHOICE = "Lựa chọn không hợp lệ; vui lòng chọn lại."
BLANK_CRITERION_ROWS = 2  # empty lines offered under the rubric for new criteria
ADD_CRITERION_ROWS = 3  # lines added by "Thêm dòng tiêu chí"
MAX_CRITERIA = 50
REVIEW_SETTINGS = (
    "reviewers_per_nomination",
    "disagreement_threshold",
    "blind_scoring",
    "comments_required",
    "use_normalised_score",
    "has_public_stage",
)
VOTING_SETTINGS = (
    "voter_verification",
    "assisted_voting",
    "votes_per_voter",
    "vote_withdrawal_allowed",
    "live_tallies",
    "publish_objection_answers",
    "public_vote_share_percent",
)
PRIVACY_SETTINGS = ("voter_data_retention_days", "objector_data_retention_days")
# A closing moment typed as hh:mm closes at the end of that minute (and an empty time, at the end of the day).
END_OF_DAY = time(23, 59)


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _optional_int(value: Any) -> int | None:
    """Coerce a posted choice; garbage becomes None and is refused by the choice check."""
    if value is None or isinstance(value, int):
        return value
    text = str(value).strip()
    return int(text) if text.isdigit() else None


def _verification(value: Any) -> VoterVerification | None:
    if isinstance(value, VoterVerification) or value is None:
        return value
    return VoterVerification._value2member_map_.get(str(value))


def _days_required(message: str):
    """A blank box is refused; a box absent from the post keeps the stored value (older forms, scripts)."""

    def check(form, field) -> None:
        if field.raw_data and field.data is None and not field.errors:
            from wtforms.validators import StopValidation

            raise StopValidation(message)

    return check


class VNTimeField(StringField):
    """A time of day typed as hh:mm (also 7:30, 7h30, 07.30); stored as a `time`."""

    widget = TextInput()

    def __init__(self, label=None, validators=None, **kwargs):
        render_kw = {"placeholder": "hh:mm", "inputmode": "numeric", "autocomplete": "off", "size": 5}
        render_kw.update(kwargs.pop("render_kw", {}) or {})
        super().__init__(label, validators, render_kw=render_kw, **kwargs)

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        if isinstance(self.data, time):
            return self.data.strftime("%H:%M")
        return self.data or ""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        self.raw_data = valuelist
        text = valuelist[0].strip().lower()
        self.data = None
        if not text:
            return
        match = re.fullmatch(r"(\d{1,2})\s*[:h.]\s*(\d{2})?", text) or re.fullmatch(r"(\d{1,2})()", text)
        if match:
            hour, minute = int(match.group(1)), int(match.group(2) or 0)
            if hour < 24 and minute < 60:
                self.data = time(hour, minute)
                return
        raise ValueError("Giờ không hợp lệ; vui lòng nhập theo dạng giờ:phút, ví dụ 07:30 hoặc 17:00.")


class MultiCheckboxField(SelectMultipleField):
    """A group of checkboxes; the template renders each option (see campaigns/_macros.html)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class CriterionRowForm(Form):
    """One line of the rubric. A blank line is ignored; a line marked "Xóa" is removed."""

    criterion_id = HiddenField()
    position = VNIntegerField("Thứ tự", minimum=1, maximum=MAX_CRITERIA, render_kw={"size": 3})
    title = StringField("Tiêu chí", validators=[Optional(), Length(max=300, message=TOO_LONG)], filters=[_strip])
    # One line, not a textarea: the rubric stays a compact table (a sentence or two per criterion).
    description = StringField("Mô tả, cách chấm", validators=[Optional(), Length(max=2000, message=TOO_LONG)], filters=[_strip])
    max_score = VNIntegerField("Điểm tối đa", minimum=None, maximum=1000, render_kw={"size": 4})
    remove = BooleanField("Xóa")

    @property
    def is_blank(self) -> bool:
        return not (self.criterion_id.data or self.title.data or self.description.data or (self.max_score.raw_data or [""])[0].strip())

    def validate(self, extra_validators=None) -> bool:
        super().validate(extra_validators)
        if self.remove.data or self.is_blank:
            # A line being removed or left empty is not checked: its typed values do not matter.
            for field in self:
                field.errors = []
            return True
        if not self.title.data:
            self.title.errors.append("Vui lòng nhập tên tiêu chí.")
        if self.max_score.data is None and not self.max_score.errors:
            self.max_score.errors.append("Vui lòng nhập điểm tối đa.")
        elif self.max_score.data is not None and self.max_score.data <= 0:
            self.max_score.errors = ["Điểm tối đa phải lớn hơn 0."]
        return not self.errors

    def to_input(self) -> CriterionInput:
        raw_id = (self.criterion_id.data or "").strip()
        return CriterionInput(
            id=int(raw_id) if raw_id.isdigit() else None,
            title=self.title.data or "",
            description=self.description.data or "",
            max_score=self.max_score.data or 0,
            position=self.position.data,
            remove=bool(self.remove.data),
        )


class CampaignForm(FlaskForm):
    """Settings and rubric of one "Đợt bình xét".

    The view deletes `organising_unit_id` for secretaries (their own unit is forced) and
    `criteria` while the rubric is frozen (see operations.RUBRIC_EDITABLE_STATES).
    """

    organising_unit_id = SelectField(
        SETTING_LABELS["organising_unit_id"], coerce=_optional_int,
        invalid_value_message=INVALID_CHOICE, invalid_choice_message="Vui lòng chọn cơ quan tổ chức.",
    )
    title = StringField(
        SETTING_LABELS["title"],
        validators=[DataRequired("Vui lòng nhập tên đợt bình xét."), Length(max=300, message=TOO_LONG)],
        filters=[_strip],
    )
    year = VNIntegerField(
        SETTING_LABELS["year"], minimum=None,
        validators=[InputRequired("Vui lòng nhập năm."), NumberRange(2000, 2100, "Năm phải từ 2000 đến 2100.")],
    )
    description = TextAreaField(
        SETTING_LABELS["description"], validators=[Optional(), Length(max=20000, message=TOO_LONG)], filters=[_strip]
    )
    nominations_open_on = VNDateField(SETTING_LABELS["nominations_open_on"])
    nominations_close_on = VNDateField(SETTING_LABELS["nominations_close_on"])
    review_close_on = VNDateField(SETTING_LABELS["review_close_on"])
    public_voting_open_on = VNDateField(SETTING_LABELS["public_voting_open_on"])
    public_voting_close_on = VNDateField(SETTING_LABELS["public_voting_close_on"])
    decision_on = VNDateField(SETTING_LABELS["decision_on"])
    nominee_kinds = MultiCheckboxField("Loại hồ sơ được nhận", invalid_choice_message=INVALID_CHOICE)
    field_ids = MultiCheckboxField(
        "Lĩnh vực", coerce=_optional_int, invalid_value_message=INVALID_CHOICE, invalid_choice_message=INVALID_CHOICE
    )
    public_review_threshold_percent = VNIntegerField(
        SETTING_LABELS["public_review_threshold_percent"], minimum=None,
        validators=[InputRequired("Vui lòng nhập tỷ lệ (từ 0 đến 100)."), NumberRange(0, 100, "Tỷ lệ phải từ 0 đến 100.")],
    )
    reviewers_per_nomination = VNIntegerField(
        SETTING_LABELS["reviewers_per_nomination"], minimum=1, maximum=15,
        validators=[InputRequired("Vui lòng nhập số thành viên chấm mỗi hồ sơ.")],
    )
    disagreement_threshold = VNIntegerField(
        SETTING_LABELS["disagreement_threshold"], minimum=0, maximum=1000,
        validators=[InputRequired("Vui lòng nhập ngưỡng chênh lệch điểm.")],
    )
    blind_scoring = BooleanField(SETTING_LABELS["blind_scoring"])
    comments_required = BooleanField(SETTING_LABELS["comments_required"])
    use_normalised_score = BooleanField(SETTING_LABELS["use_normalised_score"])
    has_public_stage = BooleanField(SETTING_LABELS["has_public_stage"])
    # Public voting ("Bình chọn công khai")
    voter_verification = SelectField(
        SETTING_LABELS["voter_verification"], coerce=_verification,
        invalid_value_message=INVALID_CHOICE, invalid_choice_message="Vui lòng chọn cách xác thực người bình chọn.",
    )
    assisted_voting = BooleanField(SETTING_LABELS["assisted_voting"])
    votes_per_voter = VNIntegerField(
        SETTING_LABELS["votes_per_voter"], minimum=1, maximum=100,
        validators=[InputRequired("Vui lòng nhập số mô hình, điển hình mỗi người được bình chọn (từ 1 đến 100).")],
    )
    vote_withdrawal_allowed = BooleanField(SETTING_LABELS["vote_withdrawal_allowed"])
    voting_opens_date = VNDateField("Ngày bắt đầu bình chọn")
    voting_opens_time = VNTimeField("Giờ bắt đầu bình chọn")
    voting_closes_date = VNDateField("Ngày kết thúc bình chọn")
    voting_closes_time = VNTimeField("Giờ kết thúc bình chọn")
    live_tallies = BooleanField(SETTING_LABELS["live_tallies"])
    publish_objection_answers = BooleanField(SETTING_LABELS["publish_objection_answers"])
    public_vote_share_percent = VNIntegerField(
        SETTING_LABELS["public_vote_share_percent"], minimum=0, maximum=100,
        validators=[InputRequired("Vui lòng nhập tỷ trọng (từ 0 đến 100; 0: bình chọn chỉ để tham khảo).")],
    )
    # Personal data retention ("Dữ liệu cá nhân"), counted from the publication of the results.
    voter_data_retention_days = VNIntegerField(
        SETTING_LABELS["voter_data_retention_days"], minimum=0, maximum=3650,
        validators=[_days_required("Vui lòng nhập số ngày lưu dữ liệu người bình chọn (từ 0 đến 3.650).")],
    )
    objector_data_retention_days = VNIntegerField(
        SETTING_LABELS["objector_data_retention_days"], minimum=0, maximum=3650,
        validators=[_days_required("Vui lòng nhập số ngày lưu họ tên, liên hệ người phản ánh (từ 0 đến 3.650).")],
    )
    criteria = FieldList(FormField(CriterionRowForm), min_entries=0, max_entries=MAX_CRITERIA)

    add_rows = SubmitField("Thêm dòng tiêu chí")
    save = SubmitField("Lưu")

    def __init__(self, *args, units: Sequence[Unit] | None = None, fields: Sequence[ReferenceItem] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.organising_unit_id.choices = [(0, "— Chọn cơ quan tổ chức —")] + [
            (unit.id, f"{'· ' * unit.depth}{unit.name}") for unit in (units or [])
        ]
        # Choices are set here, not in the class, like every choice list of the app (no WTForms deprecation).
        self.voter_verification.choices = [(method.value, method.label) for method in VoterVerification]
        self.nominee_kinds.choices = [(kind.value, f"{kind.label} ({kind.model_label.lower()})") for kind in NomineeKind]
        self.field_ids.choices = [
            (field.id, field.name if field.active else f"{field.name} (ngừng sử dụng)") for field in fields
        ]

    # --- whole-form rules ------------------------------------------------------------------

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.organising_unit_id is not None and not self.organising_unit_id.errors and not self.organising_unit_id.data:
            self.organising_unit_id.errors.append("Vui lòng chọn cơ quan tổ chức.")
            valid = False
        if not self.nominee_kinds.errors and not self.nominee_kinds.data:
            self.nominee_kinds.errors.append("Chọn ít nhất một loại hồ sơ: tập thể hoặc cá nhân.")
            valid = False
        valid = self._validate_phase_order() and valid
        return self._validate_voting_window() and valid

    def _validate_phase_order(self) -> bool:
        """Each phase date given must not fall before the last earlier one given (same day allowed)."""
        valid = True
        previous = None
        for name in PHASE_DATES:
            field = self[name]
            if field.errors or field.data is None:
                continue
            if previous is not None and field.data < previous.data:
                field.errors.append(
                    f"Ngày này không được trước {previous.label.text.lower()} ({format_date(previous.data)})."
                )
                valid = False
            else:
                previous = field
        return valid

    def voting_moments(self) -> tuple[datetime | None, datetime | None]:
        """(opens, closes) as typed, in Vietnam time; an empty time opens at 00:00 and closes at 23:59.

        A closing minute is included whole: "17:00" accepts votes until 17:00:59.
        """
        opens = closes = None
        if self.voting_opens_date.data is not None:
            opens = datetime.combine(self.voting_opens_date.data, self.voting_opens_time.data or time(0, 0), VIETNAM_TZ)
        if self.voting_closes_date.data is not None:
            closes = datetime.combine(
                self.voting_closes_date.data, self.voting_closes_time.data or END_OF_DAY, VIETNAM_TZ
            ).replace(second=59, microsecond=999999)
        return opens, closes

    def _validate_voting_window(self) -> bool:
        """A time needs its date; the closing moment (typed, or the last public voting day) must follow the opening one."""
        valid = True
        for date_field, time_field in ((self.voting_opens_date, self.voting_opens_time), (self.voting_closes_date, self.voting_closes_time)):
            if time_field.data is not None and date_field.data is None and not date_field.errors:
                date_field.errors.append("Vui lòng nhập cả ngày (hoặc để trống cả ngày và giờ).")
                valid = False
        if not valid or any(f.errors for f in (self.voting_opens_date, self.voting_opens_time, self.voting_closes_date, self.voting_closes_time)):
            return False
        opens, closes = self.voting_moments()
        if opens is None and closes is None:
            return True
        if opens is None and not self.public_voting_open_on.errors and self.public_voting_open_on.data is not None:
            opens = datetime.combine(self.public_voting_open_on.data, time(0, 0), VIETNAM_TZ)
        if closes is None and not self.public_voting_close_on.errors and self.public_voting_close_on.data is not None:
            closes = datetime.combine(self.public_voting_close_on.data, time.max, VIETNAM_TZ)
        if opens is not None and closes is not None and closes <= opens:
            self.voting_closes_date.errors.append(
                f"Thời điểm kết thúc bình chọn phải sau thời điểm bắt đầu ({format_datetime(opens)})."
            )
            return False
        return True

    # --- reading and writing -----------------------------------------------------------------

    @property
    def wants_more_rows(self) -> bool:
        return bool(self.add_rows.data)

    def settings(self) -> dict[str, Any]:
        """Typed values for operations.update_campaign / create_campaign."""
        values: dict[str, Any] = {
            name: self[name].data
            for name in ("title", "year", "description", *PHASE_DATES, "public_review_threshold_percent", *REVIEW_SETTINGS)
        }
        values["description"] = values["description"] or ""
        values.update({name: self[name].data for name in VOTING_SETTINGS})
        values.update({name: self[name].data for name in PRIVACY_SETTINGS if self[name].data is not None})
        values["voting_opens_at"], values["voting_closes_at"] = self.voting_moments()
        values["allow_collective"] = NomineeKind.COLLECTIVE.value in self.nominee_kinds.data
        values["allow_individual"] = NomineeKind.INDIVIDUAL.value in self.nominee_kinds.data
        if self.organising_unit_id is not None:
            values["organising_unit_id"] = self.organising_unit_id.data
        return values

    def rubric(self) -> list[CriterionInput]:
        return [entry.form.to_input() for entry in self.criteria if not entry.form.is_blank]

    def typed_total(self) -> int:
        """The total maximum of the lines as typed (removed and unreadable lines left out)."""
        if self.criteria is None:  # rubric frozen: the field was removed
            return 0
        return sum(
            entry.form.max_score.data or 0
            for entry in self.criteria
            if not entry.form.remove.data and (entry.form.max_score.data or 0) > 0
        )

    def error_summary(self) -> list[str]:
        """Every field error prefixed by its label, in page order, for the summary box."""
        lines = []
        for field in self:
            if field.name == "csrf_token":
                # Flask-WTF's own message is English; say it in Vietnamese.
                lines += [SESSION_EXPIRED] if field.errors else []
            elif field.name == "criteria":
                for number, entry in enumerate(field.entries, start=1):
                    for sub in entry.form:
                        lines += [f"Thang điểm, dòng {number}, {sub.label.text.lower()}: {error}" for error in sub.errors]
            elif isinstance(field.errors, list):
                lines += [f"{field.label.text}: {error}" for error in field.errors]
        return lines

    def add_blank_rows(self, count: int) -> None:
        for _ in range(min(count, MAX_CRITERIA - len(self.criteria.entries))):
            self.criteria.append_entry()


def campaign_form_data(
    campaign: Campaign | None, default_rubric: Sequence[tuple[str, str, int]], fields: Sequence[ReferenceItem]
) -> dict[str, Any]:
    """Initial values: the campaign's own, or for a new one the defaults (this year, both
    kinds, every field offered, the default rubric)."""
    if campaign is None:
        return {
            "year": today_in_vietnam().year,
            "field_ids": [field.id for field in fields],
            "nominee_kinds": [kind.value for kind in NomineeKind],
            "public_review_threshold_percent": 50,
            "reviewers_per_nomination": 2,
            "disagreement_threshold": 15,
            "blind_scoring": True,
            "comments_required": True,
            "use_normalised_score": False,
            "has_public_stage": True,
            "voter_verification": VoterVerification.EMAIL_CODE,
            "assisted_voting": True,
            "votes_per_voter": 3,
            "vote_withdrawal_allowed": True,
            "live_tallies": False,
            "publish_objection_answers": True,
            "public_vote_share_percent": 0,
            "voter_data_retention_days": 90,
            "objector_data_retention_days": 180,
            "criteria": [
                {"position": number, "title": title, "description": description, "max_score": max_score}
                for number, (title, description, max_score) in enumerate(default_rubric, start=1)
            ],
        }
    data: dict[str, Any] = {name: getattr(campaign, name) for name in SETTING_LABELS}
    data.update(_voting_moment_fields(campaign))
    data["nominee_kinds"] = [kind.value for kind in campaign.allowed_kinds]
    data["field_ids"] = [field.id for field in campaign.allowed_fields]
    data["criteria"] = [
        {
            "criterion_id": str(c.id), "position": c.position, "title": c.title,
            "description": c.description, "max_score": c.max_score,
        }
        for c in campaign.criteria
    ]
    return data


def _voting_moment_fields(campaign: Campaign) -> dict[str, Any]:
    """The stored opening and closing moments split into the form's date and time boxes (Vietnam time)."""
    data: dict[str, Any] = {}
    for prefix, moment in (("voting_opens", campaign.voting_opens_at), ("voting_closes", campaign.voting_closes_at)):
        if moment is not None:
            local = as_vietnam(moment)
            data[f"{prefix}_date"], data[f"{prefix}_time"] = local.date(), local.time().replace(second=0, microsecond=0)
    return data


# --- reference lists ---------------------------------------------------------------------------


class ReferenceItemForm(FlaskForm):
    """Add or edit one item of a reference list; the page uses a prefix per row."""

    name = StringField(
        "Tên", validators=[DataRequired("Vui lòng nhập tên."), Length(max=255, message=TOO_LONG)], filters=[_strip]
    )
    position = VNIntegerField("Thứ tự", minimum=1, maximum=999, render_kw={"size": 3, "placeholder": "Để trống: cuối danh sách"})

