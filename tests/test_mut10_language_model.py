"""Gaps a mutation audit of :mod:`rnnkit.models.language_model` found (round 10): each test fails on one changed
line. The references are torch's own LSTM with the same weights, and log-probabilities and greedy choices worked
from the model's own logits by rerunning the whole prefix."""

from __future__ import annotations

import warnings

import pytest
import torch
from torch import nn

from rnnkit.models.language_model import LanguageModel, generate, sequence_log_probs, window_log_probs
from rnnkit.models.match import MAX_CONTEXT


def _lm(**kw: object) -> LanguageModel:
    torch.manual_seed(0)
    options = {"hidden_size": 8, "num_layers": 2, "embed_dim": 4, **kw}
    return LanguageModel(7, **options).eval()  # type: ignore[arg-type]


def test_the_forward_pass_is_torchs_lstm_with_the_same_weights() -> None:
    lm = _lm()
    ref = nn.LSTM(4, 8, num_layers=2)
    ref.load_state_dict({k[len("rnn."):]: v for k, v in lm.state_dict().items() if k.startswith("rnn.")})
    ids = torch.randint(7, (5, 2))
    with torch.no_grad():
        got, (h, c) = lm(ids)
        out, (h_ref, c_ref) = ref(lm.embedding(ids))
        torch.testing.assert_close(got, lm.head(out))
    torch.testing.assert_close(h, h_ref)
    torch.testing.assert_close(c, c_ref)


def test_a_one_layer_model_asks_for_no_dropout_between_layers() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # torch warns of dropout with one layer
        _lm(num_layers=1, dropout=0.5)


def test_training_drops_out_the_embeddings_and_the_outputs_in_forward_and_in_step() -> None:
    """Worked with the model's own dropout module, drawn in the same order: embeddings, then outputs."""
    lm = _lm(num_layers=1, dropout=0.5).train()
    ids = torch.tensor([3, 1])
    with torch.no_grad():
        torch.manual_seed(5)
        got, _ = lm(ids[None])
        torch.manual_seed(5)
        stepped, _ = lm.step(ids, None, 0)
        torch.manual_seed(5)
        x = lm.drop(lm.embedding(ids[None]))
        out, _ = lm.rnn(x)
        want = lm.head(lm.drop(out))
    torch.testing.assert_close(got, want)
    torch.testing.assert_close(stepped, want[0])


def test_counts_must_be_distinct_lengths_from_1_to_the_longest_context() -> None:
    assert _lm(memory=[2], counts=[MAX_CONTEXT, 1]).counts == [1, MAX_CONTEXT]
    for bad in ([0], [MAX_CONTEXT + 1], [2, 2]):
        with pytest.raises(ValueError, match="counts must be distinct"):
            _lm(memory=[2], counts=bad)
    with pytest.raises(ValueError, match="beside a memory"):
        _lm(counts=[2])


@pytest.mark.parametrize("kw", [{}, {"memory": [2, 3]}, {"layer_norm": True}, {"cell": "gru", "num_layers": 1}])
def test_count_parameters_counts_what_the_model_holds(kw: dict[str, object]) -> None:
    lm = _lm(**kw)
    options = {"hidden_size": 8, "num_layers": 2, "embed_dim": 4, **kw}
    assert LanguageModel.count_parameters(7, **options) == sum(p.numel() for p in lm.parameters())  # type: ignore[arg-type]


def test_config_rebuilds_the_same_model() -> None:
    lm = _lm(memory=[2, 3], counts=[1, 2], dropout=0.25, cell="gru")
    again = LanguageModel(**lm.config())
    assert again.config() == lm.config() and again.dropout_p == 0.25 and again.memory == [2, 3]
    assert again.counts == [1, 2]


def _by_hand(model: LanguageModel, seq: torch.Tensor) -> torch.Tensor:
    """log p(seq[t + 1] | seq[: t + 1]) for each t, from one forward pass over the whole text."""
    with torch.no_grad():
        logits, _ = model(seq[:-1, None])
    return torch.log_softmax(logits[:, 0], -1).gather(1, seq[1:, None])[:, 0]


