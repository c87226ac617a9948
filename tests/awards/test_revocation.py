"""Revocation of a commendation or of one certificate, recovery of the paper, reissue."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from dvkheo.accounts.models import Role
from dvkheo.awards import revocation
from dvkheo.awards.models import Decision, DecisionKind, DecisionStatus, RevocationScope
from dvkheo.certificates.models import Certificate, CertificateStatus
from dvkheo.core.audit import history
from dvkheo.awards.decisions import take_number
from dvkheo.core.rules import RuleRefused
from dvkheo.core.timeutil import today_in_vietnam, utcnow
from dvkheo.extensions import db
from dvkheo.nominations.models import Nomination
from dvkheo.nominations.states import NominationState as S

REASON = "Qua kiểm tra, thành tích kê khai trong hồ sơ đề nghị không đúng sự thật."
LOST = "Giấy khen bị hư hỏng do ngập lụt, đơn vị đề nghị cấp lại."


def certificate_of(line) -> Certificate:
    return db.session.scalar(sa.select(Certificate).where(Certificate.awardee_id == line.id).order_by(Certificate.id))


def issue(revoking: Decision, actor, decided_on: date | None = None) -> Decision:
    """Issue a revoking decision the way `make_issued_decision` does, then let it take effect."""
    decided_on = decided_on or today_in_vietnam()
    take_number(revoking, decided_on)
    revoking.status = DecisionStatus.ISSUED
    revoking.approved_at = revoking.issued_at = utcnow()
    revoking.issued_by_id = actor.id
    revocation.apply_revocation(revoking, actor)
    db.session.commit()
    return revoking


def verify_page_exists(app) -> bool:
    return any(rule.rule.startswith("/verify/") for rule in app.url_map.iter_rules())


@pytest.fixture
def awarded(make_council_result, make_issued_decision):
    result = make_council_result(passed=2)
    decision = make_issued_decision(result)
    return result, decision


def test_revoking_a_whole_award_revokes_its_certificates_and_the_nomination(app, client, awarded):
    result, decision = awarded
    target, kept = decision.awardees
    serial = certificate_of(target).serial

    draft = revocation.draft_revocation(decision, [(target.id, "award", None)], REASON, result.secretary)
    db.session.commit()
    assert (draft.kind, draft.status, draft.revokes_id) == (DecisionKind.REVOCATION, DecisionStatus.DRAFT, decision.id)
    assert draft.title == "Về việc thu hồi, hủy bỏ Quyết định khen thưởng số 01-QĐ/BDVTU, ngày 20/11/2026"
    assert (draft.issuing_body, draft.issuer_code, draft.signer_name) == ("BAN DÂN VẬN", "BDVTU", "Nguyễn Văn Trưởng")
    articles = draft.articles.split("\n")
    assert articles[0].startswith("Điều 1. Thu hồi, hủy bỏ khen thưởng Giấy khen đối với Ban Công tác Mặt trận thôn Số 1")
    assert "(danh sách kèm theo)" in articles[0] and f"Lý do: {REASON.rstrip('.')}." in articles[0]
    assert "tiền thưởng (nếu có)" in articles[1] and articles[2].startswith("Điều 3.")
    # A draft changes nothing yet.
    assert certificate_of(target).status is CertificateStatus.VALID

    issue(draft, result.chair)

    certificate = certificate_of(target)
    assert certificate.status is CertificateStatus.REVOKED
    assert (certificate.revoked_by_decision_id, certificate.revocation_reason) == (draft.id, REASON)
    assert certificate.revoked_at is not None
    assert db.session.get(Nomination, target.nomination_id).status is S.REVOKED
    event = history("nomination", target.nomination_id)[-1]
    assert (event.action, event.from_state, event.to_state, event.reason) == ("revoke_award", "awarded", "revoked", REASON)
    assert [e.action for e in history("certificate", certificate.id)] == ["issue", "revoke"]
    # The other line is untouched.
    assert certificate_of(kept).status is CertificateStatus.VALID
    assert db.session.get(Nomination, kept.nomination_id).status is S.AWARDED

    if verify_page_exists(app):
        response = client.get(f"/verify/{serial}")
        assert response.status_code == 200
        assert "đã bị thu hồi" in response.get_data(as_text=True)
        assert "Giấy khen không còn giá trị" in response.get_data(as_text=True)


def test_a_certificate_only_revocation_keeps_the_award_and_allows_a_reissue(client, login_as, awarded):
    result, decision = awarded
    line = decision.awardees[0]
    old = certificate_of(line)

    draft = revocation.draft_revocation(decision, [(line.id, RevocationScope.CERTIFICATE, old.id)], LOST, result.secretary)
    db.session.commit()
    assert draft.title == "Về việc thu hồi Giấy khen đã cấp theo Quyết định số 01-QĐ/BDVTU, ngày 20/11/2026"
    assert old.serial in draft.articles and "vẫn giữ nguyên hiệu lực" in draft.articles
    issue(draft, result.chair)

    assert db.session.get(Certificate, old.id).status is CertificateStatus.REVOKED
    assert db.session.get(Nomination, line.nomination_id).status is S.AWARDED

    secretary = login_as(Role.SECRETARY, result.campaign.organising_unit)
    page = client.get(f"/awards/campaigns/{result.campaign.id}/revocations").get_data(as_text=True)
    assert old.serial in page and "Chưa thu hồi được bản gốc" in page and "Cấp lại giấy khen" in page

    assert 'data-confirm-question="Cấp lại Giấy khen cho' in page  # the dialog, with JavaScript
    asked = client.post(f"/awards/awardees/{line.id}/reissue").get_data(as_text=True)
    assert "<strong>Không thể hoàn tác.</strong>" in asked and 'name="confirmed" value="1"' in asked
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Certificate).where(Certificate.awardee_id == line.id)) == 1

    response = client.post(f"/awards/awardees/{line.id}/reissue", data={"confirmed": "1"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    new = db.session.scalar(
        sa.select(Certificate).where(Certificate.awardee_id == line.id, Certificate.status == CertificateStatus.VALID)
    )
    assert new is not None and new.serial != old.serial and new.serial in page
    assert db.session.get(Certificate, old.id).replaced_by_id == new.id
    reissue_event = history("certificate", old.id)[-1]
    assert (reissue_event.action, reissue_event.actor_id, reissue_event.details["new_serial"]) == ("reissue", secretary.id, new.serial)
    assert "Cấp lại giấy khen</button>" not in page

    verify = client.get(f"/verify/{old.serial}").get_data(as_text=True)
    assert "khen thưởng vẫn giữ nguyên" in verify and new.serial in verify
    assert "đã bị thu hồi, hủy bỏ" not in verify

    again = client.post(f"/awards/awardees/{line.id}/reissue", follow_redirects=True).get_data(as_text=True)
    assert "đang có Giấy khen còn hiệu lực" in again
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Certificate).where(Certificate.awardee_id == line.id)) == 2


def test_no_reissue_after_the_award_itself_was_revoked(awarded):
    result, decision = awarded
    line = decision.awardees[0]
    issue(revocation.draft_revocation(decision, [(line.id, "award", None)], REASON, result.secretary), result.chair)
    with pytest.raises(RuleRefused) as refused:
        revocation.reissue_certificate(line, result.secretary)
    assert "đã bị thu hồi, hủy bỏ" in str(refused.value)


def test_lines_outside_the_decision_already_revoked_or_pending_are_refused(make_council_result, make_issued_decision):
    result = make_council_result(passed=3)
    first = make_issued_decision(result, result.passed[:2])
    second = make_issued_decision(result, result.passed[2:])
    outsider = second.awardees[0]
    pending_line, revoked_line = first.awardees

    with pytest.raises(RuleRefused) as refused:
        revocation.draft_revocation(first, [(outsider.id, "award", None)], REASON, result.secretary)
    assert str(refused.value) == "Dòng đã chọn không thuộc Quyết định số 01-QĐ/BDVTU."

    revocation.draft_revocation(first, [(pending_line.id, "award", None)], REASON, result.secretary)
    issue(revocation.draft_revocation(first, [(revoked_line.id, "award", None)], REASON, result.secretary), result.chair)

    with pytest.raises(RuleRefused) as refused:
        revocation.draft_revocation(
            first, [(pending_line.id, "certificate", certificate_of(pending_line).id), (revoked_line.id, "award", None)],
            REASON, result.secretary,
        )
    messages = [p.message for p in refused.value.problems]
    assert messages[0].startswith("“Ban Công tác Mặt trận thôn Số 1” đã có trong một dự thảo quyết định thu hồi khác")
    assert messages[1] == "Khen thưởng của “Ban Công tác Mặt trận thôn Số 2” không còn hiệu lực (đã thu hồi hoặc đã được sửa đổi)."
    assert [line.line.id for line in revocation.revocable_lines(first)] == [pending_line.id]


def test_the_form_drafts_the_revocation_and_keeps_choices_and_reason_when_refused(client, login_as, awarded):
    result, decision = awarded
    first, second = decision.awardees
    certificate = certificate_of(second)
    login_as(Role.SECRETARY, result.campaign.organising_unit)
    url = f"/awards/decisions/{decision.id}/revocations/new"

    page = client.get(url).get_data(as_text=True)
    assert "Không thu hồi" in page and f"Chỉ thu hồi giấy khen số {certificate.serial}" in page

    response = client.post(url, data={f"line-{first.id}": "award", "reason": "  "})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert revocation.REASON_REQUIRED in page
    assert f'name="line-{first.id}" value="award" checked' in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Decision).where(Decision.kind == DecisionKind.REVOCATION)) == 0

    response = client.post(url, data={"reason": REASON})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Vui lòng chọn ít nhất một tập thể, cá nhân hoặc giấy khen cần thu hồi." in page
    assert REASON in page  # what the secretary typed stays in the box

    response = client.post(
        url, data={f"line-{first.id}": "award", f"line-{second.id}": f"certificate-{certificate.id}", "reason": REASON}
    )
    assert response.status_code == 302
    draft = db.session.scalar(sa.select(Decision).where(Decision.kind == DecisionKind.REVOCATION))
    assert sorted((item.awardee_id, item.scope, item.certificate_id) for item in draft.revocation_items) == [
        (first.id, RevocationScope.AWARD, None),
        (second.id, RevocationScope.CERTIFICATE, certificate.id),
    ]
    assert response.headers["Location"].endswith(
        f"/awards/decisions/{draft.id}" if "awards.decision" in client.application.view_functions
        else f"/awards/campaigns/{result.campaign.id}/revocations"
    )
    event = history("decision", draft.id)[-1]
    assert (event.action, event.reason) == ("create", REASON)


def test_another_committee_gets_404_and_the_chair_403(client, login_as, make_unit, awarded):
    result, decision = awarded
    line = decision.awardees[0]
    certificate = certificate_of(line)
    other_province = make_unit("Tỉnh Kon Tum", kind="province")
    login_as(Role.SECRETARY, other_province)
    assert client.get(f"/awards/decisions/{decision.id}/revocations/new").status_code == 404
    assert client.get(f"/awards/campaigns/{result.campaign.id}/revocations").status_code == 404
    assert client.post(f"/awards/certificates/{certificate.id}/recovery", data={}).status_code == 404
    assert client.post(f"/awards/awardees/{line.id}/reissue").status_code == 404
    client.post("/logout")

    login_as(Role.CHAIR, result.campaign.organising_unit)
    assert client.get(f"/awards/decisions/{decision.id}/revocations/new").status_code == 403
    assert client.get(f"/awards/campaigns/{result.campaign.id}/revocations").status_code == 200
    assert client.post(f"/awards/awardees/{line.id}/reissue").status_code == 403


def test_recovery_is_recorded_audited_corrected_and_never_in_the_future(client, login_as, awarded):
    result, decision = awarded
    line = decision.awardees[0]
    certificate = certificate_of(line)
    issue(revocation.draft_revocation(decision, [(line.id, "award", None)], REASON, result.secretary), result.chair)
    secretary = login_as(Role.SECRETARY, result.campaign.organising_unit)
    url = f"/awards/certificates/{certificate.id}/recovery"
    prefix = f"c{certificate.id}-"
    today = today_in_vietnam()

    tomorrow = (today + timedelta(days=1)).strftime("%d/%m/%Y")
    response = client.post(url, data={prefix + "recovered_on": tomorrow, prefix + "note": "Nộp tại Văn phòng"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Ngày thu hồi bản gốc không được sau ngày hôm nay." in page
    assert tomorrow in page and "Nộp tại Văn phòng" in page
    assert db.session.get(Certificate, certificate.id).recovered_on is None

    response = client.post(url, data={prefix + "recovered_on": "31/02/2026"})
    assert response.status_code == 422 and "Ngày không hợp lệ" in response.get_data(as_text=True)

    response = client.post(url, data={prefix + "recovered_on": today.strftime("%d/%m/%Y"), prefix + "note": "Nộp tại Văn phòng"})
    assert response.status_code == 302
    saved = db.session.get(Certificate, certificate.id)
    assert (saved.recovered_on, saved.recovery_note, saved.recovered_by_id) == (today, "Nộp tại Văn phòng", secretary.id)
    page = client.get(f"/awards/campaigns/{result.campaign.id}/revocations").get_data(as_text=True)
    assert f"Đã thu hồi ngày {today.strftime('%d/%m/%Y')}" in page

    client.post(url, data={prefix + "recovered_on": today.strftime("%d/%m/%Y"), prefix + "note": "Bản gốc đã cắt góc hủy"})
    events = [e for e in history("certificate", certificate.id) if e.action == "recover"]
    assert len(events) == 2
    assert "before" not in events[0].details
    assert events[1].details["before"]["note"] == "Nộp tại Văn phòng"
    assert events[1].details["after"]["note"] == "Bản gốc đã cắt góc hủy"


def test_recovery_only_for_a_revoked_certificate(awarded):
    result, decision = awarded
    certificate = certificate_of(decision.awardees[0])
    with pytest.raises(RuleRefused) as refused:
        revocation.record_recovery(certificate, today_in_vietnam(), "", result.secretary)
    assert "chưa bị thu hồi" in str(refused.value)


def test_the_revocations_page_runs_a_bounded_number_of_queries(client, login_as, count_queries, make_council_result, make_issued_decision):
    def revoked_page_queries(count: int) -> int:
        result = make_council_result(passed=count)
        decision = make_issued_decision(result)
        lines = decision.awardees
        items = [(line.id, "award", None) for line in lines[: count // 2]]
        items += [(line.id, "certificate", certificate_of(line).id) for line in lines[count // 2:]]
        issue(revocation.draft_revocation(decision, items, REASON, result.secretary), result.chair)
        login_as(Role.SECRETARY, result.campaign.organising_unit)
        with count_queries() as counter:
            response = client.get(f"/awards/campaigns/{result.campaign.id}/revocations")
        assert response.status_code == 200
        assert response.get_data(as_text=True).count("Chưa thu hồi được bản gốc") == count
        client.post("/logout")
        return counter.count

    assert revoked_page_queries(2) == revoked_page_queries(6)


def test_issuing_through_the_decision_workflow_applies_the_revocation(awarded):
    workflow = pytest.importorskip("dvkheo.awards.workflow")
    if not hasattr(workflow, "apply") or not hasattr(workflow, "DecisionAction"):
        pytest.skip("the decision workflow is not written yet")
    result, decision = awarded
    line = decision.awardees[0]
    draft = revocation.draft_revocation(decision, [(line.id, "award", None)], REASON, result.secretary)
    db.session.commit()
    for action, actor in ((workflow.DecisionAction.APPROVE, result.chair), (workflow.DecisionAction.ISSUE, result.chair)):
        workflow.apply(draft, action, actor)
        db.session.commit()
    assert draft.status is DecisionStatus.ISSUED and draft.number is not None
    assert certificate_of(line).status is CertificateStatus.REVOKED
    assert db.session.get(Nomination, line.nomination_id).status is S.REVOKED


@pytest.mark.parametrize("issuer_code, cited", [
    ("BDVTU", ["(QĐ số", "01-QĐ/BDVTU)"]),
    # Wider than its column: the number breaks after its "/" only, never at its hyphen or inside a word.
    ("BTGDVTUQN", ["(QĐ số", "01-QĐ/", "BTGDVTUQN)"]),
])
def test_revocation_annex_fits_its_table(make_council_result, make_issued_decision, issuer_code, cited):
    """The annexed list of a revocation: no word runs over the next column or the table's border; the serial stays
    whole on one line, and so does the cited decision's number where it fits its column."""
    from dvkheo.awards.decision_pdf import decision_pdf
    from tests.pdf_layout import table_overflows

    result = make_council_result(passed=1)
    result.award_form.issuer_code = issuer_code
    db.session.commit()
    decision = make_issued_decision(result)
    line = decision.awardees[0]
    old = certificate_of(line)
    draft = revocation.draft_revocation(decision, [(line.id, RevocationScope.CERTIFICATE, old.id)], LOST, result.secretary)
    db.session.commit()
    issue(draft, result.chair)
    data = decision_pdf(draft)
    over, rows = table_overflows(data, page_number=len(pages_of(data)) - 1)
    assert over == []
    header, row = rows
    assert header[-1] == ["Số hiệu giấy", "khen"]
    assert row[3] == ["Giấy khen", *cited]
    assert row[5] == [old.serial]
    # The name keeps a column wide enough for two or three words a line, not one.
    assert row[1] == ["Ban Công tác", "Mặt trận thôn", "Số 1"]


def pages_of(data: bytes) -> list:
    from tests.pdf_layout import pages

    return pages(data)


def test_a_quoted_model_title_is_quoted_once(client, login_as, make_council_result, make_issued_decision):
    """A title typed with its own quotes ("“Hũ gạo tình thương” và sinh kế") reads “‘Hũ gạo tình thương’ và sinh kế”
    on the revocation form and the "Đã khen thưởng" page, never ““Hũ gạo tình thương” và sinh kế”."""
    from html import unescape

    result = make_council_result(passed=1)
    result.passed[0].title = "“Hũ gạo tình thương” và sinh kế cho hộ nghèo"
    db.session.commit()
    decision = make_issued_decision(result)
    login_as(Role.SECRETARY, result.campaign.organising_unit)
    expected = "“‘Hũ gạo tình thương’ và sinh kế cho hộ nghèo”"
    for url in (f"/awards/decisions/{decision.id}/revocations/new", f"/awards/campaigns/{result.campaign.id}/awarded"):
        page = unescape(client.get(url).get_data(as_text=True))
        assert expected in page, url
        assert "““" not in page and "””" not in page, url
