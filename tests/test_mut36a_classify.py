"""Mutation audit 36a of walk40's classify code: every workbook's name refused by ``predict --output`` (.xlsm,
.numbers too), labels of one class written two ways (a number's value, not its integer part; the training label
near an unknown one, numbers too, and no hint where none is near; the search warns as training does; three groups
said without "and 0 more"), and the closing line's macro-F1 classify's only (the tagger's summary as before)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

from rnnkit.cli import main
from rnnkit.data.tabular import check_labels_known, label_spellings, read_table
from rnnkit.errors import RnnkitWarning, UserError
from rnnkit.tasks._classify_data import _warn_label_spellings
from tests.test_classify_cli import make_csv

pytestmark = pytest.mark.usefixtures("one_torch_thread")

FLAGS = ["--hidden", "4", "--embedding", "4", "--no-progress", "--save-minutes", "0", "--threads", "1"]


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A classifier of one update, its run folder."""
    folder = tmp_path_factory.mktemp("run")
    data = make_csv(folder / "d.csv", 24, 0)
    assert main(["train", "classify", "--data", str(data), "--out", str(folder / "run"), "--steps", "1", *FLAGS]) == 0
    return folder / "run"


@pytest.mark.parametrize("name", ["scored.xlsm", "scored.numbers"])
def test_predict_refuses_every_workbooks_name(run: Path, tmp_path: Path, name: str,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / name
    capsys.readouterr()
    assert main(["predict", str(run), "a film", "--output", str(out)]) == 2
    assert capsys.readouterr().err.endswith("not as a workbook\n")
    assert not out.exists()


def test_numbers_are_one_class_by_value_not_by_integer_part() -> None:
    assert label_spellings(["1", "1.5", "2", "2.0"]) == [["2", "2.0"]]


def _unknown(tmp_path: Path, label: str, known: list[str]) -> str:
    path = tmp_path / "test.csv"
    path.write_text(f"text,label\na film,{label}\n", encoding="utf-8")
    with pytest.raises(UserError) as caught:
        check_labels_known(read_table(path), known)
    return str(caught.value)


def test_an_unknown_number_names_the_training_label_of_its_value(tmp_path: Path) -> None:
    assert _unknown(tmp_path, "1.0", ["0", "1"]).endswith(
        "is not one of the model's labels: '0', '1'; it differs from the training label '1' only in how the number is "
        "written: write it '1'")


def test_an_unknown_label_with_no_other_spelling_has_no_hint(tmp_path: Path) -> None:
    assert _unknown(tmp_path, "meh", ["neg", "pos"]).endswith("is not one of the model's labels: 'neg', 'pos'")


def test_three_groups_are_said_without_more(tmp_path: Path) -> None:
    data = tmp_path / "merged.csv"
    data.write_text("text,label\n" + "".join(f"t {i},{label}\n" for i, label in enumerate(
        ["Sport", "sport", "News", "news", "Tech", "tech"])), encoding="utf-8")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _warn_label_spellings("label", read_table(data))
    said = [str(w.message) for w in caught if issubclass(w.category, RnnkitWarning)]
    assert len(said) == 1 and "more such group" not in said[0]
    assert "differ only in case; each spelling is a class of its own" in said[0]


def test_the_search_warns_of_a_label_written_two_ways(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """--autotune reads the data as training does, and warns alike (stopped here before any trial)."""
    def stop(out: Path) -> list[Path]:
        raise UserError("stopped before the search")

    monkeypatch.setattr("rnnkit.tasks._classify_autotune.missing_folders", stop)
    data = make_csv(tmp_path / "d.csv", 24, 0, labels=("pos", "Pos"))
    assert main(["train", "classify", "--data", str(data), "--out", str(tmp_path / "o"), "--autotune", "--steps",
                 "1", "--no-progress", "--threads", "1"]) == 2
    err = capsys.readouterr().err
    assert f"the labels 'Pos' ({data}:3) and 'pos' ({data}:2) differ only in case" in err
    assert err.endswith("rnnkit: error: stopped before the search\n")


def test_the_taggers_json_summary_has_no_macro_f1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "train.conll"
    data.write_text("John\tB-PER\nvisited\tO\nParis\tB-LOC\n\n" * 4, encoding="utf-8")
    assert main(["train", "tag", "--data", str(data), "--out", str(tmp_path / "run"), "--steps", "1", "--hidden",
                 "4", "--embedding", "4", "--char-hidden", "2", "--no-progress", "--threads", "1", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert "best_step" in summary and "best_val_macro_f1" not in summary
