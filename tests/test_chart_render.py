"""The charts as a reader sees them, judged on the rendered SVG (not the spec): no text covers other text (boxes
measured with the metrics of the font vl-convert drew with), every timeline label lies in its own mark's lane, no
character falls outside the font (no missing-glyph boxes), and every chart carries its source line."""

from __future__ import annotations

import json
import math
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import pandas as pd
import pytest

from aigov_timeline.charts import CHARTS, style
from conftest import CHARTS as CHARTS_DIR

SVG = "{http://www.w3.org/2000/svg}"
TOLERANCE = 0.5
"""Pixels two boxes may share (anti-aliasing), and a label may pass its lane's edge."""
_TRANSLATE = re.compile(r"translate\(([-\d.e]+)[ ,]+([-\d.e]+)\)")
_ROTATE = re.compile(r"rotate\(([-\d.e]+)\)")


@dataclass(frozen=True)
class Box:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    description: str | None

    def overlaps(self, other: Box) -> bool:
        return (self.x0 < other.x1 - TOLERANCE and other.x0 < self.x1 - TOLERANCE
                and self.y0 < other.y1 - TOLERANCE and other.y0 < self.y1 - TOLERANCE)


def _steps(transform: str | None) -> list[tuple[str, tuple[float, ...]]]:
    """The translate and rotate steps of an SVG transform, in order."""
    found = []
    for match in re.finditer(r"(translate|rotate)\(([^)]*)\)", transform or ""):
        found.append((match.group(1), tuple(float(v) for v in re.split(r"[ ,]+", match.group(2).strip()))))
    return found


def _apply(steps, point: tuple[float, float]) -> tuple[float, float]:
    """A point in a text's own coordinates, in the coordinates of its parent (steps apply right to left)."""
    x, y = point
    for kind, values in reversed(steps):
        if kind == "translate":
            x, y = x + values[0], y + (values[1] if len(values) > 1 else 0)
        else:
            angle = math.radians(values[0])
            x, y = x * math.cos(angle) - y * math.sin(angle), x * math.sin(angle) + y * math.cos(angle)
    return x, y


def _placed(svg: str, tag: str):
    """Each ``tag`` element of an SVG, with its own transform steps and its parent's offset in page pixels."""

    def walk(node, offset):
        steps = _steps(node.get("transform"))
        if node.tag == f"{SVG}{tag}":
            yield node, steps, offset
            return
        here = _apply(steps, (0, 0))
        for child in node:
            yield from walk(child, (offset[0] + here[0], offset[1] + here[1]))

    yield from walk(ET.fromstring(svg), (0.0, 0.0))


def text_boxes(svg: str) -> list[Box]:
    """The bounding box of every line of text in an SVG written by vl-convert, in page pixels."""
    boxes = []
    for node, steps, offset in _placed(svg, "text"):
        size = float(node.get("font-size", "11px").rstrip("px"))
        anchor = {"start": 0.0, "middle": 0.5, "end": 1.0}[node.get("text-anchor", "start")]
        ascent, descent = style.text_extent(size)
        spans = node.findall(f"{SVG}tspan") or [node]
        dy = 0.0
        for span in spans:
            dy += float(span.get("dy", 0)) if span is not node else 0.0
            line = "".join(span.itertext()) if span is not node else (node.text or "")
            if not line.strip():
                continue
            width = style.text_width(line, size)
            corners = [_apply(steps, (x, y)) for x in (-anchor * width, (1 - anchor) * width)
                       for y in (dy - ascent, dy + descent)]
            xs, ys = [c[0] + offset[0] for c in corners], [c[1] + offset[1] for c in corners]
            boxes.append(Box(line, min(xs), min(ys), max(xs), max(ys), node.get("aria-label")))
    return boxes


def rule_marks(svg: str) -> list[Box]:
    """The line of every rule mark drawn from the data (not the axes' grid and ticks), as a box in page pixels."""
    lines = []
    for node, steps, offset in _placed(svg, "line"):
        if node.get("aria-roledescription") != "rule mark":
            continue
        ends = [_apply(steps, (float(node.get(f"x{k}", 0)), float(node.get(f"y{k}", 0)))) for k in (1, 2)]
        xs, ys = [e[0] + offset[0] for e in ends], [e[1] + offset[1] for e in ends]
        lines.append(Box(node.get("aria-label") or "", min(xs), min(ys), max(xs), max(ys), None))
    return lines


def overlapping(boxes: list[Box]) -> list[tuple[str, str]]:
    return [(a.text, b.text) for i, a in enumerate(boxes) for b in boxes[i + 1:] if a.overlaps(b)]


@pytest.fixture(scope="module")
def svgs() -> dict[str, str]:
    return {name: (CHARTS_DIR / f"{name}.svg").read_text(encoding="utf-8") for name in CHARTS}


@pytest.mark.parametrize("name", list(CHARTS))
def test_no_text_covers_other_text(svgs, name):
    boxes = text_boxes(svgs[name])
    assert len(boxes) > 10
    assert overlapping(boxes) == []


@pytest.mark.parametrize("name", list(CHARTS))
def test_every_chart_names_its_source_and_data_version(svgs, name):
    version = json.loads((CHARTS_DIR / "manifest.json").read_text())["data_version"]
    lines = [box.text for box in text_boxes(svgs[name])]
    assert any(line.startswith("Source: ") and f"data version {version}" in line for line in lines), lines[:5]


@pytest.mark.parametrize("name", list(CHARTS))
def test_every_character_is_in_the_registered_font(svgs, name):
    assert f'font-family="{style.FONT}"' in svgs[name]
    assert set(re.findall(r'font-family="([^"]+)"', svgs[name])) == {style.FONT}
    missing = {ch for box in text_boxes(svgs[name]) for ch in box.text if not style.covers(ch)}
    assert missing == set()


