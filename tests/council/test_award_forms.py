"""Award forms and their voting rules: seeded default, fractions as typed, rules in words."""
from __future__ import annotations

import sqlalchemy as sa

from dvkheo.accounts.models import Role
from dvkheo.awards.models import AwardForm, ThresholdBase
from dvkheo.core import audit
from dvkheo.extensions import db


def _forms(campaign) -> list[AwardForm]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(AwardForm).where(AwardForm.campaign_id == campaign.id).order_by(AwardForm.position)))


def test_default_giay_khen_is_seeded_once(client, become, secretary, council_campaign):
    become(secretary)
    url = f"/council/campaigns/{council_campaign.id}/award-forms"
    html = client.get(url).get_data(as_text=True)
    assert _forms(council_campaign) == []  # viewing the page creates nothing
    assert "Tạo hình thức mặc định “Giấy khen”" in html
    html = client.post(f"{url}/default", data={"next": "award_forms"}, follow_redirects=True).get_data(as_text=True)
    assert "Đã tạo hình thức khen thưởng mặc định “Giấy khen”" in html
    assert (
        "Hợp lệ khi có ít nhất 2/3 tổng số thành viên Hội đồng dự họp; thông qua khi số phiếu đồng ý đạt "
        "trên 1/2 số thành viên có mặt biểu quyết" in html
    )
    client.post(f"{url}/default")
    (form,) = _forms(council_campaign)
    assert (form.quorum_numerator, form.quorum_denominator, form.threshold_numerator, form.threshold_denominator) == (2, 3, 1, 2)
    assert (form.threshold_inclusive, form.threshold_base, form.count_written_opinions) == (False, ThresholdBase.PRESENT, False)


def test_create_a_strict_form_with_percentages(client, become, secretary, council_campaign):
    become(secretary)
    url = f"/council/campaigns/{council_campaign.id}/award-forms"
    client.get(url)
    response = client.post(url, data={
        "name": "Bằng khen", "quorum": "2/3", "threshold": "90%", "threshold_inclusive": "least",
        "threshold_base": "membership", "count_written_opinions": "y",
    }, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Đã thêm hình thức khen thưởng “Bằng khen”." in html
    assert "thông qua khi số phiếu đồng ý đạt từ 90% tổng số thành viên Hội đồng trở lên; ý kiến bằng văn bản" in html
    strict = _forms(council_campaign)[-1]
    assert (strict.threshold_numerator, strict.threshold_denominator, strict.threshold_inclusive) == (90, 100, True)
    assert (strict.threshold_base, strict.count_written_opinions, strict.position) == (ThresholdBase.MEMBERSHIP, True, 2)
    assert audit.history("award_form", strict.id)[-1].actor_id == secretary.id


def test_bad_fractions_are_explained_beside_the_field(client, become, secretary, council_campaign):
    become(secretary)
    url = f"/council/campaigns/{council_campaign.id}/award-forms"
    response = client.post(url, data={"name": "Giấy khen", "quorum": "hai phần ba", "threshold": "3/2",
                                      "threshold_inclusive": "more", "threshold_base": "present"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Vui lòng nhập tỷ lệ dạng phân số (ví dụ 2/3) hoặc phần trăm (ví dụ 90%)." in html
    assert "Tỷ lệ không được lớn hơn 100% (tử số không được lớn hơn mẫu số)." in html
    assert 'value="hai phần ba"' in html
    client.post(f"{url}/default")  # creates "Giấy khen"
    response = client.post(url, data={"name": "giấy khen", "quorum": "2/3", "threshold": "1/2",
                                      "threshold_inclusive": "more", "threshold_base": "present"})
    assert response.status_code == 422
    assert "Đợt bình xét đã có hình thức khen thưởng “giấy khen”." in response.get_data(as_text=True)
    assert len(_forms(council_campaign)) == 1


def test_edit_changes_the_rule_and_the_chair_only_reads(client, become, secretary, chair, council_campaign):
    become(secretary)
    client.post(f"/council/campaigns/{council_campaign.id}/award-forms/default")
    (form,) = _forms(council_campaign)
    edit = f"/council/award-forms/{form.id}/edit"
    html = client.get(edit).get_data(as_text=True)
    assert 'value="2/3"' in html and 'value="1/2"' in html
    response = client.post(edit, data={"name": "Giấy khen", "quorum": "50%", "threshold": "1/2",
                                       "threshold_inclusive": "least", "threshold_base": "present"})
    assert response.status_code == 302
    (form,) = _forms(council_campaign)
    assert (form.quorum_numerator, form.quorum_denominator, form.threshold_inclusive) == (50, 100, True)
    assert audit.history("award_form", form.id)[-1].details == {"changed": ["quorum_denominator", "quorum_numerator", "threshold_inclusive"]}
    become(chair)
    client.post(f"/council/campaigns/{council_campaign.id}/award-forms/default")
    html = client.get(f"/council/campaigns/{council_campaign.id}/award-forms").get_data(as_text=True)
    assert "Hợp lệ khi có ít nhất 50% tổng số thành viên Hội đồng dự họp" in html and "Thêm hình thức khen thưởng" not in html
    assert client.get(edit).status_code == 403
    assert client.post(f"/council/campaigns/{council_campaign.id}/award-forms", data={"name": "X"}).status_code == 403


def test_other_committees_get_404(client, login_as, make_unit, council_campaign):
    login_as(Role.SECRETARY, make_unit("Huyện Khác", kind="district"))
    assert client.get(f"/council/campaigns/{council_campaign.id}/award-forms").status_code == 404
    assert _forms(council_campaign) == []


def test_the_ballots_page_offers_the_default_form_without_creating_it(client, become, secretary, council_campaign):
    become(secretary)
    url = f"/council/campaigns/{council_campaign.id}/ballots"

    html = client.get(url).get_data(as_text=True)

    assert _forms(council_campaign) == []
    assert "Đợt bình xét chưa có hình thức khen thưởng nào" in html
    response = client.post(f"/council/campaigns/{council_campaign.id}/award-forms/default", data={"next": "ballots"})
    assert response.status_code == 302 and response.headers["Location"].endswith(url)
    assert [form.name for form in _forms(council_campaign)] == ["Giấy khen"]
    events = db.session.scalars(sa.select(audit.AuditEvent).where(audit.AuditEvent.entity_type == "award_form")).all()
    assert [(event.action, event.actor_id) for event in events] == [("create", secretary.id)]


def test_the_chair_viewing_the_award_forms_creates_nothing_and_may_not_create(client, become, chair, council_campaign):
    become(chair)

    html = client.get(f"/council/campaigns/{council_campaign.id}/award-forms").get_data(as_text=True)

    assert "Tạo hình thức mặc định" not in html
    assert client.post(f"/council/campaigns/{council_campaign.id}/award-forms/default").status_code == 403
    assert _forms(council_campaign) == []