@pytest.mark.parametrize("cell", ["lstm", "clockwork"])
def test_sequence_log_probs_in_small_windows_is_one_pass_over_the_text(cell: str) -> None:
    kw = {"cell": cell, "periods": [1, 2, 4]} if cell == "clockwork" else {}
    lm = _lm(**kw)
    context, ids = torch.tensor([1, 2, 3]), torch.tensor([4, 5, 6, 0, 1, 2, 3, 4])
    want = _by_hand(lm, torch.cat([context, ids]))[len(context) - 1:]
    for window in (1, 3, 4, 100):
        torch.testing.assert_close(sequence_log_probs(lm, context, ids, window=window), want)


def _greedy_by_rerunning(model: LanguageModel, prime: list[int], length: int, banned: int | None = None) -> list[int]:
    seq = list(prime)
    for _ in range(length):
        with torch.no_grad():
            logits, _ = model(torch.tensor(seq)[:, None])
        last = logits[-1, 0].clone()
        if banned is not None:
            last[banned] = float("-inf")
        seq.append(int(last.argmax()))
    return seq[len(prime):]


@pytest.mark.parametrize("cell", ["lstm", "clockwork"])
def test_greedy_generation_is_the_argmax_of_rerunning_the_prefix(cell: str) -> None:
    kw = {"cell": cell, "periods": [1, 2, 4]} if cell == "clockwork" else {}
    lm = _lm(**kw)
    with torch.no_grad():
        lm.head.weight.mul_(20)  # sharp choices: no ties between rounding errors
    prime = [1, 4, 2]
    lm.train()  # generate puts it in eval mode
    got = list(generate(lm, torch.tensor(prime), 8, temperature=0.0))
    assert not lm.training
    assert got == _greedy_by_rerunning(lm, prime, 8)
    favourite = max(set(got), key=got.count)
    banned = list(generate(lm, torch.tensor(prime), 8, temperature=0.0, banned=[favourite]))
    assert favourite not in banned and banned == _greedy_by_rerunning(lm, prime, 8, favourite)


def test_a_bf16_autocast_region_runs_the_reference_loop_in_fp32() -> None:
    lm = _lm(impl="reference")
    ids = torch.randint(7, (4, 2))
    with torch.no_grad():
        _, state = lm(ids)
        _, want = lm(ids, state)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            _, got = lm(ids, tuple(s.bfloat16() for s in state))
    for g, w in zip(got, want, strict=True):
        assert g.dtype == torch.float32
        torch.testing.assert_close(g, w, atol=2e-2, rtol=0)


def test_the_last_window_reads_up_to_the_token_before_the_last() -> None:
    """The state after the text is the state after all but its last token (whose successor nothing scores)."""
    lm = _lm()
    seq = torch.tensor([1, 2, 3, 4, 5])
    logp, state = window_log_probs(lm, seq, 0, 100, None)
    with torch.no_grad():
        _, want = lm(seq[:-1, None])
    assert logp.shape == (4,)
    for s, w in zip(state, want, strict=True):
        torch.testing.assert_close(s, w)


def test_sequence_log_probs_refuses_an_empty_context() -> None:
    """Nothing predicts the first token without a context: one log-probability came back for three tokens."""
    with pytest.raises(ValueError, match="at least one token"):
        sequence_log_probs(_lm(), torch.tensor([], dtype=torch.long), torch.tensor([1, 2, 3]))


def test_sequence_log_probs_of_no_tokens_is_empty() -> None:
    """Scoring nothing gives no log-probabilities (their sum, 0, is the log-probability of the empty text); torch's
    "expected a non-empty list of Tensors" came back instead."""
    got = sequence_log_probs(_lm(), torch.tensor([3]), torch.tensor([], dtype=torch.long))
    assert got.shape == (0,)
    assert got.sum().item() == 0.0
