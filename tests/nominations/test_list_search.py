"""The unit's list of dossiers is searched by words, like every search box (dvkheo.core.search)."""
from __future__ import annotations

import pytest

from dvkheo.accounts.models import Role
from dvkheo.nominations.states import NominationState

TITLES = [
    "Đường làng “xanh - sạch - đẹp” do Nhân dân thôn Trường Thọ tự quản",
    "Trưởng thôn vận động các hộ hiến đất mở rộng đường bê tông",
    "Nồi cháo tình thương của Hội Chữ thập đỏ",
    "Phong trào đoàn kết giúp nhau vượt khó do thiên tai",
]


@pytest.mark.parametrize(
    "typed, found",
    [
        ("Trường Thọ", [0]),  # not "Trưởng thôn"
        ("xanh-sạch-đẹp", [0]),
        ("đỏ", [2]),  # not "đoàn", "do"
        ("do", [0, 1, 2, 3]),  # without diacritics: "do", "động", "đỏ", "đoàn": the last word may be unfinished
        ("do nhan dan", [0]),  # a word before the last is whole: "do", not "động"
        ("dan van", []),  # "dân" and "vận" are in different dossiers
        ("ho hien dat", [1]),
        ("ĐƯỜNG LÀNG", [0]),
        ("Ðường làng", [0]),  # the look-alike Ð, U+00D0
    ],
)
def test_list_search_matches_words(client, login_as, make_unit, make_nomination, province, typed, found):
    commune = make_unit("Xã Tịnh Khê", parent=province)
    campaign = None
    for title in TITLES:
        nomination = make_nomination(
            unit=commune, campaign=campaign, status=NominationState.SUBMITTED, title=title, nominee_name="Tổ tự quản",
            locality="Xã Tịnh Khê",
        )
        campaign = nomination.campaign
    login_as(Role.UNIT_SUBMITTER, commune)
    page = client.get("/nominations/", query_string={"q": typed}).get_data(as_text=True)
    shown = [index for index, title in enumerate(TITLES) if title in page]
    assert shown == found
