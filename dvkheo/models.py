"""Import every domain's models so the metadata (and Alembic) sees all tables."""
from dvkheo.accounts.models import User  # noqa: F401
from dvkheo.campaigns.models import Campaign, Criterion, ReferenceItem  # noqa: F401
from dvkheo.core.audit import AuditEvent  # noqa: F401
from dvkheo.nominations.models import Attachment, Nomination  # noqa: F401
from dvkheo.units.models import Unit  # noqa: F401
