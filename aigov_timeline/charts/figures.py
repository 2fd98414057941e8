"""Altair charts built from the tables (DataFrames in, ``altair`` charts out; nothing read from files).

Each function takes the tables it needs as keyword arguments with the table names (``events=...``), so
``timeline(**aigov_timeline.load_all())`` works, and so does a user's own tables of the same schema. Tables larger
than ``MAX_MARKS`` rows are aggregated in pandas before charting: a chart never inlines a million rows and never
hits Altair's row limit.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from ..loaders.views import NO_FORUM, event_lanes, join_labels

MAX_MARKS = 2000
"""Above this many events (or links), charts show counts per month instead of one mark per row."""
TOP = 30
WIDTH = 760
LABEL_CHARS = 42
POSITION_TEXTS = ("initiative", "action_plan", "declaration", "resolution", "compact", "report", "communique")
"""Document types whose statements are the text's own positions (shown as the text, not its issuer)."""
ONE_DAY = pd.Timedelta(days=1)


def _names(actors: pd.DataFrame | None) -> pd.Series:
    if actors is None or actors.empty:
        return pd.Series(dtype="str")
    return actors.set_index("actor_id")["name"]


def _joined(links: pd.DataFrame | None, key: str, label: pd.Series | None) -> pd.Series:
    if links is None or links.empty or label is None:
        return pd.Series(dtype="str")
    return join_labels(links, key, label.dropna())


def _when(events: pd.DataFrame) -> pd.Series:
    """The date as a reader should see it: at its true precision, with the end date of a span."""
    when = events["date"].astype(str)
    ends = events["end_date"]
    return when.where(ends.isna(), when + " to " + ends.astype(str))


def timeline_data(events: pd.DataFrame, actors=None, documents=None, event_actors=None,
                  event_documents=None) -> pd.DataFrame:
    """One row per event with its lane (forum), span, label and tooltip fields."""
    names = _names(actors)
    frame = events[["event_id", "title", "event_type", "date", "date_precision", "date_start", "date_end",
                    "forum_id"]].copy()
    frame["lane"] = event_lanes(frame, actors, event_actors)
    frame["when"] = _when(events)
    frame["span_end"] = frame["date_end"] + ONE_DAY
    frame["is_span"] = (frame["date_precision"] != "day") | (frame["date_end"] > frame["date_start"])
    if documents is not None and event_documents is not None and not event_documents.empty:
        docs = event_documents.merge(documents[["document_id", "title", "un_symbol"]], on="document_id",
                                     suffixes=("", "_doc"))
        frame["documents"] = frame["event_id"].map(_joined(docs, "event_id", docs["un_symbol"].fillna(docs["title"])))
    else:
        frame["documents"] = None
    if event_actors is not None and not event_actors.empty:
        key = event_actors[event_actors["role"].isin(["convener", "chair", "host", "co_host", "announcer", "briefer",
                                                      "adopting_body"])]
        frame["key_actors"] = frame["event_id"].map(_joined(key, "event_id", key["actor_id"].map(names) + " ("
                                                            + key["role"] + ")"))
    else:
        frame["key_actors"] = None
    featured = events["featured"] if "featured" in events else pd.Series(False, index=events.index)
    short = frame["title"].where(frame["title"].str.len() <= LABEL_CHARS,
                                 frame["title"].str.slice(0, LABEL_CHARS - 1).str.rstrip() + "…")
    frame["label"] = short.where(featured.astype(bool), None)
    frame = frame.drop(columns=["forum_id"]).sort_values(["date_start", "event_id"]).reset_index(drop=True)
    nth = frame.groupby(frame["label"].notna().map({True: "x", False: "y"}) + frame["lane"]).cumcount()
    frame["label_offset"] = (nth % 2).map({0: -12, 1: 14})
    return frame


def _lane_order(frame: pd.DataFrame) -> list[str]:
    counts = frame["lane"].value_counts()
    return sorted(counts.index, key=lambda lane: (lane == NO_FORUM, -counts[lane], lane))


