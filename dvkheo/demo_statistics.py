"""Demo data for the statistics page ("Thống kê"): a believable year, not a single day.

Two things, both idempotent:
- The demo's dossiers were all sent on the day `seed-demo` ran. Each is dated instead within its campaign's
  nomination window (the campaign's dates are the demo's own), spread over the weeks the window was open, so the
  trend line shows when units really send (once: only dossiers sent on the seeding day itself are moved).
- The commune and ward committees' own recognitions of this year, made on paper outside the app, are imported into
  the registry once (the same import a province uses for earlier years, `dvkheo.registry.importer`): recognitions
  dated over the past months, at commune level, so the per-unit table and the trend have more than the two
  decisions the award demo issues.
"""
from __future__ import annotations

import hashlib
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from dvkheo.accounts.models import User
from dvkheo.campaigns.models import Campaign
from dvkheo.core.exports import csv_bytes
from dvkheo.core.timeutil import VIETNAM_TZ, as_vietnam
from dvkheo.extensions import db
from dvkheo.nominations.models import Nomination
from dvkheo.registry import importer
from dvkheo.registry.importer import COLUMNS
from dvkheo.registry.models import ImportBatch

FILENAME = "Mo hinh cap xa cong nhan trong nam (so theo doi).csv"

# title, kind, nominee, unit name, field, body, number, days before the seeding day, summary
THIS_YEAR = [
    ("Tổ tự quản vệ sinh môi trường bãi biển Mỹ Khê", "Mô hình", "Chi hội Phụ nữ thôn Cổ Lũy", "Xã Tịnh Khê",
     "Bảo vệ môi trường", "Ủy ban nhân dân xã Tịnh Khê", "45/QĐ-UBND", 300,
     "Chi hội nhận quản lý 1,2 km bãi biển; mỗi sáng chủ nhật thu gom rác, phân loại nhựa bán gây quỹ."),
    ("Dân vận khéo trong vận động giải phóng mặt bằng đường ven biển", "Mô hình", "Ban Công tác Mặt trận thôn Phú Mỹ",
     "Xã Bình Sơn", "Xây dựng nông thôn mới, đô thị văn minh", "Ủy ban nhân dân xã Bình Sơn", "112/QĐ-UBND", 260,
     "Vận động 86 hộ bàn giao mặt bằng đúng hạn, không có khiếu kiện."),
    ("Tuyến phố văn minh, không rác thải nhựa", "Mô hình", "Tổ dân phố 3, phường Nghĩa Lộ", "Phường Nghĩa Lộ",
     "Bảo vệ môi trường", "Ủy ban nhân dân phường Nghĩa Lộ", "87/QĐ-UBND", 230,
     "62 hộ kinh doanh dùng túi giấy, đặt thùng phân loại rác trước nhà."),
    ("Cựu chiến binh giúp nhau phát triển kinh tế vườn", "Mô hình", "Hội Cựu chiến binh xã Nghĩa Hành", "Xã Nghĩa Hành",
     "Phát triển kinh tế - xã hội", "Ủy ban nhân dân xã Nghĩa Hành", "64/QĐ-UBND", 200,
     "Góp vốn, ngày công cải tạo 14 ha vườn tạp thành vườn bưởi; 9 hộ thoát nghèo."),
    ("Người uy tín vận động ngư dân không khai thác hải sản bất hợp pháp", "Điển hình", "Ông Phạm Văn Sáu",
     "Đặc khu Lý Sơn", "Quốc phòng, an ninh", "Ủy ban nhân dân đặc khu Lý Sơn", "33/QĐ-UBND", 170,
     "Vận động 40 chủ tàu ký cam kết, lắp thiết bị giám sát hành trình đủ 100%."),
    ("Tổ công nghệ số cộng đồng hỗ trợ người dân làm thủ tục trực tuyến", "Mô hình", "Đoàn Thanh niên phường Cẩm Thành",
     "Phường Cẩm Thành", "Cải cách hành chính, chuyển đổi số", "Ủy ban nhân dân phường Cẩm Thành", "140/QĐ-UBND", 140,
     "Hướng dẫn 1.250 lượt người dân nộp hồ sơ trực tuyến, thanh toán không dùng tiền mặt."),
    ("Nữ hội viên vận động hộ nghèo tham gia bảo hiểm y tế", "Điển hình", "Bà Lê Thị Hồng", "Xã Bình Sơn",
     "Bảo hiểm y tế toàn dân", "Ủy ban nhân dân xã Bình Sơn", "175/QĐ-UBND", 110,
     "Vận động 146 người tham gia bảo hiểm y tế hộ gia đình."),
    ("Thôn Trường Thọ giữ gìn đường làng sáng, xanh, sạch", "Mô hình", "Ban công tác Mặt trận thôn Trường Thọ",
     "Thôn Trường Thọ", "Xây dựng nông thôn mới, đô thị văn minh", "Ủy ban nhân dân xã Tịnh Khê", "160/QĐ-UBND", 80,
     "Nhân dân góp 180 triệu đồng lắp 2 km đèn đường năng lượng mặt trời."),
    ("Hòa giải viên giỏi ở cơ sở", "Điển hình", "Ông Nguyễn Văn Bảy", "Phường Nghĩa Lộ",
     "Xây dựng hệ thống chính trị", "Ủy ban nhân dân phường Nghĩa Lộ", "201/QĐ-UBND", 50,
     "Hòa giải thành 18 vụ việc trong năm, không để phát sinh điểm nóng."),
    ("Chi hội nông dân liên kết trồng rau an toàn", "Mô hình", "Chi hội Nông dân thôn An Hội", "Xã Nghĩa Hành",
     "Vệ sinh an toàn thực phẩm", "Ủy ban nhân dân xã Nghĩa Hành", "230/QĐ-UBND", 25,
     "30 hộ sản xuất theo quy trình VietGAP, bán cho bếp ăn 4 trường học."),
]


