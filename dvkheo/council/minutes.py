"""The minutes of the council meeting ("Biên bản họp Hội đồng xét chọn") as an official PDF.

`minutes_context()` turns a closed ballot into plain values (the template never touches the
ORM); `minutes_pdf()` lays them out in the Decree 30/2020 format shared with the dossier PDF.
The council issues in its own name, with its own number series ("Số: 01/BB-HĐXC").
Only totals are printed: nothing names a member beside a choice.
"""
from __future__ import annotations

from dvkheo.accounts.models import User
from dvkheo.awards.models import ThresholdBase
from dvkheo.core.numbering import format_number
from dvkheo.core.pdf import render_pdf
from dvkheo.core.timeutil import as_vietnam, format_date, official_date_line
from dvkheo.council import operations as ops
from dvkheo.council.models import CouncilBallot, CouncilRole
from dvkheo.council.voting import rule_in_words
from dvkheo.extensions import db
from dvkheo.nominations.dossier import place_name

TEMPLATE = "council/minutes_pdf.html"
SYMBOL = "BB-HĐXC"


def _time_words(moment) -> str:
    local = as_vietnam(moment)
    return f"{local.hour:02d} giờ {local.minute:02d} phút, ngày {format_date(local)}"


def minutes_context(ballot: CouncilBallot) -> dict:
    campaign = ballot.campaign
    organiser = campaign.organising_unit
    attendances = ballot.attendances
    chair = next((a for a in attendances if a.council_role is CouncilRole.CHAIR), None)
    secretary = db.session.get(User, ballot.created_by_id) if ballot.created_by_id else None
    present = [
        {"name": a.member.full_name, "role": a.council_role.label, "mode": ops.VOTE_MODE_LABELS.get(a.vote_mode, "")}
        for a in attendances
        if a.present
    ]
    absent = [
        {
            "name": a.member.full_name,
            "role": a.council_role.label,
            "note": (
                f"có ý kiến bằng văn bản gửi Hội đồng ngày {format_date(a.written_opinion_on)}"
                if ops.has_written_opinion(a)
                else "không có ý kiến bằng văn bản"
            ),
        }
        for a in attendances
        if not a.present
    ]
    rows = []
    for position, (item, decision) in enumerate(ops.results(ballot), start=1):
        nomination = item.nomination
        skipped = item.passed is None
        rows.append(
            {
                "stt": position,
                "title": nomination.display_title,
                "nominee": nomination.nominee_name,
                "unit": nomination.unit.name,
                "votes": f"{decision.agree}/{decision.base}",
                "percent": decision.percent,
                "result": "Không xét" if skipped else ("Đạt" if item.passed else "Không đạt"),
                "note": f"Hồ sơ {nomination.status.label.lower()}" if skipped else "",
            }
        )
    membership, n_present = len(attendances), len(present)
    electronic = sum(1 for a in attendances if a.present and a.vote_mode == ops.ELECTRONIC and a.has_voted)
    passed = [row for row in rows if row["result"] == "Đạt"]
    meeting_on = ballot.meeting_on
    return {
        "header": {
            "parent_body": organiser.name.upper(),
            "issuing_body": "HỘI ĐỒNG XÉT CHỌN",
            "number": f"Số: {format_number(ballot.minutes_number or 0)}/{SYMBOL}",
            "place_date": official_date_line(place_name(organiser), meeting_on) if meeting_on else "",
        },
        "title": "BIÊN BẢN",
        "subtitle": "Họp Hội đồng xét chọn mô hình, điển hình “Dân vận khéo”",
        "campaign_title": campaign.title,
        "award_form": ballot.award_form.name,
        "meeting_time": ballot.meeting_time,
        "meeting_date": format_date(meeting_on),
        "meeting_place": ballot.meeting_place,
        "membership": membership,
        "present_count": n_present,
        "present": present,
        "absent": absent,
        "chair_name": chair.member.full_name if chair is not None and chair.present else "",
        "secretary_name": secretary.full_name if secretary else "",
        "rule": rule_in_words(ballot),
        "ballots_issued": n_present,
        "ballots_received": electronic + ballot.paper_ballots,
        "electronic": electronic,
        "paper": ballot.paper_ballots,
        "written": ops.written_opinions(ballot) if ballot.count_written_opinions else None,
        "rows": rows,
        "votes_header": (
            "Số phiếu đồng ý/ số phiếu hợp lệ"
            if ballot.threshold_base is ThresholdBase.PRESENT
            else "Số phiếu đồng ý/ tổng số thành viên"
        ),
        "passed_count": len(passed),
        "passed_titles": [row["title"] for row in passed],
        "closed_at": _time_words(ballot.closed_at) if ballot.closed_at else "",
    }


def minutes_pdf(ballot: CouncilBallot) -> bytes:
    return render_pdf(TEMPLATE, m=minutes_context(ballot))
