"""`flask seed-demo`: a small, realistic province to try the app with.

Everything goes through the same operations the app uses (units get their path, the
campaign gets the default rubric, nominations are drafted, filled, given evidence and moved
by `workflow.apply`), so the demo data obeys every rule real data does. The command is
idempotent: units are found by code, accounts by email, the campaign by its unit, year and
title, and nominations by title; running it again adds only what is missing.
"""
from __future__ import annotations

import io
import os
import struct
import zlib
from dataclasses import dataclass, field
from datetime import date, timedelta

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from dvkheo.accounts.models import Role, User
from dvkheo.campaigns import operations as campaign_ops
from dvkheo.campaigns.models import Campaign, CampaignStatus, NomineeKind, ReferenceItem, ReferenceKind
from dvkheo.core.storage import store_upload
from dvkheo.demo_awards import seed_award_stage, seed_commune_award_stage
from dvkheo.demo_registry_import import seed_registry_import
from dvkheo.demo_followup import seed_followup_stage
from dvkheo.demo_replication import seed_replications
from dvkheo.demo_reports import seed_reports
from dvkheo.demo_statistics import seed_statistics_stage
from dvkheo.demo_review import seed_public_stage, seed_review_stage
from dvkheo.core.timeutil import today_in_vietnam
from dvkheo.documents.models import ensure_builtin_systems
from dvkheo.extensions import db
from dvkheo.nominations import operations, workflow
from dvkheo.nominations.models import Nomination
from dvkheo.nominations.states import NominationAction as A
from dvkheo.units.importer import province_unit_code, ward_unit_code
from dvkheo.units.models import Unit

# One shared password for every demo account; printed at the end of the command.
DEMO_PASSWORD = "DanVanKheo@2026"
EMAIL_DOMAIN = "demo.dvkheo.vn"

# Codes and names as `flask units import-official` writes them (two-tier list from 1 July 2025),
# so that importing the official list later updates these units instead of duplicating them.
PROVINCE = (province_unit_code(51), "Tỉnh Quảng Ngãi", "province")
CHILD_UNITS = [
    ("BDVTU-51", "Ban Dân vận Tỉnh ủy Quảng Ngãi", "agency"),
    (ward_unit_code(21211), "Xã Tịnh Khê", "commune"),
    (ward_unit_code(21025), "Phường Cẩm Thành", "ward"),
    (ward_unit_code(21028), "Phường Nghĩa Lộ", "ward"),
    (ward_unit_code(21040), "Xã Bình Sơn", "commune"),
    (ward_unit_code(21364), "Xã Nghĩa Hành", "commune"),
    (ward_unit_code(21548), "Đặc khu Lý Sơn", "special_zone"),
]
PROVINCE_CODE, TINH_KHE, CAM_THANH = PROVINCE[0], CHILD_UNITS[1][0], CHILD_UNITS[2][0]
# A village of Xã Tịnh Khê: it nominates to the commune's own campaign (the People's Committee's Giấy khen).
VILLAGES = [(f"{TINH_KHE}-TRUONGTHO", "Thôn Trường Thọ", "village")]
TRUONG_THO = VILLAGES[0][0]


@dataclass(frozen=True)
class DemoUser:
    local_part: str
    full_name: str
    role: Role
    unit_code: str | None

    @property
    def email(self) -> str:
        return f"{self.local_part}@{EMAIL_DOMAIN}"


# The campaign's staff sit at the province node, the campaign's organising unit.
USERS = [
    DemoUser("coso", "Nguyễn Thị Lan", Role.UNIT_SUBMITTER, TINH_KHE),
    DemoUser("coso2", "Trần Văn Bình", Role.UNIT_SUBMITTER, CAM_THANH),
    DemoUser("thuky", "Lê Thị Thu", Role.SECRETARY, PROVINCE_CODE),
    DemoUser("hoidong1", "Phạm Văn Hùng", Role.REVIEWER, PROVINCE_CODE),
    DemoUser("hoidong2", "Đỗ Thị Hạnh", Role.REVIEWER, PROVINCE_CODE),
    DemoUser("chutich", "Võ Minh Quang", Role.CHAIR, PROVINCE_CODE),
    # The commune's own emulation committee: Ủy ban nhân dân xã Tịnh Khê issues in the State format.
    DemoUser("thukyxa", "Phan Thị Ngọc Hân", Role.SECRETARY, TINH_KHE),
    DemoUser("chutichxa", "Nguyễn Văn Tâm", Role.CHAIR, TINH_KHE),
    DemoUser("hoidongxa", "Trương Thị Mỹ Linh", Role.REVIEWER, TINH_KHE),
    DemoUser("truongthon", "Phạm Văn Lộc", Role.UNIT_SUBMITTER, TRUONG_THO),
    DemoUser("nguoidan", "Huỳnh Thị Mai", Role.CITIZEN, None),
    DemoUser("admin", "Quản trị hệ thống", Role.ADMIN, None),
]