def spread_submissions(today: date) -> int:
    """Date each dossier sent on the seeding day within its campaign's nomination window; how many were moved."""
    rows = db.session.execute(
        sa.select(Nomination, Campaign.nominations_open_on, Campaign.nominations_close_on)
        .join(Campaign, Nomination.campaign_id == Campaign.id)
        .where(Nomination.submitted_at.is_not(None))
        .order_by(Nomination.campaign_id, Nomination.id)
    ).all()
    moved = 0
    per_campaign: dict[int, int] = {}
    for nomination, opens, closes in rows:
        if as_vietnam(nomination.submitted_at).date() != today or opens is None:
            continue
        last = min(closes or today, today) - timedelta(days=1)
        span = max(1, (last - opens).days)
        index = per_campaign.get(nomination.campaign_id, 0)
        per_campaign[nomination.campaign_id] = index + 1
        day = opens + timedelta(days=min(span, 3 + index * 7 % span))
        nomination.submitted_at = datetime.combine(day, time(9 + index % 7, 15), tzinfo=VIETNAM_TZ)
        moved += 1
    return moved


def import_this_years_recognitions(users: dict[str, User], today: date) -> int:
    """The communes' own recognitions of the past months, imported once; how many models were added."""
    if db.session.scalar(sa.select(ImportBatch.id).where(ImportBatch.filename == FILENAME).limit(1)) is not None:
        return 0
    secretary = users["thuky"]
    rows = []
    for title, kind, nominee, unit, field, body, number, days_ago, summary in THIS_YEAR:
        decided = today - timedelta(days=days_ago)
        rows.append([title, kind, nominee, unit, field, str(decided.year), body, "Cấp xã", number,
                     decided.strftime("%d/%m/%Y"), summary])
    data = csv_bytes([[column.title for column in COLUMNS]] + rows)
    upload = importer.Upload(data, "csv", FILENAME)
    sheet, checked = importer.check(upload, secretary.unit)
    if not checked.ok:
        raise RuntimeError(f"Dữ liệu mẫu nhập sổ mô hình không hợp lệ: {checked.issues[:3]}")
    batch = importer.stage(upload, sheet, secretary)
    assert batch.sha256 == hashlib.sha256(data).hexdigest()
    return importer.confirm(batch, secretary).created


def seed_statistics_stage(users: dict[str, User], today: date) -> None:
    spread_submissions(today)
    import_this_years_recognitions(users, today)
