"""The review stage of the demo: a second campaign whose nomination window is over and whose
committee is screening and scoring, so that every committee page has something to show.

Like `dvkheo.demo`, every row is made by the app's own operations (workflow moves, holds,
automatic assignment, scoring), so the demo obeys the rules real data does. Idempotent: the
campaign is found by its title; once it exists nothing is added.
"""
from __future__ import annotations

import io
from datetime import date, timedelta

import sqlalchemy as sa

from dvkheo.accounts.models import User
from dvkheo.campaigns import operations as campaign_ops
from dvkheo.campaigns import workflow as campaign_workflow
from dvkheo.campaigns.models import Campaign, CampaignStatus, NomineeKind, ReferenceItem
from dvkheo.core.storage import store_upload
from dvkheo.council.models import CouncilMember, CouncilRole
from dvkheo.extensions import db
from dvkheo.nominations import operations, workflow
from dvkheo.nominations.models import Nomination
from dvkheo.nominations.states import NominationAction as A
from dvkheo.units.models import Unit

# (submitter, kind, field code, category code, report, what the committee has done with it)
# The committee's part: "accept" (then scored as listed in SCORES), "hold", "wait" (not yet screened),
# "return" (returned once, then resubmitted).
DOSSIERS = [
    (
        "coso", NomineeKind.COLLECTIVE, "poverty_reduction", "grassroots_front_mass_org",
        dict(
            title="“Hũ gạo tình thương” và sinh kế cho hộ cận nghèo thôn Trường Thọ",
            nominee_name="Chi hội Nông dân thôn Trường Thọ",
            locality="Thôn Trường Thọ, xã Tịnh Khê",
            started_on=date(2023, 1, 10), duration="3 năm",
            situation="Nhiều hộ cận nghèo thiếu vốn, thiếu kinh nghiệm chăn nuôi; dễ tái nghèo sau thiên tai.",
            method="Mỗi hội viên góp một nắm gạo mỗi tuần; bán gạo lập quỹ quay vòng mua bò giống; hội viên khá kèm cặp hộ khó khăn.",
            participation="Dân bàn mức góp và thứ tự nhận bò; dân làm chuồng trại; tổ giám sát công khai sổ quỹ mỗi quý.",
            results="Quỹ quay vòng 320 triệu đồng; 46 hộ được giao bò giống; 31 hộ thoát cận nghèo.",
            households_count=46, money_contributed_vnd=320_000_000, working_days=900,
            replication="Hội Nông dân xã đã nhân rộng ra 4 thôn.",
        ),
        "accept",
    ),
    (
        "coso", NomineeKind.INDIVIDUAL, "political_system", "party_member",
        dict(
            title="Bí thư chi bộ đối thoại với dân mỗi tháng, giải quyết kiến nghị ngay tại thôn",
            nominee_name="Nguyễn Văn Sáu", nominee_position="Bí thư Chi bộ thôn Phú Lộc", nominee_birth_year=1969,
            locality="Thôn Phú Lộc, xã Tịnh Khê",
            started_on=date(2022, 6, 1), duration="4 năm",
            situation="Kiến nghị của người dân về đường điện, nước sạch tồn đọng, gây bức xúc.",
            method="Tổ chức “Ngày thứ Bảy lắng nghe” mỗi tháng; ghi sổ, phân công, hẹn ngày trả lời từng kiến nghị.",
            participation="Người dân trực tiếp nêu ý kiến, cùng giám sát việc trả lời; kết quả niêm yết tại nhà văn hóa.",
            results="Giải quyết 148/152 kiến nghị; không còn đơn thư vượt cấp trong 3 năm.",
            households_count=410, cases_resolved=148,
            replication="Đảng ủy xã chỉ đạo các chi bộ thôn áp dụng.",
        ),
        "accept",
    ),
    (
        "coso2", NomineeKind.COLLECTIVE, "admin_reform_digital", "grassroots_front_mass_org",
        dict(
            title="“Bình dân học vụ số”: thanh niên hướng dẫn người cao tuổi dùng dịch vụ công trực tuyến",
            nominee_name="Đoàn Thanh niên phường Cẩm Thành",
            locality="Phường Cẩm Thành",
            started_on=date(2024, 3, 26), duration="2 năm",
            situation="Người cao tuổi ngại dùng điện thoại thông minh, phải đến phường nhiều lần để làm thủ tục.",
            method="Lập 12 tổ công nghệ số cộng đồng; mở lớp cuối tuần tại tổ dân phố; in cẩm nang bằng chữ lớn.",
            participation="Người dân đăng ký học, chọn giờ học; tổ dân phố góp phòng học; người học đánh giá chất lượng lớp.",
            results="2.600 người được hướng dẫn; 78% hồ sơ thủ tục của phường nộp trực tuyến.",
            households_count=1_900, working_days=1_100,
            replication="Thành đoàn giới thiệu mô hình cho các phường.",
        ),
        "accept",
    ),
    (
        "coso2", NomineeKind.COLLECTIVE, "food_safety", "hospital_school",
        dict(
            title="Bếp ăn bán trú an toàn do phụ huynh cùng giám sát",
            nominee_name="Ban Đại diện cha mẹ học sinh Trường Tiểu học Cẩm Thành",
            locality="Phường Cẩm Thành",
            started_on=date(2024, 9, 5), duration="2 năm học",
            situation="Phụ huynh lo lắng về nguồn gốc thực phẩm trong bếp ăn bán trú.",
            method="Phụ huynh luân phiên kiểm tra nguồn thực phẩm mỗi sáng; công khai thực đơn và hóa đơn trên nhóm lớp.",
            participation="Phụ huynh bàn và chọn nhà cung cấp; cùng kiểm tra; học sinh góp ý thực đơn.",
            results="Hai năm học không xảy ra ngộ độc; 100% thực phẩm có nguồn gốc rõ ràng.",
            households_count=640, working_days=360,
            replication="Phòng Giáo dục giới thiệu cho 6 trường bán trú.",
        ),
        "accept",
    ),
    (
        "coso", NomineeKind.COLLECTIVE, "defence_security", "commune_body",
        dict(
            title="Tổ liên gia tự quản “ba không” giữ an ninh xóm biển",
            nominee_name="Tổ liên gia tự quản xóm biển thôn Cổ Lũy",
            locality="Thôn Cổ Lũy, xã Tịnh Khê",
            started_on=date(2023, 5, 1), duration="3 năm",
            situation="Trộm cắp ngư cụ và đánh nhau khi say rượu thường xảy ra ở xóm biển.",
            method="120 hộ xóm biển chia thành 12 nhóm liên gia, mỗi nhóm mười hộ, cam kết “không trộm cắp, không tệ nạn, không đánh nhau”; tuần tra đêm luân phiên.",
            participation="Các hộ tự bầu tổ trưởng, tự bàn quy ước, cùng tuần tra và nhắc nhở nhau.",
            results="Hai năm liền không có vụ trộm ngư cụ; hòa giải thành 17 vụ mâu thuẫn.",
            households_count=120, working_days=700, cases_resolved=17,
            replication="Công an xã đề nghị nhân rộng ra các thôn ven biển.",
        ),
        "accept",
    ),
    (
        "coso2", NomineeKind.INDIVIDUAL, "environment", "association_member",
        dict(
            title="Người “đổi rác lấy cây” ở khu phố",
            nominee_name="Lê Thị Bích", nominee_position="Tổ trưởng tổ phụ nữ khu phố 3", nominee_birth_year=1975,
            locality="Khu phố 3, phường Cẩm Thành",
            started_on=date(2024, 1, 15), duration="2 năm",
            situation="Rác thải nhựa vứt bừa bãi ở bờ kênh, cống thoát nước thường xuyên tắc.",
            method="Mỗi tháng đổi 5 kg rác nhựa lấy một cây xanh; bán phế liệu gây quỹ trồng cây ven kênh.",
            participation="Người dân tự phân loại rác tại nhà, cùng trồng và chăm cây ven kênh.",
            results="Thu gom 4,2 tấn rác nhựa; trồng 560 cây xanh; bờ kênh dài 900 m sạch đẹp.",
            households_count=300, working_days=520, road_length_m=900,
            replication="Hội Phụ nữ phường nhân rộng ra 5 khu phố.",
        ),
        "hold",
    ),
    (
        "coso", NomineeKind.COLLECTIVE, "health_insurance", "grassroots_front_mass_org",
        dict(
            title="Quỹ “Tấm thẻ nghĩa tình” mua bảo hiểm y tế cho hộ khó khăn",
            nominee_name="Ban Công tác Mặt trận thôn Trường Thọ",
            locality="Thôn Trường Thọ, xã Tịnh Khê",
            started_on=date(2024, 2, 1), duration="2 năm",
            situation="Nhiều hộ làm nông không tham gia bảo hiểm y tế; khi ốm đau phải vay mượn.",
            method="Vận động con em xa quê và doanh nghiệp góp quỹ; mua thẻ bảo hiểm y tế cho hộ khó khăn.",
            participation="Dân bàn danh sách hộ được hỗ trợ; công khai quỹ trên loa truyền thanh thôn.",
            results="Quỹ huy động 96 triệu đồng; trao 180 thẻ bảo hiểm y tế.",
            households_count=180, money_contributed_vnd=96_000_000,
            replication="Mặt trận xã giới thiệu cho các thôn.",
        ),
        "wait",
    ),
    (
        "coso2", NomineeKind.COLLECTIVE, "new_rural_civilised_urban", "commune_body",
        dict(
            title="Tổ dân phố tự làm hệ thống chiếu sáng và camera an ninh",
            nominee_name="Tổ dân phố 7 phường Cẩm Thành",
            locality="Tổ dân phố 7, phường Cẩm Thành",
            started_on=date(2024, 6, 1), duration="2 năm",
            situation="Các hẻm nhỏ tối, thiếu an toàn vào ban đêm.",
            method="Họp tổ dân phố bàn mức góp; các hộ tự lắp đèn trước nhà; lắp camera tại đầu hẻm.",
            participation="Dân biết dự toán, dân bàn mức góp, dân tự lắp đặt và cùng quản lý camera.",
            results="Lắp 140 bóng đèn, 12 camera; 2,1 km hẻm được chiếu sáng.",
            households_count=260, money_contributed_vnd=210_000_000, road_length_m=2_100,
            replication="Phường đang vận động các tổ dân phố khác làm theo.",
        ),
        "return",
    ),
]

