"""Mutation round 35 of walk41's wording: the charlm size line (passes from a tenth up to one decimal, 0.1 M at
exactly 100,000 characters, a short budget that sizes the model in thousands, one layer whatever the budget with
--hidden given), the --init-from share at the edge of what two decimals show, and the cell hints (the Elman hint
for the keyword the message names, no 'did you mean' for a name no cell has in any case)."""

from __future__ import annotations

import pytest
import torch

import rnnkit
from rnnkit.cells import UnknownCellOption
from rnnkit.data.tokenize import CharVocab
from rnnkit.tasks._charlm_config import CharLMConfig
from rnnkit.tasks._charlm_init import in_vocabulary
from rnnkit.tasks._charlm_size import _choose_size, _millions


def _said(config: CharLMConfig, capsys: pytest.CaptureFixture[str]) -> str:
    _choose_size(config, 435_485, 37, 8, verbose=True)
    return capsys.readouterr().err


def test_a_tenth_of_a_pass_and_more_reads_to_one_decimal(capsys: pytest.CaptureFixture[str]) -> None:
    err = _said(CharLMConfig(steps=200, hidden=32, seq_len=32, batch_size=8), capsys)  # 51,200: 0.118 passes
    assert "dropout 0 for 51.2 k characters, about 0.1 passes over the training text" in err


def test_a_tenth_of_a_million_reads_in_millions() -> None:
    assert (_millions(100_000), _millions(99_000)) == ("0.1 M", "99.0 k")


def test_a_short_budget_that_sizes_the_model_reads_in_thousands(capsys: pytest.CaptureFixture[str]) -> None:
    err = _said(CharLMConfig(steps=30, seq_len=32, batch_size=8), capsys)
    assert " for 7.7 k planned characters" in err and "0.0 M" not in err


def test_hidden_given_keeps_one_layer_whatever_the_budget(capsys: pytest.CaptureFixture[str]) -> None:
    config = CharLMConfig(steps=200_000, hidden=32, seq_len=64, batch_size=32)
    assert "charlm: 1 layer (--hidden given)" in _said(config, capsys) and config.layers == 1


def test_a_share_two_decimals_show_as_0_01_is_said_so() -> None:
    text = "ab" * 9_999 + "aZ"  # 1 of 20,000: 0.005%, which two decimals round to 0.01%
    own, saved = CharVocab.from_text(text), CharVocab.from_text("ab")
    with pytest.warns(Warning) as caught:
        ids = in_vocabulary(own.encode_tensor(text, warn=False), own, saved, "new.txt")
    assert isinstance(ids, torch.Tensor) and "(0.01% of the text)" in str(caught[0].message)


def test_the_elman_hint_goes_with_the_keyword_the_message_names() -> None:
    with pytest.raises(UnknownCellOption, match=r"argument 'nonlinearity' .*its cell's name, 'rnn_tanh' or"):
        rnnkit.Recurrent("rnn_tanh", 3, 4, nonlinearity="relu", hiden=8)


def test_a_capitalised_name_no_cell_has_gets_no_did_you_mean() -> None:
    with pytest.raises(ValueError, match=r"unknown cell 'Transformer'; expected one of: [a-z_, ]+$"):
        rnnkit.Recurrent("Transformer", 8, 32)


def test_another_keyword_on_an_elman_cell_gets_no_nonlinearity_hint() -> None:
    with pytest.raises(UnknownCellOption, match=r"argument 'hiden' \(its options: [a-z_, ]+\)$"):
        rnnkit.Recurrent("rnn_relu", 3, 4, hiden=8)