def lanes_of(svg: str) -> dict[str, tuple[float, float]]:
    """Lane name -> its (top, bottom) in page pixels: from its head (the text described as its forum or host) to the
    head of the next lane."""
    heads = sorted((box for box in text_boxes(svg) if (box.description or "").startswith("Forum or host: ")),
                   key=lambda box: box.y0)
    tops = [box.y0 - LANE_HEAD_ABOVE for box in heads]
    return {box.description.removeprefix("Forum or host: "): (top, bottom)
            for box, top, bottom in zip(heads, tops, tops[1:] + [math.inf])}


LANE_HEAD_ABOVE = 4
"""Pixels between a lane's top and its head's letters."""


def test_every_timeline_label_lies_in_its_own_lane(svgs):
    lanes = lanes_of(svgs["timeline"])
    assert len(lanes) >= 3
    labels = [box for box in text_boxes(svgs["timeline"]) if (box.description or "").startswith("Event: ")]
    assert labels, "the timeline labels no event"
    for box in labels:
        top, bottom = lanes[box.description.rsplit("; forum or host: ", 1)[1]]
        assert top <= box.y0 and box.y1 <= bottom, box


def test_no_timeline_leader_crosses_a_label(svgs):
    leaders = rule_marks(svgs["timeline"])
    labels = [box for box in text_boxes(svgs["timeline"]) if (box.description or "").startswith("Event: ")]
    assert leaders and labels
    assert [(line.text, box.text) for line in leaders for box in labels if line.overlaps(box)] == []


def test_the_measurement_finds_a_crossing_leader():
    svg = ('<svg xmlns="http://www.w3.org/2000/svg"><g transform="translate(10,20)">'
           f'<text transform="translate(0,30)" font-size="12px" font-family="{style.FONT}">Security Council</text>'
           '<line aria-roledescription="rule mark" transform="translate(20,0)" x2="0" y2="40"/>'
           '<line aria-roledescription="rule mark" transform="translate(200,0)" x2="0" y2="40"/>'
           '<line transform="translate(25,0)" x2="0" y2="40"/></g></svg>')
    lines = rule_marks(svg)
    assert [(line.x0, line.y0, line.y1) for line in lines] == [(30, 20, 60), (210, 20, 60)]
    assert [line.x0 for line in lines if line.overlaps(text_boxes(svg)[0])] == [30]


def tripled(tables: dict) -> dict:
    """The shipped tables with every event twice more, 9 and 18 days later (featured ones too), with its links."""
    out = dict(tables)
    for name in ("events", "event_actors", "event_documents"):
        frame = tables[name]
        copies = [frame.assign(event_id=frame["event_id"] + f"-copy-{k}") for k in (1, 2)]
        if name == "events":
            copies = [c.assign(date_start=c["date_start"] + pd.Timedelta(days=9 * k)) for k, c in zip((1, 2), copies)]
        out[name] = pd.concat([frame, *copies], ignore_index=True)
    return out


def test_the_timeline_holds_at_three_times_the_events():
    import vl_convert as vlc

    import aigov_timeline as agt
    from aigov_timeline.charts import timeline

    style.register_font()
    tables = tripled(agt.load_all())
    svg = vlc.vegalite_to_svg(timeline(**tables, version="test").to_json())
    boxes = text_boxes(svg)
    labels = [box for box in boxes if (box.description or "").startswith("Event: ")]
    assert len(labels) >= 3 * int(agt.load("events")["featured"].sum())
    assert overlapping(boxes) == []
    assert [(line.text, box.text) for line in rule_marks(svg) for box in labels if line.overlaps(box)] == []
    lanes = lanes_of(svg)
    for box in labels:
        top, bottom = lanes[box.description.rsplit("; forum or host: ", 1)[1]]
        assert top <= box.y0 and box.y1 <= bottom, box


def test_chinese_text_renders_in_the_font(tmp_path):
    """A fixture chart with Chinese labels: every glyph is in the font, and the text is measured, not guessed."""
    import altair as alt
    import pandas as pd
    import vl_convert as vlc

    style.register_font()
    data = pd.DataFrame({"label": ["全球人工智能治理倡议", "人工智能能力建设普惠计划", "Global AI Governance Initiative"],
                         "n": [3, 2, 5]})
    chart = style.configure(alt.Chart(data).mark_bar().encode(y=alt.Y("label:N", title=None), x="n:Q").properties(
        title=style.title("中文标签", "test", "fixture")))
    svg = vlc.vegalite_to_svg(chart.to_json())
    boxes = text_boxes(svg)
    chinese = [box for box in boxes if any("\u4e00" <= ch <= "\u9fff" for ch in box.text)]
    assert len(chinese) == 3 and all(style.covers(box.text) for box in chinese)
    assert overlapping(boxes) == []
    png = vlc.vegalite_to_png(chart.to_json())
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_measurement_finds_an_overlap():
    svg = ('<svg xmlns="http://www.w3.org/2000/svg"><g transform="translate(10,20)">'
           f'<text font-size="12px" font-family="{style.FONT}">Security Council</text>'
           f'<text transform="translate(30,2)" font-size="12px" font-family="{style.FONT}">briefing</text>'
           f'<text transform="translate(0,40)" font-size="12px" font-family="{style.FONT}">far below</text></g></svg>')
    boxes = text_boxes(svg)
    assert [b.text for b in boxes] == ["Security Council", "briefing", "far below"]
    assert overlapping(boxes) == [("Security Council", "briefing")]
