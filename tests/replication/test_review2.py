"""Found in review: what a unit may send as the day it began applying a model."""
from __future__ import annotations

import pytest

from dvkheo.replication.models import Replication, ReplicationState as S
from dvkheo.extensions import db
from tests.replication.test_pages import FORM, text


@pytest.mark.parametrize("typed", ["01/03/2099", "01/03/1800"])
def test_a_start_date_in_the_future_or_centuries_ago_is_not_sent(client, login, world, typed):
    """A slip such as 2099 or 1800 would be published on the model's page as "áp dụng từ 01/03/2099"."""
    login(world.staff)
    response = client.post(f"/nhan-rong/moi/{world.model.id}", data={**FORM, "started_on": typed, "send": "1"})
    assert response.status_code == 422
    assert "Ngày bắt đầu áp dụng phải từ năm 1990 đến hôm nay." in text(response)
    assert typed in text(response)  # what was typed stays in the field
    replication = db.session.query(Replication).one()
    assert replication.status is S.DRAFT  # kept as a draft, never sent to the committee


def test_sending_the_dossier_form_twice_opens_the_same_draft(client, login, world, make_campaign):
    """A double click (or the browser resending the form) wrote two draft dossiers from one replication."""
    import sqlalchemy as sa

    from dvkheo.nominations.models import Nomination

    replication = world.confirmed()
    campaign = make_campaign(title="Bình xét mô hình “Dân vận khéo” năm sau")
    login(world.staff)
    first = client.post(f"/nhan-rong/{replication.id}/lap-ho-so", data={"campaign_id": str(campaign.id)})
    again = client.post(f"/nhan-rong/{replication.id}/lap-ho-so", data={"campaign_id": str(campaign.id)})
    drafts = db.session.scalars(sa.select(Nomination).where(Nomination.source_replication_id == replication.id)).all()
    assert len(drafts) == 1
    assert again.headers["Location"] == first.headers["Location"]
