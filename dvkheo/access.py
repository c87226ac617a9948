"""Who may do what: every permission of the app, in one place.

Predicates take (user, object) and know the object's state. Views call them before
processing a form, services call them again, templates call them to hide buttons.
Scoped queries give list pages exactly the rows a user may see.
"""
from __future__ import annotations

from functools import wraps
from typing import Callable

import sqlalchemy as sa
from flask import abort
from flask_login import current_user

from dvkheo.accounts.models import Role, User
from dvkheo.campaigns.models import Campaign
from dvkheo.extensions import db
from dvkheo.nominations.models import Attachment, Nomination

COMMITTEE_ROLES = (Role.SECRETARY, Role.CHAIR)


def _authenticated(user: User | None) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.is_active


def is_admin(user: User | None) -> bool:
    return _authenticated(user) and user.role is Role.ADMIN


def is_campaign_staff(user: User | None, campaign: Campaign) -> bool:
    """Secretary or chair of the organising committee of this campaign."""
    return (
        _authenticated(user)
        and user.role in COMMITTEE_ROLES
        and user.unit_id is not None
        and user.unit_id == campaign.organising_unit_id
    )


def can_manage_campaign(user: User | None, campaign: Campaign) -> bool:
    return is_admin(user) or (
        _authenticated(user) and user.role is Role.SECRETARY and user.unit_id == campaign.organising_unit_id
    )


def can_create_campaign(user: User | None) -> bool:
    return is_admin(user) or (_authenticated(user) and user.role is Role.SECRETARY and user.unit_id is not None)


def is_own_unit_submitter(user: User | None, nomination: Nomination) -> bool:
    return (
        _authenticated(user)
        and user.role is Role.UNIT_SUBMITTER
        and user.unit_id is not None
        and user.unit_id == nomination.unit_id
    )


def can_nominate(user: User | None) -> bool:
    return _authenticated(user) and user.role is Role.UNIT_SUBMITTER and user.unit_id is not None


def can_view_nomination(user: User | None, nomination: Nomination) -> bool:
    if is_own_unit_submitter(user, nomination) or is_admin(user):
        return True
    # The committee sees a dossier once it is sent, never a unit's unsent draft.
    from dvkheo.nominations.states import NominationState

    if nomination.status is not NominationState.DRAFT and is_campaign_staff(user, nomination.campaign):
        return True
    # A council member sees exactly the dossiers they are asked to score.
    return is_assigned_reviewer(user, nomination)


def can_edit_nomination(user: User | None, nomination: Nomination) -> bool:
    return is_own_unit_submitter(user, nomination) and nomination.is_editable


def can_download_attachment(user: User | None, attachment: Attachment) -> bool:
    return can_view_nomination(user, attachment.nomination)


# --- review and council ---------------------------------------------------------------------

COUNCIL_ROLES = (Role.REVIEWER, Role.CHAIR)


def is_campaign_secretary(user: User | None, campaign: Campaign) -> bool:
    """The secretary who screens, assigns, ranks, shortlists and runs the ballot."""
    return is_campaign_staff(user, campaign) and user.role is Role.SECRETARY


def is_council_member(user: User | None, campaign: Campaign) -> bool:
    if not _authenticated(user) or user.role not in COUNCIL_ROLES:
        return False
    from dvkheo.council.queries import membership

    return membership(campaign.id, user.id) is not None


def is_assigned_reviewer(user: User | None, nomination: Nomination) -> bool:
    """A council member with a live (not conflicted, not removed) assignment on this nomination."""
    if not _authenticated(user) or user.role not in COUNCIL_ROLES:
        return False
    from dvkheo.review.queries import active_assignment

    return active_assignment(nomination.id, user.id) is not None


def can_score(user: User | None, assignment) -> bool:
    """Only the assigned reviewer writes their own scores, and only while the dossier is in review."""
    from dvkheo.nominations.states import NominationState
    from dvkheo.review.models import AssignmentStatus

    return (
        _authenticated(user)
        and assignment.reviewer_id == user.id
        and assignment.status is AssignmentStatus.ACTIVE
        and assignment.finalised_at is None
        and assignment.nomination.status is NominationState.IN_REVIEW
    )


