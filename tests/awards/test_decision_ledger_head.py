"""The award decision's annexed list prints the vote ledger's head at the close of voting (issue 14, "checkpoints
printed on paper"), frozen when the decision is issued."""
from __future__ import annotations

import io
import unicodedata
from datetime import date

from docx import Document
from pypdf import PdfReader

from dvkheo.accounts.models import Role
from dvkheo.awards import decisions as ops
from dvkheo.awards import workflow
from dvkheo.campaigns.models import CampaignStatus
from dvkheo.core.timeutil import as_vietnam
from dvkheo.extensions import db
from dvkheo.nominations.states import NominationState
from dvkheo.voting.models import VoteBatch
from tests.voting.public_vote import hold_public_vote, seal_a_late_batch


def _pages(data: bytes) -> list[str]:
    return [" ".join(unicodedata.normalize("NFC", page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(data)).pages]


def _docx_text(data: bytes) -> str:
    return " ".join(" ".join(p.text for p in Document(io.BytesIO(data)).paragraphs).split())


def _voted_campaign(make_campaign, make_nomination, make_user, make_council_result, make_unit):
    """A campaign whose public vote sealed two batches, then a council that passed two dossiers."""
    campaign = make_campaign(status=CampaignStatus.REVIEW, has_public_stage=True)
    nominees = [
        make_nomination(campaign=campaign, unit=make_unit(f"Xã Bình Chọn {n}", parent=campaign.organising_unit),
                        status=NominationState.SHORTLISTED, title=f"Mô hình bình chọn số {n}", with_evidence=False)
        for n in (1, 2)
    ]
    manager = make_user(Role.SECRETARY, campaign.organising_unit, email=f"quan-ly-binh-chon-{campaign.id}@example.vn")
    seq, head = hold_public_vote(campaign, nominees, manager)
    return make_council_result(passed=2, campaign=campaign), nominees, seq, head


def _expected(app, campaign, seq, head) -> str:
    batch = db.session.query(VoteBatch).filter_by(campaign_id=campaign.id, seq=seq).one()
    sealed = as_vietnam(batch.sealed_at)
    return (
        f"Kết quả bình chọn công khai: sổ cái bình chọn, lô số {seq} (niêm phong lúc {sealed:%H:%M} ngày "
        f"{sealed:%d/%m/%Y}), mã băm đầu chuỗi: {head} Tra cứu, kiểm tra tại: "
        f"{app.config['PUBLIC_BASE_URL']}/binh-chon/dot/{campaign.id}/so-cai"
    )


def _issue(decision, chair):
    workflow.apply(decision, workflow.DecisionAction.APPROVE, chair)
    workflow.apply(decision, workflow.DecisionAction.ISSUE, chair, decided_on=date(2026, 11, 20))
    db.session.commit()


def test_the_annex_prints_the_head_sealed_when_voting_closed(
    app, client, auth, make_campaign, make_nomination, make_user, make_council_result, make_unit
):
    result, _, seq, head = _voted_campaign(make_campaign, make_nomination, make_user, make_council_result, make_unit)
    assert seq == 2
    expected = _expected(app, result.campaign, seq, head)
    decision = ops.draft_award_decision(result.campaign, result.award_form, [n.id for n in result.passed], result.secretary)
    db.session.commit()
    auth.login(result.chair)
    # A draft already shows what it will carry.
    assert expected in _pages(client.get(f"/awards/decisions/{decision.id}/pdf").data)[-1]

    _issue(decision, result.chair)
    pages = _pages(client.get(f"/awards/decisions/{decision.id}/pdf").data)
    # On the annexed list, under the list and its count; not in the decision itself.
    assert expected in pages[-1]
    assert pages[-1].index("Danh sách gồm 2 tập thể, cá nhân.") < pages[-1].index(expected)
    assert head not in pages[0]
    assert decision.ledger_head["hash"] == head and decision.ledger_head["seq"] == seq
    # The Word copy and the decision's page say the same.
    assert expected in _docx_text(client.get(f"/awards/decisions/{decision.id}/docx").data)
    page = client.get(f"/awards/decisions/{decision.id}").get_data(as_text=True)
    assert head in page and f"lô số {seq}" in page


def test_a_batch_sealed_after_the_issue_does_not_change_the_issued_annex(
    app, client, auth, make_campaign, make_nomination, make_user, make_council_result, make_unit
):
    result, nominees, seq, head = _voted_campaign(make_campaign, make_nomination, make_user, make_council_result, make_unit)
    issued = ops.draft_award_decision(result.campaign, result.award_form, [result.passed[0].id], result.secretary)
    db.session.commit()
    _issue(issued, result.chair)
    auth.login(result.chair)
    before = client.get(f"/awards/decisions/{issued.id}/pdf").data

    later_seq, later_head = seal_a_late_batch(result.campaign, nominees[0])
    assert later_seq == seq + 1

    after = _pages(client.get(f"/awards/decisions/{issued.id}/pdf").data)
    assert _expected(app, result.campaign, seq, head) in after[-1]
    assert later_head not in " ".join(after)
    assert after == _pages(before)
    # A decision drafted now reads the ledger as it is now.
    draft = ops.draft_award_decision(result.campaign, result.award_form, [result.passed[1].id], result.secretary)
    db.session.commit()
    assert _expected(app, result.campaign, later_seq, later_head) in _pages(client.get(f"/awards/decisions/{draft.id}/pdf").data)[-1]


def test_no_head_without_a_public_vote(client, auth, make_council_result, make_issued_decision):
    result = make_council_result(passed=1)
    assert not result.campaign.has_public_stage
    decision = make_issued_decision(result)
    auth.login(result.chair)
    text = " ".join(_pages(client.get(f"/awards/decisions/{decision.id}/pdf").data))
    assert "sổ cái" not in text and "mã băm" not in text
    assert "sổ cái" not in _docx_text(client.get(f"/awards/decisions/{decision.id}/docx").data)
    assert decision.ledger_head == {}


def test_flask_votes_verify_checks_the_head_the_issued_decision_printed(
    app, runner, make_campaign, make_nomination, make_user, make_council_result, make_unit
):
    """A ledger rewritten after the decision was issued, every hash recomputed: consistent on its own, but the
    head the annex printed is no longer in it."""
    import sqlalchemy as sa

    from dvkheo.voting.models import VoteChain

    result, _, seq, head = _voted_campaign(make_campaign, make_nomination, make_user, make_council_result, make_unit)
    decision = ops.draft_award_decision(result.campaign, result.award_form, [n.id for n in result.passed], result.secretary)
    db.session.commit()
    _issue(decision, result.chair)
    campaign_id = result.campaign.id
    output = runner.invoke(args=["votes", "verify", str(campaign_id)]).output
    assert "Đầu chuỗi in trên biên bản, quyết định: 1 (đã đối chiếu)" in output and "sổ cái nguyên vẹn" in output

    last = db.session.scalars(sa.select(VoteBatch).where(VoteBatch.campaign_id == campaign_id, VoteBatch.seq == seq)).one()
    prev_hash = last.prev_hash
    db.session.execute(sa.update(sa.table("votes", sa.column("cast_batch"), sa.column("campaign_id")))
                       .where(sa.column("cast_batch") == seq, sa.column("campaign_id") == campaign_id).values(cast_batch=None))
    db.session.delete(last)
    chain = db.session.get(VoteChain, campaign_id)
    chain.seq, chain.head_hash = seq - 1, prev_hash
    db.session.commit()
    result_cli = runner.invoke(args=["votes", "verify", str(campaign_id)])
    assert result_cli.exit_code == 1
    assert (f"Đầu chuỗi in trên quyết định số {decision.number_label}: Đầu chuỗi đã lưu trước đây (lô số {seq}, "
            f"mã băm {head}) không còn trong chuỗi") in result_cli.output
