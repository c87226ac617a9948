"""The committee's sub-navigation: one list of a campaign's review and council pages, in working order."""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, request, url_for

from dvkheo import access

# (endpoint, label, who may open it) in the order the committee works through a campaign.
COMMITTEE_PAGES = (
    ("campaigns.show", "Tổng quan", access.can_view_review),
    ("review.inbox", "Sơ loại hồ sơ", access.can_view_review),
    ("council.members", "Thành viên Hội đồng", access.can_view_review),
    ("review.assignments", "Phân công chấm điểm", access.can_view_review),
    ("review.progress", "Tiến độ chấm điểm", access.can_view_review),
    ("review.ranking", "Kết quả chấm, xếp hạng", access.can_view_review),
    ("council.award_forms", "Hình thức khen thưởng", access.can_view_review),
    ("council.ballots", "Bỏ phiếu Hội đồng", access.can_view_review),
    ("voting.objections", "Phản ánh, góp ý", access.can_view_review),
    ("voting.voter_list", "Danh sách cử tri", access.can_manage_voter_list),
    ("awards.decisions", "Quyết định khen thưởng", access.can_view_decisions),
    ("awards.awarded", "Đã khen thưởng, đề nghị cấp trên", access.can_view_decisions),
    ("awards.revocations", "Thu hồi, cấp lại giấy khen", access.can_view_decisions),
    ("certificates.printers", "Máy in, căn lề phôi", access.can_print_certificates),
)


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    current: bool


def committee_nav(user, campaign) -> list[NavItem]:
    items = []
    for endpoint, label, allowed in COMMITTEE_PAGES:
        if endpoint not in current_app.view_functions or not allowed(user, campaign):
            continue
        items.append(NavItem(label, url_for(endpoint, campaign_id=campaign.id), request.endpoint == endpoint))
    return items
