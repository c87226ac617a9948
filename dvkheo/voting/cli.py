"""`flask votes …`: the organiser's side of the vote ledger.

- `verify CAMPAIGN_ID`: recompute the sealed batches, bind them to the votes and voters tables and
  report tampering, naming every failing batch, vote or voter (by row number, never an identity).
  Exit 0 when everything holds, 1 otherwise. A chain rewritten with every hash recomputed and the
  tables edited to match, or its last batches cut with their rows, is consistent on its own: only a
  head saved earlier outside the database exposes it, `--head` (as printed on the minutes) or
  `--ledger` (a ledger file downloaded earlier: every batch in it must still be there unchanged).
- `seal [CAMPAIGN_ID|--all]`: seal what is due (run every few minutes by dvkheo-vote-seal.timer).
- `verify-file FILE`: the standalone verifier anyone can download, on a saved ledger file.
"""
from __future__ import annotations

import json

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from dvkheo.campaigns.models import Campaign
from dvkheo.core.urls import INT_MAX
from dvkheo.extensions import db
from dvkheo.nominations.models import Nomination
from dvkheo.voting import checkpoint, ledger, ledger_verifier, sealing

votes_cli = AppGroup("votes", help="Phiếu bình chọn công khai: niêm phong và kiểm tra sổ cái bình chọn.")


def _campaign(campaign_id: int) -> Campaign:
    """The campaign, or a message: an id past what an id column holds never reaches the database
    (SQLite raised OverflowError, PostgreSQL "integer out of range", both as a traceback)."""
    campaign = db.session.get(Campaign, campaign_id) if 1 <= campaign_id <= INT_MAX else None
    if campaign is None:
        raise click.ClickException(f"Không có đợt bình xét số {campaign_id}.")
    return campaign


def _parse_head(text: str) -> tuple[int | None, str]:
    try:
        return ledger_verifier.parse_head(text)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--head") from None


def _saved_ledger_problems(campaign_id: int, path: str) -> list[str]:
    """A ledger file saved earlier: each batch in it must still be in the database, unchanged."""
    try:
        with open(path, encoding="utf-8") as handle:
            document = json.load(handle)
    except (OSError, ValueError) as error:
        raise click.BadParameter(f"Không đọc được tệp sổ cái “{path}”: {error}", param_hint="--ledger") from None
    campaign = document.get("campaign") if isinstance(document, dict) else None
    batches = document.get("batches") if isinstance(document, dict) else None
    if not isinstance(campaign, dict) or not isinstance(batches, list) or not all(isinstance(b, dict) for b in batches):
        raise click.BadParameter(f"Tệp “{path}” không phải sổ cái bình chọn ({ledger_verifier.FORMAT}).", param_hint="--ledger")
    if campaign.get("id") != campaign_id:
        raise click.BadParameter(f"Tệp “{path}” là sổ cái của đợt bình xét khác.", param_hint="--ledger")
    stored = {batch.seq: batch.hash for batch in ledger.batches(campaign_id)}
    problems = []
    for batch in batches:
        seq, digest = batch.get("seq"), batch.get("hash")
        if stored.get(seq) != digest:
            problems.append(
                f"Lô số {seq} trong tệp sổ cái đã lưu ({path}) có mã băm {digest}, cơ sở dữ liệu "
                f"{'không còn lô này' if seq not in stored else 'ghi ' + stored[seq]}: sổ cái đã bị viết lại hoặc cắt bớt."
            )
    return problems


@votes_cli.command("verify")
@click.argument("campaign_id", type=int)
@click.option("--head", "heads", multiple=True, metavar="[SỐ_LÔ:]MÃ_BĂM",
              help="Đầu chuỗi đã lưu trước đây (in trên biên bản, phụ lục quyết định); phải còn trong sổ cái.")
@click.option("--ledger", "saved_ledgers", multiple=True, metavar="TỆP.json",
              help="Tệp sổ cái đã tải về trước đây; mọi lô trong đó phải còn nguyên.")
