"""The charts: valid Vega-Lite, built from the tables (same rows, counts and date bounds), reproducible,
offline, and bounded in size for a million events."""

from __future__ import annotations

import json
import re

import jsonschema
import numpy as np
import pandas as pd
import pytest

import aigov_timeline as agt
from aigov_timeline import charts
from aigov_timeline.charts import gallery
from conftest import CHARTS, REPO, run_cli, tree_digest

CHARTS_DIR = CHARTS


@pytest.fixture(scope="module")
def tables():
    return agt.load_all()


@pytest.fixture(scope="module")
def specs(tables):
    return {name: json.loads(gallery.spec_json(chart)) for name, chart in gallery.build_charts(tables).items()}


def inlined(spec: dict) -> list[pd.DataFrame]:
    return [pd.DataFrame(rows) for rows in spec["datasets"].values()]


@pytest.mark.parametrize("name", list(charts.CHARTS))
def test_spec_is_valid_vega_lite(specs, name):
    from altair.vegalite.v6.schema import load_schema

    jsonschema.validate(specs[name], load_schema())


@pytest.mark.parametrize("name", list(charts.CHARTS))
def test_committed_spec_is_the_generated_spec(specs, name):
    committed = json.loads((CHARTS_DIR / f"{name}.vl.json").read_text())
    made_with = json.loads((CHARTS_DIR / "manifest.json").read_text())["tools"]
    if made_with == gallery.tool_versions():
        assert committed == specs[name]
    else:  # another Altair writes other boilerplate; the chart data must still be the same
        assert committed["datasets"] == specs[name]["datasets"]


def test_timeline_shows_every_event_with_its_bounds(specs, tables):
    (data,) = inlined(specs["timeline"])
    events = tables["events"].set_index("event_id")
    assert sorted(data["event_id"]) == sorted(events.index)
    for row in data.itertuples():
        assert pd.Timestamp(row.date_start) == events.loc[row.event_id, "date_start"]
        assert pd.Timestamp(row.span_end) == events.loc[row.event_id, "date_end"] + pd.Timedelta(days=1)
        assert row.date == events.loc[row.event_id, "date"]
    coarse = data[data["date_precision"] != "day"]
    assert coarse["is_span"].all(), "month and year dates must be drawn as spans"
    assert data["label"].notna().sum() == int(tables["events"]["featured"].sum())


def test_participation_rows_are_event_actor_links(specs, tables):
    (data,) = inlined(specs["actor_participation"])
    links = set(zip(tables["event_actors"]["event_id"], tables["event_actors"]["actor_id"],
                    tables["event_actors"]["role"]))
    assert set(zip(data["event_id"], data["actor_id"], data["role"])) <= links
    busiest = tables["event_actors"].groupby("actor_id")["event_id"].nunique().max()
    assert data.groupby("actor_id")["event_id"].nunique().max() == busiest


def test_theme_counts_match_the_statements(specs, tables):
    (data,) = inlined(specs["themes"])
    statements = tables["statement_themes"]
    for theme, count in data.groupby("theme")["statements"].sum().items():
        assert count <= (statements["theme"] == theme).sum()
    assert set(data["theme"]) <= set(tables["vocab_themes"]["code"])
    expected = charts.themes_data(tables["statements"], statements, tables["actors"], tables["documents"])
    assert data["statements"].sum() == expected["statements"].sum()


def test_followups_draw_each_relation_between_dated_documents(specs, tables):
    frames = inlined(specs["documents_followups"])
    edges = next(f for f in frames if "relation" in f)
    dated = set(tables["documents"].dropna(subset=["date_start"])["document_id"])
    rel = tables["document_relations"]
    expected = rel[rel["document_id"].isin(dated) & rel["related_document_id"].isin(dated)]
    assert sorted(zip(edges["document_id"], edges["related_document_id"])) == \
        sorted(zip(expected["document_id"], expected["related_document_id"]))


def test_html_is_offline():
    for page in CHARTS_DIR.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert not re.search(r"<script[^>]+src=", text), page
        assert "vegaEmbed" in text
        assert not re.search(r"<link[^>]+href=\"https?:", text), page


def test_charts_are_fresh_and_regeneration_is_byte_identical(tmp_path):
    assert run_cli("charts", "--check", "--out", str(CHARTS), cwd=REPO).returncode == 0
    for n in ("a", "b"):
        result = run_cli("charts", "--out", str(tmp_path / n), cwd=REPO)
        assert result.returncode == 0, result.stderr
    assert tree_digest(tmp_path / "a") == tree_digest(tmp_path / "b")


def test_check_mode_notices_a_stale_chart(tmp_path):
    out = tmp_path / "charts"
    assert run_cli("charts", "--out", str(out), cwd=REPO).returncode == 0
    (out / "themes.svg").write_text("<svg/>")
    result = run_cli("charts", "--check", "--out", str(out), cwd=REPO)
    assert result.returncode == 1 and "themes.svg" in result.stderr


def synthetic_events(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    start = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 1000, n), unit="D")
    return pd.DataFrame({
        "event_id": [f"evt-synthetic-{i}" for i in range(n)], "title": "Synthetic event",
        "event_type": rng.choice(["meeting", "adoption", "summit"], n), "date": start.strftime("%Y-%m-%d"),
        "date_precision": "day", "end_date": None, "date_start": start, "date_end": start,
        "forum_id": rng.choice(["act-un-general-assembly", "act-un-security-council", None], n),
        "featured": False,
    })


def test_a_million_events_chart_small(tables):
    events = synthetic_events(1_000_000)
    spec = charts.timeline(events, actors=tables["actors"]).to_json()
    assert len(spec) < 1_000_000
    counts = sum(row["events"] for rows in json.loads(spec)["datasets"].values() for row in rows)
    assert counts == len(events)
