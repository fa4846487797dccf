"""An ensemble's own methods speak a Python caller's words: ``rnnkit.load(A).ensemble(B).export(path)`` was told to
"export each model (rnnkit export DIR --onnx FILE)", a command line's flag, where every other method of the API
names its keywords (``TextEnsemble``'s methods were not calls of the API, as the loaded models' are)."""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import pytest

import rnnkit
from rnnkit.cli import main
from rnnkit.errors import UserError, python_words
from tests import test_api_words as words

pytestmark = pytest.mark.usefixtures("one_torch_thread")

data = words.data
trained = words.trained


def test_the_command_to_export_one_model_reads_as_its_python_call() -> None:
    said = "export each model (rnnkit export DIR --onnx FILE) and average their probabilities"
    assert python_words(said, {"path": False, "check": True}) == (
        "export each model (rnnkit.load(DIR).export(FILE)) and average their probabilities")


def test_an_ensembles_export_is_refused_in_python_words(trained: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    shutil.copytree(trained / "best", other)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        joined = rnnkit.load(trained).ensemble(other)
    with pytest.raises(UserError, match=r"^export: an ensemble of 2 models .*\(rnnkit\.load\(DIR\)\.export\(FILE\)\)"):
        joined.export(tmp_path / "m.onnx")
    with pytest.raises(UserError, match=r"call encode on one of them"):  # its other methods are calls of the API too
        joined.encode(["good film"])
    assert not (tmp_path / "m.onnx").exists()


def test_the_command_line_keeps_its_command(trained: Path, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["export", str(trained), "--onnx", str(tmp_path / "m.onnx"), "--ensemble", str(trained)]) == 2
    assert "(rnnkit export DIR --onnx FILE)" in capsys.readouterr().err
