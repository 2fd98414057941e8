"""Writing the charts: Vega-Lite JSON, SVG, PNG and standalone HTML per chart, an offline gallery page, and a page
per document with versions that sets them side by side.

Vega, Vega-Lite and vega-embed are inlined from vl-convert's bundle, and the charts' font is copied beside the pages
(``fonts/``), so every page works without a network and shows the same text as the PNG and SVG.
"""

from __future__ import annotations

import difflib
import html
import json
import shutil
import tempfile
from pathlib import Path

import altair as alt
import pandas as pd
import vl_convert as vlc

from .._version import __version__
from ..loaders import file_sha256
from ..loaders.views import versions_of
from ..words import tokens
from . import figures as charts
from . import style

MANIFEST = "manifest.json"
RENDERED = ("svg", "png")
"""Formats rendered by vl-convert (with the charts' registered font)."""
FONTS = "fonts"


class NoCharts(Exception):
    """The folder holds no generated charts to compare with."""


def _vl_version() -> str:
    from altair.utils._importers import vl_version_for_vl_convert

    return vl_version_for_vl_convert()


def tool_versions() -> dict[str, str]:
    return {"altair": alt.__version__, "vl-convert": vlc.__version__, "vega-lite": alt.SCHEMA_VERSION}


def build_charts(tables: dict, data_version: str | None = None) -> dict[str, alt.TopLevelMixin]:
    """Every chart of the gallery, built from the tables."""
    return {name: function(**tables, version=data_version) for name, (function, _, _) in charts.CHARTS.items()}


