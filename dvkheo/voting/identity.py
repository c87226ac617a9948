"""Who may vote: verification methods that turn what a person types into a `Voter` of one campaign.

A campaign picks its method (`Campaign.voter_verification`); each method is a class registered
under a `VoterVerification` value:

- `EmailCodeMethod` (EMAIL_CODE): a 6-digit one-time code sent by email; the voter is
  "email:<hmac of the normalised address>" (`normalise_email`: case, "+tag", dots at gmail.com);
- `VoterListMethod` (VOTER_LIST): identity number + full name + birth date matched against the
  campaign's local voter list (`VoterListEntry`); the voter is "list:<entry id>".

Assisted voting (a commune official records the vote of a person found on the local list) uses
the same "list:<entry id>" voter, so the ledger's one-channel rule refuses a person who tries to
vote both online and at the office (`record_assisted_votes`). An email-code campaign has no such
link (its online voters are email addresses), so it takes no assisted votes
(`ledger.check_assisted_allowed`).

Nothing stores an email address or an identity number in clear: both are HMAC-SHA256 with
`VOTER_ID_HASH_KEY` (set in production; in development a random key kept in `instance/secrets/`).

Adding a method (an SMS gateway, the national identity service):
1. add its value to `VoterVerification` (campaigns/models.py, with a label) so a campaign can choose it;
2. write a subclass of `VerificationMethod` with `form_class` (what the person types on the
   identify page) and `begin(campaign, form)`; a method that sends a code returns
   `Outcome(challenge=...)` and implements `confirm(campaign, challenge, code)`, and the
   existing code page (`voting.identify_code`) serves it unchanged;
3. decorate it with `@register(VoterVerification.NEW_VALUE)`.
Methods never commit; refusals raise `RuleRefused` with Vietnamese messages.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import ClassVar

import sqlalchemy as sa
from flask import current_app
from flask_wtf import FlaskForm

from dvkheo import access
from dvkheo.campaigns.models import Campaign, VoterVerification
from dvkheo.core import audit
from dvkheo.core.notifications import send_email
from dvkheo.core.rules import Problem, RuleRefused
from dvkheo.core.text import fold
from dvkheo.core.timeutil import format_datetime, utcnow
from dvkheo.extensions import db
from dvkheo.voting import ledger
from dvkheo.voting.models import EmailCode, Vote, VoteChannel, Voter, VoterListEntry

CODE_DIGITS = 6
ID_NUMBER_DIGITS = 12

TOO_MANY_TRIES = "Bạn đã nhập sai mã {maximum} lần. Vui lòng yêu cầu gửi mã mới."
NO_MATCH = (
    "Thông tin không khớp với danh sách cử tri của đợt bình chọn. Vui lòng kiểm tra lại số định danh cá nhân, "
    "họ và tên, ngày sinh; nếu vẫn không được, xin liên hệ Ủy ban nhân dân xã, phường nơi cư trú."
)


# --- keyed hashes ------------------------------------------------------------------------------


def _hash_key() -> bytes:
    configured = current_app.config.get("VOTER_ID_HASH_KEY") or ""
    if not configured:  # never derived from SECRET_KEY: rotating that key must not lose every voter
        raise RuntimeError("VOTER_ID_HASH_KEY chưa được đặt.")
    return configured.encode("utf-8")


def keyed_hash(value: str) -> str:
    """HMAC-SHA256 of `value` with the voter-identity key, as 64 hex digits."""
    return hmac.new(_hash_key(), value.encode("utf-8"), hashlib.sha256).hexdigest()


# Providers that deliver "a.b.c@" to "abc@": the dots are dropped before hashing. The second
# name of a provider maps to the first (googlemail.com is gmail.com).
DOT_BLIND_DOMAINS = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}


def normalise_email(email: str | None) -> str:
    """One mailbox, one spelling: lower case, no "+tag" after the name, and for the providers that
    ignore dots (`DOT_BLIND_DOMAINS`) no dots in the name and one domain name. So "Lan+1@gmail.com",
    "l.a.n+2@GoogleMail.com" and "lan@gmail.com" are one voter (issue 14, item 6). The code is
    still sent to the address as typed; only the keyed hash uses this form."""
    address = (email or "").strip().lower()
    local, at, domain = address.rpartition("@")
    if not at or not local:
        return address
    domain = domain.rstrip(".")
    local = local.split("+", 1)[0] or local
    domain = DOT_BLIND_DOMAINS.get(domain, domain)
    if domain in DOT_BLIND_DOMAINS.values():
        local = local.replace(".", "") or local
    return f"{local}@{domain}"


def legacy_email_hash(email: str) -> str:
    """How addresses were hashed before `normalise_email` (lower case only): voters identified
    then are found again by `adopt_legacy_voter`."""
    return keyed_hash((email or "").strip().lower())


def adopt_legacy_voter(campaign: Campaign, address_hash: str, legacy: str) -> None:
    """A voter identified before addresses were normalised ("email:<legacy hash>") takes the
    normalised key when none has it yet: the person keeps their votes and gets no new slots (a
    campaign running across the upgrade). Flushes."""
    key = f"email:{address_hash}"
    taken = db.session.scalar(sa.select(Voter.id).where(Voter.campaign_id == campaign.id, Voter.identity_key == key))
    if taken is not None:
        return
    try:
        with db.session.begin_nested():
            db.session.execute(
                sa.update(Voter).where(Voter.campaign_id == campaign.id, Voter.identity_key == f"email:{legacy}")
                .values(identity_key=key).execution_options(synchronize_session=False)
            )
    except sa.exc.IntegrityError:  # a first identification under the new key won the race
        pass


def email_hash(email: str) -> str:
    """The keyed hash of the normalised address (`normalise_email`): the voter's "email:<hash>"."""
    return keyed_hash(normalise_email(email))


