"""The demo shows replications in every state a visitor or a committee would meet."""
from __future__ import annotations

import sqlalchemy as sa

from dvkheo.extensions import db
from dvkheo.replication.models import Replication, ReplicationState as S


def test_demo_has_confirmed_waiting_and_returned_replications_shown_on_the_models(runner, client):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    replications = db.session.scalars(sa.select(Replication).order_by(Replication.id)).all()

    assert {r.status for r in replications} == {S.CONFIRMED, S.SUBMITTED, S.RETURNED}
    assert all(r.unit_id != r.source_model.unit_id and r.files for r in replications)
    assert all(r.return_reason for r in replications if r.status is S.RETURNED)
    confirmed = [r for r in replications if r.status is S.CONFIRMED]
    for replication in confirmed:
        page = client.get(f"/mo-hinh/{replication.source_model_id}").get_data(as_text=True)
        assert "Đã được nhân rộng tại 1 đơn vị" in page
        assert f"/mo-hinh/{replication.source_model_id}/nhan-rong/{replication.id}" in page

    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0 and db.session.scalar(sa.select(sa.func.count()).select_from(Replication)) == len(replications)
