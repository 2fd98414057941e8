"""Writing the charts: Vega-Lite JSON, SVG, PNG and standalone HTML per chart, and an offline gallery page.

Vega, Vega-Lite and vega-embed are inlined from vl-convert's bundle, so every page works without a network.
"""

from __future__ import annotations

import html
import json
import shutil
import tempfile
from pathlib import Path

import altair as alt
import vl_convert as vlc

from . import figures as charts
from .._version import __version__
from ..loaders import file_sha256

MANIFEST = "manifest.json"


class NoCharts(Exception):
    """The folder holds no generated charts to compare with."""
RENDERED = ("svg", "png")
"""Formats whose bytes depend on the fonts installed on the machine (vl-convert measures text with them)."""


def _vl_version() -> str:
    from altair.utils._importers import vl_version_for_vl_convert

    return vl_version_for_vl_convert()


def tool_versions() -> dict[str, str]:
    return {"altair": alt.__version__, "vl-convert": vlc.__version__, "vega-lite": alt.SCHEMA_VERSION}


def build_charts(tables: dict) -> dict[str, alt.TopLevelMixin]:
    """Every chart of the gallery, built from the tables."""
    return {name: function(**tables) for name, (function, _) in charts.CHARTS.items()}


def spec_json(chart: alt.TopLevelMixin) -> str:
    return chart.to_json(indent=2, sort_keys=True) + "\n"


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2rem auto; max-width: 1100px;
       padding: 0 1rem; color: #222; line-height: 1.45; }}
