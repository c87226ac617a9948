"""The disk fills while an evidence file is being saved: the person is told, keeps what they typed, and the
store holds no partial file; nothing of the nomination is committed. The disk is a real, tiny tmpfs."""
from __future__ import annotations

import io
import subprocess
import tempfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from dvkheo.accounts.models import Role
from dvkheo.campaigns.models import ReferenceKind
from dvkheo.core.storage import STORAGE_FULL
from dvkheo.extensions import db
from dvkheo.nominations.models import Attachment, Nomination
from tests.conftest import PDF_BYTES, reference_item
from tests.faults.conftest import files_under

DISK_BYTES = 3 * 1024 * 1024
EVIDENCE_BYTES = 2 * 1024 * 1024  # fits an empty disk, not one that is two-thirds full


@pytest.fixture
def tiny_disk():
    """A 3 MB tmpfs, mounted for this test only and unmounted afterwards."""
    mount_point = Path(tempfile.mkdtemp(prefix="dvkheo-full-disk-"))
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={DISK_BYTES},mode=0755", "tmpfs", str(mount_point)],
        capture_output=True, text=True,
    )
    if mounted.returncode != 0:
        mount_point.rmdir()
        pytest.fail(
            "Không gắn được ổ tmpfs nhỏ để thử ổ đĩa đầy (cần quyền root để chạy `mount -t tmpfs`): "
            + (mounted.stderr.strip() or f"mã lỗi {mounted.returncode}")
        )
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", str(mount_point)], check=False)
        mount_point.rmdir()


def evidence_pdf(size: int) -> bytes:
    """A file the store accepts as PDF (checked by its first bytes), of `size` bytes."""
    return PDF_BYTES + b"%" + b"0" * (size - len(PDF_BYTES) - 2) + b"\n"


def typed_form(campaign) -> dict:
    return {
        "title": "Vận động Nhân dân hiến đất làm đường liên thôn",
        "nominee_name": "Chi hội Nông dân thôn Trường Thọ",
        "collective_type_id": str(reference_item(ReferenceKind.COLLECTIVE_TYPE).id),
        "field_id": str(campaign.allowed_fields[0].id),
        "locality": "Thôn Trường Thọ",
        "situation": "Đường đất hẹp, mùa mưa lầy lội, học sinh đi học khó khăn.",
        "method": "Cán bộ, đảng viên gương mẫu hiến đất trước, họp dân từng xóm.",
        "save_draft": "Lưu nháp",
    }


def test_a_full_disk_is_explained_and_the_typed_form_is_kept(app, client, login_as, make_campaign, make_unit, province,
                                                              tiny_disk, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tiny_disk))
    # Two thirds of the disk already taken: the 2 MB evidence cannot fit in what is left.
    (tiny_disk / "tep-co-san.bin").write_bytes(b"\0" * (2 * 1024 * 1024))
    campaign = make_campaign()
    login_as(Role.UNIT_SUBMITTER, make_unit("Xã Tịnh Ấn Tây", parent=province))
    form = typed_form(campaign)

    response = client.post(
        f"/nominations/new/{campaign.id}/collective",
        data=form | {"evidence": (io.BytesIO(evidence_pdf(EVIDENCE_BYTES)), "Biên bản họp dân.pdf")},
        content_type="multipart/form-data",
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 422, page[:2000]
    assert STORAGE_FULL in page
    # Everything typed is still on the page, to be sent again once there is room.
    assert 'value="Chi hội Nông dân thôn Trường Thọ"' in page
    assert 'value="Vận động Nhân dân hiến đất làm đường liên thôn"' in page
    assert "Cán bộ, đảng viên gương mẫu hiến đất trước, họp dân từng xóm." in page
    # Nothing committed, nothing half-written left in the store (temporary names included).
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Nomination)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attachment)) == 0
    assert files_under(tiny_disk) == ["tep-co-san.bin"]

    # Once the administrator frees room, the same form goes through.
    (tiny_disk / "tep-co-san.bin").unlink()
    response = client.post(
        f"/nominations/new/{campaign.id}/collective",
        data=form | {"evidence": (io.BytesIO(evidence_pdf(EVIDENCE_BYTES)), "Biên bản họp dân.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    nomination = db.session.scalars(sa.select(Nomination)).one()
    [attachment] = nomination.attachments
    assert attachment.size_bytes == EVIDENCE_BYTES
    assert files_under(tiny_disk) == [f"{attachment.stored_name[:2]}/{attachment.stored_name}"]
