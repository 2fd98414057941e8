"""schema.org JSON-LD with PROV provenance: the tables as one linked-data graph.

Writes ``aigov-timeline.jsonld``: an inline ``@context`` (so it parses offline) and a flat, sorted ``@graph``.

IRIs live under ``agt:`` (``https://w3id.org/aigov-timeline/id/``) and come from the primary keys: ``agt:evt-…``,
``agt:doc-…``, ``agt:act-…``, ``agt:src-…``; a vocabulary code is ``agt:vocab_event_types/meeting``; a link row is
``agt:<table>/<key>/<key>/<code>``; the dataset is ``agt:dataset``. Nodes refer to each other with ``{"@id": …}``;
web addresses (``url``, ``sameAs``, ``license``) are IRIs through the context.

- events -> ``Event`` (``startDate``/``endDate``, ``location`` as text, the forum as ``organizer``);
  documents -> ``Legislation`` (the types in ``LEGISLATION_TYPES``, with ``legislationIdentifier`` = UN symbol),
  ``Report`` or ``CreativeWork``; actors -> ``Person``, ``Country`` (states, with ISO 3166 and M49 codes as
  ``PropertyValue`` identifiers) or ``Organization``; other actors with a country code are ``memberOf`` that
  state's node, and ``parent_id`` is ``parentOrganization`` (``worksFor`` for people); sources -> ``CreativeWork``;
  codes -> ``DefinedTerm`` in a ``DefinedTermSet`` per vocabulary, linked by ``additionalType``; the whole ->
  ``Dataset``.
- Dates are typed literals at their true precision: ``xsd:date`` '2023-07-18', ``xsd:gYearMonth`` '2023-10',
  ``xsd:gYear`` '2023' (all ISO 8601, as schema.org Date text). No day is invented.
- Every row of a link table (``metadata.link_tables``: actors and documents of events, actors of documents,
  relations, votes, sponsorships) is a
  schema.org ``Role`` with ``roleName`` = its code, in schema.org's Role pattern: ``subject P role`` and
  ``role P object``, with ``P`` chosen per code (``PROPERTIES``, ``LEGISLATION_PROPERTIES``). Where schema.org
  has no property for a relation, ``prov:wasInfluencedBy`` says only that one shaped the other; ``roleName``
  keeps the exact relation. An event role also has ``namedPosition`` (title at the event) and
  ``prov:actedOnBehalfOf`` (the state or body represented). ``draft_of`` is stated from the adopted text:
  ``resolution prov:wasRevisionOf draft``.
- Provenance: every event, document, actor and Role has ``prov:wasDerivedFrom`` to the sources of its evidence,
  and one ``prov:qualifiedDerivation`` per evidence row: a ``prov:Derivation`` whose ``prov:entity`` is the source
  and whose ``text`` is the verbatim quote. Quotes are kept because they are the evidence: each fact can be
  checked against its source from this file alone.
- Not exported (see the CSV or Parquet tables): statements and their themes, curator notes, confidence, vote totals,
  and the source file fields (accessed, is_primary, text_path, text_sha256).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import quote

import pandas as pd

from ..metadata import EVIDENCE, TABLES, link_tables
from .datapackage import shipped_dataset

FILENAME = "aigov-timeline.jsonld"
IDS = "https://w3id.org/aigov-timeline/id/"
CONTEXT = {
    "@vocab": "https://schema.org/",
    "schema": "https://schema.org/",
    "prov": "http://www.w3.org/ns/prov#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "agt": IDS,
    "url": {"@type": "@id"},
    "sameAs": {"@type": "@id"},
    "license": {"@type": "@id"},
}
WIKIDATA = "http://www.wikidata.org/entity/"
UNSAFE_IN_IRI = re.compile(r'[\x00-\x20<>"{}|\\^`\x7f]')
DATE_TYPES = {10: "xsd:date", 7: "xsd:gYearMonth", 4: "xsd:gYear"}

#: document types that are formal texts adopted or agreed by a body (schema.org: "a legal document ... enforceable
#: or not"); declarations, initiatives and plans are political texts and stay CreativeWork
LEGISLATION_TYPES = frozenset({"resolution", "draft_resolution", "decision", "presidential_statement", "treaty",
                               "compact"})
REPORT_TYPES = frozenset({"report"})
ACTOR_CLASSES = {"person": "Person", "state": "Country"}
TYPE_COLUMNS = {"events": "event_type", "documents": "document_type", "actors": "actor_type",
                "sources": "source_type"}
ISO_IDENTIFIERS = {"iso2": "ISO 3166-1 alpha-2", "iso3": "ISO 3166-1 alpha-3", "m49": "UN M49"}

INFLUENCED = "prov:wasInfluencedBy"
#: link table -> (property for codes not listed, {code: property}); "^" = stated from the object's side
PROPERTIES = {
    "event_actors": ("attendee", {
        "speaker": "performer", "briefer": "performer", "chair": "performer", "facilitator": "performer",
        "announcer": "performer", "convener": "organizer", "co_convener": "organizer", "organiser": "organizer",
        "host": "organizer", "co_host": "organizer", "subject": "about"}),
    "document_actors": ("contributor", {
        "author": "author", "proposer": "author", "lead_sponsor": "sponsor", "sponsor": "sponsor",
        "co_sponsor": "sponsor", "issuer": "publisher", "publisher": "publisher", "addressee": "recipient",
        "established_body": "about"}),
    "event_documents": ("workFeatured", {"record_of": "recordedIn"}),
    "votes": (INFLUENCED, {}),
    "sponsorships": ("sponsor", {}),
    "event_relations": (INFLUENCED, {"part_of": "superEvent", "side_event_of": "superEvent"}),
    "document_relations": (INFLUENCED, {
        "part_of": "isPartOf", "references": "citation", "transmits": "hasPart",
        "revision_of": "prov:wasRevisionOf", "replaces": "prov:wasRevisionOf", "draft_of": "^prov:wasRevisionOf"}),
}
#: overrides when the subject is a Legislation node
LEGISLATION_PROPERTIES = {"adopting_body": "legislationPassedBy", "responsible": "legislationResponsible",
                          "amends": "legislationChanges", "replaces": "legislationChanges"}


def write(tables: dict[str, pd.DataFrame], out: Path, version: str) -> list[Path]:
    """Write ``out/aigov-timeline.jsonld``; returns the file written."""
    path = out / FILENAME
    text = json.dumps(document(tables, version), ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    path.write_bytes(text.encode("utf-8"))
    return [path]


def document(tables: dict[str, pd.DataFrame], version: str) -> dict:
    """The JSON-LD document: the context and every node, sorted by ``@id`` (lists sorted too)."""
    nodes: dict[str, dict] = {}
    for node in (*_vocabularies(tables), *_events(tables), *_documents(tables), *_actors(tables),
                 *_sources(tables), _dataset(version)):
        nodes[node["@id"]] = node
    _add_evidence(nodes, tables)
    for spec in link_tables():
        _add_links(nodes, tables, spec.name)
    graph = [_sorted_lists(nodes[key]) for key in sorted(nodes)]
    return {"@context": CONTEXT, "@graph": graph}


def document_class(document_type: str) -> str:
    """The schema.org class of a document of this type."""
    if document_type in LEGISLATION_TYPES:
        return "Legislation"
    return "Report" if document_type in REPORT_TYPES else "CreativeWork"


def actor_class(actor_type: str) -> str:
    """The schema.org class of an actor of this type."""
    return ACTOR_CLASSES.get(actor_type, "Organization")


def iri(key: str) -> str:
    return f"agt:{key}"


def ref(key: str) -> dict:
    return {"@id": iri(key)}


def date(value: str) -> dict:
    """A date literal typed by its precision, e.g. ``{"@value": "2023-10", "@type": "xsd:gYearMonth"}``."""
    return {"@value": value, "@type": DATE_TYPES[len(value)]}


def web(url: str) -> str:
    """A web address as a valid IRI: the characters IRIs forbid (spaces, quotes, brackets) percent-encoded."""
    return UNSAFE_IN_IRI.sub(lambda match: quote(match.group()), url)


def _records(frame: pd.DataFrame) -> list[dict]:
    """The rows as dicts without their missing values."""
    return [{k: v for k, v in row.items() if not pd.isna(v)} for row in frame.to_dict("records")]


def _typed(node: dict, table: str, row: dict) -> dict:
    """Add the row's kind as ``additionalType`` (its vocabulary term) and drop empty values."""
    column = TYPE_COLUMNS[table]
    node["additionalType"] = ref(f"{TABLES[table].column(column).references}/{row[column]}")
    return {k: v for k, v in node.items() if v is not None}


