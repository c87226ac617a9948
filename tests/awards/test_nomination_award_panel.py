"""The unit sees its commendation on its dossier: the decision, the form and the certificate's serial."""
from __future__ import annotations

from dvkheo.accounts.models import Role


def test_the_unit_sees_the_award_on_its_dossier(client, login_as, make_council_result, make_issued_decision):
    result = make_council_result(passed=1)
    decision = make_issued_decision(result)
    nomination = result.passed[0]
    certificate_serial = _serial_of(decision)

    login_as(Role.UNIT_SUBMITTER, nomination.unit)
    html = client.get(f"/nominations/{nomination.id}").get_data(as_text=True)
    assert "Khen thưởng" in html and "Đã khen thưởng" in html
    assert f"Số {decision.number:02d}-QĐ/BDVTU, ngày 20/11/2026 của Ban Dân vận Tỉnh ủy" in html
    assert certificate_serial in html


def test_a_dossier_not_yet_awarded_has_no_award_panel(client, login_as, make_council_result):
    result = make_council_result(passed=1)
    nomination = result.passed[0]
    login_as(Role.UNIT_SUBMITTER, nomination.unit)
    html = client.get(f"/nominations/{nomination.id}").get_data(as_text=True)
    assert "Số hiệu giấy khen" not in html


def _serial_of(decision) -> str:
    import sqlalchemy as sa

    from dvkheo.certificates.models import Certificate
    from dvkheo.extensions import db

    return db.session.scalar(sa.select(Certificate.serial).where(Certificate.decision_id == decision.id))


def test_the_upper_committee_sees_the_lower_history_on_a_forwarded_dossier(
    client, login_as, province, make_unit, make_campaign, make_council_result, make_issued_decision
):
    from dvkheo.awards import forwarding
    from dvkheo.campaigns.models import CampaignStatus
    from dvkheo.extensions import db

    district = make_unit("Huyện Sơn Tịnh", parent=province, kind="district")
    lower = make_council_result(passed=1, campaign=make_campaign(
        organising_unit=district, status=CampaignStatus.COUNCIL_DECISION, has_public_stage=False,
    ))
    make_issued_decision(lower)
    upper_campaign = make_campaign(title="Bình xét cấp tỉnh")
    forward = forwarding.forward(lower.passed[0], upper_campaign, lower.secretary)
    db.session.commit()

    login_as(Role.SECRETARY, province)
    html = client.get(f"/nominations/{forward.target_nomination_id}").get_data(as_text=True)
    assert "Quá trình xét chọn ở cấp dưới" in html
    assert "Huyện Sơn Tịnh" in html and "Số 01-QĐ/BDVTU, ngày" in html and "của Ban Dân vận Tỉnh ủy" in html
