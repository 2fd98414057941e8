"""The ``aigov-timeline`` command: build, validate, chart, export and compare the dataset."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ._version import __version__

RAW, PROCESSED, DOCS, CHARTS = Path("data/raw"), Path("data/processed"), Path("docs"), Path("charts")


class UsageError(Exception):
    """A command cannot run as asked; the message says why and what to do."""


def _build(args) -> int:
    from .build import check, stale_outputs, write_outputs

    if args.raw.resolve() == RAW.resolve():
        args.out, args.docs = args.out or PROCESSED, args.docs or DOCS
    if not args.raw.is_dir():
        raise UsageError(f"no raw folder at {args.raw}: `aigov-timeline build` turns the raw YAML records of a clone "
                         "of the repository into processed tables. Run it in the clone's top folder, or pass "
                         "--raw FOLDER (and --out, --docs). To check the installed tables, use "
                         "`aigov-timeline validate`.")
    if args.out is None or args.docs is None:
        raise UsageError(f"{args.raw} is not the repository's raw folder ({RAW}): give --out and --docs for its "
                         f"outputs too, so that {PROCESSED} and {DOCS}/ are not overwritten by another folder's build")
    built = check(args.raw)
    if args.check:
        stale, note = stale_outputs(built, args.out, args.docs)
        if note:
            print(f"note: {note}")
        if stale:
            print("stale outputs (run `aigov-timeline build` and commit the result):", file=sys.stderr)
            for path in stale:
                print(f"  {path}", file=sys.stderr)
            return 1
        print(f"up to date: {args.out} and {args.docs} match a fresh build of {args.raw}")
        return 0
    write_outputs(built, args.out, args.docs)
    total = sum(t.num_rows for t in built.tables.values())
    print(f"built data version {built.version}: {len(built.tables)} tables, {total} rows -> {args.out}")
    return 0


def _validate(args) -> int:
    if args.dir is not None:
        from .build import check

        built = check(args.dir)
        rows = {name: t.num_rows for name, t in built.tables.items()}
        what = f"raw folder {args.dir}"
    else:
        from .build.validate import check_processed
        from .loaders import data_dir, verify

        folder = data_dir()
        verify()
        rows = check_processed(folder)
        what = f"processed tables in {folder}"
    print(f"valid: {what} ({len(rows)} tables, {sum(rows.values())} rows; every key, link, code and date checked)")
    return 0


def _charts(args) -> int:
    try:
        from .charts import gallery
    except ImportError as exc:
        raise UsageError(f"the charts need the `charts` extra ({exc.name} is missing): "
                         "pip install 'aigov-timeline[charts]'") from None
    from .loaders import load_all, manifest

    tables, version = load_all(), manifest()["data_version"]
    if args.check:
        try:
            stale, note = gallery.stale_charts(tables, args.out, version)
        except gallery.NoCharts as exc:
            raise UsageError(str(exc)) from None
        if note:
            print(f"note: {note}")
        if stale:
            print("stale charts (run `aigov-timeline charts` and commit the result):", file=sys.stderr)
            for path in stale:
                print(f"  {path}", file=sys.stderr)
            return 1
        print(f"up to date: {args.out} matches the charts of data version {version}")
        return 0
    written = gallery.write_gallery(tables, args.out, version)
    print(f"wrote {len(written['files'])} files for {len(gallery.charts.CHARTS)} charts -> {args.out} "
          f"(open {args.out}/index.html)")
    return 0


def _export(args) -> int:
    from .exports import export
    from .loaders import load_all, manifest

    if args.out.exists() and not args.out.is_dir():
        raise UsageError(f"{args.out} is a file: give the folder to write the {args.format} export into (it is "
                         "created if needed)")
    written = export(args.format, load_all(), args.out, manifest()["data_version"])
    print(f"wrote {len(written)} file{'s' * (len(written) != 1)} ({args.format}) -> {args.out}")
    return 0


def _diff(args) -> int:
    import tempfile

    from .release.diff import DiffError, diff, git_build

    if len(args.folders) not in ((0, 1) if args.against_git else (2,)):
        print("usage: aigov-timeline diff OLD NEW (OLD may be -), or aigov-timeline diff --against-git REV [NEW]",
              file=sys.stderr)
        return 2
    try:
        if args.against_git:
            new = args.folders[0] if args.folders else PROCESSED
            with tempfile.TemporaryDirectory() as tmp:
                print(diff(git_build(args.against_git, new, Path(tmp)), new), end="")
        else:
            print(diff(*args.folders), end="")
    except DiffError as exc:
        raise UsageError(str(exc)) from None
    return 0


def _release(args) -> int:
    from .release.check import release_problems

    if args.screenshots:
        from .release.screenshots import NoBrowser, gallery_screenshots

        try:
            written = gallery_screenshots(args.repo / "charts", args.repo / "docs" / "screenshots")
        except NoBrowser as exc:
            raise UsageError(str(exc)) from None
        print(f"wrote {len(written)} screenshots of the gallery -> {args.repo / 'docs' / 'screenshots'} (look at "
              "each before the release)")
        return 0
    if not (args.repo / "CHANGELOG.md").is_file():
        raise UsageError(f"{args.repo} is not a clone of the repository (no CHANGELOG.md): `aigov-timeline release` "
                         "checks a clone before a version is cut")
    problems = release_problems(args.repo)
    if problems:
        print(f"not ready to release {__version__}:", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    print(f"ready to release {__version__}: versions, CHANGELOG entry, citation and README agree with the data")
    return 0


def _versions(args) -> int:
    import textwrap

    import pandas as pd

    from .loaders import load, versions

    try:
        rows = versions(args.document)
    except LookupError as exc:
        raise UsageError(str(exc)) from None
    title = load("documents").set_index("document_id").loc[args.document, "title"]
    listed = rows.drop_duplicates("version_id").sort_values(["language", "version_id"])
    print(f"{title} ({args.document}): {len(listed)} versions")
    for row in listed.itertuples():
        print(f"  {row.version_id}  {row.language}  {row.kind}{' (official)' if row.official else ''}"
              f"{f' - {row.publisher}' if isinstance(row.publisher, str) else ''}")
    width = max(len(v) for v in rows["version_id"])
    for clause, group in rows.groupby("clause", sort=True):
        print(f"\nClause {clause}")
        for row in group.itertuples():
            mark = f"{row.status}{'' if pd.isna(row.similarity) or row.status == 'same' else f' {row.similarity}%'}"
            head = f"  {mark:<15} {row.version_id:<{width}}  "
            text = row.quote if isinstance(row.quote, str) else "(no such passage)"
            print(textwrap.fill(text, 118, initial_indent=head, subsequent_indent=" " * len(head)))
    return 0


def _info(args) -> int:
    from .loaders import data_dir, manifest

    data = manifest()
    print(f"aigov-timeline {__version__}, data version {data['data_version']}")
    print(f"files: {data_dir()}")
    width = max(len(name) for name in data["tables"])
    for name, entry in data["tables"].items():
        print(f"  {name:<{width}}  {entry['rows']:>6} rows  {entry['bytes']:>7} bytes  sha256 {entry['sha256']}")
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="aigov-timeline", description=__doc__)
    top.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    top.add_argument("--debug", action="store_true", help="show a traceback on internal errors")
    sub = top.add_subparsers(dest="command", required=True)

    p = sub.add_parser("build", help="raw YAML -> validated Parquet, manifest, datapackage.json and docs")
    p.add_argument("--raw", type=Path, default=RAW, help="raw folder (default: %(default)s)")
    p.add_argument("--out", type=Path, help=f"output folder (default: {PROCESSED}; required with another --raw)")
    p.add_argument("--docs", type=Path, help=f"generated docs folder (default: {DOCS}; required with another --raw)")
    p.add_argument("--check", action="store_true", help="write nothing; exit 1 if the committed outputs are stale")
    p.set_defaults(run=_build)

    p = sub.add_parser("validate", help="check the shipped tables, or a raw folder, and report every problem")
    p.add_argument("dir", nargs="?", type=Path, help="a raw folder to check (default: the installed tables)")
    p.set_defaults(run=_validate)

    p = sub.add_parser("charts", help="regenerate charts/ (Vega-Lite JSON, SVG, PNG, HTML, offline gallery)")
    p.add_argument("--out", type=Path, default=CHARTS, help="output folder (default: %(default)s)")
    p.add_argument("--check", action="store_true", help="write nothing; exit 1 if the committed charts are stale")
    p.set_defaults(run=_charts)

    from .exports import FORMATS

    p = sub.add_parser("export", help="write the tables for other tools: " + ", ".join(FORMATS),
                       description="Write the installed tables in another format. Formats: "
                       + "; ".join(f"{k}: {v}" for k, v in FORMATS.items()) + ".")
    p.add_argument("--format", "-f", required=True, choices=list(FORMATS), help="the output format")
    p.add_argument("out", type=Path, help="the folder to write (created if needed)")
    p.set_defaults(run=_export)

    p = sub.add_parser("diff", help="Markdown of the rows and IDs added, changed and removed between two builds",
                       usage="%(prog)s [-h] OLD NEW | %(prog)s [-h] --against-git REV [NEW]",
                       description="Compare two processed folders table by table: row counts and the primary keys "
                       "added, changed (same key, other values) and removed, as Markdown for CHANGELOG.md.")
    p.add_argument("folders", nargs="*", type=Path, metavar="OLD NEW", help="the two processed folders; OLD may "
                   "be - (no previous build). With --against-git: only NEW (default: %s)" % PROCESSED)
    p.add_argument("--against-git", metavar="REV", help="take OLD from git: NEW's folder as it is at revision REV")
    p.set_defaults(run=_diff)

    p = sub.add_parser("release", help="check what a release must satisfy, or take the gallery's screenshots "
                       "(maintainers, when a version is cut)",
                       description="--check: check a clone before a version is cut (the versions agree, the CHANGELOG "
                       "entry of this version states the shipped rows, CITATION.cff carries the release date, and the "
                       "README says how current the data is). --screenshots: screenshots of the gallery for docs/.")
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--check", action="store_true", help="check and report; write nothing")
    what.add_argument("--screenshots", action="store_true", help="screenshots of the gallery (charts/) in headless "
                      "Chromium, into docs/screenshots/, to look at before the release")
    p.add_argument("--repo", type=Path, default=Path("."), help="the clone's top folder (default: %(default)s)")
    p.set_defaults(run=_release)

    p = sub.add_parser("versions", help="a document's versions side by side, clause by clause, with the differences",
                       description="Print each clause of a document in each of its versions: the reference wording, "
                       "and whether each version has it the same, reworded, missing, contradicted or unaligned.")
    p.add_argument("document", help="a document ID, e.g. doc-cn-global-ai-governance-initiative")
    p.set_defaults(run=_versions)

    p = sub.add_parser("info", help="versions, tables, row counts, checksums and file location")
    p.set_defaults(run=_info)
    return top


def main(argv: list[str] | None = None) -> int:
    from .loaders import DataFileError
    from .problems import DataProblems

    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except DataProblems as exc:
        print(exc.report(), file=sys.stderr)
        if args.command == "build" and not args.check:
            print(f"\nnothing was written: {args.out} is unchanged.", file=sys.stderr)
        return 1
    except (DataFileError, UsageError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        if args.command == "build" and not args.check and args.out is not None:
            print(f"\nnothing was written: {args.out} is unchanged.", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the last line of defence: no traceback for users
        if args.debug:
            raise
        print(f"internal error: {type(exc).__name__}: {exc}\nrun again with --debug for details, and please "
              "report it.", file=sys.stderr)
        return 1
