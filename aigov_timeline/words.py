"""The words of a text as the versions of a document are compared: used by the build to align a version with each
clause's reference wording, and by the gallery to mark the words that differ."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_TOKEN = re.compile(r"[A-Za-z0-9]+|[^\sA-Za-z0-9]")


@dataclass(frozen=True)
class Token:
    norm: str
    start: int
    end: int


@lru_cache(maxsize=64)  # a version's whole text is tokenised once for all its clauses
def tokens(text: str) -> tuple[Token, ...]:
    """The words of a text (Latin letters and digits), and each other letter on its own (a Chinese character), with
    their places; punctuation is left out."""
    return tuple(Token(m.group().lower(), m.start(), m.end()) for m in _TOKEN.finditer(text) if m.group().isalnum())
