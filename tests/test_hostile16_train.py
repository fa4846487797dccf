"""Round 16 of hostile command lines, `rnnkit train TASK`: a flag given an empty name (an unset shell variable,
``--val-data "$VAL"``) is refused in one line naming the flag, as ``--out ""``, ``--init-from ""`` and
``--pretrained-vectors ""`` are, instead of running as if the flag were not there; nothing is written."""

from __future__ import annotations

from pathlib import Path

import pytest

import rnnkit
from rnnkit.cli import main
from rnnkit.errors import UserError

pytestmark = pytest.mark.usefixtures("one_torch_thread")

TASKS = ["classify", "tag", "seq2seq", "caption", "speech"]


def refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("rnnkit: error: ") and err.count("\n") == 1, err
    return err


@pytest.mark.parametrize("task", TASKS)
@pytest.mark.parametrize("empty", ["", " "])
def test_an_empty_val_data_is_refused(task: str, empty: str, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    """It validated on a split of --data (a resumed run: on the run's own validation data) without a word."""
    out = tmp_path / "run"
    err = refused(["train", task, "--data", str(tmp_path / "train.txt"), "--val-data", empty, "--out", str(out),
                   "--steps", "1"], capsys)
    assert f"--val-data {empty!r}: an empty name; expected the validation data" in err
    assert not out.exists()


def test_the_python_api_refuses_an_empty_val_data_in_its_words(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"^val_data '': an empty name"):
        rnnkit.fit("classify", data=str(tmp_path / "train.csv"), val_data="", out=tmp_path / "run", steps=1,
                   verbose=False, progress=False)


@pytest.mark.parametrize(("flag", "expected"), [
    ("--resume", "the folder of the run to continue"), ("--config", "a TOML file of settings"),
    ("--find-lr-plot", "the PNG to draw the range test's curve into")])
@pytest.mark.parametrize("empty", ["", " "])
def test_an_empty_name_for_a_flag_of_the_training_line_is_refused(flag: str, expected: str, empty: str,
                                                                   tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """--resume "" started a fresh run, --config "" trained without the file's settings, --find-lr-plot "" drew
    nothing, each without a word."""
    data = tmp_path / "train.csv"
    data.write_text("text,label\n" + "good film,pos\nbad film,neg\n" * 10, encoding="utf-8")
    out = tmp_path / "run"
    monkeypatch.chdir(tmp_path)  # the old code drew --find-lr-plot " " into a file " " here
    err = refused(["train", "classify", "--data", str(data), "--out", str(out), "--steps", "1", "--no-progress",
                   *(["--find-lr"] if flag == "--find-lr-plot" else []), flag, empty], capsys)
    assert f"{flag} {empty!r}: an empty name; expected {expected}" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["train.csv"]


@pytest.mark.parametrize("empty", ["", " "])
def test_an_empty_pretrain_data_is_refused_as_a_flag_and_in_a_config_file(empty: str, tmp_path: Path,
                                                                          capsys: pytest.CaptureFixture[str]) -> None:
    """It trained without pre-training, without a word. The empty name is shown quoted, as the other flags'
    (it read ``--pretrain-data : an empty name``)."""
    data = tmp_path / "train.csv"
    data.write_text("text,label\n" + "good film,pos\nbad film,neg\n" * 10, encoding="utf-8")
    config = tmp_path / "c.toml"
    config.write_text(f"pretrain_data = {empty!r}\n".replace("'", '"'), encoding="utf-8")
    out = tmp_path / "run"
    line = ["train", "classify", "--data", str(data), "--out", str(out), "--steps", "1", "--no-progress"]
    assert f"--pretrain-data {empty!r}: an empty name; expected a file of unlabelled texts" in refused(
        [*line, "--pretrain-data", empty], capsys)
    assert f"{config}: pretrain_data = {empty!r}: an empty name" in refused([*line, "--config", str(config)], capsys)
    assert not out.exists()


@pytest.mark.parametrize("where", ["data", "config", "folder"])
def test_find_lr_plot_is_checked_before_the_range_test(where: str, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """--find-lr-plot naming the --data file drew the curve over the training data (lost); naming a folder
    failed after the range test, "PATH: Is a directory", without the flag."""
    data = tmp_path / "train.csv"
    text = "text,label\n" + "good film,pos\nbad film,neg\n" * 10
    data.write_text(text, encoding="utf-8")
    config = tmp_path / "c.toml"
    config.write_text("hidden = 4\n", encoding="utf-8")
    (tmp_path / "folder").mkdir()
    plot = {"data": data, "config": config, "folder": tmp_path / "folder"}[where]
    err = refused(["train", "classify", "--data", str(data), "--config", str(config), "--out", str(tmp_path / "run"),
                   "--embedding", "4", "--tokenizer", "word", "--find-lr", "--find-lr-plot", str(plot)], capsys)
    expected = {"data": "is the --data being read; write to another file",
                "config": "is the --config being read; write to another file",
                "folder": "is a folder; expected the name of a PNG file to write"}[where]
    assert err == f"rnnkit: error: --find-lr-plot {plot}: {expected}\n"
    assert data.read_text(encoding="utf-8") == text and config.read_text(encoding="utf-8") == "hidden = 4\n"


@pytest.mark.parametrize("value", ["-inf", "-Infinity", "-nan", "-NaN"])
@pytest.mark.parametrize("flag", ["--lr", "--min-delta", "--clip"])
def test_minus_infinity_or_nan_is_read_as_the_flags_value(flag: str, value: str, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    """argparse took a word of '-' and letters for a flag: ``--lr -inf`` was "argument --lr: expected one argument",
    as if no value had been given."""
    with pytest.raises(SystemExit) as exited:  # argparse's usage error
        main(["train", "classify", "--data", str(tmp_path / "train.csv"), "--out", str(tmp_path / "run"), flag, value])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"rnnkit train classify: error: argument {flag}: expected a finite number >= 0, got {value};")
    assert err.count("\n") == 1
