"""Bad raw input gives a readable report naming file, record and field, exit status 1, no traceback, and leaves
the previous good output byte-for-byte intact."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from conftest import run_cli, tree_digest

EVENT = "events/2023-07-18-unsc-ai-briefing.yaml"
EVENT_ID = "evt-2023-07-18-unsc-ai-briefing"


def edit(raw: Path, rel: str, change) -> None:
    path = raw / rel
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def first_source(raw: Path) -> tuple[Path, dict]:
    path = sorted((raw / "sources").glob("*.yaml"))[0]
    return path, yaml.safe_load(path.read_text(encoding="utf-8"))


def invalid_yaml(raw):
    (raw / EVENT).write_text("id: evt-2023-07-18-unsc-ai-briefing\ntitle: [unclosed\n", encoding="utf-8")
    return [EVENT, "invalid YAML at line"]


def missing_required_field(raw):
    edit(raw, EVENT, lambda d: d.pop("title"))
    return [EVENT, f"record {EVENT_ID}, field title", "required field is missing"]


def duplicate_id(raw):
    (raw / "events" / "copy.yaml").write_text((raw / EVENT).read_text(encoding="utf-8"), encoding="utf-8")
    return ["events/copy.yaml", EVENT_ID, "duplicate primary key (also in", EVENT]


def dangling_reference(raw):
    edit(raw, EVENT, lambda d: d.update(forum="act-un-security-councl"))
    return [EVENT, "field forum = 'act-un-security-councl'", "no actor has this ID",
            "closest existing: act-un-security-council"]


def unknown_code(raw):
    edit(raw, EVENT, lambda d: d.update(type="meting"))
    return [EVENT, "field type = 'meting'", "unknown code in vocab_event_types", "did you mean meeting"]


def impossible_date(raw):
    edit(raw, EVENT, lambda d: d.update(date="2023-02-30"))
    return [EVENT, "field date = '2023-02-30'", "February 2023 has days 01-28"]


def end_before_start(raw):
    edit(raw, EVENT, lambda d: d.update(end_date="2023-07-01"))
    return [EVENT, "field end_date = '2023-07-01'", "must come after the start date '2023-07-18'"]


def quote_not_in_source(raw):
    def change(d):
        d["evidence"][0]["quote"] = "a sentence that no source ever printed"
    edit(raw, EVENT, change)
    return [EVENT, "field evidence[0].quote", "quote not found in the stored text of",
            "closest text in the source"]


def path_escapes_raw(raw):
    path, data = first_source(raw)
    data["text"] = "../../etc/passwd"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return [path.name, data["id"], "field text", "path leaves the raw folder"]


def text_changed_since_quoted(raw):
    path, data = first_source(raw)
    with open(raw / data["text"], "a", encoding="utf-8") as f:
        f.write("\nan edit after the quotes were checked\n")
    return [path.name, "field text_sha256", "changed since it was quoted"]


def wikidata_qid_without_quote(raw):
    edit(raw, "actors/chn.yaml", lambda d: d.update(wikidata_qid="Q42"))
    return ["actors/chn.yaml", "record act-chn, field wikidata_qid = 'Q42'", "no evidence quote shows this QID"]


def unknown_field(raw):
    edit(raw, EVENT, lambda d: d.update(evidance=[]))
    return [EVENT, "field evidance", "unknown field", "did you mean evidence"]


CASES = [wikidata_qid_without_quote, unknown_field, invalid_yaml, missing_required_field, duplicate_id, dangling_reference, unknown_code, impossible_date,
         end_before_start, quote_not_in_source, path_escapes_raw, text_changed_since_quoted]


@pytest.mark.parametrize("case", CASES, ids=[c.__name__ for c in CASES])
def test_bad_input_is_reported_and_output_untouched(workspace, case):
    raw = workspace / "raw"
    expected = case(raw)
    before = tree_digest(workspace / "processed"), tree_digest(workspace / "docs")
    result = run_cli("build", "--raw", str(raw), "--out", str(workspace / "processed"),
                     "--docs", str(workspace / "docs"))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    for text in expected:
        assert text in result.stderr, f"{text!r} missing from:\n{result.stderr}"
    assert "nothing was written" in result.stderr
    assert (tree_digest(workspace / "processed"), tree_digest(workspace / "docs")) == before


@pytest.mark.parametrize("case", [unknown_code, quote_not_in_source], ids=["unknown_code", "quote"])
def test_validate_reports_the_same_problems_without_writing(workspace, case):
    raw = workspace / "raw"
    expected = case(raw)
    result = run_cli("validate", str(raw))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    for text in expected:
        assert text in result.stderr


def test_every_problem_is_reported_at_once(workspace):
    raw = workspace / "raw"
    unknown_code(raw)
    path_escapes_raw(raw)
    result = run_cli("validate", str(raw))
    assert "vocab_event_types" in result.stderr and "path leaves the raw folder" in result.stderr
    assert result.stderr.startswith("2 problems found")
