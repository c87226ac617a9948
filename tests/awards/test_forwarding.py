"""Forwarding an awarded nomination to a campaign of a parent unit, with its dossier and history."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from dvkheo.accounts.models import Role
from dvkheo.awards import forwarding
from dvkheo.awards.models import NominationForward
from dvkheo.campaigns.models import CampaignStatus, NomineeKind, ReferenceItem, ReferenceKind
from dvkheo.core import storage
from dvkheo.core.audit import history
from dvkheo.core.rules import RuleRefused
from dvkheo.core.timeutil import today_in_vietnam, utcnow
from dvkheo.extensions import db
from dvkheo.nominations.models import Nomination
from dvkheo.nominations.operations import REPORT_FIELDS
from dvkheo.nominations.states import NominationState as S
from dvkheo.review.models import AssignmentStatus, ReviewAssignment, Score
from tests.conftest import PDF_BYTES, PNG_BYTES, add_stored_attachment


@pytest.fixture
def district(make_unit, province):
    return make_unit("Huyện Sơn Tịnh", parent=province, kind="district")


@pytest.fixture
def lower(app, district, make_council_result, make_issued_decision, make_user):
    """A district campaign that awarded two nominations; the first has scores and evidence files."""
    result = make_council_result(passed=2, organising_unit=district, has_public_stage=False)
    decision = make_issued_decision(result)
    nomination = result.passed[0]
    criteria = result.campaign.criteria
    for reviewer_number, points in enumerate(((20, 22, 21, 12, 9), (24, 20, 19, 14, 8)), start=1):
        reviewer = make_user(Role.REVIEWER, district, full_name=f"Lê Văn Chấm {reviewer_number}")
        db.session.add(ReviewAssignment(
            nomination_id=nomination.id, reviewer_id=reviewer.id, status=AssignmentStatus.ACTIVE, finalised_at=utcnow(),
            scores=[Score(criterion_id=c.id, points=p) for c, p in zip(criteria, points)],
        ))
    add_stored_attachment(app, nomination, "Ảnh con đường.png", PNG_BYTES).criterion_id = criteria[2].id
    add_stored_attachment(app, nomination, "Biên bản bình xét.pdf", PDF_BYTES, purpose="review_minutes")
    db.session.commit()
    return result, decision, nomination


@pytest.fixture
def upper(make_campaign, province):
    return make_campaign(province, title="Bình xét mô hình “Dân vận khéo” cấp tỉnh")


def test_forwarding_creates_a_submitted_dossier_with_copied_report_files_and_history(client, login_as, lower, upper, district):
    result, decision, source = lower
    secretary = login_as(Role.SECRETARY, district)

    page = client.get(f"/awards/nominations/{source.id}/forward").get_data(as_text=True)
    assert upper.title in page and "Đề nghị cấp trên" in page
    response = client.post(f"/awards/nominations/{source.id}/forward", data={"target_campaign_id": upper.id, "confirm": "y"})
    assert response.status_code == 302

    record = db.session.scalar(sa.select(NominationForward))
    target = record.target
    assert (target.campaign_id, target.status, target.unit_id, target.created_by_id) == (upper.id, S.SUBMITTED, district.id, secretary.id)
    assert target.submitted_at is not None
    assert all(getattr(target, name) == getattr(source, name) for name in REPORT_FIELDS)
    assert (target.field_id, target.collective_type_id, target.nominee_key) == (source.field_id, source.collective_type_id, source.nominee_key)
    assert db.session.get(Nomination, source.id).status is S.FORWARDED

    copies, originals = target.attachments, source.attachments
    assert [(a.original_name, a.purpose, a.sha256) for a in copies] == [(a.original_name, a.purpose, a.sha256) for a in originals]
    assert all(a.criterion_id is None for a in copies)
    for copy, original in zip(copies, originals):
        assert copy.stored_name != original.stored_name
        assert storage.path_for(copy.stored_name).read_bytes() == storage.path_for(original.stored_name).read_bytes()
    # Removing the lower dossier's file leaves the upper dossier's intact.
    storage.discard(originals[0].stored_name)
    assert storage.path_for(copies[0].stored_name).read_bytes() == PNG_BYTES

    forward_event = history("nomination", source.id)[-1]
    assert (forward_event.action, forward_event.to_state, forward_event.details["target_campaign_id"]) == ("forward", "forwarded", upper.id)
    create_event = history("nomination", target.id)[-1]
    assert (create_event.action, create_event.to_state, create_event.details["forwarded_from"]) == ("create", "submitted", source.id)

    h = record.history
    assert h["source"]["campaign_title"] == result.campaign.title and h["source"]["organising_unit"] == "Huyện Sơn Tịnh"
    assert [r["label"] for r in h["scores"]["reviewers"]] == ["Thành viên 1", "Thành viên 2"]
    assert [r["total"] for r in h["scores"]["reviewers"]] == [84, 85]
    assert h["scores"]["mean_total"] == 84.5 and h["scores"]["max_total"] == 100
    assert [c["mean"] for c in h["scores"]["criteria"]] == [22.0, 21.0, 20.0, 13.0, 8.5]
    assert (h["ballot"]["award_form"], h["ballot"]["agree"], h["ballot"]["disagree"], h["ballot"]["passed"]) == ("Giấy khen", 5, 0, True)
    assert h["ballot"]["meeting_on"] == "05/11/2026" and h["ballot"]["minutes"] == "01-BB/HĐXC năm 2026"  # the council writes in its issuer's system: the Party's
    assert (h["award"]["decision_number"], h["award"]["decided_on"], h["award"]["issuing_body"]) == ("01-QĐ/BDVTU", "20/11/2026", "BAN DÂN VẬN")
    assert h["award"]["certificate_serial"].startswith("DVK26-")
    assert h["public_votes"] is None
    assert h["attachments"][0]["former_criterion"] == result.campaign.criteria[2].title
    assert "thang điểm" in h["attachments_note"]
    assert "Lê Văn Chấm" not in str(h)  # reviewers stay anonymous


def test_the_history_page_is_for_the_target_and_source_committees_only(client, login_as, make_unit, lower, upper, district, province):
    result, _, source = lower
    record = forwarding.forward(source, upper, result.secretary)
    db.session.commit()
    url = f"/awards/forwards/{record.id}"

    login_as(Role.SECRETARY, province)
    page = client.get(url).get_data(as_text=True)
    assert "Quá trình xét chọn ở cấp dưới" in page and "Thành viên 2" in page and "84,50" in page
    assert "Biên bản số 01-BB/HĐXC" in page and record.history["award"]["certificate_serial"] in page
    client.post("/logout")

    login_as(Role.CHAIR, district)
    assert client.get(url).status_code == 200
    client.post("/logout")

    login_as(Role.SECRETARY, make_unit("Tỉnh Kon Tum", kind="province"))
    assert client.get(url).status_code == 404
    client.post("/logout")
    login_as(Role.UNIT_SUBMITTER, source.unit)
    assert client.get(url).status_code == 404


def test_only_campaigns_of_an_ancestor_are_targets(client, login_as, make_campaign, make_unit, lower, upper, district, province):
    result, _, source = lower
    sibling = make_unit("Huyện Bình Sơn", parent=province, kind="district")
    sibling_campaign = make_campaign(sibling, title="Đợt của huyện bạn")
    own_level = make_campaign(district, title="Đợt khác của chính huyện")
    make_campaign(province, title="Đợt tỉnh đã hết hạn", nominations_close_on=today_in_vietnam() - timedelta(days=1))
    make_campaign(province, title="Đợt tỉnh đang chấm", status=CampaignStatus.REVIEW)
    make_campaign(province, title="Đợt tỉnh chỉ nhận cá nhân", allow_collective=False)

    assert [c.title for c in forwarding.target_campaigns(source)] == [upper.title]

    login_as(Role.SECRETARY, district)
    for campaign in (sibling_campaign, own_level):
        response = client.post(f"/awards/nominations/{source.id}/forward", data={"target_campaign_id": campaign.id, "confirm": "y"})
        assert response.status_code == 422
        assert f"Đợt bình xét “{campaign.title}” không do cấp trên của Huyện Sơn Tịnh tổ chức" in response.get_data(as_text=True)
    assert db.session.get(Nomination, source.id).status is S.AWARDED
    assert db.session.scalar(sa.select(sa.func.count()).select_from(NominationForward)) == 0


def test_the_upper_inbox_does_not_call_a_forwarded_dossier_a_duplicate_of_its_origin(
    client, login_as, make_campaign, make_nomination, make_unit, lower, upper, district, province
):
    result, _, source = lower
    target = forwarding.forward(source, upper, result.secretary).target
    # A genuine duplicate: another unit nominated the same collective in another campaign.
    elsewhere = make_campaign(province, title="Bình xét “Dân vận khéo” năm trước", year=2025)
    other = make_nomination(
        campaign=elsewhere, unit=make_unit("Xã Tịnh Hà", parent=province), status=S.SUBMITTED, nominee_name=source.nominee_name
    )
    db.session.commit()
    login_as(Role.SECRETARY, province)
    page = client.get(f"/review/campaigns/{upper.id}/inbox").get_data(as_text=True)
    assert target.display_title in page
    assert not re.search(rf"Trùng hồ sơ số (<a [^>]*>)?{source.id}\b", page)
    assert f"Đề nghị từ cấp dưới: hồ sơ số {source.id} <small class=\"muted\">({result.campaign.title})</small>" in page
    assert re.search(rf"Trùng hồ sơ số (<a [^>]*>)?{other.id}\b", page)


def test_forwarding_twice_is_refused(client, login_as, lower, upper, district):
    _, _, source = lower
    login_as(Role.SECRETARY, district)
    data = {"target_campaign_id": upper.id, "confirm": "y"}
    assert client.post(f"/awards/nominations/{source.id}/forward", data=data).status_code == 302
    response = client.post(f"/awards/nominations/{source.id}/forward", data=data)
    assert response.status_code == 422
    assert f"Hồ sơ này đã được đề nghị lên đợt bình xét “{upper.title}”." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(NominationForward)) == 1


def test_a_nominee_already_live_in_the_target_is_refused(make_nomination, make_unit, lower, upper, province):
    result, _, source = lower
    make_nomination(unit=make_unit("Xã Tịnh Hà", parent=province), campaign=upper, status=S.SUBMITTED, nominee_name=source.nominee_name)
    with pytest.raises(RuleRefused) as refused:
        forwarding.forward(source, upper, result.secretary)
    assert f"“{source.nominee_name}” hoặc mô hình" in str(refused.value) and "đã có hồ sơ đang được xét" in str(refused.value)


def test_a_field_the_target_does_not_list_is_refused_by_name(make_campaign, lower, province):
    result, _, source = lower
    other_field = db.session.scalar(
        sa.select(ReferenceItem).where(ReferenceItem.kind == ReferenceKind.FIELD, ReferenceItem.id != source.field_id).limit(1)
    )
    upper = make_campaign(province, field_ids=[other_field.id])
    with pytest.raises(RuleRefused) as refused:
        forwarding.forward(source, upper, result.secretary)
    assert f"Lĩnh vực “{source.field.name}” của hồ sơ không thuộc các lĩnh vực" in str(refused.value)


def test_only_the_campaign_secretary_forwards_an_awarded_nomination(client, login_as, lower, upper, district):
    result, _, source = lower
    login_as(Role.CHAIR, district)
    assert client.get(f"/awards/nominations/{source.id}/forward").status_code == 403
    client.post("/logout")
    login_as(Role.SECRETARY, district)
    not_awarded = result.passed[1]
    not_awarded.status = S.NOT_AWARDED
    db.session.commit()
    page = client.get(f"/awards/nominations/{not_awarded.id}/forward").get_data(as_text=True)
    assert "chỉ hồ sơ đã được khen thưởng" in page


def test_no_open_campaign_above_is_explained(client, login_as, lower, district):
    _, _, source = lower
    login_as(Role.SECRETARY, district)
    page = client.get(f"/awards/nominations/{source.id}/forward").get_data(as_text=True)
    assert "Hiện không có đợt bình xét nào của cấp trên Huyện Sơn Tịnh đang nhận hồ sơ tập thể." in page


def test_the_awarded_list_shows_status_and_runs_bounded_queries(
    client, login_as, count_queries, make_unit, make_council_result, make_issued_decision, make_campaign, province
):
    make_campaign(province, title="Đợt cấp tỉnh")

    def awarded_page(count: int) -> tuple[int, str]:
        district = make_unit(parent=province, kind="district")
        result = make_council_result(passed=count, individuals=1, organising_unit=district)
        make_issued_decision(result)
        forwarding.forward(result.passed[1], forwarding.target_campaigns(result.passed[1])[0], result.secretary)
        db.session.commit()
        login_as(Role.SECRETARY, district)
        with count_queries() as counter:
            response = client.get(f"/awards/campaigns/{result.campaign.id}/awarded")
        assert response.status_code == 200
        client.post("/logout")
        return counter.count, response.get_data(as_text=True)

    few, page = awarded_page(2)
    many, _ = awarded_page(6)
    assert few == many
    assert "Đã đề nghị cấp trên" in page and "Quá trình xét chọn gửi kèm" in page and "Đợt cấp tỉnh" in page
    assert page.count("Đề nghị cấp trên</a>") == 1  # the individual; the collective was forwarded already
    assert "DVK26-" in page and "Đã khen thưởng" in page


def test_an_individual_is_forwarded_only_where_individuals_are_taken(make_campaign, make_council_result, make_issued_decision, district, province):
    result = make_council_result(passed=1, individuals=1, organising_unit=district)
    make_issued_decision(result)
    make_campaign(province, allow_individual=False)
    individual = result.passed[0]
    assert individual.kind is NomineeKind.INDIVIDUAL
    assert forwarding.target_campaigns(individual) == []
