"""Public results (hidden, live, final), the ledger head, the receipt check and the vote context."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from dvkheo.campaigns.models import CampaignStatus
from dvkheo.core.timeutil import utcnow
from dvkheo.extensions import db
from dvkheo.voting import ledger, results, sealing
from dvkheo.voting.models import Vote, VoteChannel


def cast(campaign, voter, nominee):
    vote = ledger.cast(campaign, voter, nominee, VoteChannel.ONLINE)
    db.session.commit()
    return vote


@pytest.fixture
def voted(voting_campaign, make_nominee, make_voter):
    """Three nominees: "Mô hình A" with 2 votes, "Mô hình B" with 1, "Mô hình C" with none."""
    a, b, c = make_nominee("Mô hình A"), make_nominee("Mô hình B"), make_nominee("Mô hình C")
    cast(voting_campaign, make_voter(), a)
    cast(voting_campaign, make_voter(), a)
    cast(voting_campaign, make_voter(), b)
    return a, b, c


def page(client, campaign) -> tuple[int, str]:
    response = client.get(f"/binh-chon/dot/{campaign.id}/ket-qua")
    return response.status_code, response.get_data(as_text=True)


def test_results_hide_counts_during_voting(client, voting_campaign, voted):
    status, html = page(client, voting_campaign)
    assert status == 200
    assert "được giữ kín cho đến khi kết thúc bình chọn" in html
    assert "Mô hình A" in html and "Mô hình C" in html
    assert "Số phiếu</th>" not in html
    sealing.seal(voting_campaign.id, final=False)
    db.session.commit()
    html = page(client, voting_campaign)[1]
    seq, head = ledger.chain_head(voting_campaign.id)
    assert f"lô số <strong>{seq}</strong>" in html and head in html
    assert "Số phiếu</th>" not in html


def test_results_live_when_the_campaign_shows_tallies(client, voting_campaign, voted):
    voting_campaign.live_tallies = True
    db.session.commit()
    status, html = page(client, voting_campaign)
    assert status == 200
    # The page counts what the ledger file does not hold yet, and says so.
    assert ("Số phiếu tính đến lúc mở trang (3 phiếu còn hiệu lực, trong đó 3 phiếu, lượt rút phiếu mới nhất "
            "đang chờ niêm phong nên chưa có trong sổ cái;") in html
    sealing.seal(voting_campaign.id, final=False)
    db.session.commit()
    status, html = page(client, voting_campaign)
    assert "Số phiếu tính đến lúc mở trang (3 phiếu còn hiệu lực;" in html
    assert "Số phiếu</th>" in html
    # Most votes first.
    assert html.index("Mô hình A") < html.index("Mô hình B") < html.index("Mô hình C")


def test_results_final_after_the_closing_moment(client, voting_campaign, voted):
    voting_campaign.voting_closes_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    status, html = page(client, voting_campaign)
    assert status == 200
    assert "Đây là kết quả chính thức: 3 phiếu bình chọn còn hiệu lực." in html
    assert 'data-label="Số phiếu" class="num">2</td>' in html


def test_results_final_after_the_campaign_moves_to_the_council(client, voting_campaign, voted):
    voting_campaign.status = CampaignStatus.COUNCIL_DECISION
    db.session.commit()
    status, html = page(client, voting_campaign)
    assert status == 200 and "kết quả chính thức" in html


def test_results_of_a_campaign_without_public_phase_are_404(client, make_campaign):
    assert page(client, make_campaign())[0] == 404


def test_receipt_check_of_a_cast_vote(client, voting_campaign, make_nominee, make_voter):
    nominee = make_nominee("Mô hình chợ văn minh")
    vote = cast(voting_campaign, make_voter(), nominee)
    response = client.get(f"/binh-chon/dot/{voting_campaign.id}/ma-xac-nhan", query_string={"ma": vote.receipt_code.lower()})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Phiếu bình chọn đã được ghi nhận và đang được tính." in html
    assert "Mô hình chợ văn minh" not in html and "sự kiện số" not in html
    assert "Vì sao trang này không cho biết phiếu bầu cho ai?" in html


def test_receipt_check_of_a_withdrawn_vote_and_of_the_withdrawal(client, voting_campaign, make_nominee, make_voter):
    nominee, voter = make_nominee(), make_voter()
    vote = cast(voting_campaign, voter, nominee)
    withdrawn = ledger.withdraw(voting_campaign, vote, voter)
    db.session.commit()
    url = f"/binh-chon/dot/{voting_campaign.id}/ma-xac-nhan"
    html = client.get(url, query_string={"ma": vote.receipt_code}).get_data(as_text=True)
    assert "Phiếu bình chọn đã được ghi nhận, sau đó đã rút lại: phiếu này không còn được tính." in html
    html = client.get(url, query_string={"ma": withdrawn.withdrawal_receipt}).get_data(as_text=True)
    assert "Mã này xác nhận một lần rút lại phiếu bình chọn: việc rút phiếu đã được ghi nhận, sẽ được niêm phong trong lô tiếp theo" in html
    sealing.seal(voting_campaign.id, final=False)
    db.session.commit()
    html = client.get(url, query_string={"ma": withdrawn.withdrawal_receipt}).get_data(as_text=True)
    assert "việc rút phiếu đã được ghi nhận trong lô số 1 của sổ cái." in html
    assert nominee.title not in html and nominee.nominee_name not in html and "sự kiện số" not in html


def test_the_public_receipt_check_never_names_a_nominee(client, app, voting_campaign, make_nominee, make_voter):
    """Issue 14, item 4: a receipt proves nothing to a third party. Every answer (counted, withdrawn,
    a withdrawal, unknown), by GET and POST, without any cookie, names no nominee of the campaign."""
    nominees = [make_nominee(f"Mô hình kín số {index}") for index in range(3)]
    voter = make_voter()
    codes = [cast(voting_campaign, voter, nominee).receipt_code for nominee in nominees]
    first = db.session.scalars(sa.select(Vote).where(Vote.receipt_code == codes[0])).one()
    codes.append(ledger.withdraw(voting_campaign, first, voter).withdrawal_receipt)
    db.session.commit()
    names = [text for nominee in nominees for text in (nominee.title, nominee.nominee_name) if text]
    stranger = app.test_client()
    url = f"/binh-chon/dot/{voting_campaign.id}/ma-xac-nhan"
    for code in codes + ["BC-AAAA-BBBB-CCCC"]:
        for response in (stranger.get(url, query_string={"ma": code}), stranger.post(url, data={"ma": code.lower()})):
            html = response.get_data(as_text=True)
            assert response.status_code in (200, 404)
            assert not [name for name in names if name in html], code


def test_receipt_check_of_an_unknown_code(client, voting_campaign):
    response = client.get(f"/binh-chon/dot/{voting_campaign.id}/ma-xac-nhan", query_string={"ma": "BC-AAAA-BBBB-CCCC"})
    assert response.status_code == 404
    assert "Không tìm thấy mã" in response.get_data(as_text=True)


def test_receipt_page_opens_without_an_error_and_an_empty_submit_asks_for_a_code(client, voting_campaign):
    url = f"/binh-chon/dot/{voting_campaign.id}/ma-xac-nhan"
    first_visit = client.get(url).get_data(as_text=True)
    assert 'name="ma"' in first_visit
    assert "Vui lòng nhập mã xác nhận bình chọn." not in first_visit and "has-error" not in first_visit
    assert "Vui lòng nhập mã xác nhận bình chọn." in client.post(url, data={"ma": ""}).get_data(as_text=True)


def test_receipt_of_another_campaign_is_not_found(client, voting_campaign, make_campaign, make_nominee, make_voter):
    vote = cast(voting_campaign, make_voter(), make_nominee())
    other = make_campaign(status=CampaignStatus.PUBLIC_VOTING)
    response = client.get(f"/binh-chon/dot/{other.id}/ma-xac-nhan", query_string={"ma": vote.receipt_code})
    assert response.status_code == 404


def test_results_page_query_count_does_not_grow_with_nominees(client, voting_campaign, make_nominee, make_voter, count_queries):
    voting_campaign.live_tallies = True
    db.session.commit()
    campaign_id = voting_campaign.id

    def measure() -> int:
        with count_queries() as counter:
            assert client.get(f"/binh-chon/dot/{campaign_id}/ket-qua").status_code == 200
        return counter.count

    cast(voting_campaign, make_voter(), make_nominee())
    small = measure()
    for _ in range(6):
        cast(voting_campaign, make_voter(), make_nominee())
    assert measure() == small


def test_vote_context_uses_two_queries_and_marks_the_voters_votes(app, voting_campaign, make_nominee, make_voter, count_queries):
    nominees = [make_nominee() for _ in range(5)]
    voter = make_voter()
    cast(voting_campaign, voter, nominees[0])
    voting_campaign.live_tallies = True
    db.session.commit()
    campaign = voting_campaign
    assert campaign.id and voter.id  # loaded before counting
    with app.test_request_context(), count_queries() as counter:
        context = results.vote_context(campaign, voter)
    assert counter.count == 2
    assert context.votes_used == 1 and context.votes_left == 2
    assert set(context.live_votes) == {nominees[0].id}
    assert context.count(nominees[0].id) == 1 and context.count(nominees[1].id) == 0


def test_vote_box_and_tally_badge_render_from_the_context(app, client, voting_campaign, make_nominee, make_voter):
    from flask import render_template

    nominee, other = make_nominee("Mô hình X"), make_nominee("Mô hình Y")
    voter = make_voter()
    cast(voting_campaign, voter, nominee)
    with app.test_request_context():
        anonymous = results.vote_context(voting_campaign, None)
        html = render_template("voting/_vote_box.html", campaign=voting_campaign, nominee=nominee, vote_ctx=anonymous)
        assert "Xác thực để bình chọn" in html
        assert render_template("voting/_tally_badge.html", nominee=nominee, vote_ctx=anonymous).strip() == ""
        mine = results.vote_context(voting_campaign, voter)
        assert "Đã bình chọn" in render_template("voting/_vote_box.html", campaign=voting_campaign, nominee=nominee, vote_ctx=mine)
        assert ">Bình chọn</button>" in render_template("voting/_vote_box.html", campaign=voting_campaign, nominee=other, vote_ctx=mine)
        voting_campaign.live_tallies = True
        live = results.vote_context(voting_campaign, None)
        assert "1 phiếu bình chọn" in render_template("voting/_tally_badge.html", nominee=nominee, vote_ctx=live)


def test_receipt_check_is_posted_so_the_code_stays_out_of_urls(client, voting_campaign, make_nominee, make_voter):
    from dvkheo.voting import ledger
    from dvkheo.voting.models import VoteChannel

    vote = ledger.cast(voting_campaign, make_voter(), make_nominee(title="Mô hình tra cứu bằng biểu mẫu"), VoteChannel.ONLINE)
    db.session.commit()
    page = client.get(f"/binh-chon/dot/{voting_campaign.id}/ket-qua").get_data(as_text=True)
    assert f'<form method="post" action="/binh-chon/dot/{voting_campaign.id}/ma-xac-nhan"' in page
    response = client.post(f"/binh-chon/dot/{voting_campaign.id}/ma-xac-nhan", data={"ma": vote.receipt_code.lower()})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "đang được tính" in html and "Mô hình tra cứu bằng biểu mẫu" not in html


def test_results_page_lists_the_heads_with_their_dates(client, voting_campaign, make_nominee, make_voter):
    nominee = make_nominee()
    cast(voting_campaign, make_voter(), nominee)
    url = f"/binh-chon/dot/{voting_campaign.id}/ket-qua"
    assert "Chưa niêm phong lô phiếu nào." in client.get(url).get_data(as_text=True)
    sealing.seal(voting_campaign.id, final=False)
    db.session.commit()
    first_seq, first_head = ledger.chain_head(voting_campaign.id)
    cast(voting_campaign, make_voter(), nominee)
    sealing.seal(voting_campaign.id, final=False)
    db.session.commit()
    second_seq, second_head = ledger.chain_head(voting_campaign.id)
    html = client.get(url).get_data(as_text=True)
    assert "Các đầu chuỗi theo thời gian" in html
    assert html.index(second_head) < html.index(first_head)  # newest first
    assert f'<code class="hash">{first_head}</code>' in html and f'<code class="hash">{second_head}</code>' in html
    assert f'href="/binh-chon/dot/{voting_campaign.id}/so-cai"' in html


def test_final_results_seal_what_is_left_and_show_the_published_count(client, voting_campaign, voted):
    a, b, _ = voted
    assert ledger.pending(voting_campaign.id) == 3
    voting_campaign.voting_closes_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    html = page(client, voting_campaign)[1]
    assert ledger.pending(voting_campaign.id) == 0
    last = ledger.batches(voting_campaign.id)[-1]
    assert last.final and last.cast_count == 3
    assert ledger.published_tallies(voting_campaign.id) == {a.id: 2, b.id: 1}
    assert "Đây là kết quả chính thức: 3 phiếu bình chọn còn hiệu lực." in html
