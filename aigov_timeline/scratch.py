"""Scratch space of a build: temporary files and folders named after the process that made them, removed when it
is done with them, and swept by the next build when a killed one left them behind.

Scratch that other processes map rather than read lives in shared memory (``/dev/shm``) where the system has it
and it has room; other scratch, and scratch too large for shared memory, in the temporary folder.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PREFIX = "aigov-timeline-"
SHARED_MEMORY = Path("/dev/shm")


def location(shared_bytes: int = 0) -> Path:
    """Where scratch goes: shared memory if writable and it has ``shared_bytes`` free (with room to spare), else the
    temporary folder."""
    if shared_bytes and SHARED_MEMORY.is_dir() and os.access(SHARED_MEMORY, os.W_OK | os.X_OK):
        try:
            if shutil.disk_usage(SHARED_MEMORY).free > 2 * shared_bytes:
                return SHARED_MEMORY
        except OSError:
            pass
    return Path(tempfile.gettempdir())


def prefix(kind: str) -> str:
    """The name prefix of this process's scratch of one kind."""
    return f"{PREFIX}{kind}-{os.getpid()}-"


@contextmanager
def folder(kind: str, shared_bytes: int = 0) -> Iterator[Path]:
    """A new scratch folder (in shared memory if it has room for ``shared_bytes``), removed with its files on
    exit."""
    sweep()
    path = Path(tempfile.mkdtemp(prefix=prefix(kind), dir=location(shared_bytes)))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def file(kind: str, suffix: str = "") -> tuple[int, str]:
    """A new scratch file in the temporary folder: (open file descriptor, path). The caller removes it."""
    sweep()
    return tempfile.mkstemp(prefix=prefix(kind), suffix=suffix, dir=location())


def sweep() -> None:
    """Remove the scratch of builds that no longer run (killed before they could remove it)."""
    for place in {SHARED_MEMORY, Path(tempfile.gettempdir())}:
        try:
            names = [entry.name for entry in os.scandir(place) if entry.name.startswith(PREFIX)]
        except OSError:
            continue
        for name in names:
            pid = name[len(PREFIX):].split("-")[1:2]
            if pid and pid[0].isdigit() and not _running(int(pid[0])):
                path = place / name
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink(missing_ok=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True
