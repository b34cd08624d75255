"""The quarterly review: one quarter of a workshop's KPIs, register, maturity and decisions.

Four modules, one job each, imports pointing down this list:

- :mod:`~csikit.review.run` runs the review template and the step worksheets with
  papermill and renders them to HTML without code (``csikit review``);
- :mod:`~csikit.review.sections` computes and draws each section (pandas, charts);
- :mod:`~csikit.review.display` shows a section: escaped HTML, text and JSON;
- :mod:`~csikit.review.data` takes the store's snapshot for a quarter once.

Importing the package loads neither pandas nor matplotlib: the notebook imports
``csikit.review.sections`` itself, the ``csikit review`` process never does.
"""

from __future__ import annotations

from ..errors import ReviewError
from .data import ActivityRecord, ReviewData, load_review, quarters_in_store
from .run import ReviewResult, run_review, section_of

__all__ = [
    "ActivityRecord",
    "ReviewData",
    "ReviewError",
    "ReviewResult",
    "load_review",
    "quarters_in_store",
    "run_review",
    "section_of",
]
