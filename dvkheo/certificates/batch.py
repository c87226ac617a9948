"""Batch printing: one PDF of a decision's certificates (or a selection), made in the background.

`create_print_job` records the job (the view commits), `start` hands it to the job runner
(`dvkheo.core.jobs`), and `run_print_job` does the work in a worker:

* certificates are rendered `PRINT_CHUNK_SIZE` at a time: each decision's frame is laid out once by
  WeasyPrint, and each chunk's variable layer written straight as PDF operators (`textlayer`, a few KB a
  page in memory), or laid out by WeasyPrint into a file of a private temporary folder when a text needs
  it; the progress (`done_count`, `heartbeat_at`) is committed after every chunk, so that the progress bar
  moves and memory stays bounded;
* the chunks are then merged into ``<final>.part`` in the job's scratch folder and handed to the file store
  (`dvkheo.core.filestore`: one rename in a local folder, one completed upload to S3); only then is the job DONE, with the file's size and SHA-256. A failure leaves no final
  file, and the job FAILED with its cause, ready to be retried.

Status moves go through `TRANSITIONS`, each one audited ("create", "start", "done", "fail", "retry").
"""
from __future__ import annotations

import enum
import hashlib
import io
import logging
import os
import re
import shutil
import unicodedata
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from pypdf.generic import IndirectObject

from dvkheo import access
from dvkheo.awards.models import Decision, DecisionAwardee, DecisionKind, DecisionStatus
from dvkheo.certificates.models import (
    Certificate,
    CertificateStatus,
    PrinterCalibration,
    PrintJob,
    PrintJobStatus,
    PrintOutput,
)
from dvkheo.core import audit, jobs
from dvkheo.core.filestore import StorageUnavailable, store
from dvkheo.core.rules import Problem, RuleRefused, TransitionRefused
from dvkheo.core.timeutil import utcnow
from dvkheo.extensions import db

logger = logging.getLogger(__name__)

RUN_FUNCTION = "dvkheo.certificates.batch.run_print_job"
PRINT_JOBS_FOLDER = "print_jobs"
DEFAULT_CHUNK_SIZE = 50
# A running job touches its heartbeat after every chunk (seconds apart); silence this long means its worker died.
STALE_AFTER = timedelta(minutes=5)
ERROR_PREFIX = "Không tạo được tệp in: "


class PrintJobAction(str, enum.Enum):
    START = "start"
    FINISH = "done"
    FAIL = "fail"
    RETRY = "retry"


S = PrintJobStatus
TRANSITIONS: dict[tuple[PrintJobStatus, PrintJobAction], PrintJobStatus] = {
    (S.QUEUED, PrintJobAction.START): S.RUNNING,
    (S.RUNNING, PrintJobAction.FINISH): S.DONE,
    (S.QUEUED, PrintJobAction.FAIL): S.FAILED,
    (S.RUNNING, PrintJobAction.FAIL): S.FAILED,
    (S.FAILED, PrintJobAction.RETRY): S.QUEUED,
    # Only when its worker is gone (see `is_stale`): otherwise two workers would write one file.
    (S.RUNNING, PrintJobAction.RETRY): S.QUEUED,
    (S.QUEUED, PrintJobAction.RETRY): S.QUEUED,
}

HISTORY_LABELS = {
    "create": "Tạo tệp in",
    "start": "Bắt đầu tạo tệp",
    "done": "Đã tạo xong tệp in",
    "fail": "Tạo tệp bị lỗi",
    "retry": "Thử lại",
}


def _move(job: PrintJob, action: PrintJobAction, actor=None, *, reason: str | None = None, details: dict | None = None) -> None:
    target = TRANSITIONS.get((job.status, action))
    if target is None:
        raise TransitionRefused(
            [Problem("status", f"Tệp in đang ở trạng thái “{job.status.label}”, không thể thực hiện thao tác này.")]
        )
    from_state = job.status
    job.status = target
    audit.record(
        "print_job", job.id, action.value, actor,
        from_state=from_state.value, to_state=target.value, reason=reason, details=details,
    )


# --- creating and retrying (in a request) --------------------------------------------------------------


def printable_decision_problems(decision: Decision) -> list[Problem]:
    if decision.status is not DecisionStatus.ISSUED:
        return [Problem("decision", "Chỉ in giấy khen của quyết định đã ban hành.")]
    if decision.kind is DecisionKind.REVOCATION:
        return [Problem("decision", "Quyết định thu hồi không có giấy khen để in.")]
    return []


def valid_certificate_ids(decision_id: int) -> list[int]:
    """The decision's valid certificates in the order of its annexed list."""
    return list(
        db.session.scalars(
            sa.select(Certificate.id)
            .join(DecisionAwardee, Certificate.awardee_id == DecisionAwardee.id)
            .where(Certificate.decision_id == decision_id, Certificate.status == CertificateStatus.VALID)
            .order_by(DecisionAwardee.position, Certificate.id)
        )
    )


