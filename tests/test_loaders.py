"""The loaders: typed, fresh, offline DataFrames; clear errors; cheap imports."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pandas as pd
import pytest

import aigov_timeline as agt
from aigov_timeline import loaders
from aigov_timeline.metadata import TABLE_NAMES
from conftest import PROCESSED


def test_unknown_table_lists_the_valid_names():
    with pytest.raises(ValueError) as info:
        agt.load("event")
    assert "unknown table 'event'" in str(info.value)
    for name in TABLE_NAMES:
        assert name in str(info.value)


def test_each_load_returns_a_fresh_frame():
    first = agt.load("events")
    first.loc[:, "title"] = "changed"
    assert (agt.load("events")["title"] != "changed").all()


def test_dates_come_back_as_datetime64():
    events = agt.load("events")
    assert str(events["date_start"].dtype) == "datetime64[ms]"
    assert isinstance(events["date_start"].iloc[0], pd.Timestamp)


def test_load_all_returns_every_table():
    tables = agt.load_all()
    assert list(tables) == list(TABLE_NAMES)
    assert all(isinstance(frame, pd.DataFrame) for frame in tables.values())


def test_timeline_has_one_row_per_event_in_date_order():
    events, line = agt.load("events"), agt.timeline()
    assert sorted(line["event_id"]) == sorted(events["event_id"])
    assert line["date_start"].is_monotonic_increasing
    links = agt.load("event_actors")
    names = agt.load("actors").set_index("actor_id")["name"]
    for row in links.itertuples():
        cell = line.loc[line["event_id"] == row.event_id, "actors"].iloc[0]
        assert f"{names[row.actor_id]} ({row.role})" in cell


def test_versions():
    assert agt.__version__
    assert agt.__data_version__ == loaders.manifest()["data_version"]


def test_import_and_load_all_stay_light():
    code = ("import sys, aigov_timeline as agt; agt.load_all(); agt.timeline(); "
            "print(sorted(m for m in ('altair', 'pandera', 'vl_convert') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.fixture
def copied_data(tmp_path, monkeypatch):
    folder = tmp_path / "processed"
    shutil.copytree(PROCESSED, folder)
    monkeypatch.setenv(loaders.files.DATA_ENV, str(folder))
    return folder


def test_verify_passes_on_intact_files(copied_data):
    report = agt.verify.__wrapped__() if hasattr(agt.verify, "__wrapped__") else loaders.verify()
    assert report["table"].tolist() == list(TABLE_NAMES)


@pytest.mark.parametrize("damage", ["change", "truncate", "delete"])
def test_verify_detects_damaged_files(copied_data, damage):
    path = copied_data / "events.parquet"
    data = path.read_bytes()
    if damage == "change":
        path.write_bytes(data[:100] + bytes([data[100] ^ 1]) + data[101:])
    elif damage == "truncate":
        path.write_bytes(data[: len(data) // 2])
    else:
        path.unlink()
    with pytest.raises(loaders.DataFileError) as info:
        loaders.verify()
    assert "events.parquet" in str(info.value) and "reinstall" in str(info.value)


def test_loading_a_corrupted_file_names_it(copied_data):
    (copied_data / "actors.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(loaders.DataFileError) as info:
        loaders.load("actors")
    assert "actors.parquet" in str(info.value) and "reinstall" in str(info.value)
