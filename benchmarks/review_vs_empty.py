"""Time one quarterly review against papermill running an empty notebook, in one session.

The empty notebook is the floor: kernel start, papermill's bookkeeping and writing
the output. The ratio says how much the review itself costs on top of it.

    python3 benchmarks/review_vs_empty.py [--quarter 2026Q3] [--steps] [--repeat 3]

Runs on a copy of the demo with a fresh SQLite store in a temporary folder; without
``--steps`` only the review template runs (no step worksheets).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import nbformat
import papermill as pm

from csikit.paths import demo_source
from csikit.review.run import REVIEW, kernel_manager_class, render_html, run_review, template_path


def _empty_notebook(path: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    nb.cells = [nbformat.v4.new_code_cell('quarter = ""')]
    nb.cells[0].metadata["tags"] = ["parameters"]
    nbformat.write(nb, path)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quarter", default="", help="quarter to review (default: the latest with data)")
    parser.add_argument("--steps", action="store_true", help="also run the step worksheets (as csikit review does)")
    parser.add_argument("--repeat", type=int, default=3, help="rounds of floor + review (medians are printed)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="csikit-bench-") as tmp:
        tmp = Path(tmp)
        demo = tmp / "demo"
        shutil.copytree(demo_source(), demo, ignore=shutil.ignore_patterns("*.sqlite*"))
        url = f"sqlite:///{tmp}/store.sqlite"
        notebooks = tmp / "notebooks"
        notebooks.mkdir()
        shutil.copy(template_path(), notebooks)
        if args.steps:
            for step in template_path().parent.glob("step*.ipynb"):
                shutil.copy(step, notebooks)
        empty = _empty_notebook(tmp / "empty.ipynb")

        empty_runs, html_runs, review_runs, again_runs = [], [], [], []
        for k in range(args.repeat):  # alternate floor and review; medians, as one kernel start can stall
            t0 = time.perf_counter()
            pm.execute_notebook(
                str(empty),
                str(tmp / "empty-out.ipynb"),
                parameters={"quarter": "2026Q3"},
                progress_bar=False,
                cwd=str(tmp),
                kernel_manager_class=kernel_manager_class(),
            )
            empty_runs.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            render_html(tmp / "empty-out.ipynb", tmp / "empty-out.html")
            html_runs.append(time.perf_counter() - t0)

            t0 = time.perf_counter()
            [result] = run_review(demo, args.quarter, url, tmp / f"out{k}", notebooks_dir=notebooks, progress_bar=False)
            review_runs.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            render_html(result.notebook, tmp / f"{REVIEW}-again.html")
            again_runs.append(time.perf_counter() - t0)
        cells = nbformat.read(result.notebook, as_version=4).metadata.papermill.duration
        empty_s, empty_html_s = statistics.median(empty_runs), statistics.median(html_runs)
        review_s, html_s = statistics.median(review_runs), statistics.median(again_runs)

    runs = lambda xs: ", ".join(f"{x:.1f}" for x in xs)  # noqa: E731
    print(f"runs (s): empty {runs(empty_runs)}; review {runs(review_runs)}")
    print(f"papermill, empty notebook (median):   {empty_s:6.1f} s (+ {empty_html_s:.1f} s to HTML)")
    print(
        f"csikit review {result.quarter}{' with steps' if args.steps else ''}:"
        f"{'' if args.steps else '           '} {review_s:6.1f} s "
        f"(last review notebook {cells:.1f} s in papermill; its HTML {html_s:.1f} s; "
        f"{len(result.steps)} step worksheets)"
    )
    print(f"ratio review / empty:                 {review_s / empty_s:6.1f} ×")


if __name__ == "__main__":
    main()
