"""How a review section and a frame show themselves: escaped HTML, text and JSON.

Also the package's boundary: importing ``csikit.review`` starts no process module
and loads no pandas (the ``csikit review`` process only runs papermill).
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date

import numpy as np
import pandas as pd
from repo_paths import DEMO

from csikit.display import NO_MATH, WRAP_STYLE, frame_html
from csikit.review.display import MIME, Section, Table, table_html

TYPED = "<img src=x onerror=alert(1)> costs $50\nand $20"


def test_section_table_escapes_and_classes_cells():
    frame = pd.DataFrame(
        [
            {
                "name": TYPED,
                "progress": 42.4,
                "status": "on track",
                "rag": "red",
                "due": date(2026, 9, 30),
                "change": 1.5,
                "missing": np.nan,
            }
        ]
    )
    labels = {
        "name": "KPI",
        "progress": "% of the way",
        "status": "status",
        "rag": "RAG",
        "due": "by",
        "change": "change",
        "missing": "previous",
    }
    page = table_html(Table(frame, labels))
    assert page.startswith(f'<table style="{WRAP_STYLE}"><thead><tr><th>KPI</th><th>% of the way</th>')
    assert "<img" not in page and "&lt;img src=x onerror=alert(1)&gt; costs $50\nand $20</td>" in page
    assert '<td class="num short">42</td>' in page  # a percentage column rounds
    assert '<td class="short status-on-track">on track</td>' in page and '<td class="short rag-red">red</td>' in page
    assert '<td class="short">2026-09-30</td>' in page and '<td class="num short">+1.5</td>' in page
    assert '<td class="num short">—</td>' in page  # missing


def test_frame_html_is_for_people_and_skipped_by_mathjax():
    frame = pd.DataFrame(
        [
            {
                "item": "p1",
                "text": TYPED,
                "n": 3,
                "low": np.nan,
                "polarised": True,
                "state": "in_progress",
                "share": 0.33333,
            }
        ]
    )
    page = frame_html(frame, classes="dataframe")
    assert page.startswith(
        f'<table class="dataframe {NO_MATH}" style="{WRAP_STYLE}"><thead><tr><th>item</th><th>answers</th>'
    )
    assert ">p1<" not in page  # the id column goes when the row names its item
    assert "&lt;img src=x onerror=alert(1)&gt; costs $50<br>and $20" in page  # line breaks kept
    assert (
        "<td>–</td>" in page and "<td>yes</td>" in page and "<td>in progress</td>" in page and "<td>0.333</td>" in page
    )
    assert frame_html(pd.concat([frame] * 5), max_rows=2).count("<tr>") == 3  # header + 2 rows
    assert frame_html(frame).startswith(f'<table class="{NO_MATH}" style="{WRAP_STYLE}">')


def test_section_gives_html_text_and_json():
    frame = pd.DataFrame(
        [
            {
                "kpi": "fcr",
                "actual": np.float64(61.5),
                "met": np.bool_(False),
                "date": date(2026, 9, 30),
                "n": np.int64(4),
            }
        ]
    )
    section = Section(
        "kpis",
        "2026Q3",
        [TYPED],
        {"kpis": Table(frame, {"kpi": "KPI", "actual": "now"}), "raw": Table(frame, shown=False)},
        emphasis=True,
    )
    bundle = section._repr_mimebundle_()
    assert set(bundle) == {"text/html", "text/plain", MIME}
    page = bundle["text/html"]
    assert f'<div class="csi-report {NO_MATH}">' in page and '<ul class="csi-headline">' in page
    assert "<img src=x" not in page and page.count("<table ") == 1  # the hidden table is data only
    assert "KPI" in bundle["text/plain"] and "61.5" in bundle["text/plain"]
    data = json.loads(json.dumps(bundle[MIME]))  # JSON-ready: no numpy or dates left
    assert data["tables"]["raw"] == [{"kpi": "fcr", "actual": 61.5, "met": False, "date": "2026-09-30", "n": 4}]
    assert data["summary"] == [TYPED] and data["section"] == "kpis" and data["quarter"] == "2026Q3"


def test_importing_the_review_starts_nothing_heavy():
    code = (
        "import sys, csikit.review; "
        "heavy = [m for m in ('csikit.serve', 'pandas', 'matplotlib', 'csikit.review.sections') if m in sys.modules]; "
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_wide_charts_show_at_their_own_size_outside_the_grid():
    section = Section("kpis", "2026Q3", ["x"], figures=[b"\x89PNG-a"], small=[b"\x89PNG-b"], wide=[b"\x89PNG-c"])
    html = section.to_html()
    assert html.count("<img") == 3 and html.count('class="csi-wide"') == 1
    grid = html[html.index('<div class="csi-grid">') :]
    assert 'class="csi-wide"' not in grid  # a grid cell would shrink it
    assert ".csi-report>img.csi-wide{max-width:100%}" in html  # not the 900-pixel cap of other charts


def test_the_review_draws_kpi_trends_at_a_css_inch(tmp_path):
    import shutil
    import struct

    from csikit import charts
    from csikit.review import load_review, sections

    demo = tmp_path / "demo"
    shutil.copytree(
        DEMO,
        demo,
        ignore=shutil.ignore_patterns("*.sqlite*", "lab"),
    )
    section = sections.kpi_section(load_review(str(demo), "2026Q3", f"sqlite:///{tmp_path}/s.sqlite"))
    [png] = section.wide
    width = struct.unpack(">I", png[16:20])[0]  # the PNG's IHDR width
    assert abs(width - charts.TREND_PANEL_IN * 3 * charts.SCREEN_DPI) <= 1 and not section.small
