"""`flask review notify-late`: the daily notice of scoring past its deadline (run it from cron or a systemd timer)."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from dvkheo.review import overdue

review_cli = AppGroup("review", help="Chấm điểm: thông báo phiếu chấm quá hạn.")


@review_cli.command("notify-late")
def notify_late_command() -> None:
    """Báo Thư ký và thành viên Hội đồng các phiếu chấm đã quá hạn (mỗi người một lần cho mỗi hạn)."""
    sent = overdue.notify_late()
    click.echo(f"Đã gửi {sent} thông báo phiếu chấm quá hạn." if sent else "Không có phiếu chấm quá hạn nào cần báo thêm.")
