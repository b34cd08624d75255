"""Long words wrap in every csikit table, in a real browser: one 500-character idea without
spaces once made the review's decisions table 4,367 px wide and pushed the console's merge
column off the screen. Each table markup is laid out by chromium in a 900-pixel box (no
server needed) and must stay inside it.

Run with ``python3 -m pytest -q -m browser tests/widgets/test_browser_tables.py``.
"""

from __future__ import annotations

import pandas as pd
import pytest

pytest.importorskip("playwright.sync_api")

from csikit.display import NO_MATH, Bar, frame_html, results_table  # noqa: E402  # noqa: E402
from csikit.review.display import CSS, Table, table_html  # noqa: E402
from csikit.widgets.console_panels import CONSOLE_CSS  # noqa: E402

pytestmark = [pytest.mark.browser]

WORD = "x" * 500  # an idea without a space
BOX_PX = 900

#: The widest table of the page and the box's width.
WIDTHS = """() => [Math.max(...[...document.querySelectorAll('table')].map(t => t.getBoundingClientRect().width)),
                   document.querySelector('#box').getBoundingClientRect().width]"""


def tables() -> dict[str, str]:
    frame = pd.DataFrame({"text": [WORD, "Shift handover loses tickets"], "dots": [5, 3], "state": ["approved", "new"]})
    return {
        "review section": (
            f"<div class='csi-report {NO_MATH}'>{table_html(Table(frame, {'text': 'decision', 'dots': 'dots'}))}</div>"
        ),
        "review frame": f"<div class='csi-report {NO_MATH}'>{frame_html(frame)}</div>",
        "worksheet and step panel": frame_html(frame, classes="dataframe"),
        "console live results": results_table(
            [[WORD, 5, Bar(1.0), "2–8"], ["short", 3, Bar(0.6), "1–5"]], ["item", "dots", "", "95% interval"]
        ),
        "console (facilitator CSS)": f"<div class='csikit-facilitator'>{frame_html(frame)}</div>",
    }


@pytest.mark.parametrize("name", list(tables()))
def test_a_500_character_word_wraps_inside_its_box(browser, name):
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    try:
        page.set_content(
            f"<html><body>{CSS}{CONSOLE_CSS}<div id='box' style='width:{BOX_PX}px'>{tables()[name]}</div></body></html>"
        )
        widest, box = page.evaluate(WIDTHS)
        assert box == BOX_PX and widest <= BOX_PX, f"{name}: a table {widest:.0f} px wide in a {BOX_PX} px box"
    finally:
        page.close()
