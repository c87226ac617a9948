"""`flask seed-demo` fills the registry through the real issue path, with one approved public summary per
committee, and through the import of the province's earlier recognitions kept on paper."""
from __future__ import annotations

import sqlalchemy as sa

from dvkheo.extensions import db
from dvkheo.demo_registry_import import HISTORY
from dvkheo.demo_statistics import THIS_YEAR
from dvkheo.registry.models import Recognition, RecognitionSource, RegisteredModel, SummaryState


def test_seed_demo_registers_the_awarded_models(runner, client):
    runner.invoke(args=["seed-demo"], catch_exceptions=False)

    models = db.session.scalars(sa.select(RegisteredModel).where(RegisteredModel.is_recognised.is_(True))).all()
    awarded = [m for m in models if any(r.source is RecognitionSource.AWARD for r in m.recognitions)]
    # The province's decision (3 lines) and the commune's State-format one, each with one approved summary.
    assert len(awarded) >= 4
    approved = [m for m in awarded if m.summary_state is SummaryState.APPROVED]
    # One per committee, and the one the import published for the model recognised earlier on paper.
    assert len(approved) == 3 and all(m.public_summary for m in approved)
    listing = client.get("/mo-hinh").get_data(as_text=True)
    assert all(m.title in listing for m in awarded)
    page = client.get(f"/mo-hinh/{approved[0].id}").get_data(as_text=True)
    assert approved[0].public_summary.split()[0] in page and "/verify/" in page and "/mo-hinh/" in page


def test_seed_demo_imports_earlier_years_once_and_joins_a_model_awarded_again(runner, client):
    runner.invoke(args=["seed-demo"], catch_exceptions=False)
    runner.invoke(args=["seed-demo"], catch_exceptions=False)  # run again: nothing imported twice

    imported = db.session.scalars(sa.select(Recognition).where(Recognition.source == RecognitionSource.EXTERNAL)).all()
    # Earlier years (the province's paper register) and this year's commune recognitions (the statistics demo).
    assert sorted(r.decision_number for r in imported) == sorted([row[8] for row in HISTORY] + [row[6] for row in THIS_YEAR])
    # The commune's exemplary party secretary: recognised by the district in 2024, awarded again this year.
    joined = next(r.model for r in imported if r.decision_number == "3016/QĐ-UBND")
    assert {r.source for r in joined.recognitions} == {RecognitionSource.EXTERNAL, RecognitionSource.AWARD}
    assert joined.first_year == 2024
    listing = client.get("/mo-hinh?nam=2021").get_data(as_text=True)
    assert "Tổ tự quản “Bến thuyền an toàn” bảo vệ ngư dân đánh bắt xa bờ" in listing
