"""Property-based tests (hypothesis): the date model on any text, and any valid record through raw YAML -> build ->
tables -> CSV export -> read back."""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import hashlib
import re
import shutil
from pathlib import Path

import pandas.testing as pdt
import pytest
import yaml
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from aigov_timeline import build
from aigov_timeline.dates import EARLIEST_YEAR, LATEST_YEAR, DateError, PartialDate, parse, precision_of
from aigov_timeline.exports import csv
from aigov_timeline.frames import to_frame
from aigov_timeline.metadata import TABLES
from aigov_timeline.problems import DataProblems
from conftest import RAW

# --- the date model ------------------------------------------------------------------------------------------

FORMS = {"day": "%Y-%m-%d", "month": "%Y-%m", "year": "%Y"}
ASCII_DATE = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?")
real_dates = st.dates(dt.date(EARLIEST_YEAR, 1, 1), dt.date(LATEST_YEAR, 12, 31))
precisions = st.sampled_from(list(FORMS))


def render(day: dt.date, precision: str) -> str:
    return f"{day.year:04d}" if precision == "year" else day.strftime(FORMS[precision])


def bounds(day: dt.date, precision: str) -> tuple[dt.date, dt.date]:
    """The first and last day a date at this precision can mean (computed without the package)."""
    if precision == "year":
        return dt.date(day.year, 1, 1), dt.date(day.year, 12, 31)
    if precision == "month":
        return day.replace(day=1), day.replace(day=calendar.monthrange(day.year, day.month)[1])
    return day, day


def is_real_date(text: str) -> bool:
    """Independent oracle: ASCII YYYY[-MM[-DD]] naming a real day, month or year in the supported range."""
    match = ASCII_DATE.fullmatch(text)
    if not match:
        return False
    year, month, day = (int(g) if g else 1 for g in match.groups())
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return EARLIEST_YEAR <= year <= LATEST_YEAR


def near_misses() -> st.SearchStrategy[str]:
    """Strings that look almost like dates: digits of any script, edits of real dates, padding, odd separators."""
    valid = st.builds(render, real_dates, precisions)
    edited = st.tuples(valid, st.integers(0, 10), st.characters(codec="utf-8")).map(
        lambda t: t[0][:t[1]] + t[2] + t[0][t[1] + 1:])
    inserted = st.tuples(valid, st.integers(0, 10), st.characters(codec="utf-8")).map(
        lambda t: t[0][:t[1]] + t[2] + t[0][t[1]:])
    padded = st.tuples(st.sampled_from([" ", "\t", "\n", "\u00a0", "\ufeff", "'", '"']), valid, st.booleans()).map(
        lambda t: t[0] + t[1] if t[2] else t[1] + t[0])
    digits = st.from_regex(r"\d{4}(?:-\d{2}(?:-\d{2})?)?", fullmatch=True)  # any script's digits, any number
    numbers = st.tuples(st.integers(0, 9999), st.integers(0, 99), st.integers(0, 99), precisions).map(
        lambda t: "-".join([f"{t[0]:04d}", f"{t[1]:02d}", f"{t[2]:02d}"][:{"year": 1, "month": 2, "day": 3}[t[3]]]))
    return st.one_of(edited, inserted, padded, digits, numbers)


def check_parse(text: str) -> PartialDate | None:
    """parse() either returns consistent bounds or raises DateError with a message; nothing else."""
    try:
        parsed = parse(text)
    except DateError as exc:
        assert str(exc).strip(), f"empty DateError message for {text!r}"
        assert not is_real_date(text), f"{text!r} is a real date but was rejected: {exc}"
        return None
    assert is_real_date(text), f"{text!r} is not a date but parsed as {parsed}"
    assert parsed.value == text
    assert parsed.precision == precision_of(text) == {4: "year", 7: "month", 10: "day"}[len(text)]
    assert parsed.start <= parsed.end
    assert (parsed.start, parsed.end) == bounds(parsed.start, parsed.precision)
    assert render(parsed.start, parsed.precision) == render(parsed.end, parsed.precision) == text
    return parsed


