"""Batch printing of certificates: milliseconds per page and peak memory, beside a floor.

Run with `make bench-certificates` (or `.venv/bin/python bench/certificates.py [--size 2000] [--floor 500]`).
Seeds a temporary SQLite database with one issued decision of 2,000 certificates (bulk inserts),
then measures, each in a child process of its own so that peaks do not mix:

(a) floor: WeasyPrint laying out the SAME certificate HTML (`certificates_html` of the first 500,
    prepared in advance, not timed) as ONE 500-page document;
(b) the real batch path, `run_print_job`, for those 500 certificates (the frame laid out once by WeasyPrint,
    each certificate's variable text written straight into the PDF by `textlayer`, chunks committed, merged,
    hashed): ms per page, peak memory, and the ratio batch / floor (goal <= 1.2);
(c) `run_print_job` for all 2,000 certificates: peak memory (goal < 300 MB) and ms per page;
(d) the office's own floor: LibreOffice Writer (`soffice --headless --convert-to pdf`) turning a 500-page
    mail-merged .docx of the same certificates into PDF, the frame as one picture anchored behind the text
    in the header (stored once, repeated on every page; built with python-docx, not timed): ms per page and
    soffice's peak memory. The frame picture is a 150-dpi JPEG (d), and a PNG (d'), which LibreOffice re-encodes
    on every page (ten times slower). `ratio_to_libreoffice` = (b) / (d) per page (goal <= 0.5): the floor is
    LibreOffice at its fastest; `ratio_to_libreoffice_by_frame_image` has both.

Every child warms WeasyPrint up on one certificate first (fonts, imports), untimed. Peak memory is
the child's VmHWM (peak resident set) from /proc, read when its work is done.
Figures go to stdout and to bench/results/certificates-<time>.json (git-ignored); the exit code
is 0 even when a goal is missed: the verdict is printed.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from config import TestingConfig  # noqa: E402
from dvkheo import create_app  # noqa: E402
from dvkheo.extensions import db  # noqa: E402

RATIO_GOAL = 1.2
LIBREOFFICE_RATIO_GOAL = 0.5
MEMORY_GOAL_MB = 300
SOFFICE = "/usr/bin/soffice"
# The frame picture of the mail merge, 150 dpi, both ways: as a JPEG (what a scanned blank is) LibreOffice passes it
# through, as a PNG it spends ~50 ms a page re-encoding it. The JPEG run is the floor (LibreOffice at its fastest).
FRAME_IMAGE_FORMATS = ("jpeg", "png")
TOPICS = ["hiến đất mở rộng đường thôn", "thu gom rác thải nhựa", "bảo hiểm y tế hộ gia đình",
          "giảm nghèo bền vững", "dịch vụ công trực tuyến", "an ninh trật tự khu dân cư"]
SURNAMES = ["Nguyễn Thị", "Trần Văn", "Lê Thị", "Phạm Văn", "Huỳnh Thị", "Võ Văn", "Đặng Thị", "Bùi Văn"]
GIVEN = ["Hạnh", "Dũng", "Thủy", "Đức", "Nguyệt", "Phước", "Hương", "Quý"]


def build_app(directory: Path, chunk_size: int | None = None):
    class BenchConfig(TestingConfig):
        TESTING = False
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{directory / 'bench.sqlite'}"
        UPLOAD_DIR = str(directory / "uploads")
        REDIS_URL = ""
        PUBLIC_BASE_URL = "https://dvkheo.example.vn"

    if chunk_size:
        BenchConfig.PRINT_CHUNK_SIZE = chunk_size
    return create_app(BenchConfig)


# --- seeding (parent) --------------------------------------------------------------------------------


def seed(size: int) -> dict:
    from dvkheo.accounts.models import Role, User
    from dvkheo.awards.models import AwardForm, Decision, DecisionAwardee, DecisionKind, DecisionStatus, LegalBasis
    from dvkheo.campaigns import operations as campaign_ops
    from dvkheo.campaigns.models import CampaignStatus, NomineeKind, ReferenceItem, ReferenceKind
    from dvkheo.certificates.models import Certificate, CertificateStatus
    from dvkheo.certificates.operations import new_serial
    from dvkheo.core.search import search_text
    from dvkheo.core.text import fold
    from dvkheo.core.timeutil import utcnow
    from dvkheo.nominations.models import Nomination
    from dvkheo.nominations.states import NominationState
    from dvkheo.units.models import Unit

    db.create_all()
    province = Unit(code="51", name="Tỉnh Quảng Ngãi", kind="province")
    db.session.add(province)
    db.session.flush()
    province.assign_path()
    province.refresh_search_text()
    communes = []
    for number in range(50):
        commune = Unit(code=f"X{number:04d}", name=f"Xã Thử Nghiệm {number}", kind="commune", parent=province)
        db.session.add(commune)
        db.session.flush()
        commune.assign_path()
        commune.refresh_search_text()
        communes.append(commune)
    secretary = User(email="thuky@bench.vn", full_name="Thư ký đo hiệu năng", role=Role.SECRETARY, unit=province,
                     password_hash="x")
    db.session.add(secretary)
    today = date.today()
    campaign = campaign_ops.create_campaign(
        organising_unit=province, title=f"Bình xét mô hình “Dân vận khéo” năm {today.year}", year=today.year,
        status=CampaignStatus.COUNCIL_DECISION, nominations_open_on=today - timedelta(days=90),
        nominations_close_on=today - timedelta(days=60),
    )
    form = AwardForm(
        campaign_id=campaign.id, name="Giấy khen", position=1, parent_body="TỈNH ỦY QUẢNG NGÃI",
        issuing_body="BAN DÂN VẬN", issuer_code="BDVTU", place_name="Quảng Ngãi", signer_authority="BAN THƯỜNG VỤ",
        signer_title="TRƯỞNG BAN", signer_name="Nguyễn Văn Trưởng", certificate_title="GIẤY KHEN",
        legal_bases=[LegalBasis(position=1, text="Căn cứ Luật Thi đua, khen thưởng số 06/2022/QH15 ngày 15/6/2022")],
    )
    db.session.add(form)
    db.session.flush()
    field_id = db.session.scalar(
        sa.select(ReferenceItem.id).where(ReferenceItem.kind == ReferenceKind.FIELD).order_by(ReferenceItem.position)
    )
    moment = utcnow()
    rows = []
    for number in range(size):
        individual = number % 3 == 0
        title = f"Dân vận khéo trong {TOPICS[number % len(TOPICS)]} số {number + 1}"
        nominee = (f"{SURNAMES[number % len(SURNAMES)]} {GIVEN[(number // 8) % len(GIVEN)]}" if individual
                   else f"Ban Công tác Mặt trận thôn Phú Lộc {number + 1}")
        kind = NomineeKind.INDIVIDUAL if individual else NomineeKind.COLLECTIVE
        commune = communes[number % len(communes)]
        rows.append(dict(
            campaign_id=campaign.id, unit_id=commune.id, kind=kind, status=NominationState.AWARDED, title=title,
            nominee_name=nominee, nominee_position="Chủ tịch Hội Nông dân xã" if individual else None,
            field_id=field_id, locality=commune.name, started_on=date(2024, 1, 1),
            nominee_key=f"{kind.value}:{fold(nominee)}", model_key=fold(title), search_text=search_text(title, nominee),
            created_at=moment, updated_at=moment, submitted_at=moment,
        ))
    db.session.execute(sa.insert(Nomination), rows)
    decided_on = date(today.year, 11, 20)
    decision = Decision(
        campaign_id=campaign.id, award_form_id=form.id, kind=DecisionKind.AWARD, status=DecisionStatus.ISSUED,
        issuer_code="BDVTU", symbol="QĐ-BDVTU", number=5, year=decided_on.year, decided_on=decided_on,
        place_name="Quảng Ngãi", parent_body=form.parent_body, issuing_body=form.issuing_body,
        signer_authority=form.signer_authority, signer_title=form.signer_title, signer_name=form.signer_name,
        title=f"Về việc khen thưởng mô hình, điển hình “Dân vận khéo” năm {today.year}",
        legal_bases=[form.legal_bases[0].text], issued_at=moment, approved_at=moment,
    )
    db.session.add(decision)
    db.session.flush()
    nominations = db.session.execute(
        sa.select(Nomination.id, Nomination.kind, Nomination.nominee_name, Nomination.nominee_position, Nomination.title,
                  Unit.name).join(Unit, Nomination.unit_id == Unit.id).order_by(Nomination.id)
    ).all()
    db.session.execute(sa.insert(DecisionAwardee), [
        dict(decision_id=decision.id, nomination_id=row.id, award_form_id=form.id, position=position, kind=row.kind,
             recipient_name=row.nominee_name, recipient_detail=row.nominee_position or row.name, unit_name=row.name,
             model_title=row.title, reason=form.reason_template.format(nam=today.year, mo_hinh=row.title))
        for position, row in enumerate(nominations, start=1)
    ])
    awardee_ids = db.session.scalars(
        sa.select(DecisionAwardee.id).where(DecisionAwardee.decision_id == decision.id).order_by(DecisionAwardee.position)
    ).all()
    serials: set[str] = set()
    while len(serials) < len(awardee_ids):
        serials.add(new_serial(decided_on.year))
    db.session.execute(sa.insert(Certificate), [
        dict(serial=serial, awardee_id=awardee_id, decision_id=decision.id, status=CertificateStatus.VALID, issued_at=moment)
        for awardee_id, serial in zip(awardee_ids, sorted(serials))
    ])
    db.session.commit()
    return {"decision_id": decision.id, "secretary_id": secretary.id}


# --- measurements (children) ---------------------------------------------------------------------------


def peak_rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _first_ids(decision_id: int, count: int | None) -> list[int]:
    from dvkheo.certificates.batch import valid_certificate_ids

    ids = valid_certificate_ids(decision_id)
    return ids if count is None else ids[:count]


def _warm_up(decision_id: int, workdir: Path) -> None:
    """Fonts, WeasyPrint's imports and the templates: paid once per process, not part of any figure."""
    from dvkheo.certificates import render
    from dvkheo.core.pdf import render_html_pdf

    html = render.certificates_html(render.load_for_print(_first_ids(decision_id, 1)))
    render_html_pdf(html, target=str(workdir / "warm-up.pdf"))


