"""The charts: valid Vega-Lite, built from the tables (same rows, counts and date bounds), reproducible,
offline, and bounded in size for a million events."""

from __future__ import annotations

import html
import json
import re

import jsonschema
import numpy as np
import pandas as pd
import pytest

import aigov_timeline as agt
from aigov_timeline import charts
from aigov_timeline.charts import gallery
from aigov_timeline.loaders import manifest
from aigov_timeline.loaders.views import participants
from conftest import CHARTS, REPO, run_cli, tree_digest

CHARTS_DIR = CHARTS


@pytest.fixture(scope="module")
def tables():
    return agt.load_all()


@pytest.fixture(scope="module")
def specs(tables):
    version = manifest()["data_version"]
    return {name: json.loads(gallery.spec_json(chart)) for name, chart in gallery.build_charts(tables, version).items()}


def inlined(spec: dict) -> list[pd.DataFrame]:
    return [pd.DataFrame(rows) for rows in spec["datasets"].values()]


def rows_with(spec: dict, column: str) -> list[pd.DataFrame]:
    """The inline datasets of a chart that have ``column``."""
    return [frame for frame in inlined(spec) if column in frame]


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
    data = max(rows_with(specs["timeline"], "event_id"), key=len)  # the others are subsets (the labelled events)
    events = tables["events"].set_index("event_id")
    assert sorted(data["event_id"]) == sorted(events.index)
    for row in data.itertuples():
        assert pd.Timestamp(row.date_start) == events.loc[row.event_id, "date_start"]
        assert pd.Timestamp(row.span_end) >= events.loc[row.event_id, "date_end"] + pd.Timedelta(days=1)
        assert row.date == events.loc[row.event_id, "date"]
    coarse = data[(data["date_precision"] != "day") | (data["end_date"].notna())]
    assert coarse["span"].all(), "multi-day events and month and year dates must be drawn as spans"
    assert not data.loc[~data.index.isin(coarse.index), "span"].any(), "a known day is a point"
    assert data["label"].notna().sum() == int(tables["events"]["featured"].sum())


def test_participation_counts_the_events_of_each_participant_and_year(specs, tables):
    data = pd.concat(rows_with(specs["actor_participation"], "participant"))  # states, then other bodies
    links = tables["event_actors"].assign(participant=participants(tables["event_actors"], tables["actors"],
                                                                   tables["event_actors"]))
    links["year"] = links["event_id"].map(tables["events"].set_index("event_id")["date_start"]).dt.year.astype(str)
    expected = links.groupby(["participant", "year"])["event_id"].nunique()
    for row in data.itertuples():
        assert row.events == expected[(row.participant, row.year)], row
    totals = expected.groupby(level="participant").sum()
    kinds = tables["actors"].set_index("actor_id")["actor_type"]
    for states in (True, False):
        kind = totals[(totals.index.map(kinds) == "state") == states]
        shown = set(data["participant"]) & set(kind.index)
        hidden = kind.drop(list(shown))
        assert shown and (hidden.empty or kind[list(shown)].min() >= hidden.max())


def test_theme_counts_are_the_statements_on_each_theme(specs, tables):
    (data,) = inlined(specs["themes"])
    themes = tables["statement_themes"].merge(tables["vocab_themes"], left_on="theme", right_on="code")
    for label, count in data.groupby("theme_label")["statements"].sum().items():
        assert count == themes.loc[themes["label"] == label, "statement_id"].nunique(), label
    voices = data.drop_duplicates("voice")
    assert voices["of_voice"].sum() == len(tables["statements"])
    assert np.allclose(data["share"], data["statements"] / data["of_voice"])


def test_followups_draw_each_relation_between_dated_documents(specs, tables):
    frames = inlined(specs["documents_followups"])
    edges = next(f for f in frames if "relation" in f)
    dated = set(tables["documents"].dropna(subset=["date_start"])["document_id"])
    rel = tables["document_relations"]
    expected = rel[rel["document_id"].isin(dated) & rel["related_document_id"].isin(dated)]
    assert sorted(zip(edges["document_id"], edges["related_document_id"])) == \
        sorted(zip(expected["document_id"], expected["related_document_id"]))


def test_html_is_offline():
    pages = list(CHARTS_DIR.glob("*.html"))
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert not re.search(r"<script[^>]+src=", text), page
        assert not re.search(r"<link[^>]+href=\"https?:", text), page
        assert not re.search(r"url\(\"?https?:", text), page
    with_charts = [page for page in pages if not page.name.startswith("versions-")]
    assert {page.stem for page in with_charts} == set(charts.CHARTS) | {"index"}
    assert all("vegaEmbed" in page.read_text(encoding="utf-8") for page in with_charts)


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


def test_highlight_marks_only_the_words_that_differ():
    assert gallery._highlight("To bridge the AI and digital divides", "the AI divide and") == \
        "the AI <ins>divide</ins> and"
    assert gallery._highlight("促进人工智能和数字基础设施联通", "促进人工智能与数字基础设施联通") == "促进人工智能<ins>与</ins>数字基础设施联通"
    assert gallery._highlight("<b>Same</b> words", "<b>same</b> words") == "&lt;b&gt;same&lt;/b&gt; words"


def test_each_document_with_versions_has_a_page_with_every_passage(tables):
    passages = tables["passages"]
    documents = sorted(tables["document_versions"]["document_id"].unique())
    assert documents, "no document has recorded versions"
    index = (CHARTS_DIR / "index.html").read_text(encoding="utf-8")
    for document_id in documents:
        page = (CHARTS_DIR / gallery.versions_file(document_id)).read_text(encoding="utf-8")
        assert f'href="{gallery.versions_file(document_id)}"' in index
        mine = passages[passages["document_id"] == document_id]
        assert page.count("<tr><th>") == 1 + mine["clause"].nunique()  # the head, and one row per clause
        plain = mine[mine["status"].isin(["reference", "same", "unaligned"])]
        for quote in plain["quote"]:
            assert html.escape(quote) in page, quote
