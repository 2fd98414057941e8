"""The whole benchmark: every figure measured in fresh processes, several runs, median shown.

    python benchmarks/run.py                      # everything (10k and 100k events, both raw layouts)
    python benchmarks/run.py --sizes 10k          # scale at chosen sizes only
    python benchmarks/run.py --quick              # a fast smoke run: 1 run each, small sizes

Sections: load time against reading the Parquet files directly, the modules `import aigov_timeline` pulls in,
build/validate/charts of the shipped data, build at synthetic sizes (benchmarks/generate.py) in the layout curators
use and in the generator's `records` layout, `frictionless validate` on the same rows (the datapackage export of
each build), and charts of a 1M-event table (benchmarks/charts.py). A 1M-event build is estimated from the measured
cost per row, not run. Prints figures; asserts nothing. See docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import charts as chart_bench  # noqa: E402  (benchmarks/charts.py)
from generate import generate, parse_size  # noqa: E402

PY = sys.executable
FORBIDDEN = ("altair", "pandera", "vl_convert", "duckdb", "rdflib")

# A fresh wrapper process runs one command in a session of its own and samples every process of that session
# (the build's worker processes too) ten times a second: the peak of their summed resident memory, and the sum of
# each one's last CPU time. It stops the command when that memory passes the limit.
WRAPPER = r'''
import json, os, subprocess, sys, time
cmd, limit, timeout, env = json.loads(sys.argv[1])
page, tick = os.sysconf("SC_PAGE_SIZE"), os.sysconf("SC_CLK_TCK")
start = time.perf_counter()
proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True,
                        env={**os.environ, **env})
cpu, peak, stopped = {}, 0, None

def sample():
    total = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if int(fields[3]) != proc.pid:  # the session
                continue
            with open(f"/proc/{pid}/statm") as f:
                total += int(f.read().split()[1]) * page
            cpu[pid] = (int(fields[11]) + int(fields[12])) / tick
        except (OSError, IndexError, ValueError):
            continue
    return total

while proc.poll() is None:
    rss = sample()
    peak = max(peak, rss)
    if limit and rss > limit:
        stopped = "memory"
    elif timeout and time.perf_counter() - start > timeout:
        stopped = "time"
    if stopped:
        os.killpg(proc.pid, 9)
        break
    time.sleep(0.1)
err = proc.communicate()[1]
wall = time.perf_counter() - start
print(json.dumps({"wall": wall, "cpu": sum(cpu.values()), "rss": peak, "processes": len(cpu),
                  "code": proc.returncode, "stopped": stopped, "stderr": err[-2000:]}))
'''


def measure(cmd: list[str], limit: int = 0, timeout: float = 0, env: dict | None = None) -> dict:
    out = subprocess.run([PY, "-c", WRAPPER, json.dumps([cmd, limit, timeout, env or {}])], capture_output=True,
                         text=True, check=True, cwd=REPO)
    return json.loads(out.stdout)


def median_of(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def fmt_s(seconds: float) -> str:
    return f"{seconds:.2f} s" if seconds < 100 else f"{seconds:.0f} s"


def fmt_mb(size: float) -> str:
    return f"{size / 2**20:,.0f} MB"


def cli(*args: str) -> list[str]:
    return [PY, "-m", "aigov_timeline", *args]


# --- 1. load against the physical baseline -------------------------------------------------------------------

LOAD = r'''
import time; start = time.perf_counter()
import aigov_timeline; tables = aigov_timeline.load_all()
import resource; use = resource.getrusage(resource.RUSAGE_SELF)
print(time.perf_counter() - start, use.ru_utime + use.ru_stime)
'''
BASELINE = r'''
import time; start = time.perf_counter()
import sys, pandas as pd, pyarrow as pa, pyarrow.parquet as pq
mapper = {pa.int16(): pd.Int16Dtype(), pa.bool_(): pd.BooleanDtype()}.get
tables = {p: pq.read_table(p).to_pandas(date_as_object=False, types_mapper=mapper) for p in sys.argv[1:]}
import resource; use = resource.getrusage(resource.RUSAGE_SELF)
print(time.perf_counter() - start, use.ru_utime + use.ru_stime)
'''
SAME = r'''
import sys, pandas as pd, pyarrow as pa, pyarrow.parquet as pq, aigov_timeline as agt
mapper = {pa.int16(): pd.Int16Dtype(), pa.bool_(): pd.BooleanDtype()}.get
loaded = agt.load_all()
print(all(loaded[name].equals(pq.read_table(p).to_pandas(date_as_object=False, types_mapper=mapper))
          for name, p in zip(agt.TABLE_NAMES, sys.argv[1:])))
'''


def shipped_files() -> list[str]:
    code = "import aigov_timeline as a, aigov_timeline.loaders as l; " \
           "print('\\n'.join(str(l.data_dir() / f'{n}.parquet') for n in a.TABLE_NAMES))"
    return subprocess.run([PY, "-c", code], capture_output=True, text=True, check=True).stdout.split()


def timed_child(code: str, *args: str) -> tuple[float, float]:
    """(wall seconds from the first statement to the end, CPU seconds of the whole process)."""
    out = subprocess.run([PY, "-c", code, *args], capture_output=True, text=True, check=True).stdout.split()
    return float(out[0]), float(out[1])


def load_ratio(runs: int) -> dict:
    files = shipped_files()
    timed_child(LOAD), timed_child(BASELINE, *files)  # warm-up: compiled bytecode and files in the page cache
    package, baseline = [], []
    for _ in range(runs):  # alternate, so that a change in machine load hits both sides alike
        package.append(timed_child(LOAD))
        baseline.append(timed_child(BASELINE, *files))
    same = subprocess.run([PY, "-c", SAME, *files], capture_output=True, text=True, check=True).stdout.strip()
    wall = [statistics.median(t[0] for t in times) for times in (package, baseline)]
    cpu = [statistics.median(t[1] for t in times) for times in (package, baseline)]
    return {"package": wall[0], "baseline": wall[1], "ratio": wall[0] / wall[1], "package_cpu": cpu[0],
            "baseline_cpu": cpu[1], "cpu_ratio": cpu[0] / cpu[1], "equal": same == "True", "runs": runs,
            "files": len(files)}


# --- 2. import cost ------------------------------------------------------------------------------------------

IMPORTS = r'''
import json, sys, time
before = set(sys.modules)
start = time.perf_counter()
import aigov_timeline
took = time.perf_counter() - start
after_import = set(sys.modules) - before
aigov_timeline.load_all()
after_load = set(sys.modules) - before
top = lambda names: sorted({n.split(".")[0] for n in names if not n.startswith(("_", "cython"))}
                           - set(sys.stdlib_module_names))
print(json.dumps({"seconds": took, "modules": len(after_import), "top": top(after_import),
                  "modules_after_load": len(after_load), "top_after_load": top(after_load)}))
'''


def import_cost(runs: int) -> dict:
    results = [json.loads(subprocess.run([PY, "-c", IMPORTS], capture_output=True, text=True, check=True).stdout)
               for _ in range(runs)]
    result = results[0]
    result["seconds"] = statistics.median(r["seconds"] for r in results)
    result["forbidden"] = sorted(set(FORBIDDEN) & set(result["top_after_load"]))
    return result


# --- 3. the shipped data -------------------------------------------------------------------------------------

def shipped(runs: int) -> dict:
    results = {"build": [], "validate": [], "charts": []}
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            results["build"].append(measure(cli("build", "--raw", "data/raw", "--out", f"{tmp}/processed",
                                                 "--docs", f"{tmp}/docs")))
            results["validate"].append(measure(cli("validate")))
            results["charts"].append(measure(cli("charts", "--out", f"{tmp}/charts")))
    for name, items in results.items():
        failed = [r for r in items if r["code"] != 0]
        if failed:
            raise SystemExit(f"{name} failed:\n{failed[0]['stderr']}")
    return {name: {"wall": median_of(items, "wall"), "cpu": median_of(items, "cpu"), "rss": median_of(items, "rss")}
            for name, items in results.items()}


# --- 4. scale ------------------------------------------------------------------------------------------------

LAYOUTS = ("curated", "records")
FRICTIONLESS = str(Path(PY).parent / "frictionless")


def rows_built(processed: Path) -> int:
    manifest = json.loads((processed / "manifest.json").read_text())
    return sum(t["rows"] for t in manifest["tables"].values())


def frictionless(processed: Path, tmp: str, runs: int, limit: int, timeout: float) -> dict | None:
    """`frictionless validate` of the datapackage export of a build: the same rows, checked by Frictionless."""
    if not Path(FRICTIONLESS).exists():
        return None
    package = Path(tmp) / "datapackage"
    subprocess.run(cli("export", "-f", "datapackage", str(package)), check=True, capture_output=True,
                   env={**os.environ, "AIGOV_TIMELINE_DATA": str(processed)})
    items = [measure([FRICTIONLESS, "validate", str(package / "datapackage.json")], limit, timeout)
             for _ in range(runs)]
    if any(r["code"] != 0 for r in items):
        return {"failed": items[0]["stderr"].strip().splitlines()[-1:] or items[0]["stopped"]}
    return {"wall": median_of(items, "wall"), "cpu": median_of(items, "cpu"), "rss": median_of(items, "rss")}


def scale(sizes: list[int], runs: int, limit: int, timeout: float, keep: Path | None) -> list[dict]:
    out = []
    for size in sizes:
        for layout in LAYOUTS:
            with tempfile.TemporaryDirectory() as tmp:
                raw = (keep / f"raw-{layout}-{size}") if keep else Path(tmp) / "raw"
                start = time.perf_counter()
                if not (raw / "dataset.yaml").is_file():
                    generate(raw, size, layout=layout)
                generated = time.perf_counter() - start
                yaml_files = list(raw.rglob("*.yaml"))
                row = {"events": size, "layout": layout, "generate": generated, "files": len(yaml_files),
                       "yaml_bytes": sum(p.stat().st_size for p in yaml_files)}
                items, checks = [], []
                for _ in range(runs):
                    result = measure(cli("build", "--raw", str(raw), "--out", f"{tmp}/processed", "--docs",
                                         f"{tmp}/docs"), limit, timeout)
                    items.append(result)
                    if result["code"] != 0:
                        break
                    checks.append(measure(cli("validate", str(raw)), limit, timeout))  # the checks, no output
                bad = [r for r in items + checks if r["code"] != 0]
                if bad:
                    row["failed"] = bad[0]["stopped"] or bad[0]["stderr"].strip().splitlines()[-1:]
                    row.update(wall=bad[0]["wall"], cpu=bad[0]["cpu"], rss=bad[0]["rss"])
                else:
                    row.update(wall=median_of(items, "wall"), cpu=median_of(items, "cpu"),
                               rss=median_of(items, "rss"), rows=rows_built(Path(tmp) / "processed"),
                               validate_wall=median_of(checks, "wall"), validate_rss=median_of(checks, "rss"))
                    if layout == LAYOUTS[0]:
                        row["frictionless"] = frictionless(Path(tmp) / "processed", tmp, runs, limit, timeout)
                out.append(row)
                print(f"  {size:>9,} events, {layout}: {json.dumps(row)}", file=sys.stderr, flush=True)
    return out


# --- report --------------------------------------------------------------------------------------------------

def machine() -> dict:
    import pandas
    import pyarrow
    import yaml

    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    memory = next((int(line.split()[1]) * 1024 for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal")), 0)
    return {"cpu": cpu, "cores": os.cpu_count(), "memory": memory, "python": platform.python_version(),
            "pandas": pandas.__version__, "pyarrow": pyarrow.__version__, "pyyaml": yaml.__version__,
            "libyaml": bool(yaml.__with_libyaml__), "load": os.getloadavg()}


def report(results: dict) -> str:
    m = results["machine"]
    lines = [f"machine: {m['cpu']}, {m['cores']} cores, {fmt_mb(m['memory'])} RAM; Python {m['python']}, pandas "
             f"{m['pandas']}, pyarrow {m['pyarrow']}, PyYAML {m['pyyaml']} (libyaml: {m['libyaml']}); load average "
             f"at start {m['load'][0]:.1f}, at end {results['load_end']:.1f}", ""]
    if "load" in results:
        r = results["load"]
        lines += ["| load (fresh process each) | wall, median | CPU of the process, median |", "|---|---|---|",
                  f"| `import aigov_timeline; load_all()` | {r['package'] * 1000:.0f} ms | "
                  f"{r['package_cpu'] * 1000:.0f} ms |",
                  f"| `import pandas, pyarrow.parquet` + read the same {r['files']} files (same DataFrames: "
                  f"{'yes' if r['equal'] else 'NO'}) | {r['baseline'] * 1000:.0f} ms | "
                  f"{r['baseline_cpu'] * 1000:.0f} ms |",
                  f"| **ratio** (target ≤ 1.10; {r['runs']} runs each, alternated) | **{r['ratio']:.2f}** | "
                  f"**{r['cpu_ratio']:.2f}** |", ""]
    if "imports" in results:
        r = results["imports"]
        lines += [f"import aigov_timeline: {r['seconds'] * 1000:.0f} ms, {r['modules']} modules "
                  f"({r['modules_after_load']} after load_all); packages outside the standard library: "
                  f"{', '.join(r['top_after_load'])}. "
                  f"{', '.join(FORBIDDEN)}: "
                  f"{'absent' if not r['forbidden'] else 'PRESENT: ' + ', '.join(r['forbidden'])}",
                  ""]
    if "shipped" in results:
        lines += ["| shipped data | wall | CPU | peak RSS |", "|---|---|---|---|"]
        for name, r in results["shipped"].items():
            lines.append(f"| `aigov-timeline {name}` | {fmt_s(r['wall'])} | {fmt_s(r['cpu'])} | {fmt_mb(r['rss'])} |")
        lines.append("")
    if results.get("scale"):
        lines += scale_report(results["scale"])
    if "charts" in results:
        r = results["charts"]
        lines += [f"charts of {r['events']:,} events (synthetic frames): timeline chart + Vega-Lite spec "
                  f"{fmt_s(r['chart'])}, spec {r['spec'] / 1000:.1f} kB; SVG render {fmt_s(r['svg'])}, "
                  f"SVG {r['svg_bytes'] / 1000:.1f} kB", ""]
    return "\n".join(lines)


def scale_report(rows: list[dict]) -> list[str]:
    lines = ["| events | layout | files | YAML | rows | build wall | build CPU (all processes) | peak memory (all "
             "processes) | wall per row | CPU per row | `validate DIR` wall | `frictionless validate` wall |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        head = f"| {r['events']:,} | {r['layout']} | {r['files']:,} | {fmt_mb(r['yaml_bytes'])} |"
        if "failed" in r:
            lines.append(f"{head} | stopped ({r['failed']}) after {fmt_s(r['wall'])} | {fmt_s(r['cpu'])} | "
                         f"{fmt_mb(r['rss'])} | | | | |")
            continue
        fl = r.get("frictionless")
        fl_text = "" if fl is None else (f"failed: {fl['failed']}" if "failed" in fl else fmt_s(fl["wall"]))
        lines.append(f"{head} {r['rows']:,} | {fmt_s(r['wall'])} | {fmt_s(r['cpu'])} | {fmt_mb(r['rss'])} | "
                     f"{r['wall'] / r['rows'] * 1e6:.1f} µs | {r['cpu'] / r['rows'] * 1e6:.1f} µs | "
                     f"{fmt_s(r['validate_wall'])} | {fl_text} |")
    done = {(r["events"], r["layout"]): r for r in rows if "failed" not in r}
    curated = sorted((r for r in done.values() if r["layout"] == "curated"), key=lambda r: r["events"])
    lines.append("")
    for r in curated:
        other = done.get((r["events"], "records"))
        if other:
            ratio = (r["wall"] / r["rows"]) / (other["wall"] / other["rows"])
            lines.append(f"- {r['events']:,} events: wall per row, curated layout / records layout = {ratio:.2f} "
                         "(target ≤ 1.2)")
        fl = r.get("frictionless")
        if fl and "failed" not in fl:
            lines.append(f"- {r['events']:,} events: `frictionless validate` / build (every check included) = "
                         f"{fl['wall'] / r['wall']:.2f}x (target ≥ 2)")
    if len(curated) > 1:
        first, last = curated[0], curated[-1]
        for what in ("wall", "cpu"):
            growth = (last[what] / last["rows"]) / (first[what] / first["rows"])
            lines.append(f"- {what} per row grows {growth:.2f}x from {first['events']:,} to {last['events']:,} events "
                         "(target < 1.5x)")
    if curated:
        last = curated[-1]
        scale = 1_000_000 / last["events"]
        lines.append(f"- 1,000,000 events, estimated from the cost per row at {last['events']:,} (rows and time "
                     f"x{scale:.0f}): {last['rows'] * scale:,.0f} rows, build about {fmt_s(last['wall'] * scale)} "
                     f"wall, {fmt_s(last['cpu'] * scale)} CPU (not run)")
        for r in curated:
            if r["events"] == 100_000:
                lines.append(f"- 100,000 events: {fmt_s(r['wall'])} within {fmt_mb(r['rss'])} (target: ≤ 60 s "
                             "within 2 GB on 2 cores)")
    return lines + [""]


def to_bytes(text: str) -> int:
    """'4G', '512M', '0' -> bytes."""
    text = text.strip().upper()
    factor = {"K": 2**10, "M": 2**20, "G": 2**30}.get(text[-1:], 1)
    return int(float(text.rstrip("KMG")) * factor)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the benchmark and print the table of figures.")
    parser.add_argument("--sizes", default="10k,100k", help="event counts of the scale runs (e.g. 10k,100k)")
    parser.add_argument("--runs", type=int, default=None, help="runs per figure (default 15 for load, 3 otherwise)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 1 run each, 1k events, 10k-event charts")
    parser.add_argument("--mem-limit", default="4G", help="stop a scale build whose memory passes this (0 = none)")
    parser.add_argument("--time-limit", type=float, default=3600, help="stop a scale build after this many s")
    parser.add_argument("--only", default="load,imports,shipped,scale,charts", help="sections to run")
    parser.add_argument("--keep", type=Path, help="keep (and reuse) the generated raw folders here")
    parser.add_argument("--json", type=Path, help="also write the results as JSON")
    args = parser.parse_args(argv)
    runs = args.runs or (1 if args.quick else 3)
    sizes = [1000] if args.quick else [parse_size(s) for s in args.sizes.split(",") if s]
    only = set(args.only.split(","))
    limit = to_bytes(args.mem_limit)
    results: dict = {"machine": machine()}
    # As after a pip install: compiled bytecode is kept (outside the source tree), so a fresh process does not
    # compile the package's modules again, even where PYTHONDONTWRITEBYTECODE is set.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = str(Path(tempfile.gettempdir()) / "aigov-timeline-benchmark-pycache")
    if "load" in only:
        results["load"] = load_ratio(args.runs or (5 if args.quick else 15))
    if "imports" in only:
        results["imports"] = import_cost(runs)
    if "shipped" in only:
        results["shipped"] = shipped(runs)
    if "scale" in only:
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
        results["scale"] = scale(sizes, runs if not args.quick else 1, limit, args.time_limit, args.keep)
    if "charts" in only:
        events = 10_000 if args.quick else 1_000_000
        chart_s, svg_s, spec, svg = chart_bench.million_events(events)
        results["charts"] = {"events": events, "chart": chart_s, "svg": svg_s, "spec": spec, "svg_bytes": svg}
    results["load_end"] = os.getloadavg()[0]
    print(report(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
