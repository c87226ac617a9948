"""An issued decision keeps its certificates' title, frame design and emblem: editing the award form afterwards
(through the editor, as a secretary does) changes only decisions issued later, and the emblem file an issued
decision froze is never deleted. Also: the editor never refills an existing form's empty field with defaults."""
from __future__ import annotations

import hashlib
import io
import unicodedata

import pdfplumber
import sqlalchemy as sa
from PIL import Image
from pypdf import PdfReader

from dvkheo.awards import decisions as decision_ops
from dvkheo.awards import workflow
from dvkheo.awards.decision_pdf import decision_pdf
from dvkheo.awards.models import AwardForm, CertificateDesign, Decision, SignerPrefix
from dvkheo.awards.workflow import DecisionAction as A
from dvkheo.certificates import render
from dvkheo.certificates.emblems import store_emblem
from dvkheo.certificates.models import Certificate
from dvkheo.core.storage import path_for
from dvkheo.documents.models import ensure_builtin_systems
from dvkheo.extensions import db
from tests.council.test_award_forms_issuer import editor_values, log_in

ISSUE_DAY = __import__("datetime").date(2026, 11, 20)


def png(color) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (64, 64), color).save(out, format="PNG")
    return out.getvalue()


def issue(result, nominations, decided_on=ISSUE_DAY) -> Decision:
    """Drafted and issued through the workflow, as the pages do."""
    decision = decision_ops.draft_award_decision(result.campaign, result.award_form, [n.id for n in nominations],
                                                 result.secretary)
    db.session.commit()
    workflow.apply(decision, A.APPROVE, result.chair)
    workflow.apply(decision, A.ISSUE, result.chair, decided_on=decided_on)
    db.session.commit()
    return decision


def certificate_pdf(decision: Decision) -> bytes:
    db.session.expire_all()
    (certificate_id,) = db.session.scalars(sa.select(Certificate.id).where(Certificate.decision_id == decision.id))
    return render.render_certificates_pdf(render.load_for_print([certificate_id]))


def text_of(pdf: bytes) -> str:
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    return " ".join(unicodedata.normalize("NFC", page.extract_text() or "").split())


def look_of(pdf: bytes) -> tuple[list[str], frozenset]:
    """The digests of the page's embedded images (the emblem) and the colours it draws with (the frame's design)."""
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        page = document.pages[0]
        images = sorted(hashlib.sha256(image["stream"].get_data()).hexdigest() for image in page.images)
        colours = frozenset(
            tuple(round(float(c), 3) for c in shape[key])
            for shape in page.curves + page.rects + page.lines
            for key in ("stroking_color", "non_stroking_color")
            if isinstance(shape.get(key), (tuple, list))
        )
    return images, colours


def edit(client, award_form: AwardForm, **changes) -> str:
    """The editor's page as shown, with `changes`, saved; `emblem` is a file to upload."""
    values: dict = editor_values(client, award_form.id) | {k: v for k, v in changes.items() if k != "emblem"}
    if "emblem" in changes:
        values["emblem"] = (io.BytesIO(changes["emblem"]), "bieu-tuong.png")
    response = client.post(f"/council/award-forms/{award_form.id}/edit", data=values,
                           content_type="multipart/form-data", follow_redirects=True)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_editing_the_award_form_after_issue_leaves_the_issued_certificates_as_printed(client, make_council_result):
    result = make_council_result(passed=2)
    form = result.award_form
    red = store_emblem(png((196, 22, 28, 255)), "do.png")
    form.emblem_file = red
    db.session.commit()
    first = issue(result, result.passed[:1])
    assert first.certificate_snapshot == {str(form.id): {
        "name": "Giấy khen", "title": "GIẤY KHEN", "design": "classic_red", "emblem_file": red}}
    before = certificate_pdf(first)
    before_images, before_colours = look_of(before)
    assert "GIẤY KHEN" in text_of(before) and len(before_images) == 1

    log_in(client, result.secretary)
    html = edit(client, form, certificate_title="BẰNG KHEN", certificate_design=CertificateDesign.BLUE.value,
                emblem=png((20, 60, 200, 255)))
    assert "Đã lưu hình thức khen thưởng" in html
    db.session.expire_all()
    form = db.session.get(AwardForm, form.id)
    assert (form.certificate_title, form.certificate_design) == ("BẰNG KHEN", CertificateDesign.BLUE)
    blue = form.emblem_file
    assert blue and blue != red

    # The issued decision's certificate: the same title, frame and emblem bytes as before the edit.
    after = certificate_pdf(first)
    assert "GIẤY KHEN" in text_of(after) and "BẰNG KHEN" not in text_of(after)
    assert look_of(after) == (before_images, before_colours)
    # Its emblem file survives the replacement: the decision still names it.
    assert path_for(red).is_file()

    # A decision issued now takes the form as it stands.
    second = issue(result, result.passed[1:], decided_on=ISSUE_DAY.replace(day=21))
    assert second.certificate_snapshot[str(form.id)] == {
        "name": "Giấy khen", "title": "BẰNG KHEN", "design": "blue", "emblem_file": blue}
    new = certificate_pdf(second)
    new_images, new_colours = look_of(new)
    assert "BẰNG KHEN" in text_of(new) and "GIẤY KHEN" not in text_of(new)
    assert len(new_images) == 1 and new_images != before_images
    assert new_colours != before_colours

    # Replacing the emblem again: the blue one stays (the second decision froze it), its successor is new.
    edit(client, form, emblem=png((10, 120, 10, 255)))
    assert path_for(red).is_file() and path_for(blue).is_file()
    assert look_of(certificate_pdf(second))[0] == new_images


