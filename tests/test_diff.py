"""`aigov-timeline diff`: the rows and keys added, changed and removed between two builds."""

from __future__ import annotations

import shutil
import subprocess

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from aigov_timeline.release import diff
from aigov_timeline.cli import main
from aigov_timeline.metadata import TABLES
from conftest import PROCESSED, run_cli


def rewrite(folder, name, edit) -> None:
    """Apply ``edit`` to the rows (a list of dicts) of one table and write it back with its schema."""
    path = folder / f"{name}.parquet"
    table = pq.read_table(path)
    rows = table.to_pylist()
    edit(rows)
    pq.write_table(pa.Table.from_pylist(rows, schema=table.schema), path)


@pytest.fixture
def edited(tmp_path):
    """A copy of the shipped build with one event removed, one retitled and one added, and one link removed.

    Returns the folder and the keys touched, chosen from the data."""
    new = tmp_path / "new"
    shutil.copytree(PROCESSED, new)
    events = pq.read_table(PROCESSED / "events.parquet").column("event_id").to_pylist()
    removed, retitled, template = events[0], events[1], events[2]
    added = "evt-2099-01-01-added-for-a-test"

    def edit_events(rows):
        rows[:] = [r for r in rows if r["event_id"] != removed]
        next(r for r in rows if r["event_id"] == retitled)["title"] = "A corrected title"
        rows.append({**next(r for r in rows if r["event_id"] == template), "event_id": added})

    rewrite(new, "events", edit_events)
    link = pq.read_table(PROCESSED / "event_actors.parquet").slice(0, 1).to_pylist()[0]
    link_key = tuple(link[k] for k in TABLES["event_actors"].primary_key)
    rewrite(new, "event_actors", lambda rows: rows.remove(link))
    return new, {"removed": removed, "changed": retitled, "added": added, "link": link_key}


def test_diff_reports_exactly_the_edited_keys(edited):
    new, keys = edited
    diffs = {d.name: d for d in diff.compare(diff.read_build(PROCESSED), diff.read_build(new))}
    events = diffs.pop("events")
    assert events.added == [(keys["added"],)]
    assert events.changed == [((keys["changed"],), ["title"])]
    assert events.removed == [(keys["removed"],)]
    links = diffs.pop("event_actors")
    assert (links.added, links.changed, links.removed) == ([], [], [keys["link"]])
    assert all(d.unchanged for d in diffs.values())


def test_diff_markdown_names_the_keys_and_the_bump(edited):
    new, keys = edited
    text = diff.diff(PROCESSED, new)
    events_rows = pq.read_metadata(PROCESSED / "events.parquet").num_rows
    links_rows = pq.read_metadata(PROCESSED / "event_actors.parquet").num_rows
    assert f"| `events` | {events_rows} → {events_rows} | 1 | 1 | 1 |" in text
    assert f"| `event_actors` | {links_rows} → {links_rows - 1} | 0 | 0 | 1 |" in text
    assert f"Added (1):\n\n- `{keys['added']}`" in text
    assert f"Changed (1):\n\n- `{keys['changed']}`: title" in text
    assert f"Removed (1):\n\n- `{keys['removed']}`" in text
    assert "- (" + ", ".join(f"`{v}`" for v in keys["link"]) + ")" in text
    assert "**minor**: rows added (events)" in text
    assert text.count("### ") == 2


def test_schema_changes_call_for_a_major_bump(tmp_path):
    new = tmp_path / "new"
    shutil.copytree(PROCESSED, new)
    path = new / "actors.parquet"
    table = pq.read_table(path)
    pq.write_table(table.drop_columns(["iso2"]).append_column(pa.field("region", pa.string(), nullable=False),
                                                               pa.array(["x"] * table.num_rows)), path)
    (actors,) = [d for d in diff.compare(diff.read_build(PROCESSED), diff.read_build(new)) if not d.unchanged]
    assert (actors.columns_removed, actors.columns_added, actors.columns_required) == (["iso2"], ["region"],
                                                                                       ["region"])
    assert actors.changed == [] and actors.added == []
    level, why = diff.bump([actors])
    assert level == "major" and "actors.iso2" in why and "actors.region" in why


def test_against_nothing_every_table_is_new():
    diffs = diff.compare(diff.read_build("-"), diff.read_build(PROCESSED))
    assert [d.name for d in diffs] == list(TABLES)
    assert all(d.is_new and d.new_rows == pq.read_metadata(PROCESSED / f"{d.name}.parquet").num_rows
               for d in diffs)
    text = diff.diff("-", PROCESSED)
    assert "### " not in text and text.count("(new table)") == len(TABLES)


def test_identical_builds_have_no_changes():
    assert "No rows or columns changed." in diff.diff(PROCESSED, PROCESSED)


def test_command_line_prints_the_report_and_names_bad_folders(tmp_path, edited):
    new, _ = edited
    result = run_cli("diff", str(PROCESSED), str(new))
    assert result.returncode == 0, result.stderr
    assert result.stdout == diff.diff(PROCESSED, new)
    result = run_cli("diff", str(tmp_path / "missing"), str(PROCESSED))
    assert result.returncode == 1 and "missing: folder not found" in result.stderr
    assert "Traceback" not in result.stderr
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "events.parquet").write_bytes(b"not parquet")
    result = run_cli("diff", "-", str(tmp_path / "broken"))
    assert result.returncode == 1 and "events.parquet: not a readable Parquet file" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("args", [["only-one"], ["a", "b", "c"], ["--against-git", "HEAD", "a", "b"]])
def test_wrong_number_of_folders_is_a_usage_error(args, capsys):
    assert main(["diff", *args]) == 2
    assert "usage: aigov-timeline diff OLD NEW" in capsys.readouterr().err


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_against_git_compares_with_a_committed_build(tmp_path, edited):
    new, keys = edited
    repo = tmp_path / "repo"
    shutil.copytree(PROCESSED, repo / "data" / "processed")

    def git(*args):
        subprocess.run(["git", "-c", "user.name=test", "-c", "user.email=test@example.org", *args], cwd=repo,
                       check=True, capture_output=True)

    git("init", "-q")
    git("add", ".")
    git("commit", "-q", "-m", "release")
    for path in new.iterdir():
        shutil.copy(path, repo / "data" / "processed" / path.name)
    result = run_cli("diff", "--against-git", "HEAD", cwd=repo)
    assert result.returncode == 0, result.stderr
    assert result.stdout == diff.diff(PROCESSED, new)
    assert keys["added"] in result.stdout
    result = run_cli("diff", "--against-git", "no-such-rev", cwd=repo)
    assert result.returncode == 1 and "no-such-rev" in result.stderr and "Traceback" not in result.stderr
