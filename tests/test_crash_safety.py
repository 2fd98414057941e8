"""Crash safety: a build killed with SIGKILL while it writes leaves the output folder whole.

The build runs in a child process under a small wrapper that replaces one writing function (Parquet writer, text
writer, rename, exchange, replace, tree removal) by a SIGKILL on its N-th call inside the workspace, so each kill
point is exact. The new build differs from the previous one in every output file (its data version is bumped),
so a mix of the two cannot pass for either.

Right after the kill the output folder must be exactly the previous build or exactly the new one, byte for byte,
and load with the loaders; each generated doc is likewise whole. Where the system offers no atomic directory
exchange, the build swaps with two renames: a kill between them leaves no output folder and the whole previous
one under ``.processed.old-*``, and ``recover()`` (which every build runs first) must put it back. In every case
the next build succeeds, writes the new output and leaves no temporary files.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from aigov_timeline import build, loaders
from aigov_timeline.build import write
from aigov_timeline.metadata import TABLE_NAMES
from conftest import RAW, tree_digest

KILLER = r"""
import os, shutil, signal, sys
from pathlib import Path

import pyarrow.parquet
import aigov_timeline.build.write

root, target, nth, mode, exchange, *argv = sys.argv[1:]
nth, calls = int(nth), 0

def inside(path):
    return os.path.abspath(os.fspath(path)).startswith(root + os.sep)

def die():
    os.kill(os.getpid(), signal.SIGKILL)

def damage(path):
    "Leave what a kill half-way through would: half of a file, or half of a folder's files."
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file())
        for p in files[: max(1, len(files) // 2)]:
            p.unlink()
    else:
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])

TARGETS = {  # name: (owner, attribute, the path a call writes)
    "write_table": (pyarrow.parquet, "write_table", lambda table, where, *a, **k: where),
    "write_text": (Path, "write_text", lambda self, *a, **k: self),
    "rename": (os, "rename", lambda src, dst, *a, **k: src),
    "replace": (os, "replace", lambda src, dst, *a, **k: dst),
    "rmtree": (shutil, "rmtree", lambda path, *a, **k: path),
    "exchange": (aigov_timeline.build.write, "_exchange", lambda a, b: b),
}

def patch(owner, name, path_of):
    real = getattr(owner, name)

    def wrapper(*args, **kwargs):
        global calls
        path = path_of(*args, **kwargs)
        if not inside(path):
            return real(*args, **kwargs)
        calls += 1
        if calls != nth:
            return real(*args, **kwargs)
        if mode == "before":
            die()
        if mode == "partial" and name == "rmtree":
            damage(path)
            die()
        result = real(*args, **kwargs)
        if mode == "partial":
            damage(path)
        die()
        return result

    setattr(owner, name, wrapper)

if exchange == "off":
    aigov_timeline.build.write._exchange = lambda a, b: False
patch(*TARGETS[target])

from aigov_timeline.cli import main

