"""Joined, readable views of the tables: the timeline of events and the lane of each, who took part and the state
each actor represented, the positions of states, and the versions of a document."""

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


NO_FORUM = "No forum or host recorded"
HOST_RANKS = {"host": 0, "co_host": 1, "convener": 2, "co_convener": 3, "organiser": 4, "announcer": 5}
"""Roles whose actor places an event held outside a forum, first match first."""


def event_lanes(events: pd.DataFrame, actors=None, event_actors=None) -> pd.Series:
    """For each event: the name of its forum (the body it took place in); for an event outside any forum, the state
    or body that hosted, convened, organised or announced it (a person counts for the state or body they acted for,
    as in ``participants``); else ``NO_FORUM``."""
    if actors is None or actors.empty:
        return pd.Series(NO_FORUM, index=events.index, dtype="str")
    names = actors.set_index("actor_id")["name"]
    lanes = events["forum_id"].map(names)
    if event_actors is not None and not event_actors.empty:
        hosts = event_actors[event_actors["role"].isin(list(HOST_RANKS))]
        hosts = hosts.assign(rank=hosts["role"].map(HOST_RANKS),
                             host=participants(hosts, actors, event_actors).map(names))
        first = hosts.dropna(subset=["host"]).sort_values(["event_id", "rank", "actor_id"]).drop_duplicates("event_id")
        lanes = lanes.fillna(events["event_id"].map(first.set_index("event_id")["host"]))
    return lanes.fillna(NO_FORUM).astype("str")


# --- positions of states --------------------------------------------------------------------------------------

STATE_TYPES = ("state",)
MAX_PARENTS = 10


def state_of(actors: pd.DataFrame) -> pd.Series:
    """actor_id -> the state the actor is, or belongs to through its parent organisations (a ministry's state, a
    spokesperson's ministry's state); missing for actors outside any state (UN bodies, independent experts)."""
    parents = actors.set_index("actor_id")["parent_id"]
    is_state = actors.set_index("actor_id")["actor_type"].isin(STATE_TYPES)
    found = pd.Series(is_state.index.where(is_state), index=is_state.index, dtype="object")
    current = parents
    for _ in range(MAX_PARENTS):
        step = current.map(lambda a: a if is_state.get(a, False) else None)
        found = found.fillna(step)
        current = current.map(parents)
        if current.isna().all():
            break
    return found


def _acting(event_actors: pd.DataFrame) -> pd.Series:
    """(event_id, actor_id) -> the actor it acted for at that event (``on_behalf_of_id``)."""
    acting = event_actors.dropna(subset=["on_behalf_of_id"]).drop_duplicates(["event_id", "actor_id"])
    return acting.set_index(["event_id", "actor_id"])["on_behalf_of_id"]


def _at_event(lookup: pd.Series, rows: pd.DataFrame, actor: str) -> pd.Series:
    """``lookup[(event_id, actor)]`` for each row; missing where it has none, or the rows have no ``event_id``."""
    events = rows["event_id"] if "event_id" in rows else pd.Series(None, index=rows.index, dtype="object")
    keys = pd.MultiIndex.from_arrays([events, rows[actor]])
    return pd.Series(lookup.reindex(keys).to_numpy(), index=rows.index, dtype="object")


def representation(actors: pd.DataFrame, event_actors: pd.DataFrame):
    """The function ``rows -> represented state`` of ``represented_states``, with its lookups made once."""
    states, acting = state_of(actors), _acting(event_actors)

    def represented(rows: pd.DataFrame, actor: str = "actor_id") -> pd.Series:
        acted_for = _at_event(acting, rows, actor)
        return acted_for.map(states).where(acted_for.notna(), rows[actor].map(states))
    return represented


