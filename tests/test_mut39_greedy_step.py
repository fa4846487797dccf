"""Gaps a mutation audit (round 39) found in two refusals of the Python API: ``AttentionDecoder.greedy``'s refusal of
a ``choose=`` hook's blocked pick names the token, the source and the step of the row that picked it, in a batch of
several sources and after one has ended; and ``Recurrent.step``'s input of another number of dimensions (one, or three
of another width too) stays the ValueError torch's cells raise, its width a RuntimeError only for a (batch, width)
input."""

from __future__ import annotations

import pytest
import torch

from rnnkit import Recurrent
from rnnkit.models.seq2seq import Seq2Seq

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _model() -> Seq2Seq:
    torch.manual_seed(0)
    return Seq2Seq(7, 6, embedding=4, hidden=4, layers=1).eval()


def _picks(model: Seq2Seq, script: list[list[str]]):
    """A hook that picks, at each step, each row's token as the step's line of ``script`` says: ``best`` (the best of
    the finite tokens but EOS), ``eos`` or ``bos`` (blocked)."""
    steps = iter(script)

    def pick(logp: torch.Tensor) -> torch.Tensor:
        open_ = logp.clone()
        open_[:, model.eos_id] = float("-inf")
        said = {"best": open_.argmax(-1), "eos": torch.full_like(open_.argmax(-1), model.eos_id),
                "bos": torch.full_like(open_.argmax(-1), model.bos_id)}
        return torch.stack([said[kind][row] for row, kind in enumerate(next(steps))])

    return pick


def _greedy(model: Seq2Seq, script: list[list[str]]) -> None:
    src, src_len = torch.tensor([[3, 4, 5], [4, 5, 3]]), torch.tensor([3, 3])
    model.greedy(src, src_len, torch.tensor([5, 5]), choose=_picks(model, script))


def test_the_refusal_names_the_row_that_picked_the_blocked_token() -> None:
    model = _model()
    with pytest.raises(ValueError, match=f"^greedy's choose= picked token {model.bos_id} for source 1 at step 0, "):
        _greedy(model, [["best", "bos"]])


def test_the_refusal_names_the_source_after_another_has_ended() -> None:
    """Source 0 ends at step 0; at step 1 the batch's one row is source 1's."""
    model = _model()
    with pytest.raises(ValueError, match=f"^greedy's choose= picked token {model.bos_id} for source 1 at step 1, "):
        _greedy(model, [["eos", "best"], ["bos"]])


@pytest.mark.parametrize("shape", [(3,), (2, 5, 7)])
def test_another_number_of_dimensions_is_a_value_error(shape: tuple[int, ...]) -> None:
    """As torch.nn.LSTMCell's (a 3-D input's width is not looked at); one dimension, which LSTMCell takes as one
    unbatched row, step() refuses as a ValueError too."""
    with pytest.raises(ValueError, match=r"step\(\) takes input of shape \(batch, 3\)"):
        Recurrent("lstm", 3, 4).step(torch.zeros(shape))
    if len(shape) == 3:
        with pytest.raises(ValueError):
            torch.nn.LSTMCell(3, 4)(torch.zeros(shape))