@given(real_dates, precisions)
def test_a_real_date_at_any_precision_parses_to_its_bounds(day, precision):
    text = render(day, precision)
    parsed = check_parse(text)
    assert parsed is not None
    assert (parsed.precision, parsed.start, parsed.end) == (precision, *bounds(day, precision))


@given(near_misses())
@example("２０２３-０７-１８")  # full-width digits
@example("٢٠٢٣")  # Arabic-Indic digits
@example("2023-02-29")
@example("2024-02-29")
@example("1899-12-31")
@example("2101")
@example("2023-00")
@example("2023-07-00")
def test_a_near_miss_parses_only_if_it_is_a_real_date(text):
    check_parse(text)


@given(st.text())
def test_any_text_parses_or_raises_date_error(text):
    check_parse(text)


# --- raw records -> tables -> CSV ----------------------------------------------------------------------------

BASE = Path(__file__).parent / "bad_inputs" / "_base"
FOLDERS = ("sources", "actors", "events")
PREFIX = {folder: TABLES[folder].column(TABLES[folder].primary_key[0]).pattern[1:].split("-")[0]
          for folder in FOLDERS}  # evt, act, src


@functools.cache
def codes(name: str) -> list[str]:
    return [item["code"] for item in yaml.safe_load((RAW / "vocabularies" / f"{name}.yaml").read_text())["codes"]]


@functools.cache
def base_ids(folder: str) -> list[str]:
    return [yaml.safe_load(p.read_text(encoding="utf-8"))["id"] for p in sorted((BASE / folder).glob("*.yaml"))]


# Fragments that YAML, CSV or the whitespace rules treat specially, mixed into generated text. Not NEL (U+0085):
# PyYAML's emitter writes it bare inside quotes with allow_unicode, where YAML reads it as a line break.
TRICKY = ['"', "'", ":", ": ", " #", "#", "- ", "? ", "&a", "*a", "!x", "%", "@", "`", "|", ">", "{", "}", "[", "]",
          ",", "\\", "null", "~", "yes", "No", "on", "1e3", "0x1F", "2023-07-18", "\t", " ", "  ", "\n", "\r\n",
          "\r", "\u00a0", "\u2028", "\ufeff", "\u200b", "é", "e\u0301", "中文", "العربية", "😀", "\x00", "\x7f",
          "...", "---", '""', "''"]
characters = st.characters(codec="utf-8", exclude_characters="\x85")
texts = st.lists(st.one_of(st.text(characters, max_size=12), st.sampled_from(TRICKY)), min_size=1, max_size=6).map(
    "".join)
names = texts.filter(str.strip)
slugs = st.from_regex(r"[a-z0-9]+(?:-[a-z0-9]+)*", fullmatch=True).filter(lambda s: len(s) <= 40)
date_texts = st.builds(render, real_dates, precisions)
days = st.builds(render, real_dates, st.just("day"))
votes = st.dictionaries(st.sampled_from(["yes", "no", "abstain"]), st.integers(0, 32767))


def optional(draw, strategy, record: dict, key: str) -> None:
    """Leave the key out, set it to null, or set it to a drawn value."""
    how = draw(st.sampled_from(["absent", "null", "value"]))
    if how != "absent":
        record[key] = None if how == "null" else draw(strategy)


def quote_of(draw, text: str) -> str:
    start = draw(st.integers(0, len(text) - 1))
    quote = text[start:draw(st.integers(start + 1, len(text)))]
    assume(quote.strip())
    return quote


def day_of(text: str) -> dt.date:
    """The first day of a date text, without the package."""
    return dt.date(*(int(part) for part in (text.split("-") + ["01", "01"])[:3]))


def ends_after(end: str, start: str) -> bool:
    return end != start and day_of(end) >= day_of(start)


