"""walk48: `rnnkit info` of an `rnnkit experiment` (or `diagnose`) directory said "not a model directory (expected
config.json and model.safetensors ...)", which left a researcher looking for a model the folder never had. Now it says
what the folder is and where its table is (results.md, diagnose.md), and that `rnnkit report` draws its curves."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.cli import main
from rnnkit.errors import UserError
from rnnkit.tasks.info import model_info


@pytest.mark.parametrize(("written", "what", "table"), [
    ("results.json", "an experiment directory", "results.md"),
    ("diagnose.json", "a diagnose directory", "diagnose.md"),
])
def test_info_of_a_results_folder_says_what_it_holds(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                      written: str, what: str, table: str) -> None:
    (tmp_path / written).write_text("{}")
    assert main(["info", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path}: {what}, which holds results, not a model: its table is {tmp_path / table}" in err
    assert f"`rnnkit report {tmp_path}` draws its curves" in err and "Traceback" not in err
    with pytest.raises(UserError, match="holds results, not a model"):
        model_info(tmp_path)


def test_a_folder_of_nothing_is_still_not_a_model_directory(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="not a model directory"):
        model_info(tmp_path)
