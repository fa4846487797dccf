"""A translation that ends at the output limit with the model's own end there (its most likely token at the limit
is EOS) is whole: the output-limit warning counted it as cut ("1 of 1 translation reached the output limit ... cut
there, with no end written by the model") because its length equalled the limit. Only a hypothesis whose end the
limit forced, the model wanting another token, is cut now, in greedy decoding, beam search and sampling alike."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
import torch

from rnnkit.models.seq2seq import Seq2Seq
from rnnkit.sampling import Sampling

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _model(wants_end: bool) -> Seq2Seq:
    """A tiny translator whose every step's most likely token is EOS (``wants_end``) or target token 4."""
    torch.manual_seed(0)
    model = Seq2Seq(6, 6, embedding=4, hidden=4).eval()
    with torch.no_grad():
        model.output.weight.zero_()
        model.output.bias.zero_()
        model.output.bias[4] = 1.0
        model.output.bias[model.eos_id] = 5.0 if wants_end else -5.0
    return model


def _decoded(model: Seq2Seq, how: str) -> list[tuple[int, bool]]:
    """(length, cut) of each hypothesis of one source, its limit and its least length both 3 tokens."""
    src, src_len, limit = torch.tensor([[2, 3]]), torch.tensor([2]), torch.tensor([3])
    if how == "greedy":
        hyps = model.greedy(src, src_len, limit, min_len=3)
    elif how == "beam":
        hyps = model.beam_search(src, src_len, limit, beam=2, n_best=2, min_len=3)[0]
    else:
        hyps = model.samples(src, src_len, limit, 2, Sampling(seed=1).chooser(()), min_len=3)[0]
    return [(len(h.tokens), h.cut) for h in hyps]


@pytest.mark.parametrize("how", ["greedy", "beam", "sample"])
def test_an_end_the_model_writes_at_the_limit_is_no_cut(how: str) -> None:
    assert {cut for _, cut in _decoded(_model(wants_end=True), how)} == {False}


@pytest.mark.parametrize("how", ["greedy", "beam", "sample"])
def test_an_end_the_limit_forces_is_a_cut(how: str) -> None:
    decoded = _decoded(_model(wants_end=False), how)
    assert decoded[0] == (3, True)


def test_translate_warns_only_of_the_forced_end(tmp_path: Path) -> None:
    import rnnkit
    from tests.test_seq2seq import dates_run

    run = dates_run(tmp_path, 20, 3, "--steps", "1", "--eval-sentences", "1")[1]
    translator = rnnkit.load(run)
    output = translator.model.output
    with torch.no_grad():
        output.weight.zero_()
        output.bias.fill_(-5.0)
        output.bias[5] = 1.0
        output.bias[translator.model.eos_id] = 5.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # before: "1 of 1 translation reached the output limit"
        translator.translate("3 May 1999", max_len_a=0, max_len_b=2, min_len=2)
    output.bias.data[translator.model.eos_id] = -9.0
    with pytest.warns(UserWarning, match=r"^1 of 1 translation reached the output limit"):
        translator.translate("3 May 1999", max_len_a=0, max_len_b=2, min_len=2)
