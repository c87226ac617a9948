"""Issue 11 polish: the draft decision's editor writes the signing authority as the draft's own system does."""
from __future__ import annotations

import re
from html import unescape

from dvkheo.awards import decisions as ops
from dvkheo.documents.models import ensure_builtin_systems
from dvkheo.extensions import db


def _signer_section(client, decision_id: int) -> str:
    """The signer fields as a reader sees them: labels, options and hints (not the options' stored values)."""
    html = unescape(client.get(f"/awards/decisions/{decision_id}/edit").get_data(as_text=True))
    section = html[html.index('name="signer_prefix"') - 400:html.index('name="signer_name"')]
    return re.sub(r'value="[^"]*"', "", section)


def _draft(result, system: str):
    result.award_form.document_system = ensure_builtin_systems()[system]
    db.session.commit()
    decision = ops.draft_award_decision(result.campaign, result.award_form, [n.id for n in result.passed], result.secretary)
    db.session.commit()
    return decision


def test_a_party_draft_offers_party_prefixes_and_examples(client, auth, make_council_result):
    result = make_council_result(passed=1)
    decision = _draft(result, "party")
    auth.login(result.secretary)
    section = _signer_section(client, decision.id)
    assert "T/M (thay mặt tập thể lãnh đạo)" in section and "K/T (ký thay người đứng đầu)" in section
    assert "BAN THƯỜNG VỤ (sau “T/M”)" in section
    assert not re.search(r"\b(TM|KT|TL|TUQ)\.", section), re.search(r"\b(TM|KT|TL|TUQ)\.", section)


def test_a_state_draft_offers_state_prefixes_and_examples(client, auth, make_council_result):
    result = make_council_result(passed=1)
    decision = _draft(result, "state")
    auth.login(result.secretary)
    section = _signer_section(client, decision.id)
    assert "TM. (thay mặt tập thể lãnh đạo)" in section and "ỦY BAN NHÂN DÂN (sau “TM.”)" in section
    assert "T/M" not in section and "K/T" not in section
