"""Joined, readable views of the tables: the timeline of events, the forum (lane) of each event."""

from __future__ import annotations

import pandas as pd

from .files import load


def join_labels(frame: pd.DataFrame, key: str, label: pd.Series) -> pd.Series:
    """The labels of each key's rows, sorted and joined with '; '."""
    return label.groupby(frame[key]).agg(lambda s: "; ".join(sorted(s.astype(str))))


def timeline() -> pd.DataFrame:
    """Events with their forum, documents and actors: one readable row per event, in date order."""
    events, actors, documents = load("events"), load("actors"), load("documents")
    names = actors.set_index("actor_id")["name"]
    event_docs = load("event_documents").merge(documents[["document_id", "title", "un_symbol"]], on="document_id")
    doc_label = event_docs["un_symbol"].fillna(event_docs["title"]) + " (" + event_docs["relation"] + ")"
    event_actors = load("event_actors")
    actor_label = event_actors["actor_id"].map(names) + " (" + event_actors["role"] + ")"
    out = events[["event_id", "date", "date_precision", "date_start", "date_end", "title", "event_type"]].copy()
    out["forum"] = events["forum_id"].map(names)
    out["documents"] = out["event_id"].map(join_labels(event_docs, "event_id", doc_label))
    out["actors"] = out["event_id"].map(join_labels(event_actors, "event_id", actor_label))
    return out.sort_values(["date_start", "date_precision", "event_id"], kind="stable").reset_index(drop=True)


NO_FORUM = "(no forum or host recorded)"
HOST_RANKS = {"host": 0, "co_host": 1, "convener": 2, "organiser": 3, "announcer": 4}
"""Roles whose actor's state names the lane of an event held outside a forum, first match first."""


def event_lanes(events: pd.DataFrame, actors=None, event_actors=None) -> pd.Series:
    """For each event: its forum's name, else ``Outside a forum: <state>``, else ``NO_FORUM``."""
    has_actors = actors is not None and not actors.empty
    names = actors.set_index("actor_id")["name"] if has_actors else pd.Series(dtype="str")
    return events["forum_id"].map(names).fillna(host_lanes(events, event_actors, actors)).fillna(NO_FORUM)


def host_lanes(events: pd.DataFrame, event_actors=None, actors=None) -> pd.Series:
    """For events held outside a forum: the state of the first host, convener or announcer, where recorded."""
    if event_actors is None or event_actors.empty or actors is None or "iso3" not in actors:
        return pd.Series(None, index=events.index, dtype="str")
    states = actors[actors["actor_type"] == "state"].drop_duplicates("iso3").set_index("iso3")["name"]
    country = actors.set_index("actor_id")["iso3"].map(states)
    hosts = event_actors[event_actors["role"].isin(list(HOST_RANKS))].assign(
        rank=lambda d: d["role"].map(HOST_RANKS), state=lambda d: d["actor_id"].map(country)).dropna(subset=["state"])
    first = hosts.sort_values(["event_id", "rank", "actor_id"]).drop_duplicates("event_id").set_index("event_id")
    return events["event_id"].map("Outside a forum: " + first["state"])
