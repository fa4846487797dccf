"""review40: ``predict DIR TEXT --ensemble DIR2`` said walk52's warning of a text longer than the models' --max-len
once for each model of the ensemble, the same line twice; it is said once (each distinct line once)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rnnkit.cli import main


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("ens")
    data = tmp / "d.csv"
    data.write_text("text,label\n" + "".join(f"good film {i},pos\nbad film {i},neg\n" for i in range(10)),
                    encoding="utf-8")
    assert main(["train", "classify", "--data", str(data), "--out", str(tmp / "A"), "--steps", "1",
                 "--max-len", "4"]) == 0
    return tmp / "A", Path(shutil.copytree(tmp / "A", tmp / "B"))  # a copy: one training, two models


def test_an_ensembles_long_text_warning_is_said_once(runs: tuple[Path, Path],
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["predict", str(runs[0]), "a b c d e f g h", "x", "--ensemble", str(runs[1])]) == 0
    said = [line for line in capsys.readouterr().err.splitlines() if "longer than the model's --max-len" in line]
    assert len(said) == 1, said
