"""Issue 11 polish: the dates a decision cites in its legal bases read in one style, its system's.

The secretary types "ngày 15/6/2022"; the decision cites the council's minutes as generated. A State decision
writes "ngày 15 tháng 6 năm 2022" everywhere, a Party decision ", ngày 15/6/2022" (FORMATS.md §1.7, ref_pattern),
and what was typed stays as typed in the record.
"""
from __future__ import annotations

import io
import re
import unicodedata

from pypdf import PdfReader

from dvkheo.awards import decisions as ops
from dvkheo.awards.models import Decision, LegalBasis
from dvkheo.documents.formats import PARTY, STATE
from dvkheo.documents.models import ensure_builtin_systems
from dvkheo.extensions import db

STATE_ISSUER = dict(
    parent_body="", issuing_body="ỦY BAN NHÂN DÂN XÃ TỊNH KHÊ", issuer_code="UBND",
    issuer_in_text="Chủ tịch Ủy ban nhân dân xã Tịnh Khê", place_name="Tịnh Khê",
)
SHORT_DATE = re.compile(r"ngày \d{1,2}/\d{1,2}/\d{4}")
LONG_DATE = re.compile(r"ngày \d{1,2} tháng \d{1,2} năm \d{4}")


def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def _pdf_text(data: bytes) -> str:
    return _norm(" ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages))


def _draft(result, system: str, extra_basis: str, **issuer):
    form = result.award_form
    for key, value in issuer.items():
        setattr(form, key, value)
    form.document_system = ensure_builtin_systems()[system]
    form.legal_bases.append(LegalBasis(position=9, text=extra_basis))
    db.session.commit()
    decision = ops.draft_award_decision(result.campaign, form, [n.id for n in result.passed], result.secretary)
    db.session.commit()
    return decision


def test_a_state_decision_cites_every_date_in_words(client, auth, make_council_result):
    result = make_council_result(passed=1)
    # A council that writes in the Party's system: its minutes would be cited "…, ngày 05/11/2026".
    result.campaign.council_document_system = ensure_builtin_systems()["party"]
    decision = _draft(
        result, "state", "Căn cứ Kế hoạch số 12/KH-UBND ngày 5/3/2026 của Ủy ban nhân dân xã Tịnh Khê", **STATE_ISSUER
    )
    auth.login(result.chair)

    page = _norm(client.get(f"/awards/decisions/{decision.id}").get_data(as_text=True))
    pdf = _pdf_text(client.get(f"/awards/decisions/{decision.id}/pdf").data)
    for text in (page, pdf):
        assert "Luật Thi đua, khen thưởng số 06/2022/QH15 ngày 15 tháng 6 năm 2022" in text
        assert "Kế hoạch số 12/KH-UBND ngày 05 tháng 3 năm 2026 của Ủy ban nhân dân xã Tịnh Khê" in text
        assert "Biên bản số 01-BB/HĐXC ngày 05 tháng 11 năm 2026" in text
        assert not SHORT_DATE.search(text), SHORT_DATE.search(text).group(0)

    stored = db.session.get(Decision, decision.id)
    assert "Căn cứ Kế hoạch số 12/KH-UBND ngày 5/3/2026 của Ủy ban nhân dân xã Tịnh Khê" in stored.legal_bases


def test_a_party_decision_cites_every_date_in_figures(client, auth, make_council_result):
    result = make_council_result(passed=1)
    decision = _draft(result, "party", "Căn cứ Chỉ thị số 11-CT/TU ngày 08 tháng 8 năm 2022 của Ban Thường vụ Tỉnh ủy")
    auth.login(result.chair)

    pdf = _pdf_text(client.get(f"/awards/decisions/{decision.id}/pdf").data)
    assert "- Căn cứ Chỉ thị số 11-CT/TU, ngày 08/8/2022 của Ban Thường vụ Tỉnh ủy;" in pdf
    assert "Luật Thi đua, khen thưởng số 06/2022/QH15, ngày 15/6/2022;" in pdf
    assert "Biên bản số 01-BB/HĐXC, ngày 05/11/2026" in pdf
    assert not LONG_DATE.search(pdf.split("Nơi nhận")[0].split("QUYẾT ĐỊNH", 1)[1]), "a date in words among the bases"


def test_only_real_dates_after_ngay_are_rewritten():
    # A symbol is no date, an impossible date is left as typed, words around a date stay as typed.
    assert STATE.with_running_dates("Số 06/2022/QH15 (15/6/2022)") == "Số 06/2022/QH15 (15/6/2022)"
    assert STATE.with_running_dates("họp ngày 31/2/2026") == "họp ngày 31/2/2026"
    assert STATE.with_running_dates("ban hành ngày 5/2/2026") == "ban hành ngày 05 tháng 02 năm 2026"
    assert PARTY.with_running_dates("ban hành ngày 5 tháng 02 năm 2026") == "ban hành ngày 05/2/2026"
    assert PARTY.with_running_dates("Nghị định số 98/2023/NĐ-CP ngày 31/12/2023") == "Nghị định số 98/2023/NĐ-CP, ngày 31/12/2023"
    assert STATE.with_running_dates("Chỉ thị số 11-CT/TU, ngày 08/8/2022") == "Chỉ thị số 11-CT/TU ngày 08 tháng 8 năm 2022"
