"""Award decisions: drafting from the council's result, approval, issuing, numbering, immutability, amendments."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from dvkheo.awards import decisions as ops
from dvkheo.awards import workflow
from dvkheo.awards.immutability import ImmutableRecord
from dvkheo.awards.models import Decision, DecisionAwardee, DecisionKind, DecisionStatus
from dvkheo.awards.workflow import DecisionAction as A
from dvkheo.campaigns.models import CampaignStatus
from dvkheo.certificates.models import Certificate, CertificateStatus
from dvkheo.core.audit import AuditEvent, history
from dvkheo.core.rules import RuleRefused, TransitionRefused
from dvkheo.core.timeutil import today_in_vietnam
from dvkheo.extensions import db
from dvkheo.nominations.models import Nomination
from dvkheo.nominations.states import NominationState as S
from dvkheo.review.models import HoldCategory
from dvkheo.review.screening import place_hold

ISSUE_DAY = date(2026, 11, 20)


def _draft(result, nominations=None):
    chosen = [n.id for n in (nominations if nominations is not None else result.passed)]
    decision = ops.draft_award_decision(result.campaign, result.award_form, chosen, result.secretary)
    db.session.commit()
    return decision


def _issue(result, decision, decided_on=ISSUE_DAY, **options):
    workflow.apply(decision, A.APPROVE, result.chair)
    workflow.apply(decision, A.ISSUE, result.chair, decided_on=decided_on, **options)
    db.session.commit()
    return decision


def _hold(result, nomination, reason="Đang có đơn khiếu nại chưa giải quyết xong"):
    place_hold(nomination, result.secretary, HoldCategory.COMPLAINT, reason, today_in_vietnam() + timedelta(days=30))
    db.session.commit()


# --- drafting -------------------------------------------------------------------------------------


def test_draft_copies_the_header_and_the_council_result(make_council_result):
    result = make_council_result(passed=2, individuals=1, failed=1)
    decision = _draft(result)

    assert decision.status is DecisionStatus.DRAFT and decision.kind is DecisionKind.AWARD
    assert (decision.issuer_code, decision.symbol, decision.number_label) == ("BDVTU", "QĐ-BDVTU", "…-QĐ/BDVTU")
    assert (decision.parent_body, decision.issuing_body, decision.place_name) == ("TỈNH ỦY QUẢNG NGÃI", "BAN DÂN VẬN", "Quảng Ngãi")
    assert (decision.signer_prefix.value, decision.signer_authority, decision.signer_title, decision.signer_name) == (
        "TM.", "BAN THƯỜNG VỤ", "TRƯỞNG BAN", "Nguyễn Văn Trưởng",
    )
    # Only the bases in force today: Decree 152/2025 replaced Decree 98/2023 on 01/07/2025.
    assert any("152/2025" in basis for basis in decision.legal_bases)
    assert not any("98/2023" in basis for basis in decision.legal_bases)
    year = result.campaign.year
    assert decision.title == (
        "Về việc khen thưởng các tập thể, cá nhân có thành tích xuất sắc trong phong trào thi đua "
        f"“Dân vận khéo” năm {year}"
    )
    assert "Biên bản số 01-BB/HĐXC, ngày 05/11/2026" in decision.considering
    assert "Điều 1. Tặng Giấy khen cho 01 tập thể và 01 cá nhân có tên trong danh sách kèm theo" in decision.articles
    assert "Điều 2. Quyết định này có hiệu lực kể từ ngày ký." in decision.articles
    assert decision.recipients.startswith("- Như Điều 3;") and decision.recipients.endswith("- Lưu: VT, HĐXC.")

    person, collective = result.passed
    lines = {line.nomination_id: line for line in decision.awardees}
    assert set(lines) == {person.id, collective.id}
    assert lines[person.id].recipient_name == "Trần Thị Hạnh"
    assert lines[person.id].recipient_detail == f"Chủ tịch Hội Phụ nữ xã, {person.unit.name}"
    assert lines[collective.id].recipient_detail == collective.unit.name
    assert lines[collective.id].reason == (
        f"Đã có thành tích xuất sắc trong phong trào thi đua “Dân vận khéo” năm {year} với mô hình “{collective.title}”"
    )
    assert lines[collective.id].ballot_item_id == result.item_for(collective).id
    event = history("decision", decision.id)[-1]
    assert (event.action, event.actor_id, event.to_state) == ("draft", result.secretary.id, "draft")


def test_candidates_leave_out_failed_and_already_drafted(make_council_result):
    result = make_council_result(passed=3, failed=1)
    first, second, third = result.passed
    _draft(result, [first])

    listing = ops.candidates(result.campaign, result.award_form)
    assert {c.nomination_id for c in listing.candidates} == {second.id, third.id}
    with pytest.raises(RuleRefused) as refused:
        ops.draft_award_decision(result.campaign, result.award_form, [first.id, result.failed[0].id], result.secretary)
    messages = " ".join(p.message for p in refused.value.problems)
    assert first.nominee_name in messages and result.failed[0].nominee_name in messages


def test_on_hold_nomination_is_excluded_and_cannot_be_drafted(make_council_result):
    result = make_council_result(passed=2)
    held, free = result.passed
    _hold(result, held)

    listing = ops.candidates(result.campaign, result.award_form)
    assert [c.nomination_id for c in listing.candidates] == [free.id]
    assert [(e.nomination.id, e.reason) for e in listing.excluded] == [(held.id, "Đang có đơn khiếu nại chưa giải quyết xong")]
    with pytest.raises(RuleRefused) as refused:
        ops.draft_award_decision(result.campaign, result.award_form, [held.id, free.id], result.secretary)
    assert refused.value.problems[0].message.startswith(f"Hồ sơ “{held.nominee_name}” đang tạm dừng xét")


def test_hold_after_drafting_blocks_approval_and_issue_by_name(make_council_result):
    result = make_council_result(passed=2)
    decision = _draft(result)
    held = result.passed[1]
    _hold(result, held)

    expected = f"Hồ sơ “{held.nominee_name}” đang tạm dừng xét; hãy bỏ khỏi danh sách trước khi duyệt."
    with pytest.raises(TransitionRefused) as refused:
        workflow.apply(decision, A.APPROVE, result.chair)
    assert [p.message for p in refused.value.problems] == [expected]
    db.session.rollback()

    # Approved before the hold: issuing is refused the same way.
    _release = __import__("dvkheo.review.screening", fromlist=["release_hold"]).release_hold
    _release(db.session.get(Nomination, held.id), result.secretary)
    workflow.apply(decision, A.APPROVE, result.chair)
    db.session.commit()
    _hold(result, db.session.get(Nomination, held.id))
    with pytest.raises(TransitionRefused) as refused:
        workflow.apply(decision, A.ISSUE, result.chair, decided_on=ISSUE_DAY)
    # Already approved: the advice is to send it back to draft, never "trước khi duyệt".
    assert [p.message for p in refused.value.problems if p.rule == "line_status"] == [
        f"Hồ sơ “{held.nominee_name}” đang tạm dừng xét; quyết định đã được duyệt nên cần Chủ tịch Hội đồng trả lại "
        "dự thảo để sửa, bỏ hồ sơ này khỏi danh sách rồi duyệt lại trước khi ban hành."
    ]
    assert "trước khi duyệt" not in " ".join(p.message for p in refused.value.problems)
    db.session.rollback()
    assert db.session.get(Decision, decision.id).number is None


# --- issuing and numbering ----------------------------------------------------------------------


def test_issuing_awards_each_nomination_with_one_certificate(make_council_result):
    result = make_council_result(passed=3)
    decision = _issue(result, _draft(result))

    assert decision.status is DecisionStatus.ISSUED
    assert (decision.number, decision.year, decision.decided_on, decision.number_label) == (1, 2026, ISSUE_DAY, "01-QĐ/BDVTU")
    assert decision.approved_by_id == result.chair.id and decision.issued_by_id == result.chair.id
    for nomination in result.passed:
        assert db.session.get(Nomination, nomination.id).status is S.AWARDED
        event = history("nomination", nomination.id)[-1]
        # The award is an automatic step of the issue (recorded under the system); the issue names the chair.
        assert (event.action, event.from_state, event.to_state, event.actor_id) == ("award", "passed_council", "awarded", None)
    certificates = db.session.scalars(sa.select(Certificate).where(Certificate.decision_id == decision.id)).all()
    assert len(certificates) == 3 and {c.status for c in certificates} == {CertificateStatus.VALID}
    assert {c.awardee_id for c in certificates} == {line.id for line in decision.awardees}
    actions = [e.action for e in history("decision", decision.id)]
    assert actions == ["draft", "approve", "issue"]


def test_numbers_are_unique_per_issuing_body_and_year(make_council_result, make_award_form):
    result = make_council_result(passed=3)
    other_body = make_award_form(
        result.campaign, name="Giấy khen của Ủy ban", issuer_code="UBND", issuing_body="ỦY BAN NHÂN DÂN", system="state",
    )
    first = _issue(result, _draft(result, result.passed[:1]), decided_on=date(2025, 12, 29))
    second = _issue(result, _draft(result, result.passed[1:2]), decided_on=date(2025, 12, 30))
    assert (first.number_label, second.number_label) == ("01-QĐ/BDVTU", "02-QĐ/BDVTU")

    # Another issuing body keeps its own series: it starts at 01 too, written in its own (State) system.
    result.award_form = other_body
    _passed_on(result, other_body, result.passed[2])
    third = _issue(result, _draft(result, result.passed[2:]), decided_on=date(2025, 12, 30))
    assert third.number_label == "01/QĐ-UBND"

    # A new year restarts the series.
    fourth = _new_award(result, make_award_form, decided_on=date(2026, 1, 5))
    assert (fourth.year, fourth.number_label) == (2026, "01-QĐ/BDVTU")

    # The database itself refuses a second "02-QĐ/BDVTU" of 2025.
    duplicate = Decision(
        campaign_id=result.campaign.id, award_form_id=first.award_form_id, issuer_code="BDVTU", symbol="QĐ-BDVTU",
        issuing_body="BAN DÂN VẬN", title="Trùng số", number=2, year=2025,
    )
    db.session.add(duplicate)
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


def _passed_on(result, award_form, nomination):
    """Put the nomination on a closed ballot of `award_form` too (its issuer is another body)."""
    from dvkheo.council.models import BallotItem, BallotStatus, CouncilBallot
    from dvkheo.core.timeutil import utcnow

    ballot = CouncilBallot(
        campaign=result.campaign, award_form=award_form, status=BallotStatus.CLOSED, meeting_on=date(2026, 11, 6),
        minutes_year=2026, minutes_number=2, opened_at=utcnow(), closed_at=utcnow(),
    )
    ballot.items.append(BallotItem(nomination_id=nomination.id, position=1, agree_electronic=5, passed=True))
    db.session.add(ballot)
    db.session.commit()


def _new_award(result, make_award_form, decided_on):
    """A fresh council result in the same body, issued on `decided_on`."""
    from dvkheo.nominations.states import NominationState

    nomination = result.passed[0]
    extra = Nomination(
        campaign=result.campaign, unit=nomination.unit, kind=nomination.kind, status=NominationState.PASSED_COUNCIL,
        title="Dân vận khéo trong giữ gìn vệ sinh môi trường khu dân cư", nominee_name="Chi hội Phụ nữ thôn Mới",
    )
    extra.refresh_derived()
    db.session.add(extra)
    db.session.flush()
    original = db.session.scalar(sa.select(Decision).where(Decision.issuer_code == "BDVTU").order_by(Decision.id))
    result.award_form = original.award_form
    _passed_on(result, original.award_form, extra)
    return _issue(result, _draft(result, [extra]), decided_on=decided_on)


def test_issue_date_cannot_be_in_the_future(make_council_result):
    result = make_council_result(passed=1)
    decision = _draft(result)
    workflow.apply(decision, A.APPROVE, result.chair)
    with pytest.raises(TransitionRefused) as refused:
        workflow.apply(decision, A.ISSUE, result.chair, decided_on=today_in_vietnam() + timedelta(days=1))
    assert refused.value.problems[0].field == "decided_on"


# --- immutability -----------------------------------------------------------------------------------


def test_issued_decision_cannot_be_changed_by_any_path(make_council_result, client, auth):
    result = make_council_result(passed=2)
    decision = _issue(result, _draft(result))

    # The operation
    with pytest.raises(RuleRefused) as refused:
        ops.update_draft(decision, ops.DraftInput(title="Tiêu đề khác"), result.secretary)
    assert refused.value.problems[0].message == (
        "Quyết định đã ban hành, không thể sửa; hãy ban hành quyết định sửa đổi, bổ sung."
    )
    db.session.rollback()

    # The ORM, whatever code tries: the decision, its lines, deleting it.
    decision = db.session.get(Decision, decision.id)
    decision.title = "Sửa thẳng vào cơ sở dữ liệu"
    with pytest.raises(ImmutableRecord) as blocked:
        db.session.flush()
    assert "Quyết định số 01-QĐ/BDVTU đã ban hành, không thể sửa hoặc xóa" in str(blocked.value)
    db.session.rollback()
    line = db.session.scalar(sa.select(DecisionAwardee).where(DecisionAwardee.decision_id == decision.id).limit(1))
    line.recipient_name = "Tên khác"
    with pytest.raises(ImmutableRecord):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(DecisionAwardee, line.id))
    with pytest.raises(ImmutableRecord):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(Decision, decision.id))
    with pytest.raises(ImmutableRecord):
        db.session.flush()
    db.session.rollback()
    assert db.session.get(Decision, decision.id).title.startswith("Về việc khen thưởng")

    # The page
    auth.login(result.secretary)
    response = client.get(f"/awards/decisions/{decision.id}/edit")
    assert response.status_code == 409
    assert "Quyết định đã ban hành, không thể sửa; hãy ban hành quyết định sửa đổi, bổ sung." in response.get_data(as_text=True)
    response = client.post(f"/awards/decisions/{decision.id}/edit", data={"title": "x"})
    assert response.status_code == 409


def test_certificates_of_an_issued_decision_may_still_change(make_council_result):
    result = make_council_result(passed=1)
    decision = _issue(result, _draft(result))
    certificate = db.session.scalar(sa.select(Certificate).where(Certificate.decision_id == decision.id))
    certificate.printed_count = 2
    db.session.commit()
    assert db.session.get(Certificate, certificate.id).printed_count == 2


# --- the one-achievement rule ------------------------------------------------------------------------


def test_one_achievement_warning_needs_acknowledgement_to_issue(make_council_result, make_issued_decision, make_campaign):
    earlier = make_council_result(passed=1)
    earlier_decision = make_issued_decision(earlier)
    commended = earlier.passed[0]

    # The same model comes back in another campaign.
    result = make_council_result(passed=2)
    again = result.passed[0]
    again.nominee_name, again.title = commended.nominee_name, commended.title
    again.refresh_derived()
    db.session.commit()
    decision = _draft(result)

    warnings = ops.achievement_warnings(decision)
    assert len(warnings) == 1
    message = warnings[0].message
    assert commended.nominee_name in message and "Quyết định số 01-QĐ/BDVTU, ngày 20/11/2026 của Ban Dân vận Tỉnh ủy" in message
    assert earlier.campaign.title in message and "Giấy khen" in message

    workflow.apply(decision, A.APPROVE, result.chair)  # warnings do not block approval
    db.session.commit()
    with pytest.raises(TransitionRefused) as refused:
        workflow.apply(decision, A.ISSUE, result.chair, decided_on=ISSUE_DAY)
    assert refused.value.problems[0].field == "acknowledge"
    db.session.rollback()

    decision = db.session.get(Decision, decision.id)
    workflow.apply(decision, A.ISSUE, result.chair, decided_on=ISSUE_DAY, acknowledge_warnings=True)
    db.session.commit()
    assert decision.status is DecisionStatus.ISSUED
    assert decision.acknowledged_warnings == [warnings[0].key]
    assert earlier_decision.number == 1 and decision.number == 2


def test_revoked_award_does_not_warn(make_council_result, make_issued_decision):
    from dvkheo.awards.models import RevocationItem, RevocationScope
    from dvkheo.awards.decisions import take_number

    earlier = make_council_result(passed=1)
    earlier_decision = make_issued_decision(earlier)
    line = earlier_decision.awardees[0]
    revoking = Decision(
        campaign_id=earlier.campaign.id, award_form_id=earlier.award_form.id, kind=DecisionKind.REVOCATION,
        status=DecisionStatus.APPROVED, revokes_id=earlier_decision.id, issuer_code="BDVTU", symbol="QĐ-BDVTU",
        issuing_body="BAN DÂN VẬN", title="Thu hồi", decided_on=ISSUE_DAY,
    )
    db.session.add(revoking)
    db.session.flush()
    take_number(revoking, ISSUE_DAY)
    revoking.status = DecisionStatus.ISSUED
    db.session.add(RevocationItem(decision=revoking, scope=RevocationScope.AWARD, awardee_id=line.id))
    db.session.commit()

    result = make_council_result(passed=1)
    again = result.passed[0]
    again.nominee_name, again.title = earlier.passed[0].nominee_name, earlier.passed[0].title
    again.refresh_derived()
    db.session.commit()
    assert ops.achievement_warnings(_draft(result)) == []


# --- amendments ------------------------------------------------------------------------------------------


def test_amendment_links_both_ways_replaces_the_certificate_and_awards_an_addition(make_council_result, client, auth):
    result = make_council_result(passed=3)
    kept, corrected_one, added = result.passed
    original = _issue(result, _draft(result, [kept, corrected_one]))
    old_certificate = db.session.scalar(
        sa.select(Certificate).join(DecisionAwardee).where(DecisionAwardee.nomination_id == corrected_one.id)
    )

    amendment = ops.draft_amendment(original, result.secretary)
    db.session.commit()
    assert (amendment.kind, amendment.amends_id, amendment.status) == (DecisionKind.AMENDMENT, original.id, DecisionStatus.DRAFT)
    assert amendment.title.startswith("Về việc sửa đổi, bổ sung Quyết định số 01-QĐ/BDVTU, ngày 20/11/2026 về việc khen thưởng")
    copies = {line.nomination_id: line for line in amendment.awardees}
    assert {line.corrects_id for line in copies.values()} == {line.id for line in original.awardees}

    # Left unchanged, a copy is refused: the secretary corrects one line, removes the other, adds a nomination.
    with pytest.raises(TransitionRefused) as refused:
        workflow.apply(amendment, A.APPROVE, result.chair)
    assert any("chưa có nội dung nào được sửa đổi" in p.message for p in refused.value.problems)
    db.session.rollback()
    amendment = db.session.get(Decision, amendment.id)
    copies = {line.nomination_id: line for line in amendment.awardees}
    ops.update_draft(
        amendment,
        ops.DraftInput(
            lines=[
                ops.LineInput(copies[kept.id].id, copies[kept.id].recipient_name, copies[kept.id].recipient_detail,
                              copies[kept.id].reason, remove=True),
                ops.LineInput(copies[corrected_one.id].id, "Ban Công tác Mặt trận thôn Phú Lộc Mới",
                              copies[corrected_one.id].recipient_detail, copies[corrected_one.id].reason),
            ],
            add_nomination_ids=[added.id],
        ),
        result.secretary,
    )
    db.session.commit()
    _issue(result, amendment, decided_on=date(2026, 11, 21))
    assert amendment.number_label == "02-QĐ/BDVTU"

    old = db.session.get(Certificate, old_certificate.id)
    corrected_line = next(line for line in amendment.awardees if line.nomination_id == corrected_one.id)
    new = db.session.scalar(sa.select(Certificate).where(Certificate.awardee_id == corrected_line.id))
    assert (old.status, old.replaced_by_id) == (CertificateStatus.REPLACED, new.id)
    assert new.status is CertificateStatus.VALID and new.decision_id == amendment.id
    replace = history("certificate", old.id)[-1]
    assert (replace.action, replace.from_state, replace.to_state) == ("replace", "valid", "replaced")
    assert db.session.get(Nomination, added.id).status is S.AWARDED
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Certificate).where(Certificate.status == CertificateStatus.VALID)) == 3

    auth.login(result.secretary)
    original_page = client.get(f"/awards/decisions/{original.id}").get_data(as_text=True)
    assert "Được sửa đổi, bổ sung bởi" in original_page and "Quyết định số <span class=\"nowrap\">02-QĐ/BDVTU</span> ngày 21/11/2026" in original_page
    amendment_page = client.get(f"/awards/decisions/{amendment.id}").get_data(as_text=True)
    assert "Sửa đổi, bổ sung" in amendment_page and "Quyết định số 01-QĐ/BDVTU, ngày 20/11/2026" in amendment_page


def test_amendment_only_from_an_issued_award_decision(make_council_result):
    result = make_council_result(passed=1)
    draft = _draft(result)
    with pytest.raises(RuleRefused):
        ops.draft_amendment(draft, result.secretary)
    db.session.rollback()
    issued = _issue(result, db.session.get(Decision, draft.id))
    ops.draft_amendment(issued, result.secretary)
    db.session.commit()
    with pytest.raises(RuleRefused) as refused:
        ops.draft_amendment(issued, result.secretary)
    assert "đang chờ" in refused.value.problems[0].message


# --- return, discard and editing a draft ----------------------------------------------------------------


def test_return_needs_a_reason_and_discard_frees_the_nominations(make_council_result):
    result = make_council_result(passed=2)
    decision = _draft(result)
    workflow.apply(decision, A.APPROVE, result.chair)
    with pytest.raises(TransitionRefused):
        workflow.apply(decision, A.RETURN, result.chair, reason="  ")
    workflow.apply(decision, A.RETURN, result.chair, reason="Sửa lại trích yếu cho gọn")
    assert decision.status is DecisionStatus.DRAFT and decision.approved_by_id is None
    workflow.apply(decision, A.DISCARD, result.secretary)
    db.session.commit()
    assert decision.status is DecisionStatus.DISCARDED
    assert len(ops.candidates(result.campaign, result.award_form).candidates) == 2
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.entity_type == "decision", AuditEvent.entity_id == decision.id).order_by(AuditEvent.id)
    ).all()
    assert [(e.action, e.from_state, e.to_state) for e in events][1:] == [
        ("approve", "draft", "approved"), ("return", "approved", "draft"), ("discard", "draft", "discarded"),
    ]
    assert events[2].reason == "Sửa lại trích yếu cho gọn"


def test_update_draft_edits_removes_and_audits(make_council_result):
    result = make_council_result(passed=2)
    decision = _draft(result)
    first, second = sorted(decision.awardees, key=lambda line: line.position)
    changed = ops.update_draft(
        decision,
        ops.DraftInput(
            title="Về việc khen thưởng mô hình “Dân vận khéo” năm 2026",
            legal_bases=["Căn cứ Luật Thi đua, khen thưởng số 06/2022/QH15", "", "Căn cứ Quy chế làm việc"],
            lines=[
                ops.LineInput(first.id, "Ban Công tác Mặt trận thôn Số Một", first.recipient_detail, first.reason),
                ops.LineInput(second.id, second.recipient_name, second.recipient_detail, second.reason, remove=True),
            ],
        ),
        result.secretary,
    )
    db.session.commit()
    assert set(changed) == {"title", "legal_bases", "lines_removed", "lines_edited"}
    assert decision.legal_bases == ["Căn cứ Luật Thi đua, khen thưởng số 06/2022/QH15", "Căn cứ Quy chế làm việc"]
    assert [line.recipient_name for line in decision.awardees] == ["Ban Công tác Mặt trận thôn Số Một"]
    event = history("decision", decision.id)[-1]
    assert event.action == "update" and set(event.details["changed"]) == set(changed)
    with pytest.raises(RuleRefused) as refused:
        ops.update_draft(decision, ops.DraftInput(title="  "), result.secretary)
    assert refused.value.problems[0].field == "title"


def test_two_lines_of_one_list_for_the_same_nominee_warn(make_council_result):
    result = make_council_result(passed=2, individuals=2)  # two dossiers of "Trần Thị Hạnh"
    decision = _draft(result)
    warnings = ops.achievement_warnings(decision)
    assert len(warnings) == 1
    assert "“Trần Thị Hạnh” và “Trần Thị Hạnh” trong cùng danh sách này" in warnings[0].message


def test_a_model_name_with_its_own_quotes_is_quoted_once_in_the_reason(make_award_form, make_campaign):
    from dvkheo.awards.decisions import reason_for

    form = make_award_form(make_campaign())
    reason = reason_for(form, 2026, "“Hũ gạo tình thương” và sinh kế cho hộ cận nghèo")
    assert reason.endswith("với mô hình “‘Hũ gạo tình thương’ và sinh kế cho hộ cận nghèo”")
    assert "““" not in reason


@pytest.mark.parametrize(
    "system, prefix, authority, expected",
    [
        ("party", "TM.", "Ban Thường vụ", ("T/M BAN THƯỜNG VỤ", "TRƯỞNG BAN")),
        ("state", "TM.", "Ban Thường vụ", ("TM. BAN THƯỜNG VỤ", "TRƯỞNG BAN")),
        ("party", "KT.", "Trưởng ban", ("K/T TRƯỞNG BAN", "TRƯỞNG BAN")),
        ("state", "KT.", "Chủ tịch", ("KT. CHỦ TỊCH", "TRƯỞNG BAN")),
        ("party", "Q.", "", ("", "Q. TRƯỞNG BAN")),
        ("state", "", "", ("", "TRƯỞNG BAN")),
    ],
)
def test_decision_and_certificate_print_the_same_signature_block(
    make_council_result, make_issued_decision, system, prefix, authority, expected
):
    from dvkheo.awards.decision_pdf import _signature
    from dvkheo.awards.models import SignerPrefix
    from dvkheo.certificates.render import certificate_fields
    from dvkheo.documents.models import ensure_builtin_systems

    result = make_council_result(passed=1)
    result.award_form.document_system = ensure_builtin_systems()[system]
    result.award_form.signer_prefix = SignerPrefix(prefix)
    result.award_form.signer_authority = authority
    result.award_form.signer_title = "Trưởng ban"
    decision = make_issued_decision(result)
    certificate = db.session.scalars(sa.select(Certificate).where(Certificate.decision_id == decision.id)).one()

    signature = _signature(decision)
    fields = certificate_fields(certificate)
    assert (signature["authority"], signature["title"]) == expected
    assert (fields["signer_authority"], fields["signer_title"]) == expected


def test_each_issuing_unit_numbers_its_own_decisions_even_when_bodies_share_a_code(
        make_council_result, make_issued_decision, make_unit, make_campaign):
    """Every commune's People's Committee writes "UBND": Xã A's first decision of the year is 01, and so is Xã B's;
    Xã A's second is 02. One shared register used to make Xã B's first decision number 02."""
    commune_a, commune_b = make_unit(kind="commune", name="Xã A"), make_unit(kind="commune", name="Xã B")
    numbers = []
    for commune in (commune_a, commune_b, commune_a):
        result = make_council_result(passed=1, campaign=make_campaign(
            commune, status=CampaignStatus.COUNCIL_DECISION, has_public_stage=False))
        result.award_form.issuer_code = "UBND"
        db.session.commit()
        decision = make_issued_decision(result)
        numbers.append((decision.issuer_unit_id, decision.symbol, decision.number))
    assert numbers == [(commune_a.id, "QĐ-UBND", 1), (commune_b.id, "QĐ-UBND", 1), (commune_a.id, "QĐ-UBND", 2)]
