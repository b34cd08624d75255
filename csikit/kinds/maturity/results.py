"""What a maturity activity's answers look like: the kind's results facet (:mod:`csikit.kinds.results`)."""

from __future__ import annotations

from ... import analysis, charts
from ...display import Exhibit
from ..base import Answers
from ..results import Results
from .rules import KIND


class MaturityResults(Results):
    """What maturity answers look like."""

    kind = KIND

    def result_exhibits(self, ans: Answers, workshop):
        a, out = ans.activity, []
        for criterion in a.criteria():
            matrix = analysis.maturity_matrix(ans.responses, ans.items, criterion)
            out.append(
                Exhibit(
                    f"{a.title} ({criterion})",
                    frame=matrix.reset_index(),
                    figure=charts.maturity_heatmap(matrix, weakest_first=criterion != "target"),
                )
            )
        return out


RESULTS = MaturityResults()
