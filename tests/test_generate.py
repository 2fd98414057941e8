"""The benchmark's synthetic data generator writes raw folders that the build accepts, the same every time."""

from __future__ import annotations

import subprocess
import sys

import pyarrow.parquet as pq
from conftest import REPO, run_cli, tree_digest

GENERATE = REPO / "benchmarks" / "generate.py"


def generate(out, events: int = 50) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(GENERATE), "--events", str(events), str(out)], capture_output=True,
                          text=True, timeout=120)


def test_generated_folder_builds_and_is_deterministic(tmp_path):
    assert generate(tmp_path / "a").returncode == 0
    assert generate(tmp_path / "b").returncode == 0
    assert tree_digest(tmp_path / "a") == tree_digest(tmp_path / "b")
    result = run_cli("build", "--raw", str(tmp_path / "a"), "--out", str(tmp_path / "processed"),
                     "--docs", str(tmp_path / "docs"))
    assert result.returncode == 0, result.stderr
    assert pq.read_table(tmp_path / "processed" / "events.parquet").num_rows == 50
    texts = list((tmp_path / "a" / "texts").iterdir())
    assert texts and all(p.read_text(encoding="utf-8").strip() for p in texts)


def test_generator_refuses_a_folder_that_is_not_empty(tmp_path):
    (tmp_path / "keep.txt").write_text("x")
    result = generate(tmp_path)
    assert result.returncode == 2 and "not empty" in result.stderr
