"""A Knight Lab TimelineJS 3 JSON file of the events (https://timeline.knightlab.com/docs/json-format.html).

One slide per event, in date order. Dates keep their true precision: TimelineJS reads a date object without
``day`` as a month and one without ``month`` as a year, so no day is invented. Each slide's ``group`` is the
event's forum (or the hosting state, as in the timeline chart), its ``unique_id`` the ``event_id``, and its text
the summary with the linked documents and the sources behind the event.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import pandas as pd

from ..loaders.views import event_lanes
from .datapackage import shipped_dataset

FILENAME = "timeline.json"
TITLE_ID = "aigov-timeline-title"
DEFAULT_TITLE = "aigov-timeline"


def write(tables: dict[str, pd.DataFrame], out: Path, version: str) -> list[Path]:
    """Write ``out/timeline.json``; returns the file written."""
    path = out / FILENAME
    text = json.dumps(timeline_json(tables, version), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    path.write_text(text, encoding="utf-8")
    return [path]


def timeline_json(tables: dict[str, pd.DataFrame], version: str) -> dict:
    """The TimelineJS document: a title slide and one slide per event, sorted by start date and ID."""
    events = tables["events"].sort_values(["date_start", "event_id"], kind="stable").reset_index(drop=True)
    groups = event_lanes(events, tables.get("actors"), tables.get("event_actors"))
    documents = _documents_html(tables)
    sources = _sources_html(tables)
    slides = [_slide(row, group, documents.get(row["event_id"], ""), sources.get(row["event_id"], ""))
              for row, group in zip(events.to_dict("records"), groups)]
    return {"title": _title_slide(events, version), "events": slides, "scale": "human"}


def date_object(value: str) -> dict:
    """A TimelineJS date with only the parts the recorded date has, displayed as recorded."""
    parts = dict(zip(("year", "month", "day"), (int(p) for p in value.split("-"))))
    return {**parts, "display_date": value}


def _slide(event: dict, group: str, documents: str, sources: str) -> dict:
    slide = {
        "unique_id": event["event_id"],
        "start_date": date_object(event["date"]),
        "display_date": event["date"],
        "group": group,
        "text": {"headline": _h(event["title"]), "text": _event_html(event, documents, sources)},
        "autolink": False,
    }
    if _present(event["end_date"]):
        slide["end_date"] = date_object(event["end_date"])
        slide["display_date"] = f"{event['date']} to {event['end_date']}"
    return slide


def _event_html(event: dict, documents: str, sources: str) -> str:
    parts = []
    if _present(event["summary"]):
        parts.append(f"<p>{_h(event['summary'])}</p>")
    if _present(event["location"]):
        parts.append(f"<p>Location: {_h(event['location'])}</p>")
    if documents:
        parts.append(f"<p><strong>Documents</strong></p><ul>{documents}</ul>")
    if sources:
        parts.append(f"<p><strong>Sources</strong></p><ul>{sources}</ul>")
    parts.append(f"<p>Event ID: <code>{_h(event['event_id'])}</code></p>")
    return "".join(parts)


def _documents_html(tables: dict[str, pd.DataFrame]) -> dict[str, str]:
    """event_id -> the ``<li>`` items of its documents: symbol and title, linked where a URL is recorded."""
    links, documents = tables.get("event_documents"), tables.get("documents")
    if links is None or documents is None or links.empty:
        return {}
    labels = _vocabulary_labels(tables, "vocab_event_document_relations")
    rows = links.merge(documents[["document_id", "title", "un_symbol", "url"]], on="document_id")
    items = {}
    for row in rows.sort_values(["event_id", "document_id", "relation"]).to_dict("records"):
        name = row["un_symbol"] if _present(row["un_symbol"]) else row["title"]
        title = f": {_h(row['title'])}" if _present(row["un_symbol"]) else ""
        relation = _h(labels.get(row["relation"], row["relation"]))
        items.setdefault(row["event_id"], []).append(
            f"<li>{_link(name, row['url'])}{title} ({relation})</li>")
    return {event_id: "".join(parts) for event_id, parts in items.items()}


def _sources_html(tables: dict[str, pd.DataFrame]) -> dict[str, str]:
    """event_id -> the ``<li>`` items of the sources its evidence quotes: title and publisher, linked."""
    evidence, sources = tables.get("event_evidence"), tables.get("sources")
    if evidence is None or sources is None or evidence.empty:
        return {}
    rows = evidence[["event_id", "source_id"]].drop_duplicates().merge(
        sources[["source_id", "title", "publisher", "url"]], on="source_id")
    items = {}
    for row in rows.sort_values(["event_id", "source_id"]).to_dict("records"):
        name = row["title"] if _present(row["title"]) else row["source_id"]
        publisher = f", {_h(row['publisher'])}" if _present(row["publisher"]) else ""
        items.setdefault(row["event_id"], []).append(f"<li>{_link(name, row['url'])}{publisher}</li>")
    return {event_id: "".join(parts) for event_id, parts in items.items()}


def _title_slide(events: pd.DataFrame, version: str) -> dict:
    dataset = shipped_dataset()
    span = f" from {_h(events['date'].iloc[0])} to {_h(events['date'].iloc[-1])}" if len(events) else ""
    about = f"<p>{_h(dataset['description'])}</p>" if _present(dataset.get("description")) else ""
    text = (f"{about}<p>{len(events)} events{span}, each with its documents and sources. "
            f"Data version {_h(version)}.</p>")
    return {"unique_id": TITLE_ID, "text": {"headline": _h(dataset.get("title", DEFAULT_TITLE)), "text": text},
            "autolink": False}


def _vocabulary_labels(tables: dict[str, pd.DataFrame], name: str) -> dict[str, str]:
    vocabulary = tables.get(name)
    return {} if vocabulary is None else dict(zip(vocabulary["code"], vocabulary["label"]))


def _link(text: str, url) -> str:
    if not _present(url):
        return _h(text)
    return f'<a href="{html.escape(url, quote=True)}">{_h(text)}</a>'


def _h(text: str) -> str:
    """Text escaped for HTML element content."""
    return html.escape(text, quote=False)


def _present(value) -> bool:
    return isinstance(value, str) and value != ""
