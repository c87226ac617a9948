"""Award decisions ("Quyết định khen thưởng"): candidates, drafting, editing, warnings and what issuing does.

Operations flush and audit, never commit: the request commits once. Status moves go through
`dvkheo.awards.workflow.apply`, which calls `take_number` and `issue_effects` from here.

Amendments ("Quyết định sửa đổi, bổ sung"): `draft_amendment` copies the amended decision's
current lines, each pointing at the line it corrects (`corrects_id`). The secretary edits the
lines that must change and REMOVES the others; a copy left unchanged is refused at approval
(`unchanged_corrections`), so that the issued amendment lists exactly what it corrects and no
certificate is reprinted for nothing.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so

from dvkheo import access
from dvkheo.awards import notices
from dvkheo.awards.models import (
    DEFAULT_REASON,
    AwardForm,
    Decision,
    DecisionAwardee,
    DecisionKind,
    DecisionStatus,
    RevocationItem,
    RevocationScope,
    SignerPrefix,
    certificate_look_of,
)
from dvkheo.campaigns.models import Campaign, NomineeKind
from dvkheo.core import audit
from dvkheo.core.numbering import next_number
from dvkheo.core.rules import Problem, RuleRefused
from dvkheo.core.timeutil import today_in_vietnam
from dvkheo.council.issuer import minutes_number
from dvkheo.documents.formats import DocumentFormat
from dvkheo.council.models import BallotItem, BallotStatus, CouncilBallot
from dvkheo.extensions import db
from dvkheo.nominations.models import Nomination
from dvkheo.nominations.states import NominationState as S

# The council's minutes keep their own number series; the same symbol as dvkheo.council.minutes.SYMBOL
# (not imported: that module loads WeasyPrint).
# Decisions that hold their lines: a nomination in one of them is not offered again.
LIVE_DECISION_STATES = (DecisionStatus.DRAFT, DecisionStatus.APPROVED, DecisionStatus.ISSUED)
AWARDING_KINDS = (DecisionKind.AWARD, DecisionKind.AMENDMENT)

EDIT_REFUSED = "Quyết định đã ban hành, không thể sửa; hãy ban hành quyết định sửa đổi, bổ sung."


# --- candidates ----------------------------------------------------------------------------------


@dataclass
class Candidate:
    """A nomination the council passed that no live decision names yet."""

    nomination: Nomination
    ballot_item: BallotItem
    ballot: CouncilBallot
    council_score: float | None
    combined_score: float | None = None
    public_votes: int | None = None

    @property
    def nomination_id(self) -> int:
        return self.nomination.id


@dataclass
class Excluded:
    """A nomination that passed the council but is now on hold: shown greyed, never selectable."""

    nomination: Nomination
    ballot: CouncilBallot
    reason: str
    category_label: str = ""
    release_on: date | None = None


@dataclass
class CandidateList:
    candidates: list[Candidate] = field(default_factory=list)
    excluded: list[Excluded] = field(default_factory=list)
    uses_public_vote: bool = False

    def by_id(self) -> dict[int, Candidate]:
        return {c.nomination_id: c for c in self.candidates}


def uses_public_vote(campaign: Campaign) -> bool:
    return bool(campaign.has_public_stage and (campaign.public_vote_share_percent or 0) > 0)


def _in_live_decision() -> sa.Select:
    return (
        sa.select(DecisionAwardee.nomination_id)
        .join(Decision, DecisionAwardee.decision_id == Decision.id)
        .where(Decision.status.in_(LIVE_DECISION_STATES))
    )


def _passed_rows(campaign: Campaign, issuer_codes: list[str] | None) -> list[tuple[Nomination, BallotItem, CouncilBallot, str]]:
    """(nomination, ballot item, ballot, issuer code) for every nomination passed on a closed ballot (one query)."""
    query = (
        sa.select(Nomination, BallotItem, CouncilBallot, AwardForm.issuer_code)
        .join(BallotItem, BallotItem.nomination_id == Nomination.id)
        .join(CouncilBallot, BallotItem.ballot_id == CouncilBallot.id)
        .join(AwardForm, CouncilBallot.award_form_id == AwardForm.id)
        .where(
            Nomination.campaign_id == campaign.id,
            CouncilBallot.status == BallotStatus.CLOSED,
            BallotItem.passed.is_(True),
            sa.or_(
                Nomination.status == S.PASSED_COUNCIL,
                sa.and_(Nomination.status == S.ON_HOLD, Nomination.status_before_hold == S.PASSED_COUNCIL),
            ),
            Nomination.id.not_in(_in_live_decision()),
        )
        .options(so.joinedload(Nomination.unit))
        .order_by(CouncilBallot.closed_at, CouncilBallot.id)
    )
    if issuer_codes is not None:
        query = query.where(AwardForm.issuer_code.in_(issuer_codes))
    return [tuple(row) for row in db.session.execute(query).unique()]


def _scores(campaign: Campaign) -> dict[int, tuple[float | None, float | None, int | None]]:
    """nomination id -> (council score, combined score, public votes), from the review ranking (fixed queries)."""
    from dvkheo.review.ranking import load_ranking

    ranking = load_ranking(campaign)
    return {row.nomination_id: (row.ranking_score, row.combined, row.public_votes) for row in ranking.rows}


def _open_holds(nominations: list[Nomination]) -> dict:
    from dvkheo.review.screening import open_holds

    return open_holds(nominations)


def _sort(candidates: list[Candidate], by_combined: bool) -> list[Candidate]:
    def key(candidate: Candidate):
        score = candidate.combined_score if by_combined else candidate.council_score
        return (score is None, -(score or 0.0), candidate.nomination_id)

    return sorted(candidates, key=key)


def waiting_candidates(campaign: Campaign, award_forms: list[AwardForm]) -> dict[int, CandidateList]:
    """`candidates` of several award forms at once (award form id -> list), in a fixed number of queries."""
    codes = sorted({form.issuer_code for form in award_forms if form.issuer_code})
    rows = _passed_rows(campaign, codes) if codes else []
    scores = _scores(campaign) if rows else {}
    holds = _open_holds([row[0] for row in rows]) if rows else {}
    combined = uses_public_vote(campaign)
    # The latest passing ballot of each nomination per issuer (rows come oldest first).
    latest: dict[tuple[str, int], tuple] = {}
    for nomination, item, ballot, code in rows:
        latest[(code, nomination.id)] = (nomination, item, ballot)
    result: dict[int, CandidateList] = {}
    for form in award_forms:
        listing = CandidateList(uses_public_vote=combined)
        for (code, _), (nomination, item, ballot) in latest.items():
            if code != form.issuer_code or not code:
                continue
            if nomination.status is S.ON_HOLD:
                hold = holds.get(nomination.id)
                listing.excluded.append(
                    Excluded(
                        nomination, ballot, hold.reason if hold else "",
                        hold.category.label if hold else "", hold.release_on if hold else None,
                    )
                )
                continue
            council, combined_score, votes = scores.get(nomination.id, (None, None, None))
            listing.candidates.append(Candidate(nomination, item, ballot, council, combined_score, votes))
        listing.candidates = _sort(listing.candidates, combined)
        listing.excluded.sort(key=lambda e: e.nomination.id)
        result[form.id] = listing
    return result


def candidates(campaign: Campaign, award_form: AwardForm) -> CandidateList:
    """The nominations the secretary may put in a new decision of `award_form`, best score first.

    PASSED_COUNCIL, passed on a closed ballot of an award form with the same issuing body, and in no
    draft, approved or issued decision. Passed nominations now on hold come back in `excluded`
    with the hold's reason. Bounded: the passed rows, the ranking's fixed queries, the holds.
    """
    return waiting_candidates(campaign, [award_form])[award_form.id]


# --- drafting ----------------------------------------------------------------------------------------


def _refuse(message: str, field_name: str | None = None, rule: str = "decision") -> RuleRefused:
    return RuleRefused([Problem(rule, message, field_name)])


def _require_drafter(actor, campaign: Campaign) -> None:
    if not access.can_draft_decision(actor, campaign):
        raise _refuse("Chỉ Thư ký Hội đồng của đợt bình xét được soạn và sửa dự thảo quyết định.", rule="permission")


def _require_header(award_form: AwardForm) -> None:
    missing = [
        label
        for label, value in (
            ("cơ quan ban hành", award_form.issuing_body),
            ("ký hiệu cơ quan ban hành", award_form.issuer_code),
            ("người ký", award_form.signer_name),
        )
        if not (value or "").strip()
    ]
    if missing:
        raise _refuse(
            f"Hình thức khen thưởng “{award_form.name}” chưa khai báo {', '.join(missing)}; "
            "hãy bổ sung trong trang Hình thức khen thưởng trước khi dự thảo quyết định.",
            "award_form",
        )


def _recipient_detail(nomination: Nomination) -> str:
    unit = nomination.unit.name if nomination.unit else ""
    if nomination.kind is NomineeKind.INDIVIDUAL and nomination.nominee_position:
        return f"{nomination.nominee_position}, {unit}" if unit else nomination.nominee_position
    return unit


def reason_for(award_form: AwardForm, year: int, model_title: str) -> str:
    """The certificate's reason from the award form's template; a broken template falls back to the default."""
    template = award_form.reason_template or DEFAULT_REASON
    # The template already quotes the model's name: quotes inside it become single ones (‘…’), as nested
    # quotation is written in Vietnamese, instead of doubling up (““…”).
    model_title = (model_title or "").strip().replace("“", "‘").replace("”", "’")
    try:
        return template.format(nam=year, mo_hinh=model_title)
    except (KeyError, IndexError, ValueError):
        return DEFAULT_REASON.format(nam=year, mo_hinh=model_title)


def _line(candidate: Candidate, award_form: AwardForm, year: int, position: int) -> DecisionAwardee:
    nomination = candidate.nomination
    return DecisionAwardee(
        nomination_id=nomination.id,
        nomination=nomination,
        award_form_id=award_form.id,
        ballot_item_id=candidate.ballot_item.id,
        position=position,
        kind=nomination.kind,
        recipient_name=nomination.nominee_name,
        recipient_detail=_recipient_detail(nomination),
        unit_name=nomination.unit.name if nomination.unit else "",
        model_title=nomination.title,
        reason=reason_for(award_form, year, nomination.title),
        council_score=candidate.council_score,
        combined_score=candidate.combined_score,
    )


def _pick(listing: CandidateList, nomination_ids: list[int]) -> list[Candidate]:
    """The chosen candidates in the list's order; a choice that is not a candidate is refused, by name."""
    chosen = set(nomination_ids)
    by_id = listing.by_id()
    problems = []
    for excluded in listing.excluded:
        if excluded.nomination.id in chosen:
            problems.append(
                Problem(
                    "on_hold",
                    f"Hồ sơ “{excluded.nomination.nominee_name}” đang tạm dừng xét"
                    + (f" ({excluded.reason})" if excluded.reason else "")
                    + "; không thể đưa vào quyết định khen thưởng.",
                    "nomination_ids",
                )
            )
    excluded_ids = {e.nomination.id for e in listing.excluded}
    for nomination_id in sorted(chosen - set(by_id) - excluded_ids):
        nomination = db.session.get(Nomination, nomination_id)
        name = f"“{nomination.nominee_name}”" if nomination is not None else f"số {nomination_id}"
        problems.append(
            Problem(
                "candidate",
                f"Hồ sơ {name} không có trong danh sách chờ quyết định: hồ sơ chưa được Hội đồng thông qua "
                "cho cơ quan ban hành này, hoặc đã có trong một quyết định khác.",
                "nomination_ids",
            )
        )
    if problems:
        raise RuleRefused(problems)
    return [c for c in listing.candidates if c.nomination_id in chosen]


