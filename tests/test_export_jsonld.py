"""The JSON-LD export, read back by rdflib offline: one typed node per row, Roles for the links, dates at their true
precision, provenance down to the quotes; byte-reproducible and available from the command line."""

from __future__ import annotations

import socket
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
from rdflib import RDF, Graph, Literal, Namespace, URIRef

import aigov_timeline as agt
from aigov_timeline.exports import export, jsonld
from aigov_timeline.metadata import EVIDENCE, TABLES, link_tables
from conftest import run_cli

SDO = Namespace("https://schema.org/")
PROV = Namespace("http://www.w3.org/ns/prov#")
XSD_BY_PRECISION = {"day": "date", "month": "gYearMonth", "year": "gYear"}
ID = Namespace(jsonld.IDS)
LINKS = tuple(spec.name for spec in link_tables())


def role_keys(name: str) -> tuple[str, str, str]:
    """The columns of a link table that name its Role: the two rows it links, and its role, relation or vote."""
    return (*TABLES[name].pair, next(c.name for c in TABLES[name].columns if c.is_vocabulary))

# rdflib 7.x parses JSON-LD through its own deprecated ConjunctiveGraph
pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return agt.load_all()


@pytest.fixture(scope="module")
def exported(tmp_path_factory, tables) -> Path:
    out = tmp_path_factory.mktemp("jsonld")
    [path] = export("jsonld", tables, out, agt.__data_version__)
    return path


def parse_offline(path: Path) -> Graph:
    """Parse with every network connection refused, so a remote @context would fail the parse."""
    def refuse(*args, **kwargs):
        raise OSError("network access during JSON-LD parsing")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", refuse)
        patch.setattr(socket, "create_connection", refuse)
        return Graph().parse(path, format="json-ld")


@pytest.fixture(scope="module")
def graph(exported) -> Graph:
    return parse_offline(exported)


def node(key: str) -> URIRef:
    return ID[key]


def expected_classes(tables: dict[str, pd.DataFrame]) -> dict[URIRef, str]:
    """IRI -> schema.org class of every node that stands for a row, computed from the tables."""
    classes = {node(k): "Event" for k in tables["events"]["event_id"]}
    classes |= {node(k): jsonld.document_class(t) for k, t in zip(tables["documents"]["document_id"],
                                                                   tables["documents"]["document_type"])}
    classes |= {node(k): {"person": "Person", "state": "Country"}.get(t, "Organization")
                for k, t in zip(tables["actors"]["actor_id"], tables["actors"]["actor_type"])}
    classes |= {node(k): "CreativeWork" for k in tables["sources"]["source_id"]}
    for name in LINKS:
        classes |= {node(f"{name}/{'/'.join(keys)}"): "Role"
                    for keys in tables[name][list(role_keys(name))].itertuples(index=False)}
    for name, spec in TABLES.items():
        if spec.kind == "vocabulary":
            classes[node(name)] = "DefinedTermSet"
            classes |= {node(f"{name}/{code}"): "DefinedTerm" for code in tables[name]["code"]}
    classes[node("dataset")] = "Dataset"
    return classes


def test_the_context_is_inline_and_the_file_parses_offline(exported, graph):
    assert exported.name == "aigov-timeline.jsonld"
    text = exported.read_text(encoding="utf-8")
    assert text.startswith('{\n "@context": {') and text.endswith("}\n")
    assert len(graph) > 0


def test_each_row_is_one_node_of_its_class_and_every_triple_has_a_typed_subject(graph, tables):
    expected = expected_classes(tables)
    named = {s: {str(o).removeprefix(str(SDO)) for o in graph.objects(s, RDF.type)}
             for s in set(graph.subjects(RDF.type, None)) if isinstance(s, URIRef)}
    assert named == {iri: {cls} for iri, cls in expected.items()}
    counts = Counter(expected.values())
    assert counts["Event"] == len(tables["events"])
    assert counts["Legislation"] + counts["Report"] + counts["CreativeWork"] - len(tables["sources"]) \
        == len(tables["documents"])
    assert counts["Role"] == sum(len(tables[name]) for name in LINKS)
    for actor_type, cls in (("person", "Person"), ("state", "Country")):
        assert counts[cls] == (tables["actors"]["actor_type"] == actor_type).sum()
    assert counts["Organization"] == (~tables["actors"]["actor_type"].isin(["person", "state"])).sum()

    per_type = Counter()
    for s, _, _ in graph:
        [cls] = list(graph.objects(s, RDF.type))  # exactly one type per subject, blank nodes included
        per_type[graph.qname(cls)] += 1
    assert sum(per_type.values()) == len(graph) > 0
    print(f"\n{'rdf:type':<22} {'subjects':>8} {'triples':>8}")
    for cls, triples in per_type.most_common():
        print(f"{cls:<22} {len(set(graph.subjects(RDF.type, URIRef(graph.namespace_manager.expand_curie(cls))))):>8}"
              f" {triples:>8}")
    print(f"{'total':<22} {len(set(graph.subjects())):>8} {len(graph):>8}")


def test_resolutions_are_legislation_identified_by_their_symbol(graph, tables):
    assert jsonld.LEGISLATION_TYPES <= set(tables["vocab_document_types"]["code"])
    for row in tables["documents"].to_dict("records"):
        subject = node(row["document_id"])
        symbols = {str(o) for o in graph.objects(subject, SDO.identifier)}
        assert symbols == ({row["un_symbol"]} if pd.notna(row["un_symbol"]) else set())
        if pd.notna(row["un_symbol"]) and "/RES/" in row["un_symbol"]:
            assert (subject, RDF.type, SDO.Legislation) in graph
            assert str(graph.value(subject, SDO.legislationIdentifier)) == row["un_symbol"]
        term = graph.value(subject, SDO.additionalType)
        assert term == node(f"vocab_document_types/{row['document_type']}")
        assert (term, RDF.type, SDO.DefinedTerm) in graph