# Points per criterion (rubric order, out of 25/25/25/15/10) by reviewer, for the dossiers scored in full.
SCORES = {
    0: {"hoidong1": [22, 23, 21, 13, 9], "hoidong2": [20, 21, 22, 12, 9], "chutich": [21, 22, 20, 13, 9]},
    1: {"hoidong1": [18, 19, 20, 11, 8], "hoidong2": [21, 22, 21, 13, 9], "chutich": [19, 20, 20, 12, 8]},
    2: {"hoidong1": [23, 22, 23, 14, 9], "hoidong2": [22, 22, 23, 14, 10], "chutich": [22, 23, 22, 13, 9]},
    # Dossier 3: only the first of its reviewers has finished.
    3: {"hoidong1": [17, 18, 19, 10, 8], "hoidong2": [18, 17, 18, 11, 8], "chutich": [17, 19, 18, 10, 9]},
}
COMMENT = "Đạt yêu cầu của tiêu chí; có số liệu, minh chứng cụ thể."


def review_campaign_title(year: int) -> str:
    return f"Sơ kết 6 tháng: mô hình, điển hình “Dân vận khéo” tỉnh Quảng Ngãi năm {year}"


def seed_review_stage(province: Unit, users: dict[str, User], today: date, evidence_png) -> int:
    """Add the review-stage campaign if it is missing; returns the number of dossiers added."""
    title = review_campaign_title(today.year)
    if db.session.scalar(sa.select(Campaign.id).where(Campaign.title == title)) is not None:
        return 0
    secretary = users["thuky"]
    campaign = campaign_ops.create_campaign(
        organising_unit=province, title=title, year=today.year, actor=secretary,
        status=CampaignStatus.NOMINATIONS_OPEN,
        nominations_open_on=today - timedelta(days=60), nominations_close_on=today,
        review_close_on=today + timedelta(days=15),
        public_voting_open_on=today + timedelta(days=16), public_voting_close_on=today + timedelta(days=30),
        decision_on=today + timedelta(days=35),
        reviewers_per_nomination=2,
        description="Sơ kết 6 tháng đầu năm: lựa chọn mô hình, điển hình tiêu biểu để biểu dương và nhân rộng.",
    )
    for local_part, role in (("chutich", CouncilRole.CHAIR), ("hoidong1", CouncilRole.MEMBER), ("hoidong2", CouncilRole.MEMBER)):
        db.session.add(CouncilMember(campaign=campaign, user=users[local_part], council_role=role))
    reference = {(item.kind.value, item.code): item for item in db.session.scalars(sa.select(ReferenceItem))}

    dossiers = []
    for number, (submitter_key, kind, field_code, category_code, report, _) in enumerate(DOSSIERS, start=1):
        submitter = users[submitter_key]
        nomination = operations.create_draft(campaign, kind, submitter.unit, submitter)
        category = "collective_type" if kind is NomineeKind.COLLECTIVE else "individual_category"
        values = dict(report)
        values.update(
            field_id=reference[("field", field_code)].id,
            **{f"{category}_id": reference[(category, category_code)].id},
            review_held_on=today - timedelta(days=70 - number), review_attendees=50 + number,
            review_votes_cast=48 + number, review_votes_for=45 + number,
        )
        operations.update_report(nomination, values, submitter)
        picture = store_upload(io.BytesIO(evidence_png(100 + number)), f"Ảnh minh chứng - {report['nominee_name']}.png")
        operations.attach_files(nomination, [(picture, "evidence", campaign.criteria[2].id)], submitter)
        workflow.apply(nomination, A.SUBMIT, submitter)
        dossiers.append(nomination)
    db.session.flush()

    # The window has closed: the committee starts screening and scoring.
    campaign.nominations_close_on = today - timedelta(days=1)
    campaign_workflow.apply(campaign, campaign_workflow.CampaignAction.START_REVIEW, secretary)
    _screen(dossiers, users, today)
    db.session.flush()
    _assign_and_score(campaign, dossiers, users)
    return len(dossiers)


