"""The rules a dossier must meet to be submitted, each with its own message.

Each rule returns a list of `Problem`s; `field` names the form field the message belongs
beside (None for the dossier as a whole).
"""
from __future__ import annotations

import sqlalchemy as sa

from dvkheo.campaigns.models import CampaignStatus, NomineeKind
from dvkheo.core.rules import Problem
from dvkheo.extensions import db
from dvkheo.nominations.models import Nomination
from dvkheo.nominations.states import LIVE_STATES, NominationState

# Sections of the report that a submitted dossier must fill, with their labels.
REQUIRED_SECTIONS = {
    "title": "Tên mô hình, điển hình",
    "nominee_name": "Tên tập thể, cá nhân được đề nghị",
    "field_id": "Lĩnh vực",
    "locality": "Địa bàn thực hiện",
    "started_on": "Thời gian bắt đầu",
    "situation": "Tình hình trước khi thực hiện",
    "method": "Cách làm, giải pháp sáng tạo",
    "participation": "Sự tham gia của Nhân dân",
    "results": "Kết quả đạt được",
    "review_held_on": "Ngày bình xét công khai",
    "review_attendees": "Số người dự họp bình xét",
    "review_votes_for": "Số phiếu đồng ý",
    "review_votes_cast": "Số phiếu biểu quyết",
}


def campaign_open(nomination: Nomination) -> list[Problem]:
    campaign = nomination.campaign
    if campaign.accepts_nominations():
        return []
    # A dossier the committee returned for completion may come back while the committee is
    # still screening, even after the deadline: the unit is answering the committee, not late.
    if nomination.status is NominationState.RETURNED and campaign.status in (
        CampaignStatus.NOMINATIONS_OPEN,
        CampaignStatus.REVIEW,
    ):
        return []
    return [Problem("campaign_open", f"Đợt bình xét “{campaign.title}” hiện không nhận hồ sơ (ngoài thời hạn hoặc chưa mở).")]


def kind_and_field_allowed(nomination: Nomination) -> list[Problem]:
    campaign = nomination.campaign
    problems = []
    if nomination.kind not in campaign.allowed_kinds:
        problems.append(
            Problem("kind_allowed", f"Đợt bình xét này không nhận hồ sơ {nomination.kind.label.lower()}.", "kind")
        )
    if nomination.field is not None and nomination.field not in campaign.allowed_fields:
        problems.append(
            Problem("field_allowed", f"Lĩnh vực “{nomination.field.name}” không thuộc các lĩnh vực của đợt bình xét này.", "field_id")
        )
    return problems


def category_configured(nomination: Nomination) -> list[Problem]:
    if nomination.kind is NomineeKind.COLLECTIVE:
        item, field, label = nomination.collective_type, "collective_type_id", "loại hình tập thể"
    else:
        item, field, label = nomination.individual_category, "individual_category_id", "đối tượng cá nhân"
    if item is None:
        return [Problem("category_configured", f"Vui lòng chọn {label}.", field)]
    if not item.active:
        return [Problem("category_configured", f"“{item.name}” không còn trong danh sách {label} được xét.", field)]
    return []


def unit_within_campaign(nomination: Nomination) -> list[Problem]:
    if nomination.unit.is_within(nomination.campaign.organising_unit):
        return []
    return [
        Problem(
            "unit_within_campaign",
            f"Đơn vị “{nomination.unit.name}” không thuộc phạm vi của {nomination.campaign.organising_unit.name}, nơi tổ chức đợt bình xét.",
        )
    ]


def public_review_passed(nomination: Nomination) -> list[Problem]:
    votes_for, votes_cast = nomination.review_votes_for, nomination.review_votes_cast
    if votes_for is None or votes_cast is None:
        return []  # reported by required_sections
    threshold = nomination.campaign.public_review_threshold_percent
    problems = []
    if votes_cast <= 0:
        problems.append(Problem("public_review", "Số phiếu biểu quyết phải lớn hơn 0.", "review_votes_cast"))
    elif votes_for > votes_cast:
        problems.append(Problem("public_review", "Số phiếu đồng ý không thể lớn hơn số phiếu biểu quyết.", "review_votes_for"))
    elif votes_for * 100 <= threshold * votes_cast:
        share = votes_for * 100 / votes_cast
        problems.append(
            Problem(
                "public_review",
                f"Biên bản bình xét chỉ có {votes_for}/{votes_cast} phiếu đồng ý ({share:.1f}%), "
                f"chưa vượt ngưỡng {threshold}% số phiếu biểu quyết của đợt bình xét.",
                "review_votes_for",
            )
        )
    if nomination.review_attendees is not None and votes_cast > nomination.review_attendees:
        problems.append(Problem("public_review", "Số phiếu biểu quyết không thể lớn hơn số người dự họp.", "review_votes_cast"))
    return problems


def required_sections(nomination: Nomination) -> list[Problem]:
    problems = []
    for attribute, label in REQUIRED_SECTIONS.items():
        value = getattr(nomination, attribute)
        if value is None or (isinstance(value, str) and not value.strip()):
            problems.append(Problem("required_sections", f"Vui lòng nhập “{label}”.", attribute))
    if nomination.kind is NomineeKind.INDIVIDUAL and not nomination.nominee_position.strip():
        problems.append(Problem("required_sections", "Vui lòng nhập “Chức vụ, đơn vị công tác” của cá nhân.", "nominee_position"))
    if not nomination.evidence_files():
        problems.append(Problem("evidence_present", "Hồ sơ cần ít nhất một tệp minh chứng.", "evidence"))
    return problems


def nominee_not_duplicated(nomination: Nomination) -> list[Problem]:
    nomination.refresh_derived()
    other = db.session.scalar(
        sa.select(Nomination)
        .where(
            Nomination.campaign_id == nomination.campaign_id,
            Nomination.nominee_key == nomination.nominee_key,
            Nomination.id != nomination.id,
            Nomination.status.in_(LIVE_STATES),
        )
        .limit(1)
    )
    if other is None:
        return []
    return [
        Problem(
            "nominee_unique",
            f"“{nomination.nominee_name}” đã có hồ sơ khác đang được xét trong đợt này (hồ sơ số {other.id}, {other.unit.name}).",
            "nominee_name",
        )
    ]


RULES = (
    campaign_open,
    kind_and_field_allowed,
    category_configured,
    unit_within_campaign,
    required_sections,
    public_review_passed,
    nominee_not_duplicated,
)


def check(nomination: Nomination) -> list[Problem]:
    problems: list[Problem] = []
    for rule in RULES:
        problems.extend(rule(nomination))
    return problems
