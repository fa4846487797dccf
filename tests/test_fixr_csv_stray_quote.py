"""A CSV row whose text opens with a stray quote (``"5 screen great,pos`` in an unquoted file) took in the rows after
it up to a line whose quote ends a field (``bought the 12",pos``), and ``rnnkit train classify`` and ``rnnkit
evaluate`` read them, unsaid, as one text. Such a row is refused now, as a TSV one is, naming the line where the
quote opens and a line inside it that reads as a row of its own; prose of several lines with commas, quoted as it
should be, is read as before."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.cli import main
from rnnkit.data.tabular import read_table

pytestmark = pytest.mark.usefixtures("one_torch_thread")

ROWS = "good film,pos\nbad film,neg\ngreat,pos\nawful,neg\n"
SWALLOWING = f'text,label\n{ROWS}"5 screen great,pos\nok film,neg\nbought the 12",pos\nlast,neg\n'
REFUSAL = ("stray.csv:6: this row runs on to line 8, and line 7, inside it, reads as a row of its own (2 "
           "comma-separated fields, a label of the file in its label column): a field starts with a double quote (\") "
           "that is not closed where the field ends")


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("csv")
    (tmp / "stray.csv").write_text(SWALLOWING, encoding="utf-8")
    (tmp / "good.csv").write_text(f"text,label\n{ROWS}", encoding="utf-8")
    return tmp


def test_train_classify_refuses_the_row_naming_its_lines(files: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = files / "run-stray"
    assert main(["train", "classify", "--data", str(files / "stray.csv"), "--out", str(out), "--steps", "1",
                 "--hidden", "4", "--embedding", "4", "--no-progress"]) == 2
    assert REFUSAL in capsys.readouterr().err
    assert not out.exists()


def test_evaluate_refuses_it_too(files: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = files / "run"
    assert main(["train", "classify", "--data", str(files / "good.csv"), "--val-data", str(files / "good.csv"),
                 "--out", str(out), "--steps", "1", "--hidden", "4", "--embedding", "4", "--no-progress",
                 "--json"]) == 0
    capsys.readouterr()
    assert main(["evaluate", str(out), "--data", str(files / "stray.csv")]) == 2
    printed = capsys.readouterr()
    assert printed.out == "" and REFUSAL in printed.err


@pytest.mark.parametrize("text", ["Nice, really\nloved it", "Fine, I said.\n\nGood, not great.", "one\ntwo, neg!"])
def test_quoted_prose_of_several_lines_is_read(tmp_path: Path, text: str) -> None:
    path = tmp_path / "prose.csv"
    path.write_text(f'text,label\n{ROWS}"{text}",pos\n', encoding="utf-8")
    assert read_table(path).texts[-1] == text
