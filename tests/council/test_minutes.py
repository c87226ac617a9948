"""The minutes of the council meeting ("Biên bản họp Hội đồng") as an official PDF, in the council's own system."""
from __future__ import annotations

import os
import re

import pytest
import sqlalchemy as sa

from dvkheo.accounts.models import Role
from dvkheo.core.audit import AuditEvent
from dvkheo.council.models import BallotStatus, CouncilBallot
from dvkheo.documents.models import ensure_builtin_systems, system_by_code
from dvkheo.extensions import db
from tests.council.conftest import MEMBER_NAMES, squash
from tests.council.helpers import create_ballot, default_award_form, set_attendance, tally_data, vote
from tests.pdf_layout import columns, pages


def hold_meeting(client, become, secretary, council, dossiers, meeting_on="05/11/2026", system=None,
                 end=("11:30", "")) -> CouncilBallot:
    become(secretary)
    award_form = default_award_form(client, dossiers[0].campaign)
    if system is not None:
        ensure_builtin_systems()
        award_form.document_system = system_by_code(system)
        db.session.commit()
    ballot = create_ballot(client, dossiers[0].campaign, dossiers, award_form=award_form, meeting_on=meeting_on)
    set_attendance(client, ballot, {council[4].id: "paper", council[5].id: ("absent", "Công văn số 15/CV-MTTQ", "03/11/2026")})
    client.post(f"/council/ballots/{ballot.id}/open")
    for member, choices in zip(council[:4], ([True, True], [True, False], [True, False], [False, False])):
        become(member)
        vote(client, ballot, choices[: len(dossiers)])
    become(secretary)
    client.post(f"/council/ballots/{ballot.id}/tally", data=tally_data(ballot, 1, [(1, 0), (0, 1)][: len(dossiers)]))
    response = client.post(
        f"/council/ballots/{ballot.id}/close", data={"meeting_end_time": end[0], "meeting_end_on": end[1], "confirmed": "1"}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    return db.session.get(CouncilBallot, ballot.id)


def header_of(data: bytes) -> tuple[list[str], list[str], list]:
    """Page 1's header: the left column's and the right column's lines above the title "BIÊN BẢN"."""
    left, right = columns(data)
    title_top = next(line.top for line in pages(data)[0] if line.text == "BIÊN BẢN")
    left = [line for line in left if line.top < title_top]
    right = [line for line in right if line.top < title_top]
    return [line.text for line in left], [line.text for line in right], right


def test_party_minutes_page_one_header(client, become, secretary, council, make_shortlisted, pdf_text):
    road = make_shortlisted("Hiến đất mở đường thôn Phú Lộc")
    market = make_shortlisted("Mô hình chợ văn minh xã Tịnh Hà")
    ballot = hold_meeting(client, become, secretary, council, [road, market])
    response = client.get(f"/council/ballots/{ballot.id}/minutes.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "no-store" in response.headers["Cache-Control"]
    if os.environ.get("COUNCIL_MINUTES_OUT"):
        with open(os.environ["COUNCIL_MINUTES_OUT"], "wb") as out:
            out.write(response.data)
    left, right, right_lines = header_of(response.data)
    # The agency that set the council up, never the place ("TỈNH QUẢNG NGÃI"); then the council, "*", the number.
    assert left == ["BAN DÂN VẬN TỈNH ỦY", "HỘI ĐỒNG XÉT CHỌN", "*", "Số 01-BB/HĐXC"]
    assert right == ["ĐẢNG CỘNG SẢN VIỆT NAM", "Quảng Ngãi, ngày 05 tháng 11 năm 2026"]
    assert right_lines[0].bold and right_lines[1].italic
    text = squash(pdf_text(response.data))
    for expected in (
        "BIÊN BẢN",
        "họp Hội đồng xét chọn mô hình, điển hình “Dân vận khéo” năm 2026",
        "Vào lúc 08 giờ 00 phút, ngày 05/11/2026, tại Hội trường Ban Dân vận Tỉnh ủy, Hội đồng xét chọn mô hình, "
        "điển hình “Dân vận khéo” năm 2026 họp xét đề nghị khen thưởng hình thức Giấy khen.",
        "Tổng số thành viên Hội đồng: 6; có mặt: 5; vắng mặt: 1.",
        "Đặng Thị Ngọc Ánh - Thành viên Hội đồng (có ý kiến bằng văn bản gửi Hội đồng ngày 03/11/2026)",
        "Chủ trì cuộc họp: Trần Văn Chủ Tọa, Chủ tịch Hội đồng. Thư ký cuộc họp: Nguyễn Thị Thư Ký.",
        "Hợp lệ khi có ít nhất 2/3 tổng số thành viên Hội đồng dự họp",
        "Số phiếu phát ra: 5; số phiếu thu về: 5 (bỏ phiếu điện tử: 4; phiếu giấy: 1)",
        "KẾT QUẢ BỎ PHIẾU KÍN",
        "Hội nghị kết thúc vào lúc 11 giờ 30 phút, ngày 05/11/2026.",
        "THƯ KÝ",
        "T/M HỘI ĐỒNG",
        "Nơi nhận:",
        "- Thành viên Hội đồng,",
        "- Lưu VT, HĐXC.",
    ):
        assert expected in text, expected
    for name in MEMBER_NAMES:
        assert name in text
    assert "4/5 80,0 Đạt" in text
    assert "1/5 20,0 Không đạt" in text
    assert "cho 1 mô hình, điển hình “Dân vận khéo” đạt yêu cầu: Hiến đất mở đường thôn Phú Lộc." in text
    # Nothing of the State's system.
    for foreign in ("CỘNG HÒA", "Độc lập", "Số:", "TM.", "Lưu:", "TỈNH QUẢNG NGÃI HỘI ĐỒNG"):
        assert foreign not in text, foreign
    underlined = pages(response.data)[-1]
    assert any(line.text == "Nơi nhận:" and not line.bold for line in underlined)


def test_state_minutes_page_one_header(client, become, secretary, council, make_shortlisted, pdf_text):
    """An award form issued in the State's system: the council that votes on it writes its minutes the same way."""
    ballot = hold_meeting(client, become, secretary, council, [make_shortlisted()], system="state")
    data = client.get(f"/council/ballots/{ballot.id}/minutes.pdf").data
    left, right, right_lines = header_of(data)
    assert left == ["BAN DÂN VẬN TỈNH ỦY", "HỘI ĐỒNG XÉT CHỌN", "Số: 01/BB-HĐXC"]
    assert right == [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Quảng Ngãi, ngày 05 tháng 11 năm 2026",
    ]
    assert right_lines[0].bold and right_lines[1].bold and right_lines[2].italic
    text = squash(pdf_text(data))
    for expected in (
        "Họp Hội đồng xét chọn mô hình, điển hình “Dân vận khéo” năm 2026",
        "Cuộc họp kết thúc vào lúc 11 giờ 30 phút, ngày 05/11/2026.",
        "TM. HỘI ĐỒNG",
        "CHỦ TỊCH",
        "- Thành viên Hội đồng;",
        "- Lưu: VT, HĐXC.",
    ):
        assert expected in text, expected
    for foreign in ("ĐẢNG CỘNG SẢN", "T/M", "Số 01", "*", "Hội nghị kết thúc"):
        assert foreign not in text, foreign


def test_commune_council_header_breaks_like_the_decisions_and_the_word_copy(
    client, become, secretary, council, make_shortlisted
):
    """A commune's council: its agency's name is longer than the column. The PDF cuts it at the same balanced place
    as the decisions' header and the Word copy ("ỦY BAN NHÂN DÂN / XÃ TỊNH KHÊ"), never "… XÃ TỊNH / KHÊ"."""
    import io

    from docx import Document

    dossier = make_shortlisted()
    dossier.campaign.council_parent_body = "Ủy ban nhân dân xã Tịnh Khê"
    db.session.commit()
    ballot = hold_meeting(client, become, secretary, council, [dossier], system="state")
    left, _, _ = header_of(client.get(f"/council/ballots/{ballot.id}/minutes.pdf").data)
    expected = ["ỦY BAN NHÂN DÂN", "XÃ TỊNH KHÊ", "HỘI ĐỒNG XÉT CHỌN", "Số: 01/BB-HĐXC"]
    assert left == expected
    word = Document(io.BytesIO(client.get(f"/council/ballots/{ballot.id}/minutes.docx").data))
    word_left = [squash(p.text) for p in word.tables[0].rows[0].cells[0].paragraphs if p.text.strip()]
    assert word_left == expected


def test_closed_minutes_keep_their_letterhead_when_the_award_form_changes_later(
    client, become, secretary, council, make_shortlisted, pdf_text
):
    """An issued decision cites "Biên bản số 01/BB-HĐXC": switching the award form to another system or issuer after
    the close must not rewrite the minutes it cites."""
    from dvkheo.documents.models import ensure_builtin_systems

    ballot = hold_meeting(client, become, secretary, council, [make_shortlisted()], system="state")
    before = client.get(f"/council/ballots/{ballot.id}/minutes.pdf").data
    form = ballot.award_form
    form.document_system = ensure_builtin_systems()["party"]
    form.issuer_in_text = "Ban Tuyên giáo và Dân vận Tỉnh ủy"
    db.session.commit()

    after = client.get(f"/council/ballots/{ballot.id}/minutes.pdf").data
    assert header_of(after)[:2] == header_of(before)[:2]
    text = squash(pdf_text(after))
    assert "Số: 01/BB-HĐXC" in text and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "ĐẢNG CỘNG SẢN" not in text


def test_minutes_state_the_times_typed_by_the_secretary(client, become, secretary, council, make_shortlisted, pdf_text):
    """A meeting that ran into the next day: the minutes quote what was typed, not the moment of closing."""
    ballot = hold_meeting(
        client, become, secretary, council, [make_shortlisted()], meeting_on="29/11/2026", end=("16h30", "30/11/2026")
    )
    assert (ballot.meeting_end_time, ballot.meeting_end_on.isoformat()) == ("16:30", "2026-11-30")
    text = squash(pdf_text(client.get(f"/council/ballots/{ballot.id}/minutes.pdf").data))
    assert "Vào lúc 08 giờ 00 phút, ngày 29/11/2026" in text
    assert "Hội nghị kết thúc vào lúc 16 giờ 30 phút, ngày 30/11/2026." in text
    closed = ballot.closed_at
    from dvkheo.core.timeutil import as_vietnam

    assert f"{as_vietnam(closed).hour:02d} giờ {as_vietnam(closed).minute:02d} phút, ngày {as_vietnam(closed):%d/%m/%Y}" not in text
    close_event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.entity_type == "council_ballot", AuditEvent.action == "close")
    ).one()
    assert close_event.details["meeting"]["meeting_end_time"] == ["", "16:30"]


