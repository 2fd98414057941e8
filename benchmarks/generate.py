"""Synthetic raw data of the real schema, at any size: a raw folder that `aigov-timeline build` accepts.

    python benchmarks/generate.py --events 100000 OUT                    # the layout curators use
    python benchmarks/generate.py --events 100000 --layout records OUT   # RECORDS_PER_FILE records to a file

Everything scales with the number of events (see RATIOS); the output is deterministic for a given size, seed and
layout. The default layout is the curators': one record per file, as ``yaml.safe_dump`` writes it, long values folded
at about 100 columns. The ``records`` layout writes `records:` lists, RECORDS_PER_FILE to a file, so a million events
stay a few thousand files. Every source has a stored text (with its SHA-256 in the record) and every quote is a
passage of that text.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import shutil
import sys
from pathlib import Path

import pycountry
import yaml

REPO = Path(__file__).resolve().parent.parent
VOCABULARIES = REPO / "data" / "raw" / "vocabularies"
RECORDS_PER_FILE = 500
LAYOUTS = ("curated", "records")
FOLD_WIDTH = 100
"""Where the curated layout folds long values (as a curator's ``yaml.safe_dump(..., width=100)`` does)."""
SENTENCES_PER_TEXT = 40
QIDS_PER_TEXT = 4

#: rows per event (per document / actor for their own lists); the entity counts have floors for tiny sizes
RATIOS = {
    "documents": 0.5, "actors": 0.1, "sources": 0.05,
    "event_evidence": 2, "event_actors": 2, "event_documents": 0.5, "event_relations": 0.2,
    "event_statements": 1, "statement_themes": 2,
    "document_evidence": 1, "document_actors": 1, "document_relations": 0.2, "document_statements": 0.2,
    "actor_evidence": 1, "qid_share": 0.1, "state_share": 0.2, "sponsored_share": 0.3, "co_sponsors": 3,
}
FLOORS = {"documents": 4, "actors": 10, "sources": 5}

WORDS = ("governance artificial intelligence united nations assembly council resolution member states dialogue "
         "capacity building cooperation development safety security trust inclusive digital divide ethics human "
         "rights oversight framework principles global south science panel report summit declaration initiative "
         "action plan meeting delegation representative minister ambassador secretary general urged welcomed "
         "adopted called support bridge risks benefits sustainable peace military domain standards data open "
         "innovation responsible transparent accountable fair people centred sovereign equal participation "
         "developing countries technology transfer research network partnership forum session agenda item draft "
         "text vote consensus review mechanism office envoy experts education skills infrastructure compute "
         "models systems deployment testing evaluation").split()
_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9 ,.()/_-]*")
_RESERVED = {"y", "n", "yes", "no", "true", "false", "on", "off", "null"}


