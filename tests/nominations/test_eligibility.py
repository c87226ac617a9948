"""Every eligibility rule of the submit step, accepted and refused, each with its own message."""
from __future__ import annotations

from datetime import timedelta

import pytest

from dvkheo.campaigns.models import CampaignStatus, NomineeKind, ReferenceKind
from dvkheo.core.timeutil import today_in_vietnam
from dvkheo.extensions import db
from dvkheo.nominations import eligibility
from dvkheo.nominations.states import NominationState
from tests.conftest import reference_item


def rules_failed(nomination) -> set[str]:
    return {problem.rule for problem in eligibility.check(nomination)}


def messages(nomination) -> str:
    return " | ".join(problem.message for problem in eligibility.check(nomination))


def test_complete_nomination_passes_every_rule(make_nomination):
    assert eligibility.check(make_nomination()) == []


@pytest.mark.parametrize(
    "status, window",
    [
        (CampaignStatus.DRAFT, (-5, 5)),
        (CampaignStatus.REVIEW, (-5, 5)),
        (CampaignStatus.NOMINATIONS_OPEN, (-30, -1)),
        (CampaignStatus.NOMINATIONS_OPEN, (1, 30)),
    ],
)
def test_campaign_not_open_is_refused(make_campaign, make_nomination, status, window):
    today = today_in_vietnam()
    campaign = make_campaign(
        status=status,
        nominations_open_on=today + timedelta(days=window[0]),
        nominations_close_on=today + timedelta(days=window[1]),
    )
    nomination = make_nomination(campaign=campaign)
    assert rules_failed(nomination) == {"campaign_open"}
    assert "không nhận hồ sơ" in messages(nomination)


def test_campaign_open_on_its_last_day_accepts(make_campaign, make_nomination):
    today = today_in_vietnam()
    campaign = make_campaign(nominations_open_on=today, nominations_close_on=today)
    assert eligibility.check(make_nomination(campaign=campaign)) == []


def test_kind_not_allowed_is_refused(make_campaign, make_nomination):
    campaign = make_campaign(allow_individual=False)
    nomination = make_nomination(campaign=campaign, kind=NomineeKind.INDIVIDUAL)
    assert rules_failed(nomination) == {"kind_allowed"}
    assert "không nhận hồ sơ cá nhân" in messages(nomination)


def test_field_outside_campaign_is_refused(make_campaign, make_nomination):
    campaign = make_campaign(field_codes=["environment"])
    other_field = reference_item(ReferenceKind.FIELD, "poverty_reduction")
    nomination = make_nomination(campaign=campaign, field=other_field)
    assert rules_failed(nomination) == {"field_allowed"}
    assert "Giảm nghèo bền vững" in messages(nomination)


def test_collective_type_missing_is_refused(make_nomination):
    nomination = make_nomination(collective_type=None)
    assert rules_failed(nomination) == {"category_configured"}
    assert "loại hình tập thể" in messages(nomination)


def test_deactivated_individual_category_is_refused(make_nomination):
    nomination = make_nomination(kind=NomineeKind.INDIVIDUAL)
    nomination.individual_category.active = False
    db.session.commit()
    assert rules_failed(nomination) == {"category_configured"}
    assert "không còn trong danh sách đối tượng cá nhân" in messages(nomination)


def test_unit_outside_campaign_subtree_is_refused(make_unit, make_campaign, make_nomination):
    other_province = make_unit("Tỉnh Kon Tum", kind="province")
    commune_elsewhere = make_unit("Xã Đăk Hà", parent=other_province)
    nomination = make_nomination(unit=commune_elsewhere, campaign=make_campaign())
    assert rules_failed(nomination) == {"unit_within_campaign"}
    assert "Xã Đăk Hà" in messages(nomination)


def test_unit_deep_in_subtree_is_accepted(make_unit, make_campaign, make_nomination, province):
    commune = make_unit("Xã Nghĩa Hành", parent=province)
    village = make_unit("Thôn Phú Lâm", parent=commune, kind="village")
    assert eligibility.check(make_nomination(unit=village, campaign=make_campaign())) == []


@pytest.mark.parametrize(
    "votes_for, votes_cast, attendees, accepted",
    [
        (30, 58, 60, False),  # 51.7%: below a 60% threshold
        (35, 58, 60, True),  # 60.3%: above it
        (35, 0, 60, False),  # nobody voted
        (58, 58, 60, True),
        (10, 70, 60, False),  # more votes than people present
    ],
)
def test_public_review_threshold(make_campaign, make_nomination, votes_for, votes_cast, attendees, accepted):
    campaign = make_campaign(public_review_threshold_percent=60)
    nomination = make_nomination(campaign=campaign, review_votes_for=0, review_votes_cast=70, review_attendees=attendees)
    with db.session.no_autoflush:
        nomination.review_votes_for, nomination.review_votes_cast = votes_for, votes_cast
        assert (eligibility.public_review_passed(nomination) == []) is accepted


