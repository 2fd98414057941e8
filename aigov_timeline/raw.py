"""Reading a raw folder: safe YAML, bounded sizes, and no path that leaves the folder."""

from __future__ import annotations

import codecs
import hashlib
import os
import re
import stat
from dataclasses import dataclass, field, replace
from pathlib import Path
from sys import intern

import yaml

from .problems import Problem

RECORD_FOLDERS = ("events", "documents", "actors", "sources")
MAX_YAML_BYTES = 5_000_000
MAX_TEXT_BYTES = 20_000_000
MAX_DEPTH = 20
"""Deeper nesting of lists and mappings is refused: libyaml slows down quadratically on it, and crashes on very
deep nesting."""
DATASET_FILE = "dataset.yaml"
_FLOW_CHECK = 1_000  # a text with more brackets than this is checked for depth before it is parsed
_SCAN_LIMIT = 64_000_000  # bytes of an unreadable file scanned to name its record and field
_ID_LINE = re.compile(r"^id:[ \t]*['\"]?([^'\"\s#]+)", re.M)
_KEY = re.compile(r"\s*(?:-\s+)*['\"]?([A-Za-z_][\w.-]*)['\"]?\s*:")

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):
    """yaml.SafeLoader that keeps dates as text and refuses duplicate keys."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}


class _DuplicateKey(yaml.YAMLError):
    def __init__(self, message: str, key):
        super().__init__(message)
        self.key = key


def _construct_mapping(loader, node, deep=False):
    seen = {}
    for key_node, _ in node.value:
        if key_node.tag == _BOOL and not key_node.style:
            key_node.tag = _STR  # a plain key is a name: `yes:` means "yes", not true
        key = loader.construct_object(key_node, deep=True)
        if isinstance(key, (list, dict)):
            raise yaml.constructor.ConstructorError(None, None, "a mapping key must be plain text",
                                                    key_node.start_mark)
        if key in seen:
            raise _DuplicateKey(f"duplicate key {key!r} (line {key_node.start_mark.line + 1}; first at line "
                                f"{seen[key] + 1}): a key may appear once per record", key)
        seen[key] = key_node.start_mark.line
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)

_STR, _BOOL = "tag:yaml.org,2002:str", "tag:yaml.org,2002:bool"
_SCALAR_TAGS = {_STR, *(f"tag:yaml.org,2002:{t}" for t in ("int", "float", "bool", "null"))}
_NO_KEY = object()
_SHORT = 40


class _Unusual(Exception):
    """The text uses YAML beyond plain mappings, lists and scalars: parse it the full way."""


def _load_plain(text: str):
    """``yaml.load(text, Loader=_Loader)`` for the usual raw file (no tags, anchors, aliases or repeated keys),
    built straight from the parser's events (about 3x faster). Raises _Unusual (or a YAML error) otherwise."""
    loader = _Loader(text)
    try:
        get, resolve, resolvers = loader.get_event, loader.resolve, loader.yaml_implicit_resolvers
        if type(get()) is not yaml.StreamStartEvent or type(get()) is not yaml.DocumentStartEvent:
            raise _Unusual
        stack, keys = [], []
        while True:
            event = get()
            kind = type(event)
            if kind is yaml.ScalarEvent:
                if event.anchor is not None or event.tag is not None:
                    raise _Unusual
                value = event.value
                if len(value) <= _SHORT:
                    value = intern(value)  # IDs and codes recur in many records: keep one copy of each
                if event.implicit[0] and (not value or value[0] in resolvers):
                    tag = resolve(yaml.ScalarNode, value, event.implicit)
                    if tag not in _SCALAR_TAGS:
                        raise _Unusual
                    if tag != _STR:
                        value = loader.yaml_constructors[tag](loader, yaml.ScalarNode(tag, value))
            elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                if event.anchor is not None or event.tag is not None or len(stack) >= MAX_DEPTH:
                    raise _Unusual
                value = {} if kind is yaml.MappingStartEvent else []
            elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                value = stack.pop()
                if keys.pop() is not _NO_KEY:
                    raise _Unusual
                if not stack:
                    break
                continue
            else:
                raise _Unusual  # an alias, or a second document
            if not stack:
                if kind is yaml.ScalarEvent:
                    break  # a document that is a single scalar
            elif type(stack[-1]) is list:
                stack[-1].append(value)
            elif keys[-1] is _NO_KEY:
                if type(value) is bool and event.implicit[0]:
                    value = event.value  # a plain key is a name: `yes:` means "yes", as in _construct_mapping
                if kind is not yaml.ScalarEvent or type(value) is not str or value in stack[-1]:
                    raise _Unusual  # a non-text key, or a repeated key: the full loader reads or reports it
                keys[-1] = intern(value)  # one copy of each key name, however many records repeat it
                continue
            else:
                stack[-1][keys[-1]] = value
                keys[-1] = _NO_KEY
            if kind is not yaml.ScalarEvent:
                stack.append(value)
                keys.append(_NO_KEY)
        if type(get()) is not yaml.DocumentEndEvent or type(get()) is not yaml.StreamEndEvent:
            raise _Unusual
        return value
    finally:
        loader.dispose()


