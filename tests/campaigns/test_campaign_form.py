"""Creating and editing a campaign: settings, phase dates, fields and the rubric."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from dvkheo.accounts.models import Role
from dvkheo.campaigns.models import Campaign, CampaignStatus, Criterion
from dvkheo.core import audit
from dvkheo.core.timeutil import today_in_vietnam
from dvkheo.extensions import db
from tests.campaigns.conftest import field_ids, rubric_rows, vn


def _campaigns() -> list[Campaign]:
    return list(db.session.scalars(sa.select(Campaign).order_by(Campaign.id)))


def test_new_form_offers_default_rubric_and_active_fields(client, login_as, province, reference_lists_seeded):
    login_as(Role.SECRETARY, province)
    response = client.get("/campaigns/new")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Tạo đợt bình xét" in html
    assert "Cách làm sáng tạo, khéo léo" in html
    assert "Tổng điểm tối đa" in html and "<strong>100</strong>" in html
    assert "Xây dựng hệ thống chính trị" in html
    assert 'name="organising_unit_id"' not in html  # a secretary does not choose the unit


def test_secretary_creates_campaign_with_rubric_in_order(client, login_as, province, make_unit, form_data):
    secretary = login_as(Role.SECRETARY, province)
    other = make_unit("Xã Khác", parent=province)
    rubric = [
        {"position": 1, "title": "Tiêu chí A", "description": "Mô tả A", "max_score": 30},
        {"position": 2, "title": "Tiêu chí B", "description": "", "max_score": 20},
        {"position": 2, "title": "Tiêu chí C, đưa lên thứ hai", "description": "", "max_score": 45},  # moved up
        {"title": "", "description": "", "max_score": ""},  # blank line: ignored
        {"position": 4, "title": "Tiêu chí bị xóa", "max_score": 5, "remove": True},
    ]
    data = form_data(rubric=rubric, organising_unit_id=str(other.id), field_ids=[str(i) for i in field_ids("environment", "food_safety")])
    response = client.post("/campaigns/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)

    (campaign,) = _campaigns()
    assert response.headers["Location"].endswith(f"/campaigns/{campaign.id}")
    assert campaign.organising_unit_id == province.id  # the posted unit is ignored for a secretary
    assert campaign.status is CampaignStatus.DRAFT
    assert [(c.position, c.title, c.max_score) for c in campaign.criteria] == [
        (1, "Tiêu chí A", 30),
        (2, "Tiêu chí C, đưa lên thứ hai", 45),
        (3, "Tiêu chí B", 20),
    ]
    assert campaign.max_total_score == 95
    assert [f.code for f in campaign.allowed_fields] == ["environment", "food_safety"]
    assert campaign.nominations_close_on == today_in_vietnam() + timedelta(days=30)
    (event,) = audit.history("campaign", campaign.id)
    assert (event.action, event.actor_id, event.to_state) == ("create", secretary.id, "draft")

    page = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert "Tiêu chí C, đưa lên thứ hai" in page and "<strong>95</strong>" in page


def test_admin_chooses_organising_unit(client, login_as, province, make_unit, form_data):
    login_as(Role.ADMIN)
    commune = make_unit("Phường Trần Phú", parent=province)
    html = client.get("/campaigns/new").get_data(as_text=True)
    assert 'name="organising_unit_id"' in html and "Phường Trần Phú" in html

    response = client.post("/campaigns/new", data=form_data())
    assert response.status_code == 422
    assert "Vui lòng chọn cơ quan tổ chức." in response.get_data(as_text=True)
    assert _campaigns() == []

    response = client.post("/campaigns/new", data=form_data(organising_unit_id=str(commune.id)))
    assert response.status_code == 302
    assert _campaigns()[0].organising_unit_id == commune.id


def test_invalid_dates_show_vietnamese_errors_and_keep_typed_values(client, login_as, province, form_data):
    login_as(Role.SECRETARY, province)
    today = today_in_vietnam()
    data = form_data(
        nominations_open_on="31/02/2026",
        nominations_close_on=vn(today + timedelta(days=10)),
        review_close_on=vn(today + timedelta(days=5)),  # before the nominations close
        title="Đợt thử nghiệm ngày sai",
    )
    response = client.post("/campaigns/new", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Ngày không hợp lệ; vui lòng nhập theo dạng ngày/tháng/năm" in html
    assert 'value="31/02/2026"' in html  # what the user typed stays in the box
    assert (
        f"Ngày kết thúc sơ loại, chấm điểm: Ngày này không được trước hạn cuối nhận hồ sơ ({vn(today + timedelta(days=10))})."
        in html
    )
    assert 'value="Đợt thử nghiệm ngày sai"' in html
    assert "Tiêu chí A" not in html and 'value="Cách làm sáng tạo"' in html  # rubric rows are kept too
    assert "Chưa lưu được" in html
    assert _campaigns() == []


def test_same_day_phases_are_allowed_and_empty_dates_are_optional(client, login_as, province, form_data):
    login_as(Role.SECRETARY, province)
    day = vn(today_in_vietnam())
    data = form_data(
        nominations_open_on=day, nominations_close_on=day, review_close_on="", public_voting_open_on="",
        public_voting_close_on="", decision_on="",
    )
    assert client.post("/campaigns/new", data=data).status_code == 302


def test_required_settings_and_rubric_lines_are_checked(client, login_as, province, form_data):
    login_as(Role.SECRETARY, province)
    rubric = [
        {"position": 1, "title": "Không có điểm", "max_score": ""},
        {"position": 2, "title": "Điểm bằng không", "max_score": "0"},
        {"position": 3, "title": "", "description": "Chỉ có mô tả", "max_score": "10"},
        {"position": 4, "title": "Điểm chữ", "max_score": "mười"},
    ]
    data = form_data(rubric=rubric, title="   ", year="", nominee_kinds=None, public_review_threshold_percent="120")
    response = client.post("/campaigns/new", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    for message in (
        "Vui lòng nhập tên đợt bình xét.",
        "Vui lòng nhập năm.",
        "Chọn ít nhất một loại hồ sơ: tập thể hoặc cá nhân.",
        "Tỷ lệ phải từ 0 đến 100.",
        "Vui lòng nhập điểm tối đa.",
        "Điểm tối đa phải lớn hơn 0.",
        "Vui lòng nhập tên tiêu chí.",
        "Vui lòng nhập một số nguyên",
    ):
        assert message in html, message
    assert 'value="mười"' in html
    assert "Not a valid" not in html and "This field" not in html
    assert _campaigns() == []


def test_add_rows_keeps_typed_values_and_saves_nothing(client, login_as, province, form_data):
    login_as(Role.SECRETARY, province)
    data = form_data(title="Đang soạn dở", save=None, add_rows="Thêm dòng tiêu chí")
    response = client.post("/campaigns/new", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'value="Đang soạn dở"' in html
    assert 'name="criteria-4-title"' in html  # 2 typed lines + 3 new blank ones
    assert _campaigns() == []


def test_edit_rubric_add_edit_remove_reorder(client, login_as, province, make_campaign):
    campaign = make_campaign(status=CampaignStatus.DRAFT)
    login_as(Role.SECRETARY, province)
    html = client.get(f"/campaigns/{campaign.id}/edit").get_data(as_text=True)
    assert "Cách làm sáng tạo, khéo léo" in html
    c1, c2, c3, c4, c5 = campaign.criteria
    removed_id, removed_title = c2.id, c2.title
    rows = [
        {"criterion_id": c1.id, "position": 1, "title": c1.title, "description": c1.description, "max_score": 30},
        {"criterion_id": c2.id, "position": 2, "title": c2.title, "description": c2.description, "max_score": 25, "remove": True},
        {"criterion_id": c3.id, "position": 3, "title": "Kết quả cụ thể, có số liệu", "description": "", "max_score": 25},
        {"criterion_id": c4.id, "position": 1, "title": c4.title, "description": c4.description, "max_score": 15},
        {"criterion_id": c5.id, "position": 5, "title": c5.title, "description": c5.description, "max_score": 10},
        {"position": "", "title": "Tiêu chí mới", "description": "", "max_score": 20},
    ]
    data = _edit_data(campaign, rows)
    response = client.post(f"/campaigns/{campaign.id}/edit", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)

    db.session.expire_all()
    criteria = db.session.get(Campaign, campaign.id).criteria
    assert [(c.position, c.title, c.max_score) for c in criteria] == [
        (1, c4.title, 15),
        (2, c1.title, 30),
        (3, "Kết quả cụ thể, có số liệu", 25),
        (4, c5.title, 10),
        (5, "Tiêu chí mới", 20),
    ]
    assert db.session.get(Criterion, removed_id) is None
    update = audit.history("campaign", campaign.id)[-1]
    assert update.action == "update"
    assert update.details["criteria"]["removed"] == [removed_title]
    assert update.details["criteria"]["added"] == ["Tiêu chí mới"]
    assert update.details["criteria"]["total"] == 100
    assert update.details["criteria"]["reordered"] is True
    page = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert "Xóa tiêu chí: " + removed_title in page


def _edit_data(campaign: Campaign, rows: list[dict], **overrides) -> dict:
    data = {
        "title": campaign.title,
        "year": str(campaign.year),
        "description": campaign.description,
        "nominations_open_on": vn(campaign.nominations_open_on) if campaign.nominations_open_on else "",
        "nominations_close_on": vn(campaign.nominations_close_on) if campaign.nominations_close_on else "",
        "nominee_kinds": [k.value for k in campaign.allowed_kinds],
        "field_ids": [str(f.id) for f in campaign.allowed_fields],
        "public_review_threshold_percent": str(campaign.public_review_threshold_percent),
        "reviewers_per_nomination": str(campaign.reviewers_per_nomination),
        "disagreement_threshold": str(campaign.disagreement_threshold),
        **{name: "y" for name in ("blind_scoring", "comments_required", "use_normalised_score", "has_public_stage") if getattr(campaign, name)},
        **_voting_data(campaign),
        "save": "Lưu",
    }
    data.update(rubric_rows(rows))
    for key, value in overrides.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def _voting_data(campaign: Campaign) -> dict:
    """Section 7 as the edit page shows it for `campaign` (no opening or closing moment set)."""
    return {
        "voter_verification": campaign.voter_verification.value,
        "votes_per_voter": str(campaign.votes_per_voter),
        "public_vote_share_percent": str(campaign.public_vote_share_percent),
        **{
            name: "y"
            for name in ("assisted_voting", "vote_withdrawal_allowed", "live_tallies", "publish_objection_answers")
            if getattr(campaign, name)
        },
    }


def _rows_of(campaign: Campaign) -> list[dict]:
    return [
        {"criterion_id": c.id, "position": c.position, "title": c.title, "description": c.description, "max_score": c.max_score}
        for c in campaign.criteria
    ]


def test_criterion_with_evidence_cannot_be_removed(client, login_as, province, make_campaign, make_nomination):
    campaign = make_campaign()
    nomination = make_nomination(campaign=campaign)
    criterion = campaign.criteria[0]
    nomination.attachments[0].criterion_id = criterion.id
    db.session.commit()
    login_as(Role.SECRETARY, province)

    rows = _rows_of(campaign)
    rows[0]["remove"] = True
    rows[1]["title"] = "Sửa đổi không được lưu"
    response = client.post(f"/campaigns/{campaign.id}/edit", data=_edit_data(campaign, rows))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f"Không thể xóa tiêu chí “{criterion.title}”: đã có 1 tệp minh chứng gắn với tiêu chí này." in html
    assert 'value="Sửa đổi không được lưu"' in html
    db.session.expire_all()
    assert db.session.get(Criterion, criterion.id) is not None
    assert campaign.criteria[1].title != "Sửa đổi không được lưu"  # nothing of the refused save was kept

    # Editing the same criterion (not removing it) is fine.
    rows = _rows_of(campaign)
    rows[0]["title"] = "Cách làm sáng tạo, khéo léo (sửa)"
    assert client.post(f"/campaigns/{campaign.id}/edit", data=_edit_data(campaign, rows)).status_code == 302
    db.session.expire_all()
    assert db.session.get(Criterion, criterion.id).title == "Cách làm sáng tạo, khéo léo (sửa)"


def test_field_and_kind_in_use_cannot_be_dropped(client, login_as, province, make_campaign, make_nomination):
    campaign = make_campaign()
    nomination = make_nomination(campaign=campaign)  # collective, in the campaign's first field
    login_as(Role.SECRETARY, province)
    kept = [str(f.id) for f in campaign.allowed_fields if f.id != nomination.field_id]
    data = _edit_data(campaign, _rows_of(campaign), field_ids=kept, nominee_kinds=["individual"])
    response = client.post(f"/campaigns/{campaign.id}/edit", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f"Không thể bỏ lĩnh vực “{nomination.field.name}”: đã có 1 hồ sơ đề nghị thuộc lĩnh vực này." in html
    assert "Không thể ngừng nhận hồ sơ tập thể: đã có 1 hồ sơ tập thể trong đợt bình xét." in html


def test_forged_criterion_id_of_another_campaign_is_never_touched(client, login_as, province, make_campaign):
    mine = make_campaign(status=CampaignStatus.DRAFT)
    theirs = make_campaign(status=CampaignStatus.DRAFT, title="Đợt khác")
    foreign = theirs.criteria[0]
    login_as(Role.SECRETARY, province)
    rows = _rows_of(mine) + [{"criterion_id": foreign.id, "position": 9, "title": "Chiếm đoạt", "max_score": 1, "remove": True}]
    assert client.post(f"/campaigns/{mine.id}/edit", data=_edit_data(mine, rows)).status_code == 302
    db.session.expire_all()
    assert db.session.get(Criterion, foreign.id).title == foreign.title
    assert len(db.session.get(Campaign, theirs.id).criteria) == 5


def test_rubric_is_frozen_from_review_on(client, login_as, province, make_campaign):
    campaign = make_campaign(status=CampaignStatus.REVIEW)
    login_as(Role.SECRETARY, province)
    html = client.get(f"/campaigns/{campaign.id}/edit").get_data(as_text=True)
    assert "Thang điểm đã khóa" in html and 'name="criteria-0-title"' not in html
    rows = _rows_of(campaign)
    rows[0]["remove"] = True
    new_close = today_in_vietnam() + timedelta(days=60)
    data = _edit_data(campaign, rows, nominations_close_on=vn(new_close))
    assert client.post(f"/campaigns/{campaign.id}/edit", data=data).status_code == 302
    db.session.expire_all()
    campaign = db.session.get(Campaign, campaign.id)
    assert len(campaign.criteria) == 5  # the posted rubric was ignored
    assert campaign.nominations_close_on == new_close  # other settings still change
    change = audit.history("campaign", campaign.id)[-1].details["settings"]["nominations_close_on"]
    assert change[1] == new_close.isoformat()


def test_deactivated_field_stays_on_campaign_but_is_not_offered_to_new_ones(client, login_as, province, make_campaign):
    campaign = make_campaign(status=CampaignStatus.DRAFT)
    field = campaign.allowed_fields[0]
    field.active = False
    db.session.commit()
    login_as(Role.SECRETARY, province)
    html = client.get(f"/campaigns/{campaign.id}/edit").get_data(as_text=True)
    assert f"{field.name} (ngừng sử dụng)" in html
    assert client.post(f"/campaigns/{campaign.id}/edit", data=_edit_data(campaign, _rows_of(campaign))).status_code == 302
    db.session.expire_all()
    assert field in db.session.get(Campaign, campaign.id).allowed_fields
    assert field.name not in client.get("/campaigns/new").get_data(as_text=True)


def test_closed_campaign_cannot_be_edited(client, login_as, province, make_campaign):
    campaign = make_campaign(status=CampaignStatus.CLOSED)
    login_as(Role.SECRETARY, province)
    response = client.get(f"/campaigns/{campaign.id}/edit", follow_redirects=True)
    assert "Đợt bình xét đã kết thúc, không thể sửa thông tin." in response.get_data(as_text=True)


def test_unchanged_save_records_no_update(client, login_as, province, make_campaign):
    campaign = make_campaign(status=CampaignStatus.DRAFT, review_close_on=None)
    login_as(Role.SECRETARY, province)
    assert client.post(f"/campaigns/{campaign.id}/edit", data=_edit_data(campaign, _rows_of(campaign))).status_code == 302
    assert [e.action for e in audit.history("campaign", campaign.id)] == ["create"]


def test_admin_moves_a_draft_campaign_to_another_unit_but_not_later(client, login_as, province, make_unit, make_campaign):
    district = make_unit("Huyện Nghĩa Hành", kind="district", parent=province)
    campaign = make_campaign(status=CampaignStatus.DRAFT)
    login_as(Role.ADMIN)
    data = _edit_data(campaign, _rows_of(campaign), organising_unit_id=str(district.id))
    assert client.post(f"/campaigns/{campaign.id}/edit", data=data).status_code == 302
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).organising_unit.name == "Huyện Nghĩa Hành"

    campaign.status = CampaignStatus.NOMINATIONS_OPEN
    db.session.commit()
    assert 'name="organising_unit_id"' not in client.get(f"/campaigns/{campaign.id}/edit").get_data(as_text=True)
    data = _edit_data(campaign, _rows_of(campaign), organising_unit_id=str(province.id))
    assert client.post(f"/campaigns/{campaign.id}/edit", data=data).status_code == 302
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).organising_unit_id == district.id


def test_review_settings_are_saved_and_audited(client, login_as, province, make_campaign):
    campaign = make_campaign()
    login_as(Role.SECRETARY, province)
    data = _edit_data(
        campaign, _rows_of(campaign), reviewers_per_nomination="3", disagreement_threshold="20",
        blind_scoring=None, use_normalised_score="y", has_public_stage=None,
    )
    response = client.post(f"/campaigns/{campaign.id}/edit", data=data)
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Campaign, campaign.id)
    assert (saved.reviewers_per_nomination, saved.disagreement_threshold) == (3, 20)
    assert (saved.blind_scoring, saved.comments_required, saved.use_normalised_score, saved.has_public_stage) == (
        False, True, True, False,
    )
    update = audit.history("campaign", campaign.id)[-1]
    assert update.details["settings"]["reviewers_per_nomination"] == [2, 3]


def test_review_settings_out_of_range_keep_what_was_typed(client, login_as, province, make_campaign):
    campaign = make_campaign()
    login_as(Role.SECRETARY, province)
    data = _edit_data(campaign, _rows_of(campaign), reviewers_per_nomination="0", title="Tên đã sửa")
    response = client.post(f"/campaigns/{campaign.id}/edit", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Giá trị không được nhỏ hơn 1." in html
    assert 'value="Tên đã sửa"' in html
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).reviewers_per_nomination == 2


def test_too_long_criterion_title_names_the_limit(client, login_as, province, make_campaign):
    campaign = make_campaign()
    login_as(Role.SECRETARY, province)
    rows = _rows_of(campaign)
    rows[0]["title"] = "x" * 301
    response = client.post(f"/campaigns/{campaign.id}/edit", data=_edit_data(campaign, rows))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Nội dung quá dài (tối đa 300 ký tự)." in html and "{max}" not in html


# --- section 7: public voting ---------------------------------------------------------------------


def test_voting_settings_are_saved_in_vietnam_time_and_audited(client, login_as, province, make_campaign):
    from datetime import datetime, timezone

    from dvkheo.campaigns.models import VoterVerification

    campaign = make_campaign()
    login_as(Role.SECRETARY, province)
    data = _edit_data(
        campaign, _rows_of(campaign), voter_verification="voter_list", votes_per_voter="5", public_vote_share_percent="30",
        assisted_voting=None, vote_withdrawal_allowed=None, live_tallies="y", publish_objection_answers=None,
        voting_opens_date="01/11/2026", voting_opens_time="07:30", voting_closes_date="15/11/2026", voting_closes_time="17:00",
    )
    assert client.post(f"/campaigns/{campaign.id}/edit", data=data).status_code == 302
    db.session.expire_all()
    saved = db.session.get(Campaign, campaign.id)
    assert saved.voter_verification is VoterVerification.VOTER_LIST
    assert (saved.votes_per_voter, saved.public_vote_share_percent) == (5, 30)
    assert (saved.assisted_voting, saved.vote_withdrawal_allowed, saved.live_tallies, saved.publish_objection_answers) == (
        False, False, True, False,
    )
    opens, closes = saved.voting_window()
    assert opens == datetime(2026, 11, 1, 0, 30, tzinfo=timezone.utc)  # 07:30 in Vietnam (UTC+7)
    assert closes.astimezone(timezone.utc).replace(second=0, microsecond=0) == datetime(2026, 11, 15, 10, 0, tzinfo=timezone.utc)
    assert closes.second == 59  # the closing minute counts whole
    update = audit.history("campaign", campaign.id)[-1]
    assert update.details["settings"]["votes_per_voter"] == [3, 5]
    assert update.details["settings"]["voter_verification"] == ["email_code", "voter_list"]
    # The edit page shows the moments back as typed, and saving again records nothing.
    html = client.get(f"/campaigns/{campaign.id}/edit").get_data(as_text=True)
    assert 'value="07:30"' in html and 'value="17:00"' in html and 'value="01/11/2026"' in html
    again = _edit_data(
        saved, _rows_of(saved), voting_opens_date="01/11/2026", voting_opens_time="07:30",
        voting_closes_date="15/11/2026", voting_closes_time="17:00",
    )
    assert client.post(f"/campaigns/{campaign.id}/edit", data=again).status_code == 302
    assert len(audit.history("campaign", campaign.id)) == 2


def test_closing_moment_before_opening_is_refused_keeping_typed_values(client, login_as, province, make_campaign):
    campaign = make_campaign()
    login_as(Role.SECRETARY, province)
    data = _edit_data(
        campaign, _rows_of(campaign), votes_per_voter="7",
        voting_opens_date="10/11/2026", voting_opens_time="08:00", voting_closes_date="10/11/2026", voting_closes_time="7:15",
    )
    response = client.post(f"/campaigns/{campaign.id}/edit", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Thời điểm kết thúc bình chọn phải sau thời điểm bắt đầu (08:00 10/11/2026)." in html
    assert 'value="7:15"' in html and 'value="7"' in html
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).voting_closes_at is None


def test_voting_settings_out_of_range_or_malformed_show_vietnamese_errors(client, login_as, province, make_campaign):
    campaign = make_campaign()
    login_as(Role.SECRETARY, province)
    data = _edit_data(
        campaign, _rows_of(campaign), votes_per_voter="101", public_vote_share_percent="", voting_opens_time="25:00",
        voting_closes_time="17:00",
    )
    html = client.post(f"/campaigns/{campaign.id}/edit", data=data).get_data(as_text=True)
    assert "Giá trị không được lớn hơn 100." in html
    assert "Vui lòng nhập tỷ trọng (từ 0 đến 100; 0: bình chọn chỉ để tham khảo)." in html
    assert "Giờ không hợp lệ; vui lòng nhập theo dạng giờ:phút" in html
    assert "Vui lòng nhập cả ngày (hoặc để trống cả ngày và giờ)." in html


def test_an_out_of_range_year_gets_one_message_not_two(client, login_as, province, make_campaign):
    campaign = make_campaign()
    login_as(Role.SECRETARY, province)
    data = _edit_data(campaign, _rows_of(campaign), year="2.147.483.648")
    html = client.post(f"/campaigns/{campaign.id}/edit", data=data).get_data(as_text=True)
    assert "Giá trị không được lớn hơn 2.147.483.647." in html
    assert "Năm phải từ 2000 đến 2100." not in html  # the same problem, told once


def test_votes_per_voter_is_fixed_once_someone_voted(client, login_as, province, make_campaign):
    from dvkheo.voting.models import Vote, VoteChannel, Voter

    campaign = make_campaign()
    nomination_unit = campaign.organising_unit
    from dvkheo.nominations.models import Nomination

    nomination = Nomination(campaign=campaign, unit=nomination_unit, kind=campaign.allowed_kinds[0], title="Mô hình")
    voter = Voter(campaign=campaign, identity_key="email:x", active_votes=1, channel=VoteChannel.ONLINE)
    db.session.add_all([nomination, voter])
    db.session.flush()
    db.session.add(Vote(campaign_id=campaign.id, voter_id=voter.id, nomination_id=nomination.id, channel=VoteChannel.ONLINE, receipt_code="BC-TEST-TEST-TEST"))
    db.session.commit()
    login_as(Role.SECRETARY, province)
    response = client.post(f"/campaigns/{campaign.id}/edit", data=_edit_data(campaign, _rows_of(campaign), votes_per_voter="5"))
    assert response.status_code == 422
    assert "Không thể đổi “Số mô hình, điển hình mỗi người được bình chọn”: đã có người bình chọn" in response.get_data(as_text=True)
    # Other settings stay editable.
    response = client.post(f"/campaigns/{campaign.id}/edit", data=_edit_data(campaign, _rows_of(campaign), live_tallies="y"))
    assert response.status_code == 302
