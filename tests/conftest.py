"""Shared fixtures: a copy of the raw folder to break, and a previous good build to protect."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import tempfile
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
# The data the tests check: the clone's, or (for tests/test_curator.py) a copy with a record added.
RAW = Path(os.environ.get("AIGOV_TIMELINE_TEST_RAW") or REPO / "data" / "raw")
PROCESSED = Path(os.environ.get("AIGOV_TIMELINE_DATA") or REPO / "data" / "processed")
GENERATED_DOCS = Path(os.environ.get("AIGOV_TIMELINE_TEST_DOCS") or REPO / "docs")
"""Where the build's generated docs are (data-dictionary.md, coverage.md, er-diagram.md)."""
CHARTS = Path(os.environ.get("AIGOV_TIMELINE_TEST_CHARTS") or REPO / "charts")


def tree_digest(folder: Path) -> dict[str, str]:
    """Relative path -> sha256 of every file under a folder."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run the real command in a fresh process, as a user would."""
    return subprocess.run([sys.executable, "-m", "aigov_timeline", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=300)


@contextlib.contextmanager
def machine_lock(name: str):
    """Hold an exclusive lock across pytest-xdist workers (for one-time installs such as apt-get or npm)."""
    with open(Path(tempfile.gettempdir()) / f"aigov-timeline-{name}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def good_build(tmp_path_factory) -> Path:
    """A folder holding a successful build of the shipped raw data (processed/ and docs/)."""
    root = tmp_path_factory.mktemp("good")
    result = run_cli("build", "--raw", str(RAW), "--out", str(root / "processed"), "--docs", str(root / "docs"))
    assert result.returncode == 0, result.stderr
    return root


@pytest.fixture
def workspace(tmp_path, good_build) -> Path:
    """A writable copy of data/raw (as raw/) next to a copy of a previous good build (processed/, docs/)."""
    shutil.copytree(RAW, tmp_path / "raw")
    shutil.copytree(good_build / "processed", tmp_path / "processed")
    shutil.copytree(good_build / "docs", tmp_path / "docs")
    return tmp_path
