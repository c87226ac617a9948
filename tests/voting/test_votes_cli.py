"""`flask votes verify CAMPAIGN`: exit 0 on an intact ledger; 1 with Vietnamese problem lines after tampering."""
from __future__ import annotations

import sqlalchemy as sa

from dvkheo.extensions import db
from dvkheo.voting import ledger, sealing
from dvkheo.voting.models import VoteBatch, VoteChannel


def _cast_three(campaign, make_nominee, make_voter):
    nominees = [make_nominee("Mô hình đường hoa"), make_nominee("Mô hình camera an ninh")]
    for index in range(3):
        ledger.cast(campaign, make_voter(), nominees[index % 2], VoteChannel.ONLINE)
        sealing.seal(campaign.id, final=False)  # one batch per vote
        db.session.commit()
    return nominees


def verify(runner, campaign):
    return runner.invoke(args=["votes", "verify", str(campaign.id)])


def test_verify_intact_ledger_exits_0_with_batches_head_and_tallies(runner, voting_campaign, make_nominee, make_voter):
    first, second = _cast_three(voting_campaign, make_nominee, make_voter)
    seq, head = ledger.chain_head(voting_campaign.id)
    result = verify(runner, voting_campaign)
    assert result.exit_code == 0, result.output
    assert f"Đầu chuỗi đã lưu: lô số {seq}, mã băm {head}" in result.output
    assert "Số lô đã niêm phong: 3" in result.output
    assert f"Mã băm đầu chuỗi (tính lại): {head}" in result.output
    assert f"Hồ sơ số {first.id} · Mô hình đường hoa: 2 phiếu" in result.output
    assert f"Hồ sơ số {second.id} · Mô hình camera an ninh: 1 phiếu" in result.output
    assert "sổ cái nguyên vẹn" in result.output


def test_verify_empty_campaign_exits_0(runner, voting_campaign):
    result = verify(runner, voting_campaign)
    assert result.exit_code == 0
    assert "Số lô đã niêm phong: 0" in result.output and "(chưa có phiếu)" in result.output


def test_verify_unknown_campaign_says_so(runner, app):
    result = runner.invoke(args=["votes", "verify", "987654"])
    assert result.exit_code == 1
    assert "Không có đợt bình xét số 987654." in result.output


def test_verify_after_an_edited_batch_exits_1(runner, voting_campaign, make_nominee, make_voter):
    _cast_three(voting_campaign, make_nominee, make_voter)
    db.session.execute(sa.update(VoteBatch).where(VoteBatch.seq == 2).values(cast_receipts=[]))
    db.session.commit()
    result = verify(runner, voting_campaign)
    assert result.exit_code == 1
    assert "Lô số 2: danh sách biên nhận không khớp mã băm của nó (đã bị sửa)." in result.output
    assert "Kết quả: phát hiện" in result.output


def test_verify_after_a_deleted_batch_exits_1(runner, voting_campaign, make_nominee, make_voter):
    _cast_three(voting_campaign, make_nominee, make_voter)
    db.session.execute(sa.delete(VoteBatch).where(VoteBatch.seq == 2))
    db.session.commit()
    result = verify(runner, voting_campaign)
    assert result.exit_code == 1
    assert "Thiếu lô số 2: có lô đã bị xóa." in result.output
    assert "Lô số 3: không nối với lô trước (lô trước bị xóa, chèn hoặc sửa)." in result.output


def test_verify_after_two_batches_reordered_exits_1(runner, voting_campaign, make_nominee, make_voter):
    _cast_three(voting_campaign, make_nominee, make_voter)
    db.session.execute(sa.update(VoteBatch).where(VoteBatch.seq == 1).values(seq=99))
    db.session.execute(sa.update(VoteBatch).where(VoteBatch.seq == 2).values(seq=1))
    db.session.execute(sa.update(VoteBatch).where(VoteBatch.seq == 99).values(seq=2))
    db.session.commit()
    result = verify(runner, voting_campaign)
    assert result.exit_code == 1
    assert "Lô số 1: không nối với lô trước (lô trước bị xóa, chèn hoặc sửa)." in result.output
    assert "Lô số 1: nội dung không khớp mã băm của lô (lô đã bị sửa)." in result.output


def test_committee_page_shows_the_same_report(client, login_as, province, voting_campaign, make_nominee, make_voter):
    from dvkheo.accounts.models import Role

    _cast_three(voting_campaign, make_nominee, make_voter)
    db.session.execute(sa.delete(VoteBatch).where(VoteBatch.seq == 2))
    db.session.commit()
    url = f"/binh-chon/dot/{voting_campaign.id}/kiem-tra-chuoi"
    assert client.get(url).status_code in (302, 401)  # anonymous: sent to the login page
    login_as(Role.SECRETARY, province)
    html = client.get(url).get_data(as_text=True)
    assert "Thiếu lô số 2: có lô đã bị xóa." in html


def test_committee_page_is_404_to_another_committee(client, login_as, make_unit, voting_campaign):
    from dvkheo.accounts.models import Role

    login_as(Role.SECRETARY, make_unit("Tỉnh Khác", kind="province"))
    assert client.get(f"/binh-chon/dot/{voting_campaign.id}/kiem-tra-chuoi").status_code == 404


def test_the_ledger_page_links_the_committee_to_its_check(client, login_as, province, voting_campaign):
    from dvkheo.accounts.models import Role

    url, check = f"/binh-chon/dot/{voting_campaign.id}/so-cai", f"/binh-chon/dot/{voting_campaign.id}/kiem-tra-chuoi"
    assert check not in client.get(url).get_data(as_text=True)  # the public sees the page, not the staff check
    login_as(Role.SECRETARY, province)
    assert f'href="{check}"' in client.get(url).get_data(as_text=True)