def child_floor(app, decision_id: int, count: int, workdir: Path) -> dict:
    from dvkheo.certificates import render
    from dvkheo.core.pdf import render_html_pdf

    with app.app_context():
        _warm_up(decision_id, workdir)
        html = render.certificates_html(render.load_for_print(_first_ids(decision_id, count)))
        db.session.remove()
        target = workdir / "floor.pdf"
        started = time.perf_counter()
        render_html_pdf(html, target=str(target))
        seconds = time.perf_counter() - started
    return {"pages": count, "seconds": seconds, "bytes": target.stat().st_size}


def child_batch(app, decision_id: int, count: int | None, workdir: Path) -> dict:
    from dvkheo.accounts.models import User
    from dvkheo.awards.models import Decision
    from dvkheo.certificates import batch
    from dvkheo.certificates.models import PrintJob, PrintJobStatus

    with app.app_context():
        _warm_up(decision_id, workdir)
        decision = db.session.get(Decision, decision_id)
        secretary = db.session.scalar(sa.select(User).where(User.email == "thuky@bench.vn"))
        # A selection of the first `count`, or every valid certificate (the default of the page's button).
        ids = None if count is None else _first_ids(decision_id, count)
        job = batch.create_print_job(decision, secretary, certificate_ids=ids)
        db.session.commit()
        job_id = job.id
        db.session.remove()
        started = time.perf_counter()
        batch.run_print_job(job_id)  # the worker's function itself, synchronously, with its commits
        seconds = time.perf_counter() - started
        db.session.remove()
        job = db.session.get(PrintJob, job_id)
        if job.status is not PrintJobStatus.DONE:
            raise SystemExit(f"print job failed: {job.error}")
        from pypdf import PdfReader

        pages = len(PdfReader(io.BytesIO(batch.read_file(job))).pages)
        result = {"pages": pages, "seconds": seconds, "bytes": job.file_size}
    return result


