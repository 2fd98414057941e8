"""The build's fast path (``aigov_timeline.columnar``) gives exactly what reading record by record gives: the same
tables for valid files, and, for every file it does not fully understand, the same problems (it hands them back)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aigov_timeline import build, columnar
from aigov_timeline.problems import DataProblems
from aigov_timeline.raw import read_raw

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
BASE = ROOT / "tests" / "bad_inputs" / "_base"
EVENT = "events/2024-03-20-example-meeting.yaml"


def outcome(raw: Path, fast: bool):
    """("built", tables) or ("problems", every problem as a tuple)."""
    try:
        return "built", build.check_raw(raw, fast=fast).tables
    except DataProblems as exc:
        return "problems", [(p.file, p.record, p.field, p.message, repr(p.value), p.hint) for p in exc.problems]


def assert_same(raw: Path) -> str:
    fast, slow = outcome(raw, True), outcome(raw, False)
    assert fast[0] == slow[0], (fast[0], slow[1] if slow[0] == "problems" else fast[1])
    if fast[0] == "built":
        assert list(fast[1]) == list(slow[1])
        for name, table in slow[1].items():
            assert fast[1][name].equals(table, check_metadata=True), name
    else:
        assert fast[1] == slow[1]
    return fast[0]


def fast_rows(raw: Path) -> int:
    return sum(p.table.num_rows for pieces in read_raw(raw, fast=True).fast.values() for p in pieces)


def test_the_shipped_data_is_the_same_both_ways():
    assert assert_same(RAW) == "built"


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("generated") / "raw"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "generate.py"), "--events", "600", str(out)],
                   check=True, capture_output=True)
    return out


def test_generated_data_is_read_entirely_by_the_fast_path_and_the_same(generated):
    raw = read_raw(generated, fast=True)
    assert all(not records for records in raw.records.values())
    built = build.check_raw(generated)
    assert fast_rows(generated) == sum(t.num_rows for name, t in built.tables.items() if not name.startswith("vocab"))
    assert assert_same(generated) == "built"


@pytest.fixture()
def base(tmp_path) -> Path:
    raw = tmp_path / "raw"
    shutil.copytree(BASE, raw)
    shutil.copytree(RAW / "vocabularies", raw / "vocabularies")
    shutil.copyfile(RAW / "dataset.yaml", raw / "dataset.yaml")
    return raw


TITLE = "title: Example Council meeting on artificial intelligence\n"
VARIANTS = {
    # valid YAML the fast path reads, or hands back; either way the result is the same
    "records wrapper": lambda t: "records:\n" + "".join(f"  {line}\n" if line else "\n" for line in t.splitlines())
    .replace("  id:", "- id:", 1),
    "indented sequences": lambda t: t.replace("\n  - ", "\n      - ").replace("\n- ", "\n  - ")
    .replace("\n  ", "\n    ").replace("\n    - ", "\n  - ").replace("\n        - ", "\n      - "),
    "blank lines": lambda t: t.replace("\ntype:", "\n\n\ntype:"),
    "trailing spaces": lambda t: t.replace(TITLE, TITLE[:-1] + "   \n"),
    "comment line": lambda t: "# a comment\n" + t,
    "trailing comment": lambda t: t.replace(TITLE, TITLE[:-1] + " # a comment\n"),
    "single quotes": lambda t: t.replace(TITLE, "title: 'Example ''Council'' meeting'\n"),
    "double quotes": lambda t: t.replace(TITLE, 'title: "Example Council meeting"\n'),
    "escapes": lambda t: t.replace(TITLE, 'title: "Example Caf\\u00e9 meeting \\"x\\""\n'),
    "bad escape": lambda t: t.replace(TITLE, 'title: "Example \\q meeting"\n'),
    "folded title": lambda t: t.replace(TITLE, "title: Example Council meeting\n  on artificial intelligence\n"),
    "block scalar": lambda t: t.replace(TITLE, "title: >-\n  Example Council meeting\n"),
    "flow supports": lambda t: t.replace("  supports:\n  - date\n  - occurrence\n", "  supports: [date, occurrence]\n"),
    "no supports": lambda t: t.replace("  supports:\n  - date\n  - occurrence\n", "  supports: []\n"),
    "null supports": lambda t: t.replace("  supports:\n  - date\n  - occurrence\n", "  supports:\n"),
    "votes block": lambda t: t.replace("votes: null\n", "votes:\n  'yes': 3\n  no: 1\n  abstain: 0\n"),
    "votes plain yes": lambda t: t.replace("votes: null\n", "votes:\n  yes: 3\n  no: 1\n"),
    "votes flow": lambda t: t.replace("votes: null\n", "votes: {yes: 3, no: 1}\n"),
    "votes octal": lambda t: t.replace("votes: null\n", "votes:\n  yes: 010\n"),
    "votes sexagesimal": lambda t: t.replace("votes: null\n", "votes:\n  yes: 1:30\n"),
    "featured yes": lambda t: t.replace("featured: true", "featured: yes"),
    "featured On": lambda t: t.replace("featured: true", "featured: On"),
    "tilde null": lambda t: t.replace("notes: null", "notes: ~"),
    "empty null": lambda t: t.replace("notes: null", "notes:"),
    "unicode": lambda t: t.replace(TITLE, "title: Réunion du Conseil sur l’IA 人工智能\n"),
    "date unquoted": lambda t: t.replace("date: '2024-03-20'", "date: 2024-03-20"),
    "document start": lambda t: "---\n" + t,
    "no final newline": lambda t: t.rstrip("\n"),
    # problems, which the full path reports
    "title yes": lambda t: t.replace(TITLE, "title: yes\n"),
    "title number": lambda t: t.replace(TITLE, "title: 2024\n"),
    "title float": lambda t: t.replace(TITLE, "title: 1.5e3\n"),
    "title null": lambda t: t.replace(TITLE, "title: null\n"),
    "title empty quotes": lambda t: t.replace(TITLE, "title: ''\n"),
    "title edge space": lambda t: t.replace(TITLE, "title: ' Example'\n"),
    "title no-break space": lambda t: t.replace(TITLE, "title: Example\u00a0\n"),
    "title list": lambda t: t.replace(TITLE, "title: []\n"),
    "title mapping": lambda t: t.replace(TITLE, "title:\n  en: Example\n"),
    "colon in value": lambda t: t.replace(TITLE, "title: Example: meeting\n"),
    "tab": lambda t: t.replace(TITLE, "title: Example\tmeeting\n"),
    "crlf": lambda t: t.replace("\n", "\r\n"),
    "duplicate key": lambda t: t + "title: Again\n",
    "duplicate nested key": lambda t: t.replace("  role: convener\n", "  role: convener\n  role: speaker\n"),
    "unknown key": lambda t: t + "colour: blue\n",
    "derived key": lambda t: t + "date_precision: day\n",
    "unknown nested key": lambda t: t.replace("  role: convener\n", "  role: convener\n  colour: blue\n"),
    "unknown votes key": lambda t: t.replace("votes: null\n", "votes:\n  maybe: 3\n"),
    "votes negative": lambda t: t.replace("votes: null\n", "votes:\n  no: -1\n"),
    "votes too many": lambda t: t.replace("votes: null\n", "votes:\n  no: 40000\n"),
    "votes text": lambda t: t.replace("votes: null\n", "votes: three\n"),
    "missing id": lambda t: t.replace("id: evt-2024-03-20-example-meeting\n", ""),
    "id number": lambda t: t.replace("id: evt-2024-03-20-example-meeting\n", "id: 12\n"),
    "bad date": lambda t: t.replace("date: '2024-03-20'", "date: '2024-02-30'"),
    "date as month": lambda t: t.replace("date: '2024-03-20'", "date: '2024-03'"),
    "end before start": lambda t: t.replace("end_date: null", "end_date: '2024-03-19'"),
    "end same as start": lambda t: t.replace("end_date: null", "end_date: '2024-03-20'"),
    "end without start": lambda t: t.replace("date: '2024-03-20'\n", "").replace("end_date: null",
                                                                                 "end_date: '2024-03-21'"),
    "featured text": lambda t: t.replace("featured: true", "featured: 'true'"),
    "supports unknown": lambda t: t.replace("  - occurrence\n", "  - colour\n"),
    "supports number": lambda t: t.replace("  - occurrence\n", "  - 3\n"),
    "theme empty": lambda t: t.replace("  - open_cooperation\n", "  - ''\n"),
    "theme unknown": lambda t: t.replace("  - open_cooperation\n", "  - nonsense\n"),
    "evidence not a list": lambda t: t.replace("evidence:\n", "evidence: none\nx:\n"),
    "item not a mapping": lambda t: t.replace("documents:\n- document:", "documents:\n- plain\n- document:"),
    "dangling actor": lambda t: t.replace("- actor: act-nor\n", "- actor: act-nobody\n"),
    "quote not in source": lambda t: t.replace("  quote: convened by Norway\n", "  quote: convened by Sweden\n"),
    "duplicate link": lambda t: t.replace("documents:\n", "documents:\n- document: doc-example-draft-1\n"
                                          "  relation: discussed\n  source: src-example-news\n"
                                          "  quote: The draft resolution A/99/L.1 was discussed at the meeting.\n"),
    "anchor": lambda t: t.replace("location: Example City", "location: &city Example City")
    .replace("notes: null\n", "notes: *city\n", 1),
    "python tag": lambda t: t.replace("notes: null\n", "notes: !!python/object:object {}\n", 1),
    "bad indentation": lambda t: t.replace("  quote: convened by Norway\n", "   quote: convened by Norway\n"),
    "dash too deep": lambda t: t.replace("  - occurrence\n", "    - occurrence\n"),
    "nothing after dash": lambda t: t.replace("  - occurrence\n", "  -\n"),
}


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_a_variant_of_a_record_gives_the_same_result_both_ways(base, variant):
    path = base / EVENT
    text = VARIANTS[variant](path.read_text(encoding="utf-8"))
    assert text != path.read_text(encoding="utf-8"), "the variant must change the file"
    path.write_bytes(text.encode("utf-8"))
    assert_same(base)


@pytest.mark.parametrize("variant", ["duplicate key", "duplicate nested key"])
def test_repeated_keys_are_found_without_numpy_bit_counts(base, variant, monkeypatch):
    """With more key names than bits, or a numpy without ``bitwise_count``, repeated keys are found by sorting."""
    import numpy as np

    monkeypatch.delattr(np, "bitwise_count", raising=False)
    path = base / EVENT
    path.write_text(VARIANTS[variant](path.read_text(encoding="utf-8")), encoding="utf-8")
    fast = read_raw(base, fast=True).fast["events"]
    assert [i for piece in fast for i in piece.table.column("event_id").to_pylist()] == ["evt-2024-03-21-example-adoption"]
    assert assert_same(base) == "problems"


def test_the_fast_path_reads_the_usual_variants_itself(base):
    """Formatting that tools and people commonly write stays on the fast path (else it would be slow)."""
    path = base / EVENT
    original = path.read_text(encoding="utf-8")
    before = fast_rows(base)
    assert before > 0
    for variant in ("records wrapper", "indented sequences", "blank lines", "trailing spaces", "single quotes",
                    "double quotes", "escapes", "no supports", "null supports", "votes block", "votes plain yes",
                    "featured yes", "tilde null", "empty null", "unicode", "date unquoted", "no final newline"):
        path.write_text(VARIANTS[variant](original), encoding="utf-8")
        assert fast_rows(base) == before, variant
    path.write_text(original, encoding="utf-8")


def test_a_file_with_a_problem_is_handed_back(base):
    path = base / EVENT
    path.write_text(VARIANTS["title yes"](path.read_text(encoding="utf-8")), encoding="utf-8")
    raw = read_raw(base, fast=True)
    assert [r.id for r in raw.records["events"]] == ["evt-2024-03-20-example-meeting"]
    fast_ids = [i for piece in raw.fast["events"] for i in piece.table.column("event_id").to_pylist()]
    assert fast_ids == ["evt-2024-03-21-example-adoption"]


SOURCE = "sources/example-news.yaml"
TEXT_LINE = "text: texts/src-example-news.txt\n"
SOURCE_VARIANTS = {
    # the fast path checks the stored texts of the sources it reads, and hands back a source whose text is wrong
    "text changed": lambda raw: (raw / "texts/src-example-news.txt").write_text("Other words.\n", encoding="utf-8"),
    "text missing": lambda raw: (raw / "texts/src-example-news.txt").unlink(),
    "text with a byte-order mark": lambda raw: (raw / "texts/src-example-news.txt").write_bytes(
        b"\xef\xbb\xbf" + (raw / "texts/src-example-news.txt").read_bytes()),
    "text path leaves the folder": lambda raw: _edit(raw / SOURCE, TEXT_LINE, "text: ../../etc/passwd\n"),
    "text symlink leaves the folder": lambda raw: ((raw / "texts/src-example-news.txt").unlink(),
                                                  (raw / "texts/src-example-news.txt").symlink_to("/etc/hostname")),
    "checksum missing": lambda raw: _edit(raw / SOURCE, _line_of(raw / SOURCE, "text_sha256:"), ""),
}


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def _line_of(path: Path, start: str) -> str:
    return next(line for line in path.read_text(encoding="utf-8").splitlines(keepends=True) if line.startswith(start))


@pytest.mark.parametrize("variant", list(SOURCE_VARIANTS))
def test_a_source_whose_stored_text_is_wrong_gives_the_same_result_both_ways(base, variant):
    SOURCE_VARIANTS[variant](base)
    assert assert_same(base) == "problems"
    assert [r.id for r in read_raw(base, fast=True).records["sources"]] == ["src-example-news"]


def test_the_fast_path_gives_every_stored_text_it_checked(base):
    raw = read_raw(base, fast=True)
    assert [ids for ids, _, _ in raw.fast_texts] == [["src-example-news", "src-example-press"]]
    ids, collapsed, ends = raw.fast_texts[0]
    texts = [collapsed[a:b].decode("utf-8") for a, b in zip([0, *ends], ends)]
    assert texts == [" ".join((base / f"texts/{i}.txt").read_text(encoding="utf-8").split()) for i in ids]


plain_texts = st.text(st.characters(codec="utf-8", exclude_characters="\x85\ufeff"), min_size=1, max_size=30)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(title=plain_texts, notes=st.one_of(st.none(), plain_texts), width=st.sampled_from([20, 80, 10_000]),
       unicode=st.booleans(), quotes=st.sampled_from([None, "'", '"']))
def test_any_text_written_by_a_yaml_tool_gives_the_same_result_both_ways(base, title, notes, width, unicode, quotes):
    path = base / EVENT
    record = yaml.safe_load(path.read_text(encoding="utf-8"))
    record["title"], record["notes"] = title, notes
    path.write_text(yaml.safe_dump(record, sort_keys=False, allow_unicode=unicode, width=width,
                                   default_style=quotes), encoding="utf-8")
    assert_same(base)


def test_dates_are_parsed_like_the_date_model():
    import pyarrow as pa

    from aigov_timeline import dates

    values = ["2024", "2024-02", "2024-02-29", "2023-02-29", "2024-13", "1899", "2101-01", "2024-1-01", "20240",
              "2024-04-31", "2024-12", "2024-12-31", "1900-01-01", None, "", "abcd"]
    start, end, precision, bad = columnar.parse_dates(pa.array(values, pa.string()))
    for i, value in enumerate(values):
        if value is None:
            assert not bad[i] and precision[i] == 0
            continue
        try:
            parsed = dates.parse(value)
        except dates.DateError:
            assert bad[i], value
            continue
        assert not bad[i], value
        assert (start[i].item(), end[i].item(), ["", "year", "month", "day"][precision[i]]) == \
            (parsed.start, parsed.end, parsed.precision), value


def _records(path: Path) -> list[str]:
    """The records of a generated file (``records:`` then one ``- id:`` block each), as written."""
    return ["- id:" + block for block in path.read_text(encoding="utf-8").split("\n- id:")[1:]]


def _write_records(path: Path, records: list[str]) -> None:
    path.write_text("records:\n" + "".join(r if r.endswith("\n") else r + "\n" for r in records), encoding="utf-8")


@pytest.fixture()
def one_file_a_batch(monkeypatch):
    """Every file read as a batch of its own, so that each table comes in several pieces."""
    monkeypatch.setattr(columnar, "BATCH_BYTES", 1)


@pytest.fixture()
def interleaved(generated, tmp_path) -> Path:
    """The generated folder with the events of its first two files dealt alternately between them, so that the
    pieces of the events tables interleave by key."""
    raw = tmp_path / "raw"
    shutil.copytree(generated, raw)
    first, second = sorted((raw / "events").glob("*.yaml"))[:2]
    records = _records(first) + _records(second)
    _write_records(first, records[0::2])
    _write_records(second, records[1::2])
    return raw


def test_pieces_that_interleave_by_key_are_sorted_as_a_whole(interleaved, one_file_a_batch):
    pieces = read_raw(interleaved, fast=True).fast["events"]
    assert len(pieces) >= 2
    ids = [piece.table.column("event_id").to_pylist() for piece in pieces]
    assert all(piece == sorted(piece) for piece in ids), "each piece is sorted by its reader"
    assert ids[0][-1] > ids[1][0], "the first two pieces interleave"
    tables = build.check_raw(interleaved).tables
    for name in ("events", "event_actors", "event_evidence"):
        keys = tables[name].select(list(build.TABLES[name].primary_key)).to_pylist()
        assert keys == sorted(keys, key=lambda row: tuple(row.values())), name
    assert assert_same(interleaved) == "built"


def test_worker_processes_read_the_same_pieces_as_this_process(interleaved, one_file_a_batch, monkeypatch):
    """Worker processes write the rows they read to scratch files, which this process maps: the tables and the
    origins are the same as when this process reads every batch itself, and no scratch is left."""
    from aigov_timeline import scratch

    here = read_raw(interleaved, fast=True)
    monkeypatch.setattr(columnar, "PARALLEL_BYTES", 0)
    there = read_raw(interleaved, fast=True)
    assert list(there.fast) == list(here.fast)
    for name, pieces in here.fast.items():
        assert len(there.fast[name]) == len(pieces) > 0
        for mine, theirs in zip(pieces, there.fast[name]):
            assert theirs.table.equals(mine.table, check_metadata=True)
            assert [theirs.origins[i] for i in range(len(mine.origins))] == \
                [mine.origins[i] for i in range(len(mine.origins))]
    assert [(ids, texts) for ids, texts, _ in there.fast_texts] == [(ids, texts) for ids, texts, _ in here.fast_texts]
    for place in (scratch.location(), scratch.location(shared_bytes=1)):
        assert not list(place.glob(f"{scratch.prefix('pieces')}*"))
    assert assert_same(interleaved) == "built"


@pytest.mark.parametrize("failure", ["no scratch folder", "workers cannot write"])
def test_without_room_for_scratch_this_process_reads_every_batch(interleaved, one_file_a_batch, monkeypatch,
                                                                  tmp_path, failure):
    from contextlib import contextmanager

    from aigov_timeline import scratch

    here = read_raw(interleaved, fast=True)

    @contextmanager
    def folder(kind, shared_bytes=0):
        if failure == "no scratch folder":
            raise OSError(28, "No space left on device")
        yield tmp_path / "gone"  # a folder that does not exist: every worker fails to write its rows

    monkeypatch.setattr(scratch, "folder", folder)
    monkeypatch.setattr(columnar, "PARALLEL_BYTES", 0)
    there = read_raw(interleaved, fast=True)
    for name, pieces in here.fast.items():
        assert [p.table for p in there.fast[name]] == [p.table for p in pieces]


def test_a_duplicate_id_in_two_pieces_is_reported_at_both(generated, tmp_path, one_file_a_batch):
    raw = tmp_path / "raw"
    shutil.copytree(generated, raw)
    first, second = sorted((raw / "events").glob("*.yaml"))[:2]
    copied = _records(first)[3]
    _write_records(second, _records(second) + [copied])
    with pytest.raises(DataProblems) as caught:
        build.check_raw(raw)
    copied_id = copied.split("\n", 1)[0].removeprefix("- id: ")
    duplicates = [p for p in caught.value.problems if p.message.startswith("duplicate primary key") and p.field == "id"]
    assert {(p.file.rsplit("/", 1)[-1], p.record) for p in duplicates} == {(first.name, copied_id),
                                                                           (second.name, copied_id)}
    assert assert_same(raw) == "problems"
