"""Secret ballot: no page, PDF, audit event, log line or column links a member to what they chose."""
from __future__ import annotations

import json
import logging
import re

import sqlalchemy as sa

from dvkheo.core.audit import AuditEvent
from dvkheo.council.models import BallotAttendance, BallotItem
from dvkheo.extensions import db
from tests.council.conftest import MEMBER_NAMES, squash
from tests.council.helpers import create_ballot, set_attendance, tally_data, vote
from tests.core.test_observability import request_log  # noqa: F401

CHOICE_WORDS = re.compile(r"đồng ý|agree|tán thành|phản đối", re.IGNORECASE)


def _text(html: str) -> str:
    return squash(re.sub(r"<[^>]+>", " ", html))


def _names_near_choices(text: str, names, window: int = 90) -> list[str]:
    hits = []
    for name in names:
        for match in re.finditer(re.escape(name), text):
            around = text[max(0, match.start() - window): match.end() + window]
            if CHOICE_WORDS.search(around):
                hits.append(around)
    return hits


def test_nothing_links_a_member_to_a_choice(client, become, secretary, chair, council, make_shortlisted, pdf_text, caplog, request_log):
    first, second = make_shortlisted("Hiến đất mở đường"), make_shortlisted("Mô hình chợ văn minh")
    become(secretary)
    ballot = create_ballot(client, first.campaign, [first, second])
    set_attendance(client, ballot, {council[4].id: "paper", council[5].id: ("absent", "Công văn số 15/CV", "03/11/2026")})
    client.post(f"/council/ballots/{ballot.id}/open")
    caplog.set_level(logging.DEBUG)
    for member, choices in zip(council[:4], ([True, False], [False, True], [True, True], [False, False])):
        become(member)
        vote(client, ballot, choices)
    become(secretary)
    client.post(f"/council/ballots/{ballot.id}/tally", data=tally_data(ballot, 1, [(1, 0), (0, 1)]))
    client.post(f"/council/ballots/{ballot.id}/close", data={"meeting_end_time": "11:30", "confirmed": "1"})
    names = MEMBER_NAMES + [u.email for u in council]

    campaign_id = first.campaign_id
    pages = [
        f"/council/campaigns/{campaign_id}/members",
        f"/council/campaigns/{campaign_id}/award-forms",
        f"/council/campaigns/{campaign_id}/ballots",
        f"/council/ballots/{ballot.id}",
    ]
    for viewer in (secretary, chair, council[0], council[1]):
        become(viewer)
        for url in pages:
            response = client.get(url)
            if response.status_code != 200:
                assert response.status_code in (403, 404)
                continue
            assert _names_near_choices(_text(response.get_data(as_text=True)), names) == [], (viewer.full_name, url)

    become(secretary)
    minutes = pdf_text(client.get(f"/council/ballots/{ballot.id}/minutes.pdf").data)
    assert all(name in minutes for name in MEMBER_NAMES)
    assert [line for line in minutes.splitlines() if CHOICE_WORDS.search(line) and any(n in line for n in MEMBER_NAMES)] == []

    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.entity_type.in_(("council_ballot", "nomination")))
    ).all()
    casts = [e for e in events if e.action == "cast_ballot"]
    assert sorted(e.actor_id for e in casts) == sorted(u.id for u in council[:4])
    assert all(e.details is None and e.reason is None and e.from_state is None and e.to_state is None for e in casts)
    for event in events:
        dumped = json.dumps(event.details or {}, ensure_ascii=False) + (event.reason or "")
        assert not any(name in dumped for name in names)
        # Only the counted totals, at closing, speak of agreement.
        if event.details and event.action not in ("close", "pass_council", "fail_council"):
            assert not CHOICE_WORDS.search(dumped)

    for record in caplog.records:
        message = record.getMessage()
        assert not any(name in message for name in names), message
    # The request log says that a ballot was cast, never by whom: no account on the casting page's lines.
    casts = request_log.for_route("/council/ballots/<int:ballot_id>/vote")
    assert len(casts) == 4 and all(line["user_id"] is None for line in casts)
    assert {line["user_id"] for line in request_log.for_route("/council/ballots/<int:ballot_id>")} >= {secretary.id}


def test_no_column_stores_a_members_choice():
    attendance_columns = {column.name for column in BallotAttendance.__table__.columns}
    assert attendance_columns == {
        "id", "ballot_id", "member_id", "council_role", "present", "vote_mode", "has_voted",
        "written_opinion", "written_opinion_on",
    }
    item_columns = BallotItem.__table__.columns
    assert not any(fk.column.table.name == "users" for column in item_columns for fk in column.foreign_keys)
    # No table refers to both a user and a ballot item: nothing can join a voter to a count.
    for table in db.metadata.sorted_tables:
        targets = {fk.column.table.name for fk in table.foreign_keys}
        assert not {"users", "ballot_items"} <= targets, table.name


def test_no_running_counts_while_open(client, become, secretary, chair, council, make_shortlisted):
    nomination = make_shortlisted("Hiến đất mở đường")
    become(secretary)
    ballot = create_ballot(client, nomination.campaign, [nomination])
    client.post(f"/council/ballots/{ballot.id}/open")
    for member in council[:3]:
        become(member)
        vote(client, ballot, [True])
    for viewer in (secretary, chair, council[0], council[4]):
        become(viewer)
        html = client.get(f"/council/ballots/{ballot.id}").get_data(as_text=True)
        text = _text(html)
        assert "Kết quả bỏ phiếu" not in text
        assert not re.search(r"Đồng ý|Không đồng ý|phiếu biểu quyết đồng ý", text), viewer.full_name
    become(secretary)
    assert "3/6 thành viên có mặt đã bỏ phiếu" in _text(client.get(f"/council/ballots/{ballot.id}").get_data(as_text=True))
