"""Mutation gaps of rnnkit.tasks._speech_ensemble: the mean of the models' frame probabilities and the refusal of
models that give other frames, checked on stand-in recognisers that return fixed log-probabilities (no training);
what keeps a recogniser from an ensemble, on stand-ins with only the fields it reads."""

from __future__ import annotations

import math
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
from torch import Tensor, nn

from rnnkit.errors import UserError
from rnnkit.tasks._speech_ensemble import MeanRecognizer, TranscriberEnsemble, _differs


class _Fixed(nn.Module):
    """A recogniser that gives the same log-probabilities and output lengths whatever it reads."""

    def __init__(self, log_probs: Tensor, lengths: list[int]) -> None:
        super().__init__()
        self.log_probs, self.lengths = log_probs, torch.tensor(lengths)

    def forward(self, feats: Tensor, lengths: Tensor) -> tuple[Tensor, Tensor]:
        return self.log_probs, self.lengths


def _probs(*rows: list[float]) -> Tensor:
    return torch.tensor([rows]).log()  # (1, T, V)


def _run(mean: MeanRecognizer) -> tuple[Tensor, Tensor]:
    return mean(torch.zeros(1, 4, 3), torch.tensor([4]))


def test_the_mean_is_of_the_probabilities_not_of_their_logs() -> None:
    one, two = _probs([0.9, 0.1], [0.5, 0.5]), _probs([0.1, 0.9], [0.2, 0.8])
    got, lengths = _run(MeanRecognizer([_Fixed(one, [2]), _Fixed(two, [2])], ["a", "b"]))
    torch.testing.assert_close(got.exp(), torch.tensor([[[0.5, 0.5], [0.35, 0.65]]]))
    assert got.exp().sum(-1).allclose(torch.ones(1, 2)) and lengths.tolist() == [2]
    assert got[0, 0, 0].item() == pytest.approx(math.log(0.5))


def test_other_output_lengths_are_refused_naming_that_model() -> None:
    same = _probs([0.5, 0.5], [0.5, 0.5])
    mean = MeanRecognizer([_Fixed(same, [2]), _Fixed(same, [1]), _Fixed(same, [2])], ["a", "b", "c"])
    with pytest.raises(UserError, match=r"^b: it gives \[1\] frames where a gives \[2\] for the same recordings"):
        _run(mean)


def test_other_shapes_are_refused_though_the_lengths_agree() -> None:
    mean = MeanRecognizer([_Fixed(_probs([0.5, 0.5]), [1]), _Fixed(_probs([0.5, 0.5], [0.5, 0.5]), [1])],
                          ["a", "b"])
    with pytest.raises(UserError, match=r"^b: it gives \(1, 2, 2\) as \(recordings, frames, symbols\) where a "
                                        r"gives \(1, 1, 2\)"):
        _run(mean)


def test_the_ensembles_model_names_each_model_in_order() -> None:
    same = _probs([0.5, 0.5])
    members = [SimpleNamespace(checkpoint=SimpleNamespace(path=Path(name)), model=_Fixed(same, [n]))
               for name, n in (("a", 1), ("b", 2))]
    ens = TranscriberEnsemble(members)  # type: ignore[arg-type]
    assert ens.model.names == ["a", "b"]
    with pytest.raises(UserError, match=r"^b: it gives \[2\] frames where a gives \[1\]"):
        _run(ens.model)


def _recogniser(path: str, symbols: list[str], jamo: bool = False) -> SimpleNamespace:
    return SimpleNamespace(checkpoint=SimpleNamespace(path=Path(path)), n_mels=20, sample_rate=16000,
                           model=SimpleNamespace(subsample=2),
                           symbols=SimpleNamespace(kind="chars", jamo=jamo, symbols=symbols))


def test_jamo_against_whole_syllables_is_refused() -> None:
    one, other = _recogniser("a", ["x", "y"]), _recogniser("b", ["x", "y"], jamo=True)
    assert _differs(one, other) == ("it writes characters (jamo) where a writes characters; the models of an "  # type: ignore[arg-type]
                                    "ensemble need to write the same symbols")
    assert _differs(one, _recogniser("c", ["x", "y"])) is None  # type: ignore[arg-type]


def test_the_same_symbols_in_another_order_are_refused_as_such() -> None:
    said = _differs(_recogniser("a", ["x", "y"]), _recogniser("b", ["y", "x"]))  # type: ignore[arg-type]
    assert said is not None and said.startswith("its symbols (y, x) are a's (x, y) in another order")