def _minutes_citation(ballots: list[CouncilBallot], fmt: DocumentFormat) -> str:
    """"Biên bản số 01-BB/HĐXC, ngày 05/11/2026": the minutes' number as they were issued (in the council's own
    system), the date as the decision citing them writes running text (`fmt`), like its other legal bases."""
    citations = []
    for ballot in sorted({b.id: b for b in ballots}.values(), key=lambda b: (b.minutes_year or 0, b.minutes_number or 0)):
        citations.append(fmt.citation("Biên bản", minutes_number(ballot), ballot.meeting_on, ""))
    return " và ".join(citations)


def _count_phrase(lines: list[DecisionAwardee]) -> str:
    collectives = sum(1 for line in lines if line.kind is NomineeKind.COLLECTIVE)
    individuals = len(lines) - collectives
    parts = []
    if collectives:
        parts.append(f"{collectives:02d} tập thể")
    if individuals:
        parts.append(f"{individuals:02d} cá nhân")
    return " và ".join(parts) or "các tập thể, cá nhân"


def award_articles(award_form: AwardForm, lines: list[DecisionAwardee], year: int) -> str:
    return "\n".join(
        [
            f"Điều 1. Tặng {award_form.name} cho {_count_phrase(lines)} có tên trong danh sách kèm theo, "
            f"đã có thành tích xuất sắc trong phong trào thi đua “Dân vận khéo” năm {year}.",
            "Điều 2. Quyết định này có hiệu lực kể từ ngày ký.",
            "Điều 3. Các cơ quan, đơn vị có liên quan và các tập thể, cá nhân có tên tại Điều 1 "
            "chịu trách nhiệm thi hành Quyết định này.",
        ]
    )


