"""Demo replications of the demo's recognised models: one confirmed and public on each of two models' pages,
one waiting for the commune's committee, one returned by the province's with its reason. Added once (none
are added when any replication exists)."""
from __future__ import annotations

import io
from datetime import date, timedelta

import sqlalchemy as sa

from dvkheo.accounts.models import User
from dvkheo.core.storage import store_upload
from dvkheo.extensions import db
from dvkheo.registry.models import RegisteredModel
from dvkheo.replication import operations, workflow
from dvkheo.replication.models import Replication

A = workflow.A

# (who declares, title of the model it applies, days ago it started, declaration, moves: (action, who, reason))
REPLICATIONS = [
    (
        "coso2", "“Hũ gạo tình thương” và sinh kế cho hộ cận nghèo thôn Trường Thọ", 210,
        dict(
            adaptation="Hội Phụ nữ phường góp gạo theo tổ dân phố thay vì theo chi hội; quỹ quay vòng cho vay mua "
                       "xe đẩy bán hàng và máy may thay cho bò giống, vì hộ khó khăn ở phường sống bằng buôn bán nhỏ.",
            scale="8 tổ dân phố của phường Cẩm Thành",
            people_reached=310,
            first_results="Quỹ quay vòng 96 triệu đồng sau 7 tháng; 22 hộ được vay, 19 hộ đã trả đủ kỳ đầu; "
                          "2 hộ thoát cận nghèo cuối năm.",
        ),
        ((A.SUBMIT, "coso2", None), (A.CONFIRM, "thuky", None)),
    ),
    (
        "coso", "“Bình dân học vụ số”: thanh niên hướng dẫn người cao tuổi dùng dịch vụ công trực tuyến", 150,
        dict(
            adaptation="Đoàn Thanh niên xã mở lớp tại nhà văn hóa thôn vào buổi tối sau giờ làm đồng; "
                       "thêm nội dung cài ứng dụng VNeID và thanh toán tiền điện.",
            scale="6 thôn của xã Tịnh Khê, 14 đoàn viên hướng dẫn",
            people_reached=540,
            first_results="540 người cao tuổi được hướng dẫn; 61% hồ sơ chứng thực của xã nộp trực tuyến, "
                          "tăng từ 23% trước khi làm.",
        ),
        ((A.SUBMIT, "coso", None), (A.CONFIRM, "chutich", None)),
    ),
    (
        "truongthon", "“Bình dân học vụ số”: thanh niên hướng dẫn người cao tuổi dùng dịch vụ công trực tuyến", 60,
        dict(
            adaptation="Chi đoàn thôn kèm cặp từng hộ có người cao tuổi sống một mình, đến tận nhà vào Chủ nhật.",
            scale="Thôn Trường Thọ, 4 đoàn viên",
            people_reached=85,
            first_results="85 người cao tuổi biết tự tra cứu lương hưu và đặt lịch khám bệnh trên điện thoại.",
        ),
        ((A.SUBMIT, "truongthon", None),),
    ),
    (
        "coso2", "Đường làng “xanh - sạch - sáng” do Nhân dân thôn Trường Thọ tự quản", 90,
        dict(
            adaptation="Mỗi tổ dân phố nhận chăm sóc một đoạn vỉa hè và một bồn hoa.",
            scale="Tổ dân phố 3 và 5",
            people_reached=None,
            first_results="Đã trồng hoa trên hai tuyến phố.",
        ),
        ((A.SUBMIT, "coso2", None), (A.RETURN, "chutich",
          "Đề nghị bổ sung số hộ tham gia, chiều dài các tuyến phố đã nhận chăm sóc và ảnh trước, sau khi thực hiện.")),
    ),
]


def seed_replications(users: dict[str, User], today: date, evidence_png) -> int:
    """Add the demo replications if there are none yet; returns how many were added."""
    if db.session.scalar(sa.select(Replication.id).limit(1)) is not None:
        return 0
    titles = {title for _, title, *_ in REPLICATIONS}
    models = {
        m.title: m for m in db.session.scalars(
            sa.select(RegisteredModel).where(RegisteredModel.title.in_(titles), RegisteredModel.is_recognised.is_(True))
        )
    }
    added = 0
    for number, (who, title, days_ago, values, moves) in enumerate(REPLICATIONS, start=1):
        model, declarer = models.get(title), users[who]
        if model is None or model.unit_id == declarer.unit_id:
            continue
        replication = operations.declare(model, declarer)
        operations.update(replication, dict(values, started_on=today - timedelta(days=days_ago)), declarer)
        picture = store_upload(io.BytesIO(evidence_png(500 + number)), f"Ảnh hoạt động nhân rộng - {declarer.unit.name}.png")
        operations.attach_files(replication, [picture], declarer)
        for action, actor, reason in moves:
            workflow.apply(replication, action, users[actor], reason=reason)
        added += 1
    db.session.flush()
    return added