h1 {{ font-size: 1.6rem; margin-bottom: .2rem; }}
h2 {{ font-size: 1.2rem; margin: 2.2rem 0 .3rem; }}
.meta, .files {{ color: #666; font-size: .9rem; }}
figure {{ margin: 0; }} figcaption {{ margin: .2rem 0 .8rem; }}
.chart {{ overflow-x: auto; }}
</style>
<script>
{bundle}
</script>
</head>
<body>
{body}
<script>
const specs = {specs};
for (const [name, spec] of Object.entries(specs)) {{
  vegaEmbed("#chart-" + name, spec, {{renderer: "svg", actions: false}}).catch(console.error);
}}
</script>
</body>
</html>
"""


def _figure(name: str, caption: str, links: bool) -> str:
    files = ""
    if links:
        files = "<p class=\"files\">" + " · ".join(
            f"<a href=\"{name}.{fmt}\">{fmt.upper()}</a>" for fmt in ("html", "svg", "png", "vl.json")) + "</p>"
    title = name.replace("_", " ").capitalize()
    return (f"<figure id=\"{name}\">\n<h2>{html.escape(title)}</h2>\n<figcaption>{html.escape(caption)}</figcaption>\n"
            f"<div class=\"chart\" id=\"chart-{name}\"></div>\n{files}\n</figure>")


def page(title: str, intro: str, specs: dict[str, str], captions: dict[str, str], bundle: str,
         links: bool) -> str:
    body = f"<h1>{html.escape(title)}</h1>\n{intro}\n" + "\n".join(
        _figure(name, captions[name], links) for name in specs)
    joined = "{" + ",\n".join(f"{json.dumps(name)}: {spec.strip()}" for name, spec in specs.items()) + "}"
    return _PAGE.format(title=html.escape(title), bundle=bundle, body=body, specs=joined.replace("</", "<\\/"))


def data_as_of(tables: dict) -> str:
    """The latest day a source was read: the date the data describes, used instead of a wall-clock build date."""
    accessed = tables["sources"]["accessed"]
    return accessed.max().strftime("%Y-%m-%d") if len(accessed) else "unknown"


def write_gallery(tables: dict, out: Path, data_version: str) -> dict:
    """Write every chart in every format, the gallery and a manifest into ``out`` (created or replaced)."""
    out = Path(out)
    tmp = Path(tempfile.mkdtemp(prefix=".charts.tmp-", dir=out.parent if out.parent.exists() else None))
    try:
        _write_into(tables, tmp, data_version)
        if out.exists():
            shutil.rmtree(out)
        shutil.move(str(tmp), str(out))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return json.loads((out / MANIFEST).read_text())


def _write_into(tables: dict, folder: Path, data_version: str) -> None:
    vl_version = _vl_version()
    bundle = vlc.javascript_bundle(vl_version=vl_version)
    built = build_charts(tables)
    captions = {name: caption for name, (_, caption) in charts.CHARTS.items()}
    as_of = data_as_of(tables)
    specs = {}
    for name, chart in built.items():
        spec = spec_json(chart)
        specs[name] = spec
        (folder / f"{name}.vl.json").write_text(spec, encoding="utf-8")
        (folder / f"{name}.svg").write_text(vlc.vegalite_to_svg(spec, vl_version=vl_version), encoding="utf-8")
        (folder / f"{name}.png").write_bytes(vlc.vegalite_to_png(spec, vl_version=vl_version, scale=2))
        intro = f"<p class=\"meta\">aigov-timeline data version {data_version} · data as of {as_of}</p>"
        (folder / f"{name}.html").write_text(page(f"aigov-timeline: {name.replace('_', ' ')}", intro,
                                                   {name: spec}, captions, bundle, links=False), encoding="utf-8")
    intro = (f"<p class=\"meta\">Data version {data_version} · data as of {as_of} (the latest day a source was "
             f"read) · aigov-timeline {__version__}, Altair {alt.__version__}</p>\n<p>Every chart is generated from "
             "the tables by <code>aigov-timeline charts</code>. Hover over a mark for its details; each chart is "
             "also available as standalone HTML, SVG, PNG and Vega-Lite JSON.</p>")
    (folder / "index.html").write_text(page("aigov-timeline: AI governance at the UN, in charts", intro, specs,
                                            captions, bundle, links=True), encoding="utf-8")
    files = {p.name: file_sha256(p) for p in sorted(folder.iterdir())}
    rendered = {f"{name}.{fmt}": files[f"{name}.vl.json"] for name in specs for fmt in RENDERED}
    manifest = {"data_version": data_version, "data_as_of": as_of, "tools": tool_versions(),
                "rendered_from": rendered, "files": files}
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def _datasets(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8")).get("datasets", {})


def stale_charts(tables: dict, out: Path, data_version: str) -> tuple[list[str], str | None]:
    """Regenerate in a temporary folder and list the files of ``out`` that are stale.

    Vega-Lite JSON and HTML are compared byte for byte. SVG and PNG depend on the fonts of the machine that rendered
    them, so each must instead be unmodified (its hash is in the manifest) and rendered from the current spec.
    When the committed charts were made with other versions of Altair or vl-convert, only the chart data inside
    each spec is compared, and the returned note says so.
    """
    out = Path(out)
    if not (out / MANIFEST).is_file():
        raise NoCharts(f"{out} holds no charts (no {MANIFEST}); make them with `aigov-timeline charts"
                       f"{'' if str(out) == 'charts' else f' --out {out}'}`")
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp)
        _write_into(tables, fresh, data_version)
        new = json.loads((fresh / MANIFEST).read_text(encoding="utf-8"))
        old = json.loads((out / MANIFEST).read_text(encoding="utf-8")) if (out / MANIFEST).is_file() else {}
        if old.get("tools") not in (None, tool_versions()):
            note = (f"{out} was made with {old['tools']}, this is {tool_versions()}: only the chart data was compared")
            return [str(out / p.name) for p in sorted(fresh.glob("*.vl.json"))
                    if not (out / p.name).is_file() or _datasets(p) != _datasets(out / p.name)], note
        names = sorted(set(new["files"]) | set(old.get("files", {})) | {MANIFEST})
        stale = []
        for name in names:
            path = out / name
            if not path.is_file() or name not in new["files"] and name != MANIFEST:
                stale.append(str(path))
            elif name.endswith(RENDERED):
                unchanged = old.get("files", {}).get(name) == file_sha256(path)
                current = old.get("rendered_from", {}).get(name) == new["rendered_from"][name]
                if not (unchanged and current):
                    stale.append(str(path))
            elif name == MANIFEST:
                keys = ("data_version", "data_as_of", "tools", "rendered_from")
                if any(old.get(k) != new[k] for k in keys):
                    stale.append(str(path))
            elif path.read_bytes() != (fresh / name).read_bytes():
                stale.append(str(path))
        return stale, None
