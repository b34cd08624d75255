"""csikit.kinds: the registry, the protocol every kind keeps, and what each facet imports."""

from __future__ import annotations

import subprocess
import sys

import pytest
from repo_paths import REPO

from csikit.errors import ValidationError
from csikit.kinds import REGISTRY, kind_of
from csikit.kinds.base import Kind
from csikit.kinds.results import results_of
from csikit.kinds.screen import screen_of
from csikit.model import Activity, ActivityKind, Item, Step

ITEMS = (Item("a", "Alpha"), Item("b", "Beta"))


def test_every_activity_kind_has_its_module_and_the_enum_follows_the_registry():
    assert [k.value for k in ActivityKind] == list(REGISTRY)
    for kind in ActivityKind:
        k = kind_of(kind)
        assert isinstance(k, Kind) and k.name == kind.value
        assert kind_of(kind.value) is k  # by name or member: one instance
        assert type(k).__module__ == f"{REGISTRY[kind.value]}.rules"


def test_every_kind_is_one_folder_with_a_file_per_layer():

    from csikit.kinds.results import Results

    for name, module in REGISTRY.items():
        folder = REPO / module.replace(".", "/")
        assert {"__init__.py", "rules.py", "results.py", "screen.py", "phone.js"} <= {p.name for p in folder.iterdir()}
        results = results_of(name)
        assert isinstance(results, Results) and results.kind is kind_of(name)
        assert callable(screen_of(name).screen)


def test_an_unknown_kind_names_the_known_ones():
    with pytest.raises(ValueError, match="'dotvote' is not an activity kind; known kinds: ideas, dot_vote"):
        kind_of("dotvote")


@pytest.mark.parametrize(
    ("setting", "value", "owner"),
    [
        ("budget", 5, "dot_vote"),
        ("scale", None, "rating"),
        ("phase", None, "maturity"),
        ("max_ideas", 3, "ideas"),
        ("options", ("yes", "no"), "poll"),
        ("choose", 1, "poll"),
    ],
)
def test_a_setting_belongs_to_the_kind_that_declares_it(setting, value, owner):
    assert setting in kind_of(owner).settings
    if value is None:
        return
    with pytest.raises(ValidationError) as err:
        Activity("x", Step.TARGET, ActivityKind.RANKING, "T", items=ITEMS, **{setting: value})
    assert f"applies only to {owner} activities, not to ranking" in str(err.value)


def test_model_questions_are_answered_by_the_kind():
    dots = Activity("d", Step.TARGET, ActivityKind.DOT_VOTE, "T", items=ITEMS, budget=5, per_item_cap=2)
    assert dots.value_range() == kind_of("dot_vote").value_range(dots) == (0, 2)
    rank = Activity("r", Step.TARGET, ActivityKind.RANKING, "T", items=ITEMS)
    assert rank.value_range() == (1, 2) and rank.criteria() == ("",)
    fist = Activity("f", Step.PLAN, ActivityKind.FIST_OF_FIVE, "T", items=ITEMS)
    assert fist.value_range() == (0, 5) and fist.score_labels()[0].startswith("0 · Block")


@pytest.mark.parametrize(
    "module",
    ["csikit.vocabulary", "csikit.model", "csikit.store", "csikit.rules"]
    + [f"csikit.kinds.{name}.rules" for name in REGISTRY],
)
def test_the_rules_load_neither_widgets_nor_pandas(module):
    # the model and the store validate through the kinds: they must not pay for widgets or plots
    code = (
        f"import sys, {module}; from csikit.kinds import kind_of, REGISTRY; [kind_of(k) for k in REGISTRY]; "
        "heavy = [m for m in ('ipywidgets', 'pandas', 'matplotlib', 'seaborn') if m in sys.modules]; "
        "assert not heavy, heavy"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_every_screen_module_stays_light():
    names = sorted(f"csikit.kinds.{n}.screen" for n in REGISTRY)
    code = (
        f"import sys, {', '.join(names)}; "
        "heavy = [m for m in ('ipywidgets', 'pandas', 'matplotlib', 'seaborn') if m in sys.modules]; "
        "assert not heavy, heavy"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_what_differs_between_kinds_is_asked_of_the_kind():
    flags = {
        k: {
            a
            for a in (
                "collects_ideas",
                "assesses_maturity",
                "picks_winners",
                "adds_up_on_merge",
                "lower_is_better",
                "blank_is_zero",
            )
            if getattr(kind_of(k), a)
        }
        for k in REGISTRY
    }
    expected = {
        "ideas": {"collects_ideas"},
        "dot_vote": {"picks_winners", "adds_up_on_merge", "blank_is_zero"},
        "rating": set(),
        "maturity": {"assesses_maturity"},
        "fist_of_five": set(),
        "ranking": {"lower_is_better"},
        "poll": set(),
    }
    assert {k: flags[k] for k in expected} == expected  # a new kind's own test says its flags
    paper = {
        "ideas": "scale",
        "dot_vote": "count",
        "rating": "scale",
        "maturity": "scale",
        "fist_of_five": "scale",
        "ranking": "place",
        "poll": "tick",
    }
    assert {k: kind_of(k).paper_input for k in paper} == paper
    assert {kind_of(k).paper_input for k in REGISTRY} <= {"scale", "count", "tick", "place"}
    vote = Activity(
        id="v", step=Step.TARGET, kind=ActivityKind.DOT_VOTE, title="Vote", items=ITEMS, budget=5, per_item_cap=2
    )
    assert kind_of("dot_vote").paper_hint(vote) == "dots per item (at most 2 on one, 5 in all)"
    assert kind_of("rating").paper_hint(vote) == "a value per item"


def test_no_module_outside_kinds_switches_on_the_kind():
    """Outside ``csikit/kinds/`` an ``ActivityKind`` member may only be passed as a ``kind=``
    (building an activity); a comparison, a dict key or any other use asks the kind instead."""
    import ast
    from pathlib import Path

    import csikit

    root = Path(csikit.__file__).parent
    members = {k.name for k in ActivityKind}
    found = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        if rel.startswith("kinds/"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        allowed = {
            id(kw.value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Call)
            for kw in node.keywords
            if kw.arg == "kind"
        }
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in members
                and isinstance(node.value, ast.Name)
                and node.value.id == "ActivityKind"
                and id(node) not in allowed
            ):
                found.append(f"csikit/{rel}:{node.lineno} ActivityKind.{node.attr}")
            if (
                isinstance(node, ast.Compare)
                and any(isinstance(x, ast.Constant) and x.value in REGISTRY for x in node.comparators + [node.left])
                and "kind" in ast.unparse(node)
            ):
                found.append(f"csikit/{rel}:{node.lineno} {ast.unparse(node)}")
    assert not found, "ask kind_of(a.kind) instead of switching on the kind:\n" + "\n".join(found)
