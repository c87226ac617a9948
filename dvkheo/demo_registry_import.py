"""Demo data: the province's models recognised on paper before this software, typed into a spreadsheet by
the Ban Dân vận's secretary and imported into the registry (`dvkheo.registry.importer`), as a province
would do with its earlier years. The registry then shows a believable history, not only this year's awards."""
from __future__ import annotations

import hashlib

import sqlalchemy as sa

from dvkheo.accounts.models import User
from dvkheo.core.exports import csv_bytes
from dvkheo.extensions import db
from dvkheo.registry import importer
from dvkheo.registry.importer import COLUMNS
from dvkheo.registry.models import ImportBatch

FILENAME = "Mo hinh Dan van kheo 2021-2025 (so theo doi giay).csv"

# title, kind, nominee, unit name, field, year, body, level, number, date, summary
HISTORY = [
    ("Tổ tự quản “Bến thuyền an toàn” bảo vệ ngư dân đánh bắt xa bờ", "Mô hình", "Nghiệp đoàn nghề cá xã Lý Sơn",
     "Đặc khu Lý Sơn", "Quốc phòng, an ninh", "2021", "Ủy ban nhân dân tỉnh Quảng Ngãi", "Cấp tỉnh", "1820/QĐ-UBND",
     "15/10/2021", "62 tàu cá ghép thành 14 tổ đoàn kết; trực canh thông tin liên lạc suốt chuyến biển, "
     "hỗ trợ nhau cứu nạn 9 lần, không để tàu nào vi phạm vùng biển nước ngoài."),
    ("Dân vận khéo trong vận động hiến đất mở rộng đường giao thông nông thôn", "Mô hình",
     "Ban Công tác Mặt trận thôn Phú Lộc", "Xã Tịnh Khê", "Xây dựng nông thôn mới, đô thị văn minh", "2021",
     "Ủy ban nhân dân huyện Sơn Tịnh", "Cấp huyện", "2471/QĐ-UBND", "28/12/2021",
     "Vận động 214 hộ hiến 9.600 m² đất, mở rộng 3,2 km đường thôn; không phát sinh khiếu nại."),
    ("Chợ văn minh, an toàn thực phẩm", "Mô hình", "Ban Quản lý chợ Quảng Ngãi", "Phường Cẩm Thành",
     "Vệ sinh an toàn thực phẩm", "2022", "Ban Dân vận Tỉnh ủy Quảng Ngãi", "Cấp tỉnh", "412-QĐ/BDVTU",
     "14/10/2022", "186 tiểu thương ký cam kết, niêm yết giá, truy xuất nguồn gốc rau quả; "
     "chợ không còn túi ni-lông dùng một lần ở khu hàng tươi sống."),
    ("Tổ hòa giải “Ba cùng” ở khu dân cư", "Mô hình", "Tổ hòa giải tổ dân phố 5", "Phường Nghĩa Lộ",
     "Xây dựng hệ thống chính trị", "2022", "Ủy ban nhân dân thành phố Quảng Ngãi", "Cấp huyện", "3390/QĐ-UBND",
     "20/12/2022", "Hòa giải thành 41 trên 44 vụ việc trong hai năm; không có đơn thư vượt cấp."),
    ("Nữ cán bộ hội phụ nữ đi từng nhà vận động tham gia bảo hiểm y tế", "Điển hình", "Bà Trần Thị Hoa",
     "Xã Bình Sơn", "Bảo hiểm y tế toàn dân", "2022", "Ủy ban nhân dân huyện Bình Sơn", "Cấp huyện",
     "1755/QĐ-UBND", "08/11/2022", "Vận động 320 người tham gia bảo hiểm y tế hộ gia đình, "
     "trong đó 58 người được hội viên góp tiền mua thẻ."),
    ("Nuôi bò sinh sản xoay vòng giúp hộ nghèo", "Mô hình", "Hội Nông dân xã Nghĩa Hành", "Xã Nghĩa Hành",
     "Giảm nghèo bền vững", "2023", "Ủy ban nhân dân tỉnh Quảng Ngãi", "Cấp tỉnh", "1406/QĐ-UBND",
     "10/10/2023", "38 con bò giống giao xoay vòng cho 71 hộ; 46 hộ đã thoát nghèo, 12 hộ thoát cận nghèo."),
    ("Thanh niên tình nguyện hướng dẫn dịch vụ công trực tuyến", "Mô hình", "Đoàn Thanh niên phường Cẩm Thành",
     "Phường Cẩm Thành", "Cải cách hành chính, chuyển đổi số", "2023", "Ban Dân vận Tỉnh ủy Quảng Ngãi", "Cấp tỉnh",
     "523-QĐ/BDVTU", "12/10/2023", "Hướng dẫn hơn 2.400 lượt người dân nộp hồ sơ trực tuyến; "
     "tỷ lệ hồ sơ trực tuyến của phường tăng từ 31% lên 78%."),
    ("Già làng gương mẫu giữ gìn an ninh trật tự thôn", "Điển hình", "Ông Đinh Văn Nhiên", "Xã Bình Sơn",
     "Quốc phòng, an ninh", "2023", "Ủy ban nhân dân xã Bình Sơn", "Cấp xã", "245/QĐ-UBND", "30/11/2023",
     "Cùng công an xã hòa giải 17 vụ tranh chấp đất rẫy; thôn ba năm liền không có tội phạm."),
    ("Phân loại rác tại nguồn, đổi rác lấy quà", "Mô hình", "Chi hội Phụ nữ thôn Trường Thọ", "Xã Tịnh Khê",
     "Bảo vệ môi trường", "2024", "Ủy ban nhân dân huyện Sơn Tịnh", "Cấp huyện", "3015/QĐ-UBND", "25/11/2024",
     "420 hộ phân loại rác; mỗi tháng thu gom 1,5 tấn rác tái chế, tiền bán rác lập quỹ học bổng cho học sinh nghèo."),
    # The same model as this year's award (same unit and title): its earlier recognition joins it.
    ("Bí thư chi bộ đối thoại với dân mỗi tháng, giải quyết kiến nghị ngay tại thôn", "Điển hình", "Ông Nguyễn Văn Sáu", "Xã Tịnh Khê",
     "Xây dựng hệ thống chính trị", "2024", "Ủy ban nhân dân huyện Sơn Tịnh", "Cấp huyện", "3016/QĐ-UBND",
     "25/11/2024", "Tổ chức 24 buổi đối thoại trong hai năm, giải quyết ngay 63 kiến nghị của người dân."),
    ("Mỗi tổ dân phố một tuyến phố văn minh", "Mô hình", "Ủy ban Mặt trận Tổ quốc phường Nghĩa Lộ",
     "Phường Nghĩa Lộ", "Xây dựng nông thôn mới, đô thị văn minh", "2024", "Ủy ban nhân dân tỉnh Quảng Ngãi",
     "Cấp tỉnh", "1588/QĐ-UBND", "14/10/2024", "12 tuyến phố không rác, không lấn chiếm vỉa hè; "
     "người dân góp 460 triệu đồng lắp đèn chiếu sáng và trồng cây xanh."),
    # The three the follow-up demo reports on (`dvkheo.demo_followup`); the last one nobody followed since.
    ("Tổ tự quản “Ngõ phố bình yên”: Nhân dân tự giữ an ninh trật tự khu dân cư", "Mô hình",
     "Khu dân cư số 4, phường Cẩm Thành", "Phường Cẩm Thành", "Quốc phòng, an ninh", "2023",
     "Ban Dân vận Tỉnh ủy Quảng Ngãi", "Cấp tỉnh", "215-QĐ/BDVTU", "15/10/2023",
     "Nhân dân khu dân cư số 4 tự tổ chức tuần tra, lắp đèn và camera ở các ngõ; ba năm không xảy ra trộm cắp."),
    ("Phụ nữ xã Tịnh Khê góp vốn xoay vòng giúp nhau thoát nghèo", "Mô hình", "Hội Liên hiệp Phụ nữ xã Tịnh Khê",
     "Xã Tịnh Khê", "Giảm nghèo bền vững", "2024", "Ban Dân vận Tỉnh ủy Quảng Ngãi", "Cấp tỉnh", "187-QĐ/BDVTU",
     "15/10/2024", "Hội viên góp vốn xoay vòng không lãi cho hộ nghèo mua giống, mở lớp dạy nghề."),
    ("Thôn Trường Thọ vận động Nhân dân trồng cây xanh dọc đê biển", "Mô hình",
     "Ban công tác Mặt trận thôn Trường Thọ", "Thôn Trường Thọ", "Bảo vệ môi trường", "2023",
     "Ban Dân vận Tỉnh ủy Quảng Ngãi", "Cấp tỉnh", "204-QĐ/BDVTU", "15/10/2023", ""),
    ("Hợp tác xã tỏi Lý Sơn liên kết bao tiêu cho nông dân", "Mô hình", "Hợp tác xã Nông nghiệp Lý Sơn",
     "Đặc khu Lý Sơn", "Phát triển kinh tế - xã hội", "2025", "Ban Dân vận Tỉnh ủy Quảng Ngãi", "Cấp tỉnh",
     "610-QĐ/BDVTU", "15/10/2025", "Liên kết 312 hộ trồng tỏi theo quy trình an toàn, bao tiêu sản phẩm "
     "với giá ổn định; thu nhập bình quân của hộ tăng 18%."),
]


def seed_registry_import(users: dict[str, User]) -> int:
    """Import the province's earlier recognitions once (by the file's content); how many models were added."""
    secretary = users["thuky"]
    data = csv_bytes([[column.title for column in COLUMNS]] + [list(row) for row in HISTORY])
    upload = importer.Upload(data, "csv", FILENAME)
    digest = hashlib.sha256(data).hexdigest()
    if db.session.scalar(sa.select(ImportBatch.id).where(ImportBatch.sha256 == digest).limit(1)) is not None:
        return 0
    sheet, checked = importer.check(upload, secretary.unit)
    if not checked.ok:
        # Demo data that no longer passes the import's own checks is a bug to see at once.
        raise RuntimeError(f"Dữ liệu mẫu nhập sổ mô hình không hợp lệ: {checked.issues[:3]}")
    batch = importer.stage(upload, sheet, secretary)
    return importer.confirm(batch, secretary).created