DEFAULT_RECIPIENTS = "- Như Điều 3;\n- Hội đồng xét chọn;\n- Lưu: {archive}."


def _header_from(award_form: AwardForm) -> dict:
    return dict(
        issuer_code=award_form.issuer_code.strip(),
        symbol=f"QĐ-{award_form.issuer_code.strip()}",
        document_format=award_form.document_format.as_dict(),
        place_name=award_form.place_name,
        parent_body=award_form.parent_body,
        issuing_body=award_form.issuing_body,
        issuer_in_text=award_form.issuer_in_text,
        signer_prefix=award_form.signer_prefix or SignerPrefix.NONE,
        signer_authority=award_form.signer_authority,
        signer_title=award_form.signer_title,
        signer_name=award_form.signer_name,
        legal_bases=[basis.text for basis in award_form.legal_bases if basis.applies_on(today_in_vietnam())],
    )


def draft_award_decision(campaign: Campaign, award_form: AwardForm, nomination_ids: list[int], actor) -> Decision:
    """A DRAFT award decision for the chosen candidates, its header and legal bases copied from the award form.

    Side effects: adds the decision and one line per nomination, flushes, audits "draft".
    Refuses (RuleRefused) a nomination that is not a candidate, an empty choice, an award form
    of another campaign or without issuing body, symbol and signer.
    """
    _require_drafter(actor, campaign)
    if award_form.campaign_id != campaign.id:
        raise _refuse("Hình thức khen thưởng không thuộc đợt bình xét này.", "award_form")
    _require_header(award_form)
    if not nomination_ids:
        raise _refuse("Vui lòng chọn ít nhất một hồ sơ để đưa vào quyết định.", "nomination_ids")
    chosen = _pick(candidates(campaign, award_form), nomination_ids)
    year = campaign.year
    lines = [_line(candidate, award_form, year, position) for position, candidate in enumerate(chosen, start=1)]
    decision = Decision(
        campaign_id=campaign.id,
        award_form_id=award_form.id,
        kind=DecisionKind.AWARD,
        status=DecisionStatus.DRAFT,
        title=(
            "Về việc khen thưởng các tập thể, cá nhân có thành tích xuất sắc trong phong trào thi đua "
            f"“Dân vận khéo” năm {year}"
        ),
        considering=(
            "Xét đề nghị của Hội đồng xét chọn mô hình, điển hình “Dân vận khéo” tại "
            f"{_minutes_citation([c.ballot for c in chosen], award_form.document_format)}"
        ),
        articles=award_articles(award_form, lines, year),
        recipients=DEFAULT_RECIPIENTS.format(archive=(award_form.archive or "VT").strip().rstrip(".")),
        created_by_id=actor.id,
        awardees=lines,
        **_header_from(award_form),
    )
    db.session.add(decision)
    db.session.flush()
    audit.record(
        "decision", decision.id, "draft", actor, to_state=DecisionStatus.DRAFT.value,
        details={"kind": DecisionKind.AWARD.value, "award_form_id": award_form.id, "nomination_ids": [c.nomination_id for c in chosen]},
    )
    notices.draft_awaiting_approval(decision)
    return decision


