"""The demo a visitor reads must agree with itself: each dossier's title and text speak of its field, the places it
names belong to the unit that nominated it, and a collective's kind matches its name (issue 13: “Ngày Chủ nhật
xanh” describing rice jars and cows, “Nồi cháo tình thương” under “Quốc phòng, an ninh”, a mediation model under
food safety, Xã Tịnh Khê nominating “Hội Chữ thập đỏ phường Cẩm Thành”)."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from dvkheo.core.text import fold
from dvkheo.extensions import db
from dvkheo.nominations.models import Nomination

# Words (folded, matched as whole words) of which a dossier's title and its text must each name at least one.
FIELD_WORDS = {
    "environment": ("rac", "rac thai", "moi truong", "cay xanh", "bo bien", "nhua"),
    "food_safety": ("thuc pham", "ngo doc", "bep an"),
    "defence_security": ("an ninh", "trat tu", "trom", "trom cap", "tuan tra", "vu khi"),
    "poverty_reduction": ("ngheo", "can ngheo", "sinh ke"),
    "health_insurance": ("bao hiem y te",),
    "admin_reform_digital": ("truc tuyen", "thu tuc hanh chinh", "cong nghe so", "dich vu cong"),
    "political_system": ("chi bo", "kien nghi", "doi thoai", "don thu", "hoa giai"),
    "new_rural_civilised_urban": ("duong", "hem", "chieu sang", "nong thon", "van minh"),
    "economy_society": ("san choi", "thu vien", "hoc sinh", "benh vien", "chao"),
}

# The places inside each nominating unit of the demo: a dossier may name only these (and the province).
PLACES = {
    "Xã Tịnh Khê": {"Tịnh Khê", "Cổ Lũy", "Mỹ Lai", "Trường Thọ", "Phú Lộc"},
    "Phường Cẩm Thành": {"Cẩm Thành"},
    "Thôn Trường Thọ": {"Trường Thọ", "Tịnh Khê"},
}
PLACE_WORDS = ("xã", "phường", "thôn", "bến cá", "chợ")

# A collective's name tells what kind of body it is.
KIND_BY_NAME = [
    (("Ban Công tác Mặt trận", "Hội ", "Chi hội ", "Đoàn Thanh niên"), "grassroots_front_mass_org"),
    (("Ban Đại diện cha mẹ học sinh", "Ban đại diện cha mẹ học sinh"), "hospital_school"),
    (("Ban Quản lý chợ",), "agency_public_service"),
    (("Tổ ",), "commune_body"),
]


# An individual's position tells the category: a village party secretary is filed as a party member, a chair as a cadre.
CATEGORY_BY_POSITION = [
    (("Bí thư Chi bộ",), "party_member"),
    (("Chủ tịch", "Phó Chủ tịch"), "cadre"),
    (("Cảnh sát", "Công an"), "soldier"),
    (("Tổ trưởng",), "association_member"),
]


def _words(text: str) -> str:
    return " " + re.sub(r"[^a-z0-9]+", " ", fold(text)) + " "


def _names(text: str, words) -> bool:
    folded = _words(text)
    return any(f" {word} " in folded for word in words)


def _places_named(text: str) -> set[str]:
    """Proper names after “xã”, “phường”, “thôn”…: “Thôn Cổ Lũy, xã Tịnh Khê” gives {"Cổ Lũy", "Tịnh Khê"}."""
    found = set()
    tokens = re.findall(r"[\w]+", text or "")
    lowered = [token.lower() for token in tokens]
    for index in range(len(tokens)):
        for keyword in PLACE_WORDS:
            parts = keyword.split()
            if lowered[index:index + len(parts)] == parts:
                name = []
                for token in tokens[index + len(parts):]:
                    if not token[0].isupper() or token.lower() in PLACE_WORDS:
                        break
                    name.append(token)
                if name:
                    found.add(" ".join(name))
    return found


@pytest.fixture
def demo_nominations(runner) -> list[Nomination]:
    runner.invoke(args=["seed-demo"], catch_exceptions=False)
    nominations = list(db.session.scalars(sa.select(Nomination).order_by(Nomination.id)))
    # Only dossiers with a report: the unfinished draft has a title only.
    return [n for n in nominations if n.situation]


def test_places_are_found_in_a_sentence():
    assert _places_named("Thôn Cổ Lũy, xã Tịnh Khê") == {"Cổ Lũy", "Tịnh Khê"}
    assert _places_named("Hội Chữ thập đỏ phường Cẩm Thành") == {"Cẩm Thành"}
    assert _places_named("Tổ dân phố 5, phường Cẩm Thành") == {"Cẩm Thành"}


def test_every_demo_dossier_speaks_of_its_field(demo_nominations):
    problems = []
    for n in demo_nominations:
        words = FIELD_WORDS[n.field.code]
        text = " ".join(filter(None, [n.situation, n.method, n.results]))
        if not _names(n.title, words):
            problems.append(f"{n.id} “{n.title}”: the title says nothing of “{n.field.name}”")
        if not _names(text, words):
            problems.append(f"{n.id} “{n.title}”: the report says nothing of “{n.field.name}”")
    assert problems == []


def test_a_demo_dossier_names_only_places_of_its_nominating_unit(demo_nominations):
    problems = []
    for n in demo_nominations:
        allowed = PLACES.get(n.unit.name)
        assert allowed is not None, f"add the places of {n.unit.name} to PLACES"
        for where, text in (("nominee", n.nominee_name), ("position", n.nominee_position), ("locality", n.locality), ("title", n.title)):
            strangers = _places_named(text or "") - allowed
            if strangers:
                problems.append(f"{n.id} “{n.title}” by {n.unit.name}: {where} names {sorted(strangers)}")
        if not _places_named(n.locality or "") & allowed:
            problems.append(f"{n.id} “{n.title}”: locality “{n.locality}” is not in {n.unit.name}")
    assert problems == []


def test_a_demo_nominee_is_filed_under_the_kind_its_name_or_position_says(demo_nominations):
    problems = []
    for n in demo_nominations:
        if n.collective_type is None:
            expected = next((kind for prefixes, kind in CATEGORY_BY_POSITION if (n.nominee_position or "").startswith(prefixes)), None)
            assert expected is not None, f"add a rule for “{n.nominee_position}” to CATEGORY_BY_POSITION"
            if n.individual_category.code != expected:
                problems.append(f"{n.id} {n.nominee_name} ({n.nominee_position}) is filed as “{n.individual_category.name}”")
            continue
        expected = next((kind for prefixes, kind in KIND_BY_NAME if n.nominee_name.startswith(prefixes)), None)
        assert expected is not None, f"add a rule for “{n.nominee_name}” to KIND_BY_NAME"
        if n.collective_type.code != expected:
            problems.append(f"{n.id} “{n.nominee_name}” is filed as “{n.collective_type.name}”")
    assert problems == []


def test_a_demo_story_is_told_once(demo_nominations):
    """The same report text under two titles is one dossier's story borrowed by another."""
    by_text: dict[str, set[str]] = {}
    for n in demo_nominations:
        by_text.setdefault(n.situation, set()).add(n.title)
    assert [titles for titles in by_text.values() if len(titles) > 1] == []