def can_enter_paper_scores(user: User | None, assignment) -> bool:
    """The secretary types in a paper scoring sheet on the reviewer's behalf (recorded as such)."""
    from dvkheo.nominations.states import NominationState
    from dvkheo.review.models import AssignmentStatus

    return (
        is_campaign_secretary(user, assignment.nomination.campaign)
        and assignment.status is AssignmentStatus.ACTIVE
        and assignment.finalised_at is None
        and assignment.nomination.status is NominationState.IN_REVIEW
    )


def is_own_sheet(user: User | None, assignment) -> bool:
    """The reviewer's own live assignment: only they open its score page (everyone else: 404)."""
    from dvkheo.review.models import AssignmentStatus

    return _authenticated(user) and assignment.reviewer_id == user.id and assignment.status is AssignmentStatus.ACTIVE


def _own_sheet_on(user: User | None, nomination: Nomination):
    """`user`'s live sheet on this nomination, whatever role they hold now (None when they score it not)."""
    if not _authenticated(user):
        return None
    from dvkheo.review.queries import active_assignment

    return active_assignment(nomination.id, user.id)


def can_see_colleague_scores(user: User | None, nomination: Nomination) -> bool:
    """Whether `user` may read the other reviewers' scores and comments on this nomination.

    Blind review holds for everyone who scores: a person with a live sheet on the dossier sees
    no colleague's score or comment before finalising their own, whatever other role they hold
    (the chair scoring as a council member included), unless the campaign scores openly
    (`blind_scoring` off). Everyone else: the committee (secretary, chair) and an administrator
    may; nobody else.
    """
    if not _authenticated(user):
        return False
    own = _own_sheet_on(user, nomination)
    if own is not None:
        return own.finalised_at is not None or not nomination.campaign.blind_scoring
    return is_admin(user) or is_campaign_staff(user, nomination.campaign)


def blind_nomination_ids(user: User | None, campaign: Campaign) -> frozenset[int]:
    """The campaign's dossiers whose colleagues' scores `user` may not see yet: those they still score.

    For the pages that aggregate many dossiers (ranking, its export): one query whatever their number.
    Empty when the campaign scores openly.
    """
    if not _authenticated(user) or not campaign.blind_scoring:
        return frozenset()
    from dvkheo.review.models import AssignmentStatus, ReviewAssignment

    return frozenset(
        db.session.scalars(
            sa.select(ReviewAssignment.nomination_id)
            .join(Nomination, Nomination.id == ReviewAssignment.nomination_id)
            .where(
                Nomination.campaign_id == campaign.id,
                ReviewAssignment.reviewer_id == user.id,
                ReviewAssignment.status == AssignmentStatus.ACTIVE,
                ReviewAssignment.finalised_at.is_(None),
            )
        )
    )


def can_see_reviewers(user: User | None, nomination: Nomination) -> bool:
    """Who scores a dossier is the committee's business: the secretary, the chair and an administrator
    see the reviewers named in its history; its unit (and anyone else who may open it) never does."""
    return can_view_review(user, nomination.campaign)


def can_manage_review(user: User | None, campaign: Campaign) -> bool:
    """Screening, assignment, ranking, shortlist, council set-up and ballots: the campaign's secretary."""
    return is_campaign_secretary(user, campaign)


def can_view_review(user: User | None, campaign: Campaign) -> bool:
    """Read-only committee pages (inbox, progress, ranking): the secretary, the chair, an administrator."""
    return is_admin(user) or is_campaign_staff(user, campaign)


def can_view_ballot(user: User | None, ballot) -> bool:
    """A council ballot's page: the committee (and an administrator) and the campaign's council members."""
    return can_view_review(user, ballot.campaign) or is_council_member(user, ballot.campaign)


def can_cast_ballot(user: User | None, ballot, attendance) -> bool:
    """Only the member themself, present, voting electronically, once, while the ballot is open.

    Nobody votes for another member (not the secretary, the chair or an administrator): a paper
    voter's ballot is counted in the secretary's paper tally instead.
    """
    from dvkheo.council.models import BallotStatus

    return (
        _authenticated(user)
        and attendance is not None
        and attendance.ballot_id == ballot.id
        and attendance.member_id == user.id
        and attendance.present
        and attendance.vote_mode == "electronic"
        and not attendance.has_voted
        and ballot.status is BallotStatus.OPEN
    )


