"""Gaps a mutation audit of :mod:`rnnkit.models.seq2seq` found (round 8): the tied decoder's loading checks, and
the decoding and attention details the other tests left open, against hand-worked values and torch.nn."""

from __future__ import annotations

import pytest
import torch

from rnnkit.models.seq2seq import Seq2Seq

SIZES = {"embedding": 6, "hidden": 6}


def _tied(attention: str = "general") -> Seq2Seq:
    torch.manual_seed(0)
    return Seq2Seq(15, 9, attention=attention, share_decoder_embeddings=True, **SIZES)  # type: ignore[arg-type]


def test_a_partial_state_dict_loads_into_a_tied_model_with_strict_false() -> None:
    """strict=False with neither matrix (a state_dict of the encoder alone) loads the rest and names the missing."""
    model, other = _tied(), _tied()
    with torch.no_grad():
        other.src_embedding.weight.add_(1.0)
    encoder = {k: v for k, v in other.state_dict().items() if k.startswith(("src_embedding.", "encoder."))}
    result = model.load_state_dict(encoder, strict=False)
    assert "tgt_embedding.weight" in result.missing_keys
    assert not result.unexpected_keys and torch.equal(model.src_embedding.weight, other.src_embedding.weight)
    assert model.output.weight is model.tgt_embedding.weight


def test_an_output_weight_of_another_shape_is_torchs_size_mismatch_alone() -> None:
    model = _tied()
    state = model.state_dict()
    with pytest.raises(RuntimeError) as info:
        model.load_state_dict({**state, "output.weight": torch.zeros(11, 7)})
    assert "size mismatch for output.weight" in str(info.value) and "is not tgt_embedding.weight" not in str(info.value)


def test_the_same_matrix_in_another_dtype_is_the_same_matrix() -> None:
    model = _tied()
    state = model.state_dict()
    double = {k: v.double() for k, v in state.items()}
    model.load_state_dict({**double, "output.weight": double["tgt_embedding.weight"].clone()})
    assert model.output.weight is model.tgt_embedding.weight and model.output.weight.dtype == torch.float32
    assert torch.equal(model.tgt_embedding.weight, state["tgt_embedding.weight"])


