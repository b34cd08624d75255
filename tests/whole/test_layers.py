"""The layer rule of docs/ARCHITECTURE.md as a test: imports point one way, down the layers.

Every module of the package is read fresh from disk (``ast``, no import, so nothing a test
imported earlier hides an edge) and every ``import`` in it counts, inside functions too;
only ``if TYPE_CHECKING:`` blocks are left out (they never run). A module may import its
own layer and the layers below it; an import of a layer above is a failure unless it is one
of the few documented :data:`EXCEPTIONS`.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import csikit

ROOT = Path(csikit.__file__).parent
ARCHITECTURE = ROOT.parent / "docs" / "ARCHITECTURE.md"

#: The layers, lowest first: (name as in ARCHITECTURE.md's table, module name patterns).
#: A pattern is a dotted module name below ``csikit``; ``*`` matches one name part (no dots),
#: a trailing ``.**`` a whole package.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    (
        "vocabulary",
        (
            "errors",
            "version",
            "vocabulary",
            "checks",
            "model",
            "records",
            "clock",
            "quarters",
            "stats",
            "kinds",
            "kinds.base",
            "kinds.*",
            "kinds.*.rules",
        ),
    ),
    ("activity rules", ("rules", "order", "similar_ideas")),
    ("conversion", ("convert", "display")),
    (
        "files and the machine",
        ("workshop_file", "measurements", "scaffold", "paths", "departments", "offline", "lan", "log_scrub"),
    ),
    ("store", ("store.**",)),
    ("analysis", ("analysis", "analysis_*")),
    ("charts", ("figures", "figure_text", "charts", "charts_*", "org_charts")),
    ("kind results", ("kinds.results", "kinds.*.results")),
    ("step content", ("exhibits", "handoff", "export", "export_xlsx")),
    ("room", ("room.**", "kinds.screen", "kinds.*.screen")),
    ("widgets", ("widgets.**",)),
    ("analysts", ("session", "workbook", "workbook_*", "portfolio", "portfolio_*", "worksheets")),
    ("review", ("review.**",)),
    ("processes", ("serve", "servedir", "server_settings", "stopping", "scaleout", "simulate", "lab")),
    ("test clients", ("testing.**", "capacity")),
    ("command line", ("cli", "cli_servers", "__main__")),
    ("entry points", ("",)),  # csikit/__init__.py: the public names, loaded lazily
]

#: Imports of a layer above, each with its reason (keep this list a handful).
EXCEPTIONS: dict[tuple[str, str], str] = {}


def _pattern(p: str) -> re.Pattern:
    if p.endswith(".**"):
        base = re.escape(p[:-3])
        return re.compile(rf"^{base}(\..+)?$")
    return re.compile("^" + re.escape(p).replace(r"\*", r"[^.]+") + "$")


COMPILED = [(name, [_pattern(p) for p in pats]) for name, pats in LAYERS]


def layer_of(module: str) -> int | None:
    """The index in :data:`LAYERS` of ``csikit.<module>`` (``""`` is the package itself):
    the most specific pattern wins (``kinds.results`` over ``kinds.*``)."""
    best: tuple[int, int] | None = None
    for index, (_, pats) in enumerate(COMPILED):
        for raw, pat in zip(LAYERS[index][1], pats, strict=True):
            if pat.match(module):
                score = len(raw.replace("*", ""))
                if best is None or score > best[0]:
                    best = (score, index)
    return None if best is None else best[1]


def modules() -> dict[str, Path]:
    """Every module of the package by its name below ``csikit`` (``""``: the package)."""
    out = {}
    for path in sorted(ROOT.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports(module: str, path: Path) -> list[tuple[int, str]]:
    """(line, module imported) for every csikit import in ``path``, inside functions too."""
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    package = [p for p in package if p]
    out: list[tuple[int, str]] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            out.extend((node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "csikit")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1] if node.level > 1 else package
                target = ".".join(["csikit", *base] + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] == "csikit":
                names = [f"{target}.{a.name}" for a in node.names]
                # `from . import analysis` imports a module; `from .model import Activity` a name
                out.extend((node.lineno, n if n[len("csikit.") :] in MODULES else target) for n in names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return out


MODULES = modules()


def _short(name: str) -> str:
    return name[len("csikit.") :] if name.startswith("csikit.") else ("" if name == "csikit" else name)


def test_every_module_has_a_layer():
    missing = [f"csikit.{m}" if m else "csikit" for m in MODULES if layer_of(m) is None]
    assert not missing, "put these in a layer (LAYERS here and docs/ARCHITECTURE.md):\n" + "\n".join(missing)


def test_imports_point_down_the_layers():
    upward = []
    for module, path in MODULES.items():
        mine = layer_of(module)
        for line, target in imports(module, path):
            other = layer_of(_short(target))
            if mine is None or other is None or other <= mine or (module, target) in EXCEPTIONS:
                continue
            upward.append(
                f"csikit/{path.relative_to(ROOT).as_posix()}:{line} ({LAYERS[mine][0]}) imports "
                f"{target} ({LAYERS[other][0]})"
            )
    assert not upward, "imports against the layers (docs/ARCHITECTURE.md):\n" + "\n".join(upward)


def test_the_exceptions_are_few_and_still_needed():
    assert len(EXCEPTIONS) <= 5
    for module, target in EXCEPTIONS:
        assert target in [t for _, t in imports(module, MODULES[module])], f"{module} no longer imports {target}"


def test_architecture_lists_the_layers_in_this_order():
    text = ARCHITECTURE.read_text(encoding="utf-8")
    rows = [m.group(1).strip() for m in re.finditer(r"^\| ([a-z ]+?) \|", text, flags=re.M)]
    assert [name for name, _ in LAYERS if name != "entry points"] == [r for r in rows if r != "layer"]


def test_the_scan_sees_imports_inside_functions_and_skips_type_checking(tmp_path):
    source = tmp_path / "probe.py"
    source.write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .widgets import common\n"
        "def f():\n    from . import review\n    import csikit.serve\n",
        encoding="utf-8",
    )
    assert imports("probe", source) == [(5, "csikit.review"), (6, "csikit.serve")]
