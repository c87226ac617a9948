"""Extensions are created unbound here and bound in `create_app`."""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase

from dvkheo.core.signing import CSRFProtect

# Named constraints let Alembic drop and alter them on SQLite (batch mode) and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def include_in_schema(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's filter: an index built only on PostgreSQL (`ddl_if(dialect="postgresql")`, e.g. the
    registry's trigram index) is no difference on SQLite, where it does not exist on purpose."""
    if type_ == "index" and not reflected and obj is not None:
        only_on = getattr(getattr(obj, "_ddl_if", None), "dialect", None)
        if only_on and _dialect_name() not in (only_on if isinstance(only_on, (list, tuple, set)) else (only_on,)):
            return False
    return True


def _dialect_name() -> str:
    return db.engine.dialect.name
