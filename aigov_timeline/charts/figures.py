"""The charts, built from the tables (DataFrames in, ``altair`` charts out; nothing read from files).

Each chart answers one question, stated in its title, and carries a source line with the data version. Each
function takes the tables it needs as keyword arguments with the table names (``events=...``), so
``timeline(**aigov_timeline.load_all(), version=...)`` works, and so does a user's own tables of the same schema.
Labels are human labels (vocabulary labels, names), placed in Python with the font's real metrics so that no text
covers other text. Tables larger than ``MAX_MARKS`` rows are aggregated before charting: a chart never inlines a
million rows and never hits Altair's row limit.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import altair as alt
import pandas as pd

from ..loaders.views import NO_FORUM, event_lanes, join_labels, participants, positions_of
from . import style
from .style import OTHER, WIDTH

MAX_MARKS = 2000
"""Above this many events, the timeline counts events per month and lane instead of drawing one mark each."""
MAX_LANES = 8
ONE_DAY = pd.Timedelta(days=1)
LANE_HEAD, MARK_ROW, LABEL_ROW, LANE_GAP = 24, 16, 17, 12
"""Timeline lane layout in pixels: the lane's name, the row of marks, each row of labels, the space below."""
MIN_SPAN = 7
"""The least width, in pixels, of a bar (a span of days, a month, a year), so that short spans stay visible."""
OTHER_LANE = "Other forums and hosts"
TIMELINE_QUESTION = "When and where did AI governance happen at and around the UN?"


def readable_names(names: pd.Series, shorts: pd.Series) -> pd.Series:
    """Names for a reader: a short name where it is a name (``Security Council``), not an acronym, and names
    nothing else (``Korea`` is also in ``Democratic People's Republic of Korea``); else the full name."""
    others = [str(n).casefold() for n in (*names, *shorts.dropna())]
    chosen = []
    for name, short in zip(names, shorts):
        usable = isinstance(short, str) and any(c.islower() for c in short)
        if usable:
            mine = {str(name).casefold(), short.casefold()}
            usable = not any(short.casefold() in other for other in others if other not in mine)
        chosen.append(style.plain(short if usable else name))
    return pd.Series(chosen, index=names.index)


def _names(actors: pd.DataFrame) -> pd.Series:
    return pd.Series(readable_names(actors["name"], actors["short_name"]).to_numpy(), index=actors["actor_id"])