# --- editing a draft --------------------------------------------------------------------------------


@dataclass
class LineInput:
    line_id: int
    recipient_name: str
    recipient_detail: str
    reason: str
    remove: bool = False


@dataclass
class DraftInput:
    """What the edit page sends; None leaves a field as it is."""

    place_name: str | None = None
    parent_body: str | None = None
    issuing_body: str | None = None
    signer_prefix: SignerPrefix | None = None
    signer_authority: str | None = None
    signer_title: str | None = None
    signer_name: str | None = None
    title: str | None = None
    legal_bases: list[str] | None = None
    considering: str | None = None
    articles: str | None = None
    recipients: str | None = None
    lines: list[LineInput] = field(default_factory=list)
    add_nomination_ids: list[int] = field(default_factory=list)


HEADER_FIELDS = (
    "place_name", "parent_body", "issuing_body", "signer_prefix", "signer_authority", "signer_title", "signer_name",
    "title", "legal_bases", "considering", "articles", "recipients",
)
REQUIRED_FIELDS = {
    "issuing_body": "Vui lòng nhập cơ quan ban hành.",
    "title": "Vui lòng nhập trích yếu của quyết định.",
    "signer_name": "Vui lòng nhập họ tên người ký.",
    "articles": "Vui lòng nhập nội dung các điều của quyết định.",
}


def require_draft(decision: Decision) -> None:
    if decision.status is not DecisionStatus.DRAFT:
        if decision.status is DecisionStatus.ISSUED:
            raise _refuse(EDIT_REFUSED, rule="immutable")
        raise _refuse(
            f"Quyết định đang ở trạng thái “{decision.status.label}”: chỉ sửa được dự thảo"
            + ("; Chủ tịch có thể trả lại dự thảo để sửa." if decision.status is DecisionStatus.APPROVED else "."),
            rule="state",
        )


def _clean(value):
    if isinstance(value, str):
        return value.replace("\r\n", "\n").strip()
    if isinstance(value, list):
        return [line.strip() for line in value if line and line.strip()]
    return value


def update_draft(decision: Decision, data: DraftInput, actor) -> list[str]:
    """Edit a DRAFT: header, bases, texts, lines (edit, remove, add candidates). Returns the changed field names.

    Side effects: changes the decision and its lines, flushes, audits "update" with the changed names.
    Refuses anything but a draft ("Quyết định đã ban hành, không thể sửa; ...").
    """
    require_draft(decision)
    _require_drafter(actor, decision.campaign)
    problems = []
    for name, message in REQUIRED_FIELDS.items():
        value = getattr(data, name)
        if value is not None and not _clean(value):
            problems.append(Problem("required", message, name))
    lines_by_id = {line.id: line for line in decision.awardees}
    for index, line_input in enumerate(data.lines):
        if line_input.line_id not in lines_by_id:
            problems.append(Problem("line", "Danh sách đã thay đổi; vui lòng tải lại trang và sửa lại.", "lines"))
        elif not line_input.remove and not line_input.recipient_name.strip():
            problems.append(Problem("required", f"Dòng {index + 1}: vui lòng nhập tên tập thể, cá nhân.", f"lines-{index}-recipient_name"))
    additions: list[Candidate] = []
    if data.add_nomination_ids:
        additions = _pick(candidates(decision.campaign, decision.award_form), data.add_nomination_ids)
    if problems:
        raise RuleRefused(problems)

    changed: list[str] = []
    for name in HEADER_FIELDS:
        value = getattr(data, name)
        if value is None:
            continue
        value = _clean(value)
        if getattr(decision, name) != value:
            setattr(decision, name, value)
            changed.append(name)
    removed, edited = [], []
    for line_input in data.lines:
        line = lines_by_id[line_input.line_id]
        if line_input.remove:
            decision.awardees.remove(line)
            removed.append(line.nomination_id)
            continue
        for name in ("recipient_name", "recipient_detail", "reason"):
            value = _clean(getattr(line_input, name)) or ""
            if getattr(line, name) != value:
                setattr(line, name, value)
                edited.append(f"{name}:{line.id}")
    next_position = max((line.position for line in decision.awardees), default=0) + 1
    for offset, candidate in enumerate(additions):
        decision.awardees.append(_line(candidate, decision.award_form, decision.campaign.year, next_position + offset))
    for position, line in enumerate(sorted(decision.awardees, key=lambda line: line.position), start=1):
        line.position = position
    if removed:
        changed.append("lines_removed")
    if additions:
        changed.append("lines_added")
    if edited:
        changed.append("lines_edited")
    db.session.flush()
    if changed:
        audit.record(
            "decision", decision.id, "update", actor,
            details={
                "changed": changed,
                "removed_nomination_ids": removed,
                "added_nomination_ids": [c.nomination_id for c in additions],
                "edited_lines": edited,
            },
        )
    return changed


