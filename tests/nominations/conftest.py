"""Fixtures shared by the nomination tests (the app-wide ones live in tests/conftest.py)."""
from __future__ import annotations

import shutil
import subprocess

import pytest

from dvkheo.accounts.models import Role


@pytest.fixture
def own_commune(make_unit, province):
    """A commune under the province that organises the default campaign."""
    return make_unit("Xã Tịnh Hà", parent=province, kind="commune")


@pytest.fixture
def own_submitter(login_as, own_commune):
    """A logged-in unit submitter of `own_commune`."""
    return login_as(Role.UNIT_SUBMITTER, own_commune)


def _require_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} (poppler-utils) is not installed")
    return path


@pytest.fixture
def pdf_text(tmp_path):
    """Text of PDF bytes, extracted with poppler's pdftotext."""

    def extract(data: bytes, *options: str) -> str:
        source = tmp_path / "extract.pdf"
        source.write_bytes(data)
        return subprocess.run(
            [_require_tool("pdftotext"), *options, str(source), "-"], check=True, capture_output=True, text=True
        ).stdout

    return extract


@pytest.fixture
def pdf_fonts(tmp_path):
    """The `pdffonts` listing of PDF bytes."""

    def listing(data: bytes) -> str:
        source = tmp_path / "fonts.pdf"
        source.write_bytes(data)
        return subprocess.run([_require_tool("pdffonts"), str(source)], check=True, capture_output=True, text=True).stdout

    return listing