@dataclass(frozen=True)
class DemoNomination:
    """One dossier and the path it takes: `steps` are (action, actor email local part, reason)."""

    submitter: str
    kind: NomineeKind
    field_code: str
    category_code: str
    report: dict
    steps: tuple[tuple[A, str, str | None], ...] = ()
    # Values the unit changes after a return, before resubmitting.
    fixes: dict = field(default_factory=dict)
    evidence: bool = True


def _submit(by: str) -> tuple[A, str, None]:
    return (A.SUBMIT, by, None)


def _resubmit(by: str) -> tuple[A, str, None]:
    return (A.RESUBMIT, by, None)


def _return(reason: str) -> tuple[A, str, str]:
    return (A.RETURN, "thuky", reason)


def _nominations(today: date) -> list[DemoNomination]:
    """Built on call: the units' public reviews took place a few weeks before `today`."""

    def ago(days: int) -> date:
        return today - timedelta(days=days)

    return [
        DemoNomination(
            "coso", NomineeKind.COLLECTIVE, "new_rural_civilised_urban", "grassroots_front_mass_org",
            dict(
                title="Dân vận khéo trong vận động Nhân dân hiến đất, góp công mở rộng đường giao thông nông thôn",
                nominee_name="Ban Công tác Mặt trận thôn Mỹ Lai",
                locality="Thôn Mỹ Lai, xã Tịnh Khê",
                started_on=date(2023, 3, 15), duration="3 năm (2023 - 2026)",
                situation="Các tuyến đường liên xóm chỉ rộng 2 - 2,5 m, mùa mưa lầy lội; xe cứu thương, xe chở nông sản không vào được; một số hộ chưa đồng thuận hiến đất.",
                method="Họp dân từng xóm; cán bộ, đảng viên gương mẫu hiến đất trước; Ban Công tác Mặt trận đến từng nhà vận động; công khai thiết kế, dự toán và danh sách hộ đóng góp tại nhà văn hóa thôn.",
                participation="Dân biết: niêm yết phương án tại nhà văn hóa. Dân bàn: 6 cuộc họp xóm. Dân làm: góp ngày công, tự tháo dỡ tường rào. Dân kiểm tra, giám sát: Ban giám sát đầu tư cộng đồng theo dõi thi công. Dân thụ hưởng: đường bê tông rộng 5 m.",
                results="Mở rộng 3,2 km đường bê tông; 214 hộ tự nguyện hiến 9.600 m² đất, tháo dỡ 1,8 km tường rào không nhận bồi thường.",
                households_count=214, money_contributed_vnd=1_250_000_000, working_days=3_200,
                road_length_m=3_200, area_m2=9_600,
                replication="Đã được 5 thôn khác của xã Tịnh Khê học tập, áp dụng.",
                review_held_on=ago(40), review_attendees=62, review_votes_cast=60, review_votes_for=57,
            ),
            steps=(_submit("coso"),),
        ),
        DemoNomination(
            "coso", NomineeKind.COLLECTIVE, "environment", "grassroots_front_mass_org",
            dict(
                title="Tuyến đường ven biển “xanh - sạch - đẹp, nói không với rác thải nhựa”",
                nominee_name="Chi hội Phụ nữ thôn Cổ Lũy",
                locality="Thôn Cổ Lũy, xã Tịnh Khê",
                started_on=date(2024, 4, 22), duration="2 năm",
                situation="Bãi biển và bến cá thường xuyên tồn đọng rác thải nhựa, ảnh hưởng sức khỏe và hoạt động du lịch cộng đồng.",
                method="Chia tuyến đường thành từng đoạn giao cho tổ phụ nữ tự quản; đổi rác thải nhựa lấy quà tặng; vận động tiểu thương dùng túi giấy, lá chuối.",
                participation="Hội viên và người dân cùng bàn quy ước; mỗi sáng thứ Bảy tổng dọn vệ sinh; tổ giám sát của thôn chấm điểm từng đoạn đường hằng tháng.",
                results="Thu gom 12 tấn rác thải nhựa; 3,5 km bờ biển sạch; 100% hộ dân ven biển ký cam kết.",
                households_count=380, working_days=1_450, road_length_m=3_500,
                replication="Hội Liên hiệp Phụ nữ tỉnh đề nghị nhân rộng ra các xã ven biển.",
                review_held_on=ago(35), review_attendees=45, review_votes_cast=45, review_votes_for=41,
            ),
            steps=(_submit("coso"), _return("Đề nghị bổ sung số liệu khối lượng rác thu gom theo từng năm và ảnh chụp tuyến đường trước khi thực hiện."), _resubmit("coso")),
            fixes=dict(results="Thu gom 12 tấn rác thải nhựa (năm 2024: 5,2 tấn; năm 2025: 6,8 tấn); 3,5 km bờ biển sạch; 100% hộ dân ven biển ký cam kết."),
        ),
        DemoNomination(
            "coso", NomineeKind.INDIVIDUAL, "health_insurance", "cadre",
            dict(
                title="Kiên trì vận động người dân tham gia bảo hiểm y tế hộ gia đình",
                nominee_name="Phạm Thị Hoa", nominee_position="Chủ tịch Hội Nông dân xã Tịnh Khê", nominee_birth_year=1978,
                locality="Xã Tịnh Khê",
                started_on=date(2022, 9, 1), duration="4 năm",
                situation="Tỷ lệ tham gia bảo hiểm y tế của hộ nông dân thấp do thu nhập bấp bênh, người dân chưa thấy quyền lợi.",
                method="Đến từng hộ giải thích quyền lợi; phối hợp trạm y tế tổ chức buổi tư vấn; vận động người có điều kiện hỗ trợ mua thẻ cho hộ cận nghèo.",
                participation="Hội viên nông dân tự bàn mức hỗ trợ lẫn nhau; chi hội công khai danh sách hộ được hỗ trợ.",
                results="Vận động 1.240 người tham gia bảo hiểm y tế hộ gia đình; trao tặng 310 thẻ cho hộ cận nghèo.",
                households_count=520, money_contributed_vnd=186_000_000,
                review_held_on=ago(30), review_attendees=38, review_votes_cast=38, review_votes_for=36,
            ),
            steps=(_submit("coso"), _return("Đề nghị bổ sung tỷ lệ bao phủ bảo hiểm y tế của xã trước và sau khi thực hiện, có xác nhận của cơ quan Bảo hiểm xã hội.")),
        ),
        DemoNomination(
            "coso", NomineeKind.COLLECTIVE, "poverty_reduction", "grassroots_front_mass_org",
            dict(
                title="Tổ tiết kiệm “Vì người nghèo” giúp hộ khó khăn phát triển sinh kế",
                nominee_name="Hội Nông dân xã Tịnh Khê",
                locality="Xã Tịnh Khê",
                started_on=date(2023, 1, 10), duration="3 năm",
                situation="Năm 2022 xã còn 96 hộ nghèo, thiếu vốn và kinh nghiệm sản xuất.",
                method="Thành lập tổ tiết kiệm xoay vòng; hội viên khá giả nhận giúp đỡ hộ nghèo cây giống, con giống và cách làm.",
                participation="Các hộ tự bình xét thứ tự nhận vốn; tổ công khai sổ sách mỗi quý.",
                results="45 hộ thoát nghèo, 20 hộ vươn lên khá; quỹ tiết kiệm quay vòng 820 triệu đồng.",
                households_count=120, money_contributed_vnd=820_000_000,
                review_held_on=ago(28), review_attendees=55, review_votes_cast=54, review_votes_for=50,
            ),
            steps=(_submit("coso"),),
        ),
        DemoNomination(
            "coso", NomineeKind.COLLECTIVE, "defence_security", "commune_body",
            dict(
                title="Tổ tự quản an ninh trật tự bến cá Cổ Lũy",
                nominee_name="Tổ an ninh, trật tự cơ sở thôn Cổ Lũy",
                locality="Bến cá Cổ Lũy, xã Tịnh Khê",
                started_on=date(2024, 6, 1), duration="2 năm",
                situation="Bến cá đông người, thường xảy ra tranh chấp chỗ neo đậu và trộm cắp ngư lưới cụ.",
                method="Ngư dân tự bầu tổ tự quản, xây dựng nội quy bến; lắp camera do ngư dân góp tiền.",
                participation="Ngư dân cùng xây dựng nội quy, tự trực đêm theo phiên.",
                results="Không còn vụ trộm cắp ngư lưới cụ trong năm 2025; hòa giải thành 14 vụ tranh chấp.",
                cases_resolved=14,
                review_held_on=ago(12), review_attendees=30, review_votes_cast=30, review_votes_for=28,
            ),
            # A complete draft the unit has not yet sent.
        ),
        DemoNomination(
            "coso", NomineeKind.INDIVIDUAL, "political_system", "party_member",
            dict(
                title="Bí thư chi bộ “trong dân, gần dân” giải quyết dứt điểm tranh chấp đất đai kéo dài",
                nominee_name="Huỳnh Văn Tâm", nominee_position="Bí thư Chi bộ, Trưởng thôn Mỹ Lai", nominee_birth_year=1969,
                locality="Thôn Mỹ Lai, xã Tịnh Khê",
                started_on=date(2021, 5, 1), duration="5 năm",
                situation="Nhiều vụ tranh chấp ranh giới đất ở kéo dài, đơn thư vượt cấp.",
                method="Đối thoại trực tiếp tại nhà dân, mời người có uy tín trong dòng họ cùng hòa giải.",
                participation="Các bên tự thỏa thuận, thôn công khai kết quả hòa giải.",
                results="Hòa giải thành 17 vụ tranh chấp kéo dài; không còn đơn thư vượt cấp.",
                cases_resolved=17,
                review_held_on=ago(25), review_attendees=40, review_votes_cast=40, review_votes_for=37,
            ),
            steps=(_submit("coso"), (A.WITHDRAW, "coso", "Đơn vị rút hồ sơ để hoàn thiện thêm minh chứng, sẽ đề nghị ở đợt sau.")),
        ),
        DemoNomination(
            "coso2", NomineeKind.COLLECTIVE, "admin_reform_digital", "grassroots_front_mass_org",
            dict(
                title="Tổ công nghệ số cộng đồng hướng dẫn người dân làm thủ tục hành chính trực tuyến",
                nominee_name="Đoàn Thanh niên phường Cẩm Thành",
                locality="Phường Cẩm Thành",
                started_on=date(2024, 3, 26), duration="2 năm",
                situation="Người cao tuổi và tiểu thương chưa biết dùng dịch vụ công trực tuyến, phải đến trụ sở nhiều lần.",
                method="Đoàn viên trực tại bộ phận một cửa và đến từng tổ dân phố hướng dẫn cài đặt định danh điện tử, thanh toán không dùng tiền mặt.",
                participation="Tổ dân phố đăng ký lịch, người dân tự thực hiện thủ tục dưới sự hướng dẫn.",
                results="Hướng dẫn 6.500 lượt người; 82% hồ sơ thủ tục hành chính của phường nộp trực tuyến.",
                households_count=2_300, working_days=900,
                replication="Thành đoàn nhân rộng ra các phường trung tâm.",
                review_held_on=ago(33), review_attendees=70, review_votes_cast=68, review_votes_for=66,
            ),
            steps=(_submit("coso2"),),
        ),
        DemoNomination(
            "coso2", NomineeKind.COLLECTIVE, "food_safety", "agency_public_service",
            dict(
                title="Chợ an toàn thực phẩm: tiểu thương cùng cam kết, người mua cùng giám sát",
                nominee_name="Ban Quản lý chợ Cẩm Thành",
                locality="Chợ Cẩm Thành, phường Cẩm Thành",
                started_on=date(2023, 8, 1), duration="3 năm",
                situation="Nhiều quầy hàng không rõ nguồn gốc, người tiêu dùng thiếu tin tưởng.",
                method="Tiểu thương ký cam kết, niêm yết nguồn gốc; đặt máy test nhanh công khai tại cổng chợ.",
                participation="Người mua tự kiểm tra mẫu thực phẩm; tổ giám sát gồm đại diện tiểu thương và khu dân cư.",
                results="100% quầy thực phẩm tươi sống có nguồn gốc rõ ràng; không có vụ ngộ độc thực phẩm.",
                households_count=260, money_contributed_vnd=95_000_000,
                review_held_on=ago(27), review_attendees=52, review_votes_cast=50, review_votes_for=47,
            ),
            steps=(_submit("coso2"), _return("Đề nghị bổ sung biên bản họp bình xét có chữ ký của đại diện tiểu thương."), _resubmit("coso2")),
            fixes=dict(replication="Mô hình đã được Ban Quản lý chợ Nghĩa Lộ học tập, áp dụng từ tháng 3/2026."),
        ),
        DemoNomination(
            "coso2", NomineeKind.COLLECTIVE, "new_rural_civilised_urban", "grassroots_front_mass_org",
            dict(
                title="Hẻm “sáng - xanh - sạch - văn minh” do Nhân dân tự làm",
                nominee_name="Ban Công tác Mặt trận tổ dân phố 5, phường Cẩm Thành",
                locality="Tổ dân phố 5, phường Cẩm Thành",
                started_on=date(2024, 1, 15), duration="2 năm",
                situation="Các hẻm nhỏ thiếu đèn chiếu sáng, rác để không đúng nơi quy định.",
                method="Mỗi hộ góp một bóng đèn, một chậu cây; tổ dân phố họp bàn lịch dọn vệ sinh.",
                participation="Người dân tự góp tiền, công lắp đặt, tự giám sát việc giữ gìn vệ sinh.",
                results="12 tuyến hẻm có đèn chiếu sáng; 1,4 km hẻm trồng cây xanh.",
                households_count=310, money_contributed_vnd=230_000_000, road_length_m=1_400,
                review_held_on=ago(26), review_attendees=48, review_votes_cast=48, review_votes_for=44,
            ),
            steps=(_submit("coso2"), _return("Số phiếu đồng ý trong biên bản chưa khớp với danh sách ký tên; đề nghị kiểm tra lại và bổ sung ảnh minh chứng trước, sau khi thực hiện.")),
        ),
        DemoNomination(
            "coso2", NomineeKind.INDIVIDUAL, "poverty_reduction", "cadre",
            dict(
                title="Vận động doanh nghiệp, nhà hảo tâm xây nhà “Đại đoàn kết” cho hộ nghèo",
                nominee_name="Võ Thị Mai Anh", nominee_position="Phó Chủ tịch Ủy ban Mặt trận Tổ quốc Việt Nam phường Cẩm Thành",
                nominee_birth_year=1983,
                locality="Phường Cẩm Thành",
                started_on=date(2023, 2, 1), duration="3 năm",
                situation="Nhiều hộ nghèo, gia đình chính sách ở nhà tạm, xuống cấp.",
                method="Kết nối doanh nghiệp với từng hộ cụ thể; công khai từng khoản đóng góp trên bảng tin tổ dân phố.",
                participation="Hàng xóm góp ngày công xây dựng; hộ được hỗ trợ tự bàn thiết kế nhà.",
                results="Xây mới 18 nhà, sửa chữa 11 nhà “Đại đoàn kết” với tổng kinh phí 1,45 tỷ đồng.",
                households_count=29, money_contributed_vnd=1_450_000_000, working_days=640,
                review_held_on=ago(24), review_attendees=35, review_votes_cast=35, review_votes_for=34,
            ),
            steps=(_submit("coso2"),),
        ),
        DemoNomination(
            "coso2", NomineeKind.INDIVIDUAL, "defence_security", "soldier",
            dict(
                title="Cảnh sát khu vực gần dân, vận động người dân giao nộp vũ khí, vật liệu nổ",
                nominee_name="Nguyễn Minh Khoa",
                nominee_position="Cảnh sát khu vực, Công an phường Cẩm Thành",
                locality="Phường Cẩm Thành",
            ),
            # An unfinished draft: no report yet, no evidence.
            evidence=False,
        ),
        DemoNomination(
            "coso2", NomineeKind.COLLECTIVE, "economy_society", "hospital_school",
            dict(
                title="Phụ huynh đồng hành xây dựng sân chơi, thư viện xanh cho học sinh",
                nominee_name="Ban đại diện cha mẹ học sinh Trường Tiểu học Cẩm Thành",
                locality="Phường Cẩm Thành",
                started_on=date(2025, 8, 20), duration="1 năm",
                situation="Sân trường chật, thiếu chỗ đọc sách và đồ chơi vận động cho học sinh.",
                method="Phụ huynh góp vật liệu tái chế, ngày công; nhà trường công khai thu chi.",
                participation="Phụ huynh tự bàn thiết kế, cùng thi công vào cuối tuần.",
                results="Sân chơi 600 m², thư viện xanh 2.000 đầu sách.",
                area_m2=600, working_days=350,
                review_held_on=ago(20), review_attendees=28, review_votes_cast=28, review_votes_for=25,
            ),
            steps=((A.WITHDRAW, "coso2", "Hồ sơ trùng nội dung với hồ sơ do nhà trường đề nghị qua ngành giáo dục."),),
        ),
    ]