def _anchor_behind_text(run) -> None:
    """python-docx makes inline pictures only: turn the run's picture into one anchored to the page's corner,
    behind the text, so that the header repeats it on every page (FORMATS.md 5.3)."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    inline = run._r.xpath(".//wp:inline")[0]
    extent = inline.xpath("./wp:extent")[0]
    graphic = inline.xpath("./a:graphic")[0]
    doc_pr = inline.xpath("./wp:docPr")[0]
    anchor = parse_xml(
        f'<wp:anchor {nsdecls("wp", "a", "pic", "r")} distT="0" distB="0" distL="0" distR="0" simplePos="0" '
        f'relativeHeight="0" behindDoc="1" locked="1" layoutInCell="1" allowOverlap="1">'
        f'<wp:simplePos x="0" y="0"/>'
        f'<wp:positionH relativeFrom="page"><wp:posOffset>0</wp:posOffset></wp:positionH>'
        f'<wp:positionV relativeFrom="page"><wp:posOffset>0</wp:posOffset></wp:positionV>'
        f'<wp:extent cx="{extent.get("cx")}" cy="{extent.get("cy")}"/><wp:effectExtent l="0" t="0" r="0" b="0"/>'
        f'<wp:wrapNone/><wp:docPr id="{doc_pr.get("id")}" name="{doc_pr.get("name")}"/></wp:anchor>'
    )
    anchor.append(graphic)
    inline.getparent().replace(inline, anchor)


def build_mail_merge_docx(app, decision_id: int, count: int, workdir: Path, image_format: str = "jpeg") -> Path:
    """The .docx an office would mail-merge: the frame (border, emblem, header, title, signature) as one
    picture behind the text, then each certificate's variable paragraphs and a page break."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
    from docx.shared import Mm, Pt

    from dvkheo.certificates import render
    from dvkheo.certificates.models import PrintOutput

    with app.app_context():
        certificates = render.load_for_print(_first_ids(decision_id, count))
        emblems = render.Emblems()
        first = render.sheet_context(certificates[0], PrintOutput.PLAIN, 0, 0, emblems)
        frame_pdf = workdir / "frame.pdf"
        render.render_frame_pdf(first["frame"], emblems, target=str(frame_pdf))
        fields = [render.certificate_fields(certificate) for certificate in certificates]
        db.session.remove()
    subprocess.run(["pdftoppm", "-r", "150", f"-{image_format}", "-singlefile", str(frame_pdf), str(workdir / "frame")],
                   check=True)

    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    section.top_margin, section.bottom_margin = Mm(72), Mm(20)
    section.left_margin = section.right_margin = Mm(40)
    section.header_distance = Mm(0)
    style = document.styles["Normal"]
    style.font.name = "Liberation Serif"
    style.font.size = Pt(14)
    header_run = section.header.paragraphs[0].add_run()
    header_run.add_picture(str(workdir / ("frame.jpg" if image_format == "jpeg" else "frame.png")),
                           width=Mm(297), height=Mm(210))
    _anchor_behind_text(header_run)

    def line(text: str, size: float, *, bold=False, italic=False, align=WD_ALIGN_PARAGRAPH.CENTER):
        paragraph = document.add_paragraph()
        paragraph.alignment = align
        paragraph.paragraph_format.space_after = Pt(2)
        run = paragraph.add_run(text)
        run.font.size, run.bold, run.italic = Pt(size), bold, italic
        return paragraph

    for index, values in enumerate(fields):
        line("Tặng", 16, italic=True)
        line(values["recipient_name"], 26, bold=True)
        if values["recipient_detail"]:
            line(values["recipient_detail"], 15, italic=True)
        line(values["reason"], 15)
        line(values["serial"], 11, bold=True, align=WD_ALIGN_PARAGRAPH.LEFT).paragraph_format.space_before = Pt(60)
        last = line(values["verify_url"], 8.5, align=WD_ALIGN_PARAGRAPH.LEFT)
        if index < len(fields) - 1:
            last.add_run().add_break(WD_BREAK.PAGE)
    target = workdir / f"certs-{image_format}.docx"
    document.save(target)
    return target


