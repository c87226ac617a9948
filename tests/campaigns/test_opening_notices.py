"""A campaign opened for nominations reaches the unit officials of its area, once each, by app and email."""
from __future__ import annotations

from dvkheo.accounts.models import Role
from dvkheo.campaigns import notices
from dvkheo.campaigns.models import CampaignStatus as S
from dvkheo.core import jobs
from dvkheo.extensions import db
from tests.campaigns.test_campaign_workflow import ready_campaign  # noqa: F401  (fixture)
from tests.mail_outbox import PUBLIC_BASE_URL, notices_of, outbox  # noqa: F401


def test_opening_tells_each_official_of_the_area_once(client, login_as, make_unit, make_user, province, ready_campaign, outbox):
    campaign = ready_campaign(S.DRAFT)
    commune = make_unit("Xã Tịnh Khê", parent=province)
    village = make_unit("Thôn Trường Thọ", parent=commune, kind="village")
    inside = [make_user(Role.UNIT_SUBMITTER, commune), make_user(Role.UNIT_SUBMITTER, village)]
    retired = make_user(Role.UNIT_SUBMITTER, commune, active=False)
    outside = make_user(Role.UNIT_SUBMITTER, make_unit("Xã Ngoài Tỉnh", parent=make_unit("Tỉnh Bình Định", kind="province", code="52")))
    login_as(Role.SECRETARY, province)

    client.post(f"/campaigns/{campaign.id}/phase/open_nominations", data={"confirmed": "1"})
    assert jobs.wait_for_jobs()

    deadline = campaign.nominations_close_on.strftime("%d/%m/%Y")
    for official in inside:
        [notice] = notices_of(official)
        assert notice.message == f"Đợt bình xét “{campaign.title}” đang nhận hồ sơ đề nghị của đơn vị. Hạn nộp hồ sơ: {deadline}."
        assert notice.link == f"/nominations/new?campaign={campaign.id}"
        [mail] = outbox(official)
        assert f"{PUBLIC_BASE_URL}/nominations/new?campaign={campaign.id}" in mail.body
    assert notices_of(retired) == [] and notices_of(outside) == []

    # Back to draft and open again: nobody is told twice.
    client.post(f"/campaigns/{campaign.id}/phase/revert_to_draft")
    client.post(f"/campaigns/{campaign.id}/phase/open_nominations", data={"confirmed": "1"})
    assert jobs.wait_for_jobs()
    db.session.expire_all()
    assert db.session.get(type(campaign), campaign.id).status is S.NOMINATIONS_OPEN
    assert [len(notices_of(official)) for official in inside] == [1, 1]


def test_other_moves_tell_the_units_nothing(app, make_campaign, make_unit, make_user, province):
    campaign = make_campaign(status=S.REVIEW)
    official = make_user(Role.UNIT_SUBMITTER, make_unit(parent=province))

    with app.test_request_context():
        assert notices.announce_opening(campaign.id) == 0

    assert notices_of(official) == []
