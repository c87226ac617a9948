"""Migrations: upgrade from empty and downgrade to base on SQLite and PostgreSQL, and the
head matches the models (no pending autogenerate diff)."""
from __future__ import annotations

import logging
import os
import uuid

import flask_migrate
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from config import TestingConfig
from dvkheo import create_app
from dvkheo.extensions import db, include_in_schema, limiter

PG_DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
EXPECTED_TABLES = {table.name for table in db.metadata.sorted_tables}


@pytest.fixture(autouse=True)
def _restore_process_state(app):
    """Alembic's env.py runs logging.fileConfig, which disables every logger it does not name;
    and each new app re-binds the shared limiter. Put both back for the tests that follow."""
    manager = logging.root.manager
    disabled = {name: logger.disabled for name, logger in manager.loggerDict.items() if isinstance(logger, logging.Logger)}
    root_level, root_handlers = logging.root.level, list(logging.root.handlers)
    yield
    for name, logger in manager.loggerDict.items():
        if isinstance(logger, logging.Logger):
            logger.disabled = disabled.get(name, False)
    logging.root.setLevel(root_level)
    logging.root.handlers[:] = root_handlers
    limiter.init_app(app)


def _app_for(url: str, tmp_path):
    class MigrationConfig(TestingConfig):
        SQLALCHEMY_DATABASE_URI = url
        UPLOAD_DIR = str(tmp_path / "uploads")

    return create_app(MigrationConfig)


def _table_names() -> set[str]:
    return set(sa.inspect(db.engine).get_table_names())


def _pending_diff() -> list:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "include_object": include_in_schema})
        return compare_metadata(context, db.metadata)


def _round_trip(url: str, tmp_path) -> None:
    migration_app = _app_for(url, tmp_path)
    with migration_app.app_context():
        try:
            assert _table_names() == set()

            flask_migrate.upgrade()
            assert EXPECTED_TABLES <= _table_names()
            assert "alembic_version" in _table_names()
            assert _pending_diff() == []

            flask_migrate.downgrade(revision="base")
            assert _table_names() - {"alembic_version"} == set()
        finally:
            db.session.remove()
            db.engine.dispose()


def test_migrations_round_trip_on_sqlite(tmp_path):
    _round_trip(f"sqlite:///{tmp_path / 'migrations.sqlite'}", tmp_path)


def _postgres_server_url() -> str | None:
    """The PostgreSQL server to create a throwaway database on, or None to skip."""
    url = os.environ.get("TEST_DATABASE_URL", "")
    if url.startswith(("postgresql://", "postgresql+psycopg://", "postgres://")):
        return url
    import psycopg

    try:
        psycopg.connect(_libpq(PG_DEFAULT_SERVER), connect_timeout=2).close()
    except psycopg.OperationalError:
        return None
    return PG_DEFAULT_SERVER


def _libpq(url: str) -> str:
    """psycopg wants a plain libpq URL, SQLAlchemy the +psycopg dialect."""
    return sa.engine.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def test_migrations_round_trip_on_postgresql(tmp_path):
    import psycopg
    from psycopg import sql

    server = _postgres_server_url()
    if server is None:
        pytest.skip("PostgreSQL không chạy trên 127.0.0.1:5432 và TEST_DATABASE_URL không trỏ tới PostgreSQL")
    name = f"dvkheo_migrations_{uuid.uuid4().hex[:12]}"
    admin_url = sa.engine.make_url(_libpq(server)).set(database="postgres")
    throwaway = admin_url.set(database=name, drivername="postgresql+psycopg").render_as_string(hide_password=False)

    with psycopg.connect(admin_url.render_as_string(hide_password=False), autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        _round_trip(throwaway, tmp_path)
    finally:
        with psycopg.connect(admin_url.render_as_string(hide_password=False), autocommit=True) as connection:
            connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def test_search_by_words_migration_recomputes_the_stored_words(tmp_path):
    """Rows stored with the old folded substring text are found by word after the upgrade."""
    migration_app = _app_for(f"sqlite:///{tmp_path / 'search.sqlite'}", tmp_path)
    with migration_app.app_context():
        try:
            flask_migrate.upgrade(revision="cefbc7daf8e5")
            units = sa.table(
                "units", sa.column("id"), sa.column("code"), sa.column("name"), sa.column("kind"),
                sa.column("path"), sa.column("depth"), sa.column("active"), sa.column("search_text"),
            )
            with db.engine.begin() as connection:
                connection.execute(units.insert().values(
                    id=1, code="VN-W21025", name="Phường Cẩm Thành", kind="ward", path="1/", depth=0, active=True,
                    search_text="vn-w21025 phuong cam thanh",
                ))
            flask_migrate.upgrade()
            with db.engine.connect() as connection:
                stored = connection.execute(sa.select(units.c.search_text)).scalar_one()
            assert stored == " vn w21025 phuong cam thanh phường cẩm thành "
        finally:
            db.session.remove()
            db.engine.dispose()
