"""Citizens identify with an emailed one-time code: sign-in, one voter per address, attempts,
expiry, single use, rate limits, and no readable address in the database."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from dvkheo.campaigns.models import CampaignStatus
from dvkheo.core.notifications import OutboxMessage
from dvkheo.core.timeutil import today_in_vietnam, utcnow
from dvkheo.extensions import db, limiter
from dvkheo.voting.models import EmailCode, VoteChannel, Voter

EMAIL = "Nguyen.Thi.Lan@Example.vn"


def identify_url(campaign) -> str:
    return f"/binh-chon/dot/{campaign.id}/xac-thuc"


def code_url(campaign) -> str:
    return f"/binh-chon/dot/{campaign.id}/nhap-ma"


def request_code(client, campaign, email: str = EMAIL, **extra):
    return client.post(identify_url(campaign), data={"email": email, "consent": "y", "website": "", **extra})


def send_code(client, campaign, code: str):
    return client.post(code_url(campaign), data={"code": code, "website": ""})


def last_code() -> str:
    message = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    return re.search(r"\b(\d{6})\b", message.body).group(1)


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def signed_in_voter_id(client, campaign):
    with client.session_transaction() as session:
        return session.get(f"voter:{campaign.id}")


def test_email_code_request_sends_a_code_to_the_outbox(client, voting_campaign):
    response = request_code(client, voting_campaign)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(code_url(voting_campaign))
    message = db.session.scalars(sa.select(OutboxMessage)).one()
    assert message.recipient == EMAIL
    assert voting_campaign.title in message.body
    assert re.search(r"Mã xác thực bình chọn của bạn là: \d{6}", message.body)
    page = client.get(code_url(voting_campaign)).get_data(as_text=True)
    assert "mã xác thực gồm 6 chữ số đã được gửi tới hộp thư đó" in page


def test_email_code_right_code_signs_in_and_creates_one_voter(client, voting_campaign):
    request_code(client, voting_campaign)
    response = send_code(client, voting_campaign, last_code())
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/binh-chon/dot/{voting_campaign.id}/phieu")
    voter = db.session.scalars(sa.select(Voter)).one()
    assert voter.campaign_id == voting_campaign.id
    assert voter.identity_key.startswith("email:") and len(voter.identity_key) == len("email:") + 64
    assert signed_in_voter_id(client, voting_campaign) == voter.id
    assert "Xác thực thành công" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_email_code_same_address_later_finds_the_same_voter(client, voting_campaign):
    request_code(client, voting_campaign)
    send_code(client, voting_campaign, last_code())
    first_id = signed_in_voter_id(client, voting_campaign)
    client.post(f"/binh-chon/dot/{voting_campaign.id}/thoat")
    assert signed_in_voter_id(client, voting_campaign) is None

    request_code(client, voting_campaign, email="  nguyen.thi.lan@example.VN ")  # case and spaces do not matter
    send_code(client, voting_campaign, last_code())
    assert signed_in_voter_id(client, voting_campaign) == first_id
    assert count(Voter) == 1


def test_email_code_wrong_tries_are_counted_and_five_refuse(client, voting_campaign):
    request_code(client, voting_campaign)
    code = last_code()
    for left in (4, 3, 2, 1):
        response = send_code(client, voting_campaign, wrong(code))
        assert response.status_code == 422
        assert f"Mã xác thực không đúng. Bạn còn {left} lần thử." in response.get_data(as_text=True)
    fifth = send_code(client, voting_campaign, wrong(code)).get_data(as_text=True)
    assert "Mã xác thực không đúng. Bạn đã nhập sai mã 5 lần. Vui lòng yêu cầu gửi mã mới." in fifth
    response = send_code(client, voting_campaign, code)  # even the right code, now
    assert response.status_code == 422
    assert "Bạn đã nhập sai mã 5 lần. Vui lòng yêu cầu gửi mã mới." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(EmailCode.attempts)) == 5
    assert count(Voter) == 0
    assert signed_in_voter_id(client, voting_campaign) is None


def test_email_code_expired_is_refused(client, voting_campaign):
    request_code(client, voting_campaign)
    code = last_code()
    db.session.execute(sa.update(EmailCode).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    response = send_code(client, voting_campaign, code)
    assert response.status_code == 422
    assert "Mã xác thực đã hết hạn. Vui lòng yêu cầu gửi mã mới." in response.get_data(as_text=True)
    assert count(Voter) == 0


def test_email_code_cannot_be_used_twice(client, voting_campaign, app):
    request_code(client, voting_campaign)
    code = last_code()
    with client.session_transaction() as session:
        challenge = session[f"voter_challenge:{voting_campaign.id}"]
    assert send_code(client, voting_campaign, code).status_code == 303

    # The same code from another browser holding the same pending challenge.
    other = app.test_client()
    with other.session_transaction() as session:
        session[f"voter_challenge:{voting_campaign.id}"] = challenge
    response = send_code(other, voting_campaign, code)
    assert response.status_code == 422
    assert "Mã xác thực này đã được sử dụng." in response.get_data(as_text=True)
    assert signed_in_voter_id(other, voting_campaign) is None


def test_email_code_new_request_replaces_the_older_code(client, voting_campaign):
    request_code(client, voting_campaign)
    first = last_code()
    request_code(client, voting_campaign)
    second = last_code()
    assert count(EmailCode) == 1
    if first != second:
        assert send_code(client, voting_campaign, first).status_code == 422
    assert send_code(client, voting_campaign, second).status_code == 303


def test_database_holds_no_readable_email(client, voting_campaign):
    request_code(client, voting_campaign)
    code = last_code()
    send_code(client, voting_campaign, code)
    stored = [
        str(value)
        for model in (EmailCode, Voter)
        for row in db.session.execute(sa.select(model.__table__)).all()
        for value in row
    ]
    assert stored
    for text in stored:
        assert "example" not in text.lower() and "lan" not in text.lower() and "@" not in text
        assert code not in text


def test_code_page_without_a_request_sends_back_to_identify(client, voting_campaign):
    response = client.get(code_url(voting_campaign))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(identify_url(voting_campaign))


def test_identify_refused_when_voting_has_closed(client, voting_campaign):
    voting_campaign.public_voting_close_on = today_in_vietnam() - timedelta(days=1)
    db.session.commit()
    page = client.get(identify_url(voting_campaign)).get_data(as_text=True)
    assert "Đã hết thời gian bình chọn" in page
    assert 'name="email"' not in page
    response = request_code(client, voting_campaign)
    assert response.status_code == 422
    assert "Đã hết thời gian bình chọn" in response.get_data(as_text=True)
    assert count(OutboxMessage) == 0 and count(EmailCode) == 0


def test_identify_refused_before_the_window_opens(client, voting_campaign):
    voting_campaign.public_voting_open_on = today_in_vietnam() + timedelta(days=1)
    db.session.commit()
    response = request_code(client, voting_campaign)
    assert "Chưa đến thời gian bình chọn" in response.get_data(as_text=True)
    assert count(OutboxMessage) == 0


def test_identify_answers_404_for_a_campaign_not_in_public(client, voting_campaign):
    voting_campaign.status = CampaignStatus.REVIEW
    db.session.commit()
    assert client.get(identify_url(voting_campaign)).status_code == 404
    assert client.get(f"/binh-chon/dot/{voting_campaign.id + 999}/xac-thuc").status_code == 404


def test_identify_invalid_email_gets_a_message_beside_the_field(client, voting_campaign):
    response = request_code(client, voting_campaign, email="khong-phai-thu")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Địa chỉ thư điện tử không hợp lệ" in page
    assert 'value="khong-phai-thu"' in page
    assert count(OutboxMessage) == 0


def test_identify_honeypot_sends_nothing_and_looks_the_same(client, voting_campaign):
    response = request_code(client, voting_campaign, website="http://spam.example")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(code_url(voting_campaign))
    assert count(OutboxMessage) == 0 and count(EmailCode) == 0


def test_identify_page_links_the_dev_outbox_only_when_it_is_on(client, voting_campaign, app):
    assert "Môi trường thử nghiệm: xem thư đã gửi" in client.get(identify_url(voting_campaign)).get_data(as_text=True)
    app.config["DEV_OUTBOX"] = False
    try:
        assert "Môi trường thử nghiệm" not in client.get(identify_url(voting_campaign)).get_data(as_text=True)
    finally:
        app.config["DEV_OUTBOX"] = True


@pytest.fixture
def tight_code_limit(app):
    app.config["EMAIL_CODE_RATE_LIMIT"] = "2 per minute"
    limiter.reset()
    yield
    app.config["EMAIL_CODE_RATE_LIMIT"] = "1000 per minute"
    limiter.reset()


def test_code_requests_are_limited_per_address_across_addresses_of_ip(client, voting_campaign, tight_code_limit):
    for number in range(2):
        response = client.post(
            identify_url(voting_campaign), data={"email": EMAIL, "consent": "y", "website": ""},
            environ_base={"REMOTE_ADDR": f"10.0.0.{number + 1}"},
        )
        assert response.status_code == 303
    third = client.post(
        identify_url(voting_campaign), data={"email": EMAIL.upper(), "consent": "y", "website": ""}, environ_base={"REMOTE_ADDR": "10.0.0.9"}
    )
    assert third.status_code == 429
    assert "Thao tác quá nhanh" in third.get_data(as_text=True)
    other = client.post(
        identify_url(voting_campaign), data={"email": "khac@example.vn", "consent": "y", "website": ""}, environ_base={"REMOTE_ADDR": "10.0.0.10"}
    )
    assert other.status_code == 303


def test_code_requests_are_limited_per_ip(client, voting_campaign, tight_code_limit):
    for number in range(2):
        assert request_code(client, voting_campaign, email=f"nguoi{number}@example.vn").status_code == 303
    assert request_code(client, voting_campaign, email="nguoi9@example.vn").status_code == 429


@pytest.mark.parametrize("injected", [
    "cutri@example.vn\r\nBcc: ke-xau@evil.example",
    "cutri@example.vn\nSubject: Ma moi",
    "cutri@example.vn, ke-xau@evil.example",
])
def test_identify_address_with_a_line_break_or_a_second_recipient_sends_nothing(client, voting_campaign, injected):
    """ASVS 5.0 V1.3.11: the code mail cannot get an extra header or recipient from the address."""
    response = request_code(client, voting_campaign, email=injected)

    assert response.status_code == 422
    assert "Địa chỉ thư điện tử không hợp lệ" in response.get_data(as_text=True)
    assert count(OutboxMessage) == 0 and count(EmailCode) == 0


@pytest.mark.parametrize("typed, same_as", [
    ("Lan@Example.vn", "lan@example.vn"),
    ("lan+1@example.vn", "lan@example.vn"),
    ("lan+binh-chon+2@example.vn", "lan@example.vn"),
    ("N.T.Lan@gmail.com", "ntlan@gmail.com"),
    ("ntlan+3@googlemail.com", "ntlan@gmail.com"),
    ("n.t.lan@googlemail.com.", "ntlan@gmail.com"),
])
def test_email_addresses_of_one_mailbox_normalise_to_one(app, typed, same_as):
    from dvkheo.voting.identity import email_hash, normalise_email

    assert normalise_email(typed) == same_as
    with app.app_context():
        assert email_hash(typed) == email_hash(same_as)


def test_dots_count_at_providers_that_keep_them(app):
    from dvkheo.voting.identity import email_hash, normalise_email

    assert normalise_email("n.t.lan@example.vn") == "n.t.lan@example.vn"
    assert email_hash("n.t.lan@example.vn") != email_hash("ntlan@example.vn")


def test_plus_addresses_are_one_voter_with_one_set_of_votes(client, app, voting_campaign, make_nominee):
    """"name+1@", "name+2@" and "Name@" are one voter: the third sign-in finds the first one's votes
    and slots (issue 14, item 6)."""
    from dvkheo.voting import ledger

    nominees = [make_nominee() for _ in range(4)]
    voter_ids = []
    for index, address in enumerate(["lan+1@gmail.com", "l.a.n+2@googlemail.com", "LAN@gmail.com", "lan@gmail.com"]):
        browser = app.test_client()
        request_code(browser, voting_campaign, address)
        send_code(browser, voting_campaign, last_code())
        voter_ids.append(signed_in_voter_id(browser, voting_campaign))
        browser.post(f"/binh-chon/dot/{voting_campaign.id}/binh-chon", data={"nomination_id": str(nominees[index].id), "website": ""})
    assert len(set(voter_ids)) == 1 and count(Voter) == 1
    db.session.expire_all()
    assert db.session.get(Voter, voter_ids[0]).active_votes == voting_campaign.votes_per_voter == 3
    assert sum(ledger.tallies(voting_campaign.id).values()) == 3  # the fourth address got no fourth vote
    assert ledger.verify(voting_campaign.id).ok


def test_a_voter_identified_before_normalisation_keeps_their_votes(client, voting_campaign, make_nominee):
    """A campaign running across the upgrade: "N.T.Lan@gmail.com" was "email:<hash of n.t.lan@gmail.com>";
    signing in again finds that voter (now under the normalised key), with its votes and no new slots."""
    from dvkheo.voting import ledger
    from dvkheo.voting.identity import email_hash, legacy_email_hash

    old = Voter(campaign=voting_campaign, identity_key="email:" + legacy_email_hash("N.T.Lan@gmail.com"))
    db.session.add(old)
    db.session.commit()
    for nominee in (make_nominee(), make_nominee()):
        ledger.cast(voting_campaign, old, nominee, VoteChannel.ONLINE)
        db.session.commit()
    request_code(client, voting_campaign, "N.T.Lan@gmail.com")
    send_code(client, voting_campaign, last_code())
    assert signed_in_voter_id(client, voting_campaign) == old.id and count(Voter) == 1
    db.session.expire_all()
    assert db.session.get(Voter, old.id).identity_key == "email:" + email_hash("ntlan@gmail.com")
    assert db.session.get(Voter, old.id).active_votes == 2