@dataclass
class RawRecord:
    """One record as the curator wrote it, with the file it came from."""

    folder: str
    file: str
    data: dict

    @property
    def id(self) -> str | None:
        value = self.data.get("id")
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)  # a wrong type, reported by the checks; the report still names the record
        return value if isinstance(value, str) else None


@dataclass
class RawData:
    root: Path
    label: str
    records: dict[str, list[RawRecord]] = field(default_factory=dict)
    vocabularies: dict[str, RawRecord] = field(default_factory=dict)
    dataset: dict = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    unreadable: set[str] = field(default_factory=set)
    """IDs of the records in files that could not be read (as far as their `id:` line shows)."""
    fast: dict[str, list] = field(default_factory=dict)
    """Table name -> rows read by the fast path (``columnar.Piece``), for the files it took."""
    fast_texts: list[tuple[list[str], bytes, list[int]]] = field(default_factory=list)
    """The stored texts of the sources the fast path read, checked and collapsed: (source IDs, the texts one after
    another, where each ends)."""

    def path_label(self, rel: str) -> str:
        return f"{self.label}/{rel}"


def parse_yaml(text: str, label: str) -> tuple[object, Problem | None]:
    """Parse YAML text safely. Returns (data, None) or (None, problem)."""
    if text.count("[") + text.count("{") > _FLOW_CHECK and (problem := _depth_problem(text, label)):
        return None, problem
    try:
        return _load_plain(text), None
    except (_Unusual, yaml.YAMLError, ValueError, TypeError):
        pass  # the full loader below gives the same data, or the error message
    if problem := _depth_problem(text, label):
        return None, problem
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except _DuplicateKey as exc:
        return None, Problem(label, _record_in(text), str(exc.key), str(exc),
                             hint="remove or rename one of the two keys")
    except yaml.YAMLError as exc:
        return None, _yaml_problem(exc, text, label)
    alias = _shared_node(data)
    if alias:
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


def stored_text(root: Path, rel: str, label: str, folders: dict[Path, bool]) -> tuple[str | None, Problem | None]:
    """The stored text of a source at ``rel`` inside the raw folder ``root``, or the problem that prevents reading
    it (its field and record are left for the caller to fill in). ``folders`` caches which folders lie inside."""
    path = root / rel
    if os.path.isabs(rel) or ".." in Path(rel).parts or not _within(root, path, folders):
        return None, Problem(label, None, "text", "path leaves the raw folder", rel,
                             "stored texts live under texts/ inside the raw folder")
    if not path.is_file():
        return None, Problem(label, None, "text", "stored text file not found", rel,
                             f"save the quoted text as {label}")
    text, problem = read_text_file(path, label, MAX_TEXT_BYTES)
    if problem:
        return None, Problem(label, None, "text", f"stored text {rel}: {problem.message}", rel, problem.hint)
    return text, None


def _within(root: Path, path: Path, folders: dict[Path, bool]) -> bool:
    """``inside(root, path)``, resolving each folder once rather than every file."""
    if path.is_symlink():
        return inside(root, path)
    if path.parent not in folders:
        folders[path.parent] = inside(root, path.parent)
    return folders[path.parent]


