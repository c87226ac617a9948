"""The minutes print the vote ledger's head at the close of voting (issue 14, "checkpoints printed on paper"): the last
batch's number, its full hash, when it was sealed and where anyone can check it; frozen when the ballot closes."""
from __future__ import annotations

import io

from docx import Document

from dvkheo.core.timeutil import as_vietnam
from dvkheo.extensions import db
from dvkheo.voting import ledger
from dvkheo.voting.models import VoteBatch
from tests.council.conftest import squash
from tests.council.test_minutes import hold_meeting
from tests.voting.public_vote import hold_public_vote, seal_a_late_batch


def _batch(campaign, seq) -> VoteBatch:
    return db.session.query(VoteBatch).filter_by(campaign_id=campaign.id, seq=seq).one()


def _docx_text(data: bytes) -> str:
    return squash("\n".join(paragraph.text for paragraph in Document(io.BytesIO(data)).paragraphs))


def test_minutes_print_the_head_sealed_when_voting_closed(
    app, client, become, secretary, council, make_shortlisted, pdf_text
):
    road = make_shortlisted("Hiến đất mở đường thôn Phú Lộc")
    market = make_shortlisted("Mô hình chợ văn minh xã Tịnh Hà")
    campaign = road.campaign
    seq, head = hold_public_vote(campaign, [road, market], secretary)
    final = _batch(campaign, seq)
    assert seq == 2 and final.final and final.hash == head

    ballot = hold_meeting(client, become, secretary, council, [road, market])
    text = squash(pdf_text(client.get(f"/council/ballots/{ballot.id}/minutes.pdf").data))
    sealed = as_vietnam(final.sealed_at)
    url = f"{app.config['PUBLIC_BASE_URL']}/binh-chon/dot/{campaign.id}/so-cai"
    expected = (
        "Kết quả bình chọn công khai của đợt bình xét được niêm phong trong sổ cái bình chọn. Đầu chuỗi khi kết thúc "
        f"bình chọn: lô số 2, niêm phong lúc {sealed:%H} giờ {sealed:%M} phút, ngày {sealed:%d/%m/%Y}; mã băm đầu chuỗi: "
        f"{head} Mọi người có thể tra cứu, kiểm tra tại: {url}"
    )
    assert expected in text
    # After the results of the secret ballot, before the conclusion.
    assert text.index("KẾT QUẢ BỎ PHIẾU KÍN") < text.index(head) < text.index("IV. KẾT LUẬN")
    # The ledger page it names is the one that shows this head.
    page = client.get(f"/binh-chon/dot/{campaign.id}/so-cai").get_data(as_text=True)
    assert head in page

    # The Word copy says the same.
    docx_text = _docx_text(client.get(f"/council/ballots/{ballot.id}/minutes.docx").data)
    assert f"lô số 2, niêm phong lúc {sealed:%H} giờ {sealed:%M} phút" in docx_text
    assert f"{head} Mọi người có thể tra cứu, kiểm tra tại: {url}" in docx_text


def test_a_batch_sealed_after_the_close_does_not_change_the_minutes(
    client, become, secretary, council, make_shortlisted, pdf_text
):
    road, market = make_shortlisted(), make_shortlisted()
    seq, head = hold_public_vote(road.campaign, [road, market], secretary, during=2, at_close=1)
    ballot = hold_meeting(client, become, secretary, council, [road, market])
    before = client.get(f"/council/ballots/{ballot.id}/minutes.pdf").data

    later_seq, later_head = seal_a_late_batch(road.campaign, road)
    assert later_seq == seq + 1 and later_head != head

    text = squash(pdf_text(client.get(f"/council/ballots/{ballot.id}/minutes.pdf").data))
    assert f"lô số {seq}," in text and head in text
    assert later_head not in text and f"lô số {later_seq}" not in text
    assert squash(pdf_text(before)) == text


def test_no_head_without_a_public_vote(client, become, secretary, council, make_shortlisted, pdf_text):
    ballot = hold_meeting(client, become, secretary, council, [make_shortlisted()])
    assert not ballot.campaign.has_public_stage
    text = squash(pdf_text(client.get(f"/council/ballots/{ballot.id}/minutes.pdf").data))
    assert "sổ cái" not in text and "mã băm" not in text
    assert "sổ cái" not in _docx_text(client.get(f"/council/ballots/{ballot.id}/minutes.docx").data)


def test_no_head_when_the_public_vote_sealed_no_batch(client, become, secretary, council, make_shortlisted, pdf_text):
    dossier = make_shortlisted()
    seq, _ = hold_public_vote(dossier.campaign, [dossier], secretary, during=0, at_close=0)
    assert seq == 0 and ledger.batches(dossier.campaign.id) == []
    ballot = hold_meeting(client, become, secretary, council, [dossier])
    text = squash(pdf_text(client.get(f"/council/ballots/{ballot.id}/minutes.pdf").data))
    assert "sổ cái" not in text and "mã băm" not in text
