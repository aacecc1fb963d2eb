"""DATA/tmp: scratch space that a process holds while it works there, and clearing what a killed
process left.

Each entry is held with an exclusive `flock` by the process using it: the folder an uploaded
WhatsApp export lands in (`import-*`), the lock of an import still staging
(`import-<id>.lock`), the copy a backup pins its files in (`backup-*`). The kernel drops the lock
when that process ends, however it ends, so an entry nobody holds was left by a dead process.
That is why the clean-up at start can be immediate and still safe beside live work (another
worker's upload, a `groupbox import-whatsapp` running next to the server), which a clean-up by
age cannot be.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PREFIXES = ("import-", "backup-")  # what `clear` may remove; anything else in DATA/tmp is not ours


def root(data_dir: Path) -> Path:
    path = data_dir / "tmp"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def _lock(path: Path, *, wait: bool) -> int | None:
    """An fd holding `path` exclusively (a folder, or a lock file made if missing); None when
    another open file holds it and `wait` is false."""
    if path.is_dir():
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    else:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    except BaseException:
        os.close(fd)
        raise
    return fd


def _still_there(fd: int, path: Path) -> bool:
    """Whether `path` is still the file `fd` holds (a clean-up may have removed it meanwhile)."""
    try:
        return os.stat(path).st_ino == os.fstat(fd).st_ino
    except FileNotFoundError:
        return False


@contextmanager
def folder(data_dir: Path, prefix: str) -> Iterator[Path]:
    """A new folder DATA/tmp/<prefix>XXXX, held by this process for the block and removed after."""
    assert prefix in PREFIXES
    while True:
        path = Path(tempfile.mkdtemp(prefix=prefix, dir=root(data_dir)))
        fd = _lock(path, wait=True)
        assert fd is not None
        if _still_there(fd, path):  # a clean-up at start took it between mkdtemp and flock: again
            break
        os.close(fd)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
        os.close(fd)


@contextmanager
def holding(data_dir: Path, name: str, *, wait: bool = True) -> Iterator[bool]:
    """Hold the lock file DATA/tmp/<name> for the block; removed after. Yields False (and holds
    nothing) when `wait` is false and another process holds it."""
    assert name.startswith(PREFIXES) and "/" not in name
    path = root(data_dir) / name
    while True:
        fd = _lock(path, wait=wait)
        if fd is None:
            yield False
            return
        if _still_there(fd, path):
            break
        os.close(fd)
    try:
        yield True
    finally:
        path.unlink(missing_ok=True)
        os.close(fd)


def clear(data_dir: Path) -> list[str]:
    """Remove what nobody holds in DATA/tmp (left by a killed process); returns the names."""
    tmp = data_dir / "tmp"
    if not tmp.is_dir():
        return []
    removed = []
    for path in sorted(tmp.iterdir()):
        if not path.name.startswith(PREFIXES) or path.is_symlink():
            continue
        try:
            fd = _lock(path, wait=False)
        except OSError:  # vanished meanwhile, or not ours to open
            continue
        if fd is None:
            continue
        try:
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
            removed.append(path.name)
        finally:
            os.close(fd)
    return removed