# --- small generated evidence pictures (no fonts, no external tools) ----------------------------


def _png(width: int, height: int, pixels: bytearray) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    stride = width * 3
    raw = b"".join(b"\x00" + bytes(pixels[y * stride:(y + 1) * stride]) for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def evidence_png(seed: int, width: int = 320, height: int = 200) -> bytes:
    """A stylised photo of a village road (sky, fields, road, houses), varied by `seed`."""
    pixels = bytearray(width * height * 3)

    def rect(x0: int, y0: int, x1: int, y1: int, colour: tuple[int, int, int]) -> None:
        row = bytes(colour) * max(0, min(x1, width) - max(x0, 0))
        for y in range(max(y0, 0), min(y1, height)):
            start = (y * width + max(x0, 0)) * 3
            pixels[start:start + len(row)] = row

    hue = (seed * 37) % 60
    rect(0, 0, width, height * 2 // 5, (120 + hue, 180, 235))
    rect(0, height * 2 // 5, width, height, (70, 140 + hue, 60))
    horizon = height * 2 // 5
    for y in range(horizon, height):  # a road narrowing towards the horizon
        half = 8 + (y - horizon) * 70 // (height - horizon)
        rect(width // 2 - half, y, width // 2 + half, y + 1, (150, 150, 145))
        if (y // 6) % 2 == 0:
            rect(width // 2 - 1, y, width // 2 + 1, y + 1, (245, 245, 240))
    for i in range(3):  # houses on both sides
        x = 20 + i * 40 + (seed * 13 + i * 7) % 15
        rect(x, horizon - 22, x + 28, horizon + 6, (230, 220, 200))
        rect(x - 3, horizon - 30, x + 31, horizon - 22, (180, 60 + hue, 50))
        rect(width - x - 28, horizon - 18, width - x, horizon + 6, (235, 225, 205))
        rect(width - x - 31, horizon - 26, width - x + 3, horizon - 18, (170, 70, 50 + hue))
    rect(width - 50, 15, width - 30, 35, (250, 220, 90))  # the sun
    return _png(width, height, pixels)


# --- the command ---------------------------------------------------------------------------------


@dataclass
class SeedReport:
    units: int = 0
    users: int = 0
    campaigns: int = 0
    nominations: int = 0
    reference_items: int = 0
    # Demo nominations left out because the campaign no longer takes nominations.
    nominations_skipped: int = 0

    @property
    def total(self) -> int:
        return self.units + self.users + self.campaigns + self.nominations + self.reference_items


def seed_demo(today: date | None = None) -> SeedReport:
    """Add whatever demo rows are missing, then commit once.

    Side effects, in order: reference lists, units (with path and search text), accounts,
    the open campaign with its rubric, nominations with their evidence files stored under
    UPLOAD_DIR and their workflow moves (all audited), then replications of the recognised models.
    """
    today = today or today_in_vietnam()
    report = SeedReport()
    report.reference_items = campaign_ops.ensure_reference_lists()
    ensure_builtin_systems()  # the migration seeds them; a database made by create_all has none yet
    units = _ensure_units(report)
    users = _ensure_users(units, report)
    campaign = _ensure_campaign(units[PROVINCE[0]], users["thuky"], today, report)
    _ensure_nominations(campaign, users, today, report)
    for seed_stage in (seed_review_stage, seed_public_stage, seed_award_stage, seed_commune_award_stage):
        added = seed_stage(units[PROVINCE[0]], users, today, evidence_png)
        report.nominations += added
        report.campaigns += 1 if added else 0
    seed_registry_import(users)
    seed_followup_stage(units[PROVINCE[0]], [units[TINH_KHE], units[CAM_THANH], units[VILLAGES[0][0]]], users, today)
    seed_replications(users, today, evidence_png)
    seed_statistics_stage(users, today)
    # After the statistics' dossiers: the reports are prefilled from (and the commune's frozen with) every figure.
    seed_reports(units[PROVINCE[0]], units[TINH_KHE], users, today)
    db.session.commit()
    return report


def _ensure_units(report: SeedReport) -> dict[str, Unit]:
    codes = [PROVINCE[0]] + [code for code, _, _ in CHILD_UNITS + VILLAGES]
    units = {u.code: u for u in db.session.scalars(sa.select(Unit).where(Unit.code.in_(codes)))}

    def ensure(code: str, name: str, kind: str, parent: Unit | None) -> Unit:
        if code in units:
            return units[code]
        unit = Unit(code=code, name=name, kind=kind, parent=parent)
        db.session.add(unit)
        db.session.flush()
        unit.assign_path()
        unit.refresh_search_text()
        units[code] = unit
        report.units += 1
        return unit

    province = ensure(*PROVINCE, parent=None)
    for code, name, kind in CHILD_UNITS:
        ensure(code, name, kind, parent=province)
    for code, name, kind in VILLAGES:
        ensure(code, name, kind, parent=units[TINH_KHE])
    db.session.flush()
    return units


def _ensure_users(units: dict[str, Unit], report: SeedReport) -> dict[str, User]:
    existing = {u.email: u for u in db.session.scalars(sa.select(User).where(User.email.in_([d.email for d in USERS])))}
    users = {}
    for demo in USERS:
        user = existing.get(demo.email)
        if user is None:
            user = User(
                email=demo.email, full_name=demo.full_name, role=demo.role,
                unit=units[demo.unit_code] if demo.unit_code else None, active=True,
            )
            user.set_password(DEMO_PASSWORD)
            db.session.add(user)
            report.users += 1
        users[demo.local_part] = user
    db.session.flush()
    return users


def campaign_title(year: int) -> str:
    return f"Bình xét mô hình, điển hình “Dân vận khéo” tỉnh Quảng Ngãi năm {year}"


def _ensure_campaign(province: Unit, secretary: User, today: date, report: SeedReport) -> Campaign:
    title = campaign_title(today.year)
    campaign = db.session.scalar(
        sa.select(Campaign).where(
            Campaign.organising_unit_id == province.id, Campaign.year == today.year, Campaign.title == title
        )
    )
    if campaign is not None:
        return campaign
    close_on = today + timedelta(days=45)
    campaign = campaign_ops.create_campaign(
        organising_unit=province,
        title=title,
        year=today.year,
        actor=secretary,
        status=CampaignStatus.NOMINATIONS_OPEN,
        nominations_open_on=today - timedelta(days=45),
        nominations_close_on=close_on,
        review_close_on=close_on + timedelta(days=20),
        public_voting_open_on=close_on + timedelta(days=21),
        public_voting_close_on=close_on + timedelta(days=35),
        decision_on=close_on + timedelta(days=45),
        description=(
            "Các cơ quan, đơn vị, địa phương trong tỉnh lựa chọn mô hình tập thể và điển hình cá nhân "
            "“Dân vận khéo” tiêu biểu, đã được bình xét công khai tại đơn vị, để đề nghị Ban Dân vận "
            "Tỉnh ủy xét chọn, biểu dương, khen thưởng và nhân rộng."
        ),
    )
    report.campaigns += 1
    return campaign


def _ensure_nominations(campaign: Campaign, users: dict[str, User], today: date, report: SeedReport) -> None:
    demos = _nominations(today)
    titles = [d.report["title"] for d in demos]
    existing = set(db.session.scalars(sa.select(Nomination.title).where(Nomination.title.in_(titles))))
    missing = [demo for demo in demos if demo.report["title"] not in existing]
    if missing and not campaign.accepts_nominations(today):
        report.nominations_skipped = len(missing)
        return
    reference = {
        (item.kind, item.code): item
        for item in db.session.scalars(sa.select(ReferenceItem))
    }
    for number, demo in enumerate(demos, start=1):
        if demo not in missing:
            continue
        submitter = users[demo.submitter]
        nomination = operations.create_draft(campaign, demo.kind, submitter.unit, submitter)
        category_kind = (
            ReferenceKind.COLLECTIVE_TYPE if demo.kind is NomineeKind.COLLECTIVE else ReferenceKind.INDIVIDUAL_CATEGORY
        )
        category_field = "collective_type_id" if demo.kind is NomineeKind.COLLECTIVE else "individual_category_id"
        values = dict(demo.report)
        values["field_id"] = reference[(ReferenceKind.FIELD, demo.field_code)].id
        values[category_field] = reference[(category_kind, demo.category_code)].id
        operations.update_report(nomination, values, submitter)
        if demo.evidence:
            picture = store_upload(io.BytesIO(evidence_png(number)), f"Ảnh hiện trường - hồ sơ {number}.png")
            operations.attach_files(nomination, [(picture, "evidence", None)], submitter)
        for action, actor_key, reason in demo.steps:
            if action is A.RESUBMIT and demo.fixes:
                operations.update_report(nomination, demo.fixes, users[actor_key])
            workflow.apply(nomination, action, users[actor_key], reason=reason)
        db.session.flush()
        report.nominations += 1


def _print_logins() -> None:
    codes = {d.unit_code for d in USERS if d.unit_code}
    units = dict(db.session.execute(sa.select(Unit.code, Unit.name).where(Unit.code.in_(codes))).tuples().all())
    header = ("Vai trò", "Thư điện tử", "Họ và tên", "Đơn vị")
    rows = [(d.role.label, d.email, d.full_name, units.get(d.unit_code, "—") if d.unit_code else "—") for d in USERS]
    widths = [max(len(row[i]) for row in [header] + rows) for i in range(len(header))]
    click.echo("")
    click.echo("Tài khoản dùng thử:")
    for row in [header, tuple("-" * w for w in widths)] + rows:
        click.echo("  " + "  ".join(value.ljust(width) for value, width in zip(row, widths)).rstrip())
    click.echo(f"Mật khẩu chung của mọi tài khoản dùng thử: {DEMO_PASSWORD}")


@click.command("seed-demo")
@click.option("--allow-production", is_flag=True, help="Cho phép nạp dữ liệu mẫu khi DVKHEO_ENV=production.")
@with_appcontext
def seed_demo_command(allow_production: bool) -> None:
    """Nạp dữ liệu mẫu (chạy lại nhiều lần không tạo trùng)."""
    environment = os.environ.get("DVKHEO_ENV", os.environ.get("FLASK_ENV", "development"))
    if environment == "production" and not allow_production:
        raise click.ClickException(
            "Không nạp dữ liệu mẫu trên môi trường production (các tài khoản mẫu dùng chung một mật khẩu công khai). "
            "Dùng --allow-production nếu thật sự cần."
        )
    report = seed_demo()
    if report.total:
        click.echo(
            f"Đã thêm dữ liệu mẫu: {report.units} đơn vị, {report.users} tài khoản, "
            f"{report.campaigns} đợt bình xét, {report.nominations} hồ sơ đề nghị, "
            f"{report.reference_items} mục danh mục."
        )
    else:
        click.echo("Dữ liệu mẫu đã có đầy đủ, không thêm gì.")
    if report.nominations_skipped:
        click.echo(
            f"Bỏ qua {report.nominations_skipped} hồ sơ mẫu còn thiếu: đợt bình xét mẫu không còn nhận hồ sơ."
        )
    _print_logins()
