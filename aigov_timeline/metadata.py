"""Every table and column of the dataset, declared once.

Each table says where its rows come from in ``data/raw/`` (``raw``: a folder of records, a list nested in another
table's records, or a list in a file) and which special rules apply to it (``rules``: country codes, stored texts,
counts). Everything else derives from these declarations: the raw reader and the checks of the build, the Arrow
write schemas, the pandera schemas, the pandas dtypes the loaders return, ``datapackage.json``, the generated docs,
``describe()`` and the loader docstrings. Adding a table means declaring it here and writing its data.

This module imports nothing heavy, so loading a table stays cheap.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

ID_SLUG = r"[a-z0-9]+(?:-[a-z0-9]+)*"
DATE_PATTERN = r"^[0-9]{4}(?:-[0-9]{2}(?:-[0-9]{2})?)?$"
CODE_PATTERN = r"^[a-z][a-z0-9_]*$"
QID_PATTERN = r"^Q[1-9][0-9]*$"
VOCABULARY_FOLDER = "vocabularies"
SPONSOR_TYPES = ("state", "intergovernmental_group")
"""Who can sponsor a text or cast a vote: a state, or a group of states acting as one."""

#: Arrow type name -> (frictionless type, pandas dtype returned by the loaders)
TYPES = {
    "string": ("string", "str"),
    "date32": ("date", "datetime64[ms]"),
    "bool": ("boolean", "boolean"),
    "int16": ("integer", "Int16"),
}


@dataclass(frozen=True)
class Column:
    """One column: its type, meaning and constraints."""

    name: str
    type: str
    description: str
    example: object = None
    nullable: bool = False
    pattern: str | None = None
    references: str | None = None
    """Table whose primary key this column refers to (a foreign key); vocabulary tables included."""
    raw: str | None = ""
    """Key in the raw YAML record ("" = same as the column name; None = derived by the build). A dotted key
    (``votes.yes``) reads a value inside a mapping."""
    unique: bool = False
    default: object = None
    """Value used when the raw record leaves the key out (None = the key is required unless nullable)."""
    quoted: bool = False
    """The value must appear in one of the record's evidence quotes (a Wikidata QID, a Chinese title)."""
    referenced_types: tuple[str, ...] = ()
    """For a reference to ``actors``: the actor types it may point to."""
    field_list: bool = False
    """The raw value is a list of the enclosing record's field names, stored space-separated."""

    @property
    def raw_key(self) -> str | None:
        return self.name if self.raw == "" else self.raw

    @property
    def is_vocabulary(self) -> bool:
        return bool(self.references and self.references.startswith("vocab_"))


# --- where rows come from in data/raw/ ------------------------------------------------------------------------

@dataclass(frozen=True)
class Records:
    """One record per file in a folder of ``data/raw/`` (or a ``records:`` list in a file of that folder)."""

    folder: str


@dataclass(frozen=True)
class Nested:
    """A list of mappings under ``key`` in the records of table ``parent``; the column that refers to the parent
    is filled from it."""

    parent: str
    key: str


@dataclass(frozen=True)
class Items:
    """A list of plain values under ``key`` in the records of table ``parent``: one row per value, in ``column``."""

    parent: str
    key: str
    column: str


@dataclass(frozen=True)
class FileList:
    """A list of mappings under ``key`` in one file of ``data/raw/``."""

    path: str
    key: str


# --- rules that apply to some tables ---------------------------------------------------------------------------

@dataclass(frozen=True)
class CountryCodes:
    """A raw ``country`` (name or ISO code) gives the ISO 3166 and M49 columns; rows whose ``when`` column has the
    ``value`` must give it."""

    raw: str = "country"
    columns: tuple[str, str, str] = ("iso2", "iso3", "m49")
    when: tuple[str, str] = ("actor_type", "state")


@dataclass(frozen=True)
class StoredText:
    """Each row names a text stored under ``folder`` of ``data/raw/`` and its SHA-256; the build reads the text,
    checks the checksum and searches the quotes that cite the row in it."""

    path: str = "text_path"
    checksum: str = "text_sha256"
    folder: str = "texts"


@dataclass(frozen=True)
class Tally:
    """Rows of this table counted by ``value`` against totals on the ``parent`` row: the named rows of a value never
    exceed its total, and equal it where the parent says the list is ``complete``."""

    parent: str
    value: str
    totals: tuple[tuple[str, str], ...]
    """(value, column of the parent holding its total)"""
    complete: tuple[tuple[str, str], ...] = ()
    """(value, column of the parent saying whether every row of that value is listed)"""