def _screen(dossiers: list[Nomination], users: dict[str, User], today: date) -> None:
    from dvkheo.review import screening
    from dvkheo.review.models import HoldCategory

    secretary = users["thuky"]
    for nomination, (submitter_key, *_, plan) in zip(dossiers, DOSSIERS):
        if plan in ("accept", "hold"):
            screening.accept(nomination, secretary)
        if plan == "hold":
            screening.place_hold(
                nomination, secretary, HoldCategory.COMPLAINT,
                "Có đơn phản ánh của người dân về số liệu cây xanh; đang xác minh.", today + timedelta(days=10),
            )
        if plan == "return":
            workflow.apply(
                nomination, A.RETURN, secretary,
                reason="Đề nghị bổ sung biên bản họp tổ dân phố thống nhất mức đóng góp.",
            )
            workflow.apply(nomination, A.RESUBMIT, users[submitter_key])


def _assign_and_score(campaign: Campaign, dossiers: list[Nomination], users: dict[str, User]) -> None:
    from dvkheo.review import assignment, scoring
    from dvkheo.review.models import AssignmentStatus, ReviewAssignment

    assignment.auto_assign(campaign, users["thuky"])
    db.session.flush()
    for index, sheets in SCORES.items():
        nomination = dossiers[index]
        active = db.session.scalars(
            sa.select(ReviewAssignment)
            .where(ReviewAssignment.nomination_id == nomination.id, ReviewAssignment.status == AssignmentStatus.ACTIVE)
            .order_by(ReviewAssignment.id)
        ).all()
        # Dossier 3: the second reviewer has not started yet.
        for sheet in active[:1] if index == 3 else active:
            reviewer = sheet.reviewer
            points = sheets[reviewer.email.split("@")[0]]
            entries = {c.id: scoring.Entry(value, COMMENT) for c, value in zip(campaign.criteria, points)}
            scoring.save_scores(sheet, entries, reviewer, finalise=True)
            db.session.flush()


