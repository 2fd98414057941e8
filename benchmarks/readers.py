"""How the YAML reader was chosen: the candidate readers measured on raw files in the curators' layout, and probed on
what the build needs of a reader. Prints a Markdown table (docs/performance.md); asserts nothing.

    python -m venv /tmp/readers && /tmp/readers/bin/pip install pandas pyarrow pyyaml ruamel.yaml rapidyaml oryaml \\
        pyrs-yaml fastyaml-rs py-yaml12
    /tmp/readers/bin/python benchmarks/readers.py data/raw GENERATED_FOLDER

GENERATED_FOLDER is a raw folder from `benchmarks/generate.py` (the curated layout, e.g. 10k events). A candidate
that is not installed is left out. Each probe runs in a process of its own, with 2 GB of address space beyond its
imports and 60 s, so a reader that crashes or hangs on hostile input is reported, not fatal.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # the build's own reader, from this checkout

READERS = {
    "the build's reader (CSafeLoader with the build's constructor, `build/read.py`)":
        ("aigov_timeline.build.read", "lambda t: m.parse_yaml(t, 'probe')"),
    "PyYAML C loader (CSafeLoader)": ("yaml", "lambda t: m.load(t, Loader=m.CSafeLoader)"),
    "PyYAML pure-Python SafeLoader": ("yaml", "lambda t: m.load(t, Loader=m.SafeLoader)"),
    "ruamel.yaml (typ=safe)": ("ruamel.yaml", "m.YAML(typ='safe', pure=False).load"),
    "rapidyaml (parse to a tree only)": ("ryml", "lambda t: m.parse_in_arena(t.encode())"),
    "oryaml": ("oryaml", "m.loads"),
    "pyrs-yaml": ("pyrs_yaml", "m.safe_loads"),
    "fastyaml-rs": ("fast_yaml", "m.safe_load"),
    "py-yaml12": ("yaml12", "m.parse_yaml"),
}
LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n" for p, c in zip("abcdefgh", "bcdefghi"))
PROBES = {  # name: (text, what the build needs)
    "line in errors": ("id: x\ntitle: a\n  bad: [1, 2\nnext: 1\n", "an error naming line 3"),
    "duplicate key": ("id: x\ntitle: a\ntitle: b\n", "refused"),
    "alias expansion (9^9)": (LAUGHS, "refused or bounded, never expanded"),
    "plain NO / yes": ("a: NO\nb: yes\n", "text, or refused with a fix (never silently a boolean)"),
    "unquoted date": ("a: 2024-03-21\nb: 2024-03\n", "the text the curator wrote"),
    "python tag": ('a: !!python/object/apply:os.system ["echo hi"]\n', "refused"),
    "flow nesting 100,000 deep": ("t: " + "[" * 100000 + "]" * 100000 + "\n", "refused within seconds"),
}
PROBE = r"""
import json, resource, sys, time
import importlib
module, call, text = json.loads(sys.stdin.read())
m = importlib.import_module(module)
size = next(int(line.split()[1]) * 1024 for line in open("/proc/self/status") if line.startswith("VmSize:"))
resource.setrlimit(resource.RLIMIT_AS, (size + 2 * 1024**3, size + 2 * 1024**3))  # 2 GB more than the imports
load = eval(call)
start = time.perf_counter()
try:
    value = load(text)
    if isinstance(value, tuple):  # the build's reader: (data, problem)
        if value[1] is not None:
            raise ValueError(f"refused: {value[1].message}")
        value = value[0]
    shown = repr(value)[:60] if not isinstance(value, dict) or "i" not in value else "loaded (shared or expanded)"
    out = f"loaded: {shown}"
except Exception as exc:
    out = f"{type(exc).__name__}: {str(exc).splitlines()[0][:70] if str(exc) else ''}"
print(json.dumps({"out": out, "seconds": time.perf_counter() - start}))
"""


def available() -> dict[str, tuple[str, str]]:
    found = {}
    for name, (module, call) in READERS.items():
        try:
            __import__(module)
            found[name] = (module, call)
        except ImportError:
            continue
    return found


def speed(readers: dict, folder: Path) -> dict[str, float]:
    """MB/s of each reader over every YAML file of a folder (best of two passes)."""
    texts = [p.read_text(encoding="utf-8") for p in sorted(folder.rglob("*.yaml"))]
    size = sum(len(t.encode()) for t in texts) / 1e6
    out = {}
    for name, (module, call) in readers.items():
        m = __import__(module, fromlist=["_"])
        load = eval(call, {"m": m})
        best = float("inf")
        for _ in range(2):
            start = time.perf_counter()
            for text in texts:
                load(text)
            best = min(best, time.perf_counter() - start)
        out[name] = size / best
    return out


def probe(module: str, call: str, text: str) -> str:
    try:
        result = subprocess.run([sys.executable, "-c", PROBE], input=json.dumps([module, call, text]),
                                capture_output=True, text=True, timeout=60,
                                env={**os.environ, "PYTHONPATH": str(REPO)})
    except subprocess.TimeoutExpired:
        return "no answer within 60 s"
    if result.returncode != 0:
        return f"the process died (exit {result.returncode})"
    found = json.loads(result.stdout)
    return f"{found['out']} ({found['seconds']:.1f} s)" if found["seconds"] >= 0.5 else found["out"]


def main(folders: list[str]) -> int:
    readers = available()
    speeds = {str(f): speed(readers, Path(f)) for f in folders}
    header = ["reader", *(f"MB/s, {f}" for f in folders), *PROBES]
    needs = ["what the build needs", *([""] * len(folders)), *(w for _, w in PROBES.values())]
    for row in (header, ["---"] * len(header), needs):
        print("| " + " | ".join(row) + " |")
    for name, (module, call) in readers.items():
        cells = [f"{speeds[str(f)][name]:.1f}" for f in folders]
        cells += [probe(module, call, text).replace("|", "/") for text, _ in PROBES.values()]
        print(f"| {name} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["data/raw"]))
