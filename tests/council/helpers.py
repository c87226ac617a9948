"""Steps of a council meeting as the secretary and members take them over HTTP."""
from __future__ import annotations

import sqlalchemy as sa

from dvkheo.awards.models import AwardForm
from dvkheo.council.models import CouncilBallot
from dvkheo.extensions import db


def default_award_form(client, campaign) -> AwardForm:
    """Create the default "Giấy khen" with the award-forms page's button and return the campaign's first form."""
    assert client.post(f"/council/campaigns/{campaign.id}/award-forms/default").status_code == 302
    return db.session.scalars(sa.select(AwardForm).where(AwardForm.campaign_id == campaign.id).order_by(AwardForm.id)).first()


def create_ballot(client, campaign, nominations, award_form=None, meeting_on="05/11/2026") -> CouncilBallot:
    award_form = award_form or default_award_form(client, campaign)
    response = client.post(
        f"/council/campaigns/{campaign.id}/ballots",
        data={
            "award_form_id": str(award_form.id),
            "meeting_on": meeting_on,
            "meeting_time": "08 giờ 00",
            "meeting_place": "Hội trường Ban Dân vận Tỉnh ủy",
            "nomination_ids": [str(n.id) for n in nominations],
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    ballot_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    return db.session.get(CouncilBallot, ballot_id)


def attendance_data(ballot, plan: dict) -> dict:
    """`plan` maps a member's user id to "electronic", "paper", "absent" or ("absent", opinion, "dd/mm/yyyy")."""
    data = {}
    for index, attendance in enumerate(ballot.attendances):
        choice = plan.get(attendance.member_id, "electronic")
        prefix = f"rows-{index}-"
        data[prefix + "attendance_id"] = str(attendance.id)
        if isinstance(choice, tuple):
            data[prefix + "presence"] = "absent"
            data[prefix + "written_opinion"], data[prefix + "written_opinion_on"] = choice[1], choice[2]
        elif choice == "absent":
            data[prefix + "presence"] = "absent"
        else:
            data[prefix + "presence"] = "present"
            data[prefix + "vote_mode"] = choice
    return data


def set_attendance(client, ballot, plan: dict):
    return client.post(f"/council/ballots/{ballot.id}/attendance", data=attendance_data(ballot, plan))


def vote(client, ballot, choices: list[bool]):
    data = {f"item-{item.id}": "agree" if choice else "disagree" for item, choice in zip(ballot.items, choices)}
    return client.post(f"/council/ballots/{ballot.id}/vote", data=data)


def tally_data(ballot, paper_ballots: int, rows: list[tuple[int, int]], written: list[tuple[int, int]] | None = None) -> dict:
    data = {"paper_ballots": str(paper_ballots)}
    for index, (item, (agree, disagree)) in enumerate(zip(ballot.items, rows)):
        data[f"items-{index}-item_id"] = str(item.id)
        data[f"items-{index}-agree_paper"] = str(agree)
        data[f"items-{index}-disagree_paper"] = str(disagree)
        if written:
            data[f"items-{index}-agree_written"] = str(written[index][0])
            data[f"items-{index}-disagree_written"] = str(written[index][1])
    return data
