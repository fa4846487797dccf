"""``ensemble()`` warns of a model joined more than once, as ``--ensemble`` does: it counts that many times in the
mean. ``rnnkit predict A --ensemble A`` warned; ``rnnkit.load(A).ensemble(A)`` (or ``ensemble("A/best")``, or the
loaded model itself) averaged the model with itself without a word."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import rnnkit
from rnnkit.cli import main
from tests import test_api19_translate as translate_words
from tests import test_api_words as words

pytestmark = pytest.mark.usefixtures("one_torch_thread")

data = words.data
trained = words.trained


said = translate_words.said  # the warnings of rnnkit that call() raised


@pytest.mark.parametrize("other", ["itself", "dir", "best"])
def test_a_model_joined_twice_is_warned_of_in_python_words(trained: Path, other: str) -> None:
    model = rnnkit.load(trained)
    given = {"itself": model, "dir": str(trained), "best": trained / "best"}[other]
    assert said(lambda: model.ensemble(given)) == [
        f"ensemble: {trained / 'best'} is joined 2 times (this model and the others given), so it counts 2 times in "
        "the mean of the 2 models; join each model once for an even mean"]


def test_models_joined_once_each_say_nothing(trained: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(trained / "best", copy)
    assert said(lambda: rnnkit.load(trained).ensemble(copy).predict("good film")) == []


def test_the_command_line_says_it_once_in_its_words(trained: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["predict", str(trained), "good film", "--ensemble", str(trained)]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err == [f"rnnkit: warning: --ensemble: {trained / 'best'} is named 2 times (as DIR or in --ensemble), so it "
                   "counts 2 times in the mean of the 2 models; name each model once for an even mean"]