def test_an_emblem_no_issued_decision_uses_is_deleted_when_replaced(client, make_council_result):
    result = make_council_result(passed=1)
    form = result.award_form
    unused = store_emblem(png((196, 22, 28, 255)), "do.png")
    form.emblem_file = unused
    db.session.commit()

    log_in(client, result.secretary)
    edit(client, form, emblem=png((20, 60, 200, 255)))

    db.session.expire_all()
    assert db.session.get(AwardForm, form.id).emblem_file != unused
    assert not path_for(unused).exists()


def test_a_revocation_freezes_too_and_a_reissued_certificate_keeps_the_look_of_its_decision(make_council_result):
    from dvkheo.awards import revocation
    from dvkheo.awards.models import RevocationScope

    result = make_council_result(passed=1)
    decision = issue(result, result.passed)
    (old,) = db.session.scalars(sa.select(Certificate).where(Certificate.decision_id == decision.id))
    form = result.award_form
    form.certificate_title, form.certificate_design = "BẰNG KHEN", CertificateDesign.GOLD
    db.session.commit()

    revoking = revocation.draft_revocation(decision, [(old.awardee_id, RevocationScope.CERTIFICATE, old.id)],
                                           "Giấy khen bị hư hỏng", result.secretary)
    db.session.commit()
    workflow.apply(revoking, A.APPROVE, result.chair)
    workflow.apply(revoking, A.ISSUE, result.chair, decided_on=ISSUE_DAY.replace(day=25))
    db.session.commit()
    assert revoking.certificate_snapshot[str(form.id)]["title"] == "BẰNG KHEN"  # frozen when it was issued

    new = revocation.reissue_certificate(db.session.get(Certificate, old.id).awardee, result.secretary)
    db.session.commit()
    # The reissue belongs to the award decision: it reads and looks like the certificate it replaces.
    assert new.decision_id == decision.id
    text = text_of(render.render_certificates_pdf(render.load_for_print([new.id])))
    assert "GIẤY KHEN" in text and "BẰNG KHEN" not in text and "Cấp lại theo" in text
    assert render.sheet_context(new, render.PrintOutput.PLAIN, 0, 0)["design"] == "classic_red"


def test_a_decision_issued_before_the_snapshot_reads_the_award_form(make_council_result, make_issued_decision):
    """A NULL snapshot (a row the migration could not fill) prints as before: from the award form."""
    result = make_council_result(passed=1)
    decision = make_issued_decision(result)
    db.session.execute(sa.update(Decision).where(Decision.id == decision.id).values(certificate_snapshot=None))
    result.award_form.certificate_title = "BẰNG KHEN"
    db.session.commit()

    assert "BẰNG KHEN" in text_of(certificate_pdf(decision))


def test_a_commune_form_without_parent_body_stays_without_one_after_saving(client, make_unit, make_campaign, province,
                                                                          make_council_result):
    commune = make_unit("Xã Tịnh Khê", parent=province)
    campaign = make_campaign(organising_unit=commune)
    result = make_council_result(passed=1, campaign=campaign)
    form = result.award_form
    # Decree 30: "ỦY BAN NHÂN DÂN / XÃ TỊNH KHÊ" with no line above.
    form.document_system = ensure_builtin_systems()["state"]
    form.parent_body, form.issuing_body = "", "ỦY BAN NHÂN DÂN XÃ TỊNH KHÊ"
    form.issuer_in_text, form.issuer_code, form.place_name = "Ủy ban nhân dân xã Tịnh Khê", "UBND", "Tịnh Khê"
    form.signer_prefix, form.signer_authority, form.signer_title = SignerPrefix.ON_BEHALF_OF_COLLECTIVE, "ỦY BAN NHÂN DÂN", "CHỦ TỊCH"
    db.session.commit()

    log_in(client, result.secretary)
    values = editor_values(client, form.id)
    assert values["parent_body"] == ""  # shown empty, not "TỈNH QUẢNG NGÃI"
    html = edit(client, form, emblem=png((196, 22, 28, 255)))  # only an emblem uploaded, then "Lưu"
    assert "Đã lưu hình thức khen thưởng" in html

    db.session.expire_all()
    form = db.session.get(AwardForm, form.id)
    assert form.parent_body == "" and form.emblem_file
    assert form.document_system.code == "state"
    decision = issue(result, result.passed)
    assert decision.parent_body == ""
    text = " ".join(unicodedata.normalize("NFC", page.extract_text() or "")
                    for page in PdfReader(io.BytesIO(decision_pdf(decision))).pages)
    assert "ỦY BAN NHÂN DÂN" in text and "XÃ TỊNH KHÊ" in text
    assert "TỈNH QUẢNG NGÃI" not in text
    assert "TỈNH QUẢNG NGÃI" not in text_of(certificate_pdf(decision))


def test_uploads_prune_keeps_an_emblem_only_an_issued_decision_names(app, make_council_result, make_issued_decision):
    import os
    import time

    result = make_council_result(passed=1)
    frozen = store_emblem(png((196, 22, 28, 255)), "do.png")
    result.award_form.emblem_file = frozen
    db.session.commit()
    make_issued_decision(result)
    result.award_form.emblem_file = None  # the secretary removed it from the form afterwards
    stray = store_emblem(png((20, 60, 200, 255)), "xanh.png")  # an upload no row names
    db.session.commit()
    old = time.time() - 3 * 86400
    for name in (frozen, stray):
        os.utime(path_for(name), (old, old))

    outcome = app.test_cli_runner().invoke(args=["uploads", "prune"])

    assert outcome.exit_code == 0, outcome.output
    assert path_for(frozen).is_file() and not path_for(stray).exists()
