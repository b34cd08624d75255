"""The progress ring: its count, its arc, its label escaped, and m == 0."""

import math
import re
import xml.etree.ElementTree as ET

import pytest

from csikit.widgets.rings import ring_fraction, ring_svg

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def arc_length(svg: str) -> float:
    root = parse(svg)
    arcs = [c for c in root.iter(f"{SVG}circle") if c.get("class") == "csikit-ring-arc"]
    if not arcs:
        return 0.0
    return float(arcs[0].get("stroke-dasharray").split()[0])


def circumference(svg: str) -> float:
    track = next(c for c in parse(svg).iter(f"{SVG}circle") if c.get("class") == "csikit-ring-track")
    return 2 * math.pi * float(track.get("r"))


def texts(svg: str) -> dict[str, str]:
    return {t.get("class"): t.text for t in parse(svg).iter(f"{SVG}text")}


@pytest.mark.parametrize("n,m", [(0, 5), (1, 4), (3, 4), (7, 7), (12, 40)])
def test_the_arc_fills_n_of_m_and_the_count_is_in_the_middle(n, m):
    svg = ring_svg(n, m, "answered")
    assert arc_length(svg) == pytest.approx(circumference(svg) * n / m, abs=0.01)
    assert texts(svg)["csikit-ring-count"] == f"{n}/{m}"
    assert texts(svg)["csikit-ring-label"] == "answered"


def test_nobody_to_count_is_an_empty_ring_not_an_error():
    svg = ring_svg(0, 0, "done")
    assert arc_length(svg) == 0.0
    assert texts(svg)["csikit-ring-count"] == "0/0"
    assert ring_fraction(3, 0) == 0.0


def test_more_than_all_fills_the_ring_once():
    assert ring_fraction(9, 4) == 1.0
    svg = ring_svg(9, 4, "done")
    assert arc_length(svg) == pytest.approx(circumference(svg), abs=0.01)


def test_the_label_is_escaped():
    svg = ring_svg(1, 2, '<script>alert("x")</script> & co')
    assert "<script>" not in svg
    assert texts(svg)["csikit-ring-label"] == '<script>alert("x")</script> & co'  # parsed back: shown as typed


def test_it_scales_from_a_viewbox_and_its_size():
    small, big = parse(ring_svg(1, 2, "x", size=60)), parse(ring_svg(1, 2, "x", size=300))
    assert small.get("viewBox") == big.get("viewBox")
    assert (small.get("width"), big.get("width")) == ("60", "300")
    assert int(big.get("height")) > int(small.get("height"))


def test_it_says_what_it_shows_to_a_screen_reader():
    root = parse(ring_svg(3, 8, "answered"))
    assert root.get("role") == "img"
    assert root.get("aria-label") == "3 of 8 answered"


def test_colours_are_the_colour_blind_palettes_blue_on_grey():
    svg = ring_svg(1, 2, "x")
    colours = set(re.findall(r'stroke="(#[0-9A-Fa-f]{6})"', svg))
    assert colours == {"#0173B2", "#DDDDDD"}


def test_participation_shows_two_rings_and_the_count_in_words():
    from csikit.widgets.rings import participation_html

    out = participation_html(2, 1, 1, 5, "have voted")
    assert out.count("<svg") == 2
    assert 'aria-label="3 of 5 answered"' in out and 'aria-label="1 of 5 done"' in out
    assert "<b>3 of 5</b> have voted" in out and "2 answered everything, 1 only part" in out
    assert "only part" not in participation_html(3, 0, 0, 5)