@dataclass(frozen=True)
class Table:
    """One table: its columns, keys, where its rows come from in ``data/raw/`` and the rules that apply to it."""

    name: str
    kind: str  # "entity", "evidence", "link" or "vocabulary"
    description: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    raw: tuple[Records | Nested | Items | FileList, ...] = ()
    rules: tuple[CountryCodes | StoredText | Tally, ...] = ()
    join: str = ""
    """How users join this table to others or to outside data (shown in the data dictionary)."""
    date_columns: tuple[str, ...] = field(default=())

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def foreign_keys(self) -> list[Column]:
        return [c for c in self.columns if c.references]

    @property
    def folder(self) -> str | None:
        """The raw folder of this table's records, for a table of records."""
        return next((r.folder for r in self.raw if isinstance(r, Records)), None)

    def rule(self, kind: type):
        """This table's rule of one kind, or None."""
        return next((r for r in self.rules if isinstance(r, kind)), None)

    def parent_column(self, parent: str) -> str:
        """The column that holds the key of the enclosing record of table ``parent`` (for nested rows)."""
        return next(c.name for c in self.columns if c.references == parent)

    @property
    def pair(self) -> tuple[str, str] | None:
        """For a link table: the two key columns that refer to rows of data tables."""
        keys = [k for k in self.primary_key if (ref := self.column(k).references) and not ref.startswith("vocab_")]
        return (keys[0], keys[1]) if self.kind == "link" and len(keys) >= 2 else None


def _id(name: str, prefix: str, what: str, example: str, **kw) -> Column:
    return Column(name, "string", f"Identifier of the {what}.", example, pattern=rf"^{prefix}-{ID_SLUG}$", **kw)


def _ref(name: str, table: str, prefix: str, what: str, example: str, raw: str | None = "", nullable=False) -> Column:
    return Column(name, "string", what, example, nullable=nullable, pattern=rf"^{prefix}-{ID_SLUG}$",
                  references=table, raw=raw)


def _code(name: str, vocab: str, what: str, example: str, raw: str | None = "", nullable=False) -> Column:
    return Column(name, "string", f"{what} A code of `{vocab}`.", example, nullable=nullable,
                  pattern=CODE_PATTERN, references=vocab, raw=raw)


def _text(name: str, what: str, example: str | None = None, nullable=True, raw: str | None = "", **kw) -> Column:
    return Column(name, "string", what, example, nullable=nullable, raw=raw, **kw)


def _date(prefix: str, what: str, example: str, nullable: bool, raw: str | None = "") -> tuple[Column, ...]:
    """The true date value with its precision, and the derived date32 bounds."""
    value = f"{prefix}" if prefix else "date"
    stem = f"{prefix}_" if prefix else "date_"
    return (
        Column(value, "string", f"{what}, at its true precision: `YYYY-MM-DD`, `YYYY-MM` or `YYYY`. "
               "A month or year is never stored as a day.", example, nullable=nullable, pattern=DATE_PATTERN,
               raw=raw),
        Column(f"{stem}precision", "string", f"Precision of `{value}` (derived from its form). A code of "
               "`vocab_date_precisions`.", "day", nullable=nullable, pattern=CODE_PATTERN,
               references="vocab_date_precisions", raw=None),
    )


def _bounds(stem: str, what: str, nullable: bool) -> tuple[Column, ...]:
    return (
        Column(f"{stem}start", "date32", f"First day {what} can fall on (derived, for sorting and filtering).",
               "2023-07-18", nullable=nullable, raw=None),
        Column(f"{stem}end", "date32", f"Last day {what} can fall on (derived; spans the whole month or year "
               "for coarser dates, and the end date for multi-day events).", "2023-07-18", nullable=nullable,
               raw=None),
    )


CONFIDENCE = _code("confidence", "vocab_confidence", "How the facts of this row were established.",
                   "official_record")
NOTES = _text("notes", "Curator notes: how vague references were identified, conflicts between sources, "
              "what is unknown and why.")
WIKIDATA = Column("wikidata_qid", "string", "Wikidata item ID, recorded only where a cited source shows it (an "
                  "evidence quote holds it).", "Q1065", nullable=True, pattern=QID_PATTERN, quoted=True)