def _vocabularies(tables: dict[str, pd.DataFrame]) -> list[dict]:
    nodes = []
    for name, spec in TABLES.items():
        if spec.kind != "vocabulary":
            continue
        nodes.append({"@id": iri(name), "@type": "DefinedTermSet", "name": name, "description": spec.description})
        nodes += [{"@id": iri(f"{name}/{row['code']}"), "@type": "DefinedTerm", "termCode": row["code"],
                   "name": row["label"], "description": row["definition"], "inDefinedTermSet": ref(name)}
                  for row in _records(tables[name])]
    return nodes


def _events(tables: dict[str, pd.DataFrame]) -> list[dict]:
    return [_typed({
        "@id": iri(row["event_id"]), "@type": "Event", "name": row["title"], "startDate": date(row["date"]),
        "endDate": date(row["end_date"]) if "end_date" in row else None, "location": row.get("location"),
        "organizer": [ref(row["forum_id"])] if "forum_id" in row else None, "description": row.get("summary"),
    }, "events", row) for row in _records(tables["events"])]


def _documents(tables: dict[str, pd.DataFrame]) -> list[dict]:
    nodes = []
    for row in _records(tables["documents"]):
        cls = document_class(row["document_type"])
        symbol = row.get("un_symbol")
        nodes.append(_typed({
            "@id": iri(row["document_id"]), "@type": cls, "name": row["title"], "alternateName": row.get("short_title"),
            "identifier": symbol, "legislationIdentifier": symbol if cls == "Legislation" else None,
            "datePublished": date(row["date"]) if "date" in row else None, "url": _url(row),
            "sameAs": _wikidata(row), "description": row.get("summary"),
        }, "documents", row))
    return nodes


