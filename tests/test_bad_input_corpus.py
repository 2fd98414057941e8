"""The bad-input corpus in tests/bad_inputs/ (see its README): every broken raw folder must end in a one-screen
report that names the file, the record and the field, with exit status 1 and no traceback, within a time and memory
limit, and must leave the previous output (processed tables, generated docs) byte-for-byte intact.

The selected cases are prepared first, then run PARALLEL processes at a time: a case marked `isolated` (inputs
that could crash, hang or exhaust a process) through ``python -m aigov_timeline`` in a process of its own, the
others in batches through the same entry point, ``aigov_timeline.cli.main`` (tests/bad_inputs/_batch.py).
"""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from conftest import RAW, tree_digest

CORPUS = Path(__file__).resolve().parent / "bad_inputs"
BASE = CORPUS / "_base"
CATEGORIES = ("structure", "syntax", "types", "values", "relations", "provenance", "hostile")
BASES = ("minimal", "real", "skeleton", "empty", "none")
"""minimal: _base/ with the real vocabularies; real: data/raw; skeleton: dataset.yaml, the vocabularies and empty
record folders; empty: an empty folder; none: no raw folder at all."""
MIN_CASES = 40
TIMEOUT = 60  # seconds per case
MEMORY = 2 * 1024**3  # bytes of address space per process
SCREEN_LINES, SCREEN_WIDTH = 40, 120  # one screen; a longer line counts as the lines it wraps to
MAX_COMMITTED_BYTES = 20_000  # big inputs are generated at test time, never committed
PARALLEL = max(2, min(4, os.cpu_count() or 1))
BATCHES = 2 * PARALLEL  # few enough to save process start-ups, enough to share the work out
CASE_KEYS = {"category", "description", "base", "command", "isolated", "files", "generate", "expected", "absent"}
EXPECTED_KEYS = {"file", "record", "field", "message", "also"}
OPS = {"text", "set", "unset", "append", "copy", "delete", "symlink", "fifo"}


def load_cases() -> dict[str, dict]:
    """Case name -> its case.yaml."""
    return {p.parent.name: yaml.safe_load(p.read_text(encoding="utf-8"))
            for p in sorted(CORPUS.glob("*/case.yaml")) if not p.parent.name.startswith("_")}


CASES = load_cases()


# --- building a case's raw folder ----------------------------------------------------------------------------

def _path_parts(dotted: str) -> list[str | int]:
    """'evidence[0].quote' -> ['evidence', 0, 'quote']."""
    return [int(p[1:-1]) if p.startswith("[") else p for p in re.findall(r"\[\d+\]|[^.\[\]]+", dotted)]


def _walk(data, parts):
    for part in parts[:-1]:
        data = data[part]
    return data, parts[-1]


def _edit_yaml(path: Path, set_: dict, unset: list) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for dotted, value in set_.items():
        parent, last = _walk(data, _path_parts(dotted))
        if isinstance(parent, list) and last == len(parent):
            parent.append(value)
        else:
            parent[last] = value
    for dotted in unset:
        parent, last = _walk(data, _path_parts(dotted))
        parent.pop(last)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=120), encoding="utf-8")


def apply_op(raw: Path, op: dict) -> None:
    """Apply one entry of a case's ``files:`` list; paths are relative to the raw folder."""
    path = raw / op["path"]
    path.parent.mkdir(parents=True, exist_ok=True)
    if "text" in op:
        path.write_bytes(op["text"].encode(op.get("encoding", "utf-8")))
    elif "set" in op or "unset" in op:
        _edit_yaml(path, op.get("set") or {}, op.get("unset") or [])
    elif "append" in op:
        with open(path, "a", encoding="utf-8") as f:
            f.write(op["append"])
    elif "copy" in op:
        shutil.copyfile(raw / op["copy"], path)
    elif op.get("delete"):
        path.unlink()
    elif "symlink" in op:
        path.unlink(missing_ok=True)
        path.symlink_to(op["symlink"])
    elif op.get("fifo"):
        path.unlink(missing_ok=True)
        os.mkfifo(path)