def child_libreoffice(app, decision_id: int, count: int, workdir: Path) -> dict:
    import resource
    import shutil

    from docx import Document
    from pypdf import PdfReader

    profile = Path(tempfile.gettempdir()) / f"lo-bench-{os.getpid()}"
    convert = [SOFFICE, "--headless", f"-env:UserInstallation=file://{profile}", "--convert-to", "pdf", "--outdir"]
    # One untimed run on a one-page file: the profile's first start-up is not what an office waits for daily.
    warm = workdir / "warm"
    warm.mkdir()
    Document().save(warm / "warm.docx")
    subprocess.run([*convert, str(warm), str(warm / "warm.docx")], check=True, capture_output=True)
    result: dict = {}
    for image_format in FRAME_IMAGE_FORMATS:
        source = build_mail_merge_docx(app, decision_id, count, workdir, image_format)
        out = workdir / f"lo-{image_format}"
        started = time.perf_counter()
        subprocess.run([*convert, str(out), str(source)], check=True, capture_output=True)
        seconds = time.perf_counter() - started
        pdf = out / f"{source.stem}.pdf"
        pages = len(PdfReader(pdf).pages)
        result[image_format] = {"pages": pages, "seconds": seconds, "bytes": pdf.stat().st_size,
                                "ms_per_page": 1000 * seconds / pages}
    shutil.rmtree(profile, ignore_errors=True)
    # This child only waits for soffice (and pdftoppm, far smaller): its children's peak is soffice's.
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    floor = result[FRAME_IMAGE_FORMATS[0]]
    return {**floor, "peak_mb": peak_mb, "soffice_peak_mb": peak_mb, "frame_image": FRAME_IMAGE_FORMATS[0],
            "by_frame_image": result}


