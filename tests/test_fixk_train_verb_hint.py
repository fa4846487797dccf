"""fixk: `rnnkit train translate` (the verb of seq2seq models, a user's natural guess at the task's name) was
refused with the list of tasks alone; a verb that one task's models answer now names that task, on the command
line and in ``rnnkit.fit``."""

from __future__ import annotations

from pathlib import Path

import pytest

import rnnkit
from rnnkit.cli import main
from rnnkit.errors import UserError


def _refused(line: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """What ``rnnkit LINE`` said on stderr, refused with exit status 2 (a usage error)."""
    with pytest.raises(SystemExit) as exit_:
        main(line)
    assert exit_.value.code == 2
    return capsys.readouterr().err


@pytest.mark.parametrize(("verb", "task"), [("translate", "seq2seq"), ("transcribe", "speech"),
                                            ("sample", "charlm")])
def test_a_verb_of_one_task_given_as_the_task_names_the_task(
        verb: str, task: str, capsys: pytest.CaptureFixture[str]) -> None:
    err = _refused(["train", verb, "--data", "x.tsv", "--out", "run"], capsys)
    assert f"'{verb}' is what a trained {task} model does: `rnnkit train {task}` trains one" in err
    assert err.count("\n") == 1 and err.rstrip().endswith("`rnnkit train -h` for help")


@pytest.mark.parametrize("word", ["predict", "evaluate", "seq2sq"])
def test_a_verb_of_several_tasks_or_another_word_gets_no_hint(word: str, capsys: pytest.CaptureFixture[str]) -> None:
    err = _refused(["train", word], capsys)
    assert f"invalid choice: '{word}'" in err and "is what a trained" not in err


def test_fit_names_the_task_too(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"unknown task 'translate'; .*'translate' is what a trained seq2seq model "
                                        r"does: the task is 'seq2seq'$"):
        rnnkit.fit("translate", data=str(tmp_path / "p.tsv"), out=str(tmp_path / "run"))