def participants(rows: pd.DataFrame, actors: pd.DataFrame, event_actors: pd.DataFrame,
                 actor: str = "actor_id") -> pd.Series:
    """For each row (an ``actor`` column and an ``event_id`` column, which may be missing): who took part, counted
    as the charts count it. The state the actor represented there (``represented_states``); else the body it acted
    for there (``on_behalf_of_id``) or belongs to (a person's ``parent_id``); else the actor itself."""
    state = representation(actors, event_actors)(rows, actor)
    people = actors.set_index("actor_id")
    parent = rows[actor].map(people["parent_id"].where(people["actor_type"] == "person"))
    return state.fillna(_at_event(_acting(event_actors), rows, actor)).fillna(parent).fillna(rows[actor])


def represented_states(rows: pd.DataFrame, actors: pd.DataFrame, event_actors: pd.DataFrame,
                       actor: str = "actor_id") -> pd.Series:
    """For each row (an ``actor`` column and an ``event_id`` column, which may be missing): the state that actor
    represents there. At an event, the state it acted for there (``event_actors.on_behalf_of_id``, itself resolved
    through ``state_of``) comes first; otherwise the state the actor is or belongs to. A person is never resolved by
    nationality: an expert who briefs a meeting represents no state."""
    return representation(actors, event_actors)(rows, actor)


POSITION_COLUMNS = ["state_id", "state", "iso3", "m49", "event_id", "document_id", "text_id", "date", "date_start",
                    "part", "code", "label", "actor_id", "statements"]


def _texts(documents: pd.DataFrame, document_relations: pd.DataFrame, event_documents: pd.DataFrame
           ) -> tuple[pd.Series, pd.Series]:
    """document_id -> its text (a draft's resolution, else itself); event_id -> the text the event adopted."""
    drafts = document_relations.query("relation == 'draft_of'").drop_duplicates("document_id")
    of_document = documents.set_index("document_id").index.to_series()
    of_document.update(drafts.set_index("document_id")["related_document_id"])
    adopted = event_documents.query("relation == 'adopted'").assign(
        text=lambda d: d["document_id"].map(of_document)).sort_values(["event_id", "text"])
    return of_document, adopted.drop_duplicates("event_id").set_index("event_id")["text"]


def positions_of(actors: pd.DataFrame, events: pd.DataFrame, documents: pd.DataFrame, votes: pd.DataFrame,
                 sponsorships: pd.DataFrame, statements: pd.DataFrame, event_actors: pd.DataFrame,
                 event_documents: pd.DataFrame, document_relations: pd.DataFrame, vocab_votes: pd.DataFrame,
                 vocab_sponsorship_roles: pd.DataFrame, vocab_event_roles: pd.DataFrame, **_ignored) -> pd.DataFrame:
    """``positions()`` from tables given as DataFrames (a user's own build, or the charts)."""
    of_document, of_event = _texts(documents, document_relations, event_documents)
    represented = representation(actors, event_actors)
    parts = []
    vote_rows = votes.assign(part="vote", code=votes["vote"], document_id=None)
    vote_rows["state_id"] = represented(vote_rows)
    parts.append(vote_rows)
    sponsor_rows = sponsorships.assign(part="sponsorship", code=sponsorships["role"], event_id=None)
    sponsor_rows["state_id"] = represented(sponsor_rows)
    parts.append(sponsor_rows)
    spoke = statements.assign(actor_id=statements["speaker_id"])
    spoke = spoke.assign(state_id=represented(spoke), part="statement", code="spoke")
    spoke = (spoke.dropna(subset=["state_id"]).groupby(["state_id", "event_id", "document_id", "actor_id"],
                                                       dropna=False).size().rename("statements").reset_index()
             .assign(part="statement", code="spoke"))
    parts.append(spoke)
    roles = event_actors.assign(part="event_role", code=event_actors["role"], document_id=None)
    roles["state_id"] = represented(roles)
    parts.append(roles)
    labels = pd.concat([vocab_votes.assign(part="vote"), vocab_sponsorship_roles.assign(part="sponsorship"),
                        vocab_event_roles.assign(part="event_role"),
                        pd.DataFrame({"code": ["spoke"], "label": ["Spoke"], "part": ["statement"]})])
    found = pd.concat([p.dropna(subset=["state_id"]) for p in parts], ignore_index=True)
    found["statements"] = found.get("statements")
    found = found.merge(labels[["part", "code", "label"]], on=["part", "code"], how="left")
    states = actors.set_index("actor_id")
    found["state"] = found["state_id"].map(states["name"])
    found["iso3"], found["m49"] = found["state_id"].map(states["iso3"]), found["state_id"].map(states["m49"])
    found["text_id"] = found["document_id"].map(of_document).fillna(found["event_id"].map(of_event))
    dated = pd.concat([events.set_index("event_id")[["date", "date_start"]],
                       documents.set_index("document_id")[["date", "date_start"]]])
    where = found["event_id"].fillna(found["document_id"])
    found["date"], found["date_start"] = where.map(dated["date"]), where.map(dated["date_start"])
    found["statements"] = found["statements"].astype("Int16")
    text = [c for c in POSITION_COLUMNS if c not in ("date_start", "statements")]
    found[text] = found[text].astype("str")
    order = ["date_start", "state", "part", "code", "event_id", "document_id", "actor_id"]
    return found[POSITION_COLUMNS].sort_values(order, na_position="last", kind="stable").reset_index(drop=True)


