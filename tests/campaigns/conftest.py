"""Fixtures for the campaign tests: the organising committee's people and the edit form's POST data."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from dvkheo.accounts.models import Role
from dvkheo.campaigns.models import ReferenceItem, ReferenceKind
from dvkheo.campaigns.operations import ensure_reference_lists
from dvkheo.core.timeutil import today_in_vietnam
from dvkheo.extensions import db


def vn(day: date) -> str:
    """A date as users type it."""
    return day.strftime("%d/%m/%Y")


def field_ids(*codes: str) -> list[int]:
    query = sa.select(ReferenceItem.id).where(ReferenceItem.kind == ReferenceKind.FIELD)
    if codes:
        query = query.where(ReferenceItem.code.in_(codes))
    return list(db.session.scalars(query.order_by(ReferenceItem.position)))


def rubric_rows(rows: list[dict]) -> dict[str, str]:
    """Flatten rubric lines into the FieldList names ("criteria-0-title", ...)."""
    data: dict[str, str] = {}
    for index, row in enumerate(rows):
        for key, value in row.items():
            if key == "remove":
                if value:
                    data[f"criteria-{index}-remove"] = "y"
            else:
                data[f"criteria-{index}-{key}"] = "" if value is None else str(value)
    return data


@pytest.fixture
def reference_lists_seeded(app):
    ensure_reference_lists()
    db.session.commit()


@pytest.fixture
def form_data(reference_lists_seeded):
    """POST data for a valid new campaign; keyword arguments override or (with None) drop keys."""

    def build(rubric: list[dict] | None = None, **overrides) -> dict:
        today = today_in_vietnam()
        data: dict = {
            "title": "Bình xét mô hình “Dân vận khéo” năm 2026",
            "year": str(today.year),
            "description": "Theo Kế hoạch của Ban Dân vận Tỉnh ủy.",
            "nominations_open_on": vn(today),
            "nominations_close_on": vn(today + timedelta(days=30)),
            "review_close_on": vn(today + timedelta(days=45)),
            "public_voting_open_on": vn(today + timedelta(days=46)),
            "public_voting_close_on": vn(today + timedelta(days=60)),
            "decision_on": vn(today + timedelta(days=70)),
            "nominee_kinds": ["collective", "individual"],
            "field_ids": [str(i) for i in field_ids()],
            "public_review_threshold_percent": "50",
            "reviewers_per_nomination": "2",
            "disagreement_threshold": "15",
            "blind_scoring": "y",
            "comments_required": "y",
            "has_public_stage": "y",
            "voter_verification": "email_code",
            "assisted_voting": "y",
            "votes_per_voter": "3",
            "vote_withdrawal_allowed": "y",
            "publish_objection_answers": "y",
            "public_vote_share_percent": "0",
            "save": "Lưu",
        }
        if rubric is None:
            rubric = [
                {"position": 1, "title": "Cách làm sáng tạo", "description": "Mới, phù hợp", "max_score": 40},
                {"position": 2, "title": "Sự tham gia của Nhân dân", "description": "", "max_score": 60},
            ]
        data.update(rubric_rows(rubric))
        for key, value in overrides.items():
            if value is None:
                data.pop(key, None)
            else:
                data[key] = value
        return data

    return build


@pytest.fixture
def committee(province, make_user):
    """The organising committee of the province: its secretary and chair (not logged in)."""
    return {
        "unit": province,
        "secretary": make_user(Role.SECRETARY, province),
        "chair": make_user(Role.CHAIR, province),
    }


@pytest.fixture
def switch_user(client, login_as):
    """Log out whoever is logged in, then log in a fresh user (login ignores a second login)."""

    def do(role: Role, unit=None, **fields):
        client.post("/logout")
        return login_as(role, unit, **fields)

    return do