def _clean(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with its text columns as pandas text (Altair writes a missing value of an object column as NaN,
    which is not JSON)."""
    frame = frame.copy()
    for column in frame.columns:
        values = frame[column]
        if values.dtype == object and all(isinstance(v, str) for v in values.dropna()):
            frame[column] = values.astype("str")
    return frame


def _labels(vocabulary: pd.DataFrame | None, codes: pd.Series) -> pd.Series:
    """The vocabulary labels of codes (the code itself, in words, where no vocabulary is given)."""
    if vocabulary is None or vocabulary.empty:
        return codes.astype(str).str.replace("_", " ").str.capitalize()
    return codes.map(vocabulary.set_index("code")["label"]).fillna(codes)


# --- timeline --------------------------------------------------------------------------------------------------

def _when(events: pd.DataFrame) -> pd.Series:
    """The date as a reader should see it: at its true precision, with the end date of a span."""
    when = events["date"].astype(str)
    return when.where(events["end_date"].isna(), when + " to " + events["end_date"].astype(str))


def _lanes(events: pd.DataFrame, actors=None, event_actors=None) -> pd.Series:
    """The lane of each event (``event_lanes``, with readable names): the MAX_LANES - 1 busiest, the rest grouped."""
    lanes = event_lanes(events, actors, event_actors)
    if actors is not None:
        lanes = lanes.map(dict(zip(actors["name"], _names(actors)))).fillna(lanes)
    return style.top_groups(lanes.where(lanes != NO_FORUM, OTHER_LANE), MAX_LANES - 1, OTHER_LANE)


def timeline_data(events: pd.DataFrame, actors: pd.DataFrame | None = None, documents=None, event_actors=None,
                  event_documents=None, vocab_event_types=None) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """The events with their lane, colour group, pixel row, span and label placement; the lanes; the x domain."""
    names = _names(actors) if actors is not None else pd.Series(dtype="str")
    frame = events[["event_id", "title", "event_type", "date", "end_date", "date_precision", "date_start",
                    "date_end", "forum_id"]].copy().reset_index(drop=True)
    frame["short_title"] = events["short_title"].to_numpy() if "short_title" in events else None
    frame["featured"] = events["featured"].fillna(False).astype(bool).to_numpy() if "featured" in events else False
    frame["lane"] = _lanes(frame, actors, event_actors)
    frame["type"] = style.top_groups(_labels(vocab_event_types, frame["event_type"]))
    frame["when"] = _when(frame)
    frame["precision"] = frame["date_precision"].map({"day": "the day", "month": "the month only",
                                                      "year": "the year only"})
    frame["documents"], frame["key_actors"] = None, None
    if documents is not None and event_documents is not None and not event_documents.empty:
        docs = event_documents.merge(documents[["document_id", "title", "un_symbol"]], on="document_id")
        frame["documents"] = frame["event_id"].map(join_labels(docs, "event_id", docs["un_symbol"].fillna(docs["title"])))
    if event_actors is not None and not event_actors.empty:
        key = event_actors[event_actors["role"].isin(["convener", "chair", "host", "co_host", "announcer",
                                                      "briefer", "adopting_body"])]
        frame["key_actors"] = frame["event_id"].map(join_labels(key, "event_id", key["actor_id"].map(names)))
    start = frame["date_start"].min() - pd.Timedelta(days=20)
    end = frame["date_end"].max() + pd.Timedelta(days=45)
    domain = {"start": start, "end": end, "days": (end - start).days}
    frame = frame.sort_values(["date_start", "event_id"]).reset_index(drop=True)
    frame["x"] = (frame["date_start"] - start).dt.days / domain["days"] * WIDTH
    frame["span"] = (frame["date_precision"] != "day") | (frame["date_end"] > frame["date_start"])
    least = frame["date_start"] + pd.Timedelta(days=MIN_SPAN / WIDTH * domain["days"]).ceil("h")
    frame["span_end"] = pd.concat([frame["date_end"] + ONE_DAY, least], axis=1).max(axis=1)
    lanes_frame = _place_labels(frame)
    return _clean(frame), lanes_frame, domain


@dataclass
class _Label:
    """A label's text lines, its box in pixels across, and the rows it takes below its lane's marks."""

    x: float
    lines: list[str]
    align: str
    left: float
    right: float
    row: int = 0

    GAP, PAD = 6, 4

    @classmethod
    def beside(cls, x: float, text: str) -> list[_Label]:
        """The ways to label a mark at ``x``: first on the side with room for it (the right, unless the left has
        more room and the right too little), then on the other side; each wrapped to the room on its side."""
        right_room, left_room = WIDTH - x - cls.GAP, x - cls.GAP
        first = "left" if right_room >= min(left_room, style.text_width(text, style.SMALL_SIZE)) else "right"
        return [cls.aligned(x, text, align, right_room if align == "left" else left_room)
                for align in (first, "right" if first == "left" else "left")]

    @classmethod
    def aligned(cls, x: float, text: str, align: str, room: float) -> _Label:
        lines = style.wrap(text, style.SMALL_SIZE, max(room, 80))
        width = max(style.text_width(line, style.SMALL_SIZE) for line in lines)
        if align == "left":
            return cls(x, lines, align, x + cls.GAP - cls.PAD, x + cls.GAP + width + cls.PAD)
        return cls(x, lines, align, x - cls.GAP - width - cls.PAD, x - cls.GAP + cls.PAD)

    @property
    def bottom(self) -> int:
        return self.row + len(self.lines)

    def covers(self, other: _Label) -> bool:
        """Whether this label's box spans the other's mark, so the other's leader must end above it."""
        return self.left < other.x < self.right

    def fits(self, row: int, placed: list[_Label], crossings: bool = False) -> bool:
        """Whether the label can take ``row``: it shares no row with a label it overlaps and, unless ``crossings``
        are allowed, no leader line (which runs from a mark down to its label's first row) crosses it and its own
        leader crosses no label."""
        for other in placed:
            if row < other.bottom and other.row < row + len(self.lines) and \
                    self.left < other.right and other.left < self.right:
                return False
            if not crossings and (self.covers(other) and row < other.row or other.covers(self) and other.row < row):
                return False
        return True


def _stack(ways: list[list[_Label]]) -> list[_Label]:
    """Choose one way to label each mark and give it the first row it fits in. A label goes after every label
    whose mark it spans, so their leaders end above it: the latest first, each on its first side if that spans no
    waiting mark, else on its other side. Where no order avoids it, a leader crosses a label."""
    chosen: dict[int, _Label] = {}
    waiting = sorted(range(len(ways)), key=lambda k: -ways[k][0].x)
    while waiting:
        k, label = next(((k, ways[k][side]) for side in (0, 1) for k in waiting
                         if not any(ways[k][side].covers(ways[j][0]) for j in waiting if j != k)),
                        (waiting[0], ways[waiting[0]][0]))
        waiting.remove(k)
        placed = list(chosen.values())
        free = sum(len(other.lines) for other in placed) + 1
        label.row = next((r for r in range(free) if label.fits(r, placed)), None)
        if label.row is None:
            label.row = next(r for r in itertools.count() if label.fits(r, placed, crossings=True))
        chosen[k] = label
    return [chosen[k] for k in range(len(ways))]


def _place_labels(frame: pd.DataFrame) -> pd.DataFrame:
    """Give each featured event a label beside its mark, in its own lane, on the first rows where it covers no
    other label and crosses no leader line (widths measured with the font): to the right of the mark, or to its
    left where there is more room, wrapped to the room there is (``_stack``). Then stack the lanes. Fills ``y`` (the
    marks), ``label`` (a list of lines), ``label_y``, ``label_align`` and returns one row per lane with its pixel
    band."""
    counts = frame["lane"].value_counts()
    order = sorted(counts.index, key=lambda lane: (lane == OTHER_LANE, -counts[lane], lane))
    text = frame["short_title"].where(frame["short_title"].notna(), frame["title"]).where(frame["featured"])
    text = text.map(style.plain)
    frame["label"], frame["label_align"], frame["row"] = None, None, 0
    rows_of_lane = {}
    for lane in order:
        rows = frame.index[(frame["lane"] == lane) & text.notna()]
        labels = _stack([_Label.beside(frame.at[i, "x"], text[i]) for i in rows])
        for i, label in zip(rows, labels):
            frame.at[i, "label"], frame.at[i, "label_align"], frame.at[i, "row"] = label.lines, label.align, label.row
        rows_of_lane[lane] = max((label.bottom for label in labels), default=0)
    lanes, top = [], 0.0
    for n, lane in enumerate(order):
        height = LANE_HEAD + MARK_ROW + LABEL_ROW * rows_of_lane[lane] + LANE_GAP
        inside = frame["lane"] == lane
        frame.loc[inside, "y"] = top + LANE_HEAD + MARK_ROW / 2
        frame.loc[inside, "label_y"] = top + LANE_HEAD + MARK_ROW + LABEL_ROW * (frame.loc[inside, "row"] + 0.75)
        lanes.append({"lane": lane, "top": top, "bottom": top + height, "head_y": top + 15, "shade": n % 2 == 0,
                      "about": f"Forum or host: {lane}"})
        top += height
    frame["leader_y2"] = frame["label_y"] - LABEL_ROW * 0.75
    frame["bar_top"], frame["bar_bottom"] = frame["y"] - 5, frame["y"] + 5
    frame["about"] = "Event: " + frame["title"] + "; forum or host: " + frame["lane"]
    return pd.DataFrame(lanes)


def timeline(events: pd.DataFrame, actors=None, documents=None, event_actors=None, event_documents=None,
             vocab_event_types=None, version: str | None = None, **_ignored) -> alt.TopLevelMixin:
    """Every event on a time axis, in lanes by forum (or by the state or body that held it), coloured by type.

    Events whose day is known are points; multi-day events and events known only to the month or year are bars
    over their whole span, so no day is invented. Featured events are labelled beside their own mark, in their
    own lane; hover over any mark for its details. Above ``MAX_MARKS`` events the chart counts events per month.
    """
    if len(events) > MAX_MARKS:
        return _timeline_counts(events, actors, event_actors, version)
    frame, lanes, domain = timeline_data(events, actors, documents, event_actors, event_documents, vocab_event_types)
    height = float(lanes["bottom"].max())
    x_scale = alt.Scale(domain=[domain["start"].strftime("%Y-%m-%d"), domain["end"].strftime("%Y-%m-%d")],
                        nice=False)
    x = alt.X("date_start:T", scale=x_scale, title=None,
              axis=alt.Axis(format="%b %Y", tickCount={"interval": "month", "step": 6}, labelAngle=0, grid=True,
                            orient="top", gridColor="#dcdcdc"))
    y = alt.Y("y:Q", scale=None, axis=None)
    types = sorted(frame["type"].unique(), key=lambda t: (t == OTHER, -(frame["type"] == t).sum(), t))
    color = alt.Color("type:N", title="Event type", scale=style.colour_scale(types), legend=alt.Legend(columns=4))
    tooltip = [alt.Tooltip("title:N", title="Event"), alt.Tooltip("when:N", title="Date"),
               alt.Tooltip("precision:N", title="Known to"), alt.Tooltip("type:N", title="Type"),
               alt.Tooltip("lane:N", title="Forum or host"), alt.Tooltip("documents:N", title="Documents"),
               alt.Tooltip("key_actors:N", title="Key actors")]
    band = alt.Chart(lanes.assign(start=domain["start"], end=domain["end"])).encode(
        x=alt.X("start:T", scale=x_scale), x2="end:T", y=alt.Y("top:Q", scale=None, axis=None), y2="bottom:Q")
    shade = band.transform_filter("datum.shade").mark_rect(color="#f3f4f6").encode(
        description=alt.Description("about:N"))
    heads = alt.Chart(lanes.assign(start=domain["start"])).mark_text(
        align="left", baseline="alphabetic", dx=6, fontSize=style.LABEL_SIZE, color="#333").encode(
        x=alt.X("start:T", scale=x_scale), y=alt.Y("head_y:Q", scale=None, axis=None), text="lane:N",
        description=alt.Description("about:N"))
    marks = alt.Chart(frame).encode(x=x, y=y, color=color, tooltip=tooltip)
    spans = marks.transform_filter("datum.span").mark_rect(cornerRadius=2, opacity=0.9).encode(
        x2="span_end:T", y=alt.Y("bar_top:Q", scale=None, axis=None), y2="bar_bottom:Q")
    points = marks.transform_filter("!datum.span").mark_circle(size=110, opacity=0.95, stroke="white",
                                                                strokeWidth=1)
    labelled = alt.Chart(frame[frame["label"].notna()])
    leaders = labelled.mark_rule(color="#777", strokeWidth=0.8).encode(
        x=alt.X("date_start:T", scale=x_scale), y=y, y2="leader_y2:Q")
    label_text = {"fontSize": style.SMALL_SIZE, "color": "#111", "baseline": "alphabetic", "lineHeight": LABEL_ROW}
    right = labelled.transform_filter("datum.label_align == 'left'").mark_text(align="left", dx=6, **label_text)
    left = labelled.transform_filter("datum.label_align == 'right'").mark_text(align="right", dx=-6, **label_text)
    label_encoding = {"x": alt.X("date_start:T", scale=x_scale), "y": alt.Y("label_y:Q", scale=None, axis=None),
                      "text": "label:N", "description": alt.Description("about:N"), "tooltip": tooltip}
    described = (f"{len(frame)} events from {frame['date'].iloc[0]} to {frame['date'].iloc[-1]}, in "
                 f"{len(lanes)} rows: {', '.join(lanes['lane'])}. {int(frame['label'].notna().sum())} headline events "
                 "are labelled.")
    chart = alt.layer(shade, heads, spans, points, leaders, right.encode(**label_encoding),
                      left.encode(**label_encoding)).properties(
        width=WIDTH, height=height, description=described,
        title=style.title(TIMELINE_QUESTION, version, "tables events, event_actors, event_documents",
                          "Each row is a forum: the UN body an event took place in, or, outside the UN, the state or "
                          "body that hosted or announced it.",
                          "Points are events whose day is known; bars span multi-day events, and months or years "
                          "where the day is unknown. Hover over a mark for its details."))
    return style.configure(chart)


def _timeline_counts(events: pd.DataFrame, actors=None, event_actors=None, version=None) -> alt.Chart:
    """Events per month and lane, for tables too large to draw one mark per event."""
    frame = pd.DataFrame({"month": events["date_start"].dt.to_period("M").dt.to_timestamp(),
                          "lane": _lanes(events, actors, event_actors)})
    counts = frame.groupby(["lane", "month"]).size().reset_index(name="events")
    chart = alt.Chart(counts).mark_rect().encode(
        x=alt.X("yearmonth(month):T", title=None), y=alt.Y("lane:N", title=None),
        color=alt.Color("events:Q", title="Events", scale=alt.Scale(scheme="blues")),
        tooltip=["lane:N", alt.Tooltip("yearmonth(month):T", title="Month"), "events:Q"],
    ).properties(width=WIDTH, title=style.title(TIMELINE_QUESTION, version, "table events",
                                                 f"{len(events):,} events, counted by the month they begin in."))
    return style.configure(chart)


# --- participation ---------------------------------------------------------------------------------------------

TOP_STATES, TOP_BODIES = 15, 10


def participation_data(event_actors: pd.DataFrame, actors: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """Events per participant and year: a person counts for the state or body they represented (``participants``);
    the states and the other bodies that took part in the most events."""
    rows = event_actors[["event_id", "actor_id"]].assign(
        participant=participants(event_actors, actors, event_actors))
    rows = rows.merge(events[["event_id", "date_start"]], on="event_id")
    rows["year"] = rows["date_start"].dt.year.astype(str)
    kinds = actors.set_index("actor_id")["actor_type"]
    rows["kind"] = rows["participant"].map(kinds).map(lambda t: "States" if t == "state" else
                                                      "Organisations, bodies and people")
    per = rows.drop_duplicates(["participant", "event_id"]).groupby(["kind", "participant", "year"]).size()
    per = per.rename("events").reset_index()
    totals = per.groupby(["kind", "participant"])["events"].sum().reset_index(name="total")
    keep = pd.concat([group.sort_values(["total", "participant"], ascending=[False, True]).head(
        TOP_STATES if kind == "States" else TOP_BODIES) for kind, group in totals.groupby("kind")])
    per = per.merge(keep, on=["kind", "participant"])
    per["name"] = per["participant"].map(_names(actors))
    return _clean(per.sort_values(["kind", "total", "name", "year"], ascending=[False, False, True, True]
                                  ).reset_index(drop=True))


def actor_participation(event_actors: pd.DataFrame, actors: pd.DataFrame, events: pd.DataFrame,
                        version: str | None = None, **_ignored) -> alt.TopLevelMixin:
    """The states, and the organisations and bodies, that took part in the most events, year by year."""
    data = participation_data(event_actors, actors, events)
    years = sorted(data["year"].unique())
    panels = []
    for kind in sorted(data["kind"].unique(), reverse=True):
        part = data[data["kind"] == kind]
        order = part.drop_duplicates("name")["name"].tolist()
        base = alt.Chart(part).encode(
            x=alt.X("year:O", sort=years, scale=alt.Scale(domain=years), title=None,
                    axis=alt.Axis(orient="top", labelAngle=0)),
            y=alt.Y("name:N", sort=order, title=None, axis=alt.Axis(labelLimit=300)),
            tooltip=[alt.Tooltip("name:N", title="Participant"), alt.Tooltip("year:O", title="Year"),
                     alt.Tooltip("events:Q", title="Events taken part in"),
                     alt.Tooltip("total:Q", title="All years")])
        cells = base.mark_rect(cornerRadius=3, stroke="white", strokeWidth=2).encode(
            color=alt.Color("events:Q", title="Events taken part in", legend=alt.Legend(orient="bottom"),
                            scale=alt.Scale(scheme="blues", domainMin=0, domainMax=int(data["events"].max()) + 1)))
        counts = base.mark_text(fontSize=style.LABEL_SIZE).encode(
            text="events:Q", color=alt.condition(f"datum.events > {data['events'].max() / 2}",
                                                 alt.value("white"), alt.value("#111")))
        panels.append((cells + counts).properties(width=72 * len(years), height=26 * len(order),
                                                  title=alt.Title(kind, anchor="start", fontSize=14)))
    busiest = data.drop_duplicates("name").head(3)
    chart = alt.vconcat(*panels, spacing=28).resolve_scale(color="shared").properties(
        description=f"Events taken part in per year, for {data['name'].nunique()} states, organisations and bodies; "
                    "the most active: " + ", ".join(f"{n} ({t} events)" for n, t in zip(busiest["name"],
                                                                                     busiest["total"])) + ".",
        title=style.title("Who takes part in AI governance at and around the UN, year by year?", version,
                          "tables event_actors, actors, events",
                          "Events each state, organisation or body took part in, in any role. A person counts for "
                          "the state or body they represented there.",
                          f"The {TOP_STATES} states and {TOP_BODIES} organisations and bodies seen at the most "
                          "events."))
    return style.configure(chart)


# --- themes ----------------------------------------------------------------------------------------------------

TOP_THEMES, TOP_VOICES = 12, 6
THEME_COLUMN = 104
"""Width in pixels of a voice's column."""


def themes_data(statements: pd.DataFrame, statement_themes: pd.DataFrame, actors: pd.DataFrame,
                event_actors: pd.DataFrame | None = None, vocab_themes=None) -> pd.DataFrame:
    """Statements per theme and voice: the state or body the speaker represented (``participants``); the voices
    with the most statements, and the most frequent themes (the rest grouped)."""
    event_actors = event_actors if event_actors is not None else pd.DataFrame(
        columns=["event_id", "actor_id", "on_behalf_of_id"])
    voice = participants(statements.rename(columns={"speaker_id": "actor_id"}), actors, event_actors)
    said = statements.assign(voice=voice.map(_names(actors)).fillna(voice))
    frame = statement_themes.merge(said[["statement_id", "voice"]], on="statement_id")
    frame["theme_label"] = style.top_groups(_labels(vocab_themes, frame["theme"]), TOP_THEMES, "Other themes")
    frame = frame[frame["theme_label"] != "Other themes"]
    frame["voice"] = style.top_groups(frame["voice"], TOP_VOICES, "All others")
    said["voice"] = said["voice"].where(said["voice"].isin(set(frame["voice"])), "All others")
    per_voice = said.groupby("voice").size()
    counts = frame.drop_duplicates(["statement_id", "theme_label"]).groupby(["voice", "theme_label"]).size()
    counts = counts.rename("statements").reset_index()
    counts["of_voice"] = counts["voice"].map(per_voice)
    counts["share"] = counts["statements"] / counts["of_voice"]
    counts["share_text"] = (counts["share"] * 100).round().astype(int).astype(str) + "%"
    counts["voice_axis"] = counts["voice"].map(lambda v: style.axis_lines(v, THEME_COLUMN - 10))
    return _clean(counts.sort_values(["voice", "theme_label"]).reset_index(drop=True))


def themes(statements: pd.DataFrame, statement_themes: pd.DataFrame, actors: pd.DataFrame, event_actors=None,
           vocab_themes=None, version: str | None = None, **_ignored) -> alt.TopLevelMixin:
    """How often each voice's statements raise each theme: the share of its statements, and their number."""
    data = themes_data(statements, statement_themes, actors, event_actors, vocab_themes)
    voices = data.drop_duplicates("voice").sort_values(["of_voice", "voice"], ascending=[False, True])
    voices = voices.assign(last=voices["voice"] == "All others").sort_values("last", kind="stable")["voice_axis"]
    totals = data.groupby("theme_label")["statements"].sum()
    themes_order = sorted(totals.index, key=lambda t: (-totals[t], t))
    base = alt.Chart(data).encode(
        x=alt.X("voice_axis:N", sort=voices.tolist(), title=None,
                axis=alt.Axis(orient="bottom", labelAngle=0, labelExpr=style.SPLIT_LINES, labelLineHeight=15)),
        y=alt.Y("theme_label:N", sort=themes_order, title=None, axis=alt.Axis(labelLimit=260)),
        tooltip=[alt.Tooltip("voice:N", title="Voice"), alt.Tooltip("theme_label:N", title="Theme"),
                 alt.Tooltip("statements:Q", title="Statements on it"),
                 alt.Tooltip("of_voice:Q", title="All its statements"), alt.Tooltip("share_text:N", title="Share")])
    cells = base.mark_rect(cornerRadius=3, stroke="white", strokeWidth=2).encode(
        color=alt.Color("share:Q", title="Share of the voice's statements",
                        legend=alt.Legend(format=".0%", values=[0, 0.25, 0.5, 0.75, 1], gradientLength=260,
                                          titleLimit=400),
                        scale=alt.Scale(scheme="purples", domainMin=0, domainMax=1)))
    counts = base.mark_text(fontSize=style.SMALL_SIZE).encode(
        text="statements:Q", color=alt.condition("datum.share > 0.5", alt.value("white"), alt.value("#111")))
    chart = (cells + counts).properties(
        width=THEME_COLUMN * len(voices), height=30 * len(themes_order),
        description=f"The {len(themes_order)} most frequent themes ({', '.join(themes_order[:3])}, ...) in the "
                    f"statements of {len(voices)} voices: {', '.join(data.drop_duplicates('voice')['voice'])}.",
        title=style.title("Which themes does each voice raise?", version,
                          "tables statements, statement_themes, actors",
                          "Colour: the share of a voice's statements that raise the theme; number: how many. A voice "
                          "is the state or body the speaker represented.",
                          f"The {TOP_VOICES} voices with the most statements (the rest grouped) and the {TOP_THEMES} "
                          "most frequent themes."))
    return style.configure(chart)


# --- follow-ups ------------------------------------------------------------------------------------------------

def document_labels(documents: pd.DataFrame) -> pd.Series:
    """Each document's label for a reader: its UN symbol where its short title is an acronym or absent; else its
    readable name (``readable_names``), wrapped where shown, never cut mid-word."""
    symbol = documents["un_symbol"].where(~documents["short_title"].fillna("").str.contains("[a-z]"))
    return symbol.fillna(readable_names(documents["title"], documents["short_title"]))


FOLLOWUP_LINE = 15


def _dense_start(dates: pd.Series) -> pd.Timestamp:
    """Where the time axis begins: the first of January of the earliest year with two texts, so that a single old
    text (the 2030 Agenda) does not squeeze the rest; older texts are drawn at the start, their date in the label."""
    years = dates.dt.year.value_counts().sort_index()
    busy = [year for year, n in years.items() if n >= 2]
    return pd.Timestamp(f"{busy[0] if busy else years.index[0]}-01-01")


def followups_data(documents: pd.DataFrame, document_relations: pd.DataFrame,
                   vocab_document_relations=None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The dated documents that take part in a relation, one row each in date order, and the relations between
    them as segments from row to row."""
    ids = set(document_relations["document_id"]) | set(document_relations["related_document_id"])
    nodes = documents[documents["date_start"].notna() & documents["document_id"].isin(ids)].copy()
    nodes = nodes.sort_values(["date_start", "document_id"]).reset_index(drop=True)
    start = _dense_start(nodes["date_start"])
    nodes["early"] = nodes["date_start"] < start
    names = document_labels(documents).to_numpy()
    nodes["label"] = nodes["document_id"].map(dict(zip(documents["document_id"], names)))
    nodes["label"] = nodes["label"].where(~nodes["early"], nodes["label"] + " (" + nodes["date"].astype(str) + ")")
    nodes["date_start"] = nodes["date_start"].where(~nodes["early"], start)
    nodes["lines"] = [style.wrap(text, style.SMALL_SIZE, 330) for text in nodes["label"]]
    nodes["height"] = nodes["lines"].map(len) * FOLLOWUP_LINE + 10
    nodes["y"] = nodes["height"].cumsum() - nodes["height"] / 2
    nodes["text_y"] = nodes["y"] - (nodes["lines"].map(len) - 1) * FOLLOWUP_LINE / 2  # the first line's middle
    place = nodes.set_index("document_id")[["date_start", "y", "label"]]
    edges = document_relations[document_relations["document_id"].isin(place.index)
                               & document_relations["related_document_id"].isin(place.index)].copy()
    edges["relation_label"] = style.top_groups(_labels(vocab_document_relations, edges["relation"]))
    for side, key in (("", "document_id"), ("_to", "related_document_id")):
        edges[f"date{side}"] = edges[key].map(place["date_start"])
        edges[f"y{side}"] = edges[key].map(place["y"])
        edges[f"label{side}"] = edges[key].map(place["label"])
    return _clean(nodes), _clean(edges.reset_index(drop=True))


def documents_followups(documents: pd.DataFrame, document_relations: pd.DataFrame, vocab_document_relations=None,
                        version: str | None = None, **_ignored) -> alt.TopLevelMixin:
    """The texts that drafted, followed up, implemented or referred to which others, over time."""
    nodes, edges = followups_data(documents, document_relations, vocab_document_relations)
    height = float(nodes["height"].sum())
    x = alt.X("date_start:T", title=None, axis=alt.Axis(format="%Y", tickCount="year", orient="top", grid=True,
                                                        labelAngle=0))
    y = alt.Y("y:Q", scale=None, axis=None)
    relations = sorted(edges["relation_label"].unique(), key=lambda r: (r == OTHER, -(edges["relation_label"] == r)
                                                                        .sum(), r))
    links = alt.Chart(edges.rename(columns={"date": "date_start"})).mark_rule(strokeWidth=2, opacity=0.85).encode(
        x=x, y=y, x2="date_to:T", y2="y_to:Q",
        color=alt.Color("relation_label:N", title="Relation", scale=style.colour_scale(relations)),
        tooltip=[alt.Tooltip("label:N", title="Text"), alt.Tooltip("relation_label:N", title="Relation"),
                 alt.Tooltip("label_to:N", title="Related text")])
    points = alt.Chart(nodes).mark_circle(size=70, color="#333").encode(
        x=x, y=y, tooltip=[alt.Tooltip("title:N", title="Text"), alt.Tooltip("un_symbol:N", title="Symbol"),
                           alt.Tooltip("date:N", title="Date")])
    start = nodes["date_start"].min()
    names = alt.Chart(nodes.assign(axis_start=start)).mark_text(
        align="right", baseline="middle", dx=-12, fontSize=style.SMALL_SIZE, color="#222",
        lineHeight=FOLLOWUP_LINE).encode(
        x=alt.X("axis_start:T", title=None), y=alt.Y("text_y:Q", scale=None, axis=None), text="lines:N")
    chart = alt.layer(names, links, points).properties(
        width=WIDTH - 360, height=height,
        description=f"{len(nodes)} dated texts from {nodes['date'].iloc[0]} to {nodes['date'].iloc[-1]}, joined by "
                    f"{len(edges)} relations: " + ", ".join(f"{n} {r.lower()}" for r, n in
                                                             edges["relation_label"].value_counts().items()) + ".",
        title=style.title("Which texts drafted, followed up or implemented which?", version,
                          "tables documents, document_relations",
                          "Each row is a dated text, in date order; a line joins it to the text it relates to.",
                          "Texts without a date are left out; older texts stand at the start of the axis, their "
                          "date after their name."))
    return style.configure(chart)


# --- positions -------------------------------------------------------------------------------------------------

POSITION_COLUMN = 120
"""Width in pixels of a text's column."""
VOTE_COLOURS = {"yes": "#009E73", "no": "#D55E00", "abstain": "#E69F00", "non_voting": "#999999"}
"""The colour of each code of ``vocab_votes`` (shown with its label)."""
NO_VOTE, NO_VOTE_COLOUR = "No vote recorded", "#f0f0f0"


def positions_data(**tables) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One row per state and text that a vote or sponsorship concerns: the vote at the last recorded stage, whether
    the state sponsored the text, and whether it spoke at a stage of it; and the texts with their column labels."""
    found = positions_of(**tables)
    documents = tables["documents"].set_index("document_id")
    concerned = found[found["part"].isin(["vote", "sponsorship"]) & found["text_id"].notna()]
    first = concerned.groupby("text_id")["date_start"].min()
    dated = pd.Series(first.index.map(documents["date_start"]), index=first.index).fillna(first)
    texts = sorted(first.index, key=lambda t: (pd.isna(dated[t]), dated[t] if pd.notna(dated[t]) else 0, t))
    votes = found[(found["part"] == "vote") & found["text_id"].isin(texts)].sort_values("date_start")
    last_vote = votes.drop_duplicates(["state_id", "text_id"], keep="last").set_index(["state_id", "text_id"])
    sponsors = found[(found["part"] == "sponsorship") & found["text_id"].isin(texts)]
    spoke = found[(found["part"] == "statement") & found["text_id"].isin(texts)]
    states = found[found["text_id"].isin(texts) & found["part"].isin(["vote", "sponsorship", "statement"])]
    states = states.drop_duplicates("state_id")[["state_id", "state"]]
    states["state"] = states["state"].map(style.plain)
    rows = [(s, st, t) for s, st in zip(states["state_id"], states["state"]) for t in texts]
    grid = pd.DataFrame(rows, columns=["state_id", "state", "text_id"])
    keys = pd.MultiIndex.from_frame(grid[["state_id", "text_id"]])
    grid["vote"] = last_vote["label"].reindex(keys).fillna(NO_VOTE).to_numpy()
    grid["sponsored"] = keys.isin(pd.MultiIndex.from_frame(sponsors[["state_id", "text_id"]]))
    grid["spoke"] = keys.isin(pd.MultiIndex.from_frame(spoke[["state_id", "text_id"]]))
    grid["sponsor_role"] = sponsors.drop_duplicates(["state_id", "text_id"]).set_index(["state_id", "text_id"])[
        "label"].reindex(keys).to_numpy()
    grid = grid[(grid["vote"] != NO_VOTE) | grid["sponsored"] | grid["spoke"]]
    labels = pd.DataFrame({"text_id": texts})
    labels["symbol"] = labels["text_id"].map(documents["un_symbol"])
    labels["name"] = labels["text_id"].map(document_labels(documents))
    labels["column"] = [style.axis_lines(name, POSITION_COLUMN - 12, style.SMALL_SIZE) for name in labels["name"]]
    grid = grid.merge(labels[["text_id", "column", "name"]], on="text_id")
    return _clean(grid.sort_values(["state", "text_id"]).reset_index(drop=True)), labels


def positions(version: str | None = None, **tables) -> alt.TopLevelMixin:
    """Every state with a recorded position on the UN's AI texts: which way it voted, what it sponsored, where it
    spoke."""
    grid, labels = positions_data(**tables)
    columns = labels["column"].tolist()
    states = sorted(grid["state"].unique())
    x = alt.X("column:N", sort=columns, title=None,
              axis=alt.Axis(orient="bottom", labelAngle=0, labelExpr=style.SPLIT_LINES, labelLineHeight=14,
                            labelFontSize=style.SMALL_SIZE, labelPadding=6))
    y = alt.Y("state:N", sort=states, title=None, axis=alt.Axis(labelLimit=260))
    tooltip = [alt.Tooltip("state:N", title="State"), alt.Tooltip("name:N", title="Text"),
               alt.Tooltip("vote:N", title="Vote"), alt.Tooltip("sponsor_role:N", title="Sponsorship"),
               alt.Tooltip("spoke:N", title="Spoke")]
    base = alt.Chart(grid).encode(x=x, y=y, tooltip=tooltip)
    vote_labels = tables["vocab_votes"].set_index("code")["label"]
    cells = base.mark_rect(stroke="white", strokeWidth=1.5).encode(
        color=alt.Color("vote:N", title="Vote (the last recorded stage)",
                        scale=alt.Scale(domain=[*(vote_labels.get(code, code) for code in VOTE_COLOURS), NO_VOTE],
                                        range=[*VOTE_COLOURS.values(), NO_VOTE_COLOUR])))
    shapes = alt.Scale(domain=["Sponsored the text", "Spoke at a stage of it"], range=["diamond", "circle"])
    symbols = [alt.Chart(grid[grid[flag]].assign(mark=mark)).mark_point(filled=True, size=50, color="#111").encode(
        x=alt.X("column:N", sort=columns, bandPosition=where), y=y, tooltip=tooltip,
        shape=alt.Shape("mark:N", title=None, scale=shapes))
        for flag, mark, where in (("sponsored", "Sponsored the text", 0.3), ("spoke", "Spoke at a stage of it", 0.7))]
    chart = alt.layer(cells, *symbols).resolve_scale(color="independent").properties(
        width=POSITION_COLUMN * len(columns), height=18 * len(states),
        description=f"{len(states)} states and {len(columns)} texts: "
                    f"{int((grid['vote'] != NO_VOTE).sum())} recorded votes, "
                    f"{int(grid['sponsored'].sum())} sponsorships, {int(grid['spoke'].sum())} statements.",
        title=style.title("Where did each state stand on the UN's AI texts?", version,
                          "tables votes, sponsorships, statements, events, documents",
                          "Colour: how the state voted at the last stage recorded (press releases name the states "
                          "that voted against or abstained, seldom those in favour).",
                          "Diamond: sponsored the text (or its draft); dot: spoke at one of its stages. Columns "
                          "are the texts, in date order, named below."))
    return style.configure(chart)


CHARTS = {
    "timeline": (timeline, "Timeline", "Every event on a time axis, in rows by forum and coloured by type. Points are "
                 "events whose day is known; bars span multi-day events and events known only to the month or year."),
    "positions": (positions, "Positions of states", "The states with a recorded vote, sponsorship or statement on "
                  "the General Assembly's and First Committee's AI texts, text by text."),
    "actor_participation": (actor_participation, "Participation", "The states, organisations and bodies that took "
                            "part in the most events, year by year; a person counts for the state or body they "
                            "represented."),
    "themes": (themes, "Themes", "The themes each voice raises, as a share of its statements."),
    "documents_followups": (documents_followups, "Texts and their follow-ups", "The texts over time, joined by "
                            "their relations: drafts to resolutions, and plans and texts to what they follow up or "
                            "implement."),
}
"""name -> (chart function, heading, caption)."""