# --- the one-achievement-one-commendation rule (Law 06/2022) ---------------------------------------


@dataclass(frozen=True)
class AchievementWarning:
    """A line whose nominee or model already holds an unrevoked award of an issued decision."""

    key: str
    line_id: int
    recipient_name: str
    message: str


def _usable_key(key: str) -> bool:
    return bool(key) and not key.endswith(":")


def _revoked_nomination_ids(nomination_ids: set[int]) -> set[int]:
    """Among these nominations, those whose award an issued revoking decision revoked (one query).

    The bulk form of `awards.queries.award_revoked`.
    """
    if not nomination_ids:
        return set()
    return set(
        db.session.scalars(
            sa.select(DecisionAwardee.nomination_id)
            .join(RevocationItem, RevocationItem.awardee_id == DecisionAwardee.id)
            .join(Decision, RevocationItem.decision_id == Decision.id)
            .where(
                DecisionAwardee.nomination_id.in_(sorted(nomination_ids)),
                RevocationItem.scope == RevocationScope.AWARD,
                Decision.status == DecisionStatus.ISSUED,
            )
        )
    )


def achievement_warnings(decision: Decision) -> list[AchievementWarning]:
    """Warnings for lines whose nominee (same `nominee_key`) or model (same `model_key`) was already
    commended by an issued award or amending decision, of any campaign, and not revoked.

    The same nomination in an earlier decision is the award this decision amends, not a second one.
    Two lines of the decision itself with the same nominee or model warn too.
    Bounded: the lines' keys, the earlier lines, the revocations.
    """
    if decision.kind is DecisionKind.REVOCATION or not decision.awardees:
        return []
    own = db.session.execute(
        sa.select(DecisionAwardee.id, DecisionAwardee.nomination_id, DecisionAwardee.recipient_name,
                  Nomination.nominee_key, Nomination.model_key, Nomination.title)
        .join(Nomination, DecisionAwardee.nomination_id == Nomination.id)
        .where(DecisionAwardee.decision_id == decision.id)
        .order_by(DecisionAwardee.position, DecisionAwardee.id)
    ).all()
    if not own:
        return []
    own_nominations = {row.nomination_id for row in own}
    nominee_keys = {row.nominee_key for row in own if _usable_key(row.nominee_key)}
    model_keys = {row.model_key for row in own if _usable_key(row.model_key)}
    if not nominee_keys and not model_keys:
        return []
    Earlier = so.aliased(Decision)
    earlier_rows = db.session.execute(
        sa.select(
            DecisionAwardee.nomination_id, Nomination.nominee_key, Nomination.model_key, Nomination.title,
            Earlier.id.label("decision_id"), Earlier.decided_on, Earlier.issued_at,
            AwardForm.name.label("form_name"), Campaign.title.label("campaign_title"),
        )
        .join(Earlier, DecisionAwardee.decision_id == Earlier.id)
        .join(Nomination, DecisionAwardee.nomination_id == Nomination.id)
        .join(AwardForm, DecisionAwardee.award_form_id == AwardForm.id)
        .join(Campaign, Earlier.campaign_id == Campaign.id)
        .where(
            Earlier.status == DecisionStatus.ISSUED,
            Earlier.kind.in_(AWARDING_KINDS),
            Earlier.id != decision.id,
            DecisionAwardee.nomination_id.not_in(sorted(own_nominations)),
            sa.or_(Nomination.nominee_key.in_(sorted(nominee_keys) or [""]), Nomination.model_key.in_(sorted(model_keys) or [""])),
        )
        .order_by(Earlier.issued_at, DecisionAwardee.id)
    ).all()
    revoked = _revoked_nomination_ids({row.nomination_id for row in earlier_rows})
    # The award as it now reads: the latest issued line of each earlier nomination.
    latest = {row.nomination_id: row for row in earlier_rows if row.nomination_id not in revoked}
    warnings = []
    for line in own:
        for earlier in latest.values():
            same_nominee = _usable_key(line.nominee_key) and earlier.nominee_key == line.nominee_key
            same_model = _usable_key(line.model_key) and earlier.model_key == line.model_key
            if not (same_nominee or same_model):
                continue
            cited = db.session.get(Decision, earlier.decision_id)  # in the identity map once per decision
            what = "cùng tập thể, cá nhân" if same_nominee else "cùng mô hình"
            if same_nominee and same_model:
                what = "cùng tập thể, cá nhân và cùng mô hình"
            warnings.append(
                AchievementWarning(
                    key=f"{line.nomination_id}:{earlier.nomination_id}",
                    line_id=line.id,
                    recipient_name=line.recipient_name,
                    message=(
                        f"“{line.recipient_name}” ({what} “{earlier.title}”) đã được tặng {earlier.form_name} theo "
                        f"{cited.citation()}, "
                        f"đợt “{earlier.campaign_title}”. Một thành tích không khen thưởng nhiều lần, nhiều hình thức "
                        "(Luật Thi đua, khen thưởng số 06/2022/QH15)."
                    ),
                )
            )
    # Two lines of this very list for the same nominee or model: the same achievement twice.
    for index, first in enumerate(own):
        for second in own[index + 1:]:
            same_nominee = _usable_key(first.nominee_key) and first.nominee_key == second.nominee_key
            same_model = _usable_key(first.model_key) and first.model_key == second.model_key
            if not (same_nominee or same_model):
                continue
            what = "cùng tên tập thể, cá nhân" if same_nominee else f"cùng mô hình “{second.title}”"
            warnings.append(
                AchievementWarning(
                    key=f"{second.nomination_id}:{first.nomination_id}",
                    line_id=second.id,
                    recipient_name=second.recipient_name,
                    message=(
                        f"“{second.recipient_name}” và “{first.recipient_name}” trong cùng danh sách này có {what} "
                        "(hai hồ sơ khác nhau); hãy kiểm tra để không khen thưởng một thành tích hai lần."
                    ),
                )
            )
    return warnings