def can_read_minutes(user: User | None, ballot) -> bool:
    """The minutes ("Biên bản họp Hội đồng") once counted: the committee, the council's chair, an administrator."""
    from dvkheo.council.models import BallotStatus, CouncilRole

    if ballot.status is not BallotStatus.CLOSED:
        return False
    if can_view_review(user, ballot.campaign):
        return True
    if not _authenticated(user) or user.role not in COUNCIL_ROLES:
        return False
    from dvkheo.council.queries import membership

    member = membership(ballot.campaign_id, user.id)
    return member is not None and member.council_role is CouncilRole.CHAIR


def is_within_campaign_area(user: User | None, campaign: Campaign) -> bool:
    """A signed-in user whose unit lies in the campaign's tree, or an administrator: they may learn
    that the campaign's staff pages exist (403 when they lack the permission), others get 404."""
    return is_admin(user) or (
        _authenticated(user) and user.unit is not None and user.unit.is_within(campaign.organising_unit)
    )


# --- public stage -------------------------------------------------------------------------------


def is_public(campaign: Campaign) -> bool:
    """The gallery shows a campaign's shortlist from its public phase on (anyone, no login)."""
    from dvkheo.campaigns.models import CampaignStatus

    return campaign.status in (
        CampaignStatus.PUBLIC_VOTING, CampaignStatus.COUNCIL_DECISION, CampaignStatus.AWARDED, CampaignStatus.CLOSED,
    ) and campaign.has_public_stage


def can_handle_objections(user: User | None, campaign: Campaign) -> bool:
    return is_campaign_secretary(user, campaign)


def can_manage_voter_list(user: User | None, campaign: Campaign) -> bool:
    return is_campaign_secretary(user, campaign)


def can_assist_voting(user: User | None, campaign: Campaign) -> bool:
    """Commune staff (unit submitters) inside the campaign's area record assisted votes, when the campaign has them."""
    if not (_authenticated(user) and user.role is Role.UNIT_SUBMITTER and user.unit is not None and campaign.assisted_voting):
        return False
    return user.unit.is_within(campaign.organising_unit)


def can_assist_entry(user: User | None, entry) -> bool:
    """A voter-list entry of the official's own unit or below (an entry without a unit: any official of the area)."""
    if entry.unit is None:
        return True
    return _authenticated(user) and user.unit is not None and entry.unit.is_within(user.unit)


def can_handle_data_requests(user: User | None, campaign: Campaign) -> bool:
    """Data subjects' requests about a campaign (Law 91/2025): its secretary, or an administrator."""
    return is_admin(user) or is_campaign_secretary(user, campaign)


def can_see_data_request_queue(user: User | None) -> bool:
    return is_admin(user) or (_authenticated(user) and user.role is Role.SECRETARY and user.unit_id is not None)


def visible_data_requests(user: User) -> sa.Select:
    """SELECT of the data requests `user` handles: all for an administrator, else their committee's campaigns."""
    from dvkheo.privacy.models import DataRequest

    query = sa.select(DataRequest)
    if is_admin(user):
        return query
    if _authenticated(user) and user.role is Role.SECRETARY and user.unit_id is not None:
        return query.join(Campaign, DataRequest.campaign_id == Campaign.id).where(
            Campaign.organising_unit_id == user.unit_id
        )
    return query.where(sa.false())


def can_administer(user: User | None) -> bool:
    return is_admin(user)


def can_manage_document_systems(user: User | None) -> bool:
    """The document systems (Party, State, custom) every issuer writes in: administrators only, since a
    change reaches every office's next decision, minutes and certificate."""
    return is_admin(user)


