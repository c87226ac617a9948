"""The short privacy notices shown wherever the app collects personal data (Law 91/2025/QH15).

Each place has one `Notice`: what is collected, why, on what legal basis, who sees it and for how
long. Retention comes from the campaign's settings, so the notice says what the purge will do.
`NOTICE_VERSION` is stored beside every consent: when the wording changes in substance, bump it,
and one can tell which text a person agreed to.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

NOTICE_VERSION = "2026-01"

CONSENT_LABEL = (
    "Tôi đã đọc thông báo trên và đồng ý để Cơ quan tổ chức xử lý dữ liệu cá nhân của tôi cho mục đích đã nêu."
)
CONSENT_REQUIRED = (
    "Vui lòng đánh dấu ô đồng ý xử lý dữ liệu cá nhân; nếu không đồng ý, hệ thống không thể nhận thông tin của bạn."
)
NOMINEE_CONSENT_LABEL = (
    "Cá nhân được đề nghị đã được thông báo và đồng ý cung cấp các thông tin cá nhân trong hồ sơ này."
)
NOMINEE_CONSENT_REQUIRED = (
    "Vui lòng xác nhận cá nhân được đề nghị đã đồng ý cung cấp thông tin cá nhân trước khi nộp hồ sơ."
)


@dataclass(frozen=True)
class Notice:
    title: str
    collected: str
    purpose: str
    basis: str
    recipients: str
    retention: str


def voter_retention(campaign) -> str:
    days = campaign.voter_data_retention_days if campaign is not None else 90
    return (
        f"Đến hết {days} ngày sau khi công bố kết quả khen thưởng của đợt bình xét; sau đó hệ thống tự động xóa. "
        "Phiếu bình chọn và mã xác nhận (không gắn với người bình chọn) được giữ để ai cũng kiểm tra được kết quả."
    )


def objector_retention(campaign) -> str:
    days = campaign.objector_data_retention_days if campaign is not None else 180
    return (
        f"Đến hết {days} ngày sau khi công bố kết quả khen thưởng của đợt bình xét; sau đó họ tên và thông tin liên hệ "
        "được xóa, nội dung phản ánh và câu trả lời được giữ lại không kèm người gửi."
    )


def request_days() -> int:
    return int(current_app.config.get("DATA_REQUEST_DAYS", 15))


def notice_for(place: str, campaign=None) -> Notice:
    """The notice of one collecting place ("email", "voter_list", "assisted", "objection", "nominee",
    "voter_list_import", "data_request") for `campaign` (None: defaults)."""
    organiser = (
        f"Cơ quan tổ chức đợt bình xét ({campaign.organising_unit.name})" if campaign is not None
        else "Cơ quan tổ chức đợt bình xét"
    )
    of_organiser = organiser[0].lower() + organiser[1:]
    if place == "email":
        return Notice(
            "Thông báo về xử lý dữ liệu cá nhân",
            "Địa chỉ thư điện tử của bạn (hệ thống chỉ lưu dạng mã hóa một chiều, không đọc lại được) và mã xác thực.",
            "Gửi mã xác thực và bảo đảm mỗi người chỉ bình chọn một lần.",
            "Sự đồng ý của bạn (Luật Bảo vệ dữ liệu cá nhân số 91/2025/QH15). Bạn có thể không đồng ý; khi đó không bình chọn trực tuyến được.",
            f"Thư ký Hội đồng của {of_organiser}. Không ai, kể cả Hội đồng, biết bạn bình chọn cho ai; không chuyển cho bên thứ ba.",
            voter_retention(campaign),
        )
    if place == "voter_list":
        return Notice(
            "Thông báo về xử lý dữ liệu cá nhân",
            "Số định danh cá nhân (chỉ để so khớp, lưu dạng mã hóa một chiều), họ và tên, ngày sinh.",
            "Đối chiếu với danh sách cử tri của địa phương để mỗi cử tri chỉ bình chọn một lần.",
            "Thực hiện nhiệm vụ tổ chức lấy ý kiến Nhân dân của cơ quan nhà nước, tổ chức chính trị - xã hội theo quy định của pháp luật.",
            f"{organiser} và cán bộ xã, phường nơi bạn cư trú. Không ai biết bạn bình chọn cho ai.",
            voter_retention(campaign),
        )
    if place == "assisted":
        return Notice(
            "Đọc cho người dân trước khi ghi nhận",
            "Họ và tên, ngày sinh, số định danh cá nhân của ông/bà để tìm trong danh sách cử tri; các mô hình ông/bà chọn.",
            "Ghi nhận phiếu bình chọn của ông/bà và bảo đảm mỗi người chỉ bình chọn một lần (trực tuyến hoặc tại đây).",
            "Thực hiện nhiệm vụ tổ chức lấy ý kiến Nhân dân theo quy định của pháp luật.",
            f"Cán bộ xã, phường ghi nhận; {of_organiser}. Phiếu bình chọn không gắn tên người bình chọn khi công bố.",
            voter_retention(campaign),
        )
    if place == "objection":
        return Notice(
            "Thông báo về xử lý dữ liệu cá nhân",
            "Họ và tên, số điện thoại hoặc thư điện tử của bạn, nội dung phản ánh, góp ý.",
            "Tiếp nhận, xác minh và trả lời phản ánh, góp ý; liên hệ với bạn khi cần làm rõ.",
            "Sự đồng ý của bạn (Luật Bảo vệ dữ liệu cá nhân số 91/2025/QH15).",
            f"Thư ký, Chủ tịch Hội đồng; {of_organiser}. Họ tên và thông tin liên hệ không công khai, không gửi cho đơn vị bị phản ánh.",
            objector_retention(campaign),
        )
    if place == "nominee":
        return Notice(
            "Thông tin cá nhân của người được đề nghị",
            "Họ và tên, năm sinh, chức vụ, đơn vị công tác và thành tích của cá nhân được đề nghị.",
            "Xét chọn, công khai danh sách đề cử, khen thưởng và cấp giấy khen.",
            "Sự đồng ý của cá nhân được đề nghị; đơn vị phải thông báo cho người đó trước khi nhập thông tin.",
            f"{organiser}, Hội đồng xét chọn; nếu vào danh sách đề cử: công khai họ tên, chức vụ và thành tích.",
            "Theo thời hạn lưu trữ hồ sơ thi đua, khen thưởng của cơ quan tổ chức.",
        )
    if place == "voter_list_import":
        return Notice(
            "Dữ liệu cá nhân trong danh sách cử tri",
            "Số định danh cá nhân (hệ thống chỉ lưu dạng mã hóa một chiều), họ và tên, ngày sinh, nơi cư trú của cử tri.",
            "Chỉ để xác thực người bình chọn và bình chọn có hỗ trợ; không dùng cho mục đích khác.",
            "Thực hiện nhiệm vụ tổ chức lấy ý kiến Nhân dân; lấy từ danh sách cử tri do Ủy ban nhân dân xã, phường cung cấp.",
            f"Thư ký Hội đồng ({of_organiser}) và cán bộ xã, phường trong địa bàn (chỉ người thuộc địa bàn của mình).",
            voter_retention(campaign),
        )
    if place == "data_request":
        return Notice(
            "Thông báo về xử lý dữ liệu cá nhân",
            "Họ và tên, thư điện tử hoặc số điện thoại của bạn và nội dung yêu cầu.",
            "Xác định dữ liệu của bạn, thực hiện và trả lời yêu cầu.",
            "Thực hiện nghĩa vụ theo Luật Bảo vệ dữ liệu cá nhân số 91/2025/QH15.",
            "Thư ký Hội đồng của đợt bình xét bạn chọn và quản trị hệ thống.",
            "03 năm kể từ khi trả lời yêu cầu, để chứng minh yêu cầu đã được thực hiện.",
        )
    raise KeyError(place)