def huge_field(raw: Path, megabytes: int = 50) -> None:
    """One event whose summary is ``megabytes`` MB long."""
    path = raw / "events/2024-03-20-example-meeting.yaml"
    head, rest = path.read_text(encoding="utf-8").split("summary: A fictional meeting of the test corpus.\n")
    with open(path, "w", encoding="utf-8") as f:
        f.write(head + "summary: '")
        f.write("lol " * (megabytes * 1024 * 1024 // 4))
        f.write("'\n" + rest)


def huge_text(raw: Path, megabytes: int = 50) -> None:
    """The stored text of a source grows to ``megabytes`` MB."""
    with open(raw / "texts/src-example-news.txt", "a", encoding="utf-8") as f:
        f.write("lol " * (megabytes * 1024 * 1024 // 4))


def many_files(raw: Path, count: int = 10_000, bad: int = 7_777) -> None:
    """``count`` copies of a valid event with their own IDs; copy number ``bad`` has an unknown event type."""
    template = (raw / "events/2024-03-20-example-meeting.yaml").read_text(encoding="utf-8")
    template = template.split("\nactors:\n")[0] + "\n"  # links and statements would repeat their keys
    for i in range(count):
        text = template.replace("evt-2024-03-20-example-meeting", f"evt-2024-03-20-example-meeting-{i:05d}")
        if i == bad:
            text = text.replace("type: meeting", "type: meetnig")
        (raw / "events" / f"copy-{i:05d}.yaml").write_text(text, encoding="utf-8")


def repeated_evidence(raw: Path, count: int = 20_000) -> None:
    """The evidence of one actor repeats its first item ``count`` times."""
    path = raw / "actors/nor.yaml"
    text = path.read_text(encoding="utf-8")
    item = text[text.index("\n- source:") + 1:]
    path.write_text(text + item * (count - 1), encoding="utf-8")


def deep_nesting(raw: Path, depth: int = 100_000, style: str = "flow") -> None:
    """A title nested ``depth`` lists deep, as [[[...]]] (flow) or as - - - ... (block)."""
    value = "[" * depth + "]" * depth if style == "flow" else "\n" + "- " * depth + "x"
    (raw / "events/deep.yaml").write_text(f"id: evt-2024-01-01-deep\ntitle: {value}\n", encoding="utf-8")


GENERATORS = {f.__name__: f for f in (huge_field, huge_text, many_files, repeated_evidence, deep_nesting)}


# --- running -------------------------------------------------------------------------------------------------

@dataclass
class Job:
    """One process: a case of its own (``python -m aigov_timeline``), or a batch of cases (_batch.py)."""

    names: list[str]
    command: list[str]
    cwd: Path
    timeout: float
    results: Path | None = None


@dataclass
class Outcome:
    returncode: int | str | None
    stderr: str
    seconds: float
    cpu: float
    untouched: bool = True
    created: tuple[str, ...] = ()


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def _snapshot(workspace: Path) -> tuple:
    """Everything next to the raw folder: names, plus the bytes of processed/ and docs/."""
    names = sorted(p.name for p in workspace.iterdir() if p.name != "raw")
    return names, tree_digest(workspace / "processed"), tree_digest(workspace / "docs")


def copy_base(base: str, raw: Path) -> None:
    """The raw folder a case starts from (see BASES)."""
    if base == "real":
        shutil.copytree(RAW, raw)
        return
    if base in ("none", "empty", "skeleton"):
        if base != "none":
            raw.mkdir()
        if base == "skeleton":
            for folder in ("events", "documents", "actors", "sources", "texts"):
                (raw / folder).mkdir()
            shutil.copytree(RAW / "vocabularies", raw / "vocabularies")
            shutil.copyfile(RAW / "dataset.yaml", raw / "dataset.yaml")
        return
    shutil.copytree(BASE, raw)
    shutil.copytree(RAW / "vocabularies", raw / "vocabularies")
    shutil.copyfile(RAW / "dataset.yaml", raw / "dataset.yaml")


def prepare(case: dict, workspace: Path, good: dict[str, Path]) -> list[str]:
    """Lay out raw/ (the base plus the case's changes) next to a copy of a good build; return the command's
    arguments."""
    base = case.get("base", "minimal")
    copy_base(base, workspace / "raw")
    good_base = good["real" if base == "real" else "minimal"]
    shutil.copytree(good_base / "processed", workspace / "processed")
    shutil.copytree(good_base / "docs", workspace / "docs")
    for op in case.get("files") or []:
        apply_op(workspace / "raw", op)
    if case.get("generate"):
        spec = case["generate"]
        GENERATORS[spec["name"]](workspace / "raw", **(spec.get("args") or {}))
    if case.get("command", "build") == "validate":
        return ["validate", "raw"]
    return ["build", "--raw", "raw", "--out", "processed", "--docs", "docs"]


def plan(arguments: dict[str, list[str]], root: Path) -> list[Job]:
    """One process per isolated case; the other cases in BATCHES batches. Biggest jobs first."""
    jobs = [Job([name], [sys.executable, "-m", "aigov_timeline", *args], root / name, TIMEOUT)
            for name, args in arguments.items() if CASES[name].get("isolated")]
    shared = [name for name in arguments if not CASES[name].get("isolated")]
    size = max(1, -(-len(shared) // BATCHES))
    for k in range(0, len(shared), size):
        names = shared[k:k + size]
        spec, results = root / f"batch-{k}.json", root / f"batch-{k}.results.json"
        spec.write_text(json.dumps({n: {"cwd": str(root / n), "args": arguments[n]} for n in names}),
                        encoding="utf-8")
        jobs.append(Job(names, [sys.executable, str(CORPUS / "_batch.py"), str(spec), str(results), str(TIMEOUT)],
                        root, TIMEOUT * len(names), results))
    return sorted(jobs, key=lambda job: -len(job.names))


def _outcomes(job: Job, status: int | None, usage, stderr: str, elapsed: float) -> dict[str, Outcome]:
    """The outcome of each case of a finished job (status None: killed after its timeout)."""
    if job.results is not None and status == 0:
        results = json.loads(job.results.read_text(encoding="utf-8"))
        return {name: Outcome(r["returncode"], r["stderr"], r["seconds"], r["cpu"]) for name, r in results.items()}
    code = None if status is None else os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime if usage else elapsed
    return {name: Outcome(code, stderr, elapsed, cpu) for name in job.names}


def run_all(jobs: list[Job], root: Path) -> dict[str, Outcome]:
    """Run the jobs PARALLEL at a time, each with a timeout and a memory limit; then check what each case left."""
    names = [name for job in jobs for name in job.names]
    before = {name: _snapshot(root / name) for name in names}
    pending, running, done = list(jobs), {}, {}
    while pending or running:
        while pending and len(running) < PARALLEL:
            job = pending.pop(0)
            err = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115 - closed below
            proc = subprocess.Popen(job.command, cwd=job.cwd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                    stderr=err, preexec_fn=_limit_memory)
            running[proc.pid] = job, proc, err, time.monotonic()
        time.sleep(0.02)
        for pid, (job, proc, err, start) in list(running.items()):
            elapsed = time.monotonic() - start
            finished, status, usage = os.wait4(pid, os.WNOHANG)
            if not finished and elapsed < job.timeout:
                continue
            if not finished:
                proc.kill()
                os.wait4(pid, 0)
                status = usage = None
            proc.returncode = -1 if status is None else status  # reaped here, not by Popen
            err.seek(0)
            done.update(_outcomes(job, status, usage, err.read(), elapsed))
            err.close()
            del running[pid]
    for name in names:
        workspace = root / name
        done[name].untouched = _snapshot(workspace) == before[name]
        done[name].created = tuple(p for p in CASES[name].get("absent") or [] if (workspace / p).exists())
        shutil.rmtree(workspace / "raw", ignore_errors=True)  # generated inputs are big
    return done


def _build_base(root: Path) -> Path:
    """A successful build of the minimal base folder (which proves the base itself is valid)."""
    good = root / "good"
    copy_base("minimal", good / "raw")
    result = subprocess.run([sys.executable, "-m", "aigov_timeline", "build", "--raw", "raw", "--out", "processed",
                             "--docs", "docs"], cwd=good, capture_output=True, text=True, timeout=TIMEOUT,
                            preexec_fn=_limit_memory)
    assert result.returncode == 0, f"the base folder tests/bad_inputs/_base does not build:\n{result.stderr}"
    return good


def run_corpus(names: list[str], root: Path, good_real=None) -> dict[str, Outcome]:
    """Prepare and run the named cases in folders under ``root``."""
    good = {"minimal": _build_base(root)}
    if any(CASES[name].get("base") == "real" for name in names):
        good["real"] = good_real()
    arguments = {}
    for name in names:
        (root / name).mkdir()
        arguments[name] = prepare(CASES[name], root / name, good)
    return run_all(plan(arguments, root), root)


@pytest.fixture(scope="module")
def outcomes(request, tmp_path_factory) -> dict[str, Outcome]:
    """Run every selected case once; the tests then read their case's outcome."""
    selected = dict.fromkeys(item.callspec.params["name"] for item in request.session.items
                             if getattr(item, "callspec", None) and item.callspec.params.get("name") in CASES
                             and item.originalname == "test_bad_input_ends_in_a_clear_report")
    return run_corpus(list(selected), tmp_path_factory.mktemp("corpus"),
                      lambda: request.getfixturevalue("good_build"))


# --- the tests -----------------------------------------------------------------------------------------------

def screen_lines(text: str) -> int:
    return sum(max(1, -(-len(line) // SCREEN_WIDTH)) for line in text.rstrip("\n").splitlines())


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_ends_in_a_clear_report(outcomes, name):
    case, out = CASES[name], outcomes[name]
    expected, report = case["expected"], out.stderr
    assert out.returncode is not None, f"no answer within {TIMEOUT} s"
    assert "Traceback" not in report and "internal error" not in report, report
    assert out.returncode == 1, report
    assert screen_lines(report) <= SCREEN_LINES, report
    wanted = [expected["file"], expected["message"], *(expected.get("also") or [])]
    if expected["record"] is not None:
        wanted.append(f"record {expected['record']}")
    if expected["field"] is not None:
        wanted.append(f"field {expected['field']}")
    for text in wanted:
        assert text in report, f"{text!r} missing from:\n{report}"
    if case.get("command", "build") == "build":
        assert "nothing was written" in report
    assert out.untouched, "the previous output (processed/, docs/) changed"
    assert not out.created, f"the input managed to create {out.created}"


def test_the_corpus_is_large_and_covers_every_category():
    assert len(CASES) >= MIN_CASES
    assert {case["category"] for case in CASES.values()} == set(CATEGORIES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_case_files_are_well_formed(name):
    case = CASES[name]
    assert set(case) <= CASE_KEYS and case["category"] in CATEGORIES and case["description"].strip()
    assert set(case["expected"]) <= EXPECTED_KEYS
    assert {"file", "record", "field", "message"} <= set(case["expected"])
    assert case.get("base", "minimal") in BASES and case.get("command", "build") in ("build", "validate")
    assert case.get("files") or case.get("generate") or case.get("base") in ("skeleton", "empty", "none")
    for op in case.get("files") or []:
        assert "path" in op and len(set(op) & OPS) == 1, op
    if case.get("generate"):
        assert case["generate"]["name"] in GENERATORS and case.get("isolated"), "generated inputs run isolated"


def test_no_big_input_is_committed():
    sizes = {str(p.relative_to(CORPUS)): p.stat().st_size for p in CORPUS.rglob("*") if p.is_file()}
    assert sizes and max(sizes.values()) <= MAX_COMMITTED_BYTES
