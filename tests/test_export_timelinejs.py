"""The TimelineJS export: one slide per event at the date's true precision, grouped by forum, with the linked
documents and sources; byte-reproducible; and loaded by the real TimelineJS library in a headless browser."""

from __future__ import annotations

import functools
import html
import json
import re
import shutil
import subprocess
import threading
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pandas as pd
import pytest

import aigov_timeline as agt
from aigov_timeline import dates
from aigov_timeline.exports import export, timelinejs
from aigov_timeline.loaders import data_dir, manifest
from aigov_timeline.loaders.views import event_lanes
from conftest import machine_lock, run_cli
from test_browser import CAPTURE, FLAGS, chromium

TIMELINEJS = "@knight-lab/timelinejs@3.9.11"
DIST = Path("node_modules/@knight-lab/timelinejs/dist")
PARTS = {"day": {"year", "month", "day"}, "month": {"year", "month"}, "year": {"year"}}
ALLOWED_TAGS = {"p", "strong", "ul", "li", "a", "code"}


class Html(HTMLParser):
    """The tags, link targets and text of an HTML fragment."""

    def __init__(self, fragment: str):
        super().__init__()
        self.tags, self.hrefs, self.data = [], [], []
        self.feed(fragment)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.hrefs += [value for name, value in attrs if tag == "a" and name == "href"]

    def handle_data(self, data):
        self.data.append(data)

    @property
    def text(self) -> str:
        return "".join(self.data)


@pytest.fixture(scope="module")
def tables():
    return agt.load_all()


@pytest.fixture(scope="module")
def version():
    return manifest()["data_version"]