def scalar(value) -> str:
    """A YAML scalar: plain where that reads back as the same text, double-quoted (JSON) otherwise."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if _PLAIN.fullmatch(value) and value.lower() not in _RESERVED and not value.endswith(" "):
        return value
    return json.dumps(value)


def emit(data, indent: int = 0) -> list[str]:
    """Block-style YAML lines of a mapping whose values are scalars, mappings or lists."""
    pad, lines = " " * indent, []
    for key, value in data.items():
        if isinstance(value, dict):
            lines.append(f"{pad}{key}:")
            lines.extend(emit(value, indent + 2))
        elif isinstance(value, list) and value:
            lines.append(f"{pad}{key}:")
            for item in value:
                if isinstance(item, dict):
                    sub = emit(item, indent + 2)
                    lines.append(f"{pad}- {sub[0].lstrip()}")
                    lines.extend(sub[1:])
                else:
                    lines.append(f"{pad}- {scalar(item)}")
        elif isinstance(value, list):
            lines.append(f"{pad}{key}: []")
        else:
            lines.append(f"{pad}{key}: {scalar(value)}")
    return lines


def vocabulary_codes() -> dict[str, list[str]]:
    return {p.stem: [c["code"] for c in yaml.safe_load(p.read_text(encoding="utf-8"))["codes"]]
            for p in sorted(VOCABULARIES.glob("*.yaml"))}


class Generator:
    """Builds the records of each folder; one seeded random stream makes the output deterministic."""

    def __init__(self, events: int, seed: int):
        self.n = events
        self.rng = random.Random(seed)
        self.codes = vocabulary_codes()
        self.counts = {k: max(FLOORS[k], round(events * RATIOS[k])) for k in FLOORS}
        self.countries = [c.name for c in pycountry.countries]
        self.texts: list[list[str]] = []
        self.qids: list[list[str]] = []
        self.states: list[int] = []

    # --- small pieces ----------------------------------------------------------------------------------------
    def words(self, lo: int, hi: int) -> str:
        return " ".join(self.rng.choices(WORDS, k=self.rng.randint(lo, hi)))

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def count(self, ratio: float) -> int:
        """How many items of a list: the integer part always, one more with the fractional part as chance."""
        whole = int(ratio)
        return whole + (1 if self.chance(ratio - whole) else 0)

    def date(self, day_share=0.8, month_share=0.15) -> str:
        year, month, day = self.rng.randint(2023, 2025), self.rng.randint(1, 12), self.rng.randint(1, 28)
        roll = self.rng.random()
        if roll < day_share:
            return f"{year}-{month:02d}-{day:02d}"
        return f"{year}-{month:02d}" if roll < day_share + month_share else str(year)

    def code(self, vocab: str) -> str:
        return self.rng.choice(self.codes[vocab])

    def actor_id(self) -> str:
        return f"act-s{self.rng.randrange(self.counts['actors']):07d}"

    def citation(self, taken: set | None = None) -> dict:
        """A source and a passage of its text (distinct from the passages in ``taken``)."""
        while True:
            s = self.rng.randrange(len(self.texts))
            sentence = self.rng.choice(self.texts[s]).rstrip(".").split(" ")
            size = self.rng.randint(5, min(12, len(sentence)))
            start = self.rng.randint(0, len(sentence) - size)
            quote = " ".join(sentence[start:start + size])
            if taken is None or (s, quote) not in taken:
                if taken is not None:
                    taken.add((s, quote))
                return {"source": f"src-s{s:07d}", "quote": quote}

    def evidence(self, count: int, supports: tuple[str, ...], qid: str | None = None) -> list[dict]:
        taken: set = set()
        items = []
        if qid:
            s, quote = self.qid_citation(qid)
            taken.add((s, quote))
            items.append({"source": f"src-s{s:07d}", "quote": quote, "supports": ["wikidata_qid"]})
        for _ in range(max(0, count - len(items))):
            items.append({**self.citation(taken), "supports": self.rng.sample(supports, 2)})
        return items

    def qid(self) -> str | None:
        if not self.chance(RATIOS["qid_share"]):
            return None
        return self.rng.choice(self.qids[self.rng.randrange(len(self.qids))])

    def qid_citation(self, qid: str) -> tuple[int, str]:
        s = int(qid[1:]) // 10 - 1
        return s, f"Wikidata item {qid}"

    # --- records ---------------------------------------------------------------------------------------------
    def source(self, i: int) -> tuple[dict, str]:
        sentences = [self.words(8, 16).capitalize() + "." for _ in range(SENTENCES_PER_TEXT)]
        qids = [f"Q{(i + 1) * 10 + k}" for k in range(QIDS_PER_TEXT)]
        for k, qid in enumerate(qids):
            sentences.insert(k * 7 + 3, f"Its Wikidata item {qid} is listed.")
        self.texts.append(sentences)
        self.qids.append(qids)
        text = "\n".join(" ".join(sentences[j:j + 5]) for j in range(0, len(sentences), 5)) + "\n"
        record = {
            "id": f"src-s{i:07d}", "title": self.words(4, 9).capitalize(), "publisher": self.words(1, 3).title(),
            "author": self.words(2, 2).title() if self.chance(0.3) else None,
            "url": f"https://example.org/source/{i}", "type": self.code("source_types"),
            "published": self.date(0.9, 0.08) if self.chance(0.9) else None,
            "accessed": f"2026-{self.rng.randint(1, 12):02d}-{self.rng.randint(1, 28):02d}",
            "is_primary": self.chance(0.4), "language": "en", "text": f"texts/src-s{i:07d}.txt",
            "text_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
            "notes": self.words(6, 20).capitalize() + "." if self.chance(0.2) else None,
        }
        return record, text

    def actor(self, i: int) -> dict:
        state = self.chance(RATIOS["state_share"]) or i < 2  # at least two states, to vote and sponsor
        if state:
            self.states.append(i)
        qid = self.qid()
        return {
            "id": f"act-s{i:07d}", "name": self.words(2, 4).title(), "short_name": None,
            "type": "state" if state else self.rng.choice([c for c in self.codes["actor_types"] if c != "state"]),
            "parent": f"act-s{self.rng.randrange(i):07d}" if i and self.chance(0.2) else None,
            "country": self.rng.choice(self.countries) if state or self.chance(0.1) else None,
            "wikidata_qid": qid, "url": None, "description": self.words(4, 10).capitalize(),
            "confidence": self.code("confidence"), "notes": None,
            "evidence": self.evidence(self.count(RATIOS["actor_evidence"]), ("name", "type"), qid),
        }

    def statement(self, stem: str, k: int) -> dict:
        return {"id": f"stm-{stem}-{k}", "speaker": self.actor_id(), **self.citation(),
                "themes": self.rng.sample(self.codes["themes"], RATIOS["statement_themes"]), "notes": None}

    def event(self, i: int) -> dict:
        date = self.date()
        etype = self.code("event_types")
        method = self.code("decision_methods") if etype == "adoption" else None
        votes, named = None, []
        if method == "recorded_vote":
            votes = {"yes": self.rng.randint(100, 180), "no": self.rng.randint(0, 10),
                     "abstain": self.rng.randint(0, 30)}
            voters = iter(self.rng.sample(self.states, min(len(self.states), votes["no"] + 3)))
            for vote, want in (("no", votes["no"]), ("abstain", min(3, votes["abstain"]))):
                chosen = [next(voters, None) for _ in range(want)]
                named += [{"actor": f"act-s{a:07d}", "vote": vote, **self.citation()} for a in chosen if a is not None]
                votes[f"{vote}_complete"] = len([a for a in chosen if a is not None]) == votes[vote]
            votes["yes_complete"] = False
        end = None
        if len(date) == 10 and int(date[8:]) < 26 and self.chance(0.1):
            end = f"{date[:8]}{int(date[8:]) + self.rng.randint(1, 3):02d}"
        actors = self.rng.sample(range(self.counts["actors"]), self.count(RATIOS["event_actors"]))
        return {
            "id": f"evt-s{i:07d}", "title": self.words(4, 10).capitalize(), "type": etype, "date": date,
            "end_date": end, "forum": self.actor_id() if self.chance(0.3) else None,
            "location": self.words(2, 4).title() if self.chance(0.7) else None,
            "summary": self.words(10, 24).capitalize() + ".", "featured": self.chance(0.01),
            "decision_method": method, "votes": votes, "confidence": self.code("confidence"),
            "notes": self.words(8, 30).capitalize() + "." if self.chance(0.3) else None,
            "evidence": self.evidence(self.count(RATIOS["event_evidence"]), ("date", "title", "location",
                                                                             "occurrence")),
            "actors": [{"actor": f"act-s{a:07d}", "role": self.code("event_roles"),
                        "title_at_event": self.words(3, 6).title() if self.chance(0.2) else None,
                        "on_behalf_of": self.actor_id() if self.chance(0.1) else None, **self.citation(),
                        "notes": None} for a in actors],
            "documents": [{"document": f"doc-s{self.rng.randrange(self.counts['documents']):07d}",
                           "relation": self.code("event_document_relations"), **self.citation()}
                          for _ in range(self.count(RATIOS["event_documents"]))],
            "related_events": [{"event": f"evt-s{self.other(i, self.n):07d}", "relation": self.code("event_relations"),
                                **self.citation()} for _ in range(self.count(RATIOS["event_relations"]))],
            "named_votes": named,
            "statements": [self.statement(f"e{i:07d}", k) for k in range(self.count(RATIOS["event_statements"]))],
        }

    def sponsors(self) -> dict:
        """A main sponsor and some co-sponsors, with a co-sponsor count, for a share of the documents."""
        if not self.chance(RATIOS["sponsored_share"]):
            return {"co_sponsor_count": None, "sponsors": []}
        states = self.rng.sample(self.states, min(len(self.states), 1 + self.rng.randint(0, RATIOS["co_sponsors"])))
        rows = [{"actor": f"act-s{a:07d}", "role": "main_sponsor" if k == 0 else "co_sponsor",
                 "date_joined": self.date() if k and self.chance(0.3) else None, **self.citation()}
                for k, a in enumerate(states)]
        return {"co_sponsor_count": len(rows) - 1 + self.rng.randint(0, 50), "sponsors": rows}

    def other(self, i: int, n: int) -> int:
        j = self.rng.randrange(n - 1)
        return j if j < i else j + 1

    def document(self, i: int) -> dict:
        qid = self.qid()
        actors = self.rng.sample(range(self.counts["actors"]), self.count(RATIOS["document_actors"]))
        n = self.counts["documents"]
        return {
            "id": f"doc-s{i:07d}", "title": self.words(5, 12).capitalize(),
            "short_title": self.words(2, 3).title() if self.chance(0.3) else None,
            "type": self.code("document_types"), "un_symbol": f"A/SYN/{i}" if self.chance(0.3) else None,
            "date": self.date(0.7, 0.2) if self.chance(0.9) else None, "url": f"https://example.org/doc/{i}",
            "wikidata_qid": qid, "summary": self.words(10, 24).capitalize() + ".",
            "confidence": self.code("confidence"), "notes": None,
            "evidence": self.evidence(self.count(RATIOS["document_evidence"]), ("title", "date", "type"), qid),
            "actors": [{"actor": f"act-s{a:07d}", "role": self.code("document_roles"), **self.citation()}
                       for a in actors],
            **self.sponsors(),
            "related_documents": [{"document": f"doc-s{self.other(i, n):07d}",
                                   "relation": self.code("document_relations"), **self.citation()}
                                  for _ in range(self.count(RATIOS["document_relations"]))],
            "statements": [self.statement(f"d{i:07d}", k) for k in range(self.count(RATIOS["document_statements"]))],
        }


def write_curated(out: Path, folder: str, records) -> int:
    """Write each record to a file of its own, named after its ID, as ``yaml.safe_dump`` folds it at FOLD_WIDTH
    columns (the layout of data/raw/); returns the number written."""
    (out / folder).mkdir(parents=True, exist_ok=True)
    total = 0
    for record in records:
        name = record["id"].split("-", 1)[1]
        text = yaml.safe_dump(record, sort_keys=False, allow_unicode=True, width=FOLD_WIDTH)
        (out / folder / f"{name}.yaml").write_text(text, encoding="utf-8")
        total += 1
    return total


def write_records(out: Path, folder: str, records) -> int:
    """Write records as `records:` lists, RECORDS_PER_FILE per file; returns the number written."""
    (out / folder).mkdir(parents=True, exist_ok=True)
    chunk, part, total = [], 0, 0

    def flush():
        lines = ["records:"]
        for record in chunk:
            body = emit(record, 2)
            lines.append(f"- {body[0].lstrip()}")
            lines.extend(body[1:])
        (out / folder / f"part-{part:05d}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")

    for record in records:
        chunk.append(record)
        total += 1
        if len(chunk) == RECORDS_PER_FILE:
            flush()
            chunk, part = [], part + 1
    if chunk:
        flush()
    return total


def generate(out: Path, events: int, seed: int = 0, layout: str = "curated") -> dict[str, int]:
    """Write a complete raw folder into ``out`` (which must not exist or be empty); returns records per folder."""
    if events < 2:
        raise ValueError("at least 2 events")
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {', '.join(LAYOUTS)}")
    write = write_curated if layout == "curated" else write_records
    out.mkdir(parents=True, exist_ok=True)
    if any(out.iterdir()):
        raise FileExistsError(f"{out} is not empty")
    gen = Generator(events, seed)
    shutil.copytree(VOCABULARIES, out / "vocabularies")
    (out / "dataset.yaml").write_text(
        "name: aigov-timeline-synthetic\ntitle: Synthetic data of the aigov-timeline schema\n"
        f"description: {events} generated events for benchmarks.\nversion: 0.0.0\n"
        "licenses:\n  - name: CC0-1.0\n    path: https://creativecommons.org/publicdomain/zero/1.0/\n",
        encoding="utf-8")
    (out / "texts").mkdir()

    def sources():
        for i in range(gen.counts["sources"]):
            record, text = gen.source(i)
            (out / "texts" / f"src-s{i:07d}.txt").write_text(text, encoding="utf-8")
            yield record

    counts = {"sources": write(out, "sources", sources())}
    counts["actors"] = write(out, "actors", (gen.actor(i) for i in range(gen.counts["actors"])))
    counts["documents"] = write(out, "documents", (gen.document(i) for i in range(gen.counts["documents"])))
    counts["events"] = write(out, "events", (gen.event(i) for i in range(events)))
    return counts


def parse_size(text: str) -> int:
    """'100000', '100k', '1M' -> an integer."""
    text = text.strip().lower().replace("_", "")
    factor = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text.rstrip("km")) * factor)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder to create (must not exist or be empty)")
    parser.add_argument("--events", type=parse_size, default=10_000, help="number of events (e.g. 10k, 1M)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--layout", choices=LAYOUTS, default="curated",
                        help="curated: one record per file, as curators write them (default); records: "
                             f"{RECORDS_PER_FILE} records to a file")
    args = parser.parse_args(argv)
    try:
        counts = generate(args.out, args.events, args.seed, args.layout)
    except (ValueError, FileExistsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {args.out}: " + ", ".join(f"{n} {k}" for k, n in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
