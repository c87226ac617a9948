"""Bench-only endpoints (DVKHEO_BENCH_ENDPOINTS=1, never in production): the floor a load bench
compares against, measured through the same server, app and database settings as the real route."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint

from dvkheo.extensions import csrf, db

bp = Blueprint("bench", __name__)
csrf.exempt(bp)

BENCH_TABLE = sa.text(
    "CREATE TABLE IF NOT EXISTS bench_rows (id BIGSERIAL PRIMARY KEY, payload TEXT NOT NULL, created_at TIMESTAMPTZ NOT NULL DEFAULT now())"
)


@bp.route("/_bench/insert", methods=["POST"])
def insert_row():
    """A bare single-row insert through Flask-SQLAlchemy, committed: the cheapest useful write."""
    db.session.execute(sa.text("INSERT INTO bench_rows (payload) VALUES (:payload)"), {"payload": "x"})
    db.session.commit()
    return "", 204