SUMMARY = _text("summary", "One or two neutral sentences.")


def _citation(what: str) -> tuple[Column, ...]:
    return (
        _ref("source_id", "sources", "src", f"The source that supports {what}.", "src-un-press-sc-15359",
             raw="source"),
        Column("quote", "string", f"Verbatim words of the source that support {what}; the build checks they "
               "occur in the stored source text.", "at a UN Security Council briefing on artificial intelligence"),
    )


def _link_notes() -> Column:
    return _text("notes", "Curator notes on this link.")


def _evidence_table(parent: str, key: str, prefix: str, example: str) -> Table:
    singular = parent[:-1]
    return Table(
        name=f"{singular}_evidence",
        kind="evidence",
        description=f"The sources and verbatim quotes behind each {singular}: at least one row per {singular}.",
        columns=(
            _ref(key, parent, prefix, f"The {singular} this quote supports.", example, raw=None),
            *_citation(f"the {singular}"),
            Column("supports", "string", f"Space-separated names of the {singular} fields this quote backs, or "
                   "`occurrence` (a list in the raw record).", "date title", nullable=True, field_list=True),
        ),
        primary_key=(key, "source_id", "quote"),
        raw=(Nested(parent, "evidence"),),
        join=f"`{key}` → `{parent}`; `source_id` → `sources`.",
    )


def _vocabulary(name: str, what: str, example: str) -> Table:
    return Table(
        name=f"vocab_{name}",
        kind="vocabulary",
        description=f"Controlled vocabulary: {what}.",
        columns=(
            Column("code", "string", "The code used in the data.", example, pattern=CODE_PATTERN),
            Column("label", "string", "Human-readable label.", example.replace("_", " ").capitalize()),
            Column("definition", "string", "What the code means, in one sentence.", None),
        ),
        primary_key=("code",),
        raw=(FileList(f"{VOCABULARY_FOLDER}/{name}.yaml", "codes"),),
        join="`code` is referenced by the columns listed under *Referenced by*.",
    )


EVENTS = Table(
    name="events",
    kind="entity",
    description="One row per real-world occurrence: a meeting, an adoption, an announcement, a publication, "
    "a summit, a seminar, a press conference.",
    columns=(
        _id("event_id", "evt", "event", "evt-2023-07-18-unsc-ai-briefing", raw="id", unique=True),
        _text("title", "Short English headline of the event.", "Security Council briefing on artificial "
              "intelligence", nullable=False),
        _text("short_title", "A label of a few words for charts (for featured events).",
              "First Security Council meeting on AI"),
        _code("event_type", "vocab_event_types", "What kind of event this is.", "meeting", raw="type"),
        *_date("date", "The day, month or year the event happened (or began)", "2023-07-18", nullable=False),
        Column("end_date", "string", "Last day (or month) of a multi-day event, at its true precision; null for "
               "single-day events.", "2024-07-06", nullable=True, pattern=DATE_PATTERN),
        *_bounds("date_", "the event", nullable=False),
        _ref("forum_id", "actors", "act", "The body or conference in which the event took place.",
             "act-un-security-council", raw="forum", nullable=True),
        _text("location", "Venue, as the sources name it.", "United Nations Headquarters, New York"),
        SUMMARY,
        Column("featured", "bool", "True for the headline events that the charts label (with `short_title`).", True,
               default=False),
        _code("decision_method", "vocab_decision_methods", "How a text was adopted (adoptions only).",
              "without_vote", nullable=True),
        Column("votes_yes", "int16", "Votes in favour (recorded votes only).", 166, nullable=True, raw="votes.yes"),
        Column("votes_no", "int16", "Votes against (recorded votes only).", 3, nullable=True, raw="votes.no"),
        Column("votes_abstain", "int16", "Abstentions (recorded votes only).", 15, nullable=True,
               raw="votes.abstain"),
        *(Column(f"votes_{vote}_complete", "bool", f"True when the `votes` table names every state that voted "
                 f"{label}, false when it names only some (or none); null without a recorded vote.", flag,
                 nullable=True, raw=f"votes.{vote}_complete")
          for vote, label, flag in (("yes", "yes", False), ("no", "no", True), ("abstain", "to abstain", True))),
        CONFIDENCE,
        NOTES,
    ),
    primary_key=("event_id",),
    raw=(Records("events"),),
    join="`forum_id` → `actors.actor_id`; people and states through `event_actors`, documents through "
    "`event_documents`.",
    date_columns=("date",),
)

