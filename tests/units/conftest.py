"""Fixtures of the unit administration tests."""
from __future__ import annotations

import io

import pytest

from dvkheo.accounts.models import Role


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: loads the full official list of administrative divisions (a few seconds)")


@pytest.fixture
def admin(login_as):
    """The test client, logged in as an administrator."""
    return login_as(Role.ADMIN)


@pytest.fixture
def upload(client):
    """POST a file to the import page as a browser would; returns the response."""

    def send(data: bytes, filename: str = "don-vi.csv", follow_redirects: bool = True):
        return client.post(
            "/admin/units/import",
            data={"file": (io.BytesIO(data), filename)},
            content_type="multipart/form-data",
            follow_redirects=follow_redirects,
        )

    return send
