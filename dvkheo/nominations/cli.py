from __future__ import annotations

import time

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from dvkheo.core.filestore import store
from dvkheo.core.storage import UPLOAD_KEY, discard
from dvkheo.extensions import db
from dvkheo.nominations.models import Attachment

uploads_cli = AppGroup("uploads", help="Tệp tải lên.")


@uploads_cli.command("prune")
@click.option("--older-than-hours", default=24, show_default=True)
def prune(older_than_hours: int) -> None:
    """Delete stored files that no attachment, award form or signed decision refers to (abandoned or failed forms)."""
    from dvkheo.awards.models import SignedCopy
    from dvkheo.certificates.emblems import emblems_in_use

    known = set(db.session.scalars(sa.select(Attachment.stored_name)))
    # An issuer's own emblem and a decision's signed copy are stored uploads too, kept while a row names them.
    # An emblem an issued decision froze for its certificates (`Decision.certificate_snapshot`) is kept as well.
    known |= emblems_in_use()
    known |= set(db.session.scalars(sa.select(SignedCopy.stored_name)))
    cutoff = time.time() - older_than_hours * 3600
    removed = 0
    for stored in list(store().list()):
        if not UPLOAD_KEY.fullmatch(stored.key):  # thumbnails and print jobs are not uploads
            continue
        name = stored.key.split("/", 1)[1]
        if name not in known and stored.modified < cutoff:
            discard(name)  # with its resized copies
            removed += 1
    click.echo(f"Đã xóa {removed} tệp không còn được sử dụng.")