DOCUMENTS = Table(
    name="documents",
    kind="entity",
    description="One row per text: resolutions and their drafts, meeting records, press releases, initiatives, "
    "action plans, declarations, reports. A UN document symbol is one document.",
    columns=(
        _id("document_id", "doc", "document", "doc-un-a-res-78-265", raw="id", unique=True),
        _text("title", "Official English title.", "Seizing the opportunities of safe, secure and trustworthy "
              "artificial intelligence systems for sustainable development", nullable=False),
        _text("short_title", "Common short name.", "Global AI Governance Initiative"),
        _code("document_type", "vocab_document_types", "What kind of text this is.", "resolution", raw="type"),
        Column("un_symbol", "string", "UN document symbol, exactly as the UN prints it (join key to the UN "
               "Digital Library and UN voting data).", "A/RES/78/265", nullable=True,
               pattern=r"^[A-Z][A-Za-z0-9./()*-]*(?: [A-Za-z0-9./()*-]+)*$", unique=True),
        *_date("date", "The day, month or year the text was adopted, issued or published", "2024-03-21",
               nullable=True),
        *_bounds("date_", "the document date", nullable=True),
        _text("title_zh", "Title in Chinese, as a Chinese-language official source prints it (for texts whose "
              "original is Chinese); an evidence quote shows it.", "全球人工智能治理倡议", quoted=True),
        Column("co_sponsor_count", "int16", "Number of co-sponsors as a source states it, kept where `sponsorships` "
               "does not list them all; null where no source gives an exact number.", 123, nullable=True),
        _text("url", "Canonical web address of the text.", "https://undocs.org/A/RES/78/265"),
        WIKIDATA,
        SUMMARY,
        CONFIDENCE,
        NOTES,
    ),
    primary_key=("document_id",),
    raw=(Records("documents"),),
    join="`un_symbol` joins to UN Digital Library and UN voting data; actors through `document_actors`.",
    date_columns=("date",),
)

ACTORS = Table(
    name="actors",
    kind="entity",
    description="States, UN organs and bodies, governments and ministries, organisations, media and people.",
    columns=(
        _id("actor_id", "act", "actor", "act-chn", raw="id", unique=True),
        _text("name", "Preferred English name.", "China", nullable=False),
        _text("name_zh", "Name in Chinese, as a Chinese-language official source prints it (Chinese actors); an "
              "evidence quote shows it.", "中国", quoted=True),
        _text("short_name", "Abbreviation or short name.", "UNSC"),
        _code("actor_type", "vocab_actor_types", "What kind of actor this is.", "state", raw="type"),
        _ref("parent_id", "actors", "act", "The containing organisation (a ministry's state, a body's parent "
             "organisation, a person's employer where stated).", "act-un", raw="parent", nullable=True),
        Column("iso2", "string", "ISO 3166-1 alpha-2 code of the state (for states), or of the state the actor "
               "belongs to or represents. Derived with pycountry.", "CN", nullable=True, pattern=r"^[A-Z]{2}$",
               raw=None),
        Column("iso3", "string", "ISO 3166-1 alpha-3 code, as `iso2`. Derived with pycountry.", "CHN",
               nullable=True, pattern=r"^[A-Z]{3}$", raw=None),
        Column("m49", "string", "UN M49 numeric code as a zero-padded three-character string, as `iso2`. "
               "Derived with pycountry.", "156", nullable=True, pattern=r"^[0-9]{3}$", raw=None),
        WIKIDATA,
        _text("url", "Official website.", "https://www.un.org/securitycouncil/"),
        _text("description", "One line on who the actor is.", "Permanent Representative of China to the UN"),
        CONFIDENCE,
        NOTES,
    ),
    primary_key=("actor_id",),
    raw=(Records("actors"),),
    rules=(CountryCodes(),),
    join="`iso3`/`iso2`/`m49` join to country tables (World Bank, V-Dem, pycountry); `wikidata_qid` to Wikidata.",
)

