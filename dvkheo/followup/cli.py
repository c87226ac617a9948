"""`flask followup open-round --year 2026 --unit 7`: the yearly round, from the operator's command line."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from dvkheo.core.rules import RuleRefused
from dvkheo.extensions import db
from dvkheo.followup import workflow
from dvkheo.followup.forms import YEAR_MAX, YEAR_MIN
from dvkheo.units.models import Unit

followup_cli = AppGroup("followup", help="Theo dõi, đánh giá định kỳ mô hình “Dân vận khéo”.")


@followup_cli.command("open-round")
@click.option("--year", type=click.IntRange(YEAR_MIN, YEAR_MAX), required=True, help="Năm theo dõi.")
@click.option("--unit", "unit_id", type=click.IntRange(1, 2**31 - 1), required=True, help="Mã số (id) đơn vị có Hội đồng gửi yêu cầu.")
def open_round_command(year: int, unit_id: int) -> None:
    """Gửi yêu cầu báo cáo theo dõi năm YEAR cho mọi mô hình được công nhận thuộc đơn vị (chạy lại không gửi trùng)."""
    unit = db.session.get(Unit, unit_id)
    if unit is None:
        raise click.ClickException(f"Không có đơn vị mã số {unit_id}.")
    try:
        opened = workflow.open_round(unit, year, None)
    except RuleRefused as refused:
        raise click.ClickException("; ".join(p.message for p in refused.problems)) from None
    db.session.commit()
    click.echo(f"Đã gửi {len(opened)} yêu cầu theo dõi năm {year} ({unit.name})." if opened
               else f"Mọi mô hình của {unit.name} đều đã có yêu cầu theo dõi năm {year}; không gửi thêm.")