def test_closing_asks_for_the_end_time(client, become, secretary, council, make_shortlisted):
    nomination = make_shortlisted()
    become(secretary)
    ballot = create_ballot(client, nomination.campaign, [nomination])
    client.post(f"/council/ballots/{ballot.id}/open")
    page = client.get(f"/council/ballots/{ballot.id}").get_data(as_text=True)
    assert "Giờ kết thúc cuộc họp" in page and "không phải thời điểm bấm nút" in page
    response = client.post(f"/council/ballots/{ballot.id}/close", data={"meeting_end_time": ""})
    assert response.status_code == 422
    assert "Vui lòng nhập giờ kết thúc cuộc họp: biên bản ghi giờ này." in response.get_data(as_text=True)
    response = client.post(f"/council/ballots/{ballot.id}/close", data={"meeting_end_time": "7 giờ 15"})
    assert response.status_code == 422
    assert "Giờ kết thúc phải sau giờ bắt đầu cuộc họp." in response.get_data(as_text=True)
    response = client.post(f"/council/ballots/{ballot.id}/close", data={"meeting_end_time": "25:99"})
    assert "Giờ chưa đúng: nhập theo dạng 14:30 hoặc 14 giờ 30." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(CouncilBallot, ballot.id).status is BallotStatus.OPEN