SOURCES = Table(
    name="sources",
    kind="entity",
    description="What is cited as evidence: articles and official pages, each with its stored text under "
    "`data/raw/texts/`.",
    columns=(
        _id("source_id", "src", "source", "src-un-press-sc-15359", raw="id", unique=True),
        _text("title", "Title of the article or page (null if it has none; the notes say so).",
              "Chinese envoy calls for multilateralism in developing AI governance"),
        _text("publisher", "Who published it (null if unknown; the notes say what was searched).", "Xinhua"),
        _text("author", "Author, where given."),
        _text("url", "Original web address.", "https://press.un.org/en/2023/sc15359.doc.htm"),
        _code("source_type", "vocab_source_types", "What kind of source this is.", "press_release", raw="type"),
        *_date("published", "When the source was published", "2023-07-19", nullable=True),
        *_bounds("published_", "the publication", nullable=True),
        Column("accessed", "date32", "When a curator last read the source.", "2026-11-23"),
        Column("is_primary", "bool", "True for an official record or an actor's own statement; false for press "
               "and commentary.", True),
        _text("language", "ISO 639-1 language code of the stored text.", "en"),
        Column("text_path", "string", "Path of the stored text, relative to `data/raw/`.",
               "texts/src-un-press-sc-15359.txt", raw="text", pattern=r"^texts/[A-Za-z0-9._-]+\.txt$"),
        Column("text_sha256", "string", "SHA-256 of the stored text. The raw record states it and the build "
               "checks the stored text still has it, so a quoted text cannot change unnoticed.",
               "c1cc361c2e8ba3a6b98d1bccaff6194a909f03ba732a44694196cfc3acd38383", pattern=r"^[0-9a-f]{64}$"),
        NOTES,
    ),
    primary_key=("source_id",),
    raw=(Records("sources"),),
    rules=(StoredText(),),
    join="`url` joins to web archives; every `source_id` column in the link and evidence tables refers here.",
    date_columns=("published",),
)

EVENT_ACTORS = Table(
    name="event_actors",
    kind="link",
    description="Who took part in which event, and in what role. The role lives on the link.",
    columns=(
        _ref("event_id", "events", "evt", "The event.", "evt-2023-07-18-unsc-ai-briefing", raw=None),
        _ref("actor_id", "actors", "act", "The actor.", "act-zhang-jun", raw="actor"),
        _code("role", "vocab_event_roles", "The actor's role at the event.", "speaker"),
        _text("title_at_event", "A person's title at the time of the event.", "Permanent Representative of China "
              "to the United Nations"),
        _ref("on_behalf_of_id", "actors", "act", "The state or body the actor spoke or acted for.", "act-chn",
             raw="on_behalf_of", nullable=True),
        *_citation("the link"),
        _link_notes(),
    ),
    primary_key=("event_id", "actor_id", "role"),
    raw=(Nested("events", "actors"),),
    join="`event_id` → `events`; `actor_id` and `on_behalf_of_id` → `actors`.",
)

EVENT_DOCUMENTS = Table(
    name="event_documents",
    kind="link",
    description="How a document figures in an event: adopted, announced, record of, discussed, implements.",
    columns=(
        _ref("event_id", "events", "evt", "The event.", "evt-2023-07-18-unsc-ai-briefing", raw=None),
        _ref("document_id", "documents", "doc", "The document.", "doc-un-s-pv-9381", raw="document"),
        _code("relation", "vocab_event_document_relations", "How the document figures in the event.",
              "record_of"),
        *_citation("the link"),
        _link_notes(),
    ),
    primary_key=("event_id", "document_id", "relation"),
    raw=(Nested("events", "documents"),),
    join="`event_id` → `events`; `document_id` → `documents`.",
)

DOCUMENT_ACTORS = Table(
    name="document_actors",
    kind="link",
    description="Who authored, issued, sponsored or adopted which document.",
    columns=(
        _ref("document_id", "documents", "doc", "The document.", "doc-un-a-res-78-265", raw=None),
        _ref("actor_id", "actors", "act", "The actor.", "act-un-general-assembly", raw="actor"),
        _code("role", "vocab_document_roles", "The actor's role for the document.", "adopting_body"),
        *_citation("the link"),
        _link_notes(),
    ),
    primary_key=("document_id", "actor_id", "role"),
    raw=(Nested("documents", "actors"),),
    join="`document_id` → `documents`; `actor_id` → `actors`.",
)

EVENT_RELATIONS = Table(
    name="event_relations",
    kind="link",
    description="Relations between events, read as: event *relation* related event.",
    columns=(
        _ref("event_id", "events", "evt", "The event.", "evt-2024-09-26-ai-capacity-building-action-plan",
             raw=None),
        _ref("related_event_id", "events", "evt", "The other event.", "evt-2024-07-01-unga-adopts-a-res-78-311",
             raw="event"),
        _code("relation", "vocab_event_relations", "How the two events relate.", "follow_up_to"),
        *_citation("the relation"),
        _link_notes(),
    ),
    primary_key=("event_id", "related_event_id", "relation"),
    raw=(Nested("events", "related_events"),),
    join="Both ID columns → `events.event_id`.",
)

