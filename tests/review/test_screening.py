"""Screening: the secretary's inbox, the completeness checklist, duplicate warnings, and the
decisions on a dossier (accept, return, reject, in bulk), with what the unit then sees."""
from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
import sqlalchemy as sa

from dvkheo.accounts.models import Role
from dvkheo.campaigns.models import CampaignStatus, NomineeKind
from dvkheo.core.audit import AuditEvent, history
from dvkheo.core.notifications import Notification
from dvkheo.core.timeutil import today_in_vietnam
from dvkheo.extensions import db
from dvkheo.nominations import workflow
from dvkheo.nominations.states import NominationAction as A
from dvkheo.nominations.states import NominationState as S
from dvkheo.review import screening
from dvkheo.review.models import HoldCategory

_names = itertools.count(1)


@pytest.fixture
def dossier(make_dossier):
    """A complete dossier with its own (not duplicated) model and nominee names."""

    def create(status=S.SUBMITTED, **overrides):
        number = next(_names)
        overrides.setdefault("title", f"Mô hình dân vận khéo thứ {number}")
        overrides.setdefault("nominee_name", f"Chi hội Nông dân số {number}")
        return make_dossier(status=status, **overrides)

    return create


def page_of(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def status_of(nomination) -> S:
    db.session.refresh(nomination)
    return nomination.status


# --- the round trip the unit lives through -------------------------------------------------------------


def test_return_resubmit_twice_then_accept_keeps_both_rounds_on_page(client, auth, make_nomination, make_unit, make_user, province):
    commune = make_unit("Xã Tịnh Khê", parent=province)
    nomination = make_nomination(unit=commune, title="Vận động hiến đất làm đường", nominee_name="Thôn Mỹ Lai")
    submitter = make_user(Role.UNIT_SUBMITTER, commune)
    secretary = make_user(Role.SECRETARY, province)
    workflow.apply(nomination, A.SUBMIT, submitter)
    db.session.commit()

    auth.login(secretary)
    client.post(f"/review/nominations/{nomination.id}/return", data={"return-reason": "Bổ sung số hộ dân tham gia"})
    assert status_of(nomination) is S.RETURNED
    workflow.apply(nomination, A.RESUBMIT, submitter)
    db.session.commit()
    client.post(f"/review/nominations/{nomination.id}/return", data={"return-reason": "Bổ sung ảnh con đường sau khi làm"})
    workflow.apply(nomination, A.RESUBMIT, submitter)
    db.session.commit()
    response = client.post(f"/review/nominations/{nomination.id}/accept", follow_redirects=True)
    assert "Đã tiếp nhận hồ sơ." in response.get_data(as_text=True)
    assert status_of(nomination) is S.ACCEPTED
    auth.logout()

    auth.login(submitter)
    page = page_of(client, f"/nominations/{nomination.id}")
    history_part = page[page.index("Lịch sử xử lý"):]
    assert history_part.count("Trả lại để bổ sung") == 2 and history_part.count("Nộp lại hồ sơ") == 2
    assert "Bổ sung số hộ dân tham gia" in history_part and "Bổ sung ảnh con đường sau khi làm" in history_part
    assert "Tiếp nhận" in history_part
    assert [e.action for e in history("nomination", nomination.id)] == ["submit", "return", "resubmit", "return", "resubmit", "accept"]
    # The unit was told at each return and at the acceptance.
    messages = db.session.scalars(sa.select(Notification.message).where(Notification.user_id == submitter.id).order_by(Notification.id)).all()
    assert len(messages) == 3
    assert "Bổ sung số hộ dân tham gia" in messages[0] and "đã được tiếp nhận" in messages[2]


# --- single decisions ---------------------------------------------------------------------------------


def test_accept_by_secretary_moves_audits_and_notifies(client, auth, secretary, dossier, make_user):
    nomination = dossier()
    submitter = make_user(Role.UNIT_SUBMITTER, nomination.unit)
    auth.login(secretary)
    response = client.post(f"/review/nominations/{nomination.id}/accept")
    assert response.status_code == 302
    assert status_of(nomination) is S.ACCEPTED
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.entity_id == nomination.id, AuditEvent.action == "accept")).one()
    assert (event.actor_id, event.from_state, event.to_state) == (secretary.id, "submitted", "accepted")
    assert db.session.scalar(sa.select(sa.func.count()).where(Notification.user_id == submitter.id)) == 1


