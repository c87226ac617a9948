"""Development keys: created at random on first start, kept in `instance/secrets/`, reused afterwards.

One file per key (`SECRET_KEY`, `VOTER_ID_HASH_KEY`), mode 0600, in a 0700 directory. A key set in
the environment (or the app's configuration) always wins and nothing is written for it. Production
never comes here: it must be given its keys (`ProductionConfig.validate`).

Several gunicorn workers start at the same moment and must end up with the same key. Each writes
its candidate to a private temporary file and hard-links it to the final name: the link either
appears complete or fails because another worker's is already there, and then that one is read. On a
file system without hard links the final file is created with O_CREAT | O_EXCL and the losers wait
until the winner's key is readable.
"""
from __future__ import annotations

import logging
import os
import secrets
import stat
import time
from pathlib import Path

log = logging.getLogger(__name__)

KEYS = ("SECRET_KEY", "VOTER_ID_HASH_KEY")
KEY_BYTES = 48  # token_urlsafe(48): 64 characters, 384 random bits
_WAIT_SECONDS = 5.0


def fill_missing_keys(config: dict, directory: str | os.PathLike) -> None:
    """Give every empty key of `config` the one stored in `directory`, creating it first if needed."""
    for name in KEYS:
        if not (config.get(name) or "").strip():
            config[name] = load_or_create(Path(directory), name)


def load_or_create(directory: Path, name: str) -> str:
    path = directory / name
    value = _read(path)
    if value is None:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        _create(path, secrets.token_urlsafe(KEY_BYTES))
    if not value:
        value = _wait_for(path)
    return value


def _read(path: Path) -> str | None:
    """The stored key, or None when the file does not exist yet. Too-open permissions are narrowed."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    with os.fdopen(fd, "r", encoding="utf-8") as handle:
        mode = os.fstat(handle.fileno()).st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            log.warning("%s could be read by other users; its mode is now 0600", path)
            os.fchmod(handle.fileno(), 0o600)
        return handle.read().strip()


def _create(path: Path, value: str) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    _write_exclusive(temporary, value)
    try:
        os.link(temporary, path)  # atomic, and refuses to replace a key another worker stored first
    except FileExistsError:
        pass
    except OSError:  # no hard links here: create the final file exclusively instead
        try:
            _write_exclusive(path, value)
        except FileExistsError:
            pass
    finally:
        temporary.unlink(missing_ok=True)


def _write_exclusive(path: Path, value: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(value + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def _wait_for(path: Path) -> str:
    """The key once it is readable (another worker may still be writing it, on the fallback path)."""
    deadline = time.monotonic() + _WAIT_SECONDS
    while True:
        value = _read(path)
        if value:
            return value
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"Tệp khóa {path} trống hoặc không đọc được. Xóa tệp này để hệ thống tạo khóa mới "
                "(phiên đăng nhập hiện có sẽ hết hiệu lực)."
            )
        time.sleep(0.05)