def test_public_review_more_for_than_cast_is_refused(make_nomination):
    nomination = make_nomination()
    with db.session.no_autoflush:
        nomination.review_votes_for, nomination.review_votes_cast = 59, 58
        assert [p.field for p in eligibility.public_review_passed(nomination)] == ["review_votes_for"]


def test_public_review_below_threshold_names_the_share(make_campaign, make_nomination):
    nomination = make_nomination(campaign=make_campaign(public_review_threshold_percent=50), review_votes_for=29, review_votes_cast=58)
    assert rules_failed(nomination) == {"public_review"}
    assert "29/58" in messages(nomination) and "50%" in messages(nomination)


def test_public_review_just_above_threshold_is_accepted(make_campaign, make_nomination):
    nomination = make_nomination(campaign=make_campaign(public_review_threshold_percent=50), review_votes_for=30, review_votes_cast=58)
    assert eligibility.check(nomination) == []


@pytest.mark.parametrize("section", ["title", "situation", "method", "participation", "results", "locality"])
def test_missing_required_text_section_is_refused(make_nomination, section):
    nomination = make_nomination(**{section: ""})
    problems = eligibility.check(nomination)
    assert [p.field for p in problems] == [section]
    assert problems[0].message.startswith("Vui lòng nhập")


def test_missing_review_numbers_are_refused(make_nomination):
    nomination = make_nomination(review_votes_for=None, review_votes_cast=None)
    assert {p.field for p in eligibility.check(nomination)} == {"review_votes_for", "review_votes_cast"}


def test_individual_needs_position(make_nomination):
    nomination = make_nomination(kind=NomineeKind.INDIVIDUAL, nominee_position="")
    assert [p.field for p in eligibility.check(nomination)] == ["nominee_position"]


def test_no_evidence_file_is_refused(make_nomination):
    nomination = make_nomination(with_evidence=False)
    assert rules_failed(nomination) == {"evidence_present"}
    assert "ít nhất một tệp minh chứng" in messages(nomination)


def test_review_minutes_alone_do_not_count_as_evidence(app, make_nomination):
    from tests.conftest import PDF_BYTES, add_stored_attachment

    nomination = make_nomination(with_evidence=False)
    add_stored_attachment(app, nomination, "Biên bản.pdf", PDF_BYTES, purpose="review_minutes")
    db.session.commit()
    assert rules_failed(nomination) == {"evidence_present"}


@pytest.mark.parametrize(
    "other_status, refused",
    [
        (NominationState.SUBMITTED, True),
        (NominationState.RETURNED, True),
        (NominationState.RESUBMITTED, True),
        (NominationState.DRAFT, False),
        (NominationState.WITHDRAWN, False),
    ],
)
def test_same_nominee_live_elsewhere_in_campaign(make_campaign, make_unit, make_nomination, province, other_status, refused):
    campaign = make_campaign()
    make_nomination(campaign=campaign, status=other_status, nominee_name="Ban Công tác Mặt trận thôn Phú Lộc")
    # Same nominee, typed without diacritics and in other case, by another unit.
    nomination = make_nomination(campaign=campaign, unit=make_unit(parent=province), nominee_name="ban cong tac mat tran THON PHU LOC")
    assert ("nominee_unique" in rules_failed(nomination)) is refused


def test_same_nominee_in_another_campaign_is_accepted(make_campaign, make_nomination):
    make_nomination(campaign=make_campaign(title="Đợt năm trước"), status=NominationState.SUBMITTED)
    assert eligibility.check(make_nomination(campaign=make_campaign(title="Đợt năm nay"))) == []


def test_returned_dossier_may_come_back_after_the_deadline_while_the_committee_screens(make_nomination, make_campaign):
    from datetime import timedelta

    from dvkheo.campaigns.models import CampaignStatus
    from dvkheo.core.timeutil import today_in_vietnam
    from dvkheo.nominations.states import NominationState

    today = today_in_vietnam()
    campaign = make_campaign(
        status=CampaignStatus.REVIEW, nominations_open_on=today - timedelta(days=30), nominations_close_on=today - timedelta(days=1)
    )
    returned = make_nomination(campaign=campaign, status=NominationState.RETURNED)
    late_draft = make_nomination(campaign=campaign, status=NominationState.DRAFT, nominee_name="Tổ tự quản số 9")
    assert [p.rule for p in eligibility.check(returned)] == []
    assert [p.rule for p in eligibility.check(late_draft)] == ["campaign_open"]