def unacknowledged(decision: Decision, warnings: list[AchievementWarning]) -> list[AchievementWarning]:
    seen = set(decision.acknowledged_warnings or [])
    return [w for w in warnings if w.key not in seen]


# --- checks the workflow's guards share --------------------------------------------------------


def awarding_lines(decision: Decision) -> list[DecisionAwardee]:
    """Lines that award a nomination when issued: every line of an award, the additions of an amendment."""
    if decision.kind is DecisionKind.AWARD:
        return list(decision.awardees)
    if decision.kind is DecisionKind.AMENDMENT:
        return [line for line in decision.awardees if line.corrects_id is None]
    return []


def correcting_lines(decision: Decision) -> list[DecisionAwardee]:
    if decision.kind is not DecisionKind.AMENDMENT:
        return []
    return [line for line in decision.awardees if line.corrects_id is not None]


CORRECTED_FIELDS = ("recipient_name", "recipient_detail", "reason", "model_title", "unit_name")


def unchanged_corrections(decision: Decision) -> list[DecisionAwardee]:
    """Correcting lines that read exactly like the line they correct (left in by mistake)."""
    return [
        line
        for line in correcting_lines(decision)
        if line.corrects is not None
        and all(getattr(line, name) == getattr(line.corrects, name) for name in CORRECTED_FIELDS)
    ]


def current_award_lines(nomination_ids: set[int]) -> dict[int, DecisionAwardee]:
    """nomination id -> its latest line in an issued award or amending decision (one query).

    The bulk form of `awards.queries.issued_award_line`.
    """
    if not nomination_ids:
        return {}
    lines = db.session.scalars(
        sa.select(DecisionAwardee)
        .join(Decision, DecisionAwardee.decision_id == Decision.id)
        .where(
            DecisionAwardee.nomination_id.in_(sorted(nomination_ids)),
            Decision.status == DecisionStatus.ISSUED,
            Decision.kind.in_(AWARDING_KINDS),
        )
        .order_by(Decision.issued_at, DecisionAwardee.id)
    )
    return {line.nomination_id: line for line in lines}


# --- issuing ----------------------------------------------------------------------------------------


def register_series(issuer_unit_id: int, issuer_code: str) -> str:
    """The register of one issuing body: its unit and its code (two communes' "UBND" are two registers)."""
    return f"QĐ:{issuer_unit_id}:{issuer_code}"


def take_number(decision: Decision, decided_on: date) -> int:
    """Number the decision from the register of its issuing body for the year of `decided_on`.

    The body is the campaign's organising unit under the decision's code. `year` and `number` are set together (a
    CHECK wants both or neither), with `decided_on`.
    """
    decision.issuer_unit_id = decision.campaign.organising_unit_id
    number = next_number(
        register_series(decision.issuer_unit_id, decision.issuer_code), decided_on.year, "decision", decision.id
    )
    decision.decided_on = decided_on
    decision.year, decision.number = decided_on.year, number
    return number