def test_meeting_times_edited_before_closing_are_audited(client, become, secretary, council, make_shortlisted):
    nomination = make_shortlisted()
    become(secretary)
    ballot = create_ballot(client, nomination.campaign, [nomination])
    bad = client.post(
        f"/council/ballots/{ballot.id}/meeting",
        data={"meeting_on": "05/11/2026", "meeting_time": "chiều", "meeting_place": "Hội trường"},
    )
    assert bad.status_code == 422 and "Giờ chưa đúng" in bad.get_data(as_text=True)
    response = client.post(
        f"/council/ballots/{ballot.id}/meeting",
        data={"meeting_on": "05/11/2026", "meeting_time": "14g", "meeting_end_time": "16 giờ 45 phút",
              "meeting_place": "Phòng họp số 2"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    ballot = db.session.get(CouncilBallot, ballot.id)
    assert (ballot.meeting_time, ballot.meeting_end_time, ballot.meeting_place) == ("14:00", "16:45", "Phòng họp số 2")
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "update_meeting")).one()
    assert event.details["meeting_time"] == ["08:00", "14:00"]
    page = client.get(f"/council/ballots/{ballot.id}").get_data(as_text=True)
    assert "Từ 14 giờ 00 phút, ngày 05/11/2026; kết thúc 16 giờ 45 phút" in page


