"""Fixtures for the public API: recognised models typed in straight (as the registry's scale tests do), hidden ones
beside them, confirmed and unconfirmed replications, and the voting fixtures for campaigns."""
from __future__ import annotations

import html
import re
from datetime import date, datetime, timedelta, timezone

import pytest

from dvkheo.campaigns import operations as campaign_ops
from dvkheo.campaigns.models import NomineeKind, ReferenceItem, ReferenceKind
from dvkheo.extensions import db, limiter
from dvkheo.registry.models import (
    ModelStatus, Recognition, RecognitionLevel, RecognitionSource, RegisteredModel, SummaryState,
)
from dvkheo.replication.models import Replication, ReplicationState
from tests.voting.conftest import make_nominee, make_voter, voting_campaign  # noqa: F401  (fixtures)


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    limiter.reset()
    yield
    limiter.reset()


@pytest.fixture
def places(province, make_unit):
    return province, make_unit("Xã Tịnh Khê", parent=province), make_unit("Xã Nghĩa Hành", parent=province)


@pytest.fixture
def field():
    campaign_ops.ensure_reference_lists()
    db.session.commit()
    return db.session.query(ReferenceItem).filter_by(kind=ReferenceKind.FIELD).order_by(ReferenceItem.position).first()


@pytest.fixture
def add_models(places, field):
    """`count` recognised models with `recognitions` standing awards each; `**attributes` override the model's."""
    province, *communes = places
    made: list[RegisteredModel] = []

    def add(count: int, title: str = "Thu gom rác thải nhựa", recognitions: int = 1, **attributes) -> list[RegisteredModel]:
        for _ in range(count):
            number = len(made)
            where = attributes.pop("commune", None) or communes[number % len(communes)]
            values = dict(
                kind=NomineeKind.COLLECTIVE if number % 3 else NomineeKind.INDIVIDUAL,
                title=f"{title} số {number}", nominee_name=f"Chi hội thôn {number}",
                unit_id=where.id, province_id=province.id, commune_id=where.id, locality=f"Thôn {number}",
                field_id=field.id, first_year=2024, last_year=2025, highest_level=RecognitionLevel.COMMUNE,
                status=ModelStatus.MAINTAINED, is_recognised=True,
                public_summary=f"Cán bộ đến từng nhà vận động, lần {number}.", summary_state=SummaryState.APPROVED,
                summary_draft="Bản nháp chưa duyệt, không công khai", summary_return_reason="Lý do trả lại nội bộ",
                recognised_at=datetime(2026, 1, 1, tzinfo=timezone.utc) + timedelta(hours=number),
            )
            values.update(attributes)
            model = RegisteredModel(**values)
            model.refresh_search_text()
            db.session.add(model)
            db.session.flush()
            for extra in range(recognitions):
                db.session.add(Recognition(
                    model_id=model.id, source=RecognitionSource.EXTERNAL, issuing_body=f"UBND {where.name}",
                    award_form_name="Giấy khen", decision_number=f"{number}-{extra}/QĐ-UBND",
                    decided_on=date(2024 - extra, 10, 15), year=2024 - extra, level=RecognitionLevel.COMMUNE,
                ))
            made.append(model)
        db.session.commit()
        return made[-count:]

    return add


@pytest.fixture
def add_replication(places):
    _, commune, other = places

    def add(model: RegisteredModel, status: ReplicationState = ReplicationState.CONFIRMED, unit=None) -> Replication:
        unit = unit or other
        replication = Replication(
            source_model_id=model.id, unit_id=unit.id, province_id=unit.parent_id, commune_id=unit.id, status=status,
            started_on=date(2026, 3, 1), adaptation="Vận dụng cho khu dân cư ven biển.", scale="Hai thôn",
            people_reached=1200, first_results="Thôn sạch rác sau ba tháng.", return_reason="Ghi chú nội bộ",
            confirmed_at=datetime(2026, 4, 2, 3, 0, tzinfo=timezone.utc) if status is ReplicationState.CONFIRMED else None,
        )
        db.session.add(replication)
        if status is ReplicationState.CONFIRMED:
            model.replication_count += 1
        db.session.commit()
        return replication

    return add


def page_text(client, url: str) -> str:
    """The rendered public page as text a reader sees (tags dropped, entities decoded) plus its attribute values."""
    response = client.get(url)
    assert response.status_code == 200, url
    raw = response.get_data(as_text=True)
    return html.unescape(raw) + "\n" + html.unescape(re.sub(r"<[^>]+>", " ", raw))


def vn_date(iso: str) -> str:
    year, month, day = iso[:10].split("-")
    return f"{day}/{month}/{year}"


def assert_shown(value, page: str, where: str = "") -> None:
    """Every string or number of an API answer appears on the public page (dates as the page writes them)."""
    if isinstance(value, dict):
        for key, item in value.items():
            assert_shown(item, page, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            assert_shown(item, page, f"{where}[{index}]")
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int):
        assert str(value) in page or f"{value:,}".replace(",", ".") in page, f"{where}={value!r} not on the page"
    elif isinstance(value, str):
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            assert vn_date(value) in page, f"{where}={value!r} not on the page"
        elif re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+07:00", value):
            assert f"{value[11:16]} {vn_date(value)}" in page, f"{where}={value!r} not on the page"
        elif value.startswith("http://localhost/api/v1/"):
            return  # the API's own links (to its other answers) are navigation, not data
        elif value.startswith("http://localhost/"):
            assert value.removeprefix("http://localhost") in page, f"{where}={value!r} not linked from the page"
        else:
            for line in value.split("\n"):
                assert line.strip() in page, f"{where}={line!r} not on the page"
