"""The command line says what is wrong, with exit status 1 and no traceback, where a command cannot run as asked."""

from __future__ import annotations

import shutil

import pytest
import yaml

from conftest import PROCESSED, RAW, REPO, run_cli

BASE = RAW.parent.parent / "tests" / "bad_inputs" / "_base"


def assert_clear_error(result, *wanted: str) -> None:
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result.stderr
    for text in wanted:
        assert text in result.stderr, result.stderr


def test_build_outside_a_clone_says_what_it_needs(tmp_path):
    result = run_cli("build", cwd=tmp_path)
    assert_clear_error(result, "no raw folder at data/raw", "clone", "--raw", "nothing was written")
    assert not (tmp_path / "data").exists()


def test_diff_against_git_outside_a_clone_says_so(tmp_path):
    assert_clear_error(run_cli("diff", "--against-git", "HEAD", cwd=tmp_path), "data/processed", "folder not found")
    shutil.copytree(PROCESSED, tmp_path / "processed")
    result = run_cli("diff", "--against-git", "HEAD", "processed", cwd=tmp_path)
    assert_clear_error(result, "is not in a git clone", "aigov-timeline diff OLD NEW")
    assert "git is not installed" not in result.stderr


def test_charts_check_without_charts_says_to_make_them(tmp_path):
    result = run_cli("charts", "--check", "--out", str(tmp_path / "charts"))
    assert_clear_error(result, "holds no charts", "aigov-timeline charts")
    assert "stale" not in result.stderr


def test_export_into_a_file_asks_for_a_folder(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("keep")
    assert_clear_error(run_cli("export", "-f", "csv", str(target)), "is a file", "folder")
    assert target.read_text() == "keep"


def strip_link_lists(raw):
    """Every list of links in every record emptied: actors, documents, relations, votes, sponsors, statements."""
    for path in raw.glob("[ead]*/*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for key, value in data.items():
            if isinstance(value, list) and key != "evidence":
                data[key] = []
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def test_a_raw_folder_without_any_links_builds(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(BASE, raw)
    shutil.copytree(RAW / "vocabularies", raw / "vocabularies")
    shutil.copyfile(RAW / "dataset.yaml", raw / "dataset.yaml")
    strip_link_lists(raw)
    result = run_cli("build", "--raw", str(raw), "--out", str(tmp_path / "processed"), "--docs", str(tmp_path / "docs"))
    assert result.returncode == 0, result.stderr
    import pyarrow.parquet as pq

    for name in ("event_actors", "event_documents", "document_actors", "votes", "sponsorships", "statements"):
        assert pq.read_table(tmp_path / "processed" / f"{name}.parquet").num_rows == 0, name
    assert pq.read_table(tmp_path / "processed" / "events.parquet").num_rows == 2


@pytest.mark.parametrize("folder", ["missing", "empty"])
def test_validate_of_a_missing_or_empty_folder_is_a_report(tmp_path, folder):
    if folder == "empty":
        (tmp_path / folder).mkdir()
    result = run_cli("validate", str(tmp_path / folder))
    assert_clear_error(result, str(tmp_path / folder))


def test_building_another_raw_folder_needs_its_own_outputs(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    before = {path: path.stat().st_mtime_ns for path in (REPO / "data" / "processed").iterdir()}
    result = run_cli("build", "--raw", str(raw), cwd=REPO)
    assert_clear_error(result, str(raw))
    assert "--out and --docs" in result.stderr
    assert {path: path.stat().st_mtime_ns for path in (REPO / "data" / "processed").iterdir()} == before
    result = run_cli("build", "--raw", str(raw), "--out", str(tmp_path / "p"), cwd=REPO)
    assert result.returncode != 0 and "--out and --docs" in result.stderr