def test_a_tied_model_inside_another_module_saves_and_loads_the_matrix_once() -> None:
    """The hooks take the prefix the model has inside a wrapper (``inner.output.weight``)."""
    from torch import nn

    class Wrapper(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inner = _tied()

    saved = Wrapper()
    state = saved.state_dict()
    assert "inner.tgt_embedding.weight" in state and "inner.output.weight" not in state
    loaded = Wrapper()
    with torch.no_grad():
        loaded.inner.tgt_embedding.weight.zero_()
    loaded.load_state_dict(state)
    assert loaded.inner.output.weight is loaded.inner.tgt_embedding.weight
    assert torch.equal(loaded.inner.output.weight, saved.inner.tgt_embedding.weight)
    with pytest.raises(RuntimeError, match=r"inner.output.weight is not inner.tgt_embedding.weight"):
        loaded.load_state_dict({**state, "inner.output.weight": torch.zeros(11, 6)})


@pytest.mark.parametrize("kind", ["dot", "general", "bahdanau"])
def test_attention_is_torchs_scaled_dot_product_attention_at_scale_one_over_its_scores(kind: str) -> None:
    """dot: q·m (no 1/sqrt(d) scaling, Luong's); general: q·Wm; bahdanau: v·tanh(Wm + Uq + b); padding masked."""
    from rnnkit.models.seq2seq import Attention

    torch.manual_seed(3)
    att = Attention(kind, 4, 4)
    query, memory = torch.randn(2, 4), torch.randn(2, 3, 4)
    mask = torch.tensor([[True, True, True], [True, True, False]])
    keys = att.keys(memory)
    context, weights = att(query, keys, memory, mask)
    if kind == "bahdanau":
        scores = (torch.tanh(memory @ att.key_proj.weight.T + (query @ att.query_proj.weight.T
                                                                + att.query_proj.bias).unsqueeze(1)) @ att.v.weight.T)
        want = torch.einsum("bs,bsm->bm", torch.softmax(scores.squeeze(-1).masked_fill(~mask, float("-inf")), -1),
                            memory)
    else:
        projected = memory @ att.key_proj.weight.T if kind == "general" else memory
        want = torch.nn.functional.scaled_dot_product_attention(query.unsqueeze(1), projected, memory,
                                                                attn_mask=mask.unsqueeze(1), scale=1.0).squeeze(1)
    torch.testing.assert_close(context, want)
    assert weights[1, 2] == 0.0
    torch.testing.assert_close(weights.sum(-1), torch.ones(2))


def test_padding_rows_of_both_embeddings_are_zero_and_get_no_gradient() -> None:
    torch.manual_seed(0)
    model = Seq2Seq(7, 5, attention="dot", **SIZES)  # type: ignore[arg-type]
    src = torch.tensor([[3, 4, 0], [2, 0, 0]])
    tgt_in = torch.tensor([[5, 1, 0], [5, 2, 0]])
    model(src, torch.tensor([2, 1]), tgt_in).sum().backward()
    for emb in (model.src_embedding, model.tgt_embedding):
        assert not emb.weight[0].any() and not emb.weight.grad[0].any() and emb.weight.grad[1:].any()


def test_config_is_a_copy() -> None:
    model = Seq2Seq(7, 5, **SIZES)  # type: ignore[arg-type]
    model.config()["hidden"] = 1
    assert model.config()["hidden"] == 6 and Seq2Seq(**model.config()).config() == model.config()


class Recording(torch.nn.Module):
    """A stand-in for the model's dropout: records the shape of each tensor it is given and passes it on."""

    def __init__(self) -> None:
        super().__init__()
        self.shapes: list[tuple[int, ...]] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.shapes.append(tuple(x.shape))
        return x


@pytest.mark.parametrize("attention", ["none", "dot"])
def test_dropout_is_applied_to_the_source_and_target_embeddings_and_the_decoders_output(attention: str) -> None:
    model = Seq2Seq(7, 5, attention=attention, embedding=4, hidden=6)
    model.dropout = Recording()
    src, tgt_in = torch.tensor([[3, 4, 1], [2, 1, 0]]), torch.tensor([[5, 1], [5, 2]])
    model(src, torch.tensor([3, 2]), tgt_in)
    if attention == "none":  # the decoder runs as one sequence
        assert model.dropout.shapes == [(2, 3, 4), (2, 2, 4), (2, 2, 6)]
    else:
        assert model.dropout.shapes == [(2, 3, 4), (2, 4), (2, 6), (2, 4), (2, 6)]


def test_a_dropout_model_draws_new_masks_in_training_and_none_in_evaluation() -> None:
    torch.manual_seed(0)
    model = Seq2Seq(7, 5, attention="dot", dropout=0.5, **SIZES)  # type: ignore[arg-type]
    src, src_len, tgt_in = torch.tensor([[3, 4, 1]]), torch.tensor([3]), torch.tensor([[5, 1, 2]])
    assert not torch.equal(model(src, src_len, tgt_in), model(src, src_len, tgt_in))
    model.eval()
    assert torch.equal(model(src, src_len, tgt_in), model(src, src_len, tgt_in))


def test_the_attentional_vector_is_tanh_of_the_combined_context_and_state_and_is_fed_to_the_next_step() -> None:
    """Luong et al. 2015: h~ = tanh(W[c; h]) gives the logits and is concatenated to the next step's input."""
    torch.manual_seed(0)
    model = Seq2Seq(7, 5, cell="gru", attention="general", **SIZES).eval()  # type: ignore[arg-type]
    src, src_len = torch.tensor([[3, 4, 1], [2, 1, 0]]), torch.tensor([3, 2])
    memory, state = model.encode(src, src_len)
    prev = torch.full((2,), model.bos_id)
    logits, (h, feed), weights = model.decoder_step(prev, state, memory, 0)
    context = torch.einsum("bs,bsm->bm", weights, memory.outputs)
    want = torch.tanh(model.combine(torch.cat([context, h[-1]], dim=-1)))
    torch.testing.assert_close(feed, want)
    torch.testing.assert_close(logits, model.output(want))
    second, _, _ = model.decoder_step(prev, (h, feed), memory, 1)
    unfed, _, _ = model.decoder_step(prev, (h, torch.zeros_like(feed)), memory, 1)
    assert not torch.allclose(second, unfed)


def test_the_bridge_maps_each_side_of_the_encoders_state_through_its_own_layer() -> None:
    """An LSTM encoder's (h, c), 2 layers bidirectional: h0 = tanh(W_h [h of every layer and direction]) and
    c0 = tanh(W_c [c ...]), each source's state flattened layer by layer."""
    torch.manual_seed(0)
    model = Seq2Seq(7, 5, cell="lstm", layers=2, bidirectional=True, embedding=4, hidden=3)
    h, c = torch.randn(4, 2, 3), torch.randn(4, 2, 3)  # (layers * directions, batch, hidden)
    h0, c0 = model._bridge((h, c))
    for got, side, linear in ((h0, h, model.bridge_h), (c0, c, model.bridge_c)):
        for b in range(2):
            flat = torch.cat([side[k, b] for k in range(4)])
            torch.testing.assert_close(got[:, b], torch.tanh(linear(flat)).view(2, 3))


@pytest.mark.parametrize("beam", [1, 3])
def test_each_attention_row_covers_its_own_sources_real_tokens_and_sums_to_one(beam: int) -> None:
    torch.manual_seed(0)
    model = Seq2Seq(9, 7, embedding=8, hidden=12, attention="general").eval()
    src = torch.tensor([[2, 8, 3, 0, 0], [3, 4, 5, 6, 7], [4, 0, 0, 0, 0]])
    src_len, max_len = torch.tensor([3, 5, 1]), torch.tensor([2, 6, 4])
    if beam == 1:
        nbests = [[h] for h in model.greedy(src, src_len, max_len, return_attention=True, source_positions=True)]
    else:
        nbests = model.beam_search(src, src_len, max_len, beam, beam, return_attention=True, source_positions=True)
    for b, hyps in enumerate(nbests):
        for h in hyps:
            assert h.attention is not None and h.sources is not None
            assert len(h.attention) == len(h.tokens) + 1  # the last row wrote EOS
            assert all(len(row) == int(src_len[b]) and sum(row) == pytest.approx(1.0) for row in h.attention)
            assert len(h.sources) == len(h.tokens) and all(0 <= s < int(src_len[b]) for s in h.sources)


def test_a_beams_attention_and_sources_are_the_teacher_forced_ones_of_its_tokens() -> None:
    """Each hypothesis's attention rows (and their argmax, its sources) are what forward() gives with its tokens fed:
    the row of each token is that of the beam row it extended, whichever row the new one lands in."""
    torch.manual_seed(3)  # a seed whose beam rows attend most to different positions
    model = Seq2Seq(9, 7, embedding=8, hidden=12, attention="general").eval()
    src, src_len = torch.tensor([[3, 4, 5, 6, 7]]), torch.tensor([5])
    nbest = model.beam_search(src, src_len, torch.tensor([5]), 4, 4, return_attention=True, source_positions=True)[0]
    assert len(nbest) == 4
    for h in nbest:
        tgt_in = torch.tensor([[model.bos_id, *h.tokens]])
        _, weights = model(src, src_len, tgt_in, return_attention=True)
        torch.testing.assert_close(torch.tensor(h.attention), weights[0], atol=1e-5, rtol=0)
        assert h.sources == weights[0, : len(h.tokens)].argmax(-1).tolist()


def test_memory_select_takes_the_rows_of_every_field() -> None:
    from rnnkit.models.seq2seq import Memory

    m = Memory(torch.arange(6.0).view(3, 2, 1), torch.arange(6.0).view(3, 2, 1) + 10,
               torch.tensor([[True, False], [True, True], [False, False]]), torch.tensor([1, 2, 0]))
    s = m.select(torch.tensor([2, 0, 0]))
    assert s.outputs.flatten().tolist() == [4.0, 5.0, 0.0, 1.0, 0.0, 1.0] and s.keys is not None
    assert s.keys.flatten().tolist() == [14.0, 15.0, 10.0, 11.0, 10.0, 11.0]
    assert s.mask.tolist() == [[False, False], [True, False], [True, False]] and s.lengths.tolist() == [0, 1, 1]
    assert Memory(m.outputs, None, m.mask, m.lengths).select(torch.tensor([1])).keys is None


def test_teacher_forcing_feeds_the_gold_token_at_the_given_rate() -> None:
    gold, logits = torch.zeros(20000, dtype=torch.long), torch.tensor([[0.0, 1.0]]).expand(20000, 2)
    for ratio in (0.25, 0.9):
        fed = Seq2Seq._next_input(gold, logits, ratio, torch.Generator().manual_seed(0))
        assert float((fed == 0).float().mean()) == pytest.approx(ratio, abs=0.015)  # binomial sd about 0.003
    assert Seq2Seq._next_input(gold, logits, 1.0, None).eq(0).all()
    assert Seq2Seq._next_input(gold, logits, 0.0, None).eq(1).all()


def test_the_config_rebuilds_a_decoder_of_other_layers_and_cell() -> None:
    model = Seq2Seq(7, 5, cell="lstm", layers=1, decoder_layers=2, decoder_cell="gru", **SIZES)  # type: ignore[arg-type]
    config = model.config()
    assert (config["decoder_layers"], config["decoder_cell"]) == (2, "gru")
    twin = Seq2Seq(**config)
    assert [(n, p.shape) for n, p in twin.named_parameters()] == [(n, p.shape) for n, p in model.named_parameters()]
    assert model.decoder.num_layers == 2 and model.bridge_c is None


def test_bos_and_eos_are_the_ids_after_the_tokenizers_as_saved_models_expect() -> None:
    """BOS = V and EOS = V + 1 (the module's docs): a trained model's output rows are those ids, so swapping them
    would decode every saved model wrongly."""
    model = Seq2Seq(7, 5, **SIZES)  # type: ignore[arg-type]
    assert (model.bos_id, model.eos_id) == (5, 6) and model.output.out_features == 7
