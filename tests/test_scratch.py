"""Scratch space: named after the process, removed after use, and swept when a killed build left it."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from aigov_timeline import scratch


def dead_pid() -> int:
    """The process ID of a process that has ended."""
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True)
    return int(proc.stdout)


def test_a_scratch_folder_is_removed_after_use():
    with scratch.folder("test") as path:
        (path / "piece.arrow").write_bytes(b"rows")
        assert path.parent == scratch.location() and path.name.startswith(scratch.prefix("test"))
    assert not path.exists()


def test_scratch_to_be_mapped_goes_to_shared_memory_when_it_has_room():
    temporary = scratch.location()
    if scratch.SHARED_MEMORY.is_dir() and os.access(scratch.SHARED_MEMORY, os.W_OK):
        assert scratch.location(shared_bytes=1) == scratch.SHARED_MEMORY
    assert scratch.location(shared_bytes=2 ** 62) == temporary  # more than any shared memory holds
    with scratch.folder("test", shared_bytes=1) as path:
        assert path.parent == scratch.location(shared_bytes=1)


@pytest.mark.parametrize("shared", [False, True])
def test_scratch_of_a_build_that_no_longer_runs_is_swept(shared):
    place = scratch.location(shared_bytes=1 if shared else 0)
    dead = place / f"{scratch.PREFIX}pieces-{dead_pid()}-abc"
    dead.mkdir()
    (dead / "piece.arrow").write_bytes(b"rows")
    dead_file = place / f"{scratch.PREFIX}texts-{dead_pid()}-abc.txt"
    dead_file.write_bytes(b"text")
    alive = place / f"{scratch.PREFIX}pieces-{os.getpid()}-abc"
    alive.mkdir()
    lock = place / f"{scratch.PREFIX}test.lock"  # not scratch of a build
    lock.write_bytes(b"")
    try:
        scratch.sweep()
        assert not dead.exists() and not dead_file.exists()
        assert alive.exists() and lock.exists()
    finally:
        for path in (alive, lock):
            if path.is_dir():
                path.rmdir()
            else:
                path.unlink(missing_ok=True)
