"""The minutes of the council meeting ("Biên bản họp Hội đồng xét chọn") as an official PDF.

`minutes_context()` turns a closed ballot into plain values (the template never touches the ORM, and the Word
export reads the same dict); `minutes_pdf()` lays them out in the council's own document system: the Party's
(Hướng dẫn 36-HD/VPTW) or the State's (Nghị định 30/2020/NĐ-CP), see dvkheo/documents/FORMATS.md §1.8, §2.4.
The council issues in its own name, with its own number series ("Số 01-BB/HĐXC" | "Số: 01/BB-HĐXC").
Only totals are printed: nothing names a member beside a choice.
"""
from __future__ import annotations

from dvkheo.accounts.models import User
from dvkheo.awards.models import ThresholdBase
from dvkheo.core.pdf import render_pdf
from dvkheo.core.timeutil import format_date
from dvkheo.council import issuer
from dvkheo.council import operations as ops
from dvkheo.council.clock import clock_words, moment_words
from dvkheo.council.models import BallotStatus, CouncilBallot, CouncilRole
from dvkheo.council.voting import rule_in_words
from dvkheo.documents.letterhead import keep_last_words, letterhead, system_sentence_case
from dvkheo.extensions import db

TEMPLATE = "council/minutes_pdf.html"
TYPE_CODE = "BB"

RESULT_COLUMNS = [
    {"key": "stt", "label": "STT"},
    {"key": "title", "label": "Tên mô hình/điển hình"},
    {"key": "unit", "label": "Đơn vị đề nghị"},
    {"key": "votes", "label": ""},  # filled per ballot: the base of the percentage
    {"key": "percent", "label": "Tỷ lệ\u00a0%"},
    {"key": "result", "label": "Kết quả"},
]


def _people(attendances) -> tuple[list[dict], list[dict]]:
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
    return present, absent


def _rows(ballot: CouncilBallot) -> list[dict]:
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
    return rows


def ledger_head_block(ballot: CouncilBallot) -> dict | None:
    """The vote ledger's head at the close of voting, printed after the results table: a block {kind "ledger_head",
    text, hash, check, url}, or None (no public vote, no sealed batch, or minutes closed before they printed one).

    Closed minutes print the head frozen at the close (`CouncilBallot.ledger_head`), never the ledger's now."""
    from dvkheo.voting import checkpoint

    head = checkpoint.head_to_print(ballot.campaign, ballot.ledger_head, frozen=ballot.status is BallotStatus.CLOSED)
    if head is None:
        return None
    return {
        "kind": "ledger_head",
        "text": "Kết quả bình chọn công khai của đợt bình xét được niêm phong trong sổ cái bình chọn. Đầu chuỗi khi "
        f"kết thúc bình chọn: lô số {head['seq']}, niêm phong lúc {moment_words(head['time'], head['sealed_at'].date())}; "
        "mã băm đầu chuỗi:",
        "hash": head["hash"],
        "check": "Mọi người có thể tra cứu, kiểm tra tại:",
        "url": head["url"],
        "seq": head["seq"],
    }


