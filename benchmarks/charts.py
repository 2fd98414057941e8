"""Chart timings: `aigov-timeline charts` in a fresh process (cold), and the timeline of a 1M-event table.

Run: python benchmarks/charts.py   (prints figures; asserts nothing)
"""

import statistics
import subprocess
import sys
import tempfile
import time

RUNS = 3


def cold_charts() -> list[float]:
    times = []
    for _ in range(RUNS):
        with tempfile.TemporaryDirectory() as out:
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "aigov_timeline", "charts", "--out", out], check=True,
                           capture_output=True)
            times.append(time.perf_counter() - start)
    return times


def million_events(n: int = 1_000_000) -> tuple[float, float, int, int]:
    """Seconds to make the timeline chart and its spec, seconds to render it as SVG, spec and SVG sizes."""
    code = r'''
import sys, time, numpy as np, pandas as pd, aigov_timeline as agt
from aigov_timeline import charts
n = int(sys.argv[1])
rng = np.random.default_rng(0)
start = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 1000, n), unit="D")
events = pd.DataFrame({"event_id": [f"evt-s-{i}" for i in range(n)], "title": "x", "event_type": "meeting",
    "date": start.strftime("%Y-%m-%d"), "date_precision": "day", "end_date": None, "date_start": start,
    "date_end": start, "forum_id": rng.choice(["act-un-general-assembly", "act-un-security-council", None], n)})
actors = agt.load("actors")
t = time.perf_counter(); spec = charts.timeline(events, actors=actors).to_json(); chart_s = time.perf_counter() - t
import vl_convert as vlc
t = time.perf_counter(); svg = vlc.vegalite_to_svg(spec); svg_s = time.perf_counter() - t
print(chart_s, svg_s, len(spec), len(svg.encode()))
'''
    out = subprocess.run([sys.executable, "-c", code, str(n)], check=True, capture_output=True,
                         text=True).stdout.split()
    return float(out[0]), float(out[1]), int(out[2]), int(out[3])


if __name__ == "__main__":
    cold = cold_charts()
    print(f"aigov-timeline charts, fresh process, shipped data: median {statistics.median(cold):.2f} s "
          f"over {RUNS} runs ({', '.join(f'{t:.2f}' for t in cold)})")
    chart_s, svg_s, size, _ = million_events()
    print(f"timeline of 1,000,000 events: chart + spec {chart_s:.2f} s, SVG render {svg_s:.2f} s, "
          f"spec {size / 1000:.1f} kB")
