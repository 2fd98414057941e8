"""Screenshots of the gallery in headless Chromium, for docs/: a release step, looked at before each release (they are
illustrations, not outputs that a check compares byte for byte)."""

from __future__ import annotations

import shutil
import struct
import subprocess
import tempfile
from pathlib import Path

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
         "--virtual-time-budget=8000"]
WIDTH = 1500
MARGIN = 420
"""Pixels of a page around its chart: the heading, caption and file links."""


class NoBrowser(Exception):
    """Chromium is not installed."""


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if found is None:
        raise NoBrowser("screenshots need Chromium (Debian: apt-get install chromium)")
    return found


def png_size(path: Path) -> tuple[int, int]:
    """(width, height) of a PNG file, from its header."""
    return struct.unpack(">II", path.read_bytes()[16:24])


def screenshot(browser: str, page: Path, target: Path, height: int) -> Path:
    """One page of the gallery, as Chromium draws it at WIDTH pixels wide."""
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([browser, *FLAGS, f"--user-data-dir={profile}", f"--window-size={WIDTH},{height}",
                        f"--screenshot={target}", page.resolve().as_uri()], check=True, capture_output=True,
                       timeout=180)
    return target


def gallery_screenshots(charts: Path, out: Path) -> list[Path]:
    """A screenshot of each chart's page and of each versions page of the gallery in ``charts``, into ``out``."""
    browser = chromium()
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for png in sorted(charts.glob("*.png")):
        height = png_size(png)[1] // 2 + MARGIN  # the PNG is drawn at twice the chart's size
        written.append(screenshot(browser, charts / f"{png.stem}.html", out / f"gallery-{png.stem}.png", height))
    for versions in sorted(charts.glob("versions-*.html")):
        written.append(screenshot(browser, versions, out / f"gallery-{versions.stem}.png", 2400))
    written.append(screenshot(browser, charts / "index.html", out / "gallery-index.png", 1200))
    return written
