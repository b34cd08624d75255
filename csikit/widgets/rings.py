"""A progress ring ("12/20 answered") as an SVG string, for the console and the presenter view.

A ring reads from across a room where a sentence does not; the count sits in its middle so
the ring never has to be decoded from its arc alone. Pure string building: no widgets, no
pandas, so the presenter kernel and the console can both use it.
"""

from __future__ import annotations

import math

from .common import esc

#: Arc and track colours: the blue of seaborn's colour-blind palette (the charts' first
#: colour) on a light grey track; the count is dark text, so nothing depends on hue alone.
RING_COLOUR = "#0173B2"
TRACK_COLOUR = "#DDDDDD"
TEXT_COLOUR = "#222222"


def ring_fraction(n: int, m: int) -> float:
    """How much of the ring is filled: n of m, clamped to 0..1; nothing to count (m <= 0) is empty."""
    if m <= 0:
        return 0.0
    return min(max(n / m, 0.0), 1.0)


def ring_svg(n: int, m: int, label: str, size: int = 120) -> str:
    """An SVG progress ring with "n/m" in its middle and ``label`` under it.

    Parameters
    ----------
    n, m
        How many of how many (answered of joined, done of joined). ``m == 0`` draws an
        empty ring reading "0/0" rather than dividing by zero.
    label
        A word or two under the count ("answered", "done"); escaped, as it may come from
        a workshop file.
    size
        Width in pixels. The drawing uses a viewBox, so it scales to any size crisply.

    Returns
    -------
    str
        An ``<svg>`` element, ready for an HTML widget.
    """
    size = max(int(size), 16)
    n, m = int(n), int(m)
    fraction = ring_fraction(n, m)
    r, stroke = 42.0, 12.0
    circumference = 2 * math.pi * r
    filled = circumference * fraction
    title = f"{n} of {m} {label}".strip()
    # The viewBox is 100 wide and 124 high: the ring above, the label below it.
    height = round(size * 124 / 100)
    arc = ""
    if fraction > 0:
        # Starts at 12 o'clock and runs clockwise, as a clock face does.
        arc = (
            f'<circle class="csikit-ring-arc" cx="50" cy="50" r="{r}" fill="none" stroke="{RING_COLOUR}" '
            f'stroke-width="{stroke}" stroke-linecap="butt" '
            f'stroke-dasharray="{filled:.2f} {circumference:.2f}" transform="rotate(-90 50 50)"/>'
        )
    count = f"{n}/{m}"
    font = 30 if len(count) <= 5 else max(14, round(30 * 5 / len(count)))
    return (
        f'<svg class="csikit-ring" role="img" aria-label="{esc(title)}" xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 100 124" width="{size}" height="{height}" '
        f'data-n="{n}" data-m="{m}">'
        f"<title>{esc(title)}</title>"
        f'<circle class="csikit-ring-track" cx="50" cy="50" r="{r}" fill="none" stroke="{TRACK_COLOUR}" '
        f'stroke-width="{stroke}"/>'
        f"{arc}"
        f'<text class="csikit-ring-count" x="50" y="50" text-anchor="middle" dominant-baseline="central" '
        f'font-family="sans-serif" font-weight="bold" font-size="{font}" fill="{TEXT_COLOUR}">{count}</text>'
        f'<text class="csikit-ring-label" x="50" y="116" text-anchor="middle" font-family="sans-serif" '
        f'font-size="15" fill="{TEXT_COLOUR}">{esc(label)}</text>'
        f"</svg>"
    )


def participation_html(
    answered: int,
    partly: int,
    done: int,
    joined: int,
    verb: str = "have voted",
    size: int = 76,
    *,
    phones: int | None = None,
) -> str:
    """The console's participation line: an "answered" ring, a "done" ring and the count in words.

    ``answered`` answered everything, ``partly`` only some items (ratings), ``done`` pressed
    "I'm done"; all of ``joined`` (the people in this activity). Only phones have an "I'm
    done" button: ``phones`` (default ``joined``) is the done ring's whole. The words carry
    the class ``csikit-participation`` that tests and the browser read ("3 of 5 have voted").
    """
    phones = joined if phones is None else phones
    split = (
        (
            f" <span class='csikit-partly' style='font-size:.7em;color:#8a5300'>({answered} answered everything,"
            f" {partly} only part)</span>"
        )
        if partly
        else ""
    )
    return (
        "<div style='display:flex;align-items:center;gap:14px'>"
        f"{ring_svg(answered + partly, joined, 'answered', size)}{ring_svg(done, phones, 'done', size)}"
        f"<div class='csikit-participation' style='font-size:1.4em'>"
        f"<b>{answered + partly} of {joined}</b> {esc(verb)}{split}"
        f"<div class='csikit-done' style='font-size:.7em;color:#555'>{done} of {phones} said they are done</div></div>"
        "</div>"
    )
