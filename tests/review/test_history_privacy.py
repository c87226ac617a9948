"""Who scores a dossier is the committee's business: the unit's page shows the dossier's path, not its reviewers."""
from __future__ import annotations

from dvkheo.accounts.models import Role
from dvkheo.extensions import db
from dvkheo.nominations.states import NominationState
from dvkheo.review import assignment
from tests.conftest import PASSWORD


def test_assignment_events_name_the_reviewer_for_the_committee_only(client, make_dossier, make_member, make_user, secretary):
    nomination = make_dossier(NominationState.ACCEPTED)
    reviewer = make_member(full_name="Hoàng Văn Thẩm Định")
    assignment.assign(nomination, reviewer, secretary)
    db.session.commit()

    client.post("/login", data={"email": secretary.email, "password": PASSWORD})
    committee_view = client.get(f"/nominations/{nomination.id}").get_data(as_text=True)
    assert "Phân công thành viên chấm điểm" in committee_view
    assert "Thành viên: Hoàng Văn Thẩm Định" in committee_view
    assert "Đang chấm điểm" in committee_view
    client.post("/logout")

    submitter = make_user(Role.UNIT_SUBMITTER, nomination.unit)
    client.post("/login", data={"email": submitter.email, "password": PASSWORD})
    unit_view = client.get(f"/nominations/{nomination.id}").get_data(as_text=True)
    assert "Đang chấm điểm" in unit_view
    assert "Hoàng Văn Thẩm Định" not in unit_view
    assert "Phân công thành viên chấm điểm" not in unit_view
