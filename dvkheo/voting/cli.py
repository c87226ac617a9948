"""`flask votes verify CAMPAIGN_ID`: recompute a campaign's vote chain, bind it to the votes and
voters tables and report tampering; `flask votes checkpoint CAMPAIGN_ID`: save the current head.

`verify` prints the number of events, the head hash, the tallies per nominee (with titles) and
every problem found (naming the event, vote or voter number), in Vietnamese; exits 0 when
everything holds, 1 otherwise. Prints no identity: voters are named by their row number only.

A chain rewritten with every hash recomputed, or cut at the end together with its vote rows, is
consistent on its own: only a head saved earlier outside the database exposes it. `--head` takes
such a head (the hash, or "event number:hash", as printed on the results page or the minutes),
as many times as needed; `--checkpoints` also checks every head saved by `flask votes checkpoint`.
"""
from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from dvkheo.campaigns.models import Campaign
from dvkheo.extensions import db
from dvkheo.nominations.models import Nomination
from dvkheo.voting import ledger
from dvkheo.voting.models import VoteChain, VoteCheckpoint

votes_cli = AppGroup("votes", help="Phiếu bình chọn công khai: kiểm tra chuỗi ghi nhận phiếu.")


def _parse_head(text: str) -> tuple[int | None, str]:
    seq, _, digest = text.strip().rpartition(":")
    if seq and not seq.isdigit():
        raise click.BadParameter(f"“{text}” không phải mã băm hoặc “số sự kiện:mã băm”.", param_hint="--head")
    digest = digest.lower()
    if len(digest) != 64 or any(char not in "0123456789abcdef" for char in digest):
        raise click.BadParameter(f"“{text}” không phải mã băm SHA-256 (64 ký tự 0-9, a-f).", param_hint="--head")
    return (int(seq) if seq else None), digest


@votes_cli.command("verify")
@click.argument("campaign_id", type=int)
@click.option("--head", "heads", multiple=True, metavar="[SỐ:]MÃ_BĂM",
              help="Đầu chuỗi đã lưu trước đây (in trên biên bản, chép từ trang kết quả); phải còn trong chuỗi.")
@click.option("--checkpoints", "use_checkpoints", is_flag=True,
              help="Kiểm tra cả các mốc đầu chuỗi đã lưu (flask votes checkpoint).")
def verify_command(campaign_id: int, heads: tuple[str, ...], use_checkpoints: bool) -> None:
    """Tính lại chuỗi sự kiện bình chọn, đối chiếu với bảng phiếu và người bình chọn của một đợt bình xét."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        raise click.ClickException(f"Không có đợt bình xét số {campaign_id}.")
    anchors = [_parse_head(text) for text in heads]
    if use_checkpoints:
        anchors += [(point.seq, point.head_hash) for point in ledger.checkpoints(campaign.id)]
    report = ledger.verify(campaign.id)
    report.problems += ledger.anchor_problems(report, anchors)
    seq, stored_head = ledger.chain_head(campaign.id)
    click.echo(f"Đợt bình xét số {campaign.id}: {campaign.title}")
    click.echo(f"Số sự kiện trong chuỗi: {report.events}")
    click.echo(f"Mã băm cuối chuỗi (tính lại): {report.head_hash}")
    click.echo(f"Đầu chuỗi đã lưu: sự kiện số {seq}, mã băm {stored_head}")
    if anchors:
        click.echo(f"Số mốc đầu chuỗi đối chiếu: {len(anchors)}")
    titles = dict(
        db.session.execute(sa.select(Nomination.id, Nomination.title).where(Nomination.id.in_(list(report.tallies)))).tuples().all()
    )
    click.echo("Số phiếu còn hiệu lực theo chuỗi:")
    if not report.tallies:
        click.echo("  (chưa có phiếu)")
    for nomination_id, total in sorted(report.tallies.items(), key=lambda item: (-item[1], item[0])):
        click.echo(f"  Hồ sơ số {nomination_id} · {titles.get(nomination_id, '')}: {total} phiếu")
    if report.ok:
        click.echo("Kết quả: chuỗi nguyên vẹn, khớp với bảng phiếu và người bình chọn.")
        return
    click.echo(f"Kết quả: phát hiện {len(report.problems)} vấn đề:")
    for problem in report.problems:
        click.echo(f"  - {problem}")
    raise SystemExit(1)


def save_checkpoint(campaign_id: int) -> tuple[bool, int, str]:
    """Save the campaign's current head unless it is the last one saved. (saved?, seq, hash); commits."""
    seq, head = ledger.chain_head(campaign_id)
    last = db.session.scalar(
        sa.select(VoteCheckpoint).where(VoteCheckpoint.campaign_id == campaign_id)
        .order_by(VoteCheckpoint.recorded_at.desc(), VoteCheckpoint.id.desc()).limit(1)
    )
    if last is not None and last.head_hash == head:
        return False, seq, head
    db.session.add(VoteCheckpoint(campaign_id=campaign_id, seq=seq, head_hash=head))
    db.session.commit()
    return True, seq, head


@votes_cli.command("checkpoint")
@click.argument("campaign_id", type=int, required=False)
@click.option("--all", "every", is_flag=True, help="Mọi đợt bình xét đã có phiếu (dùng cho bộ hẹn giờ).")
def checkpoint_command(campaign_id: int | None, every: bool) -> None:
    """Lưu đầu chuỗi hiện tại làm một mốc (kèm ngày giờ), công khai trên trang kết quả bình chọn.

    Chạy định kỳ (deploy/systemd/dvkheo-vote-checkpoint.timer, mỗi giờ) với --all: mốc cuối cùng
    sau khi kết thúc bình chọn là đầu chuỗi chính thức. Đầu chuỗi chưa đổi thì không lưu thêm."""
    if every == (campaign_id is not None):
        raise click.UsageError("Cho số đợt bình xét, hoặc --all.")
    if every:
        ids = list(db.session.scalars(sa.select(VoteChain.campaign_id).order_by(VoteChain.campaign_id)))
    else:
        if db.session.get(Campaign, campaign_id) is None:
            raise click.ClickException(f"Không có đợt bình xét số {campaign_id}.")
        ids = [campaign_id]
    for one in ids:
        saved, seq, head = save_checkpoint(one)
        prefix = f"Đợt bình xét số {one}: " if every else ""
        if saved:
            click.echo(f"{prefix}Đã lưu mốc đầu chuỗi: sự kiện số {seq}, mã băm {head}")
        else:
            click.echo(f"{prefix}Đầu chuỗi chưa đổi từ mốc trước: sự kiện số {seq}, mã băm {head}")
