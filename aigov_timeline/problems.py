"""Problems found in raw or processed data, and the readable report that lists them."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

MAX_SHOWN = 40
SCREEN_WIDTH = 120
MAX_LINES = 36
"""A report fits on one screen: at most this many lines of SCREEN_WIDTH (a longer line counts as the lines it wraps
to), leaving room for a closing line of the command."""
_MISSING = object()


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a row came from: the raw file, the record ID and the field, so a check can say where to fix it."""

    file: str
    record: str | None
    field: str | None = None
    scalar: bool = False
    """The field is a list item holding a plain value (a theme code): checks name it without a column."""

    def at(self, name: str | None) -> Origin:
        if not name or self.scalar:
            return self
        return Origin(self.file, self.record, f"{self.field}.{name}" if self.field else name)

    def problem(self, message: str, value=None, hint: str | None = None, field: str | None = None,
                with_value: bool = True) -> Problem:
        """A problem at this origin (or at one of its fields)."""
        at = self.at(field) if field else self
        if with_value:
            return Problem(at.file, at.record, at.field, message, value, hint)
        return Problem(at.file, at.record, at.field, message, hint=hint)


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
    return (p.file, p.record or "", _natural(p.field or ""), p.message)


def _natural(text: str) -> tuple:
    """Sort key that puts evidence[2] before evidence[10]."""
    return tuple(int(part) if i % 2 else part for i, part in enumerate(re.split(r"(\d+)", text)))


def _short(value: object, width: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= width else text[: width - 12] + f"… ({len(text)} chars)"


def format_report(problems: list[Problem], context: str = "", limit: int = MAX_SHOWN,
                  max_lines: int = MAX_LINES) -> str:
    """Group problems by file and show as many as fit on one screen (at most ``limit``); summarise the rest."""
    n = len(problems)
    head = f"{n} problem{'s' if n != 1 else ''} found"
    if context:
        head += f" in {context}"
    lines = [head + ":"]
    shown, file = 0, None
    for p in problems[:limit]:
        block = (["", p.file] if p.file != file else []) + p.lines()
        if shown and screen_lines(lines + block) > max_lines - 2:  # keep room for the summary below
            break
        lines += block
        shown, file = shown + 1, p.file
    if n > shown:
        lines.append("")
        lines.append(f"… and {n - shown} more (fix these first, then run again).")
    return "\n".join(lines)


def screen_lines(lines: list[str]) -> int:
    """How many lines of a SCREEN_WIDTH terminal the lines take."""
    return sum(max(1, -(-len(line) // SCREEN_WIDTH)) for line in lines)


def closest(value: object, candidates, n: int = 3) -> list[str]:
    """The existing values most similar to ``value`` (for "did you mean" hints)."""
    if not isinstance(value, str):
        return []
    return difflib.get_close_matches(value, [c for c in candidates if isinstance(c, str)], n=n, cutoff=0.5)


def allowed_hint(value: object, allowed) -> str:
    """A hint that lists the allowed codes, best guesses first."""
    allowed = sorted(a for a in allowed if isinstance(a, str))
    guesses = closest(value, allowed)
    text = f"use one of: {', '.join(allowed)}"
    return f"did you mean {' or '.join(guesses)}? ({text})" if guesses else text