def _selected_ids(decision: Decision, certificate_ids) -> tuple[list[int], list[Problem]]:
    wanted: list[int] = []
    for raw in certificate_ids:
        try:
            value = int(raw)
        except (TypeError, ValueError):
            return [], [Problem("certificate_ids", "Danh sách giấy khen được chọn không hợp lệ.")]
        if value not in wanted:
            wanted.append(value)
    if not wanted:
        return [], [Problem("certificate_ids", "Chưa chọn giấy khen nào để in.")]
    rows = db.session.execute(
        sa.select(Certificate.id, Certificate.serial, Certificate.status).where(
            Certificate.id.in_(wanted), Certificate.decision_id == decision.id
        )
    ).all()
    found = {row.id: row for row in rows}
    problems = []
    if len(found) != len(wanted):
        problems.append(
            Problem("certificate_ids", "Có giấy khen được chọn không thuộc quyết định này; vui lòng tải lại trang và chọn lại.")
        )
    not_valid = [row.serial for row in rows if row.status is not CertificateStatus.VALID]
    if not_valid:
        problems.append(
            Problem(
                "certificate_ids",
                "Giấy khen đã thu hồi hoặc đã được thay thế không được in: " + ", ".join(sorted(not_valid)) + ".",
            )
        )
    if problems:
        return [], problems
    # Print in the order of the annexed list, whatever order the boxes were ticked in.
    order = {certificate_id: index for index, certificate_id in enumerate(valid_certificate_ids(decision.id))}
    return sorted(wanted, key=lambda certificate_id: order.get(certificate_id, len(order))), []


def create_print_job(
    decision: Decision,
    actor,
    *,
    certificate_ids=None,
    output: PrintOutput = PrintOutput.PLAIN,
    printer: PrinterCalibration | None = None,
) -> PrintJob:
    """A QUEUED job for `decision`'s valid certificates (or the chosen ones); flush and audit, no commit.

    Raises RuleRefused with Vietnamese problems; call `start(job)` after committing.
    """
    campaign = decision.campaign
    if not access.can_print_certificates(actor, campaign):
        raise RuleRefused([Problem("permission", "Bạn không có quyền in giấy khen của đợt bình xét này.")])
    problems = printable_decision_problems(decision)
    if problems:
        raise RuleRefused(problems)
    output = PrintOutput(output)
    if printer is not None and printer.unit_id != campaign.organising_unit_id:
        raise RuleRefused([Problem("printer_id", "Máy in đã chọn không thuộc cơ quan tổ chức đợt bình xét.")])
    if certificate_ids is None:
        ids = valid_certificate_ids(decision.id)
    else:
        ids, problems = _selected_ids(decision, certificate_ids)
        if problems:
            raise RuleRefused(problems)
    if not ids:
        raise RuleRefused([Problem("certificate_ids", "Quyết định không có giấy khen nào còn hiệu lực để in.")])
    job = PrintJob(
        decision=decision,
        output=output,
        printer=printer,
        offset_x_mm=printer.offset_x_mm if printer else 0.0,
        offset_y_mm=printer.offset_y_mm if printer else 0.0,
        certificate_ids=None if certificate_ids is None else ids,
        status=PrintJobStatus.QUEUED,
        total=len(ids),
        done_count=0,
        attempts=1,
        created_by_id=getattr(actor, "id", None),
    )
    db.session.add(job)
    db.session.flush()
    audit.record(
        "print_job", job.id, "create", actor, to_state=PrintJobStatus.QUEUED.value,
        details={
            "decision_id": decision.id, "total": len(ids), "output": output.value,
            "printer_id": printer.id if printer else None, "selection": certificate_ids is not None,
            "offset_x_mm": job.offset_x_mm, "offset_y_mm": job.offset_y_mm,
        },
    )
    return job


def start(job: PrintJob) -> None:
    """Hand a committed QUEUED job to the job runner and note the queue's id (a small transaction of its own)."""
    queue_job_id = jobs.enqueue(RUN_FUNCTION, job.id)
    db.session.execute(sa.update(PrintJob).where(PrintJob.id == job.id).values(queue_job_id=queue_job_id[:64]))
    db.session.commit()


def is_stale(job: PrintJob, now=None) -> bool:
    """A QUEUED or RUNNING job that has shown no sign of life for `STALE_AFTER`: its worker is gone."""
    if job.status not in (PrintJobStatus.QUEUED, PrintJobStatus.RUNNING):
        return False
    last_sign = job.heartbeat_at or job.started_at or job.created_at
    if last_sign is None:
        return False
    if last_sign.tzinfo is None:  # SQLite hands back naive UTC datetimes
        from datetime import timezone

        last_sign = last_sign.replace(tzinfo=timezone.utc)
    return (now or utcnow()) - last_sign > STALE_AFTER