_ID_SEPARATORS = re.compile(r"[\s.\-]")


def normalise_id_number(text: str | int | None) -> str | None:
    """The 12 digits of a personal identity number (số định danh cá nhân, CCCD), or None.

    Spaces, dots and dashes are ignored; a number a spreadsheet stored as an integer gets its
    leading zeros back (every province code below 10 starts with 0).
    """
    if text is None or isinstance(text, bool):
        return None
    if isinstance(text, int):
        text = str(text).zfill(ID_NUMBER_DIGITS) if 0 <= text < 10**ID_NUMBER_DIGITS else str(text)
    digits = _ID_SEPARATORS.sub("", str(text))
    return digits if re.fullmatch(rf"\d{{{ID_NUMBER_DIGITS}}}", digits) else None


def id_number_hash(number: str) -> str:
    """The keyed hash stored in `VoterListEntry.id_number_hash` (for a normalised number)."""
    return keyed_hash(number)


def name_key(full_name: str) -> str:
    """How names are compared: case, diacritics and extra spaces ignored ("Nguyen Van An")."""
    return fold(full_name)


# --- the interface ---------------------------------------------------------------------------


@dataclass
class Outcome:
    """What a first step gave: a voter (identified), or a challenge to confirm on the code page."""

    voter: Voter | None = None
    challenge: str | None = None  # opaque to the caller; kept in the person's session


class VerificationMethod(ABC):
    """One way of proving who one is before voting online. Subclasses are registered with `register`."""

    key: ClassVar[VoterVerification]
    # Shown above the form on the identify page.
    instructions: ClassVar[str] = ""
    # Whether `begin` sends a code that the person then types on the code page (`confirm`).
    sends_code: ClassVar[bool] = False

    @property
    @abstractmethod
    def form_class(self) -> type[FlaskForm]:
        """The Flask-WTF form of the identify page (fields, honeypot, Vietnamese messages)."""

    @abstractmethod
    def begin(self, campaign: Campaign, form: FlaskForm) -> Outcome:
        """Check what the person typed; identify them now, or send a code. Raises RuleRefused."""

    def confirm(self, campaign: Campaign, challenge: str, code: str) -> Voter:
        """Second step of methods that send a code. Raises RuleRefused."""
        raise NotImplementedError


_REGISTRY: dict[VoterVerification, type[VerificationMethod]] = {}


def register(key: VoterVerification):
    def decorator(cls: type[VerificationMethod]) -> type[VerificationMethod]:
        cls.key = key
        _REGISTRY[key] = cls
        return cls

    return decorator


def method_for(campaign: Campaign) -> VerificationMethod:
    return _REGISTRY[campaign.voter_verification]()


def check_taking_votes(campaign: Campaign, at: datetime | None = None) -> None:
    """Refuse (with the ledger's wording: not yet open, closed, not in the public phase) outside the voting window."""
    at = at or utcnow()
    if not campaign.voting_open(at):
        ledger.check_open(campaign, at)


def _refuse(rule: str, message: str, field: str | None = None):
    raise RuleRefused([Problem(rule, message, field)])


def voter_for(campaign: Campaign, identity_key: str, list_entry: VoterListEntry | None = None) -> Voter:
    """The campaign's voter with this identity, created on first identification.

    Two first identifications racing each other both end with the same row (the unique
    constraint decides, the loser reads the winner's row). Flushes, never commits.
    """
    query = sa.select(Voter).where(Voter.campaign_id == campaign.id, Voter.identity_key == identity_key)
    voter = db.session.scalar(query)
    if voter is not None:
        return voter
    voter = Voter(campaign_id=campaign.id, identity_key=identity_key, list_entry_id=getattr(list_entry, "id", None))
    try:
        with db.session.begin_nested():
            db.session.add(voter)
    except sa.exc.IntegrityError:
        voter = db.session.scalar(query)
    return voter