def run_child(args) -> int:
    app = build_app(Path(args.dir), chunk_size=args.chunk_size)
    workdir = Path(args.dir) / f"work-{args.child}-{os.getpid()}"
    workdir.mkdir()
    if args.child == "floor":
        result = child_floor(app, args.decision, args.count, workdir)
    elif args.child == "libreoffice":
        result = child_libreoffice(app, args.decision, args.count, workdir)
        print(json.dumps(result))
        return 0
    else:
        result = child_batch(app, args.decision, args.count or None, workdir)
    result["peak_mb"] = peak_rss_mb()
    result["ms_per_page"] = 1000 * result["seconds"] / result["pages"]
    print(json.dumps(result))
    return 0


def measure(kind: str, directory: Path, decision_id: int, count: int, chunk_size: int | None) -> dict:
    command = [sys.executable, __file__, "--child", kind, "--dir", str(directory), "--decision", str(decision_id),
               "--count", str(count)]
    if chunk_size:
        command += ["--chunk-size", str(chunk_size)]
    completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if completed.returncode != 0:
        raise SystemExit(f"{kind} failed:\n{completed.stdout}\n{completed.stderr}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=2000, help="certificates in the decision (the big batch)")
    parser.add_argument("--floor", type=int, default=500, help="certificates of the floors and the compared batch")
    parser.add_argument("--chunk-size", type=int, default=None, help="override PRINT_CHUNK_SIZE")
    parser.add_argument("--child", choices=("floor", "batch", "libreoffice"), help=argparse.SUPPRESS)
    parser.add_argument("--dir", help=argparse.SUPPRESS)
    parser.add_argument("--decision", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return run_child(args)

    results: dict = {"size": args.size, "floor_pages": args.floor,
                     "text_layer": os.environ.get("CERTIFICATE_TEXT_LAYER", "direct")}
    with tempfile.TemporaryDirectory(prefix="dvkheo-bench-certificates-") as tmp:
        directory = Path(tmp)
        app = build_app(directory, chunk_size=args.chunk_size)
        results["chunk_size"] = app.config["PRINT_CHUNK_SIZE"]
        with app.app_context():
            started = time.perf_counter()
            seeded = seed(args.size)
            results["seed_seconds"] = round(time.perf_counter() - started, 2)
            db.engine.dispose()
        decision_id = seeded["decision_id"]
        print(f"Đã nạp 1 quyết định với {args.size:,} giấy khen trong {results['seed_seconds']} giây; "
              f"in theo từng phần {results['chunk_size']} giấy khen.".replace(",", "."), flush=True)
        results["floor"] = measure("floor", directory, decision_id, args.floor, args.chunk_size)
        results["batch_small"] = measure("batch", directory, decision_id, args.floor, args.chunk_size)
        results["batch_big"] = measure("batch", directory, decision_id, 0, args.chunk_size)
        results["libreoffice"] = measure("libreoffice", directory, decision_id, args.floor, args.chunk_size)

    floor, small, big, office = results["floor"], results["batch_small"], results["batch_big"], results["libreoffice"]
    ratio = small["ms_per_page"] / floor["ms_per_page"]
    ratio_to_libreoffice = small["ms_per_page"] / office["ms_per_page"]
    results["ratio"] = ratio
    results["ratio_to_libreoffice"] = ratio_to_libreoffice
    results["ratio_to_libreoffice_by_frame_image"] = {
        image_format: small["ms_per_page"] / values["ms_per_page"] for image_format, values in office["by_frame_image"].items()
    }
    results["goals"] = {
        "ratio_ok": ratio <= RATIO_GOAL,
        "ratio_to_libreoffice_ok": ratio_to_libreoffice <= LIBREOFFICE_RATIO_GOAL,
        "memory_ok": big["peak_mb"] < MEMORY_GOAL_MB,
    }
    print(f"{'phép đo':<52} {'trang':>6} {'ms/trang':>9} {'bộ nhớ đỉnh':>12} {'tệp':>9}")
    rows = [
        (f"(a) nền: WeasyPrint 1 tài liệu {floor['pages']} trang", floor),
        (f"(b) tạo tệp in {small['pages']} giấy khen (run_print_job)", small),
        (f"(c) tạo tệp in {big['pages']} giấy khen (run_print_job)", big),
        (f"(d) LibreOffice: .docx trộn thư {office['pages']} trang, khung JPEG", office),
        (f"(d') như (d), khung PNG", {**office["by_frame_image"]["png"], "peak_mb": office["peak_mb"]}),
    ]
    for label, item in rows:
        print(f"{label:<52} {item['pages']:>6} {item['ms_per_page']:>9.1f} {item['peak_mb']:>9.0f} MB "
              f"{item['bytes'] / 1024 / 1024:>6.1f} MB")
    verdict = {True: "ĐẠT", False: "KHÔNG ĐẠT"}
    print(f"Tỷ lệ (b)/(a) mỗi trang: {ratio:.2f} (mục tiêu ≤ {RATIO_GOAL}): {verdict[ratio <= RATIO_GOAL]}")
    print(f"Tỷ lệ (b)/(d) so với LibreOffice mỗi trang: {ratio_to_libreoffice:.2f} (mục tiêu ≤ {LIBREOFFICE_RATIO_GOAL}): "
          f"{verdict[ratio_to_libreoffice <= LIBREOFFICE_RATIO_GOAL]}; so với (d') khung PNG: "
          f"{results['ratio_to_libreoffice_by_frame_image']['png']:.2f}")
    print(f"Bộ nhớ đỉnh (c) {big['pages']} giấy khen: {big['peak_mb']:.0f} MB (mục tiêu < {MEMORY_GOAL_MB} MB): "
          f"{verdict[big['peak_mb'] < MEMORY_GOAL_MB]}")

    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"certificates-{datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(results, ensure_ascii=False, indent=2, default=str))
    print(f"Đã ghi {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
