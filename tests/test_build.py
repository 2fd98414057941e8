"""Build behaviour: deterministic, atomic, recoverable, and a check mode that notices stale outputs."""

from __future__ import annotations

import shutil

import pytest

from aigov_timeline import build
from aigov_timeline.build import write
from conftest import RAW, run_cli, tree_digest


def test_two_builds_are_byte_identical(tmp_path, good_build):
    result = run_cli("build", "--raw", str(RAW), "--out", str(tmp_path / "p"), "--docs", str(tmp_path / "d"))
    assert result.returncode == 0, result.stderr
    assert tree_digest(tmp_path / "p") == tree_digest(good_build / "processed")
    assert tree_digest(tmp_path / "d") == tree_digest(good_build / "docs")


def test_check_mode_passes_when_fresh_and_fails_when_stale(workspace):
    args = ["build", "--check", "--raw", str(workspace / "raw"), "--out", str(workspace / "processed"),
            "--docs", str(workspace / "docs")]
    assert run_cli(*args).returncode == 0
    (workspace / "processed" / "events.parquet").write_bytes(b"stale")
    (workspace / "docs" / "data-dictionary.md").write_text("old")
    result = run_cli(*args)
    assert result.returncode == 1
    assert "events.parquet" in result.stderr and "data-dictionary.md" in result.stderr


def test_check_mode_writes_nothing(workspace):
    before = tree_digest(workspace)
    run_cli("build", "--check", "--raw", str(workspace / "raw"), "--out", str(workspace / "processed"),
            "--docs", str(workspace / "docs"))
    assert tree_digest(workspace) == before


def test_an_interrupted_swap_is_recovered(workspace):
    out = workspace / "processed"
    good = tree_digest(out)
    out.rename(workspace / ".processed.old-12345")
    (workspace / ".processed.tmp-999").mkdir()
    write.recover(out)
    assert tree_digest(out) == good
    assert not list(workspace.glob(".processed.*"))


def test_build_into_a_new_folder_creates_it(tmp_path):
    built = build.build(RAW, tmp_path / "new" / "processed", tmp_path / "docs")
    assert (tmp_path / "new" / "processed" / "manifest.json").is_file()
    assert built.tables["events"].num_rows > 0
    shutil.rmtree(tmp_path / "new")


@pytest.mark.parametrize("nested", ["\n" + "- " * 5000 + "x", "".join(f"\n{' ' * i}k{i}:" for i in range(1, 200)) + " x"])
def test_deep_block_nesting_is_refused_before_libyaml_composes_it(monkeypatch, nested):
    """Older libyaml (PyYAML 6.0.3) crashes composing block lists or mappings nested thousands deep: the depth is
    counted from the parser's events first."""
    from aigov_timeline.build import read

    monkeypatch.setattr(read.yaml, "load", lambda *a, **k: pytest.fail("the loader ran"))
    data, problem = read.parse_yaml(f"id: evt-2024-01-01-deep\ntitle: {nested}\n", "events/deep.yaml")
    assert data is None and "nested too deeply" in problem.message and problem.field == "title"


def test_reading_in_worker_processes_gives_the_same_tables_and_problems(monkeypatch):
    """The parallel reading that large raw folders take (more than PARALLEL_BYTES) gives what one process reads."""
    from aigov_timeline.build import tables

    alone = tables.read_tables(RAW)
    pieces_read = []
    in_key_order = tables._in_key_order

    def counting(name, pieces):
        pieces = list(pieces)
        pieces_read.append(len(pieces))
        return in_key_order(name, pieces)

    monkeypatch.setattr(tables, "_in_key_order", counting)
    monkeypatch.setattr(tables, "PARALLEL_BYTES", 0)
    monkeypatch.setattr(tables, "CHUNK_BYTES", 200_000)
    monkeypatch.setattr(tables, "cores", lambda: 2)
    shared = tables.read_tables(RAW)
    assert min(pieces_read) > 2, "the files were not shared out among worker processes"
    for name in alone.tables:
        assert shared.tables[name].equals(alone.tables[name]), name
        assert shared.origins[name].equals(alone.origins[name]), name
    assert shared.problems == alone.problems and shared.unreadable == alone.unreadable