def verify_command(campaign_id: int, heads: tuple[str, ...], saved_ledgers: tuple[str, ...]) -> None:
    """Tính lại sổ cái bình chọn, đối chiếu với bảng phiếu và người bình chọn của một đợt bình xét."""
    campaign = _campaign(campaign_id)
    anchors = [_parse_head(text) for text in heads]
    report = ledger.verify(campaign.id)
    report.problems += ledger.anchor_problems(report, anchors)
    # The heads printed on the minutes and decisions, as stored with them (a copy in the same
    # database: the paper itself, passed with --head, is the anchor a rewrite cannot reach).
    printed = checkpoint.stored_heads(campaign.id)
    for document, seq, digest in printed:
        report.problems += [f"Đầu chuỗi in trên {document}: {problem}" for problem in ledger.anchor_problems(report, [(seq, digest)])]
    for path in saved_ledgers:
        report.problems += _saved_ledger_problems(campaign.id, path)
    seq, stored_head = ledger.chain_head(campaign.id)
    click.echo(f"Đợt bình xét số {campaign.id}: {campaign.title}")
    click.echo(f"Số lô đã niêm phong: {report.batches}")
    click.echo(f"Mã băm đầu chuỗi (tính lại): {report.head_hash}")
    click.echo(f"Đầu chuỗi đã lưu: lô số {seq}, mã băm {stored_head}")
    click.echo(f"Phiếu, lượt rút phiếu chờ niêm phong: {report.pending}")
    if anchors or saved_ledgers:
        click.echo(f"Số mốc đối chiếu: {len(anchors) + len(saved_ledgers)}")
    if printed:
        click.echo(f"Đầu chuỗi in trên biên bản, quyết định: {len(printed)} (đã đối chiếu)")
    titles = dict(
        db.session.execute(sa.select(Nomination.id, Nomination.title).where(Nomination.id.in_(list(report.tallies)))).tuples().all()
    )
    click.echo("Số phiếu còn hiệu lực:")
    if not report.tallies:
        click.echo("  (chưa có phiếu)")
    for nomination_id, total in sorted(report.tallies.items(), key=lambda item: (-item[1], item[0])):
        click.echo(f"  Hồ sơ số {nomination_id} · {titles.get(nomination_id, '')}: {total} phiếu")
    if report.ok:
        click.echo("Kết quả: sổ cái nguyên vẹn, khớp với bảng phiếu và người bình chọn.")
        return
    click.echo(f"Kết quả: phát hiện {len(report.problems)} vấn đề:")
    for problem in report.problems:
        click.echo(f"  - {problem}")
    raise SystemExit(1)


@votes_cli.command("seal")
@click.argument("campaign_id", type=int, required=False)
@click.option("--all", "every", is_flag=True, help="Mọi đợt bình xét có phiếu chờ niêm phong (dùng cho bộ hẹn giờ).")
def seal_command(campaign_id: int | None, every: bool) -> None:
    """Niêm phong các phiếu, lượt rút phiếu đã đến hạn thành một lô của sổ cái.

    Khi đang bình chọn, chỉ niêm phong khi đủ số tối thiểu (VOTE_BATCH_MIN); sau khi kết thúc,
    niêm phong toàn bộ phần còn lại. Chạy định kỳ: deploy/systemd/dvkheo-vote-seal.timer."""
    if every == (campaign_id is not None):
        raise click.UsageError("Cho số đợt bình xét, hoặc --all.")
    if every:
        ids = sealing.campaigns_with_pending()
    else:
        _campaign(campaign_id)
        ids = [campaign_id]
    for one in ids:
        batch = sealing.seal_due(one)
        db.session.commit()
        prefix = f"Đợt bình xét số {one}: "
        if batch is None:
            click.echo(f"{prefix}chưa đến hạn niêm phong ({ledger.pending(one)} phiếu, lượt rút phiếu đang chờ).")
        else:
            click.echo(
                f"{prefix}đã niêm phong lô số {batch.seq} ({batch.cast_count} phiếu, {batch.withdrawal_count} lượt rút), "
                f"mã băm {batch.hash}"
            )


@votes_cli.command("verify-file", context_settings={"ignore_unknown_options": True})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def verify_file_command(args: tuple[str, ...]) -> None:
    """Kiểm tra một tệp sổ cái đã tải về (cùng chương trình kiem_tra_so_cai.py trên trang Sổ cái)."""
    raise SystemExit(ledger_verifier.main(list(args)))