def positions() -> pd.DataFrame:
    """How each state took part in each event and text: one row per state, event or document, and way of taking part.

    ``part`` says how: ``vote`` (``code`` yes, no, abstain or non_voting), ``sponsorship`` (main_sponsor,
    co_sponsor, introduced_on_behalf_of), ``statement`` (spoke; ``statements`` counts them) or ``event_role``
    (host, chair, convener, speaker, participant, …); ``label`` is the code's label. A person or a ministry counts
    for the state it represents (``represented_states``): at an event, the state it acted for there; else the state
    it belongs to. ``text_id`` is the text the row concerns: a sponsored draft's resolution, or the text an event
    adopted. Join ``iso3`` or ``m49`` to a country table (docs/positions.md)."""
    names = ("actors", "events", "documents", "votes", "sponsorships", "statements", "event_actors", "event_documents",
             "document_relations", "vocab_votes", "vocab_sponsorship_roles", "vocab_event_roles")
    return positions_of(**{name: load(name) for name in names})


# --- versions of a document -----------------------------------------------------------------------------------

VERSION_COLUMNS = ["clause", "language", "version_id", "kind", "official", "status", "quote", "reference",
                   "similarity", "computed", "publisher", "source_id"]


def versions_of(document_id: str, document_versions: pd.DataFrame, passages: pd.DataFrame) -> pd.DataFrame:
    """``versions()`` from tables given as DataFrames."""
    mine = document_versions[document_versions["document_id"] == document_id]
    if mine.empty:
        known = sorted(document_versions["document_id"].unique())
        raise LookupError(f"{document_id} has no recorded versions; documents with versions: {', '.join(known)}")
    rows = passages[passages["document_id"] == document_id].merge(
        mine[["version_id", "language", "kind", "official", "publisher"]], on="version_id")
    references = rows[rows["status"] == "reference"].set_index(["clause", "language"])["quote"]
    keys = pd.MultiIndex.from_arrays([rows["clause"], rows["language"]])
    rows["reference"] = references.reindex(keys).to_numpy()
    rank = {kind: i for i, kind in enumerate(("original", "official_translation", "excerpt", "abridgement",
                                               "unofficial_translation", "draft"))}
    rows = rows.assign(_rank=rows["kind"].map(rank), _reference=rows["status"] != "reference")
    ordered = rows.sort_values(["clause", "language", "_reference", "_rank", "version_id"], kind="stable")
    return ordered[VERSION_COLUMNS].reset_index(drop=True)


def versions(document_id: str) -> pd.DataFrame:
    """A document's versions side by side, clause by clause: one row per clause and version, with the version's
    language and kind, the status of its passage (reference, same, reworded, missing, contradicts, unaligned), the
    passage itself and the clause's reference wording in that language. Raises LookupError for a document without
    recorded versions (the message lists those that have some)."""
    return versions_of(document_id, load("document_versions"), load("passages"))
