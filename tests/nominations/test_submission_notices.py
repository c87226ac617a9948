"""A dossier sent (or sent again) reaches the secretaries of its campaign's committee, and nobody else."""
from __future__ import annotations

import io

from dvkheo.accounts.models import Role
from dvkheo.campaigns.models import ReferenceKind
from dvkheo.extensions import db
from dvkheo.nominations.states import NominationState
from tests.conftest import PDF_BYTES, PNG_BYTES, reference_item
from tests.mail_outbox import PUBLIC_BASE_URL, notices_of, outbox  # noqa: F401
from tests.nominations.test_intake import complete_form


def _submit(client, url, campaign):
    data = complete_form(campaign) | {
        "submit_dossier": "Nộp hồ sơ",
        f"evidence_criterion_{campaign.criteria[0].id}": (io.BytesIO(PNG_BYTES), "Ảnh đường mới.png"),
        "review_minutes": (io.BytesIO(PDF_BYTES), "Biên bản bình xét.pdf"),
    }
    response = client.post(url, data=data, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)


def test_a_submitted_dossier_reaches_the_campaigns_secretary(client, login_as, make_user, make_unit, make_campaign, province, outbox):
    campaign = make_campaign()
    secretary = make_user(Role.SECRETARY, province)
    chair = make_user(Role.CHAIR, province)
    other = make_user(Role.SECRETARY, make_unit("Tỉnh Bình Định", kind="province", code="52"))
    login_as(Role.UNIT_SUBMITTER, make_unit("Xã Tịnh Ấn Tây", parent=province))

    _submit(client, f"/nominations/new/{campaign.id}/collective", campaign)

    [notice] = notices_of(secretary)
    assert notice.message.startswith("Xã Tịnh Ấn Tây đã nộp hồ sơ “Vận động Nhân dân hiến đất làm đường”")
    assert notice.link == f"/review/campaigns/{campaign.id}/inbox"
    [mail] = outbox(secretary)
    assert f"{PUBLIC_BASE_URL}/review/campaigns/{campaign.id}/inbox" in mail.body
    assert notices_of(chair) == [] and notices_of(other) == []


def test_saving_a_draft_tells_nobody_and_a_resubmission_says_so(client, login_as, make_user, make_unit, make_campaign, make_nomination, province):
    campaign = make_campaign()
    secretary = make_user(Role.SECRETARY, province)
    commune = make_unit("Xã Tịnh Khê", parent=province)
    login_as(Role.UNIT_SUBMITTER, commune)
    client.post(f"/nominations/new/{campaign.id}/collective", data={"title": "Còn dang dở", "save_draft": "Lưu nháp"})
    assert notices_of(secretary) == []
    returned = make_nomination(unit=commune, campaign=campaign, status=NominationState.RETURNED, with_evidence=False)
    returned.collective_type = reference_item(ReferenceKind.COLLECTIVE_TYPE)
    db.session.commit()

    _submit(client, f"/nominations/{returned.id}/edit", campaign)

    [notice] = notices_of(secretary)
    assert "đã nộp lại sau khi bổ sung hồ sơ" in notice.message and f"hồ sơ số {returned.id}" in notice.message