def test_council_named_in_full_and_set_to_a_system(client, become, secretary, council, make_shortlisted, pdf_text):
    """The secretary names the council and its agency, and writes it in the State's system whatever the award form."""
    nomination = make_shortlisted()
    campaign = nomination.campaign
    become(secretary)
    ensure_builtin_systems()
    db.session.commit()
    state = system_by_code("state")
    response = client.post(
        f"/council/campaigns/{campaign.id}/council-issuer",
        data={"council_name": "Hội đồng xét chọn mô hình, điển hình “Dân vận khéo” tỉnh Quảng Ngãi năm 2026",
              "council_parent_body": "Ủy ban nhân dân tỉnh Quảng Ngãi", "council_code": "HĐXC-UBND",
              "council_document_system_id": str(state.id), "council_recipients": "Thường trực UBND tỉnh\nLưu: VT, VX"},
    )
    assert response.status_code == 302
    assert db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "update_issuer")).one()
    ballot = create_ballot(client, campaign, [nomination])
    client.post(f"/council/ballots/{ballot.id}/open")
    client.post(f"/council/ballots/{ballot.id}/close", data={"meeting_end_time": "10:00", "confirmed": "1"})
    data = client.get(f"/council/ballots/{ballot.id}/minutes.pdf").data
    left, right, _ = header_of(data)
    assert " ".join(left) == "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI HỘI ĐỒNG XÉT CHỌN Số: 01/BB-HĐXC-UBND"
    assert right[0] == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    text = squash(pdf_text(data))
    assert "Họp Hội đồng xét chọn mô hình, điển hình “Dân vận khéo” tỉnh Quảng Ngãi năm 2026" in text
    assert "- Thường trực UBND tỉnh; - Lưu: VT, VX." in text


def test_title_never_leaves_the_year_alone(client, become, secretary, council, make_shortlisted):
    nomination = make_shortlisted()
    campaign = nomination.campaign
    campaign.council_name = "Hội đồng xét chọn mô hình, điển hình “Dân vận khéo” tỉnh Quảng Ngãi giai đoạn ba năm 2026"
    db.session.commit()
    ballot = hold_meeting(client, become, secretary, council, [nomination])
    lines = pages(client.get(f"/council/ballots/{ballot.id}/minutes.pdf").data)[0]
    title = next(i for i, line in enumerate(lines) if line.text == "BIÊN BẢN")
    summary = lines[title + 1: title + 4]
    last = next(line for line in summary if line.text.endswith("2026"))
    assert lines.index(last) > title + 1  # the long name does wrap
    assert last.text.endswith("năm 2026") and last.text != "2026"


