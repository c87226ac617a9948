"""Flask CLI commands: `flask create-admin`, `flask seed-demo`, `flask units ...`, `flask uploads prune`,
`flask backup`, `flask restore`."""
from __future__ import annotations

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import with_appcontext

from dvkheo.accounts.models import Role, User
from dvkheo.extensions import db


@click.command("create-admin")
@click.option("--email", prompt="Thư điện tử")
@click.option("--name", "full_name", prompt="Họ và tên", default="Quản trị hệ thống")
@click.password_option("--password", prompt="Mật khẩu")
@with_appcontext
def create_admin(email: str, full_name: str, password: str) -> None:
    """Create an administrator, or reset the password of an existing one."""
    email = email.strip().lower()
    user = db.session.scalar(sa.select(User).where(User.email == email))
    if user is None:
        user = User(email=email, full_name=full_name, role=Role.ADMIN, active=True)
        db.session.add(user)
    elif user.role is not Role.ADMIN:
        raise click.ClickException(f"{email} đã là tài khoản với vai trò {user.role.label}.")
    user.set_password(password)
    user.must_change_password = False  # the person running the command chose this password
    if user.id is not None:  # a reset, as the account page's and the admin's: the account's API tokens end
        from dvkheo.accounts import api_tokens

        api_tokens.revoke_all(user, None, api_tokens.REVOKED_BY_PASSWORD)
    db.session.commit()
    click.echo(f"Đã tạo/cập nhật quản trị viên {email}.")


def register_cli(app: Flask) -> None:
    app.cli.add_command(create_admin)
    from dvkheo.demo import seed_demo_command
    from dvkheo.nominations.cli import uploads_cli
    from dvkheo.units.cli import units_cli

    app.cli.add_command(seed_demo_command)
    app.cli.add_command(units_cli)
    app.cli.add_command(uploads_cli)
    from dvkheo.voting.cli import votes_cli

    app.cli.add_command(votes_cli)
    from dvkheo.core.jobs import jobs_cli

    app.cli.add_command(jobs_cli)
    from dvkheo.privacy.cli import privacy_cli

    app.cli.add_command(privacy_cli)
    from dvkheo.review.cli import review_cli

    app.cli.add_command(review_cli)
    from dvkheo.followup.cli import followup_cli

    app.cli.add_command(followup_cli)
    from dvkheo.core.backup import backup_command, restore_command

    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