@pytest.fixture(scope="module")
def exported(tables, version, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("timelinejs")
    assert export("timelinejs", tables, out, version) == [out / "timeline.json"]
    return out / "timeline.json"


@pytest.fixture(scope="module")
def doc(exported) -> dict:
    return json.loads(exported.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def slides(doc) -> dict[str, dict]:
    return {slide["unique_id"]: slide for slide in doc["events"]}


@pytest.fixture(scope="module")
def events(tables) -> pd.DataFrame:
    return tables["events"].set_index("event_id")


def date_parts(date: dict) -> dict:
    return {k: v for k, v in date.items() if k != "display_date"}


def test_one_slide_per_event(doc, slides, events):
    assert len(doc["events"]) == len(events)
    assert set(slides) == set(events.index)


def test_dates_keep_their_true_precision(slides, events):
    for event_id, slide in slides.items():
        event = events.loc[event_id]
        start = slide["start_date"]
        assert set(date_parts(start)) == PARTS[event["date_precision"]], event_id
        parsed = dates.parse(event["date"])
        assert {k: getattr(parsed.start, k) for k in date_parts(start)} == date_parts(start), event_id
        assert start["display_date"] == event["date"]


def test_end_date_is_absent_exactly_when_the_event_has_none(slides, events):
    for event_id, slide in slides.items():
        end = events.loc[event_id, "end_date"]
        assert ("end_date" in slide) == pd.notna(end), event_id
        if pd.notna(end):
            assert set(date_parts(slide["end_date"])) == PARTS[dates.precision_of(end)], event_id
            assert slide["end_date"]["display_date"] == end
            assert slide["display_date"] == f"{events.loc[event_id, 'date']} to {end}"
        else:
            assert slide["display_date"] == events.loc[event_id, "date"]


def test_groups_are_forum_names_and_the_chart_lanes(slides, tables, events):
    names = tables["actors"].set_index("actor_id")["name"]
    frame = tables["events"]
    lanes = event_lanes(frame, tables["actors"], tables["event_actors"]).set_axis(frame["event_id"])
    with_forum = events["forum_id"].dropna()
    assert len(with_forum) > 0
    for event_id, slide in slides.items():
        assert slide["group"] == lanes[event_id], event_id
        if event_id in with_forum.index:
            assert slide["group"] == names[with_forum[event_id]], event_id


def test_slide_text_names_every_linked_document_and_source(slides, tables, events):
    docs = tables["event_documents"].merge(tables["documents"], on="document_id")
    sources = tables["event_evidence"].merge(tables["sources"], on="source_id")
    checked = 0
    for event_id, slide in slides.items():
        text = Html(slide["text"]["text"])
        for _, row in docs[docs["event_id"] == event_id].iterrows():
            assert (row["un_symbol"] if pd.notna(row["un_symbol"]) else row["title"]) in text.text, event_id
            if pd.notna(row["url"]):
                assert row["url"] in text.hrefs, event_id
            checked += 1
        for _, row in sources[sources["event_id"] == event_id].iterrows():
            if pd.notna(row["url"]):
                assert row["url"] in text.hrefs, event_id
                checked += 1
        assert event_id in text.text
        assert pd.isna(events.loc[event_id, "summary"]) or events.loc[event_id, "summary"] in text.text
    assert checked >= len(docs)


def test_text_is_escaped_html(tables, version):
    hostile = "<script>alert(1)</script> R&D \"quoted\" 'single' </p>"
    url = 'https://example.org/?a=1&b="2"'
    events = tables["events"].copy()
    events.loc[0, ["title", "summary", "location"]] = [hostile, hostile, hostile]
    sources = tables["sources"].copy()
    first_source = tables["event_evidence"].loc[tables["event_evidence"]["event_id"] == events.loc[0, "event_id"],
                                                 "source_id"].iloc[0]
    sources.loc[sources["source_id"] == first_source, ["title", "url"]] = [hostile, url]
    doc = timelinejs.timeline_json({**tables, "events": events, "sources": sources}, version)
    slide = next(s for s in doc["events"] if s["unique_id"] == events.loc[0, "event_id"])
    assert html.unescape(slide["text"]["headline"]) == hostile
    assert "<" not in slide["text"]["headline"]
    for one in doc["events"] + [doc["title"]]:
        parsed = Html(one["text"]["text"])
        assert set(parsed.tags) <= ALLOWED_TAGS
    text = Html(slide["text"]["text"])
    assert text.text.count(hostile) == 3
    assert url in text.hrefs


def test_title_slide(doc, version, events):
    title = doc["title"]
    assert "start_date" not in title
    assert title["unique_id"] not in events.index
    dataset = json.loads((data_dir() / "datapackage.json").read_text(encoding="utf-8"))
    assert html.unescape(title["text"]["headline"]) == dataset["title"]
    text = Html(title["text"]["text"]).text
    assert version in text
    assert f"{len(events)} events" in text


def test_export_is_byte_identical_and_independent_of_row_order(exported, tables, version, tmp_path):
    again = export("timelinejs", tables, tmp_path / "again", version)[0]
    shuffled = {name: frame.sample(frac=1, random_state=7) for name, frame in tables.items()}
    reordered = export("timelinejs", shuffled, tmp_path / "shuffled", version)[0]
    assert again.read_bytes() == exported.read_bytes()
    assert reordered.read_bytes() == exported.read_bytes()
    assert exported.read_text(encoding="utf-8").endswith("}\n")


def test_cli_writes_the_same_file(exported, tmp_path):
    result = run_cli("export", "--format", "timelinejs", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "timeline.json").read_bytes() == exported.read_bytes()


# --- the real client -------------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def timelinejs_dist(pytestconfig, tmp_path_factory) -> Path:
    """The built TimelineJS files from npm, installed once into the pytest cache."""
    cache = getattr(pytestconfig, "cache", None)
    name = re.sub(r"\W+", "-", TIMELINEJS).strip("-")
    root = cache.mkdir(name) if cache else tmp_path_factory.mktemp(name)
    dist = root / DIST
    with machine_lock("npm"):
        if (dist / "js" / "timeline.js").is_file() and (dist / "css" / "timeline.css").is_file():
            return dist
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail("npm is missing: install Node.js and npm (e.g. apt-get install npm) to run the TimelineJS "
                        "test")
        result = subprocess.run([npm, "install", "--no-save", "--no-audit", "--no-fund", "--prefix", str(root),
                                 TIMELINEJS], cwd=root, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, f"npm install {TIMELINEJS} failed:\n{result.stderr[-2000:]}"
        assert (dist / "js" / "timeline.js").is_file() and (dist / "css" / "timeline.css").is_file()
    return dist


PAGE = """<!doctype html>
<html><head><meta charset="utf-8">
{capture}
<link rel="stylesheet" href="timelinejs/css/timeline.css">
<script src="timelinejs/js/timeline.js"></script>
</head><body>
<div id="timeline-embed" style="width: 1200px; height: 700px"></div>
<script>
function report(ready) {{
  if (document.getElementById("test-report")) return;
  const slides = {{}};
  document.querySelectorAll(".tl-slide").forEach(el => {{
    slides[el.id] = Array.from(el.querySelectorAll(".tl-text-content a[href]")).map(a => a.getAttribute("href"));
  }});
  const pre = document.createElement("pre");
  pre.id = "test-report";
  pre.textContent = JSON.stringify({{
    ready: ready, errors: window.__errors, slides: slides,
    title_slides: Array.from(document.querySelectorAll(".tl-slide-titleslide")).map(el => el.id),
    markers: document.querySelectorAll(".tl-timemarker").length,
    groups: Array.from(document.querySelectorAll(".tl-timegroup-message")).map(el => el.textContent),
    messages: Array.from(document.querySelectorAll(".tl-message-full, .tl-message")).map(el => el.textContent),
  }});
  document.body.appendChild(pre);
}}
try {{
  const timeline = new TL.Timeline("timeline-embed", "timeline.json", {{font: null, hash_bookmark: false}});
  timeline.on("ready", () => setTimeout(() => report(true), 1000));
}} catch (e) {{
  window.__errors.push(String(e));
}}
setTimeout(() => report(false), 10000);
</script>
</body></html>
"""


@pytest.fixture
def served(tmp_path, exported, timelinejs_dist):
    """A local web server for the page, the exported JSON and the TimelineJS files (file:// blocks fetch)."""
    site = tmp_path / "site"
    site.mkdir()
    shutil.copy(exported, site / "timeline.json")
    (site / "timelinejs").symlink_to(timelinejs_dist, target_is_directory=True)
    (site / "index.html").write_text(PAGE.format(capture=CAPTURE), encoding="utf-8")

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/index.html"
    server.shutdown()
    server.server_close()


def test_timelinejs_renders_every_slide_without_errors(served, doc, tmp_path):
    result = subprocess.run([chromium(), *FLAGS, f"--user-data-dir={tmp_path / 'profile'}",
                             "--virtual-time-budget=15000", "--dump-dom", served],
                            capture_output=True, text=True, timeout=120)
    match = re.search(r'<pre id="test-report">(.*?)</pre>', result.stdout, flags=re.S)
    assert match, f"no report from the page; chromium said:\n{result.stderr[-2000:]}"
    report = json.loads(html.unescape(match.group(1)))
    assert report["errors"] == []
    assert report["ready"], report["messages"]
    assert report["messages"] == []
    assert report["title_slides"] == [doc["title"]["unique_id"]]
    expected = {slide["unique_id"]: Html(slide["text"]["text"]).hrefs for slide in doc["events"]}
    assert set(report["slides"]) == set(expected) | {doc["title"]["unique_id"]}
    for slide_id, hrefs in expected.items():
        assert report["slides"][slide_id] == hrefs, slide_id
    assert report["markers"] == len(doc["events"])
    assert sorted(report["groups"]) == sorted({slide["group"] for slide in doc["events"]})
