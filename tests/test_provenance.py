"""Provenance: every row cites sources with checked quotes, cite() returns them, country codes come from
pycountry, and Wikidata QIDs only appear where a quote shows them."""

from __future__ import annotations

import pycountry
import pytest
import yaml

import aigov_timeline as agt
from aigov_timeline.build.quotes import collapse
from conftest import RAW


def stored_text(source_id: str) -> str:
    path = agt.load("sources").set_index("source_id").loc[source_id, "text_path"]
    return collapse((RAW / path).read_text(encoding="utf-8"))


def test_cite_an_event_returns_its_sources_and_quotes():
    event = agt.load("events")["event_id"].iloc[0]
    rows = agt.cite(event)
    expected = agt.load("event_evidence").query("event_id == @event")
    assert sorted(rows["quote"]) == sorted(expected["quote"])
    for row in rows.itertuples():
        assert collapse(row.quote) in stored_text(row.source_id)
        assert row.publisher == agt.load("sources").set_index("source_id").loc[row.source_id, "publisher"] or \
            row.publisher != row.publisher


def test_cite_a_link_returns_the_link_rows():
    link = agt.load("event_actors").iloc[0]
    rows = agt.cite(link["event_id"], link["actor_id"])
    assert link["role"] in rows["detail"].tolist()
    assert link["quote"] in rows["quote"].tolist()


def test_cite_formats_a_citation_string():
    doc = agt.load("documents")["document_id"].iloc[0]
    text = agt.cite(doc, style="text")
    rows = agt.cite(doc)
    assert text.startswith(f"Sources for {doc}:")
    assert text.count("\n[") == len(rows)
    for quote in rows["quote"]:
        assert quote in text


def test_cite_unknown_id_raises():
    with pytest.raises(LookupError):
        agt.cite("evt-1999-01-01-nothing")
    with pytest.raises(ValueError):
        agt.cite("xyz-1")


@pytest.mark.parametrize("entity, evidence, key", [("events", "event_evidence", "event_id"),
                                                   ("documents", "document_evidence", "document_id"),
                                                   ("actors", "actor_evidence", "actor_id")])
def test_every_entity_has_evidence(entity, evidence, key):
    assert set(agt.load(entity)[key]) <= set(agt.load(evidence)[key])


def test_country_codes_are_pycountry_codes_of_the_raw_country():
    actors = agt.load("actors").set_index("actor_id")
    for path in sorted((RAW / "actors").glob("*.yaml")):
        record = yaml.safe_load(path.read_text(encoding="utf-8"))
        row = actors.loc[record["id"]]
        if record.get("country"):
            country = pycountry.countries.lookup(record["country"])
            assert (row["iso2"], row["iso3"], row["m49"]) == (country.alpha_2, country.alpha_3, country.numeric)
        else:
            assert row[["iso2", "iso3", "m49"]].isna().all()
    states = actors[actors["actor_type"] == "state"]
    assert states["iso3"].notna().all() and states["m49"].str.fullmatch(r"\d{3}").all()


def test_wikidata_qids_are_shown_by_a_quote():
    for entity, evidence, key in (("events", "event_evidence", "event_id"),
                                  ("documents", "document_evidence", "document_id"),
                                  ("actors", "actor_evidence", "actor_id")):
        frame, cited = agt.load(entity), agt.load(evidence)
        for row in frame[frame["wikidata_qid"].notna()].itertuples() if "wikidata_qid" in frame else []:
            quotes = cited.loc[cited[key] == getattr(row, key), "quote"]
            assert quotes.str.contains(row.wikidata_qid, regex=False).any()


def test_cite_without_a_subject_cites_the_dataset():
    dataset = agt.cite()
    assert len(dataset) == 1 and dataset["version"].item() == agt.__data_version__
    assert dataset["license"].item() == "CC-BY-4.0" and dataset["title"].item().startswith("aigov-timeline")
    text = agt.cite(style="text")
    assert f"(version {agt.__data_version__}) [Data set]" in text and dataset["released"].item() in text


def bibtex_entries(text: str) -> list[str]:
    """The entries of a BibTeX text, checking that each one's braces balance."""
    entries = [e for e in text.split("\n\n") if e.strip()]
    for entry in entries:
        depth = 0
        for char in entry:
            depth += {"{": 1, "}": -1}.get(char, 0)
            assert depth >= 0, entry
        assert depth == 0 and entry.startswith("@misc{"), entry
    return entries


def test_cite_in_bibtex_gives_one_entry_per_source():
    (entry,) = bibtex_entries(agt.cite(style="bibtex"))
    assert f"version = {{{agt.__data_version__}}}" in entry
    event = agt.load("events")["event_id"].iloc[0]
    rows = agt.cite(event)
    entries = bibtex_entries(agt.cite(event, style="bibtex"))
    assert len(entries) == rows["source_id"].nunique()
    for quote in rows["quote"]:
        assert any(quote.replace("_", "\\_").replace("%", "\\%").replace("&", "\\&") in e for e in entries)


def test_cite_refuses_an_unknown_style():
    with pytest.raises(ValueError, match="style must be one of"):
        agt.cite(style="apa")
