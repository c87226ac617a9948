"""`flask units ...`: load the organisation tree from a sheet or from the official divisions."""
from __future__ import annotations

import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from dvkheo.core.storage import UploadRejected
from dvkheo.extensions import db
from dvkheo.units import importer
from dvkheo.units.operations import UnitError, unit_by_code

units_cli = AppGroup("units", help="Quản lý cây đơn vị.")

_SHOWN_ISSUES = 30


def _fail(issues: list[importer.ImportIssue]) -> click.ClickException:
    lines = [str(issue) for issue in issues[:_SHOWN_ISSUES]]
    if len(issues) > _SHOWN_ISSUES:
        lines.append(f"... và {len(issues) - _SHOWN_ISSUES} lỗi khác.")
    return click.ClickException("Chưa nhập đơn vị nào vì có lỗi:\n" + "\n".join(lines))


@units_cli.command("import-official")
@click.option("--root-code", help="Mã đơn vị sẽ làm cấp trên của các tỉnh, thành phố (mặc định: cấp cao nhất).")
@click.option("--province", help="Chỉ nhập một tỉnh, thành phố (mã số như 51, mã VN-P51 hoặc tên không dấu quang_ngai).")
def import_official(root_code: str | None, province: str | None) -> None:
    """Nhập danh mục tỉnh, thành phố và xã, phường, đặc khu hiện hành (từ 01/07/2025).

    Chạy lại nhiều lần không tạo trùng: đơn vị đã có thì chỉ cập nhật khi khác.
    Side effects: writes units and their audit events in one transaction, prints a summary.
    """
    started = time.perf_counter()
    if root_code and unit_by_code(root_code) is None:
        raise click.ClickException(f"Không tìm thấy đơn vị gốc có mã “{root_code}”. Hãy tạo đơn vị đó trước.")
    try:
        rows = importer.official_rows(root_code=root_code, province=province)
        result = importer.import_rows(rows, actor=None, source=importer.OFFICIAL_SOURCE)
    except UnitError as error:
        raise click.ClickException(str(error)) from None
    except importer.ImportFailed as failure:
        db.session.rollback()
        raise _fail(failure.issues) from None
    db.session.commit()
    try:
        data_version = version("vietnam-provinces")
    except PackageNotFoundError:  # pragma: no cover - the package is a dependency
        data_version = "?"
    provinces = sum(1 for row in rows if row.kind == "province")
    click.echo(
        f"Đã nhập danh mục đơn vị hành chính (vietnam-provinces {data_version}): "
        f"{provinces} tỉnh, thành phố và {len(rows) - provinces} xã, phường, đặc khu"
        f"{f' dưới đơn vị {root_code}' if root_code else ''}."
    )
    click.echo(f"Kết quả: {result.summary()}; thời gian {time.perf_counter() - started:.1f} giây.")


@units_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_file(path: Path) -> None:
    """Nhập đơn vị từ tệp CSV hoặc XLSX (cùng quy tắc như trang Nhập đơn vị).

    Side effects: writes units and their audit events in one transaction, or nothing on error.
    """
    try:
        with path.open("rb") as stream:
            sheet = importer.read_sheet(stream, path.name, max_bytes=current_app.config["MAX_FILE_BYTES"])
        result = importer.import_rows(sheet.rows, actor=None, source=f"file:{path.name}", columns=sheet.columns)
    except UploadRejected as error:
        raise click.ClickException(str(error)) from None
    except importer.ImportFailed as failure:
        db.session.rollback()
        raise _fail(failure.issues) from None
    db.session.commit()
    click.echo(f"Đã nhập tệp {path.name}: {result.summary()}.")
