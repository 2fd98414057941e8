"""Reading a raw folder: the one YAML reader (safe, bounded, line-numbered errors), and the files it reads.

The reader is PyYAML's C loader (libyaml) with the project's rules: dates stay text, a key may appear once per
mapping, a plain key is a name (``yes:`` means "yes"), tags and anchors are refused, and nesting is bounded.
docs/performance.md compares it with the other readers measured.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import re
import stat
from dataclasses import replace
from pathlib import Path

import yaml

from ..metadata import VOCABULARY_FOLDER, raw_folders, record_tables
from ..problems import Problem

MAX_YAML_BYTES = 5_000_000
MAX_TEXT_BYTES = 20_000_000
MAX_DEPTH = 20
"""Deeper nesting of lists and mappings is refused: libyaml slows down quadratically on it, and crashes on very
deep nesting."""
DATASET_FILE = "dataset.yaml"
_FLOW_CHECK = 1_000
"""A text with more brackets than this, making up more than 1% of its characters, is checked for depth before it is
parsed (a nesting bomb is mostly brackets)."""
_DEEP_BLOCK = re.compile(r"^[ \t-]{%d}" % (2 * MAX_DEPTH), re.M)
"""A line indented, or opening block lists (``- - -``), as far as MAX_DEPTH levels may reach: depth is counted."""
_SCAN_LIMIT = 64_000_000  # bytes of an unreadable file scanned to name its record and field
_ID_LINE = re.compile(r"^id:[ \t]*['\"]?([^'\"\s#]+)", re.M)
_KEY = re.compile(r"\s*(?:-\s+)*['\"]?([A-Za-z_][\w.-]*)['\"]?\s*:")
_STR, _BOOL = "tag:yaml.org,2002:str", "tag:yaml.org,2002:bool"

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):
    """The safe loader that keeps dates as text and refuses duplicate keys."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}


class _DuplicateKey(yaml.YAMLError):
    def __init__(self, message: str, key):
        super().__init__(message)
        self.key = key


def _construct_mapping(loader, node, deep=False):
    """A mapping whose keys are plain text, each once; values built at once (a raw file holds no aliases)."""
    mapping, lines = {}, {}
    for key_node, value_node in node.value:
        if key_node.tag == _BOOL and not key_node.style:
            key_node.tag = _STR  # a plain key is a name: `yes:` means "yes", not true
        key = loader.construct_object(key_node, deep=True)
        if isinstance(key, (list, dict)):
            raise yaml.constructor.ConstructorError(None, None, "a mapping key must be plain text",
                                                    key_node.start_mark)
        line = key_node.start_mark.line
        if key in mapping:
            raise _DuplicateKey(f"duplicate key {key!r} (line {line + 1}; first at line {lines[key] + 1}): a key "
                                "may appear once per record", key)
        lines[key] = line
        mapping[key] = loader.construct_object(value_node, deep=True)
    return mapping


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def parse_yaml(text: str, label: str) -> tuple[object, Problem | None]:
    """Parse YAML text safely. Returns (data, None) or (None, problem)."""
    brackets = text.count("[") + text.count("{")
    deep = brackets > _FLOW_CHECK and brackets * 100 > len(text) or _DEEP_BLOCK.search(text)
    if deep and (problem := _depth_problem(text, label)):  # before libyaml's composer recurses (older ones crash)
        return None, problem
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except _DuplicateKey as exc:
        return None, Problem(label, _record_in(text), str(exc.key), str(exc),
                             hint="remove or rename one of the two keys")
    except yaml.YAMLError as exc:
        return None, _depth_problem(text, label) or _yaml_problem(exc, text, label)
    except RecursionError:
        return None, _depth_problem(text, label) or Problem(label, _record_in(text), None, "nested too deeply")
    if ("&" in text or "*" in text) and _shared_node(data):
        line = next((e.start_mark.line + 1 for e in yaml.parse(text, Loader=_BaseLoader)
                     if isinstance(e, yaml.AliasEvent)), 0)
        return None, Problem(label, _record_in(text), _key_at(text, line), "YAML anchors and aliases (&name / *name) "
                             f"are not allowed (line {line})", hint="write each value out in full")
    return data, None


