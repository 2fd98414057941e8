"""The release check (``aigov-timeline release --check``) passes on a clone whose versions, CHANGELOG entry,
citation and README agree with its data, and names each thing that does not. It runs on a copy laid out for the
test: a release check is for cutting a version, and a curator's new record must not fail the tests."""

from __future__ import annotations

import json
import shutil

import pyarrow.parquet as pq
import pytest
import yaml

import aigov_timeline as agt
from aigov_timeline.release.check import latest_event
from conftest import RAW, run_cli

RELEASED = "2026-12-06"


@pytest.fixture
def clone(tmp_path, good_build):
    """A clone ready to release this package version, made from a good build of the shipped raw data."""
    repo = tmp_path / "repo"
    shutil.copytree(good_build / "processed", repo / "data" / "processed")
    (repo / "data" / "raw").mkdir(parents=True)
    data_version = json.loads((repo / "data" / "processed" / "manifest.json").read_text())["data_version"]
    dataset = yaml.safe_load((RAW / "dataset.yaml").read_text(encoding="utf-8"))
    (repo / "data" / "raw" / "dataset.yaml").write_text(yaml.safe_dump({**dataset, "released": RELEASED}))
    diff = run_cli("diff", "-", str(repo / "data" / "processed")).stdout
    (repo / "CHANGELOG.md").write_text(f"# Changelog\n\n## {agt.__version__} (data version {data_version}, "
                                       f"{RELEASED})\n\n{diff}", encoding="utf-8")
    (repo / "CITATION.cff").write_text(yaml.safe_dump({"cff-version": "1.2.0", "version": data_version,
                                                       "date-released": RELEASED}), encoding="utf-8")
    events = pq.read_table(repo / "data" / "processed" / "events.parquet").to_pylist()
    latest = latest_event(events)
    (repo / "README.md").write_text(f"Data as of {RELEASED}; the latest event recorded is `{latest['event_id']}` "
                                    f"({latest['date']}).\n", encoding="utf-8")
    return repo


def release(repo):
    return run_cli("release", "--check", "--repo", str(repo))


def test_a_consistent_clone_is_ready(clone):
    result = release(clone)
    assert result.returncode == 0, result.stderr
    assert "ready to release" in result.stdout


def test_a_changelog_entry_that_misstates_the_rows_is_named(clone):
    path = clone / "CHANGELOG.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("| `events` | – → ", "| `events` | – → 1", 1), encoding="utf-8")
    result = release(clone)
    assert result.returncode == 1 and "does not state the shipped rows of events" in result.stderr


def test_a_missing_entry_and_a_stale_citation_and_readme_are_named(clone):
    (clone / "CHANGELOG.md").write_text("# Changelog\n", encoding="utf-8")
    (clone / "CITATION.cff").write_text(yaml.safe_dump({"version": "0.0.1", "date-released": "2020-01-01"}))
    (clone / "README.md").write_text("Data as of 2020-01-01; the latest event recorded is `evt-x` (2020).\n")
    result = release(clone)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "has no entry" in result.stderr and "CITATION.cff cites version 0.0.1" in result.stderr
    assert "README.md must say" in result.stderr


def test_outside_a_clone_it_says_what_it_needs(tmp_path):
    result = release(tmp_path)
    assert result.returncode == 1 and "not a clone" in result.stderr and "Traceback" not in result.stderr
