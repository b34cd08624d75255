"""pyproject.toml and environment.yml must ask for the same packages at the same lower bounds."""

from __future__ import annotations

import re
import sys

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.version import Version
from repo_paths import REPO

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10 has no tomllib; tomli is the same parser
    tomllib = pytest.importorskip("tomli")

PYPROJECT = REPO / "pyproject.toml"
ENVIRONMENT = REPO / "environment.yml"

# conda packages that are tooling for the environment itself, not project requirements
CONDA_ONLY = {"pip"}

_CONDA_SPEC = re.compile(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*?)\s*$")


def normalise(name: str) -> str:
    """PEP 503 name, without extras: 'psycopg[binary]' -> 'psycopg', 'PyYAML' -> 'pyyaml'."""
    name = name.split("[", 1)[0]
    return re.sub(r"[-_.]+", "-", name).strip().lower()


def lower_bound(spec: str) -> Version | None:
    """The version after '>=' in a PEP 440 or conda version spec, or None."""
    found = re.findall(r">=\s*([0-9][0-9A-Za-z.+!\-]*)", spec)
    if len(found) != 1:
        return None
    return Version(found[0])


def pyproject_requirements(data: dict) -> dict[str, Version | None]:
    project = data["project"]
    reqs: dict[str, Version | None] = {"python": lower_bound(project["requires-python"])}
    for line in [*project["dependencies"], *project["optional-dependencies"]["test"]]:
        req = Requirement(line)
        reqs[normalise(req.name)] = lower_bound(str(req.specifier))
    return reqs


def conda_requirements(data: dict) -> dict[str, Version | None]:
    reqs: dict[str, Version | None] = {}
    for entry in data["dependencies"]:
        if not isinstance(entry, str):  # the "pip:" section: editable install of this project
            continue
        m = _CONDA_SPEC.match(entry)
        assert m, f"environment.yml: cannot parse dependency {entry!r}"
        name = normalise(m.group(1))
        if name in CONDA_ONLY:
            continue
        reqs[name] = lower_bound(m.group(2))
    return reqs


def differences(pip: dict[str, Version | None], conda: dict[str, Version | None]) -> list[str]:
    problems = []
    for name in sorted(set(pip) | set(conda)):
        if name not in conda:
            problems.append(f"{name}: in pyproject.toml, missing from environment.yml")
        elif name not in pip:
            problems.append(f"{name}: in environment.yml, missing from pyproject.toml")
        elif pip[name] is None or conda[name] is None:
            problems.append(
                f"{name}: needs exactly one '>=' lower bound in both files "
                f"(pyproject: {pip[name]}, environment.yml: {conda[name]})"
            )
        elif pip[name] != conda[name]:
            problems.append(f"{name}: lower bound {pip[name]} in pyproject.toml but {conda[name]} in environment.yml")
    return problems


@pytest.fixture(scope="module")
def pyproject() -> dict:
    return tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def environment() -> dict:
    return yaml.safe_load(ENVIRONMENT.read_text(encoding="utf-8"))


def test_pyproject_and_environment_agree(pyproject, environment):
    problems = differences(pyproject_requirements(pyproject), conda_requirements(environment))
    assert not problems, "pyproject.toml and environment.yml disagree:\n" + "\n".join(problems)


def test_every_requirement_has_a_lower_bound(pyproject):
    reqs = pyproject_requirements(pyproject)
    unbounded = sorted(name for name, bound in reqs.items() if bound is None)
    assert not unbounded, f"no '>=' lower bound for: {unbounded}"
    assert "nbval" in reqs and reqs["nbval"] >= Version("0.11")


def test_postgres_extra_matches_test_extra(pyproject):
    extras = pyproject["project"]["optional-dependencies"]
    postgres = {normalise(Requirement(r).name): lower_bound(r) for r in extras["postgres"]}
    test = {normalise(Requirement(r).name): lower_bound(r) for r in extras["test"]}
    for name, bound in postgres.items():
        assert test.get(name) == bound, f"{name}: postgres extra {bound}, test extra {test.get(name)}"


def test_environment_name_and_channel(environment):
    assert environment["name"] == "csikit"
    assert environment["channels"] == ["conda-forge"]


def test_console_script(pyproject):
    assert pyproject["project"]["scripts"]["csikit"] == "csikit.cli:main"


# The checks above must be able to fail: feed them files that drift apart.
@pytest.mark.parametrize(
    ("pip", "conda", "expected"),
    [
        ({"pandas": Version("2.0")}, {"pandas": Version("2.1")}, "lower bound 2.0"),
        ({"pandas": Version("2.0")}, {}, "missing from environment.yml"),
        ({}, {"pandas": Version("2.0")}, "missing from pyproject.toml"),
        ({"pandas": None}, {"pandas": Version("2.0")}, "needs exactly one"),
    ],
)
def test_differences_detects_drift(pip, conda, expected):
    problems = differences(pip, conda)
    assert len(problems) == 1 and expected in problems[0]


def test_parsers_normalise_names_and_versions():
    pip = pyproject_requirements(
        {
            "project": {
                "requires-python": ">=3.10",
                "dependencies": ["PyYAML>=6.0", "SQLAlchemy>=2.0"],
                "optional-dependencies": {"test": ["psycopg[binary]>=3.1"]},
            }
        }
    )
    conda = conda_requirements(
        {
            "dependencies": [
                "python>=3.10",
                "pip",
                "pyyaml >=6",
                "sqlalchemy>=2.0.0",
                "psycopg>=3.2",
                {"pip": ["-e ."]},
            ]
        }
    )
    assert differences(pip, conda) == ["psycopg: lower bound 3.1 in pyproject.toml but 3.2 in environment.yml"]


def test_jupyterlab_is_a_runtime_dependency_in_both_files(pyproject, environment):
    """`csikit lab` starts JupyterLab: a runtime dependency, not only a test one."""
    runtime = {normalise(Requirement(r).name): lower_bound(r) for r in pyproject["project"]["dependencies"]}
    conda = conda_requirements(environment)
    assert runtime.get("jupyterlab") is not None and runtime["jupyterlab"] >= Version("4.2")
    assert conda.get("jupyterlab") == runtime["jupyterlab"]
