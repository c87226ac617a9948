"""`flask seed-demo` fills the registry through the real issue path, with one approved public summary."""
from __future__ import annotations

import sqlalchemy as sa

from dvkheo.extensions import db
from dvkheo.registry.models import RegisteredModel, SummaryState


def test_seed_demo_registers_the_awarded_models(runner, client):
    runner.invoke(args=["seed-demo"], catch_exceptions=False)

    models = db.session.scalars(sa.select(RegisteredModel).where(RegisteredModel.is_recognised.is_(True))).all()
    # The province's decision (3 lines) and the commune's State-format one, each with one approved summary.
    assert len(models) >= 4
    approved = [m for m in models if m.summary_state is SummaryState.APPROVED]
    assert len(approved) == 2 and all(m.public_summary for m in approved)  # one per committee
    listing = client.get("/mo-hinh").get_data(as_text=True)
    assert all(m.title in listing for m in models)
    page = client.get(f"/mo-hinh/{approved[0].id}").get_data(as_text=True)
    assert approved[0].public_summary.split()[0] in page and "/verify/" in page and "/mo-hinh/" in page