def can_retry(job: PrintJob) -> bool:
    return job.status is PrintJobStatus.FAILED or is_stale(job)


def retry(job: PrintJob, actor) -> None:
    """Queue a FAILED (or abandoned) job again from the start; flush and audit, the caller commits then `start`s."""
    if not access.can_print_certificates(actor, job.decision.campaign):
        raise RuleRefused([Problem("permission", "Bạn không có quyền in giấy khen của đợt bình xét này.")])
    if not can_retry(job):
        if job.status is PrintJobStatus.DONE:
            message = "Tệp in đã tạo xong; không cần thử lại."
        else:
            message = "Tệp in đang được tạo; chỉ thử lại khi bị lỗi hoặc khi quá trình tạo tệp đã dừng hẳn."
        raise TransitionRefused([Problem("status", message)])
    previous_error = job.error
    _move(job, PrintJobAction.RETRY, actor, details={"attempt": job.attempts + 1, "previous_error": previous_error or None})
    job.attempts += 1
    job.done_count = 0
    job.error = ""
    job.started_at = None
    job.finished_at = None
    job.heartbeat_at = utcnow()  # a sign of life: queued anew now
    db.session.flush()


# --- files ---------------------------------------------------------------------------------------------


def job_prefix(job: PrintJob) -> str:
    """The store's key prefix of a job's file: one per job."""
    return f"{PRINT_JOBS_FOLDER}/{job.id}"


def file_key(job: PrintJob) -> str | None:
    return f"{job_prefix(job)}/{job.file_name}" if job.file_name else None


def jobs_root() -> Path:
    """Where a local store keeps every job's file (tests and the worker's leftovers)."""
    return Path(current_app.config["UPLOAD_DIR"]) / PRINT_JOBS_FOLDER


def job_folder(job: PrintJob) -> Path:
    """A local store's folder for one job: its file, and its chunks while it runs."""
    return jobs_root() / str(job.id)


def final_path(job: PrintJob) -> Path | None:
    """The job's file in a local store."""
    return job_folder(job) / job.file_name if job.file_name else None


def read_file(job: PrintJob) -> bytes:
    """The finished file's bytes, from whichever store holds it."""
    return store().read_bytes(file_key(job))


def _ascii(text: str) -> str:
    text = (text or "").replace("Đ", "D").replace("đ", "d")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")


def download_name(job: PrintJob) -> str:
    """"giay-khen-QD-05-BDVTU-2026.pdf" (ASCII, so that every browser and mail client keeps it)."""
    decision = job.decision
    symbol_parts = _ascii(decision.symbol).split("-", 1)  # "QD", "BDVTU"
    number = f"{decision.number:02d}" if decision.number is not None else "00"
    pieces = ["giay-khen", symbol_parts[0] or "QD", number]
    if len(symbol_parts) > 1 and symbol_parts[1]:
        pieces.append(symbol_parts[1])
    if decision.year:
        pieces.append(str(decision.year))
    if job.output is PrintOutput.BLANK:
        pieces.append("phoi")
    if job.certificate_ids is not None:
        pieces.append(f"chon-{len(job.certificate_ids)}")
    return "-".join(pieces)[:110] + ".pdf"


def file_is_complete(job: PrintJob) -> bool:
    """A DONE job's file is in the store with exactly the recorded size (never a partial or replaced file)."""
    if job.status is not PrintJobStatus.DONE or not job.file_name:
        return False
    try:
        return store().size(file_key(job)) == job.file_size
    except (OSError, ValueError, StorageUnavailable):
        return False


_PLAIN_NAME = re.compile(r"/[A-Za-z0-9_.+\-]*\Z")


def merge_pdfs(chunk_paths: list, target: Path, *, title: str = "", pages: list[dict | None] | None = None,
               frames: dict | None = None, fonts=None) -> tuple[int, str]:
    """Concatenate the chunks into `target`, flushed to disk; returns (size, sha256). See `write_merged`."""
    with open(target, "wb") as handle:
        result = write_merged(chunk_paths, handle, title=title, pages=pages, frames=frames, fonts=fonts)
        handle.flush()
        os.fsync(handle.fileno())
    return result


class Renumbered(IndirectObject):
    """A reference already in the merged file's numbering."""


@dataclass
class DirectChunk:
    """A chunk's pages whose variable layer (with its QR code) `textlayer` wrote: one compressed stream each."""

    contents: list[bytes]


FRAME_NAME = "/DVKFrame"
QR_MASK = 4
MM = 72 / 25.4


