"""`flask privacy purge [--dry-run]`: delete voters' and objectors' personal data past its retention."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from dvkheo.privacy import purge

privacy_cli = AppGroup("privacy", help="Dữ liệu cá nhân: xóa dữ liệu đã hết thời hạn lưu trữ.")


@privacy_cli.command("purge")
@click.option("--dry-run", is_flag=True, help="Chỉ đếm, không xóa gì.")
@click.option("--enqueue", "queued", is_flag=True, help="Đưa vào hàng đợi việc nền (RQ) thay vì chạy ngay.")
def purge_command(dry_run: bool, queued: bool) -> None:
    """Xóa, ẩn danh dữ liệu cá nhân của người bình chọn, người phản ánh khi đã hết thời hạn lưu trữ."""
    if queued:
        from dvkheo.core import jobs

        job_id = jobs.enqueue("dvkheo.privacy.purge.run_scheduled")
        jobs.wait_for_jobs()  # without Redis the job runs in this process: let it finish before exiting
        click.echo(f"Đã đưa việc xóa dữ liệu cá nhân đến hạn vào hàng đợi (mã việc {job_id}).")
        return
    results = purge.purge_due(dry_run=dry_run)
    answered = purge.purge_answered_requests(dry_run=dry_run)
    unconfirmed = purge.purge_unconfirmed_requests(dry_run=dry_run)
    verb = "Sẽ xóa" if dry_run else "Đã xóa"
    if unconfirmed:
        click.echo(f"{verb} {unconfirmed} yêu cầu về dữ liệu cá nhân không được xác nhận trước khi đường dẫn hết hạn.")
    if answered:
        click.echo(f"{verb} họ tên, liên hệ của {answered} yêu cầu về dữ liệu cá nhân đã trả lời quá thời hạn lưu trữ.")
    if not results:
        click.echo("Không có đợt bình xét nào đến hạn xóa dữ liệu cá nhân.")
        return
    for counts in results:
        click.echo(f"{verb} · đợt số {counts.campaign_id} ({counts.title}): {counts.summary()}.")
    if dry_run:
        click.echo("Chạy thử (--dry-run): chưa thay đổi gì.")