def _yaml_problem(exc: yaml.YAMLError, text: str, label: str) -> Problem:
    """Where and what the YAML error is; the field is the key on the line where the broken construct starts."""
    mark, context = getattr(exc, "problem_mark", None), getattr(exc, "context", None) or ""
    what = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    start = (getattr(exc, "context_mark", None) if "flow" in context or "quoted" in context else None) or mark
    position = getattr(exc, "position", None)  # a reader error: a character that YAML does not allow
    if mark is None and isinstance(position, int):
        line = text.encode("utf-8")[:position].count(b"\n") + 1
        return Problem(label, _record_in(text), _key_at(text, line), f"invalid YAML at line {line}: {what}",
                       hint="remove the character (a control character, invisible in most editors)")
    where, hint = "", "check indentation, colons and quotes on that line"
    if "for the tag" in what:
        hint = "remove the !!tag: raw files hold only text, numbers, true/false, lists and mappings"
    elif "another document" in what:
        hint = "a file holds one record: move the part after `---` into a file of its own"
    if mark:
        where = f" at line {mark.line + 1}, column {mark.column + 1}"
        if start is not mark:
            what += f" ({context} that starts at line {start.line + 1})"
        if "\t" in _line(text, mark.line + 1)[:mark.column + 1]:
            hint = "indent with spaces: YAML does not allow tabs"
    return Problem(label, _record_in(text), _key_at(text, start.line + 1) if start else None,
                   f"invalid YAML{where}: {what}", hint=hint)


def _depth_problem(text: str, label: str) -> Problem | None:
    """A problem if lists and mappings nest deeper than MAX_DEPTH (read from the parser's events, stopping there)."""
    depth, top = 0, None

    def too_deep(line: int) -> Problem:
        return Problem(label, _record_in(text), top, f"lists and mappings nested too deeply (more than {MAX_DEPTH} "
                       f"levels) at line {line}", hint="write a flat list of items")
    try:
        for event in yaml.parse(text, Loader=_BaseLoader):
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    return too_deep(event.start_mark.line + 1)
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
            elif isinstance(event, yaml.ScalarEvent) and depth == 1:
                top = event.value  # the last top-level key (or value): the key of the nested value
    except yaml.YAMLError as exc:  # libyaml from 0.2.6 (PyYAML 6.0.4) stops at its own depth limit while scanning
        mark = getattr(exc, "problem_mark", None)
        if "maximum nesting depth" in str(getattr(exc, "problem", "")) and mark is not None:
            return too_deep(mark.line + 1)
    return None  # any other error: the loader reports it


def _line(text: str, number: int) -> str:
    """Line ``number`` (1-based) of a text, or ''."""
    start = 0
    for _ in range(number - 1):
        start = text.find("\n", start) + 1
        if not start:
            return ""
    end = text.find("\n", start)
    return text[start:end if end >= 0 else len(text)]


def _key_at(text: str, number: int) -> str | None:
    """The key written on line ``number`` of a YAML text, if any."""
    match = _KEY.match(_line(text, number))
    return match.group(1) if match else None


def _record_in(text: str) -> str | None:
    """The record ID of a YAML text, read from its `id:` line (for files that cannot be parsed)."""
    match = _ID_LINE.search(text)
    return match.group(1) if match else None


def _shared_node(data) -> bool:
    """True if a list or mapping appears twice in the tree (the result of a YAML alias)."""
    seen: set[int] = set()
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, (dict, list)):
            if id(item) in seen:
                return True
            seen.add(id(item))
            stack.extend(item.values() if isinstance(item, dict) else item)
    return False


# --- files ---------------------------------------------------------------------------------------------------