def test_accept_refused_when_checklist_fails(client, auth, secretary, make_nomination, make_commune, review_campaign):
    nomination = make_nomination(unit=make_commune(), campaign=review_campaign, status=S.SUBMITTED, complete=False, with_evidence=False)
    auth.login(secretary)
    page = client.post(f"/review/nominations/{nomination.id}/accept", follow_redirects=True).get_data(as_text=True)
    assert "Chưa thể tiếp nhận" in page
    assert "Hồ sơ cần ít nhất một tệp minh chứng." in page
    assert status_of(nomination) is S.SUBMITTED


def test_reject_without_reason_is_refused_beside_the_field(client, auth, secretary, dossier):
    nomination = dossier()
    auth.login(secretary)
    response = client.post(f"/review/nominations/{nomination.id}/reject", data={"reject-reason": "  "})
    assert response.status_code == 422
    assert 'id="reject-reason-error"' in response.get_data(as_text=True)
    assert status_of(nomination) is S.SUBMITTED


def test_reject_with_reason_is_shown_to_the_unit(client, auth, secretary, dossier, make_user):
    nomination = dossier()
    submitter = make_user(Role.UNIT_SUBMITTER, nomination.unit)
    auth.login(secretary)
    reason = {"reject-reason": "Mô hình mới triển khai 3 tháng, chưa có kết quả"}
    # Rejecting is final: the first post only asks, saying so and repeating the reason.
    asked = client.post(f"/review/nominations/{nomination.id}/reject", data=reason)
    html = asked.get_data(as_text=True)
    assert asked.status_code == 200 and "Không tiếp nhận hồ sơ này?" in html and "Không thể hoàn tác." in html
    assert "không được xét tiếp, đơn vị không sửa, nộp lại hồ sơ này được" in html
    assert "Lý do: Mô hình mới triển khai 3 tháng, chưa có kết quả" in html
    assert 'name="reject-reason" value="Mô hình mới triển khai 3 tháng, chưa có kết quả"' in html
    assert status_of(nomination) is S.SUBMITTED
    client.post(f"/review/nominations/{nomination.id}/reject", data={**reason, "confirmed": "1"})
    assert status_of(nomination) is S.REJECTED
    auth.logout()
    auth.login(submitter)
    page = page_of(client, f"/nominations/{nomination.id}")
    assert "Hồ sơ không được tiếp nhận" in page and "Mô hình mới triển khai 3 tháng, chưa có kết quả" in page
    notice = db.session.scalars(sa.select(Notification).where(Notification.user_id == submitter.id)).one()
    assert "không được tiếp nhận" in notice.message and notice.link == f"/nominations/{nomination.id}"


@pytest.mark.parametrize("typed", ["Chưa có biên bản bình xét", "Chưa có biên bản bình xét."])
def test_a_typed_reason_ends_the_units_notice_with_one_full_stop(dossier, secretary, make_user, typed):
    returned = dossier()
    rejected = dossier(unit=returned.unit)
    submitter = make_user(Role.UNIT_SUBMITTER, returned.unit)
    screening.return_for_completion(returned, secretary, typed)
    screening.reject(rejected, secretary, typed)
    db.session.commit()
    notices = db.session.scalars(sa.select(Notification.message).where(Notification.user_id == submitter.id).order_by(Notification.id)).all()
    assert [notice.endswith(": Chưa có biên bản bình xét.") for notice in notices] == [True, True]


def test_return_through_existing_nominations_route_still_works(client, auth, secretary, dossier):
    nomination = dossier()
    auth.login(secretary)
    client.post(f"/nominations/{nomination.id}/return", data={"reason": "Bổ sung biên bản"})
    assert status_of(nomination) is S.RETURNED


@pytest.mark.parametrize("phase", [CampaignStatus.PUBLIC_VOTING, CampaignStatus.COUNCIL_DECISION])
def test_screening_refused_outside_its_phases(client, auth, secretary, dossier, review_campaign, phase):
    nomination = dossier()
    review_campaign.status = phase
    db.session.commit()
    auth.login(secretary)
    page = client.post(f"/review/nominations/{nomination.id}/accept", follow_redirects=True).get_data(as_text=True)
    assert "chỉ tiếp nhận, trả lại hoặc không tiếp nhận hồ sơ trong giai đoạn nhận hồ sơ hoặc sơ loại và chấm điểm" in page
    response = client.post(f"/review/nominations/{nomination.id}/return", data={"return-reason": "Bổ sung"})
    assert response.status_code == 422
    assert status_of(nomination) is S.SUBMITTED


def test_screening_allowed_while_nominations_open(client, auth, make_nomination, make_user, make_unit, province):
    nomination = make_nomination(unit=make_unit(parent=province), status=S.SUBMITTED, title="Mô hình mở", nominee_name="Tổ mở")
    auth.login(make_user(Role.SECRETARY, province))
    client.post(f"/review/nominations/{nomination.id}/accept")
    assert status_of(nomination) is S.ACCEPTED


