from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.command("seed-demo")
@with_appcontext
def seed_demo_command() -> None:
    """Load demo data (idempotent)."""
    click.echo("chưa có dữ liệu mẫu")
