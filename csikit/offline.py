"""Pages that ask nothing of another machine: csikit's own Voila and nbconvert templates.

Voila's lab template loads Font Awesome from a CDN, nbconvert's loads require.js, MathJax
and mermaid: offline those requests fail (slowly) and on a network that logs outbound
requests they tell that a workshop is running. csikit ships templates without them
(``csikit/templates/``); everything they need comes with Voila and nbconvert.
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping
from pathlib import Path

_TEMPLATES = Path(__file__).resolve().parent / "templates"
#: A Jupyter data folder holding csikit's Voila template ``csikit`` (``voila/templates/csikit``).
JUPYTER_DATA = _TEMPLATES / "jupyter"
#: nbconvert templates of csikit (``csikit_offline``), for ``extra_template_basedirs``.
NBCONVERT_TEMPLATES = _TEMPLATES / "nbconvert"
#: The Voila template csikit's pages use.
VOILA_TEMPLATE = "csikit"


def voila_offline(env: MutableMapping[str, str]) -> list[str]:
    """Point a Voila server's environment at csikit's template; returns its command-line options."""
    env["JUPYTER_PATH"] = os.pathsep.join(p for p in (str(JUPYTER_DATA), env.get("JUPYTER_PATH", "")) if p)
    return [f"--template={VOILA_TEMPLATE}"]