def _actors(tables: dict[str, pd.DataFrame]) -> list[dict]:
    rows = _records(tables["actors"])
    states = {row["iso3"]: row["actor_id"] for row in rows if row["actor_type"] == "state" and "iso3" in row}
    nodes = []
    for row in rows:
        cls = actor_class(row["actor_type"])
        node = {"@id": iri(row["actor_id"]), "@type": cls, "name": row["name"], "alternateName": row.get("short_name"),
                "description": row.get("description"), "url": _url(row), "sameAs": _wikidata(row)}
        if cls == "Country":
            node["identifier"] = [{"@type": "PropertyValue", "propertyID": label, "value": row[column]}
                                  for column, label in ISO_IDENTIFIERS.items() if column in row] or None
        elif row.get("iso3") in states:  # the state it belongs to or represents
            node["memberOf"] = [ref(states[row["iso3"]])]
        if "parent_id" in row:
            node["worksFor" if cls == "Person" else "parentOrganization"] = [ref(row["parent_id"])]
        nodes.append(_typed(node, "actors", row))
    return nodes


def _sources(tables: dict[str, pd.DataFrame]) -> list[dict]:
    return [_typed({
        "@id": iri(row["source_id"]), "@type": "CreativeWork", "name": row.get("title"),
        "publisher": row.get("publisher"), "author": row.get("author"), "url": _url(row),
        "datePublished": date(row["published"]) if "published" in row else None, "inLanguage": row.get("language"),
    }, "sources", row) for row in _records(tables["sources"])]


def _dataset(version: str) -> dict:
    meta = shipped_dataset()
    node = {"@id": iri("dataset"), "@type": "Dataset", "name": meta.get("title", meta.get("name")),
            "alternateName": meta.get("name"), "description": meta.get("description"), "version": version,
            "license": [lic["path"] for lic in meta.get("licenses", []) if lic.get("path")] or None,
            "keywords": meta.get("keywords") or None, "url": meta.get("homepage")}
    return {k: v for k, v in node.items() if v is not None}


def _url(row: dict) -> str | None:
    return web(row["url"]) if "url" in row else None


def _wikidata(row: dict) -> list[str] | None:
    return [WIKIDATA + row["wikidata_qid"]] if "wikidata_qid" in row else None


def _cite(node: dict, source_id: str, quote_text: str) -> None:
    """Record that ``node`` rests on ``quote_text`` of source ``source_id``."""
    sources = node.setdefault("prov:wasDerivedFrom", [])
    if ref(source_id) not in sources:
        sources.append(ref(source_id))
    node.setdefault("prov:qualifiedDerivation", []).append(
        {"@type": "prov:Derivation", "prov:entity": ref(source_id), "text": quote_text})


def _add_evidence(nodes: dict[str, dict], tables: dict[str, pd.DataFrame]) -> None:
    for _, evidence, key in EVIDENCE:
        frame = tables[evidence]
        for subject, source_id, quote_text in zip(frame[key], frame["source_id"], frame["quote"]):
            _cite(nodes[iri(subject)], source_id, quote_text)


def _add_links(nodes: dict[str, dict], tables: dict[str, pd.DataFrame], name: str) -> None:
    """One Role per row of link table ``name``: ``subject P role`` and ``role P object``."""
    subject_key, object_key = TABLES[name].pair
    code_key = next(c.name for c in TABLES[name].columns if c.is_vocabulary)  # the role, relation or vote
    default, properties = PROPERTIES.get(name, (INFLUENCED, {}))
    for row in _records(tables[name]):
        subject, obj, code = row[subject_key], row[object_key], row[code_key]
        prop = properties.get(code, default)
        if nodes[iri(subject)]["@type"] == "Legislation":
            prop = LEGISLATION_PROPERTIES.get(code, prop)
        if prop.startswith("^"):
            prop, subject, obj = prop[1:], obj, subject
        role_id = iri(f"{name}/{row[subject_key]}/{row[object_key]}/{code}")
        role = {"@id": role_id, "@type": "Role", "roleName": code, prop: [ref(obj)]}
        if "title_at_event" in row:
            role["namedPosition"] = row["title_at_event"]
        if "on_behalf_of_id" in row:
            role["prov:actedOnBehalfOf"] = [ref(row["on_behalf_of_id"])]
        _cite(role, row["source_id"], row["quote"])
        nodes[role_id] = role
        nodes[iri(subject)].setdefault(prop, []).append({"@id": role_id})


def _sorted_lists(node: dict) -> dict:
    """The node with every list value in a stable order."""
    return {k: sorted(v, key=lambda item: json.dumps(item, sort_keys=True, ensure_ascii=False))
            if isinstance(v, list) else v for k, v in node.items()}
