"""A reviewer learns of the dossiers given to them to score, with the deadline: once per assignment, by app and email."""
from __future__ import annotations

from datetime import timedelta

from dvkheo.core.timeutil import today_in_vietnam
from dvkheo.extensions import db
from dvkheo.nominations.states import NominationState
from tests.mail_outbox import PUBLIC_BASE_URL, notices_of, outbox  # noqa: F401


def test_manual_assignment_notifies_the_reviewer_with_the_deadline(client, auth, secretary, make_member, make_dossier, review_campaign, outbox):
    review_campaign.review_close_on = today_in_vietnam() + timedelta(days=14)
    db.session.commit()
    reviewer = make_member(full_name="Hồ Văn Chấm")
    dossier = make_dossier(NominationState.ACCEPTED, title="Mô hình hiến đất làm đường")
    auth.login(secretary)

    client.post(f"/review/campaigns/{review_campaign.id}/assignments/assign",
                data={"nomination_id": dossier.id, "reviewer_id": reviewer.id})

    [notice] = notices_of(reviewer)
    deadline = review_campaign.review_close_on.strftime("%d/%m/%Y")
    assert notice.message == (
        f"Bạn được phân công chấm điểm hồ sơ “Mô hình hiến đất làm đường” ({review_campaign.title}). Hạn chấm điểm: {deadline}."
    )
    assert notice.link == "/review/queue"
    [mail] = outbox(reviewer)
    assert f"{PUBLIC_BASE_URL}/review/queue" in mail.body


def test_automatic_assignment_sends_each_reviewer_one_notice_with_their_count(client, auth, secretary, make_member, make_dossier, review_campaign):
    members = [make_member() for _ in range(3)]
    for _ in range(6):
        make_dossier(NominationState.ACCEPTED)
    auth.login(secretary)

    client.post(f"/review/campaigns/{review_campaign.id}/assignments/auto")

    counts = []
    for member in members:
        [notice] = notices_of(member)
        counts.append(int(notice.message.split("chấm điểm ")[1].split(" hồ sơ")[0]))
    assert sorted(counts) == [4, 4, 4]
    assert notices_of(secretary) == []
