"""The committee's sub-navigation: one list of a campaign's review and council pages, in working order."""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, request, url_for

from dvkheo import access

INTAKE, SCORING, COUNCIL, AWARDS = "Hồ sơ", "Chấm điểm", "Hội đồng, bình chọn", "Khen thưởng"

# (endpoint, label, who may open it, group) in the order the committee works through a campaign. On a phone
# the pages are listed by group behind one button; on a wide screen they are one row of tabs.
COMMITTEE_PAGES = (
    ("campaigns.show", "Tổng quan", access.can_view_review, INTAKE),
    ("review.inbox", "Sơ loại hồ sơ", access.can_view_review, INTAKE),
    ("voting.objections", "Phản ánh, góp ý", access.can_view_review, INTAKE),
    ("council.members", "Thành viên Hội đồng", access.can_view_review, SCORING),
    ("review.assignments", "Phân công chấm điểm", access.can_view_review, SCORING),
    ("review.progress", "Tiến độ chấm điểm", access.can_view_review, SCORING),
    ("review.ranking", "Kết quả chấm, xếp hạng", access.can_view_review, SCORING),
    ("council.award_forms", "Hình thức khen thưởng", access.can_view_review, COUNCIL),
    ("council.ballots", "Bỏ phiếu Hội đồng", access.can_view_review, COUNCIL),
    ("voting.voter_list", "Danh sách cử tri", access.can_manage_voter_list, COUNCIL),
    ("awards.decisions", "Quyết định khen thưởng", access.can_view_decisions, AWARDS),
    ("awards.awarded", "Đã khen thưởng, đề nghị cấp trên", access.can_view_decisions, AWARDS),
    ("awards.revocations", "Thu hồi, cấp lại giấy khen", access.can_view_decisions, AWARDS),
    ("certificates.printers", "Máy in, căn lề phôi", access.can_print_certificates, AWARDS),
)


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    current: bool
    group: str


def committee_nav(user, campaign) -> list[NavItem]:
    items = []
    for endpoint, label, allowed, group in COMMITTEE_PAGES:
        if endpoint not in current_app.view_functions or not allowed(user, campaign):
            continue
        items.append(NavItem(label, url_for(endpoint, campaign_id=campaign.id), request.endpoint == endpoint, group))
    return items
