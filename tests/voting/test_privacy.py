"""No public output names a voter: not the pages of the public blueprint (whatever they are), not
another voter's ballot, not the receipt check, not the verification command."""
from __future__ import annotations

from datetime import date

import pytest
from flask import url_for

from dvkheo.extensions import db
from dvkheo.voting import ledger
from dvkheo.voting.models import Vote, VoteChannel, Voter, VoterListEntry
from dvkheo.voting.session import session_values

SECRET_NAME = "Phạm Thị Kín Đáo"
SECRET_HASH = "f00dfeed" * 8
SECRET_EMAIL_KEY = "email:" + "c0ffee42" * 8


@pytest.fixture
def secret_votes(voting_campaign, make_nominee):
    """Two voters with known identities (a list entry and an email hash) who voted; their receipts."""
    nominees = [make_nominee("Mô hình công khai một"), make_nominee("Mô hình công khai hai")]
    entry = VoterListEntry(
        campaign_id=voting_campaign.id, id_number_hash=SECRET_HASH, full_name=SECRET_NAME, name_key="pham thi kin dao",
        birth_date=date(1970, 3, 4), locality="Thôn Bí Mật",
    )
    db.session.add(entry)
    db.session.flush()
    listed = Voter(campaign=voting_campaign, identity_key=f"list:{entry.id}", list_entry=entry)
    emailed = Voter(campaign=voting_campaign, identity_key=SECRET_EMAIL_KEY)
    db.session.add_all([listed, emailed])
    db.session.commit()
    receipts = []
    for voter in (listed, emailed):
        for nominee in nominees:
            receipts.append(ledger.cast(voting_campaign, voter, nominee, VoteChannel.ONLINE).receipt_code)
            db.session.commit()
    voting_campaign.live_tallies = True
    db.session.commit()
    return {"nominees": nominees, "voters": [listed, emailed], "receipts": receipts, "entry": entry}


def secrets_of(data) -> list[str]:
    listed, emailed = data["voters"]
    return [SECRET_NAME, SECRET_HASH, SECRET_EMAIL_KEY, "c0ffee42", listed.identity_key, emailed.identity_key,
            "Thôn Bí Mật", "04/03/1970", f"voter:{listed.campaign_id}"]


def public_urls(app, campaign, nominee) -> list[str]:
    """Every GET page of the public blueprint that needs only the campaign (and a nominee)."""
    urls = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if not rule.endpoint.startswith("voting.") or "GET" not in rule.methods:
                continue
            values = {"campaign_id": campaign.id, "nomination_id": nominee.id}
            if not set(rule.arguments) <= set(values):
                continue
            urls.append(url_for(rule.endpoint, **{k: v for k, v in values.items() if k in rule.arguments}))
    return urls


def assert_clean(html: str, secrets: list[str], where: str) -> None:
    for secret in secrets:
        assert secret not in html, f"{secret!r} shown on {where}"


def test_public_pages_never_show_a_voter(app, client, voting_campaign, secret_votes):
    urls = public_urls(app, voting_campaign, secret_votes["nominees"][0])
    assert any(url.endswith("/ket-qua") for url in urls)
    for url in urls:
        response = client.get(url, follow_redirects=True)
        assert response.status_code < 500, url
        assert_clean(response.get_data(as_text=True), secrets_of(secret_votes), url)


def test_receipt_check_shows_no_voter(client, voting_campaign, secret_votes):
    for code in secret_votes["receipts"]:
        html = client.get(f"/binh-chon/dot/{voting_campaign.id}/ma-xac-nhan", query_string={"ma": code}).get_data(as_text=True)
        assert "Phiếu bình chọn đã được ghi nhận và đang được tính." in html
        assert_clean(html, secrets_of(secret_votes), "the receipt check")


def test_another_voters_ballot_shows_none_of_their_receipts(app, client, voting_campaign, secret_votes, make_voter):
    newcomer = make_voter()
    with client.session_transaction() as sess:
        sess.update(session_values(voting_campaign.id, newcomer.id, newcomer.session_version))
    html = client.get(f"/binh-chon/dot/{voting_campaign.id}/phieu").get_data(as_text=True)
    assert "Bạn đã bình chọn <strong>0/3</strong>" in html and "Bạn chưa bình chọn." in html
    assert_clean(html, secrets_of(secret_votes) + secret_votes["receipts"], "another voter's ballot")
    for url in public_urls(app, voting_campaign, secret_votes["nominees"][0]):
        page = client.get(url, follow_redirects=True).get_data(as_text=True)
        assert_clean(page, secrets_of(secret_votes) + secret_votes["receipts"], f"{url} seen by another voter")


def test_own_ballot_shows_own_receipts_but_not_who_one_is(client, voting_campaign, secret_votes):
    listed = secret_votes["voters"][0]
    with client.session_transaction() as sess:
        sess.update(session_values(voting_campaign.id, listed.id, listed.session_version))
    html = client.get(f"/binh-chon/dot/{voting_campaign.id}/phieu").get_data(as_text=True)
    assert all(code in html for code in secret_votes["receipts"][:2])
    assert not any(code in html for code in secret_votes["receipts"][2:])
    assert_clean(html, secrets_of(secret_votes), "the voter's own ballot")


def test_verification_output_shows_no_voter(runner, voting_campaign, secret_votes):
    result = runner.invoke(args=["votes", "verify", str(voting_campaign.id)])
    assert result.exit_code == 0
    assert_clean(result.output, secrets_of(secret_votes) + secret_votes["receipts"], "flask votes verify")
    # Nothing in the output maps a vote to a voter id either.
    for vote in db.session.query(Vote).all():
        assert f"voter_id={vote.voter_id}" not in result.output