def minutes_context(ballot: CouncilBallot) -> dict:
    """Plain values of the minutes, shared by the PDF and the Word export. Keys:

    - format: the system's code ("party", "state", a custom one); is_party: True for an asterisk system.
    - header: dvkheo.documents.letterhead.letterhead() keys: parent_body ("BAN DÂN VẬN TỈNH ỦY QUẢNG NGÃI"),
      issuing_body ("HỘI ĐỒNG XÉT CHỌN"), mark / mark_text ("asterisk" "*" | "rule" ""), number ("Số 01-BB/HĐXC"
      | "Số: 01/BB-HĐXC"), place_date (italic), right_lines (top to bottom, the last one ruled).
    - title ("BIÊN BẢN"); summary ("họp Hội đồng xét chọn … năm 2026", lower case in the Party's system; its last
      two words joined by a no-break space); summary_rule ("dashes": a "-----" line | "rule": a short rule).
    - council_name, award_form, opening (the first paragraph: time, place, who meets and why).
    - meeting: {on, start, end, end_on, place, start_words, end_words}: as typed by the secretary.
    - sections: [{heading ("I. THÀNH PHẦN"), blocks: [{kind: "paragraph", text} | {kind: "label", text} |
      {kind: "people", entries: [{name, text}]} | {kind: "table", columns: [{key, label}], rows: [row dict]} |
      {kind: "ledger_head", text, hash, check, url}: the vote ledger's head after the results, see `ledger_head_block`]}].
    - conclusion: paragraphs of the last section, printed before the closing.
    - closing: the paragraphs kept on the page of the signatures ("Hội nghị kết thúc vào lúc 16 giờ 30 phút, …").
    - signatures: [{authority, title, name}] left (the secretary) to right (T/M HỘI ĐỒNG / CHỦ TỊCH).
    - recipients_label ("Nơi nhận:"), recipients_label_style ("underline" | "bold_italic"), recipients (lines,
      the archive line last).
    - rows, present, absent, passed_titles and the counts: the raw values behind the paragraphs.
    """
    campaign = ballot.campaign
    award_form = ballot.award_form
    head = issuer.letterhead(ballot)
    fmt = head["format"]
    party_like = fmt.is_party
    present, absent = _people(ballot.attendances)
    chair = next((a for a in ballot.attendances if a.council_role is CouncilRole.CHAIR), None)
    secretary = db.session.get(User, ballot.created_by_id) if ballot.created_by_id else None
    chair_name = chair.member.full_name if chair is not None and chair.present else ""
    secretary_name = secretary.full_name if secretary else ""
    rows = _rows(ballot)
    membership, n_present = len(ballot.attendances), len(present)
    electronic = sum(1 for a in ballot.attendances if a.present and a.vote_mode == ops.ELECTRONIC and a.has_voted)
    passed = [row for row in rows if row["result"] == "Đạt"]
    name = head["name"]
    place = head["place"]
    meeting_on = ballot.meeting_on
    end_on = ballot.meeting_end_on or meeting_on
    written = ops.written_opinions(ballot) if ballot.count_written_opinions else None
    votes_header = (
        "Số phiếu đồng ý/ số phiếu hợp lệ"
        if ballot.threshold_base is ThresholdBase.PRESENT
        else "Số phiếu đồng ý/ tổng số thành viên"
    )

    start_words = moment_words(ballot.meeting_time, meeting_on)
    opening = (
        f"Vào lúc {start_words}, tại {ballot.meeting_place or '…'}, {name} họp xét đề nghị khen thưởng "
        f"hình thức {award_form.name}."
    )
    counts = (
        f"Số phiếu phát ra: {n_present}; số phiếu thu về: {electronic + ballot.paper_ballots} "
        f"(bỏ phiếu điện tử: {electronic}; phiếu giấy: {ballot.paper_ballots})"
    )
    if written is not None:
        counts += f"; số ý kiến bằng văn bản của thành viên vắng mặt được tính: {written}"
    composition = [
        {"kind": "paragraph", "text": f"Tổng số thành viên Hội đồng: {membership}; có mặt: {n_present}; vắng mặt: {len(absent)}."},
        {"kind": "label", "text": "Thành viên có mặt:"},
        {"kind": "people", "entries": [{"name": p["name"], "text": f" - {p['role']}"} for p in present]},
    ]
    if absent:
        composition += [
            {"kind": "label", "text": "Thành viên vắng mặt:"},
            {"kind": "people", "entries": [{"name": p["name"], "text": f" - {p['role']} ({p['note']})"} for p in absent]},
        ]
    composition.append(
        {
            "kind": "paragraph",
            "text": f"Chủ trì cuộc họp: {chair_name or '…'}, Chủ tịch Hội đồng. Thư ký cuộc họp: {secretary_name or '…'}.",
        }
    )
    columns = [dict(column, label=column["label"] or votes_header) for column in RESULT_COLUMNS]
    if passed:
        conclusion = [
            f"Căn cứ kết quả bỏ phiếu kín, Hội đồng thống nhất đề nghị khen thưởng hình thức {award_form.name} cho "
            f"{len(passed)} mô hình, điển hình “Dân vận khéo” đạt yêu cầu: {'; '.join(r['title'] for r in passed)}."
        ]
    else:
        conclusion = [
            "Căn cứ kết quả bỏ phiếu kín, không có mô hình, điển hình nào đạt yêu cầu để đề nghị khen thưởng "
            f"hình thức {award_form.name}."
        ]
    meeting_word = "Hội nghị" if party_like else "Cuộc họp"
    closing = [
        f"{meeting_word} kết thúc vào lúc {moment_words(ballot.meeting_end_time, end_on)}.",
        "Biên bản đã được thông qua trước Hội đồng và các thành viên dự họp thống nhất.",
    ]
    collective = fmt.prefix("ON_BEHALF_OF_COLLECTIVE")
    results_blocks = [{"kind": "table", "columns": columns, "rows": rows}]
    head_block = ledger_head_block(ballot)
    if head_block is not None:
        results_blocks.append(head_block)
    return {
        "format": fmt.code,
        "is_party": party_like,
        "header": letterhead(
            fmt,
            parent_body=head["parent_body"],
            issuing_body=issuer.ISSUING_BODY,
            number=issuer.minutes_number_text(ballot, fmt),
            place=place,
            on=meeting_on,
        ),
        "title": "BIÊN BẢN",
        "summary": keep_last_words(system_sentence_case(fmt, f"họp {name}")),
        "summary_rule": "dashes" if party_like else "rule",
        "council_name": name,
        "campaign_title": campaign.title,
        "award_form": award_form.name,
        "opening": opening,
        "meeting": {
            "on": format_date(meeting_on),
            "start": ballot.meeting_time,
            "end": ballot.meeting_end_time,
            "end_on": format_date(end_on),
            "place": ballot.meeting_place,
            "start_words": clock_words(ballot.meeting_time),
            "end_words": clock_words(ballot.meeting_end_time),
        },
        "sections": [
            {"heading": "I. THÀNH PHẦN", "blocks": composition},
            {
                "heading": "II. NỘI DUNG",
                "blocks": [
                    {
                        "kind": "paragraph",
                        "text": f"Hội đồng xem xét {len(rows)} hồ sơ trong danh sách đề cử và tiến hành bỏ phiếu kín "
                        f"theo quy định: {rule_in_words(ballot)}",
                    },
                    {"kind": "paragraph", "text": counts + "."},
                ],
            },
            {"heading": "III. KẾT QUẢ BỎ PHIẾU KÍN", "blocks": results_blocks},
        ],
        "conclusion_heading": "IV. KẾT LUẬN",
        "conclusion": conclusion,
        "closing": closing,
        "signatures": [
            {"authority": "", "title": "THƯ KÝ", "name": secretary_name},
            {"authority": f"{collective} HỘI ĐỒNG".strip(), "title": "CHỦ TỊCH", "name": chair_name},
        ],
        "recipients_label": "Nơi nhận:",
        "recipients_label_style": fmt.recipients_label_style,
        "recipients": fmt.recipient_lines(
            head["recipients"], f"{fmt.default_archive}, {head['code']}"
        ),
        "rows": rows,
        "votes_header": votes_header,
        "present": present,
        "absent": absent,
        "membership": membership,
        "present_count": n_present,
        "chair_name": chair_name,
        "secretary_name": secretary_name,
        "passed_count": len(passed),
        "passed_titles": [row["title"] for row in passed],
    }


def minutes_pdf(ballot: CouncilBallot) -> bytes:
    return render_pdf(TEMPLATE, m=minutes_context(ballot))
