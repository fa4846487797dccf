"""``AttentionDecoder.greedy(choose=...)`` (the Python API's hook that picks each step's token) decoded forever
when the hook picked a blocked token (log-probability ``-inf``) at a source's maximum length, where EOS is the one
token left: the row never ended. A pick of ``-inf`` is now refused, naming the hook, so every path ends by
``max_len``."""

from __future__ import annotations

import pytest
import torch

from rnnkit.models.seq2seq import Seq2Seq

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _model() -> Seq2Seq:
    torch.manual_seed(0)
    return Seq2Seq(7, 6, embedding=4, hidden=4, layers=1).eval()


def _greedy(model: Seq2Seq, choose, max_len: int = 3):
    src, src_len = torch.tensor([[3, 4, 5]]), torch.tensor([3])
    return model.greedy(src, src_len, torch.tensor([max_len]), choose=choose)


def _bounded(token: int):
    """A hook that always picks ``token``, failing the test (not hanging it) once greedy has gone on past any max_len
    of these tests."""
    calls = []

    def pick(logp: torch.Tensor) -> torch.Tensor:
        calls.append(1)
        assert len(calls) < 50, "greedy went on past max_len"  # before: it never stopped
        return torch.full((logp.shape[0],), token, dtype=torch.long)

    return pick, calls


def test_a_hook_that_never_picks_the_end_is_refused_at_the_maximum_length() -> None:
    pick, calls = _bounded(5)
    with pytest.raises(ValueError, match=r"^greedy's choose= picked token 5 for source 0 at step 3, whose "
                                         r"log-probability is -inf: .*max_len"):
        _greedy(_model(), pick)
    assert len(calls) == 4


def test_a_hook_of_finite_picks_ends_by_max_len() -> None:
    model = _model()
    (hyp,) = _greedy(model, lambda logp: logp.argmax(-1), max_len=2)
    (plain,) = _greedy(model, None, max_len=2)
    assert hyp.tokens == plain.tokens and len(hyp.tokens) <= 2
    with pytest.raises(ValueError, match=f"picked token {model.bos_id} for source 0 at step 0"):
        _greedy(model, _bounded(model.bos_id)[0])