# --- the panel on the dossier page -------------------------------------------------------------------------


def test_panel_shows_checklist_and_forms_to_secretary_only(client, auth, secretary, chair, dossier, make_user):
    nomination = dossier()
    auth.login(secretary)
    page = page_of(client, f"/nominations/{nomination.id}")
    assert "Kiểm tra tính đầy đủ: 7/7 yêu cầu" in page
    for label in screening.CHECKLIST_LABELS.values():
        assert label in page
    assert f'action="/review/nominations/{nomination.id}/accept"' in page
    assert f'action="/review/nominations/{nomination.id}/hold"' in page
    auth.logout()

    auth.login(chair)
    page = page_of(client, f"/nominations/{nomination.id}")
    assert "Kiểm tra tính đầy đủ: 7/7 yêu cầu" in page
    assert "/review/nominations/" not in page  # the chair reads, the secretary decides
    auth.logout()

    auth.login(make_user(Role.UNIT_SUBMITTER, nomination.unit))
    page = page_of(client, f"/nominations/{nomination.id}")
    assert "Sơ loại hồ sơ" not in page and "Kiểm tra tính đầy đủ" not in page


def test_panel_lists_failing_rules_with_messages(client, auth, secretary, dossier):
    nomination = dossier(review_votes_for=20, review_votes_cast=58)
    auth.login(secretary)
    page = page_of(client, f"/nominations/{nomination.id}")
    assert "Kiểm tra tính đầy đủ: 6/7 yêu cầu" in page
    assert "chưa vượt ngưỡng 50%" in page
    assert "Tiếp nhận</strong>: chưa thực hiện được" in page


def test_checklist_reports_each_rule(dossier, secretary):
    nomination = dossier(locality="")
    checklist = screening.screening_info([nomination], secretary)[nomination.id].checklist
    assert [item.rule for item in checklist.items] == list(screening.CHECKLIST_LABELS)
    assert [item.rule for item in checklist.failing] == ["required_sections"]
    assert checklist.failing[0].messages == ("Vui lòng nhập “Địa bàn thực hiện”.",)
    assert (checklist.passed_count, checklist.total) == (6, 7)


# --- bulk acceptance (all or nothing) ---------------------------------------------------------------------