def visible_nominations(user: User) -> sa.Select:
    """SELECT of the nominations `user` may list; other units' rows never appear."""
    from dvkheo.nominations.states import NominationState

    query = sa.select(Nomination)
    if is_admin(user):
        return query
    if user.role is Role.UNIT_SUBMITTER and user.unit_id is not None:
        return query.where(Nomination.unit_id == user.unit_id)
    if user.role in COMMITTEE_ROLES and user.unit_id is not None:
        return query.join(Campaign, Nomination.campaign_id == Campaign.id).where(
            Campaign.organising_unit_id == user.unit_id, Nomination.status != NominationState.DRAFT
        )
    if user.role is Role.REVIEWER:
        from dvkheo.review.models import AssignmentStatus, ReviewAssignment

        return query.where(
            Nomination.id.in_(
                sa.select(ReviewAssignment.nomination_id).where(
                    ReviewAssignment.reviewer_id == user.id, ReviewAssignment.status == AssignmentStatus.ACTIVE
                )
            )
        )
    return query.where(sa.false())


def can_view_campaign(user: User | None, campaign: Campaign) -> bool:
    return is_admin(user) or is_campaign_staff(user, campaign)


def visible_campaigns(user: User) -> sa.Select:
    """SELECT of the campaigns `user` may list: all for an administrator, else their committee's."""
    query = sa.select(Campaign)
    if is_admin(user):
        return query
    if user.role in COMMITTEE_ROLES and user.unit_id is not None:
        return query.where(Campaign.organising_unit_id == user.unit_id)
    return query.where(sa.false())


# --- awards, decisions, certificates (issue 5) --------------------------------------------------


def can_view_decisions(user: User | None, campaign: Campaign) -> bool:
    """A campaign's decisions and certificates: the committee (secretary, chair) and an administrator."""
    return can_view_review(user, campaign)


def can_draft_decision(user: User | None, campaign: Campaign) -> bool:
    """Drafting and editing a decision, an amendment or a revocation: the campaign's secretary."""
    return is_campaign_secretary(user, campaign)


def is_campaign_chair(user: User | None, campaign: Campaign) -> bool:
    return _authenticated(user) and user.role is Role.CHAIR and user.unit_id == campaign.organising_unit_id


def campaign_staff(campaign: Campaign, role: Role) -> list[User]:
    """The active secretaries (or chairs) of the committee organising `campaign`: who its work-queue notices go to."""
    return list(
        db.session.scalars(
            sa.select(User)
            .where(User.role == role, User.unit_id == campaign.organising_unit_id, User.active.is_(True))
            .order_by(User.id)
        )
    )


def can_approve_decision(user: User | None, decision) -> bool:
    """Approving (or returning) a draft: the chair who signs it."""
    return is_campaign_chair(user, decision.campaign)


def can_issue_decision(user: User | None, decision) -> bool:
    """Issuing an approved decision (taking its number): the chair, or the secretary who keeps the register."""
    return is_campaign_staff(user, decision.campaign)


def can_print_certificates(user: User | None, campaign: Campaign) -> bool:
    """Certificates of a campaign, single or batch, on paper or blanks: the committee."""
    return is_campaign_staff(user, campaign)


def can_download_certificate(user: User | None, certificate) -> bool:
    """The committee of the campaign, an administrator, and the unit whose nomination was commended."""
    campaign = certificate.decision.campaign
    if can_view_review(user, campaign):
        return True
    return is_own_unit_submitter(user, certificate.awardee.nomination)


def can_manage_printers(user: User | None, unit_id: int | None) -> bool:
    """A unit's printers and their calibration: its secretary or chair, or an administrator."""
    return is_admin(user) or (
        _authenticated(user) and user.role in COMMITTEE_ROLES and unit_id is not None and user.unit_id == unit_id
    )


def can_forward_nomination(user: User | None, nomination: Nomination) -> bool:
    """Proposing an awarded nomination to a parent unit's campaign: the secretary of its campaign."""
    return is_campaign_secretary(user, nomination.campaign)


def can_manage_recovery(user: User | None, certificate) -> bool:
    """Recording that a revoked certificate came back: the campaign's secretary."""
    return is_campaign_secretary(user, certificate.decision.campaign)


def can_edit_model_summary(user: User | None, model) -> bool:
    """Writing and submitting a registered model's public summary: the staff of the unit that owns it."""
    return (
        _authenticated(user)
        and user.role is Role.UNIT_SUBMITTER
        and user.unit_id is not None
        and user.unit_id == model.unit_id
    )