def qr_operators(payload: str, x_mm: float, y_mm: float, side_mm: float, page_height_pt: float) -> bytes:
    """The QR code as PDF rectangles (a white square, then each row's dark runs), its top-left corner at (x, y) mm.

    Laid out by WeasyPrint as SVG, the code cost a third of each certificate's time; as rectangles it costs nothing."""
    import segno

    from dvkheo.certificates.qr import QUIET_ZONE_MODULES

    # A fixed mask: any of the eight is a valid code, and scoring all eight (segno's default) was 80 % of the time.
    matrix = segno.make(payload, error="m", micro=False, boost_error=False, mask=QR_MASK).matrix
    border = QUIET_ZONE_MODULES
    count = len(matrix) + 2 * border
    side = side_mm * MM
    module = side / count
    left = x_mm * MM
    top = page_height_pt - y_mm * MM
    parts = [b"q 1 g %.3f %.3f %.3f %.3f re f 0 g\n" % (left, top - side, side, side)]
    for row_index, row in enumerate(matrix):
        y = top - (row_index + border + 1) * module
        column, width = 0, len(row)
        while column < width:
            if not row[column]:
                column += 1
                continue
            start = column
            while column < width and row[column]:
                column += 1
            # A hair wider and taller than the module: neighbouring runs overlap instead of leaving seams.
            parts.append(b"%.3f %.3f %.3f %.3f re\n" % (
                left + (start + border) * module, y - 0.02, (column - start) * module + 0.02, module + 0.04))
    parts.append(b"f Q\n")
    return b"".join(parts)


