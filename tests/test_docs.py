"""The hand-written and generated documentation agrees with the metadata, the data and the package."""

from __future__ import annotations

import re

import pytest
import yaml

from aigov_timeline import build
from aigov_timeline.build import docs
from aigov_timeline.build.quotes import collapse
from aigov_timeline.build.read import sha256_text
from aigov_timeline.cli import parser
from aigov_timeline.build.rows import allowed_keys
from aigov_timeline.metadata import TABLES, children, record_tables
from conftest import GENERATED_DOCS, RAW, REPO

DOCS = REPO / "docs"
MERMAID = re.compile(r"```mermaid\n(.*?)```", flags=re.S)
RELATIONSHIP = re.compile(r"^\s+(\w+) (\|\||\|o)--o\{ (\w+) : (\w+)$")


# --- ER diagram ----------------------------------------------------------------------------------------------

def diagram_relationships(text: str) -> set[tuple[str, str, str, bool]]:
    found = set()
    for block in MERMAID.findall(text):
        for line in block.splitlines():
            match = RELATIONSHIP.match(line)
            if match:
                target, card, source, column = match.groups()
                found.add((target, source, column, card == "|o"))
    return found


ATTRIBUTE = re.compile(r'^        (\w+) (\w+)((?: (?:PK|FK|UK),?)*)(?: "[^"]*")?$')


def diagram_entities(text: str) -> dict[str, list[tuple[str, str, set[str]]]]:
    """Entity name -> its attributes as (type, name, key marks), from every Mermaid block."""
    entities = {}
    for name, body in re.findall(r"^    (\w+) \{\n(.*?)^    \}", text, flags=re.S | re.M):
        attributes = [ATTRIBUTE.match(line).groups() for line in body.splitlines()]
        entities[name] = [(kind, col, set(marks.replace(",", " ").split())) for kind, col, marks in attributes]
    return entities


def test_er_diagram_is_fresh():
    assert (GENERATED_DOCS / "er-diagram.md").read_text(encoding="utf-8") == docs.er_diagram()


def test_er_diagram_draws_every_foreign_key_and_nothing_else():
    expected = {(c.references, t.name, c.name, c.nullable) for t in TABLES.values() for c in t.foreign_keys}
    assert diagram_relationships((GENERATED_DOCS / "er-diagram.md").read_text(encoding="utf-8")) == expected


def test_er_diagram_lists_every_column_with_its_keys():
    entities = diagram_entities((GENERATED_DOCS / "er-diagram.md").read_text(encoding="utf-8"))
    assert {name: [a[1] for a in attrs] for name, attrs in entities.items()} == \
        {t.name: t.column_names for t in TABLES.values()}
    for name, attributes in entities.items():
        for kind, column, marks in attributes:
            col = TABLES[name].column(column)
            assert kind == col.type
            assert ("PK" in marks) == (column in TABLES[name].primary_key), (name, column)
            assert ("FK" in marks) == bool(col.references), (name, column)


def test_build_writes_the_er_diagram_and_check_flags_it_when_stale(workspace, good_build):
    assert (good_build / "docs" / "er-diagram.md").read_text(encoding="utf-8") == docs.er_diagram()
    path = workspace / "docs" / "er-diagram.md"
    path.write_text(path.read_text(encoding="utf-8").replace("erDiagram", "erDiagram\n    old {\n    }", 1))
    stale, _ = build.stale_outputs(build.check(workspace / "raw"), workspace / "processed", workspace / "docs")
    assert stale == [str(path)]


# --- adding-an-event.md: the examples are real records --------------------------------------------------------

GUIDE = DOCS / "adding-an-event.md"


def guide_blocks(kind: str) -> list[tuple[str, str]]:
    """(the text before the block, the block) for each fenced block of one kind."""
    text = GUIDE.read_text(encoding="utf-8")
    return [(text[:m.start()], m.group(1)) for m in re.finditer(rf"```{kind}\n(.*?)```", text, flags=re.S)]


def check_keys(record: dict, folder: str) -> None:
    """The keys of a record, and of the items of its lists, are keys the build reads."""
    entity = record_tables()[folder]
    assert set(record) <= allowed_keys(entity.name, None), set(record) - allowed_keys(entity.name, None)
    for key, child, declared in children(entity.name):
        for item in record.get(key) or []:
            if isinstance(item, dict):
                assert set(item) <= allowed_keys(child.name, entity.name), (key, set(item))
    votes = record.get("votes")
    if votes:
        assert {f"votes.{k}" for k in votes} <= {c.raw_key for c in entity.columns}


