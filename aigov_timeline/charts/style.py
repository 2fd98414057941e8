"""The charts' look, declared once: the font (registered with vl-convert, measured with fontTools), the
colour-blind-safe palette, the source line, and the text measurement that label placement relies on."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import altair as alt
import pandas as pd

FONT = "Noto Sans CJK SC"
FONT_FILE = Path(__file__).resolve().parent / "fonts" / "NotoSansCJKsc-Regular-subset.otf"
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442")
"""Okabe and Ito's colour-blind-safe colours (black left out); "Other" is grey."""
OTHER_COLOUR = "#8C8C8C"
OTHER = "Other"
MAX_COLOURS = 8
LABEL_SIZE = 13
SMALL_SIZE = 12
TITLE_SIZE = 19
WIDTH = 1000


@cache
def _font():
    from fontTools.ttLib import TTFont

    font = TTFont(FONT_FILE, lazy=True)
    return font.getBestCmap(), font["hmtx"].metrics, font["head"].unitsPerEm, font["OS/2"]


PLAIN = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})
"""Typographic quotes as plain ones: the font sets them full-width, as Chinese text does."""


def plain(text: str) -> str:
    """Text for a chart label: curly quotes made plain (the CJK font would set them full-width)."""
    return text.translate(PLAIN) if isinstance(text, str) else text


def axis_lines(text: str, width: float, size: float = LABEL_SIZE) -> str:
    """A label wrapped to ``width`` pixels, its lines joined with ``|`` for an axis ``labelExpr`` to split."""
    return "|".join(wrap(plain(text), size, width))


SPLIT_LINES = "split(datum.label, '|')"
"""The axis ``labelExpr`` that sets an ``axis_lines`` label on several lines."""


def covers(text: str) -> bool:
    """True if the font has a glyph for every character of ``text`` (whitespace aside)."""
    cmap = _font()[0]
    return all(ord(ch) in cmap for ch in text if not ch.isspace())


def text_width(text: str, size: float) -> float:
    """The width of ``text`` set in the charts' font at ``size`` pixels (advance widths, no kerning)."""
    cmap, metrics, units, _ = _font()
    fallback = metrics[cmap[ord("M")]][0]
    return sum(metrics[cmap[ord(ch)]][0] if ord(ch) in cmap else fallback for ch in text) * size / units


def text_extent(size: float) -> tuple[float, float]:
    """(ascent, descent) of the font's letters at ``size`` pixels, both positive (its typographic ascender and
    descender: a line of text fills one em)."""
    _, _, units, os2 = _font()
    return os2.sTypoAscender * size / units, -os2.sTypoDescender * size / units


def wrap(text: str, size: float, width: float) -> list[str]:
    """``text`` broken into lines no wider than ``width`` pixels, at spaces (or between Chinese characters); a word
    is never cut."""
    lines, line = [], ""
    for word in _words(text):
        candidate = word if not line else (line + word if _cjk(word) or _cjk(line[-1]) else f"{line} {word}")
        if line and text_width(candidate, size) > width:
            lines.append(line)
            line = word
        else:
            line = candidate
    return lines + ([line] if line else [])


def _cjk(text: str) -> bool:
    return "\u3000" <= text[0] <= "\u9fff" or "\uff00" <= text[0] <= "\uffef"


def _words(text: str) -> list[str]:
    words = []
    for part in text.split():
        run = ""
        for ch in part:
            if _cjk(ch):
                if run:
                    words.append(run)
                    run = ""
                words.append(ch)
            else:
                run += ch
        if run:
            words.append(run)
    return words


def top_groups(values: pd.Series, keep: int = MAX_COLOURS - 1, other: str = OTHER) -> pd.Series:
    """The values, with all but the ``keep`` most frequent grouped as ``other`` (ties by name)."""
    counts = values.value_counts()
    order = sorted(counts.index, key=lambda v: (-counts[v], str(v)))
    kept = set(order[:keep]) if len(order) > keep + 1 else set(order)
    return values.where(values.isin(kept), other)


def colour_scale(groups: list[str], other: str = OTHER) -> alt.Scale:
    """Palette colours for ``groups`` in order, grey for ``other``."""
    named = [g for g in groups if g != other]
    return alt.Scale(domain=[*named, *([other] if other in groups else [])],
                     range=[*PALETTE[:len(named)], *([OTHER_COLOUR] if other in groups else [])])


def source_line(version: str | None, tables: str) -> str:
    """The line every chart carries: where its data come from, and which data version."""
    where = f"aigov-timeline data version {version}" if version else "the tables given"
    return f"Source: {where} ({tables}); chart made by aigov-timeline charts."


def title(question: str, version: str | None, tables: str, *explanation: str) -> alt.Title:
    """A chart's title: the question it answers, what it shows, and the source line."""
    return alt.Title(question, subtitle=[*explanation, source_line(version, tables)], anchor="start",
                     fontSize=TITLE_SIZE, subtitleFontSize=SMALL_SIZE + 1, subtitleColor="#444", offset=14,
                     subtitlePadding=6, subtitleLineHeight=SMALL_SIZE + 6)


def configure(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """The shared look: the registered font everywhere, readable sizes, no bold (the font has one weight)."""
    return chart.configure(font=FONT, background="white").configure_view(stroke=None).configure_axis(
        labelFontSize=LABEL_SIZE, titleFontSize=LABEL_SIZE, titleFontWeight="normal", labelColor="#333",
        titleColor="#333", gridColor="#e6e6e6", domainColor="#999", tickColor="#999",
    ).configure_legend(labelFontSize=LABEL_SIZE, titleFontSize=LABEL_SIZE, titleFontWeight="normal",
                       orient="bottom", direction="horizontal", labelLimit=320, symbolSize=120,
                       ).configure_title(fontWeight="normal", color="#111").configure_header(
        labelFontSize=LABEL_SIZE + 1, labelFontWeight="normal", titleFontWeight="normal")


@cache
def register_font() -> None:
    """Make the font known to vl-convert (once per process)."""
    import vl_convert as vlc

    vlc.register_font_directory(str(FONT_FILE.parent))