def timeline(events: pd.DataFrame, actors=None, documents=None, event_actors=None, event_documents=None,
             **_ignored) -> alt.TopLevelMixin:
    """Every event on a time axis, in lanes by forum, coloured by type.

    Day-precision single-day events are points; multi-day events and month- or year-precision events are bars over
    their whole span, so no day is invented. Featured events are labelled. Above ``MAX_MARKS`` events the chart
    shows the number of events per month and lane.
    """
    if len(events) > MAX_MARKS:
        return _timeline_counts(events, actors)
    data = timeline_data(events, actors, documents, event_actors, event_documents)
    lanes = _lane_order(data)
    base = alt.Chart(data).encode(
        y=alt.Y("lane:N", sort=lanes, title=None, axis=alt.Axis(labelLimit=260)),
        color=alt.Color("event_type:N", title="Event type", scale=alt.Scale(scheme="tableau10")),
        tooltip=[alt.Tooltip("title:N", title="Event"), alt.Tooltip("when:N", title="Date"),
                 alt.Tooltip("date_precision:N", title="Precision"), alt.Tooltip("event_type:N", title="Type"),
                 alt.Tooltip("lane:N", title="Forum"), alt.Tooltip("documents:N", title="Documents"),
                 alt.Tooltip("key_actors:N", title="Key actors")],
    )
    x = alt.X("date_start:T", title=None, axis=alt.Axis(format="%b %Y", labelAngle=0, tickCount="month"))
    spans = base.transform_filter("datum.is_span").mark_bar(height=12, opacity=0.55, cornerRadius=2).encode(
        x=x, x2="span_end:T")
    points = base.transform_filter("!datum.is_span").mark_point(filled=True, size=90, opacity=0.9).encode(x=x)
    labels = base.transform_filter("datum.label != null").mark_text(
        align="left", dx=7, fontSize=10, color="#222").encode(
            x=x, text="label:N", yOffset=alt.YOffset("label_offset:Q", scale=None))
    return (spans + points + labels).properties(
        width=WIDTH, height=max(200, 44 * len(lanes)),
        title=alt.Title("AI governance events at and around the UN",
                        subtitle="Points: a known day. Bars: the whole span of a multi-day event, or the month or "
                                 "year of an event whose day is unknown."),
    )


def _timeline_counts(events: pd.DataFrame, actors=None) -> alt.Chart:
    names = _names(actors)
    frame = pd.DataFrame({
        "month": events["date_start"].dt.to_period("M").dt.to_timestamp(),
        "lane": events["forum_id"].map(names).fillna(NO_FORUM) if len(names) else NO_FORUM,
    })
    counts = frame.groupby(["lane", "month"]).size().reset_index(name="events")
    return alt.Chart(counts).mark_rect().encode(
        x=alt.X("yearmonth(month):T", title=None),
        y=alt.Y("lane:N", title=None),
        color=alt.Color("events:Q", title="Events", scale=alt.Scale(scheme="blues")),
        tooltip=["lane:N", alt.Tooltip("yearmonth(month):T", title="Month"), "events:Q"],
    ).properties(width=WIDTH, title=alt.Title("Events per month and forum",
                                              subtitle=f"{len(events):,} events, counted by the month they begin in"))