def model_committee_unit_ids(model) -> set[int]:
    """The organising units of the committees whose standing awards recognise `model`, and of those that imported
    a standing recognition of it made elsewhere (they answer for what they recorded)."""
    units = set()
    for recognition in model.recognitions:
        if recognition.revoked_at is not None:
            continue
        if recognition.decision is not None:
            units.add(recognition.decision.campaign.organising_unit_id)
        elif recognition.import_batch is not None:
            units.add(recognition.import_batch.committee_unit_id)
    return units


def can_review_model_summary(user: User | None, model) -> bool:
    """Approving or returning a model's public summary: the secretary or chair of a committee that awarded it."""
    return (
        _authenticated(user)
        and user.role in COMMITTEE_ROLES
        and user.unit_id is not None
        and user.unit_id in model_committee_unit_ids(model)
    )


def reviewable_models(user: User) -> sa.Select:
    """The registered models whose summary `user`'s committee may approve (see `can_review_model_summary`)."""
    from dvkheo.awards.models import Decision
    from dvkheo.registry.models import Recognition, RegisteredModel

    if not _authenticated(user) or user.role not in COMMITTEE_ROLES or user.unit_id is None:
        return sa.select(RegisteredModel).where(sa.false())
    from dvkheo.registry.models import ImportBatch

    awarded = (
        sa.select(Recognition.model_id)
        .join(Decision, Recognition.decision_id == Decision.id)
        .join(Campaign, Decision.campaign_id == Campaign.id)
        .where(Recognition.revoked_at.is_(None), Campaign.organising_unit_id == user.unit_id)
    )
    imported = (
        sa.select(Recognition.model_id)
        .join(ImportBatch, Recognition.import_batch_id == ImportBatch.id)
        .where(Recognition.revoked_at.is_(None), ImportBatch.committee_unit_id == user.unit_id)
    )
    return sa.select(RegisteredModel).where(sa.or_(RegisteredModel.id.in_(awarded), RegisteredModel.id.in_(imported)))


def editable_models(user: User) -> sa.Select:
    """The registered models whose summary `user` may write (see `can_edit_model_summary`)."""
    from dvkheo.registry.models import RegisteredModel

    if not _authenticated(user) or user.role is not Role.UNIT_SUBMITTER or user.unit_id is None:
        return sa.select(RegisteredModel).where(sa.false())
    return sa.select(RegisteredModel).where(RegisteredModel.unit_id == user.unit_id)


def can_import_models(user: User | None) -> bool:
    """Recording in the registry the models that a committee's lower levels recognised outside the app (from a
    spreadsheet): the secretary or chair of an organising committee, for the units of its own subtree."""
    return _authenticated(user) and user.role in COMMITTEE_ROLES and user.unit_id is not None and user.unit is not None


def can_import_into(user: User | None, unit) -> bool:
    """A committee records recognitions of its own unit and the units below it, never of another branch."""
    return can_import_models(user) and unit.is_within(user.unit)


def can_handle_import(user: User | None, batch) -> bool:
    """An uploaded file, its preview, confirmation and history: the staff of the committee that uploaded it."""
    return can_import_models(user) and user.unit_id == batch.committee_unit_id


def import_batches(user: User) -> sa.Select:
    """The import files `user`'s committee uploaded (see `can_handle_import`)."""
    from dvkheo.registry.models import ImportBatch

    if not can_import_models(user):
        return sa.select(ImportBatch).where(sa.false())
    return sa.select(ImportBatch).where(ImportBatch.committee_unit_id == user.unit_id)


# --- follow-up of recognised models (issue 15) ---------------------------------------------------


def followup_committee_unit_id(user: User | None) -> int | None:
    """The unit whose organising committee `user` serves as secretary or chair (who asks for follow-ups)."""
    if _authenticated(user) and user.role in COMMITTEE_ROLES and user.unit_id is not None:
        return user.unit_id
    return None