@st.composite
def raw_records(draw) -> dict:
    """A new source (with its stored text), actor and event: every field drawn, all valid together."""
    ids = {folder: f"{PREFIX[folder]}-{draw(slugs)}" for folder in FOLDERS}
    assume(not any(ids[folder] in base_ids(folder) for folder in FOLDERS))
    text = "Stored text\n" + draw(texts)
    source = {"id": ids["sources"], "type": draw(st.sampled_from(codes("source_types"))), "accessed": draw(days),
              "is_primary": draw(st.booleans()), "text": f"texts/{ids['sources']}.txt",
              "text_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest()}
    for key in ("title", "publisher", "author", "url", "language", "notes"):
        optional(draw, names, source, key)
    optional(draw, date_texts, source, "published")

    def evidence(most: int, fields: list[str]) -> list[dict]:
        items = {}
        for _ in range(draw(st.integers(1, most))):
            quote = quote_of(draw, text)
            item = {"source": ids["sources"], "quote": quote}
            optional(draw, st.lists(st.sampled_from([*fields, "occurrence"]), unique=True), item, "supports")
            items.setdefault(quote.strip(), item)  # the quote is part of the key
        return list(items.values())

    actor = {"id": ids["actors"], "name": draw(names), "confidence": draw(st.sampled_from(codes("confidence"))),
             "type": draw(st.sampled_from([c for c in codes("actor_types") if c != "state"])),
             "evidence": evidence(2, ["name", "type", "url"])}
    for key in ("short_name", "url", "description", "notes"):
        optional(draw, names, actor, key)
    optional(draw, st.sampled_from(base_ids("actors")), actor, "parent")

    event = {"id": ids["events"], "title": draw(names), "type": draw(st.sampled_from(codes("event_types"))),
             "date": draw(date_texts), "confidence": draw(st.sampled_from(codes("confidence"))),
             "evidence": evidence(3, ["date", "title", "location", "end_date", "votes"])}
    end = draw(st.none() | date_texts)
    if end is not None and ends_after(end, event["date"]):
        event["end_date"] = end
    for key in ("location", "summary", "notes"):
        optional(draw, names, event, key)
    optional(draw, st.booleans(), event, "featured")
    optional(draw, st.sampled_from(codes("decision_methods")), event, "decision_method")
    optional(draw, st.sampled_from([ids["actors"], *base_ids("actors")]), event, "forum")
    optional(draw, votes, event, "votes")
    if draw(st.booleans()):
        link = {"actor": ids["actors"], "role": draw(st.sampled_from(codes("event_roles"))),
                "source": ids["sources"], "quote": quote_of(draw, text)}
        optional(draw, names, link, "title_at_event")
        event["actors"] = [link]
    return {**{folder: record for folder, record in zip(FOLDERS, (source, actor, event))}, "text": text}


record_groups = st.lists(raw_records(), min_size=1, max_size=3,
                         unique_by=tuple(lambda group, f=folder: group[f]["id"] for folder in FOLDERS))
yaml_styles = st.fixed_dictionaries({"unicode": st.booleans(), "width": st.sampled_from([20, 80, 10_000]),
                                     "quotes": st.sampled_from([None, "'", '"']), "plain_keys": st.booleans(),
                                     "one_file": st.booleans()})


def dump(data, style: dict) -> str:
    """YAML as a tool writes it (any quoting style, width, escaping), or with plain keys as people write them."""
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=style["unicode"], width=style["width"],
                          default_style=style["quotes"])
    if style["plain_keys"]:
        text = re.sub(r"""^(\s*(?:- )?)(['"])([a-z_]+)\2:""", r"\1\3:", text, flags=re.MULTILINE)
    return text


def write_records(raw: Path, groups: list[dict], style: dict) -> None:
    """Replace the generated files of the raw folder: one file per record, or one `records:` file per folder."""
    for stale in [*raw.glob("*/generated*.yaml"), *(raw / "texts").glob("src-*.txt")]:
        if not (BASE / stale.relative_to(raw)).exists():
            stale.unlink()
    for folder in FOLDERS:
        records = [group[folder] for group in groups]
        if style["one_file"]:
            for i, record in enumerate(records):
                (raw / folder / f"generated-{i}.yaml").write_text(dump(record, style), encoding="utf-8")
        else:
            (raw / folder / "generated.yaml").write_text(dump({"records": records}, style), encoding="utf-8")
    for group in groups:
        (raw / group["sources"]["text"]).write_text(group["text"], encoding="utf-8", newline="")


