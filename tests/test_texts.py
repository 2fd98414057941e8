"""The quote search (``aigov_timeline.texts``): the same quotes are found missing whether searched here or by worker
processes, in chunks of any size, with whitespace collapsed on both sides."""

from __future__ import annotations

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aigov_timeline import texts as texts_module
from aigov_timeline.texts import Texts, collapse

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
    ("src-c", "", True),
    ("src-c", "anything", False),
    ("src-missing", "anything", None),  # a source without a text: not searched
    ("src-a", None, None),  # a null quote: not searched
]


def expected_missing(cases) -> list[int]:
    return [i for i, (_, _, found) in enumerate(cases) if found is False]


@pytest.fixture()
def texts():
    with Texts() as stored:
        for source_id, text in TEXTS.items():
            stored.add(source_id, text)
        yield stored


def columns(cases, chunk: int):
    ids = [c[0] for c in cases]
    quotes = [c[1] for c in cases]
    chunked = pa.chunked_array([pa.array(quotes[i:i + chunk], pa.string()) for i in range(0, len(quotes), chunk)],
                               pa.string())
    return pa.chunked_array([pa.array(ids, pa.string())]), chunked


def test_collapsed_texts_read_back(texts):
    assert texts.get("src-a") == collapse(TEXTS["src-a"]) == "The Council met on 18 July 2023 to discuss AI."
    assert texts.get("src-b") == collapse(TEXTS["src-b"])
    assert texts.get("src-c") == ""
    assert texts.get("src-missing") is None
    assert "src-a" in texts and "src-missing" not in texts


@pytest.mark.parametrize("chunk", [1, 5, 100])
def test_missing_quotes_are_found_in_this_process(texts, chunk, monkeypatch):
    monkeypatch.setattr(texts_module, "CHUNK_QUOTES", 4)
    search = texts.search([columns(CASES, chunk), columns(CASES[::-1], chunk)])
    assert search.started is None
    missing = search.missing()
    assert missing[0].tolist() == expected_missing(CASES)
    assert missing[1].tolist() == expected_missing(CASES[::-1])


def test_worker_processes_find_the_same(texts, monkeypatch):
    monkeypatch.setattr(texts_module, "PARALLEL_QUOTES", 1)
    monkeypatch.setattr(texts_module, "CHUNK_QUOTES", 3)
    cases = CASES * 5
    search = texts.search([columns(cases, 2), columns(CASES, 7)])
    assert search.started is not None and len(search.rows) > 2
    missing = search.missing()
    assert missing[0].tolist() == expected_missing(cases)
    assert missing[1].tolist() == expected_missing(CASES)


def test_the_file_is_removed_on_exit():
    with Texts() as stored:
        stored.add("src-a", "text")
        path = stored.path
        assert texts_module.os.path.exists(path)
    assert not texts_module.os.path.exists(path)


def test_texts_collapsed_elsewhere_read_back_the_same(texts):
    with Texts() as other:
        collapsed = [collapse(text).encode("utf-8") for text in TEXTS.values()]
        other.add("src-first", "Some text before.")
        ends = [sum(len(c) for c in collapsed[:i + 1]) for i in range(len(collapsed))]
        other.add_collapsed(list(TEXTS), b"".join(collapsed), ends)
        other.add("src-last", "And after.")
        assert [other.get(source_id) for source_id in TEXTS] == [texts.get(source_id) for source_id in TEXTS]
        assert (other.get("src-first"), other.get("src-last")) == ("Some text before.", "And after.")


WORDS = ["the", "council", "met", "on", "council-wide", "AI", "governance", "l’IA", "人工智能", "met-on"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(WORDS), min_size=1, max_size=60), st.data())
def test_the_word_index_finds_exactly_what_a_scan_finds(words, data):
    """Quotes that begin a word, begin inside one, repeat a key, run past the end, or do not occur at all."""
    text = " ".join(words).encode("utf-8")
    quotes = []
    for _ in range(data.draw(st.integers(texts_module.INDEXED_QUOTES, 40))):
        start = data.draw(st.integers(0, len(text)))
        quote = text[start:start + data.draw(st.integers(0, 40))]
        quotes.append(data.draw(st.sampled_from([quote, quote + b"x", b"met " + quote, None])))
    assert texts_module._find_all(text, quotes) == [q is None or q in text for q in quotes]


def test_many_quotes_of_one_source_are_found_by_the_index(texts, monkeypatch):
    monkeypatch.setattr(texts_module, "INDEXED_QUOTES", 1)
    ids, quotes = columns(CASES * 5, chunk=4)
    assert texts.search([(ids, quotes)]).missing()[0].tolist() == expected_missing(CASES * 5)


def test_without_worker_processes_this_process_searches(texts, monkeypatch):
    """Where worker processes cannot be started (no fork server, as on Windows), the search is done here."""
    import multiprocessing

    from aigov_timeline import parallel

    asked = []

    def no_fork_server(method=None):
        asked.append(method)
        raise ValueError(f"cannot find context for {method!r}")

    monkeypatch.setattr(texts_module, "PARALLEL_QUOTES", 1)
    monkeypatch.setattr(texts_module, "CHUNK_QUOTES", 3)
    monkeypatch.setattr(multiprocessing, "get_context", no_fork_server)
    monkeypatch.setattr(parallel, "cores", lambda: 2)
    assert texts.search([columns(CASES * 5, 2)]).missing()[0].tolist() == expected_missing(CASES * 5)
    assert asked == ["forkserver"]