def can_request_followup(user: User | None, model) -> bool:
    """Asking a model's unit for a follow-up: a committee whose tree holds the model, while the model is
    recognised and not ended (an ended model is no longer followed)."""
    from dvkheo.registry.models import ModelStatus

    return (
        followup_committee_unit_id(user) is not None
        and user.unit is not None
        and model.is_recognised
        and model.status is not ModelStatus.ENDED
        and model.unit.is_within(user.unit)
    )


def can_answer_followup(user: User | None, followup) -> bool:
    """Writing and sending the answer: the staff of the unit that owns the model."""
    return (
        _authenticated(user)
        and user.role is Role.UNIT_SUBMITTER
        and user.unit_id is not None
        and user.unit_id == followup.model.unit_id
    )


def can_review_followup(user: User | None, followup) -> bool:
    """Accepting, returning, cancelling, moving the deadline: the committee that asked."""
    return followup_committee_unit_id(user) is not None and user.unit_id == followup.committee_unit_id


def can_view_followup(user: User | None, followup) -> bool:
    return is_admin(user) or can_answer_followup(user, followup) or can_review_followup(user, followup)


def visible_followups(user: User) -> sa.Select:
    """SELECT of the follow-up requests `user` may list: all for an administrator, their unit's models for a
    unit, the requests their committee sent for a committee; nothing for anyone else."""
    from dvkheo.followup.models import FollowUp
    from dvkheo.registry.models import RegisteredModel

    query = sa.select(FollowUp)
    if is_admin(user):
        return query
    if _authenticated(user) and user.role is Role.UNIT_SUBMITTER and user.unit_id is not None:
        return query.where(FollowUp.model_id.in_(sa.select(RegisteredModel.id).where(RegisteredModel.unit_id == user.unit_id)))
    committee = followup_committee_unit_id(user)
    if committee is not None:
        return query.where(FollowUp.committee_unit_id == committee)
    return query.where(sa.false())


def followed_models(user: User) -> sa.Select:
    """SELECT of the recognised models in the tree of `user`'s committee (what it may ask to follow up)."""
    from dvkheo.registry.models import RegisteredModel
    from dvkheo.units.models import Unit

    committee = followup_committee_unit_id(user)
    if committee is None or user.unit is None:
        return sa.select(RegisteredModel).where(sa.false())
    return (
        sa.select(RegisteredModel)
        .join(Unit, RegisteredModel.unit_id == Unit.id)
        .where(RegisteredModel.is_recognised.is_(True), Unit.path.startswith(user.unit.path, autoescape=True))
    )


def load_followup(followup_id: int, *options):
    """A follow-up request the current user may open, else 404: another unit learns nothing, not even that it exists."""
    from dvkheo.followup.models import FollowUp

    followup = get_or_404(FollowUp, followup_id, *options)
    if not can_view_followup(current_user, followup):
        abort(404)
    return followup


# --- replication of registered models (issue 15) -------------------------------------------------


def is_replication_unit_staff(user: User | None, replication) -> bool:
    """Staff of the unit that declared the replication: they write, submit, withdraw it."""
    return (
        _authenticated(user)
        and user.role is Role.UNIT_SUBMITTER
        and user.unit_id is not None
        and user.unit_id == replication.unit_id
    )


def can_declare_replication(user: User | None, model) -> bool:
    """A unit's staff declare that their unit applies a recognised model of another unit. A unit with no level
    above it has no committee to confirm it, so it cannot declare one."""
    return (
        _authenticated(user)
        and user.role is Role.UNIT_SUBMITTER
        and user.unit is not None
        and user.unit.parent_id is not None
        and model.is_recognised
        and user.unit_id != model.unit_id
    )


def is_committee_above(user: User | None, unit_id: int, parent_id: int | None) -> bool:
    """Secretary or chair of the organising committee of the unit's parent level."""
    return (
        _authenticated(user)
        and user.role in COMMITTEE_ROLES
        and user.unit_id is not None
        and parent_id is not None
        and user.unit_id == parent_id
    )


def can_confirm_replication(user: User | None, replication) -> bool:
    """Confirming or returning a replication: the committee above the declaring unit."""
    return is_committee_above(user, replication.unit_id, replication.unit.parent_id)