DOCUMENT_RELATIONS = Table(
    name="document_relations",
    kind="link",
    description="Relations between documents, read as: document *relation* related document (a draft is "
    "`draft_of` its resolution; a plan `follows_up` a resolution).",
    columns=(
        _ref("document_id", "documents", "doc", "The document.", "doc-un-a-78-l-49", raw=None),
        _ref("related_document_id", "documents", "doc", "The other document.", "doc-un-a-res-78-265",
             raw="document"),
        _code("relation", "vocab_document_relations", "How the two documents relate.", "draft_of"),
        *_citation("the relation"),
        _link_notes(),
    ),
    primary_key=("document_id", "related_document_id", "relation"),
    raw=(Nested("documents", "related_documents"),),
    join="Both ID columns → `documents.document_id`.",
)

VOTES = Table(
    name="votes",
    kind="link",
    description="How a state voted in a recorded vote: one row per vote event and state. The totals stay on the "
    "event (`votes_yes`, `votes_no`, `votes_abstain`), which also says whether each list is complete.",
    columns=(
        _ref("event_id", "events", "evt", "The vote: one stage (a committee or the plenary) of a text.",
             "evt-2023-12-22-unga-adopts-a-res-78-241", raw=None),
        Column("actor_id", "string", "The state (or the group of states voting as one).", "act-rus",
               pattern=rf"^act-{ID_SLUG}$", references="actors", raw="actor", referenced_types=SPONSOR_TYPES),
        _code("vote", "vocab_votes", "How it voted.", "no"),
        *_citation("the vote"),
        _link_notes(),
    ),
    primary_key=("event_id", "actor_id"),
    raw=(Nested("events", "named_votes"),),
    rules=(Tally("events", "vote", totals=(("yes", "votes_yes"), ("no", "votes_no"), ("abstain", "votes_abstain")),
                 complete=(("yes", "votes_yes_complete"), ("no", "votes_no_complete"),
                           ("abstain", "votes_abstain_complete"))),),
    join="`event_id` → `events` (the totals and completeness flags); `actor_id` → `actors` (`iso3`, `m49`).",
)

SPONSORSHIPS = Table(
    name="sponsorships",
    kind="link",
    description="Who sponsored which text: one row per document and state (or group of states), with the role and "
    "the date it joined where a source gives it. A count of co-sponsors without a list stays on the document "
    "(`co_sponsor_count`).",
    columns=(
        _ref("document_id", "documents", "doc", "The sponsored text (the draft where it is recorded).",
             "doc-un-a-78-l-49", raw=None),
        Column("actor_id", "string", "The sponsoring state or group of states.", "act-usa",
               pattern=rf"^act-{ID_SLUG}$", references="actors", raw="actor", referenced_types=SPONSOR_TYPES),
        _code("role", "vocab_sponsorship_roles", "Main sponsor, co-sponsor, or introduced the text on behalf of "
              "others.", "main_sponsor"),
        *_date("date_joined", "When the state joined as a sponsor", "2024-03-11", nullable=True),
        *_bounds("date_joined_", "the sponsor joined", nullable=True),
        *_citation("the sponsorship"),
        _link_notes(),
    ),
    primary_key=("document_id", "actor_id"),
    raw=(Nested("documents", "sponsors"),),
    rules=(Tally("documents", "role", totals=(("co_sponsor", "co_sponsor_count"),)),),
    join="`document_id` → `documents` (drafts → resolutions through `document_relations`, `draft_of`); "
    "`actor_id` → `actors`.",
    date_columns=("date_joined",),
)

