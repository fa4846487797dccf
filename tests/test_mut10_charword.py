"""Gaps a mutation audit of :mod:`rnnkit.models.charword` found (round 10): each test fails on one changed line."""

from __future__ import annotations

import pytest
import torch

from rnnkit.models.charword import CharWordEncoder, small_init_


def test_small_init_draws_both_signs_evenly() -> None:
    torch.manual_seed(0)
    w = small_init_(torch.nn.Embedding(400, 12, padding_idx=0)).weight.detach()[1:]
    assert float(w.min()) < -0.45 and float(w.max()) > 0.45  # U(±0.5)
    assert abs(float(w.mean())) < 0.02


def test_the_character_embedding_starts_small() -> None:
    torch.manual_seed(0)
    enc = CharWordEncoder(300, 12, 3)
    w = enc.embedding.weight.detach()
    assert float(w.abs().max()) <= 0.5 and w[0].eq(0).all()  # U(±sqrt(3/12)), not torch's N(0, 1)


def test_a_wider_cnn_pads_each_edge_by_half_its_width() -> None:
    torch.manual_seed(0)
    enc = CharWordEncoder(12, 4, 3, encoder="cnn", width=5)
    chars = torch.tensor([[5, 6, 7, 8, 9, 10], [3, 4, 0, 0, 0, 0], [11, 0, 0, 0, 0, 0]])
    lengths = torch.tensor([6, 2, 1])
    out = enc(chars, lengths)
    conv = torch.nn.Conv1d(4, 6, 5, padding=2)  # the judge: torch's own convolution over each word alone
    conv.load_state_dict(enc.conv.state_dict())
    for i, n in enumerate(lengths.tolist()):
        x = enc.embedding.weight[chars[i, :n]].T[None]  # (1, D, n)
        torch.testing.assert_close(out[i], conv(x)[0].max(dim=1).values, atol=1e-6, rtol=0)


@pytest.mark.parametrize("width", [0, 2, 4])
def test_a_cnn_width_that_is_not_odd_is_refused_when_the_encoder_is_built(width: int) -> None:
    """An even width made one more column than the word has characters: forward failed on a tensor-size mismatch
    (RuntimeError) whatever the words."""
    with pytest.raises(ValueError, match=f"width {width}: expected an odd number"):
        CharWordEncoder(12, 4, 3, encoder="cnn", width=width)
    assert CharWordEncoder(12, 4, 3, encoder="lstm", width=width).output_size == 6  # the LSTM has no width
