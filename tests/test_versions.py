"""A document's versions, aligned clause by clause: the computed statuses (same, reworded, missing) are
reproducible and only computed where a reference exists; the curated ones come with both passages; the side-by-side
view and the command show them."""

from __future__ import annotations

import shutil

import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st

from aigov_timeline.build.quotes import collapse
from aigov_timeline.build.versions import REWORDED, align
from aigov_timeline.loaders import versions_of
from conftest import RAW, REPO, run_cli

BASE = REPO / "tests" / "bad_inputs" / "_base"
TEXT = collapse("A copy of resolution 99/1. 1. Calls upon all States to cooperate on artificial intelligence. "
                "2. Invites countries to share their knowledge with developing nations. "
                "3. Supports the use of artificial intelligence to interfere in the affairs of other States.")


def test_a_passage_word_for_word_is_the_same():
    match = align("Calls upon all States  to cooperate\non artificial intelligence.", TEXT, 0)
    assert (match.status, match.quote, match.similarity) == \
        ("same", "Calls upon all States to cooperate on artificial intelligence.", 100)


def test_a_passage_in_other_words_is_reworded_with_its_whole_sentence():
    match = align("Encourages States to share knowledge with developing countries.", TEXT, 0)
    assert match.status == "reworded" and match.quote in TEXT
    assert match.quote == "Invites countries to share their knowledge with developing nations."
    assert REWORDED * 100 <= match.similarity < 100


def test_a_clause_the_text_lacks_is_missing():
    match = align("Requests the Secretary-General to report on the implementation of this resolution.", TEXT, 0)
    assert match.status == "missing" and match.quote is None


def test_alignment_searches_only_after_the_previous_passage():
    first = align("Invites countries to share their knowledge with developing nations.", TEXT, 0)
    assert align("Calls upon all States to cooperate on artificial intelligence.", TEXT, first.end).status != "same"


def test_chinese_is_compared_character_by_character():
    text = collapse("前言。人工智能是人类发展的新领域。当前全球发展迅速。")
    match = align("人工智能是人类发展新领域。", text, 0)
    assert match.status == "reworded" and match.quote == "人工智能是人类发展的新领域。" and match.similarity > 90


@given(st.lists(st.sampled_from("states share knowledge with developing countries the of to".split()),
                min_size=3, max_size=12), st.integers(0, 40))
def test_alignment_is_reproducible(words, start):
    reference = " ".join(words)
    assert align(reference, TEXT, start) == align(reference, TEXT, start)
    assert align(reference, TEXT, start).status in ("same", "reworded", "missing")


WORDS = st.sampled_from("states share knowledge with developing countries the of to and ai".split())


@given(st.lists(WORDS, min_size=1, max_size=10), st.lists(WORDS, min_size=1, max_size=40))
def test_the_best_window_is_the_one_every_window_compared_would_give(ref, words):
    """The windows skipped by their bound never beat the best: the same window as comparing them all, in order."""
    from difflib import SequenceMatcher

    from aigov_timeline.build.versions import _best_window, _candidates

    best = (0.0, 0, 0)
    for first in _candidates(ref, words):
        for count in range(max(1, len(ref) * 2 // 3), min(len(ref) * 4 // 3 + 1, len(words) - first) + 1):
            ratio = SequenceMatcher(None, ref, words[first:first + count], autojunk=False).ratio()
            if ratio > best[0]:
                best = (ratio, first, count)
    assert _best_window(ref, words) == best


@pytest.fixture(scope="module")
def base_build(tmp_path_factory):
    root = tmp_path_factory.mktemp("versions")
    shutil.copytree(BASE, root / "raw")
    shutil.copytree(RAW / "vocabularies", root / "raw" / "vocabularies")
    shutil.copyfile(RAW / "dataset.yaml", root / "raw" / "dataset.yaml")
    result = run_cli("build", "--raw", str(root / "raw"), "--out", str(root / "processed"), "--docs",
                     str(root / "docs"))
    assert result.returncode == 0, result.stderr
    return root


def test_the_build_aligns_every_version_with_every_reference(base_build):
    passages = pq.read_table(base_build / "processed" / "passages.parquet").to_pandas()
    status = passages.set_index(["version_id", "clause"])["status"].to_dict()
    assert status == {("ver-example-res-1-text", 1): "reference", ("ver-example-res-1-text", 2): "reference",
                      ("ver-example-res-1-text", 3): "reference", ("ver-example-res-1-blog", 1): "same",
                      ("ver-example-res-1-blog", 2): "reworded", ("ver-example-res-1-blog", 3): "contradicts"}
    computed = passages.set_index(["version_id", "clause"])["computed"]
    assert computed[("ver-example-res-1-blog", 2)] and not computed[("ver-example-res-1-blog", 3)]
    assert (passages["source_id"] == passages["version_id"].map(
        {"ver-example-res-1-text": "src-example-resolution-text", "ver-example-res-1-blog": "src-example-blog-copy"})
    ).all()


def test_a_rebuild_gives_the_same_passages(base_build, tmp_path):
    again = run_cli("build", "--raw", str(base_build / "raw"), "--out", str(tmp_path / "p"), "--docs",
                    str(tmp_path / "d"))
    assert again.returncode == 0
    assert (tmp_path / "p" / "passages.parquet").read_bytes() == \
        (base_build / "processed" / "passages.parquet").read_bytes()


def test_versions_puts_the_references_beside_each_passage(base_build):
    tables = {name: pq.read_table(base_build / "processed" / f"{name}.parquet").to_pandas()
              for name in ("document_versions", "passages")}
    side = versions_of("doc-example-res-1", **tables)
    row = side.query("clause == 3 and status == 'contradicts'").iloc[0]
    assert row["reference"].startswith("Opposes") and row["quote"].startswith("Supports")
    assert side.groupby("clause")["status"].first().tolist() == ["reference"] * 3  # the reference comes first
    with pytest.raises(LookupError, match="doc-example-res-1"):
        versions_of("doc-example-draft-1", **tables)


def test_the_versions_command_prints_them_side_by_side(base_build):
    import os
    import subprocess
    import sys

    env = {**os.environ, "AIGOV_TIMELINE_DATA": str(base_build / "processed")}
    result = subprocess.run([sys.executable, "-m", "aigov_timeline", "versions", "doc-example-res-1"], env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Clause 3" in result.stdout and "contradicts" in result.stdout and "reworded 59%" in result.stdout
    missing = subprocess.run([sys.executable, "-m", "aigov_timeline", "versions", "doc-nothing"], env=env,
                             capture_output=True, text=True, timeout=120)
    assert missing.returncode == 1 and "has no recorded versions" in missing.stderr