def _symlink_problem(raw: RawData, path: Path) -> str | None:
    """Why a symlink cannot be followed (it leads outside the raw folder, or nowhere), or None."""
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return "symlink is broken or loops"
    return None if inside(raw.root, target) else "symlink points outside the raw folder"


def _yaml_files(raw: RawData, folder: str) -> list[str]:
    """Relative paths of the YAML files under one folder, sorted; flags symlinks that escape."""
    base = raw.root / folder
    found = []
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames.sort()
        for name in dirnames:
            sub = Path(dirpath) / name
            if sub.is_symlink() and (why := _symlink_problem(raw, sub)):
                raw.problems.append(Problem(raw.path_label(str(sub.relative_to(raw.root))), None, None, why,
                                            hint="remove the symlink"))
        for name in sorted(filenames):
            path = Path(dirpath) / name
            rel = str(path.relative_to(raw.root))
            if name.endswith(".yml"):
                raw.problems.append(Problem(raw.path_label(rel), None, None, "raw files must end in .yaml",
                                            hint=f"rename it to {name[:-4]}.yaml"))
            elif name.endswith(".yaml"):
                if path.is_symlink() and (why := _symlink_problem(raw, path)):
                    raw.problems.append(Problem(raw.path_label(rel), None, None, why,
                                                hint="copy the file into the raw folder instead"))
                else:
                    found.append(rel)
    return found


def _load_mapping(raw: RawData, rel: str) -> dict | None:
    label = raw.path_label(rel)
    text, problem = read_text_file(raw.root / rel, label, MAX_YAML_BYTES)
    if problem is not None:
        problem = _locate(raw.root / rel, problem)
    elif not text.strip():
        problem = Problem(label, None, None, "file is empty", hint="write a record, or delete the file")
    else:
        data, problem = parse_yaml(text, label)
        if problem is None and not isinstance(data, dict):
            ids = [item.get("id") for item in data if isinstance(item, dict)] if isinstance(data, list) else []
            problem = Problem(label, next((i for i in ids if isinstance(i, str)), None), None,
                              f"the file must hold a mapping (key: value lines), not "
                              f"{_KINDS.get(type(data), type(data).__name__)}", hint="start the record with `id: ...`")
    if problem:
        raw.problems.append(problem)
        if problem.record:
            raw.unreadable.add(problem.record)
        return None
    return data


_KINDS = {list: "a list", str: "text", int: "a number", float: "a number", bool: "a boolean"}


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


def read_raw(root: Path, label: str | None = None, fast: bool = False) -> RawData:
    """Read every record of a raw folder. Problems are collected, not raised.

    With ``fast``, the files of the usual layout are read straight into table columns (``raw.fast``, see
    ``columnar``) and only the others into records."""
    raw = RawData(root=Path(root), label=label or str(root))
    if not raw.root.is_dir():
        raw.problems.append(Problem(raw.label, None, None, "raw folder not found",
                                    hint="run from the project root, or pass the folder path"))
        return raw
    if (raw.root / DATASET_FILE).is_file():
        raw.dataset = _load_mapping(raw, DATASET_FILE) or {}
    else:
        raw.problems.append(Problem(raw.path_label(DATASET_FILE), None, None, "missing dataset file",
                                    hint="add dataset.yaml with name, title, version and licenses"))
    files = {folder: _yaml_files(raw, folder) for folder in RECORD_FOLDERS}
    if fast:
        from .columnar import read_folders

        files = read_folders(raw, files)
    for folder, rels in files.items():
        raw.records[folder] = []
        for rel in rels:
            data = _load_mapping(raw, rel)
            if data is None:
                continue
            items = data["records"] if set(data) == {"records"} else [data]
            if not isinstance(items, list):
                raw.problems.append(Problem(raw.path_label(rel), None, "records", "`records` must be a list"))
                continue
            for item in items:
                if isinstance(item, dict):
                    raw.records[folder].append(RawRecord(folder, raw.path_label(rel), item))
                else:
                    raw.problems.append(Problem(raw.path_label(rel), None, "records",
                                                "each entry of `records` must be a mapping"))
    for rel in _yaml_files(raw, "vocabularies"):
        data = _load_mapping(raw, rel)
        if data is not None:
            name = Path(rel).stem
            raw.vocabularies[name] = RawRecord("vocabularies", raw.path_label(rel), data)
    return raw


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