def test_every_node_is_derived_from_exactly_its_evidence_sources_with_the_quotes(graph, tables):
    for entity, evidence, key in EVIDENCE:
        frame = tables[evidence]
        for subject in tables[entity][key]:
            rows = frame[frame[key] == subject]
            derived = set(graph.objects(node(subject), PROV.wasDerivedFrom))
            assert derived == {node(s) for s in rows["source_id"]}, subject
            quotes = {(graph.value(d, PROV.entity), str(graph.value(d, SDO.text)))
                      for d in graph.objects(node(subject), PROV.qualifiedDerivation)}
            assert quotes == {(node(s), q) for s, q in zip(rows["source_id"], rows["quote"])}, subject


def test_links_are_roles_that_keep_their_code_and_source(graph, tables):
    for name in LINKS:
        subject_key, object_key, code_key = role_keys(name)
        for row in tables[name].to_dict("records"):
            role = node(f"{name}/{row[subject_key]}/{row[object_key]}/{row[code_key]}")
            assert str(graph.value(role, SDO.roleName)) == row[code_key]
            assert set(graph.objects(role, PROV.wasDerivedFrom)) == {node(row["source_id"])}
            [(holder, prop)] = list(graph.subject_predicates(role))
            ends = {node(row[subject_key]), node(row[object_key])}
            assert holder in ends and (role, prop, (ends - {holder}).pop()) in graph, role
            if row[code_key] == "draft_of":  # stated from the adopted text: resolution wasRevisionOf draft
                assert holder == node(row[object_key]) and prop == PROV.wasRevisionOf


def test_dates_keep_their_precision(graph, tables):
    def check(subject, prop, value, precision):
        literal = graph.value(subject, prop)
        if pd.isna(value):
            assert literal is None
            return
        assert isinstance(literal, Literal) and str(literal) == value
        assert literal.datatype.endswith("#" + XSD_BY_PRECISION[precision])

    for row in tables["events"].to_dict("records"):
        check(node(row["event_id"]), SDO.startDate, row["date"], row["date_precision"])
        end = row["end_date"]
        check(node(row["event_id"]), SDO.endDate, end, {10: "day", 7: "month", 4: "year"}.get(len(str(end))))
    for row in tables["documents"].to_dict("records"):
        check(node(row["document_id"]), SDO.datePublished, row["date"], row["date_precision"])
    for row in tables["sources"].to_dict("records"):
        check(node(row["source_id"]), SDO.datePublished, row["published"], row["published_precision"])


def test_wikidata_ids_and_country_codes(tmp_path, graph, tables):
    changed = dict(tables)
    for name in ("actors", "documents", "events"):
        changed[name] = tables[name].copy()
    changed["actors"].loc[changed["actors"].index[0], "wikidata_qid"] = "Q1065"
    changed["documents"].loc[changed["documents"].index[-1], "wikidata_qid"] = "Q42"
    first = changed["events"].index[0]
    changed["events"].loc[first, ["date", "date_precision", "end_date"]] = [tables["events"]["date"][first][:4],
                                                                             "year", None]
    [path] = jsonld.write(changed, tmp_path, agt.__data_version__)
    variant = parse_offline(path)
    for g, data in ((graph, tables), (variant, changed)):
        expected = {(node(k), URIRef(f"http://www.wikidata.org/entity/{q}"))
                    for name, key in (("actors", "actor_id"), ("documents", "document_id"))
                    for k, q in zip(data[name][key], data[name]["wikidata_qid"]) if pd.notna(q)}
        assert set(g.subject_objects(SDO.sameAs)) == expected
    assert len(set(variant.subject_objects(SDO.sameAs))) == 2
    year = variant.value(node(changed["events"]["event_id"][first]), SDO.startDate)
    assert str(year) == tables["events"]["date"][first][:4] and year.datatype.endswith("#gYear")

    for row in tables["actors"].query("actor_type == 'state'").to_dict("records"):
        codes = {(str(graph.value(pv, SDO.propertyID)), str(graph.value(pv, SDO.value)))
                 for pv in graph.objects(node(row["actor_id"]), SDO.identifier)}
        assert codes == {(label, row[column]) for column, label in jsonld.ISO_IDENTIFIERS.items()}


def test_references_resolve_and_web_addresses_stay_absolute(graph, tables):
    subjects = set(graph.subjects())
    for _, _, o in graph:
        if isinstance(o, URIRef) and str(o).startswith(jsonld.IDS):
            assert o in subjects, o
        if isinstance(o, URIRef):
            assert str(o).startswith(("http://", "https://")), o
    for name, key in (("documents", "document_id"), ("actors", "actor_id"), ("sources", "source_id")):
        for k, url in zip(tables[name][key], tables[name]["url"]):
            assert graph.value(node(k), SDO.url) == (URIRef(jsonld.web(url)) if pd.notna(url) else None)
    dataset = node("dataset")
    assert str(graph.value(dataset, SDO.version)) == agt.__data_version__
    assert str(graph.value(dataset, SDO.license)).startswith("https://creativecommons.org/")


def test_the_cli_writes_the_same_bytes_as_the_library_every_time(tmp_path, exported, tables):
    again = jsonld.write(tables, tmp_path, agt.__data_version__)[0]
    assert again.read_bytes() == exported.read_bytes()
    result = run_cli("export", "--format", "jsonld", str(tmp_path / "cli"))
    assert result.returncode == 0, result.stderr
    assert "wrote 1 file (jsonld)" in result.stdout
    assert (tmp_path / "cli" / jsonld.FILENAME).read_bytes() == exported.read_bytes()