# --- the public stage -------------------------------------------------------------------------------

# The dossiers the public sees, each whole (submitter, kind, field, category, report): never another
# dossier's report under a new title, so that what a visitor reads on one page agrees with itself.
PUBLIC_DOSSIERS = [
    (
        "coso", NomineeKind.COLLECTIVE, "environment", "grassroots_front_mass_org",
        dict(
            title="“Ngày Chủ nhật xanh” làm sạch bờ biển Cổ Lũy",
            nominee_name="Đoàn Thanh niên xã Tịnh Khê",
            locality="Thôn Cổ Lũy, xã Tịnh Khê",
            started_on=date(2024, 3, 3), duration="2 năm",
            situation="Sau mỗi mùa mưa bão, rác thải nhựa và lưới cũ dạt vào bờ biển Cổ Lũy; bãi tắm của thôn bị ô nhiễm.",
            method="Mỗi Chủ nhật cuối tháng, chi đoàn các thôn ra quân theo đoạn bờ biển được giao; phân loại rác tại chỗ, "
                   "bán phế liệu lấy kinh phí mua bao, găng tay; đặt thùng rác có nắp dọc lối xuống biển.",
            participation="Thanh niên cùng ngư dân bàn lịch ra quân; các hộ ven biển tự giữ sạch đoạn trước nhà; "
                          "tổ giám sát của thôn chấm điểm từng đoạn hằng tháng.",
            results="24 buổi ra quân trong hai năm; thu gom 18 tấn rác; 2,4 km bờ biển sạch; 600 đoàn viên và người dân tham gia.",
            households_count=210, working_days=1_300, road_length_m=2_400,
            replication="Huyện đoàn giới thiệu cách làm cho các xã ven biển.",
        ),
    ),
    (
        "coso2", NomineeKind.COLLECTIVE, "economy_society", "commune_body",
        dict(
            title="Sân chơi cho trẻ em do Nhân dân tổ dân phố cùng làm",
            nominee_name="Tổ dân phố 5 phường Cẩm Thành",
            locality="Tổ dân phố 5, phường Cẩm Thành",
            started_on=date(2024, 9, 1), duration="1 năm",
            situation="Tổ dân phố đông trẻ em nhưng không có chỗ vui chơi; trẻ chơi dưới lòng đường, dễ xảy ra tai nạn.",
            method="Họp tổ dân phố chọn khu đất trống của tổ; các hộ góp tiền, vật liệu, ngày công; "
                   "bố mẹ các cháu nhận trông coi, bảo dưỡng thiết bị theo tuần.",
            participation="Dân bàn thiết kế và mức góp; dân tự làm vào cuối tuần; thu chi công khai trên bảng tin tổ dân phố.",
            results="Sân chơi 600 m² với 12 thiết bị; 95 triệu đồng và 420 ngày công do người dân đóng góp.",
            households_count=180, money_contributed_vnd=95_000_000, working_days=420, area_m2=600,
            replication="Phường đang vận động các tổ dân phố khác có đất trống làm theo.",
        ),
    ),
    (
        "coso", NomineeKind.COLLECTIVE, "political_system", "commune_body",
        dict(
            title="Vận động hòa giải, giữ yên xóm làng ở thôn Phú Lộc",
            nominee_name="Tổ hòa giải thôn Phú Lộc",
            locality="Thôn Phú Lộc, xã Tịnh Khê",
            started_on=date(2023, 2, 1), duration="3 năm",
            situation="Mâu thuẫn về ranh giới đất, lối đi chung giữa các hộ kéo dài; nhiều đơn thư gửi lên xã, huyện.",
            method="Tổ hòa giải gồm trưởng thôn, chi hội trưởng Hội Nông dân, Hội Phụ nữ, Hội Cựu chiến binh và người có uy tín "
                   "trong dòng họ; đến tận nhà nghe từng bên, hòa giải ngay khi mâu thuẫn mới phát sinh.",
            participation="Các bên tự thỏa thuận, ký biên bản hòa giải; kết quả được thông báo trong cuộc họp thôn.",
            results="Hòa giải thành 31/33 vụ việc; ba năm liền không có đơn thư vượt cấp.",
            households_count=330, cases_resolved=31,
            replication="Ủy ban Mặt trận Tổ quốc xã giới thiệu cách làm cho các tổ hòa giải khác.",
        ),
    ),
    (
        "coso2", NomineeKind.COLLECTIVE, "economy_society", "grassroots_front_mass_org",
        dict(
            title="Nồi cháo tình thương ở bệnh viện",
            nominee_name="Hội Chữ thập đỏ phường Cẩm Thành",
            locality="Phường Cẩm Thành",
            started_on=date(2024, 1, 5), duration="2 năm",
            situation="Nhiều người bệnh nghèo từ miền núi điều trị dài ngày ở bệnh viện tỉnh, không đủ tiền ăn.",
            method="Hội viên thay phiên nấu cháo từ 4 giờ sáng; vận động tiểu thương, nhà hảo tâm góp gạo, thịt, rau; "
                   "phát cháo tận khoa phòng theo danh sách bệnh viện lập.",
            participation="Người dân tự nguyện góp gạo, góp công nấu; sổ nhận, sổ chi công khai hằng tháng.",
            results="Hơn 40.000 suất cháo miễn phí cho người bệnh nghèo trong hai năm, từ 210 nhà hảo tâm.",
            households_count=210, money_contributed_vnd=380_000_000, working_days=1_500,
            replication="Hội Chữ thập đỏ tỉnh giới thiệu cho các phường có bệnh viện.",
        ),
    ),
]
PUBLIC_SCORES = [[23, 22, 23, 14, 9], [21, 22, 20, 13, 9], [20, 19, 21, 12, 8], [19, 20, 19, 12, 9]]
# A person on the local voter list, so that an official of Xã Tịnh Khê can record an assisted vote.
DEMO_VOTER = ("051190001234", "Trần Văn Bảy", date(1950, 3, 2), "Thôn Mỹ Lai")