def freeze_certificate_look(decision: Decision) -> dict:
    """Copy onto `decision` what its certificates show beyond the texts (title, design, emblem, the form's name),
    for its own award form and every award form of its lines: a reprint, a reissue in its name or a batch
    printed years later looks like the first print, whatever the award forms say by then."""
    forms = {decision.award_form_id: decision.award_form}
    for line in decision.awardees:
        forms.setdefault(line.award_form_id, line.award_form)
    decision.certificate_snapshot = {
        str(form_id): certificate_look_of(form) for form_id, form in sorted(forms.items()) if form is not None
    }
    return decision.certificate_snapshot


def freeze_ledger_head(decision: Decision) -> dict:
    """Copy onto an award decision the vote ledger's head its annexed list prints ({} for any other kind, or a
    campaign without a public vote): a batch sealed after the issue never changes the issued paper."""
    from dvkheo.voting import checkpoint

    decision.ledger_head = checkpoint.capture(decision.campaign) if decision.kind is DecisionKind.AWARD else {}
    return decision.ledger_head


def _valid_certificate(awardee_id: int):
    from dvkheo.certificates.models import Certificate, CertificateStatus

    return db.session.scalar(
        sa.select(Certificate).where(Certificate.awardee_id == awardee_id, Certificate.status == CertificateStatus.VALID)
    )


def _award(line: DecisionAwardee, decision: Decision, actor) -> None:
    from dvkheo.certificates.operations import create_certificate
    from dvkheo.nominations import workflow as nomination_workflow
    from dvkheo.nominations.states import NominationAction

    nomination_workflow.apply(
        line.nomination, NominationAction.AWARD, actor,
        details={"decision_id": decision.id, "number": decision.number_label, "awardee_id": line.id},
    )
    create_certificate(line, decision, actor)


def _correct(line: DecisionAwardee, decision: Decision, actor) -> None:
    from dvkheo.certificates.models import CertificateStatus
    from dvkheo.certificates.operations import create_certificate

    old = _valid_certificate(line.corrects_id)
    new = create_certificate(line, decision, actor)
    if old is None:
        return
    old.status = CertificateStatus.REPLACED
    old.replaced_by_id = new.id
    db.session.flush()
    audit.record(
        "certificate", old.id, "replace", actor,
        from_state=CertificateStatus.VALID.value, to_state=CertificateStatus.REPLACED.value,
        details={"replaced_by_id": new.id, "replaced_by_serial": new.serial, "decision_id": decision.id},
    )


def issue_effects(decision: Decision, actor) -> None:
    """What issuing does, once the decision is ISSUED and flushed (the nomination guard reads it).

    AWARD: each line's nomination is awarded (workflow, audited) and gets a certificate.
    AMENDMENT: a correcting line gets a new certificate and the corrected line's valid one is
    REPLACED (audited "replace"); an added line is awarded like an award's.
    REVOCATION: `dvkheo.awards.revocation.apply_revocation`.
    """
    if decision.kind is DecisionKind.REVOCATION:
        from dvkheo.awards.revocation import apply_revocation

        apply_revocation(decision, actor)
        return
    for line in sorted(decision.awardees, key=lambda line: line.position):
        if line.corrects_id is not None:
            _correct(line, decision, actor)
        else:
            _award(line, decision, actor)


# --- amendments ---------------------------------------------------------------------------------------


def pending_amendment(decision: Decision) -> Decision | None:
    return db.session.scalar(
        sa.select(Decision).where(
            Decision.amends_id == decision.id,
            Decision.status.in_((DecisionStatus.DRAFT, DecisionStatus.APPROVED)),
        ).limit(1)
    )


def _lowered_title(title: str) -> str:
    title = (title or "").strip()
    return title[:1].lower() + title[1:] if title.startswith("Về việc") else ""


