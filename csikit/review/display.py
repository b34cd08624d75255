"""How a review section shows itself in a notebook and in the HTML report.

A :class:`Section` is what every :mod:`csikit.review.sections` function returns: a few sentences,
tables and charts. Displayed in a notebook it gives three representations: escaped
HTML for people (participants' text never reaches the page unescaped, nor MathJax:
see :data:`csikit.display.NO_MATH`; tables and escaping are :mod:`csikit.display`'s), plain text,
and the section's numbers as JSON under :data:`MIME`, which tests and tools read back
from the executed notebook (papermill's ``record`` is gone). Front ends and nbconvert
ignore the vendor type, so readers never see it.
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np

from ..display import NO_MATH, Table, html_table, missing

MIME = "application/vnd.csikit.section+json"
#: Columns whose value also becomes a CSS class (colour), always next to the word itself.
_CLASSED = ("rag", "status", "trend")

CSS = """<style>
.csi-report{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;font-size:14px;line-height:1.45;color:#222}
.csi-report ul{margin:4px 0 10px 0;padding-left:22px}
.csi-report table{border-collapse:collapse;font-size:13px;margin:6px 0 16px}
.csi-report th{background:#eef1f5;text-align:left;padding:4px 8px;border-bottom:2px solid #c8ced6;white-space:nowrap}
.csi-report table td,.csi-report table th{padding:3px 8px;border-bottom:1px solid #e4e7eb;vertical-align:top;
  text-align:left !important}
.csi-report table td.num{text-align:right !important;font-variant-numeric:tabular-nums}
.csi-report table td.short{white-space:nowrap}
.csi-report table td,.csi-report table th{overflow-wrap:anywhere;word-break:break-word}
.csi-report .rag-red,.csi-report .status-worse-than-baseline,.csi-report .trend-worse{background:#f8d7da}
.csi-report .rag-amber,.csi-report .status-behind{background:#fff3cd}
.csi-report .rag-green,.csi-report .status-on-track,.csi-report .trend-better{background:#d8f0de}
.csi-report .rag-done,.csi-report .status-met{background:#d1e7f5}
.csi-report .rag-stopped,.csi-report .status-no-reading{color:#777}
.csi-report .csi-headline{font-size:16px;border-left:5px solid #0072b2;background:#f3f8fc;padding:6px 14px}
.csi-report .csi-grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(460px,1fr));gap:10px}
.csi-report img{max-width:100%;height:auto}
.csi-report>img{max-width:900px;display:block}
.csi-report>img.csi-wide{max-width:100%}
.csi-report h4{margin:14px 0 2px;font-size:14px}
</style>"""


@dataclass(frozen=True)
class Section:
    """One section of a review: sentences, tables, charts (at most 900 pixels wide), a grid of
    small ones, and ``wide`` charts shown at their own size (drawn at ``charts.SCREEN_DPI``
    so their text is the size it was set in, e.g. the KPI small multiples)."""

    key: str
    quarter: str
    summary: list[str] = field(default_factory=list)
    tables: dict[str, Table] = field(default_factory=dict)
    figures: list[bytes] = field(default_factory=list)
    small: list[bytes] = field(default_factory=list)
    emphasis: bool = False
    wide: list[bytes] = field(default_factory=list)

    def data(self) -> dict:
        """The section's sentences and tables as JSON-ready data."""
        return {
            "section": self.key,
            "quarter": self.quarter,
            "summary": list(self.summary),
            "tables": {
                name: [{k: _plain(v) for k, v in row.items()} for row in t.frame.to_dict("records")]
                for name, t in self.tables.items()
            },
        }

    def to_html(self) -> str:
        parts = [CSS, f'<div class="csi-report {NO_MATH}">']
        if self.summary:
            items = "".join(f"<li>{html.escape(s)}</li>" for s in self.summary)
            parts.append(f'<ul class="{"csi-headline" if self.emphasis else "csi-summary"}">{items}</ul>')
        for t in self.tables.values():
            if t.shown and len(t.frame):
                if t.title:
                    parts.append(f"<h4>{html.escape(t.title)}</h4>")
                parts.append(table_html(t))
        parts += [_img(png) for png in self.figures]
        parts += [_img(png, "csi-wide") for png in self.wide]
        if self.small:
            parts.append('<div class="csi-grid">' + "".join(_img(png) for png in self.small) + "</div>")
        parts.append("</div>")
        return "\n".join(parts)

    def to_text(self) -> str:
        lines = [f"- {s}" for s in self.summary]
        for t in self.tables.values():
            if t.shown and len(t.frame):
                cols = list(t.labels) or list(t.frame.columns)
                lines.append(t.frame[cols].rename(columns=t.labels).to_string(index=False))
        return "\n".join(lines)

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        return {"text/html": self.to_html(), "text/plain": self.to_text(), MIME: self.data()}


def table_html(table: Table) -> str:
    """An escaped HTML table; numbers right-aligned, RAG and status cells coloured."""
    cols = list(table.labels) or list(table.frame.columns)
    head = [html.escape(table.labels.get(c, c)) for c in cols]
    body = []
    for row in table.frame[cols].itertuples(index=False):
        cells = []
        for col, value in zip(cols, row, strict=True):
            classes = []
            if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
                classes.append("num")
            text = _cell(value, table.labels.get(col, col), col)
            if len(text) <= 24:
                classes.append("short")
            if col in _CLASSED and isinstance(value, str):
                classes.append(f"{col}-{value.replace(' ', '-').replace('_', '-')}")
            cells.append((" ".join(classes), text))
        body.append(cells)
    return html_table(head, body)


def _cell(value, label: str, col: str = "") -> str:
    if isinstance(value, (list, tuple)):
        return "<br>".join(html.escape(str(v)) for v in value)
    if missing(value):
        return "—"
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (float, np.floating)):
        if "%" in label:
            return f"{value:.0f}"
        if label in ("change", "since baseline", "gap"):
            return f"{value:+.3g}"
        return f"{value:.4g}"
    if col == "state":
        value = str(value).replace("_", " ")
    return html.escape(str(value))


def _plain(value):
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if missing(value):
        return None
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def _img(png: bytes, classes: str = "") -> str:
    cls = f' class="{classes}"' if classes else ""
    return f'<img alt="chart"{cls} src="data:image/png;base64,{base64.b64encode(png).decode("ascii")}">'
