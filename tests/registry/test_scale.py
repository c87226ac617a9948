"""The registry at scale: the list, a search, every filter and a model page cost the same number of
queries at 25 models as at 65; a search counts only so far; the search finds a model by its places."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

import pytest

from dvkheo.campaigns.models import NomineeKind
from dvkheo.extensions import db
from dvkheo.registry import queries
from dvkheo.registry.models import (
    ModelStatus, Recognition, RecognitionLevel, RecognitionSource, RegisteredModel, SummaryState,
)
from dvkheo.units import operations as unit_ops

from .test_public import titles


@pytest.fixture
def places(make_unit):
    province = make_unit("Tỉnh Quảng Ngãi", kind="province")
    return province, make_unit("Xã Tịnh Khê", parent=province), make_unit("Xã Nghĩa Hành", parent=province)


@pytest.fixture
def add_models(places):
    """`count` recognised models (typed in from elsewhere), each with `recognitions` standing awards."""
    province, *communes = places
    made = []

    def add(count: int, title: str = "Thu gom rác thải nhựa", recognitions: int = 1, commune=None) -> list[RegisteredModel]:
        for _ in range(count):
            number = len(made)
            where = commune or communes[number % len(communes)]
            model = RegisteredModel(
                kind=NomineeKind.COLLECTIVE, title=f"{title} số {number}", nominee_name=f"Chi hội thôn {number}",
                unit_id=where.id, province_id=province.id, commune_id=where.id, first_year=2024, last_year=2024,
                highest_level=RecognitionLevel.COMMUNE, status=ModelStatus.MAINTAINED, is_recognised=True,
                public_summary="Cán bộ đến từng nhà vận động.", summary_state=SummaryState.APPROVED,
                recognised_at=datetime(2026, 1, 1, tzinfo=timezone.utc) + timedelta(hours=number),
            )
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


def test_every_registry_page_costs_the_same_queries_at_25_models_as_at_65(client, places, add_models, count_queries):
    province, commune, _ = places
    every_filter = f"tinh={province.id}&xa={commune.id}&cap=commune&nam=2024&loai=collective&tinh-trang=maintained"
    urls = ["/mo-hinh", "/mo-hinh?page=2", "/mo-hinh?q=thu+gom+rac", f"/mo-hinh?q=rac&{every_filter}"]

    def costs(model_id: int) -> list[int]:
        found = []
        for url in [*urls, f"/mo-hinh/{model_id}"]:
            with count_queries() as counter:
                assert client.get(url).status_code == 200, url
            found.append(counter.count)
        return found

    first = add_models(25, recognitions=1)[0]  # two pages: page 2 exists at both sizes
    few = costs(first.id)
    many_recognitions = add_models(40, recognitions=6)[-1]
    assert costs(many_recognitions.id) == few
    assert len(titles(client, "?q=thu+gom+rac")) == queries.PAGE_SIZE


def test_a_word_search_counts_at_most_its_limit_and_says_there_are_more(client, add_models, monkeypatch):
    add_models(12)
    monkeypatch.setattr(queries, "SEARCH_COUNT_LIMIT", 5)
    page = client.get("/mo-hinh?q=rac+thai").get_data(as_text=True)

    assert "Hơn 5 mô hình, điển hình khớp điều kiện tìm kiếm" in page
    assert len(titles(client, "?q=rac+thai")) == 5
    # The newest first: the five most recently recognised are the ones listed.
    assert titles(client, "?q=rac+thai") == [f"Thu gom rác thải nhựa số {n}" for n in range(11, 6, -1)]
    # Without words the list is counted in full.
    assert "12 mô hình, điển hình." in client.get("/mo-hinh").get_data(as_text=True)


def test_search_finds_a_model_by_its_commune_or_province_and_follows_a_renamed_unit(client, places, add_models, make_user):
    province, tinh_khe, nghia_hanh = places
    add_models(1, title="Hiến đất làm đường", commune=tinh_khe)
    add_models(1, title="Tổ hòa giải", commune=nghia_hanh)

    assert titles(client, "?q=tinh+khe") == ["Hiến đất làm đường số 0"]
    assert sorted(titles(client, "?q=quang+ngai")) == ["Hiến đất làm đường số 0", "Tổ hòa giải số 1"]
    assert titles(client, "?q=hoa+giai+nghia+hanh") == ["Tổ hòa giải số 1"]

    unit_ops.update_unit(
        nghia_hanh, code=nghia_hanh.code, name="Xã Nghĩa Thắng", kind="commune", parent=province, active=True,
        actor=make_user(),
    )
    db.session.commit()
    assert titles(client, "?q=nghia+thang") == ["Tổ hòa giải số 1"]
    assert titles(client, "?q=nghia+hanh") == []


def test_communes_are_offered_once_a_province_is_chosen(client, places, add_models):
    province, tinh_khe, _ = places
    add_models(2)

    def commune_options(query: str) -> list[str]:
        page = client.get(f"/mo-hinh{query}").get_data(as_text=True)
        select = re.search(r'<select id="xa" name="xa"[^>]*>(.*?)</select>', page, re.S).group(1)
        return re.findall(r'<option value="\d+"[^>]*>([^<]+)</option>', select)

    assert commune_options("") == []
    assert '<option value="">Chọn tỉnh trước</option>' in client.get("/mo-hinh").get_data(as_text=True)
    assert commune_options(f"?tinh={province.id}") == ["Xã Nghĩa Hành", "Xã Tịnh Khê"]
    # A commune chosen from a shared link still filters, and stays chosen.
    assert commune_options(f"?xa={tinh_khe.id}") == ["Xã, phường đã chọn"]
    assert titles(client, f"?xa={tinh_khe.id}") == ["Thu gom rác thải nhựa số 0"]


def test_the_year_filter_offers_every_year_from_the_first_recognition_to_the_last(client, add_models):
    add_models(1, recognitions=3)  # 2024, 2023, 2022
    page = client.get("/mo-hinh").get_data(as_text=True)
    select = re.search(r'<select id="nam" name="nam">(.*?)</select>', page, re.S).group(1)
    assert re.findall(r'<option value="(\d+)"', select) == ["2024", "2023", "2022"]
