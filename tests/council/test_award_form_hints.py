"""Issue 11 polish: the award-form editor's examples follow the chosen system.

A Party body's secretary must not be shown "Số: 01/QĐ-UBND" or "TM. ỦY BAN NHÂN DÂN", nor a People's Committee's
"BAN DÂN VẬN" and "T/M": each placeholder and hint of the issuer and signer sections comes from a body of the system
chosen (as saved on GET; as posted on "Xem trước").
"""
from __future__ import annotations

import re
from html import unescape

from dvkheo.extensions import db
from tests.council.test_award_forms_issuer import editor_values

FIELDS = ("parent_body", "issuing_body", "issuer_code", "place_name", "issuer_in_text", "archive", "signer_authority",
          "signer_title")


def _examples(html: str) -> dict[str, str]:
    """Each issuer or signer field's placeholder and hint, as the page shows them."""
    found = {}
    for name in FIELDS:
        tag = re.search(rf'<input[^>]*\bname="{name}"[^>]*>', html).group(0)
        placeholder = re.search(r'placeholder="([^"]*)"', tag)
        hint = re.search(rf'<p class="hint" id="{name}-hint">(.*?)</p>', html, re.S)
        found[name] = unescape(" ".join(part.group(1) for part in (placeholder, hint) if part))
    help_start = html.index('class="prefix-help"')
    found["prefix_help"] = unescape(html[help_start:html.index("</details>", help_start)])
    return found


def test_a_party_body_is_shown_party_examples(client, award_form, systems):
    html = client.get(f"/council/award-forms/{award_form.id}/edit").get_data(as_text=True)
    examples = _examples(html)
    assert "BAN DÂN VẬN" in examples["issuing_body"] and "BDVTU" in examples["issuer_code"]
    assert "Số 05-QĐ/" in examples["issuer_code"]
    assert "T/M BAN THƯỜNG VỤ" in examples["prefix_help"]
    shown = " ".join(examples.values())
    for foreign in ("UBND", "ỦY BAN NHÂN DÂN", "Số:", "TM.", "KT.", "TL.", "TUQ.", "Tịnh Khê"):
        assert foreign not in shown, foreign


def test_a_peoples_committee_is_shown_state_examples(client, award_form, systems):
    award_form.document_system = systems["state"]
    award_form.parent_body, award_form.issuing_body, award_form.issuer_code = "", "ỦY BAN NHÂN DÂN XÃ AN PHÚ", "UBND"
    award_form.issuer_in_text, award_form.place_name = "Chủ tịch Ủy ban nhân dân xã An Phú", "An Phú"
    award_form.signer_authority, award_form.signer_title = "", ""
    db.session.commit()
    html = client.get(f"/council/award-forms/{award_form.id}/edit").get_data(as_text=True)
    examples = _examples(html)
    assert "ỦY BAN NHÂN DÂN XÃ TỊNH KHÊ" in examples["issuing_body"] and "UBND" in examples["issuer_code"]
    assert "Ủy ban nhân dân xã Tịnh Khê" in examples["issuer_in_text"]
    assert "ỦY BAN NHÂN DÂN" in examples["signer_authority"] and "CHỦ TỊCH" in examples["signer_title"]
    assert "TM. ỦY BAN NHÂN DÂN" in examples["prefix_help"]
    shown = " ".join(examples.values())
    for foreign in ("BAN DÂN VẬN", "BDVTU", "Ban Dân vận", "TỈNH ỦY", "TRƯỞNG BAN", "T/M", "K/T"):
        assert foreign not in shown, foreign


def test_the_examples_follow_a_system_chosen_before_saving(client, award_form, systems):
    values = editor_values(client, award_form.id)
    values["document_system_id"] = str(systems["state"].id)
    html = client.post(f"/council/award-forms/{award_form.id}/edit", data={**values, "preview": "1"}).get_data(as_text=True)
    assert "ỦY BAN NHÂN DÂN XÃ TỊNH KHÊ" in _examples(html)["issuing_body"]


def test_a_missing_issuer_is_asked_for_with_the_systems_example(client, award_form, systems):
    values = editor_values(client, award_form.id)
    values.update(document_system_id=str(systems["state"].id), issuing_body="", issuer_code="")
    html = unescape(client.post(f"/council/award-forms/{award_form.id}/edit", data=values).get_data(as_text=True))
    assert "ví dụ ỦY BAN NHÂN DÂN XÃ TỊNH KHÊ" in html and "ví dụ UBND" in html
    assert "ví dụ BAN DÂN VẬN" not in html and "ví dụ BDVTU" not in html
