"""``rnnkit evaluate DIR --data f.csv --text-column ''`` (an unset shell variable) is refused naming the flag, as
other empty names are; it read the model's own column without a word (so did ``--label-column ''`` and
``predict --file f.csv --text-column ''``, and ``text_column=""`` from Python)."""

from __future__ import annotations

from pathlib import Path

import pytest

import rnnkit
from rnnkit.cli import main
from rnnkit.errors import UserError

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def classifier(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("cls")
    data = tmp / "c.csv"
    data.write_text("text,label\ngood film,pos\nbad film,neg\ngreat,pos\nawful,neg\n", encoding="utf-8")
    out = tmp / "run"
    assert main(["train", "classify", "--data", str(data), "--val-data", str(data), "--out", str(out), "--steps", "1",
                 "--hidden", "4", "--embedding", "4", "--no-progress", "--json"]) == 0
    return out, data


@pytest.mark.parametrize(("verb", "flag", "own"), [("evaluate", "--text-column", "text"),
                                                   ("evaluate", "--label-column", "label"),
                                                   ("predict", "--text-column", "text")])
def test_an_empty_column_name_is_refused_naming_the_flag(classifier: tuple[Path, Path], verb: str, flag: str,
                                                         own: str, capsys: pytest.CaptureFixture[str]) -> None:
    out, data = classifier
    source = "--data" if verb == "evaluate" else "--file"
    capsys.readouterr()
    assert main([verb, str(out), source, str(data), flag, ""]) == 2
    printed = capsys.readouterr()
    assert printed.out == ""
    assert printed.err == (f"rnnkit: error: {flag} '': an empty name; expected a column of the file's header line, "
                           f"or none for the model's own ({own!r})\n")


def test_python_refuses_an_empty_column_naming_the_keyword(classifier: tuple[Path, Path]) -> None:
    out, data = classifier
    with pytest.raises(UserError, match=r"^text_column '': an empty name"):
        rnnkit.load(out).evaluate(str(data), text_column="")


def test_the_models_own_column_is_still_read_without_the_flag(classifier: tuple[Path, Path]) -> None:
    out, data = classifier
    assert rnnkit.load(out).evaluate(str(data))["count"] == 4