def read_text_file(path: Path, label: str, limit: int) -> tuple[str | None, Problem | None]:
    """Read a regular UTF-8 file without a BOM, within a size limit."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            return None, Problem(label, None, None, "not a regular file (a folder, pipe or device)",
                                 hint="replace it with a text file")
        if info.st_size > limit:
            return None, Problem(label, None, None, f"file is {info.st_size:,} bytes; the limit is {limit:,}",
                                 hint="split it or shorten the text")
        data = path.read_bytes()
    except OSError as exc:
        return None, Problem(label, None, None, f"cannot read file: {exc.strerror or exc}")
    if data.startswith(codecs.BOM_UTF8):
        return None, Problem(label, None, None, "file starts with a byte-order mark (BOM)",
                             hint="save it as UTF-8 without BOM")
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return None, Problem(label, None, None, f"not valid UTF-8 (line {line}, byte {exc.start})",
                             hint="save it as UTF-8")


def inside(root: Path, path: Path) -> bool:
    """True if ``path`` (after resolving symlinks) lies inside ``root``."""
    try:
        path.resolve().relative_to(root.resolve())
        return True
    except (ValueError, OSError, RuntimeError):  # RuntimeError: a symlink loop (before Python 3.13)
        return False


def stored_text(root: Path, rel: str, label: str) -> tuple[str | None, Problem | None]:
    """The stored text at ``rel`` inside the raw folder ``root``, or the problem that prevents reading it (its
    record is left for the caller to fill in)."""
    path = root / rel
    if os.path.isabs(rel) or ".." in Path(rel).parts or not inside(root, path):
        return None, Problem(label, None, "text", "path leaves the raw folder", rel,
                             "stored texts live under texts/ inside the raw folder")
    if not path.is_file():
        return None, Problem(label, None, "text", "stored text file not found", rel,
                             f"save the quoted text as {label}")
    text, problem = read_text_file(path, label, MAX_TEXT_BYTES)
    if problem:
        return None, Problem(label, None, "text", f"stored text {rel}: {problem.message}", rel, problem.hint)
    return text, None


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _symlink_problem(root: Path, path: Path) -> str | None:
    """Why a symlink cannot be followed (it leads outside the raw folder, or nowhere), or None."""
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return "symlink is broken or loops"
    return None if inside(root, target) else "symlink points outside the raw folder"


def _yaml_files(root: Path, label: str, folder: str, problems: list[Problem]) -> list[str]:
    """Relative paths of the YAML files under one folder, sorted; flags symlinks that escape."""
    found = []
    for dirpath, dirnames, filenames in os.walk(root / folder):
        dirnames.sort()
        for name in dirnames:
            sub = Path(dirpath) / name
            if sub.is_symlink() and (why := _symlink_problem(root, sub)):
                problems.append(Problem(f"{label}/{sub.relative_to(root)}", None, None, why,
                                        hint="remove the symlink"))
        for name in sorted(filenames):
            path = Path(dirpath) / name
            rel = str(path.relative_to(root))
            if name.endswith(".yml"):
                problems.append(Problem(f"{label}/{rel}", None, None, "raw files must end in .yaml",
                                        hint=f"rename it to {name[:-4]}.yaml"))
            elif name.endswith(".yaml"):
                if path.is_symlink() and (why := _symlink_problem(root, path)):
                    problems.append(Problem(f"{label}/{rel}", None, None, why,
                                            hint="copy the file into the raw folder instead"))
                else:
                    found.append(rel)
    return found


def raw_files(root: Path, label: str) -> tuple[dict[str, list[str]], list[Problem]]:
    """The YAML files of each declared folder (record folders and the vocabularies), and the problems of the
    folder's layout: a missing raw folder or dataset file, or a folder that no table declares."""
    problems: list[Problem] = []
    if not root.is_dir():
        what = "is not a folder" if root.exists() else "not found"
        return {}, [Problem(label, None, None, f"raw folder {what}",
                            hint="run from a clone of the repository (the raw folder is data/raw), or pass the path "
                                 "of a raw folder")]
    declared = raw_folders()
    if not (root / DATASET_FILE).exists() and not any((root / folder).exists() for folder in declared):
        return {}, [Problem(label, None, None, "not a raw folder: it holds no dataset.yaml and none of the folders "
                            f"{', '.join(sorted(declared))}",
                            hint="pass the raw folder itself (in a clone of the repository: data/raw)")]
    for entry in sorted(os.listdir(root)):
        if (root / entry).is_dir() and entry not in declared and not entry.startswith("."):
            problems.append(Problem(f"{label}/{entry}", None, None, "a folder that no table declares",
                                    hint=f"raw folders are {', '.join(sorted(declared))}; rename or move it (a new "
                                         "table is declared in aigov_timeline/metadata.py)"))
    if not (root / DATASET_FILE).is_file():
        problems.append(Problem(f"{label}/{DATASET_FILE}", None, None, "missing dataset file",
                                hint="add dataset.yaml with name, title, description, version and licenses"))
    files = {folder: _yaml_files(root, label, folder, problems) for folder in (*record_tables(), VOCABULARY_FOLDER)}
    return files, problems


