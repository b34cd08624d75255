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

from csikit.review.display import MIME, NO_MATH, Section, Table, frame_html, table_html

TYPED = "<img src=x onerror=alert(1)> costs $50\nand $20"


def test_section_table_escapes_and_classes_cells():
    frame = pd.DataFrame([{"name": TYPED, "progress": 42.4, "status": "on track", "rag": "red", "due": date(2026, 9, 30),
                           "change": 1.5, "missing": np.nan}])
    labels = {"name": "KPI", "progress": "% of the way", "status": "status", "rag": "RAG", "due": "by",
              "change": "change", "missing": "previous"}
    page = table_html(Table(frame, labels))
    assert page.startswith("<table><thead><tr><th>KPI</th><th>% of the way</th>")
    assert "<img" not in page and "&lt;img src=x onerror=alert(1)&gt; costs $50\nand $20</td>" in page
    assert '<td class="num short">42</td>' in page  # a percentage column rounds
    assert '<td class="short status-on-track">on track</td>' in page and '<td class="short rag-red">red</td>' in page
    assert '<td class="short">2026-09-30</td>' in page and '<td class="num short">+1.5</td>' in page
    assert '<td class="num short">—</td>' in page  # missing


def test_frame_html_is_for_people_and_skipped_by_mathjax():
    frame = pd.DataFrame([{"item": "p1", "text": TYPED, "n": 3, "low": np.nan, "polarised": True,
                           "state": "in_progress", "share": 0.33333}])
    page = frame_html(frame, classes="dataframe")
    assert page.startswith(f'<table class="dataframe {NO_MATH}"><thead><tr><th>item</th><th>answers</th>')
    assert ">p1<" not in page  # the id column goes when the row names its item
    assert "&lt;img src=x onerror=alert(1)&gt; costs $50<br>and $20" in page  # line breaks kept
    assert "<td>–</td>" in page and "<td>yes</td>" in page and "<td>in progress</td>" in page and "<td>0.333</td>" in page
    assert frame_html(pd.concat([frame] * 5), max_rows=2).count("<tr>") == 3  # header + 2 rows
    assert frame_html(frame).startswith(f'<table class="{NO_MATH}">')


def test_section_gives_html_text_and_json():
    frame = pd.DataFrame([{"kpi": "fcr", "actual": np.float64(61.5), "met": np.bool_(False), "date": date(2026, 9, 30),
                           "n": np.int64(4)}])
    section = Section("kpis", "2026Q3", [TYPED], {"kpis": Table(frame, {"kpi": "KPI", "actual": "now"}),
                                                  "raw": Table(frame, shown=False)}, emphasis=True)
    bundle = section._repr_mimebundle_()
    assert set(bundle) == {"text/html", "text/plain", MIME}
    page = bundle["text/html"]
    assert f'<div class="csi-report {NO_MATH}">' in page and '<ul class="csi-headline">' in page
    assert "<img src=x" not in page and page.count("<table>") == 1  # the hidden table is data only
    assert "KPI" in bundle["text/plain"] and "61.5" in bundle["text/plain"]
    data = json.loads(json.dumps(bundle[MIME]))  # JSON-ready: no numpy or dates left
    assert data["tables"]["raw"] == [{"kpi": "fcr", "actual": 61.5, "met": False, "date": "2026-09-30", "n": 4}]
    assert data["summary"] == [TYPED] and data["section"] == "kpis" and data["quarter"] == "2026Q3"


def test_importing_the_review_starts_nothing_heavy():
    code = ("import sys, csikit.review; "
            "heavy = [m for m in ('csikit.serve', 'pandas', 'matplotlib', 'csikit.review.sections') if m in sys.modules]; "
            "assert not heavy, heavy")
    subprocess.run([sys.executable, "-c", code], check=True)
