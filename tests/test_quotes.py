"""The quote check (``aigov_timeline.build.quotes``): a quote matches its own source's stored text verbatim, with
whitespace collapsed on both sides, and a missing quote is reported at its row with the closest passage."""

from __future__ import annotations

import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from aigov_timeline.build.quotes import closest_passage, collapse, quote_problems
from aigov_timeline.metadata import TABLES
from aigov_timeline.problems import Origin
from aigov_timeline.schemas import arrow_schema

TEXTS = {
    "src-a": "The Council met on\n18 July 2023   to discuss AI.",
    "src-b": "Réunion du Conseil sur l’IA — 人工智能\u00a0治理.",
    "src-c": "",
}
CASES = [  # (source, quote, found)
    ("src-a", "met on 18 July 2023 to discuss", True),
    ("src-a", "met on\t18 July  2023", True),
    ("src-a", " The Council ", True),
    ("src-a", "met in 18 July", False),
    ("src-a", "discuss AI. The", False),  # not across the end of the text
    ("src-b", "The Council met", False),  # not in another source's text
    ("src-b", "l’IA — 人工智能 治理", True),
    ("src-b", "l'IA", False),
    ("src-c", "anything", False),
    ("src-missing", "anything", None),  # a source without a text: reported by the stored-text check instead
    ("src-a", None, None),  # a null quote: reported by the schema check instead
]


def statements(cases) -> pa.Table:
    rows = [{"statement_id": f"stm-{i}", "speaker_id": "act-x", "source_id": source, "quote": quote}
            for i, (source, quote, _) in enumerate(cases)]
    return pa.Table.from_pylist(rows, schema=arrow_schema(TABLES["statements"]))


def origin_of(table: str, index: int) -> Origin:
    return Origin(f"{table}.yaml", f"row-{index}")


def test_collapse_makes_every_run_of_whitespace_one_space():
    assert collapse(TEXTS["src-a"]) == "The Council met on 18 July 2023 to discuss AI."
    assert collapse(" \t\n ") == ""
    assert collapse("a\u00a0b\u3000c") == "a b c"


def test_the_missing_quotes_are_reported_at_their_rows():
    texts = {key: collapse(text) for key, text in TEXTS.items()}
    problems = quote_problems({"statements": statements(CASES)}, texts, origin_of)
    assert [p.record for p in problems] == [f"row-{i}" for i, (_, _, found) in enumerate(CASES) if found is False]
    assert all(p.field == "quote" and p.message.startswith("quote not found in the stored text of src-")
               for p in problems)


def test_the_report_shows_the_closest_passage():
    problem, = quote_problems({"statements": statements([("src-a", "met in 18 July", False)])},
                              {"src-a": collapse(TEXTS["src-a"])}, origin_of)
    assert "'met on 18 July'" in problem.hint


@given(st.lists(st.text(alphabet="ab \n\u00a0", min_size=1), min_size=1, max_size=8), st.data())
def test_any_passage_of_the_text_is_found(words, data):
    text = " ".join(words)
    start = data.draw(st.integers(0, len(text)))
    quote = text[start:data.draw(st.integers(start, len(text)))]
    assert quote_problems({"statements": statements([("src-a", quote, True)])}, {"src-a": collapse(text)},
                          origin_of) == []


@pytest.mark.parametrize("quote, text", [("in 18", "met on 18 July"), ("xyz", "")])
def test_closest_passage_never_fails(quote, text):
    assert isinstance(closest_passage(quote, text), str)