DOCUMENT_VERSIONS = Table(
    name="document_versions",
    kind="entity",
    description="The versions of a document that a source stores: the original, its official translation, and the "
    "copies that differ from them (unofficial translations, abridgements, excerpts, drafts).",
    columns=(
        _id("version_id", "ver", "version", "ver-gaigi-en-official", raw="id", unique=True),
        _ref("document_id", "documents", "doc", "The document this is a version of.",
             "doc-cn-global-ai-governance-initiative", raw=None),
        _text("language", "ISO 639-1 code of the version's language.", "en", nullable=False,
              pattern=r"^[a-z]{2}$"),
        _code("kind", "vocab_version_kinds", "What the version is.", "official_translation"),
        Column("official", "bool", "True when the version is the issuer's own wording (the original, its official "
               "translation, or an official page quoting it), whoever's copy it was read on.", True),
        Column("complete", "bool", "True when the stored text holds the whole version; false for a stored excerpt "
               "(a passage it does not reach is not counted missing).", False),
        _text("publisher", "Who published this version, as its source names them.", "Embassy of the People's "
              "Republic of China in the Kingdom of Cambodia"),
        *_date("date", "When this version was published", "2023-10-24", nullable=True),
        *_bounds("date_", "the version's publication", nullable=True),
        *_citation("the version (its stored text)"),
        _link_notes(),
    ),
    primary_key=("version_id",),
    raw=(Nested("documents", "versions"),),
    join="`document_id` → `documents`; `source_id` → `sources` (the stored text); passages through `passages`.",
    date_columns=("date",),
)

PASSAGES = Table(
    name="passages",
    kind="entity",
    description="A document's clauses, passage by passage, in each of its versions: the reference wording of each "
    "clause (the most authoritative stored official text that reaches it), and how every other version renders it "
    "(same, reworded, missing, contradicts, or unaligned where no stored official text reaches the clause).",
    columns=(
        _ref("document_id", "documents", "doc", "The document.", "doc-cn-global-ai-governance-initiative", raw=None),
        Column("clause", "int16", "Number of the clause in the document's order (1 = the first).", 14),
        _ref("version_id", "document_versions", "ver", "The version this passage is from.", "ver-gaigi-art-004",
             raw="version"),
        _code("status", "vocab_passage_statuses", "How this version renders the clause.", "contradicts"),
        Column("quote", "string", "The passage, verbatim from the version's stored text (checked by the build); null "
               "where the version lacks the clause.", "oppose drawing ideological lines or forming exclusive groups",
               nullable=True),
        _ref("source_id", "sources", "src", "The stored text of the version (from `document_versions`).",
             "src-art-gaigi-text", raw=None),
        Column("similarity", "int16", "For a passage the build aligned: how alike it is to the clause's reference, in "
               "percent of matching words.", 62, nullable=True, raw=None),
        Column("computed", "bool", "True when the build aligned this passage; false when a curator recorded it "
               "(references, contradictions, cross-language pairs).", False, raw=None),
        _link_notes(),
    ),
    primary_key=("version_id", "clause"),
    raw=(Nested("documents", "passages"),),
    join="`version_id` → `document_versions`; `document_id` → `documents`; `source_id` → `sources`. "
    "`aigov_timeline.versions(document_id)` puts a document's passages side by side.",
)

STATEMENTS = Table(
    name="statements",
    kind="link",
    description="Who said what, where: positions put forward at events or in documents, each a verbatim quote.",
    columns=(
        _id("statement_id", "stm", "statement", "stm-unsc-2023-07-18-zhang-jun-multilateralism", raw="id",
            unique=True),
        _ref("speaker_id", "actors", "act", "Who put the position forward.", "act-zhang-jun", raw="speaker"),
        _ref("event_id", "events", "evt", "The event where it was stated (null for a position in a text).",
             "evt-2023-07-18-unsc-ai-briefing", raw="event", nullable=True),
        _ref("document_id", "documents", "doc", "The document that states it, or records it.",
             "doc-cn-global-ai-governance-initiative", raw="document", nullable=True),
        *_citation("the statement"),
        _link_notes(),
    ),
    primary_key=("statement_id",),
    raw=(Nested("events", "statements"), Nested("documents", "statements")),
    join="`speaker_id` → `actors`; `event_id` → `events`; `document_id` → `documents`; themes through "
    "`statement_themes`.",
)

STATEMENT_THEMES = Table(
    name="statement_themes",
    kind="link",
    description="The themes of each statement (one row per statement and theme).",
    columns=(
        _ref("statement_id", "statements", "stm", "The statement.", "stm-unsc-2023-07-18-zhang-jun-multilateralism",
             raw=None),
        _code("theme", "vocab_themes", "A theme of the statement.", "multilateralism"),
    ),
    primary_key=("statement_id", "theme"),
    raw=(Items("statements", "themes", "theme"),),
    join="`statement_id` → `statements`; `theme` → `vocab_themes.code`.",
)

