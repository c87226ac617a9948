"""Import every domain's models so the metadata (and Alembic) sees all tables."""
from dvkheo.accounts.models import LoginThrottle, PasswordResetToken, User  # noqa: F401
from dvkheo.accounts.api_tokens import ApiToken  # noqa: F401
from dvkheo.awards.models import (  # noqa: F401
    AwardForm, Decision, DecisionAwardee, LegalBasis, NominationForward, RevocationItem, SignedCopy,
)
from dvkheo.campaigns.models import Campaign, Criterion, ReferenceItem  # noqa: F401
from dvkheo.certificates.models import Certificate, PrinterCalibration, PrintJob  # noqa: F401
from dvkheo.core.audit import AuditEvent  # noqa: F401
from dvkheo.core.notifications import Notification, OutboxMessage  # noqa: F401
from dvkheo.core.numbering import DocumentNumber  # noqa: F401
from dvkheo.documents.models import DocumentSystem  # noqa: F401
from dvkheo.council.models import BallotAttendance, BallotItem, CouncilBallot, CouncilMember  # noqa: F401
from dvkheo.nominations.models import Attachment, Nomination  # noqa: F401
from dvkheo.review.models import NominationHold, ReviewAssignment, Score  # noqa: F401
from dvkheo.units.models import Unit  # noqa: F401
from dvkheo.voting.models import EmailCode, Objection, Vote, VoteBatch, VoteChain, Voter, VoterListEntry  # noqa: F401
from dvkheo.privacy.models import DataRequest  # noqa: F401
from dvkheo.registry.models import Recognition, RegisteredModel  # noqa: F401
from dvkheo.followup.models import FollowUp, FollowUpFile  # noqa: F401
from dvkheo.replication.models import Replication, ReplicationFile  # noqa: F401
from dvkheo.reports.models import PeriodicReport  # noqa: F401