def expected_row(name: str, record: dict, derived: dict) -> dict:
    """The row a record should give, from the column declarations: text stripped, defaults filled in."""
    row = {}
    for column in TABLES[name].columns:
        if column.raw_key is None or column.field_list:
            continue
        value = record
        for part in column.raw_key.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if value is None:
            value = column.default
        elif column.type == "string":
            value = value.strip()
        elif column.type == "date32":
            value = dt.date.fromisoformat(value)
        row[column.name] = value
    row.update(derived)
    assert sorted(row) == sorted(TABLES[name].column_names)
    return row


def date_fields(name: str, value: str | None, end: str | None = None) -> dict:
    precision, start, last = (f"{'date_' if name == 'date' else name + '_'}{part}" for part in
                              ("precision", "start", "end"))
    if value is None:
        return {precision: None, start: None, last: None}
    return {precision: precision_of(value), start: bounds(day_of(value), precision_of(value))[0],
            last: bounds(day_of(end or value), precision_of(end or value))[1]}


def rows_of(built, name: str, key: str, value: str) -> list[dict]:
    return sorted((row for row in built.tables[name].to_pylist() if row[key] == value), key=str)


def expected_rows(name: str, items: list[dict], derived) -> list[dict]:
    return sorted((expected_row(name, item, derived(item)) for item in items), key=str)


def check_group(built, group: dict) -> None:
    """The rows of one generated source, actor and event hold exactly the generated values."""
    source, actor, event = (group[folder] for folder in FOLDERS)
    assert rows_of(built, "sources", "source_id", source["id"]) == [expected_row("sources", source, {
        **date_fields("published", source.get("published")), "text_sha256": source["text_sha256"]})]
    assert rows_of(built, "actors", "actor_id", actor["id"]) == [expected_row("actors", actor, {
        "iso2": None, "iso3": None, "m49": None})]
    assert rows_of(built, "events", "event_id", event["id"]) == [expected_row("events", event, date_fields(
        "date", event["date"], event.get("end_date")))]
    for record, name, key in ((event, "event_evidence", "event_id"), (actor, "actor_evidence", "actor_id")):
        assert rows_of(built, name, key, record["id"]) == expected_rows(name, record["evidence"], lambda item: {
            key: record["id"], "supports": " ".join(item.get("supports") or []) or None})
    assert rows_of(built, "event_actors", "event_id", event["id"]) == expected_rows(
        "event_actors", event.get("actors", []), lambda item: {"event_id": event["id"]})


@pytest.fixture(scope="module")
def raw_folder(tmp_path_factory) -> Path:
    """The minimal valid raw folder (tests/bad_inputs/_base plus the real vocabularies and dataset.yaml)."""
    raw = tmp_path_factory.mktemp("properties") / "raw"
    shutil.copytree(BASE, raw)
    shutil.copytree(RAW / "vocabularies", raw / "vocabularies")
    shutil.copyfile(RAW / "dataset.yaml", raw / "dataset.yaml")
    build.check(raw)
    return raw


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(groups=record_groups, style=yaml_styles)
def test_valid_records_round_trip_raw_to_table_to_csv(raw_folder, groups, style):
    write_records(raw_folder, groups, style)
    built = build.check(raw_folder)
    for group in groups:
        check_group(built, group)

    frames = {name: to_frame(table) for name, table in built.tables.items()}
    out = raw_folder.parent / "csv"
    out.mkdir(exist_ok=True)
    csv.write(frames, out, built.version)
    back = csv.read(out)
    assert list(back) == list(frames)
    for name, frame in frames.items():
        pdt.assert_frame_equal(back[name], frame, check_dtype=True, obj=name)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(group=raw_records(), key=st.text(min_size=1).filter(lambda key: key not in ("yes", "no", "abstain")),
       style=yaml_styles)
def test_an_unknown_key_inside_votes_is_reported_not_dropped(raw_folder, group, key, style):
    event = group["events"]
    event["votes"] = {**(event.get("votes") or {}), key: 1}
    write_records(raw_folder, [group], style)
    with pytest.raises(DataProblems) as info:
        build.check(raw_folder)
    assert [(p.record, p.message) for p in info.value.problems if (p.field or "").startswith("votes.")] == \
        [(event["id"], "unknown field")]