def review_and_shortlist(campaign: Campaign, dossiers: list[Nomination], scores, secretary: User, reason: str) -> None:
    """Close intake, accept every dossier, assign reviewers automatically, score each dossier with its
    row of `scores` on every sheet and shortlist it: a campaign ready for its public stage or council."""
    from dvkheo.review import assignment, scoring, screening, shortlist
    from dvkheo.review.models import AssignmentStatus, ReviewAssignment

    campaign_workflow.apply(campaign, campaign_workflow.CampaignAction.START_REVIEW, secretary)
    for nomination in dossiers:
        screening.accept(nomination, secretary)
    db.session.flush()
    assignment.auto_assign(campaign, secretary)
    db.session.flush()
    for nomination, points in zip(dossiers, scores):
        sheets = db.session.scalars(
            sa.select(ReviewAssignment).where(
                ReviewAssignment.nomination_id == nomination.id, ReviewAssignment.status == AssignmentStatus.ACTIVE
            )
        ).all()
        for sheet in sheets:
            entries = {c.id: scoring.Entry(value, COMMENT) for c, value in zip(campaign.criteria, points)}
            scoring.save_scores(sheet, entries, sheet.reviewer, finalise=True)
            db.session.flush()
        shortlist.decide(nomination, True, secretary, reason)