def write_merged(sources: list, handle, *, title: str = "", pages: list[dict | None] | None = None,
                 frames: dict | None = None, fonts=None) -> tuple[int, str]:
    """Concatenate the PDFs `sources` (paths or binary files) into `handle`; returns (size, sha256).

    pypdf's PdfWriter keeps every page of every chunk as Python objects until it writes: 750 MB
    and 25 s for 2,000 certificates (measured). This writes each chunk's objects as soon as they
    are read (pypdf parses them), renumbered, and forgets the chunk: memory is one chunk's,
    whatever the batch's size. Only the pages (with what they reference) are copied, not outlines.

    `pages[i]` (in the order of all the sources' pages) may name a `frame_key` of `frames` (each a one-page
    PDF, path or binary file) and a `qr` ({x_mm, y_mm, side_mm, payload}): the frame is written ONCE as a
    Form XObject that every page of it draws first, underneath; the QR code is drawn on top as rectangles.

    A source may also be a `DirectChunk`: its pages are written as they are, over their frame, with the
    faces of `fonts` (a `textlayer.FontSet`), which are embedded once, at the end, subset to what was used.
    """
    import zlib

    from pypdf import PdfReader
    from pypdf.generic import (
        ArrayObject,
        DictionaryObject,
        FloatObject,
        NameObject,
        NumberObject,
        StreamObject,
        TextStringObject,
    )

    from dvkheo.certificates import textlayer

    catalog_id, pages_id, info_id = 1, 2, 3
    offsets: dict[int, int] = {}
    page_ids: list[int] = []
    next_id = info_id + 1
    digest = hashlib.sha256()
    position = 0
    frames = frames or {}
    frame_ids: dict[str, int] = {}
    shared_streams: dict[bytes, int] = {}
    resources_ids: dict[tuple, int] = {}
    direct_resources: dict[str | None, int] = {}

    def new_id() -> int:
        nonlocal next_id
        next_id += 1
        return next_id - 1

    def emit(data: bytes) -> None:
        nonlocal position
        handle.write(data)
        digest.update(data)
        position += len(data)

    def serialize(value, parts: list[bytes], reference) -> None:
        """pypdf's own writer, minus its per-name escaping regex and tiny writes (a third of the merge's time)."""
        if isinstance(value, Renumbered):
            parts.append(b"%d 0 R" % value.idnum)
        elif isinstance(value, IndirectObject):
            parts.append(b"%d 0 R" % reference(value))
        elif isinstance(value, NameObject) and _PLAIN_NAME.match(value):
            parts.append(value.encode("ascii"))
        elif isinstance(value, DictionaryObject):
            # Raw dict access: pypdf's accessors would resolve the references instead of renumbering them.
            stream = isinstance(value, StreamObject)
            parts.append(b"<<")
            for key, item in dict.items(value):
                if stream and key == "/Length":
                    continue  # written below from the data itself (the source may hold it indirectly)
                serialize(key, parts, reference)
                parts.append(b" ")
                serialize(item, parts, reference)
                parts.append(b"\n")
            if stream:
                parts.append(b"/Length %d>>\nstream\n" % len(value._data))
                parts.append(value._data)
                parts.append(b"\nendstream")
            else:
                parts.append(b">>")
        elif isinstance(value, ArrayObject):
            parts.append(b"[")
            for index, item in enumerate(list.__iter__(value)):
                if index:
                    parts.append(b" ")
                serialize(item, parts, reference)
            parts.append(b"]")
        elif type(value) is NumberObject:
            parts.append(b"%d" % value)
        else:  # floats, strings, booleans, null, unusual names: as pypdf writes them
            buffer = io.BytesIO()
            value.write_to_stream(buffer)
            parts.append(buffer.getvalue())

    def write_object(object_id: int, value, reference=None) -> None:
        parts = [b"%d 0 obj\n" % object_id]
        serialize(value, parts, reference)
        parts.append(b"\nendobj\n")
        offsets[object_id] = position
        emit(b"".join(parts))

    def write_stream(object_id: int, data: bytes, entries: DictionaryObject | None = None, reference=None, *,
                     packed: bool = False) -> None:
        """A stream of our own, Flate-compressed (unless `packed` already), with `entries` (references renumbered)."""
        packed = data if packed else zlib.compress(data, 6)
        parts = [b"%d 0 obj\n<<" % object_id]
        for key, item in dict.items(entries or {}):
            serialize(key, parts, reference)
            parts.append(b" ")
            serialize(item, parts, reference)
            parts.append(b"\n")
        parts.append(b"/Filter /FlateDecode /Length %d>>\nstream\n" % len(packed))
        parts.append(packed)
        parts.append(b"\nendstream\nendobj\n")
        offsets[object_id] = position
        emit(b"".join(parts))

    def shared_stream(data: bytes) -> int:
        if data not in shared_streams:
            shared_streams[data] = new_id()
            write_stream(shared_streams[data], data)
        return shared_streams[data]

    def copier(reader):
        """A `reference` function for `reader`'s objects, and a function writing those it handed out."""
        renumbered: dict[tuple[int, int], int] = {}
        waiting: list[tuple[int, int]] = []

        def reference(indirect: IndirectObject) -> int:
            key = (indirect.idnum, indirect.generation)
            if key not in renumbered:
                renumbered[key] = new_id()
                waiting.append(key)
            return renumbered[key]

        def flush() -> None:
            while waiting:
                key = waiting.pop()
                write_object(renumbered[key], reader.get_object(IndirectObject(key[0], key[1], reader)), reference)

        return reference, flush, renumbered

    def frame_object(key: str) -> int:
        """The frame `key` as a Form XObject, written the first time a page asks for it."""
        if key in frame_ids:
            return frame_ids[key]
        source = frames[key]
        if hasattr(source, "seek"):
            source.seek(0)
        reader = PdfReader(source if hasattr(source, "read") else str(source))
        page = reader.pages[0]
        reference, flush, _ = copier(reader)
        entries = DictionaryObject({
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Form"),
            NameObject("/BBox"): ArrayObject(page.mediabox),
            NameObject("/Resources"): dict.get(page, "/Resources", DictionaryObject()),
        })
        if "/Group" in page:
            entries[NameObject("/Group")] = dict.get(page, "/Group")
        frame_ids[key] = new_id()
        contents = page.get_contents()
        write_stream(frame_ids[key], contents.get_data() if contents is not None else b"", entries, reference)
        flush()
        return frame_ids[key]

    def dress(page, spec: dict, reference) -> None:
        """Draw the page's frame under it and its QR code over it (see the docstring)."""
        frame_key = spec.get("frame_key")
        prefix = b"q\n"
        if frame_key:
            frame_id = frame_object(frame_key)
            prefix = b"q " + FRAME_NAME.encode() + b" Do Q\nq\n"
            raw = dict.get(page, "/Resources")
            cache_key = (id(reference), raw.idnum if isinstance(raw, IndirectObject) else id(raw), frame_key)
            if cache_key not in resources_ids:
                resources = raw.get_object() if raw is not None else DictionaryObject()
                copy = DictionaryObject(dict.items(resources))
                xobjects = dict.get(resources, "/XObject")
                xobjects = DictionaryObject(dict.items(xobjects.get_object())) if xobjects is not None else DictionaryObject()
                dict.__setitem__(xobjects, NameObject(FRAME_NAME), Renumbered(frame_id, 0, None))
                dict.__setitem__(copy, NameObject("/XObject"), xobjects)
                resources_ids[cache_key] = new_id()
                write_object(resources_ids[cache_key], copy, reference)
            dict.__setitem__(page, NameObject("/Resources"), Renumbered(resources_ids[cache_key], 0, None))
        suffix = b"Q\n"
        qr = spec.get("qr")
        if qr:
            suffix += qr_operators(qr["payload"], qr["x_mm"], qr["y_mm"], qr["side_mm"], float(page.mediabox.top))
        raw_contents = dict.get(page, "/Contents")
        if isinstance(raw_contents, IndirectObject) and isinstance(raw_contents.get_object(), ArrayObject):
            raw_contents = raw_contents.get_object()
        originals = list(list.__iter__(raw_contents)) if isinstance(raw_contents, ArrayObject) else (
            [raw_contents] if raw_contents is not None else [])
        suffix_id = shared_stream(suffix) if not qr else new_id()
        if qr:
            write_stream(suffix_id, suffix)
        dict.__setitem__(page, NameObject("/Contents"), ArrayObject(
            [Renumbered(shared_stream(prefix), 0, None), *originals, Renumbered(suffix_id, 0, None)]))

    media_box = ArrayObject([NumberObject(0), NumberObject(0), FloatObject(round(textlayer.PAGE_WIDTH_PT, 4)),
                             FloatObject(round(textlayer.PAGE_HEIGHT_PT, 4))])

    def write_direct_page(content: bytes, spec: dict | None) -> None:
        page_id = new_id()
        page_ids.append(page_id)
        frame_key = (spec or {}).get("frame_key")
        contents = ArrayObject()
        if frame_key:
            frame_object(frame_key)
            contents.append(Renumbered(shared_stream(b"q " + FRAME_NAME.encode() + b" Do Q\n"), 0, None))
        content_id = new_id()
        write_stream(content_id, content, packed=True)
        contents.append(Renumbered(content_id, 0, None))
        if frame_key not in direct_resources:
            direct_resources[frame_key] = new_id()  # written at the end, once the fonts are
        write_object(page_id, DictionaryObject({
            NameObject("/Type"): NameObject("/Page"),
            NameObject("/Parent"): Renumbered(pages_id, 0, None),
            NameObject("/MediaBox"): media_box,
            NameObject("/Resources"): Renumbered(direct_resources[frame_key], 0, None),
            NameObject("/Contents"): contents,
        }))

    def write_direct_resources() -> None:
        font_ids = fonts.font_objects(new_id, write_object, write_stream) if fonts is not None else {}
        mark_id = new_id()
        write_object(mark_id, DictionaryObject({
            NameObject("/Type"): NameObject("/ExtGState"),
            NameObject("/ca"): FloatObject(textlayer.MARK_OPACITY),
            NameObject("/CA"): FloatObject(textlayer.MARK_OPACITY),
        }))
        for frame_key, resources_id in direct_resources.items():
            resources = DictionaryObject({
                NameObject("/Font"): DictionaryObject(
                    {NameObject(name): Renumbered(font_id, 0, None) for name, font_id in font_ids.items()}),
                NameObject("/ExtGState"): DictionaryObject({NameObject(textlayer.MARK_STATE): Renumbered(mark_id, 0, None)}),
            })
            if frame_key:
                resources[NameObject("/XObject")] = DictionaryObject(
                    {NameObject(FRAME_NAME): Renumbered(frame_ids[frame_key], 0, None)})
            write_object(resources_id, resources)

    page_index = 0
    emit(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    language = None
    for source in sources:
        if isinstance(source, DirectChunk):
            for content in source.contents:
                spec = pages[page_index] if pages is not None and page_index < len(pages) else None
                page_index += 1
                write_direct_page(content, spec)
            continue
        reader = PdfReader(source if hasattr(source, "read") else str(source))
        reference, flush, renumbered = copier(reader)
        if language is None:
            language = reader.trailer["/Root"].get("/Lang")
        chunk_pages = list(reader.pages)  # flattened: inherited resources and boxes are on each page
        for page in chunk_pages:  # numbered first: other objects (link annotations) may point at pages
            renumbered[(page.indirect_reference.idnum, page.indirect_reference.generation)] = next_id
            page_ids.append(next_id)
            next_id += 1
        for page in chunk_pages:
            dict.__setitem__(page, NameObject("/Parent"), Renumbered(pages_id, 0, None))
            spec = pages[page_index] if pages is not None and page_index < len(pages) else None
            page_index += 1
            if spec:
                dress(page, spec, reference)
            key = (page.indirect_reference.idnum, page.indirect_reference.generation)
            write_object(renumbered[key], page, reference)
        flush()
        del reader, chunk_pages

    if direct_resources:
        write_direct_resources()
        if language is None:
            language = TextStringObject("vi")
    write_object(pages_id, DictionaryObject({
        NameObject("/Type"): NameObject("/Pages"),
        NameObject("/Kids"): ArrayObject(Renumbered(page_id, 0, None) for page_id in page_ids),
        NameObject("/Count"): NumberObject(len(page_ids)),
    }))
    catalog = DictionaryObject({
        NameObject("/Type"): NameObject("/Catalog"),
        NameObject("/Pages"): Renumbered(pages_id, 0, None),
    })
    if language is not None:
        catalog[NameObject("/Lang")] = language
    write_object(catalog_id, catalog)
    info = DictionaryObject({NameObject("/Producer"): TextStringObject("dvkheo (WeasyPrint, fontTools, pypdf)")})
    if title:
        info[NameObject("/Title")] = TextStringObject(title)
    write_object(info_id, info)

    xref_at = position
    size = next_id
    lines = [f"xref\n0 {size}\n", "0000000000 65535 f \n"]
    for object_id in range(1, size):
        if object_id in offsets:
            lines.append(f"{offsets[object_id]:010d} 00000 n \n")
        else:  # a number handed out for an object that was never written (none expected)
            lines.append("0000000000 65535 f \n")
    emit("".join(lines).encode("ascii"))
    file_id = hashlib.sha256(f"{title}:{size}:{len(page_ids)}".encode()).hexdigest()[:32]
    emit(
        f"trailer\n<< /Size {size} /Root {catalog_id} 0 R /Info {info_id} 0 R "
        f"/ID [<{file_id}> <{file_id}>] >>\nstartxref\n{xref_at}\n%%EOF\n".encode("ascii")
    )
    return position, digest.hexdigest()


def render_chunk(certificate_ids: list[int], job: PrintJob, target: Path, emblems=None, fonts=None):
    """The variable layer of one chunk of certificates, and its pages' frames and QR codes.

    Written straight as PDF operators when `fonts` is given (`textlayer`: a `DirectChunk`, kept in memory, a
    few kilobytes a page); else, or when a text needs a real layout engine, laid out by WeasyPrint into
    `target`. Returns (the chunk, its pages' specs)."""
    from dvkheo.certificates import render
    from dvkheo.certificates.textlayer import Undrawable
    from dvkheo.core import pdf

    emblems = emblems if emblems is not None else render.Emblems()
    certificates = render.load_for_print(certificate_ids)
    sheets = render.sheets_for(certificates, job.output, job.offset_x_mm, job.offset_y_mm, emblems)
    del certificates
    if fonts is not None:
        try:
            return render.direct_layers(sheets, fonts), render.page_specs(sheets, qr_drawn=True)
        except Undrawable as reason:
            logger.info("Print job %s: a chunk goes to WeasyPrint (%s)", job.id, reason)
    html = render.certificates_html([], output=job.output, layer="variable", sheets=sheets)
    pdf.render_html_pdf(html, target=str(target), resources=emblems.resources, lean=True)
    return target, render.page_specs(sheets)


# --- the work (in a worker) ----------------------------------------------------------------------------


def _ids_to_print(job: PrintJob) -> list[int]:
    """What the job prints now: certificates revoked since it was created are left out."""
    valid = valid_certificate_ids(job.decision_id)
    if job.certificate_ids is None:
        return valid
    chosen = set(job.certificate_ids)
    return [certificate_id for certificate_id in valid if certificate_id in chosen]


def _error_text(error: BaseException) -> str:
    if isinstance(error, OSError):
        cause = f"lỗi ghi tệp trên máy chủ ({error.strerror or type(error).__name__}: {error.filename or error})"
    else:
        cause = f"{type(error).__name__}: {error}"
    return (ERROR_PREFIX + cause)[:2000]


def run_print_job(job_id: int) -> None:
    """Make the job's PDF (see the module's docstring); commits as it goes; never raises for a job failure."""
    job = db.session.get(PrintJob, job_id)
    if job is None or job.status is not PrintJobStatus.QUEUED:
        # Deleted, or already taken by another worker (a retry raced with a slow one): nothing to do.
        logger.info("Print job %s is not waiting (%s); skipped", job_id, getattr(job, "status", None))
        return
    attempt = job.attempts
    chunk_size = max(1, int(current_app.config.get("PRINT_CHUNK_SIZE") or DEFAULT_CHUNK_SIZE))
    ids = _ids_to_print(job)
    _move(job, PrintJobAction.START, details={"attempt": attempt, "total": len(ids), "chunk_size": chunk_size})
    now = utcnow()
    job.started_at = job.heartbeat_at = now
    job.done_count = 0
    job.total = len(ids)
    db.session.commit()

    files = store()
    work_folder: Path | None = None
    final_key: str | None = None
    try:
        if not ids:
            raise RuleRefused([Problem("certificate_ids", "không còn giấy khen nào còn hiệu lực để in.")])
        work_folder = files.scratch_folder(job_prefix(job))
        _clear_earlier_attempts(work_folder)
        chunk_paths: list[Path] = []
        from dvkheo.certificates.render import Emblems, render_frame_pdf, text_layer_fonts

        emblems = Emblems()
        fonts = text_layer_fonts()
        pages: list[dict] = []
        frames: dict[str, Path] = {}
        for index, first in enumerate(range(0, len(ids), chunk_size)):
            chunk_ids = ids[first:first + chunk_size]
            chunk, chunk_pages = render_chunk(chunk_ids, job, work_folder / f"{index:05d}.pdf", emblems, fonts)
            for page in chunk_pages:
                key = page["frame_key"]
                if key and key not in frames:  # a decision's frame is laid out once, whatever the batch's size
                    frames[key] = work_folder / f"frame-{len(frames):03d}.pdf"
                    render_frame_pdf(page["frame"], emblems, target=str(frames[key]))
                pages.append({"frame_key": key, "qr": page["qr"]})
            chunk_paths.append(chunk)
            if not _still_ours(job, attempt):
                return
            job.done_count = min(job.total, first + len(chunk_ids))
            job.heartbeat_at = utcnow()
            # The chunk's certificates are gone with `render_chunk`'s frame: the session's identity map
            # holds objects weakly, so memory does not grow with the batch.
            db.session.commit()

        file_name = download_name(job)
        merged = work_folder / (file_name + ".part")
        size, sha256 = merge_pdfs(chunk_paths, merged, pages=pages, frames=frames, fonts=fonts)
        if not _still_ours(job, attempt):
            return
        final_key = f"{job_prefix(job)}/{file_name}"
        files.put_file(final_key, merged)  # the name appears whole or not at all
        _move(job, PrintJobAction.FINISH, details={"file_size": size, "file_sha256": sha256, "pages": job.total})
        job.file_name, job.file_size, job.file_sha256 = file_name, size, sha256
        job.done_count = job.total
        job.finished_at = job.heartbeat_at = utcnow()
        db.session.execute(
            sa.update(Certificate)
            .where(Certificate.id.in_(ids))
            .values(printed_count=Certificate.printed_count + 1)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        final_key = None  # committed: the file is the job's now
    except Exception as error:  # noqa: BLE001 - every failure must end FAILED with its cause, not a dead worker
        db.session.rollback()
        if isinstance(error, RuleRefused):
            message = ERROR_PREFIX + "; ".join(problem.message for problem in error.problems)
        else:
            logger.exception("Print job %s failed", job_id)
            message = _error_text(error)
        if final_key is not None:
            try:
                files.delete(final_key)
            except (OSError, StorageUnavailable):
                logger.exception("Print job %s: could not remove the unrecorded file %s", job_id, final_key)
        _record_failure(job_id, attempt, message)
    finally:
        if work_folder is not None:
            files.discard_scratch(work_folder)
            _remove_if_empty(work_folder.parent)


def _clear_earlier_attempts(work_folder: Path) -> None:
    """Remove what a killed run of this job left beside our own folder (chunks, a half-merged .part): a worker
    killed outright runs no `finally`. This run owns the job now (it moved it to RUNNING), so nothing else
    writes here; an older run still alive would stop at its next `_still_ours`."""
    for leftover in work_folder.parent.iterdir():
        if leftover == work_folder:
            continue
        if leftover.is_dir() and leftover.name.startswith(".work-"):
            shutil.rmtree(leftover, ignore_errors=True)
        elif leftover.name.endswith(".part"):
            leftover.unlink(missing_ok=True)


def _still_ours(job: PrintJob, attempt: int) -> bool:
    """False when someone retried the job meanwhile (our worker was thought dead): stop, leave it to the new run."""
    db.session.refresh(job)
    if job.status is PrintJobStatus.RUNNING and job.attempts == attempt:
        return True
    logger.warning("Print job %s was taken over (now %s, attempt %s); this run stops", job.id, job.status, job.attempts)
    db.session.rollback()
    return False


def _record_failure(job_id: int, attempt: int, message: str) -> None:
    try:
        job = db.session.get(PrintJob, job_id)
        if job is None or job.attempts != attempt or job.status not in (PrintJobStatus.QUEUED, PrintJobStatus.RUNNING):
            return
        _move(job, PrintJobAction.FAIL, reason=message, details={"attempt": attempt, "done_count": job.done_count})
        job.error = message
        job.finished_at = job.heartbeat_at = utcnow()
        db.session.commit()
    except Exception:
        db.session.rollback()
        logger.exception("Could not record the failure of print job %s", job_id)


def _remove_if_empty(folder: Path) -> None:
    try:
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
    except OSError:
        pass


# --- reading --------------------------------------------------------------------------------------------


def jobs_of_decision(decision_id: int, limit: int = 50) -> list[PrintJob]:
    from sqlalchemy import orm

    return list(
        db.session.scalars(
            sa.select(PrintJob)
            .where(PrintJob.decision_id == decision_id)
            .options(orm.joinedload(PrintJob.printer), orm.joinedload(PrintJob.created_by))
            .order_by(PrintJob.created_at.desc(), PrintJob.id.desc())
            .limit(limit)
        )
    )
