"""The gallery renders in a real headless browser, offline: no console errors, and every chart draws an SVG with
one mark per data item."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess

import pytest

import aigov_timeline as agt
from aigov_timeline import charts
from conftest import CHARTS, REPO, machine_lock

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


def expected_marks(tables) -> dict[str, int]:
    events = tables["events"]
    nodes, edges = charts.followups_data(tables["documents"], tables["document_relations"])
    return {
        "chart-timeline": len(events) + int(events["featured"].sum()),
        "chart-actor_participation": len(charts.participation_data(tables["event_actors"], tables["actors"],
                                                                    events)),
        "chart-themes": len(charts.themes_data(tables["statements"], tables["statement_themes"], tables["actors"],
                                               tables["documents"])),
        "chart-documents_followups": len(edges) + 2 * len(nodes),
    }


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
    expected = expected_marks(agt.load_all())
    assert set(report["charts"]) == set(expected)
    for chart_id, marks in expected.items():
        assert report["charts"][chart_id]["svg"] >= 1, chart_id
        assert report["charts"][chart_id]["marks"] == marks, chart_id
