"""Workshop names: a name typed by a facilitator never reaches outside the workshops folder."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from csikit.cli import main
from csikit.errors import CsiError
from csikit.scaffold import check_workshop_name


@pytest.mark.parametrize("name", ["desk-2027", "Q1_review", "cycle.2", " spaced "])
def test_good_names_pass_stripped(name):
    assert check_workshop_name(name) == name.strip()


@pytest.mark.parametrize(
    "name", ["", "  ", "..", "../evil", "a/b", "/etc", "a..b", ".hidden", "x" * 65, "a\\b", "naïve"]
)
def test_bad_names_are_refused_with_what_to_do(name):
    with pytest.raises(CsiError, match="letters, digits"):
        check_workshop_name(name)


def test_csikit_new_refuses_a_path_outside_the_workshops_folder(tmp_path):
    result = CliRunner().invoke(main, ["new", "../escaped", "--dir", str(tmp_path / "workshops")])
    assert result.exit_code == 1 and "cannot name a workshop folder" in result.output
    assert not (tmp_path / "escaped").exists()
