"""Hostile XLSX files built from a real workbook, for the upload tests (ASVS 5.0 V1.5.1, V5.2.3):
XML entities (XXE, billion laughs), a zip bomb, a zip with thousands of entries, a zip that lies
about its sizes. Each is small enough to upload under the size limits."""
from __future__ import annotations

import io
import struct
import zipfile

from openpyxl import Workbook

SHEET = "xl/worksheets/sheet1.xml"
SHARED_STRINGS = "xl/sharedStrings.xml"
MARKER = "GIA-TRI-O-B2"  # the cell an entity replaces

EXTERNAL_ENTITY = '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
# Nine levels of ten: 10^9 characters once expanded.
BILLION_LAUGHS = '<!DOCTYPE x [<!ENTITY a "dvkheo-dvkheo">' + "".join(
    f'<!ENTITY {name} "{("&" + inner + ";") * 10}">' for inner, name in zip("abcdefgh", "bcdefghi")
) + "]>"
ENTITIES = {"xxe": (EXTERNAL_ENTITY, "&xxe;"), "billion-laughs": (BILLION_LAUGHS, "&i;")}


def workbook_bytes(rows: list[list]) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _rewrite(data: bytes, change, extra: dict[str, bytes] | None = None) -> bytes:
    """Copy the zip, passing each member's text through change(name, text)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, change(info.filename, source.read(info.filename).decode()).encode())
        for name, body in (extra or {}).items():
            target.writestr(name, body)
    return out.getvalue()


def with_entity(data: bytes, attack: str, part: str) -> bytes:
    """`data` (a workbook whose cell holds MARKER) with the cell replaced by an entity declared in a
    DOCTYPE of `part`: the worksheet itself, or a shared-strings part as Excel writes it."""
    doctype, reference = ENTITIES[attack]

    def change(name: str, text: str) -> str:
        if part == "sheet" and name == SHEET:
            return doctype + text.replace(MARKER, reference)
        if part == "shared-strings":
            if name == SHEET:
                return text.replace(f't="inlineStr"><is><t>{MARKER}</t></is>', 't="s"><v>0</v>')
            if name == "xl/_rels/workbook.xml.rels":
                return text.replace("</Relationships>", (
                    '<Relationship Id="rIdSst" Target="sharedStrings.xml" Type="http://schemas.'
                    'openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/></Relationships>'))
            if name == "[Content_Types].xml":
                return text.replace("</Types>", (
                    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
                    'officedocument.spreadsheetml.sharedStrings+xml"/></Types>'))
        return text

    extra = {}
    if part == "shared-strings":
        extra[SHARED_STRINGS] = (doctype + '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                                 f'count="1" uniqueCount="1"><si><t>{reference}</t></si></sst>').encode()
    result = _rewrite(data, change, extra)
    assert MARKER not in zipfile.ZipFile(io.BytesIO(result)).read(SHEET).decode()
    return result


def with_many_entries(data: bytes, count: int) -> bytes:
    """`data` plus `count` tiny extra members (a workbook normally holds a few dozen)."""
    return _rewrite(data, lambda _name, text: text, {f"xl/media/phan-{i}.bin": b"" for i in range(count)})


def with_bomb(data: bytes, unpacked_bytes: int) -> bytes:
    """`data` plus one member of `unpacked_bytes` zeros, which deflate to about a thousandth."""
    out = io.BytesIO(_rewrite(data, lambda _name, text: text))
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("xl/media/bom.bin", "w", force_zip64=True) as member:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(unpacked_bytes // len(chunk)):
                member.write(chunk)
    return out.getvalue()


def with_understated_size(data: bytes, member: str = SHEET, declared: int = 1000) -> bytes:
    """`data` whose member claims, in both zip headers, to unpack to only `declared` bytes."""
    patched = bytearray(data)
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(member)
    assert info.file_size > declared
    assert patched[info.header_offset:info.header_offset + 4] == b"PK\x03\x04"
    struct.pack_into("<I", patched, info.header_offset + 22, declared)  # local header
    position = patched.find(b"PK\x01\x02")
    while position != -1:  # central directory
        length = struct.unpack_from("<H", patched, position + 28)[0]
        if bytes(patched[position + 46:position + 46 + length]) == member.encode():
            struct.pack_into("<I", patched, position + 24, declared)
        position = patched.find(b"PK\x01\x02", position + 4)
    assert zipfile.ZipFile(io.BytesIO(bytes(patched))).getinfo(member).file_size == declared
    return bytes(patched)