def yaml_examples() -> list[tuple[str, bool, str]]:
    """(raw path, whole file?, YAML text) of each YAML example; the first line names the file."""
    found = []
    for _, block in guide_blocks("yaml"):
        first, _, rest = block.partition("\n")
        match = re.fullmatch(r"# (from )?(data/raw/\S+\.yaml)", first)
        assert match, f"a YAML example must start with '# data/raw/...' or '# from data/raw/...': {first}"
        found.append((match.group(2), match.group(1) is None, rest))
    return found


def test_the_guide_shows_a_whole_event_and_source_and_excerpts():
    examples = yaml_examples()
    whole = {path.split("/")[2] for path, is_whole, _ in examples if is_whole}
    assert whole == {"events", "sources"}
    assert any(not is_whole for _, is_whole, _ in examples)


@pytest.mark.parametrize("path, whole, text", yaml_examples(), ids=[e[0].split("/")[-1] for e in yaml_examples()])
def test_yaml_examples_are_real_records_with_known_fields(path, whole, text):
    real_text = (REPO / path).read_text(encoding="utf-8")
    example, real = yaml.safe_load(text), yaml.load(real_text, Loader=yaml.BaseLoader)
    if whole:
        assert text == real_text
    else:
        example_text = yaml.load(text, Loader=yaml.BaseLoader)
        for key, value in example_text.items():
            if isinstance(value, list):
                assert all(item in real[key] for item in value), key
            else:
                assert real[key] == value, key
    check_keys(example, path.split("/")[2])


def test_stored_text_excerpt_and_checksum_are_real():
    (before, excerpt), = guide_blocks("text")
    path = REPO / re.findall(r"`(data/raw/texts/\S+\.txt)`", before)[-1]
    assert collapse(excerpt) in collapse(path.read_text(encoding="utf-8"))
    (_, console), = [b for b in guide_blocks("console") if "sha256sum" in b[1]]
    digest = console.splitlines()[1].split()[0]
    assert digest == sha256_text(path.read_text(encoding="utf-8"))
    source = next(yaml.safe_load(text) for p, _, text in yaml_examples() if p.startswith("data/raw/sources/"))
    assert source["text_sha256"] == digest and f"data/raw/{source['text']}" == str(path.relative_to(REPO))


def test_the_guides_name_only_real_commands():
    commands = set(parser()._subparsers._group_actions[0].choices)
    for path in [REPO / "README.md", REPO / "CHANGELOG.md", *DOCS.glob("*.md")]:
        for used in re.findall(r"(?:^|`|\$ )aigov-timeline ([a-z][a-z-]*)\b", path.read_text(encoding="utf-8"),
                               flags=re.M):
            assert used in commands, (path.name, used)


def test_relative_links_resolve():
    for path in [REPO / "README.md", REPO / "CHANGELOG.md", *DOCS.glob("*.md")]:
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", path.read_text(encoding="utf-8")):
            if target == "docs/performance.md" and not (REPO / target).exists():
                continue  # written separately
            assert (path.parent / target).exists(), (path.name, target)


# --- CITATION.cff and CHANGELOG.md ---------------------------------------------------------------------------

CFF_KEYS = {"abstract", "authors", "cff-version", "commit", "contact", "date-released", "doi", "identifiers",
            "keywords", "license", "license-url", "message", "preferred-citation", "references", "repository",
            "repository-artifact", "repository-code", "title", "type", "url", "version"}


def test_citation_describes_the_dataset_with_its_version_and_licenses():
    cff = yaml.safe_load((REPO / "CITATION.cff").read_text(encoding="utf-8"))
    dataset = yaml.safe_load((RAW / "dataset.yaml").read_text(encoding="utf-8"))
    assert set(cff) <= CFF_KEYS and {"cff-version", "message", "title", "authors", "version"} <= set(cff)
    assert cff["cff-version"] == "1.2.0" and cff["type"] == "dataset"
    assert cff["authors"] == [{"name": "aigov-timeline contributors"}]
    assert cff["title"] == dataset["title"] and str(cff["version"]) == str(dataset["version"])
    assert [cff["license"]] == [lic["name"] for lic in dataset["licenses"]] == ["CC-BY-4.0"]
    assert "MIT" in cff["message"] and 'license = "MIT"' in (REPO / "pyproject.toml").read_text()
    cited = cff["preferred-citation"]
    assert cited["type"] == "data" and cited["title"] == cff["title"] and cited["version"] == cff["version"]
    assert str(cited["date-released"]) == str(cff["date-released"])
