"""Fixtures of the staff API tests: personal tokens made the way the account page makes them."""
from __future__ import annotations

import pytest

from dvkheo.accounts import api_tokens
from dvkheo.extensions import db


@pytest.fixture
def issue_token():
    """A token for `user` (both scopes when the user may create dossiers); returns the secret."""

    def issue(user, scopes=None, days: int = 90) -> str:
        scopes = set(api_tokens.allowed_scopes(user)) if scopes is None else set(scopes)
        issued = api_tokens.create_token(user, "Phần mềm một cửa", scopes, days)
        db.session.commit()
        return issued.secret

    return issue


class Api:
    """Calls /api/v1/staff with a bearer token through the test client."""

    def __init__(self, client):
        self.client = client

    def _headers(self, secret):
        return {"Authorization": f"Bearer {secret}"} if secret else {}

    def get(self, path: str, secret: str | None, **kwargs):
        return self.client.get("/api/v1/staff" + path, headers=self._headers(secret), **kwargs)

    def post(self, path: str, secret: str | None, json=None, **kwargs):
        return self.client.post("/api/v1/staff" + path, headers=self._headers(secret), json=json, **kwargs)


@pytest.fixture
def api(client):
    return Api(client)