VOCABULARIES = (
    _vocabulary("event_types", "kinds of event", "meeting"),
    _vocabulary("document_types", "kinds of document", "resolution"),
    _vocabulary("actor_types", "kinds of actor", "state"),
    _vocabulary("event_roles", "roles of an actor at an event", "speaker"),
    _vocabulary("document_roles", "roles of an actor for a document", "adopting_body"),
    _vocabulary("event_document_relations", "how a document figures in an event", "adopted"),
    _vocabulary("event_relations", "relations between events", "follow_up_to"),
    _vocabulary("document_relations", "relations between documents", "draft_of"),
    _vocabulary("themes", "themes of statements", "multilateralism"),
    _vocabulary("confidence", "how a row's facts were established", "official_record"),
    _vocabulary("source_types", "kinds of source", "press_release"),
    _vocabulary("decision_methods", "how a text was adopted", "without_vote"),
    _vocabulary("date_precisions", "precisions of a date value", "day"),
    _vocabulary("votes", "how a state voted", "abstain"),
    _vocabulary("sponsorship_roles", "roles of a sponsoring state", "main_sponsor"),
    _vocabulary("version_kinds", "kinds of version of a document", "official_translation"),
    _vocabulary("passage_statuses", "how a version renders a clause", "reworded"),
)

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        EVENTS, DOCUMENTS, ACTORS, SOURCES,
        _evidence_table("events", "event_id", "evt", "evt-2023-07-18-unsc-ai-briefing"),
        _evidence_table("documents", "document_id", "doc", "doc-un-a-res-78-265"),
        _evidence_table("actors", "actor_id", "act", "act-chn"),
        EVENT_ACTORS, EVENT_DOCUMENTS, DOCUMENT_ACTORS, EVENT_RELATIONS, DOCUMENT_RELATIONS, VOTES, SPONSORSHIPS,
        DOCUMENT_VERSIONS, PASSAGES,
        STATEMENTS, STATEMENT_THEMES, *VOCABULARIES,
    )
}
TABLE_NAMES: tuple[str, ...] = tuple(TABLES)


def table(name: str) -> Table:
    """Return a table's declaration, or raise ValueError listing the valid names."""
    try:
        return TABLES[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown table {name!r}; valid names: {', '.join(TABLE_NAMES)}") from None


def date_columns(name: str) -> tuple[str, str, str]:
    """The precision, first-day and last-day columns derived from a date column (``date`` or ``published``)."""
    stem = "date_" if name == "date" else f"{name}_"
    return f"{stem}precision", f"{stem}start", f"{stem}end"


#: (entity table, evidence table, key column) for every evidence table
EVIDENCE = tuple((t.raw[0].parent, t.name, t.parent_column(t.raw[0].parent)) for t in TABLES.values()
                 if t.kind == "evidence")
"""(entity table, evidence table, key column) for every evidence table."""


@cache
def record_tables() -> dict[str, Table]:
    """Raw folder -> the table whose records it holds."""
    return {t.folder: t for t in TABLES.values() if t.folder}


@cache
def children(parent: str) -> tuple[tuple[str, Table, Nested | Items], ...]:
    """(list key, table, declaration) of every list nested in the records of table ``parent``."""
    return tuple((r.key, t, r) for t in TABLES.values() for r in t.raw
                 if isinstance(r, (Nested, Items)) and r.parent == parent)


def raw_folders() -> set[str]:
    """The folders a raw folder may hold: one per table of records, the vocabularies, the stored texts."""
    texts = {rule.folder for t in TABLES.values() for rule in t.rules if isinstance(rule, StoredText)}
    return set(record_tables()) | {VOCABULARY_FOLDER} | texts


def link_tables() -> list[Table]:
    """The tables that link two rows of data tables (with a role or relation)."""
    return [t for t in TABLES.values() if t.pair]


def cited_tables() -> list[Table]:
    """The tables whose rows cite a source with a quote (evidence, links and statements)."""
    return [t for t in TABLES.values() if {"source_id", "quote"} <= set(t.column_names)]



def referenced_by(name: str) -> list[tuple[str, str]]:
    """The (table, column) pairs whose foreign key points at table ``name``."""
    return [(t.name, c.name) for t in TABLES.values() for c in t.columns if c.references == name]


def pandas_dtype(column: Column) -> str:
    return TYPES[column.type][1]
