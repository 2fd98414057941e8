"""CSV and Frictionless exports checked by pandas and by the real ``frictionless`` validator, and SQL over the
tables through DuckDB."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pandas.testing as pdt
import pytest

import aigov_timeline as agt
from aigov_timeline.exports import FORMATS, csv, export
from aigov_timeline.metadata import TABLE_NAMES, TABLES, table
from conftest import run_cli, tree_digest


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return agt.load_all()


@pytest.fixture(scope="module")
def package(tmp_path_factory, tables) -> Path:
    out = tmp_path_factory.mktemp("package")
    export("datapackage", tables, out, agt.__data_version__)
    return out


def test_csv_round_trips_through_read_csv_with_the_declared_dtypes(tmp_path, tables):
    export("csv", tables, tmp_path, agt.__data_version__)
    assert sorted(p.stem for p in tmp_path.glob("*.csv")) == sorted(TABLE_NAMES)
    for name in TABLE_NAMES:
        back = pd.read_csv(tmp_path / f"{name}.csv", **csv.read_csv_options(table(name)))
        back = back.astype({c.name: "datetime64[ms]" for c in table(name).columns if c.type == "date32"})
        pdt.assert_frame_equal(back, tables[name], check_dtype=True, obj=name)


def test_csv_keeps_codes_as_text_and_dates_as_iso(tmp_path, tables):
    export("csv", tables, tmp_path, agt.__data_version__)
    actors = pd.read_csv(tmp_path / "actors.csv", dtype=str, keep_default_na=False)
    padded = tables["actors"]["m49"].dropna()
    assert padded.str.startswith("0").any(), "the data has M49 codes with a leading zero"
    assert set(padded) <= set(actors["m49"])
    events = pd.read_csv(tmp_path / "events.csv", dtype=str, keep_default_na=False)
    expected = tables["events"]["date_start"].dt.strftime("%Y-%m-%d")
    assert events["date_start"].tolist() == expected.tolist()
    assert set(events["date"]) == set(tables["events"]["date"])  # '2023-10' stays a month, not a day


def test_export_is_byte_identical_when_repeated(tmp_path, tables):
    for run in ("a", "b"):
        export("datapackage", tables, tmp_path / run, agt.__data_version__)
    assert tree_digest(tmp_path / "a") == tree_digest(tmp_path / "b")


def test_datapackage_declares_keys_categories_licenses_and_sources(package, tables):
    descriptor = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    assert descriptor["licenses"] and descriptor["version"] == agt.__data_version__
    assert {s["path"] for s in descriptor["sources"]} == set(tables["sources"]["url"].dropna())
    resources = {r["name"]: r for r in descriptor["resources"]}
    assert list(resources) == list(TABLE_NAMES)
    for name, spec in TABLES.items():
        schema = resources[name]["schema"]
        assert resources[name]["path"] == f"{name}.csv" and resources[name]["description"] == spec.description
        assert schema["primaryKey"] == list(spec.primary_key)
        declared = {(f["fields"][0], f["reference"].get("resource", name)) for f in schema.get("foreignKeys", [])}
        assert declared == {(c.name, c.references) for c in spec.foreign_keys}
        for field in schema["fields"]:
            column = spec.column(field["name"])
            assert field["description"] == column.description
            if column.is_vocabulary:
                assert field["categories"] == sorted(tables[column.references]["code"])


def test_frictionless_validates_the_package_foreign_keys_included(package):
    from frictionless import validate

    report = validate(package / "datapackage.json")
    assert report.valid, report.flatten(["resourceName", "rowNumber", "fieldName", "type", "note"])
    assert len(report.tasks) == len(TABLE_NAMES)


def corrupt(package: Path, name: str, column: str, value: str, tmp_path: Path) -> Path:
    """A copy of the package with one cell of one table changed (its hash dropped, so only the value is wrong)."""
    out = tmp_path / "corrupt"
    out.mkdir()
    for path in package.iterdir():
        (out / path.name).write_bytes(path.read_bytes())
    frame = pd.read_csv(out / f"{name}.csv", dtype=str, keep_default_na=False)
    frame.loc[0, column] = value
    frame.to_csv(out / f"{name}.csv", index=False, lineterminator="\n")
    descriptor = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    for resource in descriptor["resources"]:
        if resource["name"] == name:
            del resource["hash"], resource["bytes"]
    (out / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    return out


@pytest.mark.parametrize(("name", "column", "error"), [
    ("event_actors", "actor_id", "foreign-key"),      # a link to an actor that does not exist
    ("events", "event_type", "foreign-key"),          # a code missing from its vocabulary table
])
def test_frictionless_catches_a_broken_foreign_key(package, tmp_path, name, column, error):
    from frictionless import validate

    broken = corrupt(package, name, column, "act-nobody-at-all", tmp_path)
    report = validate(broken / "datapackage.json")
    errors = report.flatten(["resourceName", "rowNumber", "type", "note"])
    assert not report.valid
    assert any(e[2] == error and "act-nobody-at-all" in e[3] for e in errors), errors


def test_export_command_writes_each_format(tmp_path):
    for fmt in FORMATS:
        result = run_cli("export", "--format", fmt, str(tmp_path / fmt))
        assert result.returncode == 0, result.stderr
        assert any((tmp_path / fmt).iterdir())
    result = run_cli("export", "--format", "xlsx", str(tmp_path / "x"))
    assert result.returncode == 2 and "invalid choice" in result.stderr and "Traceback" not in result.stderr


ADOPTIONS = """
SELECT e.event_id, a.name AS adopted_by, string_agg(d.un_symbol, '; ' ORDER BY d.un_symbol) AS documents
FROM events e
JOIN event_actors ea ON ea.event_id = e.event_id AND ea.role = 'adopting_body'
JOIN actors a USING (actor_id)
LEFT JOIN event_documents ed ON ed.event_id = e.event_id
LEFT JOIN documents d USING (document_id)
GROUP BY e.event_id, a.name, e.date_start
ORDER BY e.date_start, e.event_id
"""


def test_duckdb_views_give_the_same_rows_as_the_loaders(tables):
    con = agt.connect()
    for name in TABLE_NAMES:
        assert con.execute(f"SELECT count(*) FROM {name}").fetchone()[0] == len(tables[name])
    types = {column: kind for column, kind, *_ in con.execute("DESCRIBE events").fetchall()}
    assert types["date_start"] == "DATE" and types["date"] == "VARCHAR" and types["featured"] == "BOOLEAN"


def test_duckdb_worked_example_matches_pandas(tables):
    got = agt.connect().sql(ADOPTIONS).df()
    ea, docs, actors = tables["event_actors"], tables["documents"], tables["actors"]
    adopting = ea[ea["role"] == "adopting_body"].merge(actors[["actor_id", "name"]], on="actor_id")
    linked = tables["event_documents"].merge(docs[["document_id", "un_symbol"]], on="document_id")
    symbols = linked.groupby("event_id")["un_symbol"].agg(lambda s: "; ".join(sorted(s.dropna())) or None)
    assert sorted(got["event_id"]) == sorted(adopting["event_id"])
    for row in got.itertuples():
        assert row.adopted_by == adopting.set_index("event_id").loc[row.event_id, "name"]
        expected = symbols.get(row.event_id)
        assert (None if pd.isna(row.documents) else row.documents) == (None if pd.isna(expected) else expected)