def public_campaign_title(year: int) -> str:
    return f"Bình chọn mô hình, điển hình “Dân vận khéo” tiêu biểu tỉnh Quảng Ngãi năm {year}"


def seed_public_stage(province: Unit, users: dict[str, User], today: date, evidence_png) -> int:
    """A campaign taking public votes: four shortlisted dossiers, a few online votes, one person on the
    local list. Added once (found by its title); returns the number of dossiers added."""
    from dvkheo.campaigns.models import VoterVerification
    from dvkheo.core.text import fold
    from dvkheo.core.timeutil import utcnow
    from dvkheo.voting import ledger, sealing
    from dvkheo.voting.identity import email_hash, id_number_hash
    from dvkheo.voting.models import VoteChannel, Voter, VoterListEntry

    title = public_campaign_title(today.year)
    existing = db.session.scalar(sa.select(Campaign.id).where(Campaign.title == title))
    if existing is not None:
        # A database seeded under an earlier hashing key (before keys were kept in instance/secrets/):
        # the demo voter is found again under the current one.
        entry = db.session.scalar(sa.select(VoterListEntry).where(
            VoterListEntry.campaign_id == existing, VoterListEntry.full_name == DEMO_VOTER[1]
        ))
        if entry is not None:
            entry.id_number_hash = id_number_hash(DEMO_VOTER[0])
        return 0
    secretary = users["thuky"]
    campaign = campaign_ops.create_campaign(
        organising_unit=province, title=title, year=today.year, actor=secretary,
        status=CampaignStatus.NOMINATIONS_OPEN, nominations_open_on=today - timedelta(days=90), nominations_close_on=today,
        review_close_on=today - timedelta(days=1), decision_on=today + timedelta(days=30),
        reviewers_per_nomination=2, votes_per_voter=2, live_tallies=True, public_vote_share_percent=30,
        voter_verification=VoterVerification.EMAIL_CODE,
        description="Công khai danh sách đề cử để Nhân dân xem, góp ý và bình chọn trực tuyến hoặc tại xã, phường.",
    )
    for local_part, role in (("chutich", CouncilRole.CHAIR), ("hoidong1", CouncilRole.MEMBER), ("hoidong2", CouncilRole.MEMBER)):
        db.session.add(CouncilMember(campaign=campaign, user=users[local_part], council_role=role))
    reference = {(item.kind.value, item.code): item for item in db.session.scalars(sa.select(ReferenceItem))}
    dossiers = []
    for number, (submitter_key, kind, field_code, category_code, report) in enumerate(PUBLIC_DOSSIERS, start=1):
        submitter = users[submitter_key]
        nomination = operations.create_draft(campaign, kind, submitter.unit, submitter)
        values = dict(report)
        values.update(
            field_id=reference[("field", field_code)].id,
            collective_type_id=reference[("collective_type", category_code)].id,
            review_held_on=today - timedelta(days=80 - number), review_attendees=40 + number,
            review_votes_cast=40 + number, review_votes_for=36 + number,
        )
        operations.update_report(nomination, values, submitter)
        picture = store_upload(io.BytesIO(evidence_png(200 + number)), f"Ảnh hoạt động - {report['nominee_name']}.png")
        operations.attach_files(nomination, [(picture, "evidence", None)], submitter)
        workflow.apply(nomination, A.SUBMIT, submitter)
        dossiers.append(nomination)
    db.session.flush()

    campaign.nominations_close_on = today - timedelta(days=1)
    review_and_shortlist(
        campaign, dossiers, PUBLIC_SCORES, secretary, "Đạt điểm cao, được Hội đồng thống nhất công khai để bình chọn."
    )
    campaign.public_voting_open_on, campaign.public_voting_close_on = today - timedelta(days=1), today + timedelta(days=14)
    campaign_workflow.apply(campaign, campaign_workflow.CampaignAction.OPEN_PUBLIC_VOTING, secretary)
    db.session.flush()

    # Citizens have voted online since yesterday, so that the ledger has sealed batches (yesterday
    # evening and this morning, each above the minimum size) and a few votes waiting for the next.
    patterns = ([0, 1], [0, 2], [1], [0, 3], [2, 0], [3, 1], [0], [1, 2])
    now = utcnow()
    rounds = ((1, 16, now - timedelta(hours=20), now - timedelta(hours=19)),
              (17, 32, now - timedelta(hours=4), now - timedelta(hours=3)),
              (33, 35, now - timedelta(minutes=30), None))
    for first, last, cast_at, sealed_at in rounds:
        for number in range(first, last + 1):
            voter = Voter(campaign_id=campaign.id, identity_key="email:" + email_hash(f"nguoidan{number}@example.vn"))
            db.session.add(voter)
            db.session.flush()
            for index in patterns[number % len(patterns)]:
                ledger.cast(campaign, voter, dossiers[index % len(dossiers)], VoteChannel.ONLINE,
                            at=cast_at + timedelta(seconds=97 * number + index))
        if sealed_at is not None:
            sealing.seal(campaign.id, final=False, at=sealed_at)
    number, full_name, born, locality = DEMO_VOTER
    db.session.add(VoterListEntry(
        campaign_id=campaign.id, id_number_hash=id_number_hash(number), full_name=full_name, name_key=fold(full_name),
        birth_date=born, locality=locality, unit_id=users["coso"].unit_id,
    ))
    return len(dossiers)
