"""`flask votes verify CAMPAIGN`: exit 0 on an intact chain; 1 with Vietnamese problem lines after tampering."""
from __future__ import annotations

import sqlalchemy as sa

from dvkheo.extensions import db
from dvkheo.voting import ledger
from dvkheo.voting.models import VoteChannel, VoteEvent


def _cast_three(campaign, make_nominee, make_voter):
    nominees = [make_nominee("Mô hình đường hoa"), make_nominee("Mô hình camera an ninh")]
    for index in range(3):
        ledger.cast(campaign, make_voter(), nominees[index % 2], VoteChannel.ONLINE)
        db.session.commit()
    return nominees


def verify(runner, campaign):
    return runner.invoke(args=["votes", "verify", str(campaign.id)])


def test_verify_intact_chain_exits_0_with_events_head_and_tallies(runner, voting_campaign, make_nominee, make_voter):
    first, second = _cast_three(voting_campaign, make_nominee, make_voter)
    seq, head = ledger.chain_head(voting_campaign.id)
    result = verify(runner, voting_campaign)
    assert result.exit_code == 0, result.output
    assert f"Đầu chuỗi đã lưu: sự kiện số {seq}, mã băm {head}" in result.output
    assert "Số sự kiện trong chuỗi: 3" in result.output
    assert f"Mã băm cuối chuỗi (tính lại): {head}" in result.output
    assert f"Hồ sơ số {first.id} · Mô hình đường hoa: 2 phiếu" in result.output
    assert f"Hồ sơ số {second.id} · Mô hình camera an ninh: 1 phiếu" in result.output
    assert "chuỗi nguyên vẹn" in result.output


def test_verify_empty_campaign_exits_0(runner, voting_campaign):
    result = verify(runner, voting_campaign)
    assert result.exit_code == 0
    assert "Số sự kiện trong chuỗi: 0" in result.output and "(chưa có phiếu)" in result.output


def test_verify_unknown_campaign_says_so(runner, app):
    result = runner.invoke(args=["votes", "verify", "987654"])
    assert result.exit_code == 1
    assert "Không có đợt bình xét số 987654." in result.output


def test_verify_after_an_edited_event_exits_1(runner, voting_campaign, make_nominee, make_voter):
    nominees = _cast_three(voting_campaign, make_nominee, make_voter)
    db.session.execute(sa.update(VoteEvent).where(VoteEvent.seq == 2).values(nomination_id=nominees[0].id))
    db.session.commit()
    result = verify(runner, voting_campaign)
    assert result.exit_code == 1
    assert "Sự kiện số 2: nội dung không khớp mã băm (bản ghi đã bị sửa)." in result.output
    assert "Kết quả: phát hiện" in result.output


def test_verify_after_a_deleted_event_exits_1(runner, voting_campaign, make_nominee, make_voter):
    _cast_three(voting_campaign, make_nominee, make_voter)
    db.session.execute(sa.delete(VoteEvent).where(VoteEvent.seq == 2))
    db.session.commit()
    result = verify(runner, voting_campaign)
    assert result.exit_code == 1
    assert "Thiếu sự kiện số 2–2: có bản ghi đã bị xóa." in result.output
    assert "Sự kiện số 3: liên kết với sự kiện trước không khớp (bị xóa hoặc chèn)." in result.output


def test_verify_after_an_inserted_event_exits_1(runner, voting_campaign, make_nominee, make_voter):
    nominees = _cast_three(voting_campaign, make_nominee, make_voter)
    last = db.session.scalars(sa.select(VoteEvent).order_by(VoteEvent.seq.desc())).first()
    forged_hash = ledger.event_hash(last.hash, 4, "cast", nominees[1].id, "BC-FAKE-FAKE-FAKE", last.occurred_at)
    db.session.add(VoteEvent(
        campaign_id=voting_campaign.id, seq=4, kind="cast", nomination_id=nominees[1].id,
        receipt_code="BC-FAKE-FAKE-FAKE", occurred_at=last.occurred_at, prev_hash=last.hash, hash=forged_hash,
    ))
    db.session.commit()
    result = verify(runner, voting_campaign)
    assert result.exit_code == 1
    assert "Đầu chuỗi đã lưu không khớp với chuỗi tính lại (có bản ghi cuối bị xóa hoặc chèn)." in result.output
    assert f"Hồ sơ số {nominees[1].id}: chuỗi sự kiện cho 2 phiếu, bảng phiếu có 1 phiếu còn hiệu lực." in result.output


def test_committee_page_shows_the_same_report(client, login_as, province, voting_campaign, make_nominee, make_voter):
    from dvkheo.accounts.models import Role

    _cast_three(voting_campaign, make_nominee, make_voter)
    db.session.execute(sa.delete(VoteEvent).where(VoteEvent.seq == 2))
    db.session.commit()
    url = f"/binh-chon/dot/{voting_campaign.id}/kiem-tra-chuoi"
    assert client.get(url).status_code in (302, 401)  # anonymous: sent to the login page
    login_as(Role.SECRETARY, province)
    html = client.get(url).get_data(as_text=True)
    assert "Thiếu sự kiện số 2–2: có bản ghi đã bị xóa." in html


def test_committee_page_is_404_to_another_committee(client, login_as, make_unit, voting_campaign):
    from dvkheo.accounts.models import Role

    login_as(Role.SECRETARY, make_unit("Tỉnh Khác", kind="province"))
    assert client.get(f"/binh-chon/dot/{voting_campaign.id}/kiem-tra-chuoi").status_code == 404