def spec_json(chart: alt.TopLevelMixin) -> str:
    return chart.to_json(indent=2, sort_keys=True) + "\n"


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
@font-face {{ font-family: "{font}"; src: url("{fonts}/{font_file}") format("opentype"); }}
body {{ font-family: "{font}", system-ui, sans-serif; margin: 2rem; color: #222; line-height: 1.45; }}
main {{ max-width: 1500px; }}
h1 {{ font-size: 1.7rem; font-weight: normal; margin-bottom: .2rem; }}
h2 {{ font-size: 1.25rem; font-weight: normal; margin: 2.6rem 0 .3rem; }}
p, figcaption, table {{ max-width: 75rem; }}
.meta, .files {{ color: #555; font-size: .95rem; }}
figure {{ margin: 0 0 1rem; }} figcaption {{ margin: .2rem 0 .8rem; font-size: 1rem; }}
.chart {{ overflow-x: auto; }}
.chart svg {{ max-width: none; height: auto; }}
table.versions {{ border-collapse: collapse; font-size: .95rem; width: 100%; max-width: none; }}
table.versions thead th {{ position: sticky; top: 0; }} th code {{ font-size: .75rem; color: #555; }}
table.versions th, table.versions td {{ border: 1px solid #ddd; padding: .45rem .6rem; vertical-align: top;
                                         text-align: left; }}
table.versions th {{ background: #f3f4f6; font-weight: normal; }}
td .status {{ display: block; font-size: .8rem; color: #555; margin-bottom: .2rem; }}
td.reference {{ background: #f4f8fc; }} td.same {{ background: #fff; }} td.reworded {{ background: #fffbea; }}
td.missing {{ background: #f6f6f6; color: #666; }} td.contradicts {{ background: #fdecea; }}
td.unaligned {{ background: #fafafa; color: #444; }}
ins {{ background: #ffe08a; text-decoration: none; }} del {{ color: #a33; }}
</style>
{scripts}
</head>
<body>
<main>
{body}
</main>
{embed}
</body>
</html>
"""


def page(title: str, body: str, specs: dict[str, str] | None = None, bundle: str = "") -> str:
    """An HTML page; with ``specs``, the charts are drawn in it by the inlined vega-embed (SVG, with tooltips)."""
    scripts = embed = ""
    if specs:
        scripts = f"<script>\n{bundle}\n</script>"
        joined = "{" + ",\n".join(f"{json.dumps(name)}: {spec.strip()}" for name, spec in specs.items()) + "}"
        # Vega measures text when it lays a chart out, so the charts wait for the font they are drawn in
        embed = ("<script>\nconst specs = " + joined.replace("</", "<\\/") + ";\n"
                 f"document.fonts.load('12px \"{style.FONT}\"').catch(() => null).then(() => {{\n"
                 "  for (const [name, spec] of Object.entries(specs)) {\n"
                 "    vegaEmbed(\"#chart-\" + name, spec, {renderer: \"svg\", actions: false}).catch(console.error);\n"
                 "  }\n});\n</script>")
    return _PAGE.format(title=html.escape(title), font=style.FONT, fonts=FONTS, font_file=style.FONT_FILE.name,
                        scripts=scripts, body=body, embed=embed)


def alt_text(spec: str) -> str:
    """A chart's alternative text: its question, and the sentence describing what it shows."""
    data = json.loads(spec)
    title = data.get("title", {})
    return f"{title.get('text', '')} {data.get('description', '')}".strip()


def _figure(name: str, heading: str, caption: str, spec: str, links: bool) -> str:
    files = ""
    if links:
        files = "<p class=\"files\">" + " · ".join(
            f"<a href=\"{name}.{fmt}\">{fmt.upper()}</a>" for fmt in ("html", "svg", "png", "vl.json")) + "</p>"
    return (f"<figure id=\"{name}\">\n<h2>{html.escape(heading)}</h2>\n"
            f"<figcaption>{html.escape(caption)}</figcaption>\n"
            f"<div class=\"chart\" id=\"chart-{name}\" role=\"img\" aria-label=\"{html.escape(alt_text(spec))}\"></div>\n"
            f"{files}\n</figure>")


def data_as_of(tables: dict) -> str:
    """The latest day a source was read: the date the data describes, used instead of a wall-clock build date."""
    accessed = tables["sources"]["accessed"]
    return accessed.max().strftime("%Y-%m-%d") if len(accessed) else "unknown"


# --- versions of documents -------------------------------------------------------------------------------------

def _highlight(reference: str | None, passage: str | None) -> str:
    """The passage as HTML, its words that differ from the reference marked (``<ins>``): words as the build compares
    them (``words.tokens``: a Chinese character is a word)."""
    if not isinstance(passage, str):
        return ""
    if not isinstance(reference, str):
        return html.escape(passage)
    words = tokens(passage)
    matcher = difflib.SequenceMatcher(None, [t.norm for t in tokens(reference)], [t.norm for t in words],
                                      autojunk=False)
    out, done = [], 0
    for kind, _, _, j1, j2 in matcher.get_opcodes():
        if kind == "equal" or j1 == j2:
            continue
        start, end = words[j1].start, words[j2 - 1].end
        out += [html.escape(passage[done:start]), f"<ins>{html.escape(passage[start:end])}</ins>"]
        done = end
    return "".join(out) + html.escape(passage[done:])


LANGUAGES = {"en": "English", "zh": "Chinese", "fr": "French", "es": "Spanish", "ru": "Russian", "ar": "Arabic"}
"""Names of the ISO 639-1 codes of the UN's official languages, for the column heads (others show their code)."""


def versions_page(document_id: str, tables: dict, data_version: str) -> str:
    """A document's versions side by side, clause by clause, with each passage's status and its differences from
    the clause's reference wording."""
    rows = versions_of(document_id, tables["document_versions"], tables["passages"])
    versions = tables["document_versions"].set_index("version_id")
    order = rows.drop_duplicates("version_id")[["version_id", "language"]]
    rank = {kind: i for i, kind in enumerate(("original", "official_translation", "excerpt", "abridgement",
                                               "unofficial_translation", "draft"))}
    order = sorted(order["version_id"], key=lambda v: (versions.loc[v, "language"] != "zh",
                                                       rank.get(versions.loc[v, "kind"], 9), v))
    title = tables["documents"].set_index("document_id").loc[document_id, "title"]
    kinds = tables["vocab_version_kinds"].set_index("code")["label"]
    statuses = tables["vocab_passage_statuses"].set_index("code")["label"]
    head = "".join(f"<th title=\"{html.escape(versions.loc[v, 'publisher'] or '')}\">"
                   f"{html.escape(LANGUAGES.get(versions.loc[v, 'language'], versions.loc[v, 'language']))}<br>"
                   f"<small>{html.escape(kinds.get(versions.loc[v, 'kind'], versions.loc[v, 'kind']))}"
                   f"{' · official' if versions.loc[v, 'official'] else ''}</small><br><code>{html.escape(v)}</code>"
                   "</th>" for v in order)
    body_rows = []
    for clause, group in rows.groupby("clause", sort=True):
        cells = group.set_index("version_id")
        tds = []
        for version in order:
            if version not in cells.index:
                tds.append("<td></td>")
                continue
            row = cells.loc[version]
            note = statuses.get(row["status"], row["status"])
            if row["status"] == "reworded" and row["similarity"] == 100:
                note += ": the same words, in another case or punctuation"
            elif row["status"] == "reworded" and pd.notna(row["similarity"]):
                note += f", {int(row['similarity'])}% alike"
            text = (html.escape(row["quote"]) if row["status"] in ("reference", "same", "unaligned")
                    else _highlight(row["reference"], row["quote"]))
            tds.append(f"<td class=\"{row['status']}\"><span class=\"status\">{html.escape(note)}</span>{text}</td>")
        body_rows.append(f"<tr><th>{clause}</th>{''.join(tds)}</tr>")
    counts = rows["status"].value_counts()
    summary = ", ".join(f"{n} {statuses.get(status, status).lower()}" for status, n in counts.items())
    body = (f"<h1>{html.escape(title)}: its versions, clause by clause</h1>\n"
            f"<p class=\"meta\">{html.escape(document_id)} · aigov-timeline data version {data_version} · "
            f"<a href=\"index.html\">all charts</a></p>\n"
            "<p>Each row is a clause of the text; each column a version. A clause's Reference wording (blue) is "
            "quoted from the most authoritative stored official text that reaches it; every other version is "
            "compared with the reference in its own language: Same words, Reworded (the words that differ are "
            "marked, and how alike the passages are is given), Missing, or Contradicts (set by a curator, red). "
            "Unaligned: no stored official text reaches the clause, so its passages cannot be compared. An empty "
            "cell: no passage of that version is recorded for the clause. Hover over a column's head for its "
            "publisher. "
            f"Passages: {html.escape(summary)}.</p>\n"
            f"<table class=\"versions\"><thead><tr><th>Clause</th>{head}</tr></thead>\n<tbody>\n"
            + "\n".join(body_rows) + "\n</tbody></table>")
    return page(f"{title}: versions", body)


def versions_file(document_id: str) -> str:
    return f"versions-{document_id}.html"


# --- writing ---------------------------------------------------------------------------------------------------

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
    style.register_font()
    built = build_charts(tables, data_version)
    captions = {name: (heading, caption) for name, (_, heading, caption) in charts.CHARTS.items()}
    as_of = data_as_of(tables)
    (folder / FONTS).mkdir()
    shutil.copyfile(style.FONT_FILE, folder / FONTS / style.FONT_FILE.name)
    specs = {}
    meta = f"<p class=\"meta\">aigov-timeline data version {data_version} · data as of {as_of}</p>"
    for name, chart in built.items():
        spec = spec_json(chart)
        specs[name] = spec
        (folder / f"{name}.vl.json").write_text(spec, encoding="utf-8")
        (folder / f"{name}.svg").write_text(vlc.vegalite_to_svg(spec, vl_version=vl_version), encoding="utf-8")
        (folder / f"{name}.png").write_bytes(vlc.vegalite_to_png(spec, vl_version=vl_version, scale=2))
        (folder / f"{name}.html").write_text(page(f"aigov-timeline: {captions[name][0]}", meta + "\n" + _figure(
            name, *captions[name], spec, links=False), {name: spec}, bundle), encoding="utf-8")
    documents = sorted(tables["document_versions"]["document_id"].unique()) if "document_versions" in tables else []
    for document_id in documents:
        (folder / versions_file(document_id)).write_text(versions_page(document_id, tables, data_version),
                                                         encoding="utf-8")
    titles = tables["documents"].set_index("document_id")["title"]
    versions_list = "".join(f"<li><a href=\"{versions_file(d)}\">{html.escape(titles[d])}</a></li>"
                            for d in documents)
    intro = (f"<h1>AI governance at and around the UN, in charts</h1>\n"
             f"<p class=\"meta\">Data version {data_version} · data as of {as_of} (the latest day a source was "
             f"read) · aigov-timeline {__version__}, Altair {alt.__version__}</p>\n<p>Every chart is generated from "
             "the tables by <code>aigov-timeline charts</code> and answers the question in its title. Hover over a "
             "mark for its details; each chart is also available as standalone HTML, SVG, PNG and Vega-Lite JSON.</p>"
             + (f"\n<h2>Versions of a document</h2>\n<p>The texts whose versions (the original, its official "
                f"translation, and the copies that differ) are set side by side, clause by clause:</p>\n"
                f"<ul>{versions_list}</ul>" if documents else ""))
    figures = "\n".join(_figure(name, *captions[name], specs[name], links=True) for name in specs)
    (folder / "index.html").write_text(page("aigov-timeline: AI governance at the UN, in charts",
                                            intro + "\n" + figures, specs, bundle), encoding="utf-8")
    files = {str(p.relative_to(folder)): file_sha256(p) for p in sorted(folder.rglob("*")) if p.is_file()}
    rendered = {f"{name}.{fmt}": files[f"{name}.vl.json"] for name in specs for fmt in RENDERED}
    manifest = {"data_version": data_version, "data_as_of": as_of, "tools": tool_versions(),
                "rendered_from": rendered, "files": files}
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def _datasets(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8")).get("datasets", {})


def stale_charts(tables: dict, out: Path, data_version: str) -> tuple[list[str], str | None]:
    """Regenerate in a temporary folder and list the files of ``out`` that are stale.

    Vega-Lite JSON, HTML and the font are compared byte for byte. SVG and PNG are rendered by vl-convert with the
    charts' registered font; each must be unmodified (its hash is in the manifest) and rendered from the current
    spec. When the committed charts were made with other versions of Altair or vl-convert, only the chart data
    inside each spec is compared, and the returned note says so.
    """
    out = Path(out)
    if not (out / MANIFEST).is_file():
        raise NoCharts(f"{out} holds no charts (no {MANIFEST}); make them with `aigov-timeline charts"
                       f"{'' if str(out) == 'charts' else f' --out {out}'}`")
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp)
        _write_into(tables, fresh, data_version)
        new = json.loads((fresh / MANIFEST).read_text(encoding="utf-8"))
        old = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
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