@pytest.mark.parametrize("rows", range(1, 13))
def test_signature_block_never_stands_alone(app, rows, make_council_result):
    """Whatever the length of the results table, the closing paragraphs stay on the signatures' page."""
    from dvkheo.core.pdf import render_pdf
    from dvkheo.council.minutes import TEMPLATE, minutes_context

    result = make_council_result(passed=1)
    context = minutes_context(result.ballot)
    table = context["sections"][2]["blocks"][0]
    table["rows"] = [dict(table["rows"][0], stt=i + 1) for i in range(rows)]
    data = render_pdf(TEMPLATE, m=context)
    for page in pages(data):
        texts = [line.text for line in page]
        if any("T/M HỘI ĐỒNG" in text for text in texts):
            assert any("kết thúc vào lúc" in text for text in texts), texts
            assert any(re.search(r"thành viên dự họp", text) for text in texts)
            assert any("Nơi nhận:" in text for text in texts)
            assert not texts[0].startswith("THƯ KÝ")


def test_second_meeting_of_the_year_gets_the_next_number(client, become, secretary, council, make_shortlisted, pdf_text):
    first = hold_meeting(client, become, secretary, council, [make_shortlisted()])
    second = hold_meeting(client, become, secretary, council, [make_shortlisted()], meeting_on="20/11/2026")
    assert (first.minutes_number, second.minutes_number) == (1, 2)
    assert "Số 02-BB/HĐXC" in squash(pdf_text(client.get(f"/council/ballots/{second.id}/minutes.pdf").data))


def test_minutes_only_after_closing_and_for_the_committee(client, become, secretary, chair, council, make_shortlisted, login_as):
    nomination = make_shortlisted()
    become(secretary)
    ballot = create_ballot(client, nomination.campaign, [nomination])
    assert client.get(f"/council/ballots/{ballot.id}/minutes.pdf").status_code == 404
    client.post(f"/council/ballots/{ballot.id}/open")
    client.post(f"/council/ballots/{ballot.id}/close", data={"meeting_end_time": "11:30", "confirmed": "1"})
    assert client.get(f"/council/ballots/{ballot.id}/minutes.pdf").status_code == 200
    become(chair)
    assert client.get(f"/council/ballots/{ballot.id}/minutes.pdf").status_code == 200
    become(council[0])  # presides over the council
    assert client.get(f"/council/ballots/{ballot.id}/minutes.pdf").status_code == 200
    become(council[1])
    assert client.get(f"/council/ballots/{ballot.id}/minutes.pdf").status_code == 403
    client.post("/logout")
    login_as(Role.SECRETARY)
    assert client.get(f"/council/ballots/{ballot.id}/minutes.pdf").status_code == 404


def test_two_councils_minutes_do_not_share_a_file_name(client, auth, make_council_result):
    """Both downloads are named by the minutes' number and the council's code, as a decision is ("QD-05-BDVTU-2026"),
    so the minutes of two councils, each numbered 01 in 2026, do not overwrite each other in a Downloads folder."""
    first = make_council_result(passed=1)
    second = make_council_result(passed=1)
    second.campaign.council_code = "HĐTĐKT"
    db.session.commit()
    names = []
    for result in (first, second):
        auth.login(result.secretary)
        for extension in ("pdf", "docx"):
            response = client.get(f"/council/ballots/{result.ballot.id}/minutes.{extension}")
            assert response.status_code == 200
            disposition = response.headers["Content-Disposition"]
            disposition.encode("ascii")  # an ASCII name: no "filename*=" needed, no mangled "Đ"
            names.append(disposition.split("filename=")[1].strip('"'))
        auth.logout()
    assert names == ["BB-01-HDXC-2026.pdf", "BB-01-HDXC-2026.docx", "BB-01-HDTDKT-2026.pdf", "BB-01-HDTDKT-2026.docx"]
