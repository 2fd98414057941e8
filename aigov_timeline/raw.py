"""Reading a raw folder: safe YAML, bounded sizes, and no path that leaves the folder."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .problems import Problem

RECORD_FOLDERS = ("events", "documents", "actors", "sources")
MAX_YAML_BYTES = 5_000_000
MAX_TEXT_BYTES = 20_000_000
DATASET_FILE = "dataset.yaml"

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):
    """yaml.SafeLoader that keeps dates as text and refuses duplicate keys."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}


class _DuplicateKey(yaml.YAMLError):
    pass


def _construct_mapping(loader, node, deep=False):
    seen = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if isinstance(key, (list, dict)):
            raise yaml.constructor.ConstructorError(None, None, "a mapping key must be plain text",
                                                    key_node.start_mark)
        if key in seen:
            raise _DuplicateKey(f"duplicate key {key!r} (line {key_node.start_mark.line + 1}; first at line "
                                f"{seen[key] + 1}): a key may appear once per record")
        seen[key] = key_node.start_mark.line
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


@dataclass
class RawRecord:
    """One record as the curator wrote it, with the file it came from."""

    folder: str
    file: str
    data: dict

    @property
    def id(self) -> str | None:
        value = self.data.get("id")
        return value if isinstance(value, str) else None


@dataclass
class RawData:
    root: Path
    label: str
    records: dict[str, list[RawRecord]] = field(default_factory=dict)
    vocabularies: dict[str, RawRecord] = field(default_factory=dict)
    dataset: dict = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def path_label(self, rel: str) -> str:
        return f"{self.label}/{rel}"


def parse_yaml(text: str, label: str) -> tuple[object, Problem | None]:
    """Parse YAML text safely. Returns (data, None) or (None, problem)."""
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except _DuplicateKey as exc:
        return None, Problem(label, None, None, str(exc), hint="remove or rename one of the two keys")
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        what = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return None, Problem(label, None, None, f"invalid YAML{where}: {what}",
                             hint="check indentation, colons and quotes on that line")
    alias = _shared_node(data)
    if alias:
        return None, Problem(label, None, None, "YAML anchors and aliases (&name / *name) are not allowed",
                             hint="write each value out in full")
    return data, None


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
    """Read a UTF-8 file without a BOM, within a size limit."""
    try:
        size = path.stat().st_size
        if size > limit:
            return None, Problem(label, None, None, f"file is {size:,} bytes; the limit is {limit:,}",
                                 hint="split it or shorten the text")
        data = path.read_bytes()
    except OSError as exc:
        return None, Problem(label, None, None, f"cannot read file: {exc.strerror or exc}")
    if data.startswith(b"\xef\xbb\xbf"):
        return None, Problem(label, None, None, "file starts with a byte-order mark (BOM)",
                             hint="save it as UTF-8 without BOM")
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        return None, Problem(label, None, None, f"not valid UTF-8 (byte {exc.start})", hint="save it as UTF-8")


def inside(root: Path, path: Path) -> bool:
    """True if ``path`` (after resolving symlinks) lies inside ``root``."""
    try:
        path.resolve().relative_to(root.resolve())
        return True
    except (ValueError, OSError):
        return False


def _yaml_files(raw: RawData, folder: str) -> list[str]:
    """Relative paths of the YAML files under one folder, sorted; flags symlinks that escape."""
    base = raw.root / folder
    found = []
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames.sort()
        for name in dirnames:
            sub = Path(dirpath) / name
            if sub.is_symlink() and not inside(raw.root, sub):
                raw.problems.append(Problem(raw.path_label(str(sub.relative_to(raw.root))), None, None,
                                            "symlink points outside the raw folder", hint="remove the symlink"))
        for name in sorted(filenames):
            path = Path(dirpath) / name
            rel = str(path.relative_to(raw.root))
            if name.endswith(".yml"):
                raw.problems.append(Problem(raw.path_label(rel), None, None, "raw files must end in .yaml",
                                            hint=f"rename it to {name[:-4]}.yaml"))
            elif name.endswith(".yaml"):
                if path.is_symlink() and not inside(raw.root, path):
                    raw.problems.append(Problem(raw.path_label(rel), None, None,
                                                "symlink points outside the raw folder",
                                                hint="copy the file into the raw folder instead"))
                else:
                    found.append(rel)
    return found


def _load_mapping(raw: RawData, rel: str) -> dict | None:
    label = raw.path_label(rel)
    text, problem = read_text_file(raw.root / rel, label, MAX_YAML_BYTES)
    if problem is None and not text.strip():
        problem = Problem(label, None, None, "file is empty", hint="write a record, or delete the file")
    if problem is None:
        data, problem = parse_yaml(text, label)
        if problem is None and not isinstance(data, dict):
            problem = Problem(label, None, None, f"the file must hold a mapping (key: value lines), not a "
                              f"{type(data).__name__}", hint="start the record with `id: ...`")
    if problem:
        raw.problems.append(problem)
        return None
    return data


def read_raw(root: Path, label: str | None = None) -> RawData:
    """Read every record of a raw folder. Problems are collected, not raised."""
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
    for folder in RECORD_FOLDERS:
        raw.records[folder] = []
        for rel in _yaml_files(raw, folder):
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
