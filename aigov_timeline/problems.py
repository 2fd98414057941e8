"""Problems found in raw or processed data, and the readable report that lists them."""

from __future__ import annotations

import difflib
from collections import defaultdict
from dataclasses import dataclass

MAX_SHOWN = 40
_MISSING = object()


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: where it is, what is wrong, and how to fix it."""

    file: str
    record: str | None
    field: str | None
    message: str
    value: object = _MISSING
    hint: str | None = None

    def lines(self) -> list[str]:
        where = f"record {self.record}" if self.record else "file"
        if self.field:
            where += f", field {self.field}"
        if self.value is not _MISSING:
            where += f" = {_short(self.value)}"
        out = [f"  {where}", f"    {self.message}"]
        if self.hint:
            out.append(f"    fix: {self.hint}")
        return out


class DataProblems(Exception):
    """Raised when input data has problems; carries every problem found."""

    def __init__(self, problems: list[Problem], context: str = ""):
        unique = {(p.file, p.record, p.field, p.message, repr(p.value)): p for p in problems}
        self.problems = sorted(unique.values(), key=_sort_key)
        self.context = context
        super().__init__(self.report())

    def report(self, limit: int = MAX_SHOWN) -> str:
        return format_report(self.problems, self.context, limit)


def _sort_key(p: Problem):
    return (p.file, p.record or "", p.field or "", p.message)


def _short(value: object, width: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= width else text[: width - 12] + f"… ({len(text)} chars)"


def format_report(problems: list[Problem], context: str = "", limit: int = MAX_SHOWN) -> str:
    """Group problems by file, show at most ``limit`` of them, and summarise the rest."""
    n = len(problems)
    head = f"{n} problem{'s' if n != 1 else ''} found"
    if context:
        head += f" in {context}"
    lines = [head + ":"]
    by_file: dict[str, list[Problem]] = defaultdict(list)
    for p in problems[:limit]:
        by_file[p.file].append(p)
    for file, items in by_file.items():
        lines.append("")
        lines.append(file)
        for p in items:
            lines.extend(p.lines())
    if n > limit:
        lines.append("")
        lines.append(f"… and {n - limit} more (fix these first, then run again).")
    return "\n".join(lines)


def closest(value: object, candidates, n: int = 3) -> list[str]:
    """The existing values most similar to ``value`` (for "did you mean" hints)."""
    if not isinstance(value, str):
        return []
    return difflib.get_close_matches(value, list(candidates), n=n, cutoff=0.5)


def allowed_hint(value: object, allowed) -> str:
    """A hint that lists the allowed codes, best guesses first."""
    allowed = sorted(allowed)
    guesses = closest(value, allowed)
    text = f"use one of: {', '.join(allowed)}"
    return f"did you mean {' or '.join(guesses)}? ({text})" if guesses else text
