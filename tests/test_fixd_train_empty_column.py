"""``rnnkit train classify --text-column ''`` (an unset shell variable) is refused naming the flag, in the words
``evaluate`` and ``predict`` use; it read "t.csv:1: text column '' is missing", naming the column, not the flag.
A ``--config`` file's ``text_column = ""`` is named by the file and key, ``fit(text_column="")`` by the keyword."""

from __future__ import annotations

from pathlib import Path

import pytest

import rnnkit
from rnnkit.cli import main
from rnnkit.errors import SettingError, flag_as_given

EXPECTED = "an empty name; expected a column of the file's header line, or none for the default"


@pytest.fixture
def data(tmp_path: Path) -> Path:
    path = tmp_path / "t.csv"
    path.write_text("text,label\ngood,pos\nbad,neg\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(("flag", "own"), [("--text-column", "text"), ("--label-column", "label")])
@pytest.mark.parametrize("given", ["", " "])
def test_an_empty_column_flag_is_refused_naming_it(data: Path, flag: str, own: str, given: str,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    out = data.parent / "out"
    assert main(["train", "classify", "--data", str(data), "--out", str(out), "--steps", "1", flag, given]) == 2
    assert capsys.readouterr().err == f"rnnkit: error: {flag} {given!r}: {EXPECTED} ({own!r})\n"
    assert not out.exists()


def test_a_config_files_empty_column_is_named_by_file_and_key(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = data.parent / "c.toml"
    config.write_text('text_column = ""\n', encoding="utf-8")
    assert main(["train", "classify", "--data", str(data), "--out", str(data.parent / "out"), "--config",
                 str(config)]) == 2
    assert capsys.readouterr().err == f"rnnkit: error: {config}: text_column = '': {EXPECTED} ('text')\n"


def test_fit_refuses_an_empty_column_naming_the_keyword(data: Path) -> None:
    with pytest.raises(SettingError, match=rf"^text_column '': {EXPECTED} \('text'\)$"):
        rnnkit.fit("classify", data=str(data), out=str(data.parent / "out"), text_column="", steps=1)


def test_a_blank_value_is_shown_quoted_as_a_flag() -> None:
    assert flag_as_given("pretrain_data", "") == "--pretrain-data ''"
    assert flag_as_given("text_column", "body") == "--text-column body"
