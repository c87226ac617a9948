"""`flask votes verify CAMPAIGN_ID`: recompute a campaign's vote chain and tallies, report tampering.

Prints the number of events, the head hash, the tallies per nominee (with titles) and every
problem found, in Vietnamese; exits 0 when the chain is intact, 1 otherwise. Prints no voter:
the chain holds none.
"""
from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from dvkheo.campaigns.models import Campaign
from dvkheo.extensions import db
from dvkheo.nominations.models import Nomination
from dvkheo.voting import ledger

votes_cli = AppGroup("votes", help="Phiếu bình chọn công khai: kiểm tra chuỗi ghi nhận phiếu.")


@votes_cli.command("verify")
@click.argument("campaign_id", type=int)
def verify_command(campaign_id: int) -> None:
    """Tính lại chuỗi sự kiện bình chọn và số phiếu của một đợt bình xét."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        raise click.ClickException(f"Không có đợt bình xét số {campaign_id}.")
    report = ledger.verify(campaign.id)
    seq, stored_head = ledger.chain_head(campaign.id)
    click.echo(f"Đợt bình xét số {campaign.id}: {campaign.title}")
    click.echo(f"Số sự kiện trong chuỗi: {report.events}")
    click.echo(f"Mã băm cuối chuỗi (tính lại): {report.head_hash}")
    click.echo(f"Đầu chuỗi đã lưu: sự kiện số {seq}, mã băm {stored_head}")
    titles = dict(
        db.session.execute(sa.select(Nomination.id, Nomination.title).where(Nomination.id.in_(list(report.tallies)))).tuples().all()
    )
    click.echo("Số phiếu còn hiệu lực theo chuỗi:")
    if not report.tallies:
        click.echo("  (chưa có phiếu)")
    for nomination_id, total in sorted(report.tallies.items(), key=lambda item: (-item[1], item[0])):
        click.echo(f"  Hồ sơ số {nomination_id} · {titles.get(nomination_id, '')}: {total} phiếu")
    if report.ok:
        click.echo("Kết quả: chuỗi nguyên vẹn, số phiếu khớp với bảng phiếu bình chọn.")
        return
    click.echo(f"Kết quả: phát hiện {len(report.problems)} vấn đề:")
    for problem in report.problems:
        click.echo(f"  - {problem}")
    raise SystemExit(1)
