"""Exact checks of the shipped files against the metadata (in the style of vega-datasets' test_datapackage)."""

from __future__ import annotations

import hashlib
import json

import pyarrow.parquet as pq
import pytest

import aigov_timeline as agt
from aigov_timeline import build, schemas
from aigov_timeline.build import docs, write
from aigov_timeline.metadata import TABLE_NAMES, TABLES, pandas_dtype
from conftest import GENERATED_DOCS, PROCESSED, RAW

MANIFEST = json.loads((PROCESSED / "manifest.json").read_text())


def processed_tables():
    return {name: pq.read_table(PROCESSED / f"{name}.parquet") for name in TABLE_NAMES}


def test_manifest_lists_exactly_the_declared_tables():
    assert list(MANIFEST["tables"]) == list(TABLE_NAMES)
    parquet_files = sorted(p.stem for p in PROCESSED.glob("*.parquet"))
    assert parquet_files == sorted(TABLE_NAMES)


@pytest.mark.parametrize("name", TABLE_NAMES)
def test_manifest_matches_file(name):
    entry = MANIFEST["tables"][name]
    data = (PROCESSED / entry["path"]).read_bytes()
    assert entry["bytes"] == len(data)
    assert entry["sha256"] == hashlib.sha256(data).hexdigest()
    assert entry["rows"] == pq.read_metadata(PROCESSED / entry["path"]).num_rows


@pytest.mark.parametrize("name", TABLE_NAMES)
def test_parquet_schema_is_the_declared_schema(name):
    schema = pq.read_schema(PROCESSED / f"{name}.parquet")
    assert schema.equals(schemas.arrow_schema(TABLES[name], MANIFEST["data_version"]), check_metadata=True)
    for field in schema:
        assert field.metadata[b"description"].decode() == TABLES[name].column(field.name).description


@pytest.mark.parametrize("name", TABLE_NAMES)
def test_loaded_dtypes_are_the_declared_dtypes(name):
    frame = agt.load(name)
    assert list(frame.columns) == TABLES[name].column_names
    assert {c: str(t) for c, t in frame.dtypes.items()} == {c.name: pandas_dtype(c) for c in TABLES[name].columns}


@pytest.mark.parametrize("name", TABLE_NAMES)
def test_primary_keys_are_sorted_and_unique(name):
    frame = agt.load(name)
    key = list(TABLES[name].primary_key)
    assert not frame.duplicated(key).any()
    assert frame[key].equals(frame.sort_values(key)[key].reset_index(drop=True))


def test_datapackage_is_generated_from_the_metadata():
    tables = processed_tables()
    files = {name: {k: MANIFEST["tables"][name][k] for k in ("path", "bytes", "sha256")}
             for name in TABLE_NAMES}
    sources = schemas.package_sources(tables["sources"].to_pylist())
    expected = schemas.datapackage(build.check(RAW).dataset, write.categories(tables), files, sources)
    assert json.loads((PROCESSED / "datapackage.json").read_text()) == json.loads(json.dumps(expected))


def test_datapackage_declares_keys_and_categories():
    package = json.loads((PROCESSED / "datapackage.json").read_text())
    resources = {r["name"]: r for r in package["resources"]}
    events = resources["events"]["schema"]
    assert events["primaryKey"] == ["event_id"]
    assert {"fields": ["forum_id"], "reference": {"resource": "actors", "fields": ["actor_id"]}} in \
        events["foreignKeys"]
    event_type = next(f for f in events["fields"] if f["name"] == "event_type")
    assert event_type["categories"] == sorted(agt.load("vocab_event_types")["code"])
    actors = resources["actors"]["schema"]
    assert {"fields": ["parent_id"], "reference": {"fields": ["actor_id"]}} in actors["foreignKeys"]


def test_data_dictionary_is_fresh():
    expected = docs.data_dictionary(processed_tables(), MANIFEST["data_version"])
    assert (GENERATED_DOCS / "data-dictionary.md").read_text(encoding="utf-8") == expected


def test_data_dictionary_documents_every_column():
    text = (GENERATED_DOCS / "data-dictionary.md").read_text(encoding="utf-8")
    for table in TABLES.values():
        assert f"## `{table.name}`" in text
        for col in table.columns:
            assert f"| `{col.name}` | {col.type} |" in text


def test_committed_outputs_match_a_fresh_build():
    stale, _ = build.stale_outputs(build.check(RAW), PROCESSED, GENERATED_DOCS)
    assert stale == []


@pytest.mark.parametrize("name", TABLE_NAMES)
def test_pandera_schema_matches_metadata(name):
    schema = schemas.pandera_schema(TABLES[name])
    assert list(schema.columns) == TABLES[name].column_names
    for col in TABLES[name].columns:
        assert schema.columns[col.name].nullable == col.nullable
        assert schema.columns[col.name].description == col.description


@pytest.mark.parametrize("name", TABLE_NAMES)
def test_describe_is_the_metadata(name):
    described = agt.describe(name)
    assert described["column"].tolist() == TABLES[name].column_names
    assert described["description"].tolist() == [c.description for c in TABLES[name].columns]
    assert described["dtype"].tolist() == [pandas_dtype(c) for c in TABLES[name].columns]


def test_loader_docstring_lists_every_table():
    for table in TABLES.values():
        assert f"``{table.name}``: {table.description}" in agt.load.__doc__


def test_dates_are_never_invented():
    for name in ("events", "documents"):
        frame = agt.load(name)
        month = frame[frame["date_precision"] == "month"]
        assert (month["date"].str.len() == 7).all()
        assert (month["date_start"].dt.day == 1).all()
        assert (month["date_end"] > month["date_start"]).all()
        year = frame[frame["date_precision"] == "year"]
        assert (year["date"].str.len() == 4).all()


def test_shipped_tables_pass_validation():
    from aigov_timeline.build.validate import check_processed

    rows = check_processed(PROCESSED)
    assert rows == {name: entry["rows"] for name, entry in MANIFEST["tables"].items()}