def voter_for_entry(campaign: Campaign, entry: VoterListEntry) -> Voter:
    return voter_for(campaign, f"list:{entry.id}", entry)


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


# --- email one-time code -----------------------------------------------------------------------


def _code_hash(campaign_id: int, address_hash: str, code: str) -> str:
    # Bound to the campaign and the address: a leaked table tells nothing and a code fits nowhere else.
    return keyed_hash(f"code:{campaign_id}:{address_hash}:{code}")


class EmailCodeMethod(VerificationMethod):
    sends_code = True
    instructions = (
        "Nhập địa chỉ thư điện tử của bạn. Hệ thống gửi tới địa chỉ đó một mã xác thực gồm 6 chữ số, "
        "dùng một lần. Mỗi địa chỉ thư điện tử là một người bình chọn."
    )

    @property
    def form_class(self):
        from dvkheo.voting.identity_forms import EmailIdentifyForm

        return EmailIdentifyForm

    def begin(self, campaign: Campaign, form) -> Outcome:
        """Send a fresh code to the typed address.

        Side effects, in order: deletes the address's earlier codes for this campaign (a new
        request replaces them); adds an `EmailCode` holding only hashes and the consent ticked on
        the form (time, notice version), valid for EMAIL_CODE_TTL_MINUTES; sends the email (in development it lands in the outbox).
        The outcome's challenge is the address's keyed hash, never the address.
        """
        check_taking_votes(campaign)
        address = form.email.data.strip()
        address_hash = email_hash(address)
        legacy = legacy_email_hash(address)
        db.session.execute(
            sa.delete(EmailCode).where(EmailCode.campaign_id == campaign.id, EmailCode.email_hash == address_hash)
        )
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        ttl = current_app.config["EMAIL_CODE_TTL_MINUTES"]
        now = utcnow()
        from dvkheo.privacy.notices import NOTICE_VERSION

        db.session.add(EmailCode(
            campaign_id=campaign.id, email_hash=address_hash, code_hash=_code_hash(campaign.id, address_hash, code),
            created_at=now, expires_at=now + timedelta(minutes=ttl),
            # The form refuses an unticked consent box; the code carries it to the voter.
            consent_at=now, consent_notice=NOTICE_VERSION,
        ))
        body = (
            f"Mã xác thực bình chọn của bạn là: {code}\n\n"
            f"Đợt bình xét: {campaign.title}\n"
            f"Mã có hiệu lực trong {ttl} phút (đến {format_datetime(now + timedelta(minutes=ttl))}) và chỉ dùng được một lần.\n"
            "Không cung cấp mã này cho bất kỳ ai.\n\n"
            "Nếu bạn không yêu cầu mã, hãy bỏ qua thư này."
        )
        if not send_email(address, f"Mã xác thực bình chọn: {code}", body):
            _refuse("mail", "Hệ thống chưa gửi được thư điện tử. Vui lòng thử lại sau ít phút.", "email")
        db.session.flush()
        return Outcome(challenge=address_hash if legacy == address_hash else f"{address_hash}:{legacy}")

    def confirm(self, campaign: Campaign, challenge: str, code: str) -> Voter:
        """Check a typed code; on success mark it used and return the address's voter.

        Side effects: every checked try counts against EMAIL_CODE_MAX_ATTEMPTS with one
        conditional UPDATE (parallel guesses cannot exceed the limit); the right code is
        marked used with another (a second use, even in parallel, finds it used); the voter
        is created on first identification and gets the code's consent (time, notice version). The caller commits in both outcomes: a wrong
        try must stay counted.
        """
        check_taking_votes(campaign)
        challenge, _, legacy = (challenge or "").partition(":")
        maximum = current_app.config["EMAIL_CODE_MAX_ATTEMPTS"]
        record = db.session.scalar(
            sa.select(EmailCode)
            .where(EmailCode.campaign_id == campaign.id, EmailCode.email_hash == challenge)
            .order_by(EmailCode.created_at.desc(), EmailCode.id.desc())
            .limit(1)
        )
        if record is None:
            _refuse("code_missing", "Chưa có mã xác thực nào còn hiệu lực. Vui lòng yêu cầu gửi mã mới.", "code")
        if record.used_at is not None:
            _refuse("code_used", "Mã xác thực này đã được sử dụng. Nếu cần xác thực lại, vui lòng yêu cầu gửi mã mới.", "code")
        if record.attempts >= maximum:
            _refuse("code_attempts", TOO_MANY_TRIES.format(maximum=maximum), "code")
        now = utcnow()
        if _aware(record.expires_at) < now:
            _refuse("code_expired", "Mã xác thực đã hết hạn. Vui lòng yêu cầu gửi mã mới.", "code")
        claimed = db.session.execute(
            sa.update(EmailCode)
            .where(EmailCode.id == record.id, EmailCode.used_at.is_(None), EmailCode.attempts < maximum)
            .values(attempts=EmailCode.attempts + 1)
            .execution_options(synchronize_session=False)
        ).rowcount
        if claimed != 1:
            _refuse("code_attempts", TOO_MANY_TRIES.format(maximum=maximum), "code")
        db.session.refresh(record)
        typed = re.sub(r"\s", "", code or "")
        if not hmac.compare_digest(record.code_hash, _code_hash(campaign.id, challenge, typed)):
            left = maximum - record.attempts
            if left <= 0:
                _refuse("code_attempts", "Mã xác thực không đúng. " + TOO_MANY_TRIES.format(maximum=maximum), "code")
            _refuse("code_wrong", f"Mã xác thực không đúng. Bạn còn {left} lần thử.", "code")
        used = db.session.execute(
            sa.update(EmailCode)
            .where(EmailCode.id == record.id, EmailCode.used_at.is_(None))
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if used != 1:
            _refuse("code_used", "Mã xác thực này đã được sử dụng. Nếu cần xác thực lại, vui lòng yêu cầu gửi mã mới.", "code")
        if legacy:
            adopt_legacy_voter(campaign, challenge, legacy)
        voter = voter_for(campaign, f"email:{challenge}")
        if record.consent_at is not None:  # the latest consent given (Law 91/2025) stays on the voter
            voter.consent_at, voter.consent_notice = record.consent_at, record.consent_notice
        return voter


# --- local voter list ----------------------------------------------------------------------------


def find_list_entry(campaign: Campaign, id_number: str, full_name: str, birth_date) -> VoterListEntry | None:
    """The list entry matching all three: the keyed hash of the number, the folded name, the birth date."""
    entry = db.session.scalar(
        sa.select(VoterListEntry).where(
            VoterListEntry.campaign_id == campaign.id, VoterListEntry.id_number_hash == id_number_hash(id_number)
        )
    )
    if entry is None or entry.name_key != name_key(full_name) or entry.birth_date != birth_date:
        return None
    return entry


class VoterListMethod(VerificationMethod):
    instructions = (
        "Đợt bình chọn này dành cho cử tri có tên trong danh sách của địa phương. Nhập số định danh cá nhân "
        "(số căn cước công dân, 12 chữ số), họ và tên, ngày sinh đúng như trên thẻ căn cước."
    )

    @property
    def form_class(self):
        from dvkheo.voting.identity_forms import VoterListIdentifyForm

        return VoterListIdentifyForm

    def begin(self, campaign: Campaign, form) -> Outcome:
        """Match the person against the list; one generic refusal whatever did not match.

        Side effects: creates the entry's voter on first identification (flush only).
        """
        check_taking_votes(campaign)
        number = normalise_id_number(form.id_number.data)
        entry = find_list_entry(campaign, number or "", form.full_name.data or "", form.birth_date.data) if number else None
        if entry is None:
            _refuse("no_match", NO_MATCH)
        return Outcome(voter=voter_for_entry(campaign, entry))


register(VoterVerification.EMAIL_CODE)(EmailCodeMethod)
register(VoterVerification.VOTER_LIST)(VoterListMethod)


# --- assisted voting -----------------------------------------------------------------------------


def record_assisted_votes(campaign: Campaign, entry: VoterListEntry, nominations: list, official) -> list[Vote]:
    """Record, in the caller's one transaction, the votes a person asked a commune official to record.

    Side effects, in order: finds or creates the entry's voter ("list:<entry id>", the same voter
    as when the person identifies online); casts each vote through `ledger.cast` with the
    ASSISTED channel and the official as `recorded_by` (the ledger checks the window, the
    nominees, the one-channel rule and the limit); audits "assisted_vote" on the campaign with
    the official as actor and only the number of votes. Raises `RuleRefused`; the caller rolls
    back, so either every vote is recorded or none.
    """
    if entry.campaign_id != campaign.id:
        _refuse("permission", "Người này không có trong danh sách cử tri của đợt bình xét.")
    if not access.can_assist_voting(official, campaign) or not access.can_assist_entry(official, entry):
        _refuse("permission", "Bạn không được ghi nhận bình chọn cho người này.")
    if not nominations:
        _refuse("empty", "Vui lòng chọn ít nhất một mô hình, điển hình.", "nominations")
    voter = voter_for_entry(campaign, entry)
    votes = [ledger.cast(campaign, voter, nomination, VoteChannel.ASSISTED, recorded_by=official) for nomination in nominations]
    audit.record("campaign", campaign.id, "assisted_vote", official, details={"votes": len(votes)})
    return votes