def load_mapping(root: Path, rel: str, label: str) -> tuple[dict | None, Problem | None]:
    """Read and parse one YAML file that must hold a mapping."""
    file_label = f"{label}/{rel}"
    text, problem = read_text_file(root / rel, file_label, MAX_YAML_BYTES)
    if problem is not None:
        return None, _locate(root / rel, problem)
    if not text.strip():
        return None, Problem(file_label, None, None, "file is empty", hint="write a record, or delete the file")
    data, problem = parse_yaml(text, file_label)
    if problem is None and not isinstance(data, dict):
        ids = [item.get("id") for item in data if isinstance(item, dict)] if isinstance(data, list) else []
        problem = Problem(file_label, next((i for i in ids if isinstance(i, str)), None), None,
                          f"the file must hold a mapping (key: value lines), not "
                          f"{_KINDS.get(type(data), type(data).__name__)}", hint="start the record with `id: ...`")
    return (None, problem) if problem else (data, None)


_KINDS = {list: "a list", str: "text", int: "a number", float: "a number", bool: "a boolean"}


def records(data: dict, file_label: str) -> tuple[list[dict], list[Problem]]:
    """The records of a file: the mapping itself, or the mappings of its ``records:`` list."""
    if set(data) != {"records"}:
        return [data], []
    items = data["records"]
    if not isinstance(items, list):
        return [], [Problem(file_label, None, "records", "`records` must be a list")]
    bad = [Problem(file_label, None, "records", "each entry of `records` must be a mapping")
           for item in items if not isinstance(item, dict)]
    return [item for item in items if isinstance(item, dict)], bad[:1]


def _locate(path: Path, problem: Problem) -> Problem:
    """Name the record and the field of a file that could not be read as text: the key of its first line that is
    not UTF-8, or of its longest line if the file is too big."""
    try:
        info = path.stat()
    except OSError:
        return problem
    if not stat.S_ISREG(info.st_mode):
        return problem  # opening a pipe would wait for a writer
    too_big = info.st_size > MAX_YAML_BYTES
    record, bad, longest = _scan(path)
    line, key, length = bad or (longest if too_big else (None, None, None))
    message = problem.message
    if too_big and not bad and line:
        message += f" (line {line} is {length:,} bytes long)"
    return replace(problem, record=record, field=key, message=message)


def _scan(path: Path):
    """Read a file in pieces (at most _SCAN_LIMIT bytes): its record ID, and (line number, key, length) of its
    first line that is not UTF-8 and of its longest line."""
    record = bad = longest = None
    decoder = codecs.getincrementaldecoder("utf-8")()
    number, length, head, total = 1, 0, b"", 0
    try:
        with open(path, "rb") as f:
            while total < _SCAN_LIMIT and (piece := f.readline(1 << 20)):
                total += len(piece)
                head, length = (head if length else piece[:200].removeprefix(codecs.BOM_UTF8)), length + len(piece)
                if bad is None:
                    try:
                        decoder.decode(piece)
                    except UnicodeDecodeError:
                        bad = number, _key_in(head), length
                if piece.endswith(b"\n"):
                    record = record or _record_in(head.decode("utf-8", "replace"))
                    if longest is None or length > longest[2]:
                        longest = number, _key_in(head), length
                    number, length = number + 1, 0
    except OSError:
        pass
    if length and (longest is None or length > longest[2]):
        longest = number, _key_in(head), length
    return record, bad, longest


def _key_in(line: bytes) -> str | None:
    match = _KEY.match(line.decode("utf-8", "replace"))
    return match.group(1) if match else None
