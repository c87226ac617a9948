"""Default reference lists and rubric, from domain.md and seed 002 section III."""
from __future__ import annotations

FIELDS = [
    ("political_system", "Xây dựng hệ thống chính trị"),
    ("economy_society", "Phát triển kinh tế - xã hội"),
    ("defence_security", "Quốc phòng, an ninh"),
    ("environment", "Bảo vệ môi trường"),
    ("food_safety", "Vệ sinh an toàn thực phẩm"),
    ("health_insurance", "Bảo hiểm y tế toàn dân"),
    ("new_rural_civilised_urban", "Xây dựng nông thôn mới, đô thị văn minh"),
    ("poverty_reduction", "Giảm nghèo bền vững"),
    ("admin_reform_digital", "Cải cách hành chính, chuyển đổi số"),
]

COLLECTIVE_TYPES = [
    ("grassroots_party_government", "Cấp ủy, chính quyền cơ sở"),
    ("grassroots_front_mass_org", "Mặt trận Tổ quốc, đoàn thể chính trị - xã hội cơ sở"),
    ("commune_body", "Tổ chức, đơn vị trực thuộc cấp xã (thôn, tổ dân phố, chi bộ...)"),
    ("district_body", "Cơ quan, đơn vị trực thuộc cấp huyện"),
    ("agency_public_service", "Cơ quan, đơn vị sự nghiệp"),
    ("enterprise", "Doanh nghiệp"),
    ("hospital_school", "Bệnh viện, trường học"),
    ("armed_forces", "Đơn vị lực lượng vũ trang"),
]

INDIVIDUAL_CATEGORIES = [
    ("cadre", "Cán bộ"),
    ("party_member", "Đảng viên"),
    ("civil_servant", "Công chức"),
    ("public_employee", "Viên chức"),
    ("association_member", "Đoàn viên, hội viên"),
    ("soldier", "Cán bộ, chiến sĩ lực lượng vũ trang"),
]

RUBRIC = [
    ("Cách làm sáng tạo, khéo léo", "Phương pháp, giải pháp mới, phù hợp thực tiễn, tiết kiệm thời gian và chi phí.", 25),
    (
        "Sự đồng thuận, tham gia của Nhân dân",
        "Thể hiện phương châm dân biết, dân bàn, dân làm, dân kiểm tra, dân giám sát, dân thụ hưởng.",
        25,
    ),
    (
        "Kết quả cụ thể",
        "Hiệu quả kinh tế - xã hội, quốc phòng - an ninh hoặc xây dựng hệ thống chính trị, có số liệu.",
        25,
    ),
    ("Sức thuyết phục, lan tỏa, khả năng nhân rộng", "Đã hoặc có thể nhân rộng ở địa phương, đơn vị khác.", 15),
    ("Được bình xét công khai, tập thể công nhận", "Biên bản bình xét công khai của đơn vị.", 10),
]