def test_bulk_accept_is_all_or_nothing(client, auth, secretary, dossier):
    good = [dossier(), dossier()]
    bad = dossier(results="")
    auth.login(secretary)
    response = client.post(
        f"/review/campaigns/{good[0].campaign_id}/inbox/accept",
        data={"nomination_ids": [str(n.id) for n in good + [bad]]},
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "Chưa tiếp nhận hồ sơ nào: 1/3 hồ sơ" in page
    assert f"Hồ sơ số {bad.id}" in page and "Kết quả đạt được" in page
    assert [status_of(n) for n in good + [bad]] == [S.SUBMITTED] * 3

    response = client.post(
        f"/review/campaigns/{good[0].campaign_id}/inbox/accept", data={"nomination_ids": [str(n.id) for n in good]}, follow_redirects=True
    )
    assert "Đã tiếp nhận 2 hồ sơ." in response.get_data(as_text=True)
    assert [status_of(n) for n in good + [bad]] == [S.ACCEPTED, S.ACCEPTED, S.SUBMITTED]


def test_bulk_accept_ignores_dossiers_of_other_campaigns(client, auth, secretary, dossier, make_nomination, make_campaign, make_unit, province):
    other_campaign = make_campaign(title="Đợt khác", organising_unit=province)
    foreign = make_nomination(campaign=other_campaign, unit=make_unit(parent=province), status=S.SUBMITTED, title="Khác", nominee_name="Khác")
    own = dossier()
    auth.login(secretary)
    client.post(f"/review/campaigns/{own.campaign_id}/inbox/accept", data={"nomination_ids": [str(own.id), str(foreign.id)]})
    assert (status_of(own), status_of(foreign)) == (S.ACCEPTED, S.SUBMITTED)


# --- the inbox -----------------------------------------------------------------------------------------------


def inbox_url(campaign, **args) -> str:
    query = "&".join(f"{key}={value}" for key, value in args.items())
    return f"/review/campaigns/{campaign.id}/inbox" + (f"?{query}" if query else "")


def test_inbox_lists_awaiting_dossiers_by_default_with_counts(client, auth, secretary, dossier, review_campaign):
    waiting = dossier(title="Mô hình chờ sơ loại")
    again = dossier(status=S.RESUBMITTED, title="Mô hình nộp lại")
    accepted = dossier(status=S.ACCEPTED, title="Mô hình đã tiếp nhận")
    auth.login(secretary)
    page = page_of(client, inbox_url(review_campaign))
    assert waiting.title in page and again.title in page and accepted.title not in page
    assert "Chờ sơ loại: 2" in page and "Đã tiếp nhận: 1" in page and "Tất cả: 3" in page
    assert "7/7" in page and "Tiếp nhận các hồ sơ đã chọn" in page
    page = page_of(client, inbox_url(review_campaign, status="accepted"))
    assert accepted.title in page and waiting.title not in page
    page = page_of(client, inbox_url(review_campaign, status="all"))
    assert all(n.title in page for n in (waiting, again, accepted))


def test_inbox_never_shows_drafts(client, auth, secretary, dossier, review_campaign):
    dossier(status=S.DRAFT, title="Bản nháp của xã")
    auth.login(secretary)
    assert "Bản nháp của xã" not in page_of(client, inbox_url(review_campaign, status="all"))


def test_inbox_filters_by_field_and_kind(client, auth, secretary, dossier, review_campaign):
    first_field, second_field = review_campaign.allowed_fields[:2]
    a = dossier(title="Mô hình lĩnh vực một", field=first_field)
    b = dossier(title="Điển hình lĩnh vực hai", field=second_field, kind=NomineeKind.INDIVIDUAL)
    auth.login(secretary)
    page = page_of(client, inbox_url(review_campaign, field=second_field.id))
    assert b.title in page and a.title not in page
    page = page_of(client, inbox_url(review_campaign, kind="collective"))
    assert a.title in page and b.title not in page


def test_inbox_filters_by_unit_subtree(client, auth, secretary, dossier, make_unit, review_campaign):
    district = make_unit("Huyện Sơn Tịnh", parent=review_campaign.organising_unit, kind="district")
    commune_in = make_unit("Xã Tịnh Hà", parent=district)
    village_in = make_unit("Thôn An Hòa", parent=commune_in, kind="village")
    commune_out = make_unit("Xã Bình Sơn", parent=review_campaign.organising_unit)
    deep = dossier(unit=village_in, title="Mô hình của thôn An Hòa")
    inside = dossier(unit=commune_in, title="Mô hình của xã Tịnh Hà")
    outside = dossier(unit=commune_out, title="Mô hình của xã Bình Sơn")
    auth.login(secretary)
    page = page_of(client, inbox_url(review_campaign))
    assert f'<option value="{district.id}"' in page  # the district is offered though it sent nothing itself
    page = page_of(client, inbox_url(review_campaign, unit=district.id))
    assert deep.title in page and inside.title in page and outside.title not in page


def test_inbox_unit_outside_campaign_is_ignored(client, auth, secretary, dossier, make_unit, review_campaign):
    foreign = make_unit("Tỉnh Bình Định", kind="province")
    listed = dossier(title="Mô hình vẫn hiện")
    auth.login(secretary)
    assert listed.title in page_of(client, inbox_url(review_campaign, unit=foreign.id))


def test_inbox_search_ignores_diacritics(client, auth, secretary, dossier, review_campaign):
    found = dossier(title="Dân vận khéo giữ gìn an ninh thôn xóm")
    missed = dossier(title="Mô hình camera an ninh tự quản")
    auth.login(secretary)
    page = page_of(client, inbox_url(review_campaign, q="dan van"))
    assert found.title in page and missed.title not in page


def test_duplicate_warning_across_two_campaigns(client, auth, secretary, dossier, make_campaign, make_nomination, make_unit, review_campaign):
    last_year = make_campaign(title="Bình xét Dân vận khéo năm trước", organising_unit=review_campaign.organising_unit, year=2025)
    commune = make_unit("Xã Đức Phổ", parent=review_campaign.organising_unit)
    earlier = make_nomination(
        campaign=last_year, unit=commune, status=S.ACCEPTED, title="Mô hình năm ngoái", nominee_name="Hội Cựu chiến binh xã Đức Phổ"
    )
    make_nomination(campaign=last_year, unit=commune, status=S.DRAFT, title="Bản nháp cũ", nominee_name="Hội Cựu chiến binh xã Đức Phổ")
    current = dossier(unit=commune, title="Mô hình năm nay", nominee_name="Hội Cựu chiến binh xã Đức Phổ")
    auth.login(secretary)
    page = page_of(client, inbox_url(review_campaign))
    assert "Trùng hồ sơ số" in page and "Bình xét Dân vận khéo năm trước" in page
    assert f'href="/nominations/{earlier.id}"' in page  # the same committee may open it
    page = page_of(client, f"/nominations/{current.id}")
    assert "Cảnh báo trùng hồ sơ" in page and "Cùng tập thể, cá nhân được đề nghị" in page
    assert "Bản nháp cũ" not in page
    # A duplicate in another campaign does not fail the checklist; it is a warning.
    assert "Kiểm tra tính đầy đủ: 7/7 yêu cầu" in page


def test_duplicate_of_another_committee_is_named_without_link(client, auth, secretary, dossier, make_campaign, make_nomination, make_unit):
    other_province = make_unit("Tỉnh Kon Tum", kind="province")
    foreign_campaign = make_campaign(title="Đợt của tỉnh bạn", organising_unit=other_province)
    theirs = make_nomination(
        campaign=foreign_campaign, unit=make_unit(parent=other_province), status=S.SUBMITTED,
        title="Cùng một mô hình", nominee_name="Tổ tự quản A",
    )
    mine = dossier(title="Cùng một mô hình", nominee_name="Tổ tự quản B")
    auth.login(secretary)
    page = page_of(client, f"/nominations/{mine.id}")
    assert "Đợt của tỉnh bạn" in page and "Cùng tên mô hình, điển hình" in page
    assert f'href="/nominations/{theirs.id}"' not in page


def test_same_nominee_live_in_same_campaign_fails_checklist(dossier, secretary):
    first = dossier(nominee_name="Đoàn Thanh niên xã An Phú")
    second = dossier(nominee_name="Đoàn Thanh niên xã An Phú")
    infos = screening.screening_info([first, second], secretary)
    assert [item.rule for item in infos[second.id].checklist.failing] == ["nominee_not_duplicated"]
    assert f"hồ sơ số {first.id}" in infos[second.id].checklist.failing[0].messages[0]


def test_inbox_query_count_does_not_grow_with_rows(client, auth, secretary, make_dossier, make_campaign, review_campaign, count_queries):
    other = make_campaign(title="Đợt năm trước", organising_unit=review_campaign.organising_unit, year=2025)

    def populate(count: int):
        for number in range(count):
            status = [S.SUBMITTED, S.RESUBMITTED, S.ON_HOLD][number % 3]
            nomination = make_dossier(status=status, title=f"Mô hình {number % 4}", nominee_name=f"Tổ {number}")
            if status is S.ON_HOLD:
                db.session.add(
                    screening.NominationHold(
                        nomination=nomination, category=HoldCategory.COMPLAINT, reason="Có đơn khiếu nại",
                        release_on=today_in_vietnam() + timedelta(days=30), previous_status=S.ACCEPTED,
                    )
                )
            if number % 5 == 0:  # a duplicate in last year's campaign
                from dvkheo.nominations.models import Nomination

                twin = Nomination(campaign=other, unit=nomination.unit, kind=nomination.kind, status=S.ACCEPTED,
                                  title=nomination.title, nominee_name=nomination.nominee_name)
                twin.refresh_derived()
                db.session.add(twin)
        db.session.commit()

    def measure() -> int:
        with count_queries() as counter:
            response = client.get(inbox_url(review_campaign, status="all"))
        assert response.status_code == 200
        return counter.count

    auth.login(secretary)
    populate(3)
    small = measure()
    populate(27)
    assert measure() == small, small


def test_inbox_search_matches_whole_words_as_typed(client, auth, secretary, dossier, review_campaign):
    red = dossier(title="Nồi cháo tình thương", nominee_name="Hội Chữ thập đỏ phường Cẩm Thành")
    others = [
        dossier(title="Phong trào đoàn kết vượt khó", nominee_name="Đoàn Thanh niên xã"),
        dossier(title="Vận động hộ nghèo làm ăn", nominee_name="Chi hội do dân bầu"),
        dossier(title="Trưởng thôn gương mẫu", nominee_name="Thôn Thọ Lộc"),
    ]
    village = dossier(title="Hũ gạo tình thương", nominee_name="Chi hội Nông dân thôn Trường Thọ")
    auth.login(secretary)
    page = page_of(client, inbox_url(review_campaign, q="đỏ"))
    assert red.title in page and not any(other.title in page for other in others) and village.title not in page
    page = page_of(client, inbox_url(review_campaign, q="Trường Thọ"))
    assert village.title in page and others[2].title not in page
    page = page_of(client, inbox_url(review_campaign, q="chu thap d"))  # still typing
    assert red.title in page and village.title not in page
