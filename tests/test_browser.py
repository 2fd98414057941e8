"""The gallery renders in a real headless browser, offline: no console errors, and every chart draws an SVG with
the marks of its static render (vl-convert's SVG), so the page shows what the committed images show."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest

import aigov_timeline as agt
from aigov_timeline import charts
from conftest import CHARTS, machine_lock

SVG = "{http://www.w3.org/2000/svg}"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]

CAPTURE = """<script>
window.__errors = [];
const __error = console.error;
console.error = (...a) => { window.__errors.push(a.map(String).join(" ")); __error(...a); };
window.addEventListener("error", e => window.__errors.push(String(e.message)));
window.addEventListener("unhandledrejection", e => window.__errors.push(String(e.reason)));
</script>"""

REPORT = """<script>
setTimeout(() => {
  const report = {errors: window.__errors, charts: {}};
  document.querySelectorAll(".chart").forEach(div => {
    report.charts[div.id] = {svg: div.querySelectorAll("svg").length, canvas: div.querySelectorAll("canvas").length,
                             marks: div.querySelectorAll("g.role-mark > *").length};
  });
  const pre = document.createElement("pre");
  pre.id = "test-report";
  pre.textContent = JSON.stringify(report);
  document.body.appendChild(pre);
}, 4000);
</script>"""


def chromium() -> str:
    """The Chromium binary; installs Debian's package when missing."""
    with machine_lock("chromium"):
        found = shutil.which("chromium") or shutil.which("chromium-browser")
        if found:
            return found
        if os.geteuid() != 0:
            pytest.fail("chromium is missing and this user cannot install it: apt-get install chromium")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-q"], check=True, capture_output=True, env=env, timeout=600)
        subprocess.run(["apt-get", "install", "-y", "-q", "chromium"], check=True, capture_output=True, env=env,
                       timeout=900)
        return shutil.which("chromium")


def static_marks(svg: str) -> int:
    """Marks drawn in a static SVG of a chart (vl-convert's render): the children of its mark groups."""
    root = ET.fromstring(svg)
    return sum(len(group) for group in root.iter(f"{SVG}g") if "role-mark" in group.get("class", "").split())


def test_gallery_renders_every_chart_without_errors(tmp_path):
    site = tmp_path / "charts"
    shutil.copytree(CHARTS, site)
    page = site / "index.html"
    text = page.read_text(encoding="utf-8")
    head, tail = text.replace("<head>", "<head>\n" + CAPTURE, 1).rsplit("</body>", 1)
    page.write_text(head + REPORT + "\n</body>" + tail, encoding="utf-8")
    result = subprocess.run([chromium(), *FLAGS, f"--user-data-dir={tmp_path / 'profile'}",
                             "--virtual-time-budget=30000", "--dump-dom", page.as_uri()],
                            capture_output=True, text=True, timeout=180)
    match = re.search(r'<pre id="test-report">(.*?)</pre>', result.stdout, flags=re.S)
    assert match, f"no report from the page; chromium said:\n{result.stderr[-2000:]}"
    report = json.loads(html.unescape(match.group(1)))
    assert report["errors"] == []
    assert set(report["charts"]) == {f"chart-{name}" for name in charts.CHARTS}
    events = len(agt.load("events"))
    assert report["charts"]["chart-timeline"]["marks"] > events
    for name in charts.CHARTS:
        drawn = report["charts"][f"chart-{name}"]
        assert drawn["svg"] >= 1, name
        assert drawn["marks"] == static_marks((CHARTS / f"{name}.svg").read_text(encoding="utf-8")) > 0, name
