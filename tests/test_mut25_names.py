"""Mutation audit round 25 of the quoting of empty names (rnnkit.errors.flag_as_given, refuse_empty_name): a blank
value is shown as Python writes it, so a tab or a line end can be seen ('\\t'), not only quoted ('	')."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnkit.cli import main
from rnnkit.errors import SettingError, UserError, flag_as_given, refuse_empty_name
from rnnkit.tasks._classify_config import ClassifyConfig


def test_a_blank_flag_value_of_a_tab_is_shown_escaped() -> None:
    assert flag_as_given("text_column", "\t") == "--text-column '\\t'"
    assert flag_as_given("text_column", "\n ") == "--text-column '\\n '"


def test_an_empty_name_of_a_tab_is_shown_escaped() -> None:
    with pytest.raises(UserError, match=r"^--out '\\t': an empty name; expected a folder$"):
        refuse_empty_name("\t", "a folder", "--out")


def test_train_classify_names_a_tab_column_escaped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "t.csv"
    data.write_text("text,label\ngood,pos\nbad,neg\n", encoding="utf-8")
    assert main(["train", "classify", "--data", str(data), "--out", str(tmp_path / "o"), "--label-column", "\t"]) == 2
    assert capsys.readouterr().err.startswith("rnnkit: error: --label-column '\\t': an empty name; expected a column")


def test_an_empty_pretrain_data_is_named_before_the_budget_it_leaves_unused() -> None:
    """`--pretrain-data "$EMPTY" --pretrain-steps 5`: the empty name is the mistake, not a budget without
    --pretrain-data (which the user gave)."""
    with pytest.raises(SettingError) as caught:
        ClassifyConfig(pretrain_data="", pretrain_steps=5).validate()
    assert caught.value.as_flag().startswith("--pretrain-data '': an empty name")