def participation_data(event_actors: pd.DataFrame, actors: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """The actors in the most events, one row per (actor, event, role)."""
    names = _names(actors)
    busiest = event_actors.groupby("actor_id")["event_id"].nunique().sort_values(ascending=False, kind="stable")
    keep = busiest.index[:TOP]
    frame = event_actors[event_actors["actor_id"].isin(keep)].merge(
        events[["event_id", "title", "date", "date_start"]], on="event_id")
    frame["actor"] = frame["actor_id"].map(names)
    frame["event"] = frame["date"] + " " + frame["title"].str.slice(0, 60)
    return frame[["actor", "actor_id", "event", "event_id", "date_start", "role", "title_at_event"]] \
        .sort_values(["date_start", "event_id", "actor_id", "role"]).reset_index(drop=True)


def actor_participation(event_actors: pd.DataFrame, actors: pd.DataFrame, events: pd.DataFrame,
                        **_ignored) -> alt.Chart:
    """Which actors took part in which events, and in what role (the most active actors)."""
    if len(event_actors) > MAX_MARKS:
        counts = event_actors.merge(actors[["actor_id", "name"]], on="actor_id").groupby(["name", "role"]).size()
        data = counts.reset_index(name="events").nlargest(TOP * 4, "events")
        return alt.Chart(data).mark_bar().encode(
            y=alt.Y("name:N", sort="-x", title=None), x=alt.X("events:Q", title="Events"), color="role:N",
        ).properties(width=WIDTH, title="Participation in events, by role")
    data = participation_data(event_actors, actors, events)
    order = data.drop_duplicates("event_id")["event"].tolist()
    actor_order = data["actor"].value_counts().sort_index().sort_values(ascending=False, kind="stable").index.tolist()
    return alt.Chart(data).mark_point(filled=True, size=110, opacity=0.85).encode(
        x=alt.X("event:N", sort=order, title=None, axis=alt.Axis(labelAngle=-50, labelLimit=220, labelFontSize=9)),
        y=alt.Y("actor:N", sort=actor_order, title=None),
        color=alt.Color("role:N", title="Role", scale=alt.Scale(scheme="tableau10")),
        shape=alt.Shape("role:N", title="Role"),
        tooltip=[alt.Tooltip("actor:N", title="Actor"), alt.Tooltip("role:N", title="Role"),
                 alt.Tooltip("title_at_event:N", title="Title at the time"), alt.Tooltip("event:N", title="Event")],
    ).properties(width=WIDTH, height=max(200, 18 * len(actor_order)),
                 title=alt.Title("Who took part in which event, and in what role",
                                 subtitle=f"The {len(actor_order)} actors seen at the most events"))


def themes_data(statements: pd.DataFrame, statement_themes: pd.DataFrame, actors: pd.DataFrame,
                documents: pd.DataFrame | None = None) -> pd.DataFrame:
    """Statements per theme and voice: the speaker, or the document for positions stated in a text."""
    names = _names(actors)
    if documents is not None:
        docs = documents[documents["document_type"].isin(POSITION_TEXTS)].set_index("document_id")
        titles = docs["short_title"].fillna(docs["title"])
    else:
        titles = pd.Series(dtype="str")
    voice = statements["speaker_id"].map(names)
    in_text = statements["event_id"].isna() & statements["document_id"].isin(titles.index)
    voice = voice.where(~in_text, statements["document_id"].map(titles).radd("Text: "))
    frame = statement_themes.merge(statements.assign(voice=voice)[["statement_id", "voice"]], on="statement_id")
    counts = frame.groupby(["voice", "theme"]).size().reset_index(name="statements")
    busiest = counts.groupby("voice")["statements"].sum().sort_values(ascending=False, kind="stable")
    return counts[counts["voice"].isin(busiest.index[:TOP])].sort_values(["voice", "theme"]).reset_index(drop=True)


def themes(statements: pd.DataFrame, statement_themes: pd.DataFrame, actors: pd.DataFrame, documents=None,
           **_ignored) -> alt.Chart:
    """How often each theme appears in each speaker's (or text's) statements."""
    data = themes_data(statements, statement_themes, actors, documents)
    voice_order = data.groupby("voice")["statements"].sum().sort_values(ascending=False, kind="stable").index
    theme_order = data.groupby("theme")["statements"].sum().sort_values(ascending=False, kind="stable").index
    return alt.Chart(data).mark_rect(cornerRadius=2).encode(
        x=alt.X("theme:N", sort=theme_order.tolist(), title=None, axis=alt.Axis(labelAngle=-40)),
        y=alt.Y("voice:N", sort=voice_order.tolist(), title=None, axis=alt.Axis(labelLimit=260)),
        color=alt.Color("statements:Q", title="Statements", scale=alt.Scale(scheme="purples")),
        tooltip=[alt.Tooltip("voice:N", title="Speaker or text"), alt.Tooltip("theme:N", title="Theme"),
                 alt.Tooltip("statements:Q", title="Statements")],
    ).properties(width=WIDTH, height=max(200, 18 * len(voice_order)),
                 title=alt.Title("Themes of the positions put forward",
                                 subtitle="Number of statements per theme, by speaker or by text"))


def followups_data(documents: pd.DataFrame, document_relations: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Dated documents that take part in a relation, and the relations between them as segments."""
    dated = documents[documents["date_start"].notna()]
    ids = set(document_relations["document_id"]) | set(document_relations["related_document_id"])
    nodes = dated[dated["document_id"].isin(ids)][["document_id", "title", "short_title", "un_symbol",
                                                   "document_type", "date", "date_start"]].copy()
    nodes["label"] = nodes["un_symbol"].fillna(nodes["short_title"]).fillna(nodes["title"].str.slice(0, 40))
    position = nodes[["document_id", "date_start", "document_type", "label"]]
    edges = document_relations.merge(position, on="document_id", how="left").merge(
        position.rename(columns=lambda c: "related_document_id" if c == "document_id" else f"{c}_to"),
        on="related_document_id", how="left")
    edges = edges.dropna(subset=["date_start", "date_start_to"])
    columns = ["document_id", "related_document_id", "relation", "date_start", "document_type", "label",
               "date_start_to", "document_type_to", "label_to"]
    return (nodes.sort_values(["date_start", "document_id"]).reset_index(drop=True),
            edges[columns].sort_values(["document_id", "related_document_id", "relation"]).reset_index(drop=True))


def documents_followups(documents: pd.DataFrame, document_relations: pd.DataFrame, **_ignored) -> alt.LayerChart:
    """Documents over time, by type, with lines for their relations (draft of, follows up, implements, ...)."""
    nodes, edges = followups_data(documents, document_relations)
    types = sorted(nodes["document_type"].unique())
    y = alt.Y("document_type:N", sort=types, title=None)
    x = alt.X("date_start:T", title=None, axis=alt.Axis(format="%b %Y", labelAngle=0))
    lines = alt.Chart(edges).mark_rule(strokeWidth=1.5, opacity=0.6).encode(
        x=x, y=y, x2="date_start_to:T", y2="document_type_to:N",
        color=alt.Color("relation:N", title="Relation", scale=alt.Scale(scheme="dark2")),
        tooltip=[alt.Tooltip("label:N", title="Document"), alt.Tooltip("relation:N", title="Relation"),
                 alt.Tooltip("label_to:N", title="Related document")],
    )
    points = alt.Chart(nodes).mark_point(filled=True, size=90, color="#444").encode(
        x=x, y=y, tooltip=[alt.Tooltip("title:N", title="Document"), alt.Tooltip("un_symbol:N", title="Symbol"),
                           alt.Tooltip("date:N", title="Date"), alt.Tooltip("document_type:N", title="Type")])
    labels = points.mark_text(align="left", dx=6, dy=-7, fontSize=9, color="#333").encode(text="label:N")
    return (lines + points + labels).properties(
        width=WIDTH, height=max(200, 45 * len(types)),
        title=alt.Title("Documents and their follow-ups",
                        subtitle="Each line links a document to the one it is a draft of, follows up, implements, "
                                 "or is part of. Undated documents are left out."))


CHARTS = {
    "timeline": (timeline, "Every event on a time axis, in lanes by forum and coloured by type. Points are events "
                 "whose day is known; bars span multi-day events and events known only to the month or year."),
    "actor_participation": (actor_participation, "The actors seen at the most events, and their role at each."),
    "themes": (themes, "How often each theme appears in the statements of each speaker, or of each text (for "
               "positions stated in a document such as the Global AI Governance Initiative)."),
    "documents_followups": (documents_followups, "Documents over time by type, joined by their relations: drafts "
                            "to resolutions, and plans and texts to what they follow up or implement."),
}