def can_view_replication(user: User | None, replication) -> bool:
    """Its unit always; the committee above once it was sent (never a draft); an administrator."""
    from dvkheo.replication.models import ReplicationState

    if is_replication_unit_staff(user, replication) or is_admin(user):
        return True
    return replication.status is not ReplicationState.DRAFT and can_confirm_replication(user, replication)


def can_download_replication_file(user: User | None, replication) -> bool:
    return can_view_replication(user, replication)


def visible_replications(user: User) -> sa.Select:
    """SELECT of the replications `user` may list: their unit's, or (committee) those of the units right below
    their own once sent; an administrator all."""
    from dvkheo.replication.models import Replication, ReplicationState
    from dvkheo.units.models import Unit

    query = sa.select(Replication)
    if is_admin(user):
        return query
    if not _authenticated(user) or user.unit_id is None:
        return query.where(sa.false())
    if user.role is Role.UNIT_SUBMITTER:
        return query.where(Replication.unit_id == user.unit_id)
    if user.role in COMMITTEE_ROLES:
        below = sa.select(Unit.id).where(Unit.parent_id == user.unit_id)
        return query.where(Replication.unit_id.in_(below), Replication.status != ReplicationState.DRAFT)
    return query.where(sa.false())


def can_nominate_from_replication(user: User | None, replication) -> bool:
    """Writing a dossier from a confirmed replication: the staff of the unit that replicated."""
    from dvkheo.replication.models import ReplicationState

    return replication.status is ReplicationState.CONFIRMED and is_replication_unit_staff(user, replication)


def load_replication(replication_id: int):
    """A replication the current user may see, or 404 (another unit learns nothing)."""
    from dvkheo.replication.models import Replication

    replication = get_or_404(Replication, replication_id)
    if not can_view_replication(current_user, replication):
        abort(404)
    return replication


# --- periodic reports (issue 16) ---------------------------------------------------------------


def is_unit_committee(user: User | None, unit_id: int | None) -> bool:
    """Secretary or chair of the committee of this very unit."""
    return (
        _authenticated(user)
        and user.role in COMMITTEE_ROLES
        and user.unit_id is not None
        and unit_id is not None
        and user.unit_id == unit_id
    )


def can_create_report(user: User | None) -> bool:
    """A committee writes the periodic report of its own unit (its subtree counted)."""
    return _authenticated(user) and user.role in COMMITTEE_ROLES and user.unit_id is not None


def can_write_report(user: User | None, report) -> bool:
    """Saving and submitting: the committee of the report's unit, while the report is in its hands."""
    from dvkheo.reports.models import ReportState

    return is_unit_committee(user, report.unit_id) and report.state in (ReportState.DRAFT, ReportState.RETURNED)


def is_report_recipient(user: User | None, report) -> bool:
    """The committee of the level directly above the report's unit: it receives the report."""
    return is_committee_above(user, report.unit_id, report.unit.parent_id)


def can_return_report(user: User | None, report) -> bool:
    from dvkheo.reports.models import ReportState

    return report.state is ReportState.SUBMITTED and is_report_recipient(user, report)


def can_view_report(user: User | None, report) -> bool:
    """Its own committee always; the level directly above once it was submitted (never a draft, nor a report
    returned to its unit for completion); an administrator. Nobody else, not the level above the level above
    (it reads its own subordinates' sums), not a lower unit."""
    from dvkheo.reports.models import ReportState

    if is_admin(user) or is_unit_committee(user, report.unit_id):
        return True
    return report.state is ReportState.SUBMITTED and is_report_recipient(user, report)


def visible_reports(user: User) -> sa.Select:
    """SELECT of the reports `user` may list: their unit's own, and the submitted ones of the units right below."""
    from dvkheo.reports.models import PeriodicReport, ReportState
    from dvkheo.units.models import Unit

    query = sa.select(PeriodicReport)
    if is_admin(user):
        return query
    if not can_create_report(user):
        return query.where(sa.false())
    below = sa.select(Unit.id).where(Unit.parent_id == user.unit_id)
    return query.where(
        sa.or_(
            PeriodicReport.unit_id == user.unit_id,
            sa.and_(PeriodicReport.unit_id.in_(below), PeriodicReport.state == ReportState.SUBMITTED),
        )
    )


