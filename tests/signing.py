"""Digital signatures for the tests: a self-made RSA certificate and pyHanko's signer, as an office's
signing software would produce, and the ways a signed file gets spoiled."""
from __future__ import annotations

import re
import threading
from datetime import datetime, timedelta, timezone
from io import BytesIO
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

SIGNER_NAME = "Nguyễn Văn Trưởng"


def make_certificate(directory: Path, common_name: str = SIGNER_NAME) -> tuple[Path, Path]:
    """A self-signed signing certificate: (key.pem, cert.pem) in `directory`.

    Key usage includes non-repudiation, as pyHanko's default policy for a signer expects.
    """
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Ban Dân vận Tỉnh ủy (thử nghiệm)"),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])
    now = datetime.now(timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=True, key_encipherment=False, data_encipherment=False,
                key_agreement=False, key_cert_sign=True, crl_sign=False, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    key_path, cert_path = directory / "key.pem", directory / "cert.pem"
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path


def _in_own_thread(function, *args):
    """pyHanko runs asyncio.run(); Playwright's sync API keeps a loop in the test's thread."""
    result: dict = {}

    def run():
        try:
            result["value"] = function(*args)
        except BaseException as error:  # re-raised in the caller
            result["error"] = error

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]
    return result["value"]


def _sign(pdf: bytes, key_path: Path, cert_path: Path) -> bytes:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers

    signer = signers.SimpleSigner.load(str(key_path), str(cert_path))
    out = signers.sign_pdf(
        IncrementalPdfFileWriter(BytesIO(pdf)), signers.PdfSignatureMetadata(field_name="Signature1"), signer=signer
    )
    return out.getvalue()


def sign_pdf(pdf: bytes, key_path: Path, cert_path: Path) -> bytes:
    """`pdf` with one signature appended as an incremental update (the signed range covers the whole file)."""
    return _in_own_thread(_sign, pdf, key_path, cert_path)


def alter_one_byte(signed: bytes) -> bytes:
    """One byte changed inside the first page's content stream, inside the signed range, same length."""
    match = re.search(rb"stream\r?\n", signed)
    assert match is not None
    position = match.end() + 10
    contents = signed.index(b"/Contents <") if b"/Contents <" in signed else len(signed)
    assert position < contents, "the altered byte must lie in the signed range"
    return signed[:position] + bytes([signed[position] ^ 0x01]) + signed[position + 1:]


def _append_update(signed: bytes) -> bytes:
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    out = BytesIO(signed)
    writer = IncrementalPdfFileWriter(out)
    writer.root["/Lang"] = generic.pdf_string("en")
    writer.update_root()
    writer.write_in_place()
    return out.getvalue()


def append_update(signed: bytes) -> bytes:
    """A change saved after signing, as an editor's "save" appends it: a new revision over the signed one."""
    return _in_own_thread(_append_update, signed)