sys.exit(main(argv))
"""

PARQUET_FILES = len(TABLE_NAMES)
LAST_DOC = 0  # the text write of the last generated doc (after the manifest and datapackage.json)
OLD, NEW, RECOVERABLE_OLD = "previous build", "new build", "previous build after recover()"

# (function, its N-th call in the workspace, kill before/after it or half-way through, atomic exchange, outcome)
KILL_POINTS = [
    pytest.param("write_table", 1, "after", "on", OLD, id="after-the-first-parquet-file"),
    pytest.param("write_table", PARQUET_FILES // 2, "partial", "on", OLD, id="half-way-through-a-parquet-file"),
    pytest.param("write_text", 1, "partial", "on", OLD, id="half-way-through-the-manifest"),
    pytest.param("exchange", 1, "before", "on", OLD, id="before-the-swap"),
    pytest.param("exchange", 1, "after", "on", NEW, id="right-after-the-swap"),
    pytest.param("rmtree", 1, "partial", "on", NEW, id="half-way-through-removing-the-previous-output"),
    pytest.param("rename", 1, "after", "off", RECOVERABLE_OLD, id="between-the-two-renames-without-exchange"),
    pytest.param("rename", 2, "after", "off", NEW, id="after-the-two-renames-without-exchange"),
    pytest.param("write_text", LAST_DOC, "partial", "on", NEW, id="half-way-through-the-last-generated-doc"),
    pytest.param("replace", 1, "after", "on", NEW, id="between-the-generated-docs"),
]


def bump_version(raw: Path) -> str:
    """Give the raw folder a new data version, so that every output file of its build changes."""
    path = raw / "dataset.yaml"
    text = path.read_text(encoding="utf-8")
    version = re.search(r"^version: *(\S+)$", text, re.MULTILINE).group(1)
    new = f"{version}-crash-test"
    path.write_text(text.replace(f"version: {version}\n", f"version: {new}\n"), encoding="utf-8")
    return new


@pytest.fixture(scope="module")
def new_build(tmp_path_factory) -> tuple[Path, str]:
    """A raw folder whose build differs from the shipped one in every file, and that build."""
    root = tmp_path_factory.mktemp("new")
    shutil.copytree(RAW, root / "raw")
    version = bump_version(root / "raw")
    build.build(root / "raw", root / "processed", root / "docs")
    return root, version


def exchange_supported(tmp: Path) -> bool:
    """True where the build can swap folders atomically (Linux renameat2)."""
    a, b = tmp / "exchange-a", tmp / "exchange-b"
    a.mkdir()
    b.mkdir()
    try:
        return write._exchange(a, b)
    finally:
        a.rmdir()
        b.rmdir()


def killed_build(workspace: Path, target: str, nth: int, mode: str, exchange: str) -> subprocess.CompletedProcess:
    args = ["build", "--raw", str(workspace / "raw"), "--out", str(workspace / "processed"),
            "--docs", str(workspace / "docs")]
    return subprocess.run([sys.executable, "-c", KILLER, str(workspace), target, str(nth), mode, exchange, *args],
                          capture_output=True, text=True, timeout=300)


def which_build(folder: Path, old: dict[str, str], new: dict[str, str]) -> str:
    """OLD or NEW if the folder is exactly one of the two builds; otherwise fail naming the files of each."""
    digest = tree_digest(folder) if folder.is_dir() else {}
    if digest == old:
        return OLD
    if digest == new:
        return NEW
    origin = {name: "old" if old.get(name) == h else "new" if new.get(name) == h else "neither"
              for name, h in digest.items()}
    missing = sorted((set(old) | set(new)) - set(digest))
    pytest.fail(f"{folder} is neither the previous nor the new build: {origin}, missing {missing}")


def assert_docs_whole(docs: Path, old: dict[str, str], new: dict[str, str]) -> None:
    """Every generated doc is whole: the previous or the new version (a hidden temporary file may remain)."""
    visible = {name: h for name, h in tree_digest(docs).items() if not Path(name).name.startswith(".")}
    assert set(visible) == set(old)
    for name, digest in visible.items():
        assert digest in (old[name], new[name]), f"{name} is neither the previous nor the new version"


def assert_loadable(folder: Path, monkeypatch) -> None:
    """The loaders read the folder: every file matches its manifest entry and every table loads."""
    monkeypatch.setenv(loaders.files.DATA_ENV, str(folder))
    loaders.verify()
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    tables = loaders.load_all()
    assert {name: len(frame) for name, frame in tables.items()} == \
        {name: entry["rows"] for name, entry in manifest["tables"].items()}


@pytest.mark.parametrize("target, nth, mode, exchange, outcome", KILL_POINTS)
def test_a_killed_build_leaves_a_whole_output(workspace, new_build, monkeypatch, target, nth, mode, exchange,
                                              outcome):
    new_root, version = new_build
    out, docs = workspace / "processed", workspace / "docs"
    old, new = tree_digest(out), tree_digest(new_root / "processed")
    old_docs, new_docs = tree_digest(docs), tree_digest(new_root / "docs")
    assert not old.items() & new.items(), "every output file of the new build must differ from the previous one"
    assert bump_version(workspace / "raw") == version
    if target == "exchange" and not exchange_supported(workspace):
        pytest.skip("this system has no atomic folder exchange; the build swaps with two renames")

    if nth == LAST_DOC:
        nth = 2 + len(old_docs)
    result = killed_build(workspace, target, nth, mode, exchange)
    assert result.returncode == -9, f"the kill point was not reached (exit {result.returncode}): {result.stderr}"

    if outcome == RECOVERABLE_OLD:
        assert not out.exists()
        assert [which_build(p, old, new) for p in workspace.glob(".processed.old-*")] == [OLD]
        write.recover(out)
        outcome = OLD
    assert which_build(out, old, new) == outcome
    assert_loadable(out, monkeypatch)
    assert_docs_whole(docs, old_docs, new_docs)
    if outcome == OLD:
        assert tree_digest(docs) == old_docs

    build.build(workspace / "raw", out, docs)
    assert tree_digest(out) == new
    assert tree_digest(docs) == new_docs
    assert not list(workspace.glob(".processed*")), "temporary folders were left behind"
    assert_loadable(out, monkeypatch)
