"""The minutes of the council meeting ("Biên bản họp Hội đồng") as an official PDF."""
from __future__ import annotations

import os

from dvkheo.accounts.models import Role
from dvkheo.council.models import CouncilBallot
from dvkheo.extensions import db
from tests.council.conftest import MEMBER_NAMES, squash
from tests.council.helpers import create_ballot, set_attendance, tally_data, vote


def hold_meeting(client, become, secretary, council, dossiers, meeting_on="05/11/2026") -> CouncilBallot:
    become(secretary)
    ballot = create_ballot(client, dossiers[0].campaign, dossiers, meeting_on=meeting_on)
    set_attendance(client, ballot, {council[4].id: "paper", council[5].id: ("absent", "Công văn số 15/CV-MTTQ", "03/11/2026")})
    client.post(f"/council/ballots/{ballot.id}/open")
    for member, choices in zip(council[:4], ([True, True], [True, False], [True, False], [False, False])):
        become(member)
        vote(client, ballot, choices[: len(dossiers)])
    become(secretary)
    client.post(f"/council/ballots/{ballot.id}/tally", data=tally_data(ballot, 1, [(1, 0), (0, 1)][: len(dossiers)]))
    assert client.post(f"/council/ballots/{ballot.id}/close").status_code == 302
    db.session.expire_all()
    return db.session.get(CouncilBallot, ballot.id)


def test_minutes_pdf_in_the_official_format(client, become, secretary, council, make_shortlisted, pdf_text, tmp_path):
    road = make_shortlisted("Hiến đất mở đường thôn Phú Lộc")
    market = make_shortlisted("Mô hình chợ văn minh xã Tịnh Hà")
    ballot = hold_meeting(client, become, secretary, council, [road, market])
    response = client.get(f"/council/ballots/{ballot.id}/minutes.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "no-store" in response.headers["Cache-Control"]
    if os.environ.get("COUNCIL_MINUTES_OUT"):
        with open(os.environ["COUNCIL_MINUTES_OUT"], "wb") as out:
            out.write(response.data)
    text = squash(pdf_text(response.data))
    for expected in (
        "TỈNH QUẢNG NGÃI",
        "HỘI ĐỒNG XÉT CHỌN",
        "Số: 01/BB-HĐXC",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Quảng Ngãi, ngày 05 tháng 11 năm 2026",
        "BIÊN BẢN",
        "Họp Hội đồng xét chọn mô hình, điển hình “Dân vận khéo”",
        "Vào lúc 08 giờ 00, ngày 05/11/2026, tại Hội trường Ban Dân vận Tỉnh ủy",
        "Tổng số thành viên Hội đồng: 6; có mặt: 5; vắng mặt: 1.",
        "Đặng Thị Ngọc Ánh - Thành viên Hội đồng (có ý kiến bằng văn bản gửi Hội đồng ngày 03/11/2026)",
        "Chủ trì cuộc họp: Trần Văn Chủ Tọa, Chủ tịch Hội đồng. Thư ký cuộc họp: Nguyễn Thị Thư Ký.",
        "Hợp lệ khi có ít nhất 2/3 tổng số thành viên Hội đồng dự họp",
        "Số phiếu phát ra: 5; số phiếu thu về: 5 (bỏ phiếu điện tử: 4; phiếu giấy: 1)",
        "KẾT QUẢ BỎ PHIẾU KÍN",
        "THƯ KÝ",
        "CHỦ TỊCH HỘI ĐỒNG",
    ):
        assert expected in text, expected
    for name in MEMBER_NAMES:
        assert name in text
    assert "4/5 80,0 Đạt" in text
    assert "1/5 20,0 Không đạt" in text
    assert "cho 1 mô hình, điển hình “Dân vận khéo” đạt yêu cầu: Hiến đất mở đường thôn Phú Lộc." in text


def test_second_meeting_of_the_year_gets_the_next_number(client, become, secretary, council, make_shortlisted, pdf_text):
    first = hold_meeting(client, become, secretary, council, [make_shortlisted()])
    second = hold_meeting(client, become, secretary, council, [make_shortlisted()], meeting_on="20/11/2026")
    assert (first.minutes_number, second.minutes_number) == (1, 2)
    assert "Số: 02/BB-HĐXC" in squash(pdf_text(client.get(f"/council/ballots/{second.id}/minutes.pdf").data))


def test_minutes_only_after_closing_and_for_the_committee(client, become, secretary, chair, council, make_shortlisted, login_as):
    nomination = make_shortlisted()
    become(secretary)
    ballot = create_ballot(client, nomination.campaign, [nomination])
    assert client.get(f"/council/ballots/{ballot.id}/minutes.pdf").status_code == 404
    client.post(f"/council/ballots/{ballot.id}/open")
    client.post(f"/council/ballots/{ballot.id}/close")
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