def draft_amendment(decision: Decision, actor) -> Decision:
    """A DRAFT amendment of an issued award or amending decision: header copied, current lines copied
    with `corrects_id`, so the secretary corrects what must change and removes the rest.

    Side effects: adds the draft and its lines, flushes, audits "draft" (details: amends_id).
    """
    _require_drafter(actor, decision.campaign)
    if decision.status is not DecisionStatus.ISSUED or decision.kind not in AWARDING_KINDS:
        raise _refuse("Chỉ sửa đổi, bổ sung được quyết định khen thưởng đã ban hành.", rule="state")
    pending = pending_amendment(decision)
    if pending is not None:
        raise _refuse(
            f"Đã có dự thảo quyết định sửa đổi, bổ sung Quyết định số {decision.number_label} đang chờ; "
            "hãy hoàn thành hoặc hủy dự thảo đó trước.",
            rule="state",
        )
    nomination_ids = {line.nomination_id for line in decision.awardees}
    current = current_award_lines(nomination_ids)
    revoked = _revoked_nomination_ids(nomination_ids)
    copies = []
    for line in sorted(decision.awardees, key=lambda line: line.position):
        latest = current.get(line.nomination_id)
        if latest is None or line.nomination_id in revoked:
            continue
        copies.append(
            DecisionAwardee(
                nomination_id=latest.nomination_id,
                award_form_id=latest.award_form_id,
                ballot_item_id=latest.ballot_item_id,
                corrects_id=latest.id,
                position=len(copies) + 1,
                kind=latest.kind,
                recipient_name=latest.recipient_name,
                recipient_detail=latest.recipient_detail,
                unit_name=latest.unit_name,
                model_title=latest.model_title,
                reason=latest.reason,
                council_score=latest.council_score,
                combined_score=latest.combined_score,
            )
        )
    award_form = decision.award_form
    cited = decision.citation(with_issuer=False)
    about = _lowered_title(decision.title)
    amendment = Decision(
        campaign_id=decision.campaign_id,
        award_form_id=decision.award_form_id,
        kind=DecisionKind.AMENDMENT,
        status=DecisionStatus.DRAFT,
        amends_id=decision.id,
        issuer_code=decision.issuer_code,
        symbol=decision.symbol,
        document_format=decision.document_format,
        place_name=decision.place_name,
        parent_body=decision.parent_body,
        issuing_body=decision.issuing_body,
        issuer_in_text=decision.issuer_in_text,
        signer_prefix=decision.signer_prefix,
        signer_authority=decision.signer_authority,
        signer_title=decision.signer_title,
        signer_name=decision.signer_name,
        legal_bases=[basis.text for basis in award_form.legal_bases if basis.applies_on(today_in_vietnam())]
        or list(decision.legal_bases or []),
        title=f"Về việc sửa đổi, bổ sung {cited}" + (f" {about}" if about else ""),
        considering=f"Xét đề nghị của Hội đồng xét chọn mô hình, điển hình “Dân vận khéo” về việc sửa đổi, bổ sung {cited}",
        articles="\n".join(
            [
                f"Điều 1. Sửa đổi, bổ sung Danh sách kèm theo {cited} như Danh sách kèm theo Quyết định này.",
                f"Điều 2. Các nội dung khác của {cited} giữ nguyên hiệu lực. Quyết định này có hiệu lực kể từ ngày ký.",
                "Điều 3. Các cơ quan, đơn vị có liên quan và các tập thể, cá nhân có tên tại Điều 1 "
                "chịu trách nhiệm thi hành Quyết định này.",
            ]
        ),
        recipients=decision.recipients or DEFAULT_RECIPIENTS.format(archive=(award_form.archive or "VT").strip().rstrip(".")),
        created_by_id=actor.id,
        awardees=copies,
    )
    db.session.add(amendment)
    db.session.flush()
    audit.record(
        "decision", amendment.id, "draft", actor, to_state=DecisionStatus.DRAFT.value,
        details={"kind": DecisionKind.AMENDMENT.value, "amends_id": decision.id},
    )
    notices.draft_awaiting_approval(amendment)
    return amendment


# --- reads for pages ----------------------------------------------------------------------------------


def related(decision: Decision) -> dict[str, list[Decision]]:
    """Decisions linked to this one, both ways: what amends or revokes it (one query)."""
    rows = list(
        db.session.scalars(
            sa.select(Decision)
            .where(sa.or_(Decision.amends_id == decision.id, Decision.revokes_id == decision.id))
            .where(Decision.status != DecisionStatus.DISCARDED)
            .order_by(Decision.created_at, Decision.id)
        )
    )
    return {
        "amended_by": [d for d in rows if d.amends_id == decision.id],
        "revoked_by": [d for d in rows if d.revokes_id == decision.id],
    }


def campaign_decisions(campaign_id: int) -> list[tuple[Decision, int, int]]:
    """(decision, lines, revocation items) of a campaign, newest first, links loaded (fixed queries)."""
    lines = (
        sa.select(sa.func.count()).select_from(DecisionAwardee)
        .where(DecisionAwardee.decision_id == Decision.id).correlate(Decision).scalar_subquery()
    )
    items = (
        sa.select(sa.func.count()).select_from(RevocationItem)
        .where(RevocationItem.decision_id == Decision.id).correlate(Decision).scalar_subquery()
    )
    rows = db.session.execute(
        sa.select(Decision, lines, items)
        .where(Decision.campaign_id == campaign_id)
        .options(
            so.joinedload(Decision.award_form), so.joinedload(Decision.amends), so.joinedload(Decision.revokes),
        )
        .order_by(Decision.created_at.desc(), Decision.id.desc())
    ).unique().all()
    return [(decision, n_lines, n_items) for decision, n_lines, n_items in rows]


def ascii_slug(text: str) -> str:
    """"QĐ-BDVTU" -> "QD-BDVTU": file names stay ASCII."""
    text = text.replace("Đ", "D").replace("đ", "d")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in text).strip("-") or "QD"


def pdf_filename(decision: Decision) -> str:
    """"QD-05-BDVTU-2026.pdf"; a draft: "QD-du-thao-12-BDVTU.pdf"."""
    code = ascii_slug(decision.issuer_code)
    if decision.number is None:
        return f"QD-du-thao-{decision.id}-{code}.pdf"
    return f"QD-{decision.number:02d}-{code}-{decision.year}.pdf"

