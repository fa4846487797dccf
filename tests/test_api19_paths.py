"""A loaded model's methods refuse an empty name for the data they read, naming the keyword, as the command line
refuses ``--data ''`` (an unset variable: ``model.evaluate(os.environ.get("DATA", ""))``).

``Path("")`` is the working directory: ``evaluate("")`` said ": is a directory" (naming nothing), a recogniser's
or a captioner's evaluated the working directory when it held a corpus, and a classifier's ``baseline(train="")``
took the run's own training file, unsaid."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import rnnkit
from rnnkit.errors import UserError
from tests import test_faults as faults

pytestmark = pytest.mark.usefixtures("one_torch_thread")

text_file = faults.text_file
trained = faults.trained

CALLS: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "classify evaluate": ("classify", lambda m: m.evaluate("")),
    "classify predict_file": ("classify", lambda m: m.predict_file("")),
    "seq2seq evaluate": ("seq2seq", lambda m: m.evaluate("")),
    "seq2seq score": ("seq2seq", lambda m: m.score("")),
    "tag evaluate": ("tag", lambda m: m.evaluate(" ")),
    "speech evaluate": ("speech", lambda m: m.evaluate("")),
    "caption evaluate": ("caption", lambda m: m.evaluate("")),
}
KEYWORD = {"classify predict_file": "path", "seq2seq evaluate": "pairs_file", "seq2seq score": "pairs",
           "speech evaluate": "corpus", "caption evaluate": "folder"}


@pytest.mark.parametrize("case", sorted(CALLS))
def test_an_empty_name_of_the_data_is_refused_naming_its_keyword(trained: dict[str, Path], case: str) -> None:
    task, call = CALLS[case]
    model = rnnkit.load(trained[task])
    keyword = KEYWORD.get(case, "data")
    with pytest.raises(UserError, match=rf"^{keyword} '\s?': an empty name; expected "):
        call(model)


@pytest.mark.parametrize(("task", "folder"), [("speech", "corpus"), ("caption", "images")])
def test_an_empty_name_is_not_the_working_directory(trained: dict[str, Path], task: str, folder: str,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Inside a corpus folder, ``evaluate("")`` evaluated that folder as if it had been named."""
    monkeypatch.chdir(trained[folder])
    model = rnnkit.load(trained[task])
    assert model.evaluate(".")["models"]  # the folder itself, named, is evaluated
    with pytest.raises(UserError, match="an empty name"):
        model.evaluate("")


def test_an_empty_baseline_training_file_is_not_the_runs_own(trained: dict[str, Path]) -> None:
    model = rnnkit.load(trained["classify"])
    for call in (lambda: model.baseline(""), lambda: model.evaluate(str(trained["csv"]), baseline=True, train="")):
        with pytest.raises(UserError, match=r"^train '': an empty name; expected the baseline's training file"):
            call()
