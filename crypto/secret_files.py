"""Secret files on local disk: the master keys, the issuer's and the log's signing keys.

Invariants:
- A secret file is only read when it is a regular file (never through a symlink) that
  group and others cannot access at all; the mode is checked on the descriptor that is
  read, so it cannot change between the check and the read.
- A new secret file is written in full (mode 0600, fsynced) under a unique temporary
  name and then linked into place; linking never replaces, so when two processes
  start at once the loser keeps the winner's key instead of overwriting it.
- A changed secret file replaces the old one atomically; readers see old or new, never
  a partial file. Writers that read-modify-write hold `directory_lock` (the file itself
  is replaced, so its directory is what they lock).
- Error messages name the file and the rule, never its content.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path


class SecretFileError(Exception):
    """A secret file is missing, unsafe, unreadable or too large; the message says which."""


def read_private(path: Path, *, max_bytes: int) -> bytes:
    """The content of a private regular file, or SecretFileError naming the rule it breaks."""
    try:
        # Non-blocking: a FIFO put at the path would otherwise hold start-up until written.
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        raise SecretFileError(f"{path} is missing") from None
    except OSError:
        raise SecretFileError(f"{path} is unreadable (or a symlink)") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise SecretFileError(f"{path} is not a regular file")
        if st.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise SecretFileError(
                f"{path} is accessible to others (mode {stat.S_IMODE(st.st_mode):04o}); "
                "chmod 600 it"
            )
        with os.fdopen(os.dup(fd), "rb") as fh:
            raw = fh.read(max_bytes + 1)
    finally:
        os.close(fd)
    if len(raw) > max_bytes:
        raise SecretFileError(f"{path} is too large to be a key file")
    return raw


def _write_temp(path: Path, content: bytes) -> Path:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        # The umask can only take bits away; be explicit, the file is a secret.
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def create_private(path: Path, content: bytes) -> bool:
    """Create a 0600 file with `content` unless one exists; true if this call created it."""
    tmp = _write_temp(path, content)
    try:
        os.link(tmp, path)
    except FileExistsError:
        return False
    finally:
        tmp.unlink(missing_ok=True)
    _fsync_dir(path.parent)
    return True


def replace_private(path: Path, content: bytes) -> None:
    """Atomically replace a secret file with new content (mode 0600)."""
    tmp = _write_temp(path, content)
    try:
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


@contextlib.contextmanager
def directory_lock(directory: Path) -> Iterator[None]:
    """An exclusive lock, across processes, for read-modify-write of a secret file in it."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