def can_summarise_reports(user: User | None) -> bool:
    """The "Tổng hợp" page sums what the units right below submitted: a committee."""
    return can_create_report(user)


def load_report(report_id: int):
    """A report the current user may open, else 404: another unit learns nothing, not even that it exists."""
    from dvkheo.reports.models import PeriodicReport

    report = get_or_404(PeriodicReport, report_id)
    if not can_view_report(current_user, report):
        abort(404)
    return report


# --- statistics ("Thống kê", issue 16) ---------------------------------------------------------

STATISTICS_ROLES = (Role.UNIT_SUBMITTER, Role.SECRETARY, Role.CHAIR, Role.REVIEWER)


def can_use_statistics(user: User | None) -> bool:
    """The statistics page at all: administrators, and the staff of a unit. Citizens never."""
    return is_admin(user) or (_authenticated(user) and user.role in STATISTICS_ROLES and user.unit_id is not None)


def can_view_statistics(user: User | None, unit) -> bool:
    """The figures of `unit`'s subtree (`unit` None: the whole tree). Staff see their own unit and anything below
    it, never a sibling or a level above; administrators see any unit and the whole tree."""
    if is_admin(user):
        return True
    if unit is None or not can_use_statistics(user):
        return False
    return unit.is_within(user.unit)


def statistics_root(user: User | None):
    """Where the statistics page opens: the staff's own unit; for an administrator the only top-level unit when
    the tree has one, else None (the whole tree, "Toàn quốc")."""
    from dvkheo.units.models import Unit

    if not can_use_statistics(user):
        return None
    if not is_admin(user):
        return user.unit
    tops = db.session.scalars(sa.select(Unit).where(Unit.parent_id.is_(None)).order_by(Unit.code).limit(2)).all()
    return tops[0] if len(tops) == 1 else None


# --- view helpers -----------------------------------------------------------------------


def get_or_404(model, object_id: int, *options):
    obj = db.session.get(model, object_id, options=list(options) or None)
    if obj is None:
        abort(404)
    return obj


def require(allowed: bool) -> None:
    """403 unless allowed. Object visibility failures use 404 instead (see `load_nomination`)."""
    if not allowed:
        abort(403)


def load_nomination(nomination_id: int, *, for_edit: bool = False, user: User | None = None) -> Nomination:
    """Load a nomination the current user (or `user`: a staff API token's owner) may see, or 404
    (other units learn nothing)."""
    user = current_user if user is None else user
    nomination = get_or_404(Nomination, nomination_id)
    if not can_view_nomination(user, nomination):
        abort(404)
    if for_edit and not can_edit_nomination(user, nomination):
        abort(403)
    return nomination


def load_decision(decision_id: int, *options):
    """A decision (award, amendment, revocation: its page, PDF, Word copy, signed copies) the current user may read,
    else 404. Like the minutes and the certificates, a user outside the campaign's committee learns nothing, not even
    that the number exists: no 403 for someone elsewhere in the campaign's tree either."""
    from dvkheo.awards.models import Decision

    decision = get_or_404(Decision, decision_id, *options)
    if not can_view_decisions(current_user, decision.campaign):
        abort(404)
    return decision


def load_review_campaign(campaign_id: int, *, manage: bool = False) -> Campaign:
    """A campaign for the committee's review pages: 404 to outsiders, 403 to staff who may only read."""
    campaign = get_or_404(Campaign, campaign_id)
    if not can_view_review(current_user, campaign):
        abort(404)
    if manage:
        require(can_manage_review(current_user, campaign))
    return campaign


def load_campaign(campaign_id: int, *, manage: bool = False) -> Campaign:
    """The campaign if the current user may see it (else 404) and, with `manage`, edit it (else 403)."""
    campaign = get_or_404(Campaign, campaign_id)
    if not can_view_campaign(current_user, campaign):
        abort(404)
    if manage:
        require(can_manage_campaign(current_user, campaign))
    return campaign


def roles_required(*roles: Role) -> Callable:
    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                from dvkheo.extensions import login_manager

                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def admin_required(view: Callable) -> Callable:
    return roles_required(Role.ADMIN)(view)
