"""The curator's path: a copy of the raw data with one valid record added (an event with its source, a state, a
resolution, a recorded vote, a sponsorship and a statement) builds, its charts are made, and the doc examples and
the data tests pass against that copy. Adding a valid record must never break a test."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys

import yaml

from conftest import RAW, REPO, run_cli

DATA_TESTS = ["tests/test_readme.py", "tests/test_docs.py", "tests/test_processed.py", "tests/test_provenance.py",
              "tests/test_charts.py", "tests/test_loaders.py"]
"""The tests that read the data (doc examples included), run against the copy."""

TEXT = """Example Assembly adopts resolution on artificial intelligence and curators

EXAMPLE CITY, 30 November 2026 - The Example Assembly adopted resolution A/RES/99/999 by a recorded vote of
100 in favour to 1 against, with no abstentions. Iceland, which introduced the draft, voted against the final
text after a late amendment. Its representative said that every record of the dataset must cite its source.
"""


def records(sha256: str) -> dict[str, dict]:
    """Raw path -> record: a new source, state, document and event that cite each other."""
    source, quote = "src-curator-example-press", "The Example Assembly adopted resolution A/RES/99/999"
    return {
        "sources/curator-example-press.yaml": {
            "id": source, "title": "Example Assembly adopts resolution on artificial intelligence and curators",
            "publisher": "Example Press", "author": None, "url": "https://example.org/curator-press",
            "type": "press_release", "published": "2026-11-30", "accessed": "2026-12-01", "is_primary": True,
            "language": "en", "text": f"texts/{source}.txt", "text_sha256": sha256, "notes": None},
        "actors/curator-example-iceland.yaml": {
            "id": "act-curator-example-iceland", "name": "Iceland", "type": "state", "country": "Iceland",
            "confidence": "official_record",
            "evidence": [{"source": source, "quote": "Iceland, which introduced the draft"}]},
        "documents/curator-example-resolution.yaml": {
            "id": "doc-curator-example-resolution", "title": "Artificial intelligence and curators",
            "type": "resolution", "un_symbol": "A/RES/99/999", "date": "2026-11-30", "confidence": "official_record",
            "evidence": [{"source": source, "quote": quote, "supports": ["un_symbol", "date"]}],
            "sponsors": [{"actor": "act-curator-example-iceland", "role": "main_sponsor", "source": source,
                          "quote": "Iceland, which introduced the draft"}]},
        "events/2026-11-30-curator-example-adoption.yaml": {
            "id": "evt-2026-11-30-curator-example-adoption", "title": "Example Assembly adopts resolution 99/999",
            "type": "adoption", "date": "2026-11-30", "forum": "act-un-general-assembly", "featured": True,
            "decision_method": "recorded_vote",
            "votes": {"yes": 100, "no": 1, "abstain": 0, "yes_complete": False, "no_complete": True,
                      "abstain_complete": True},
            "confidence": "official_record",
            "evidence": [{"source": source, "quote": "30 November 2026", "supports": ["date"]},
                         {"source": source, "quote": "by a recorded vote of 100 in favour to 1 against",
                          "supports": ["votes", "decision_method"]}],
            "actors": [{"actor": "act-curator-example-iceland", "role": "speaker", "source": source,
                        "quote": "Its representative said"}],
            "documents": [{"document": "doc-curator-example-resolution", "relation": "adopted", "source": source,
                           "quote": quote}],
            "related_events": [{"event": "evt-2024-03-21-unga-adopts-a-res-78-265", "relation": "follow_up_to",
                                "source": source, "quote": quote}],
            "named_votes": [{"actor": "act-curator-example-iceland", "vote": "no", "source": source,
                             "quote": "voted against the final text"}],
            "statements": [{"id": "stm-curator-example-iceland-cite-sources", "speaker": "act-curator-example-iceland",
                            "source": source, "quote": "every record of the dataset must cite its source",
                            "themes": ["information_integrity"]}]},
    }


def test_adding_a_valid_record_breaks_no_test(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    (raw / "texts" / "src-curator-example-press.txt").write_text(TEXT, encoding="utf-8")
    for path, record in records(hashlib.sha256(TEXT.encode("utf-8")).hexdigest()).items():
        assert not (raw / path).exists(), f"{path} exists: rename the example record"
        (raw / path).write_text(yaml.safe_dump(record, sort_keys=False, allow_unicode=True), encoding="utf-8")
    processed, docs, charts = tmp_path / "processed", tmp_path / "docs", tmp_path / "charts"
    built = run_cli("build", "--raw", str(raw), "--out", str(processed), "--docs", str(docs))
    assert built.returncode == 0, built.stderr
    env = {**os.environ, "AIGOV_TIMELINE_DATA": str(processed), "AIGOV_TIMELINE_TEST_RAW": str(raw),
           "AIGOV_TIMELINE_TEST_DOCS": str(docs), "AIGOV_TIMELINE_TEST_CHARTS": str(charts)}
    made = subprocess.run([sys.executable, "-m", "aigov_timeline", "charts", "--out", str(charts)], env=env,
                          capture_output=True, text=True, timeout=600)
    assert made.returncode == 0, made.stderr
    tests = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *DATA_TESTS], cwd=REPO,
                           env=env, capture_output=True, text=True, timeout=900)
    assert tests.returncode == 0, tests.stdout[-6000:]
