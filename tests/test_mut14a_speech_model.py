"""Gaps a mutation audit of :mod:`rnnkit.models.speech` found (round 14): a subsample below 1 refused, the
convolution centred on each stride's first frame and rectified, the output dropout, the config a copy, a
bidirectional model's padding, and one recurrent layer built without torch's warning of dropout between layers."""

from __future__ import annotations

import warnings

import pytest
import torch

from rnnkit.models.speech import SpeechRecognizer


@pytest.mark.parametrize("subsample", [0, -2])
def test_a_subsample_below_one_is_refused(subsample: int) -> None:
    with pytest.raises(ValueError, match=rf"^subsample {subsample}: expected a positive integer$"):
        SpeechRecognizer(4, 3, hidden=2, layers=1, subsample=subsample)


def test_the_convolution_is_centred_on_each_strides_first_frame_and_rectified() -> None:
    """Kernel 2k - 1 over frames jk - (k - 1) .. jk + (k - 1): with only the centre tap, output j is input jk."""
    model = SpeechRecognizer(1, 2, hidden=1, layers=1, subsample=3, subsample_kind="conv")
    with torch.no_grad():
        model.conv.weight.zero_()
        model.conv.weight[0, 0, 2] = 1.0
        model.conv.bias.zero_()
    feats = torch.tensor([[1.0, -2.0, 3.0, -4.0, 5.0, 6.0, -7.0, 8.0]]).unsqueeze(-1)   # (1, 8, 1)
    got = model._subsample(feats)
    assert got[0, :, 0].tolist() == [1.0, 0.0, 0.0]   # frames 0, 3 and 6: 1, -4 and -7 rectified


def test_the_output_layer_reads_the_recurrent_states_through_dropout() -> None:
    """With the recurrent layer blind to its input, only the dropout before the output layer varies its outputs."""
    torch.manual_seed(0)
    model = SpeechRecognizer(3, 4, hidden=6, layers=1, bidirectional=False, subsample=1, dropout=0.5).train()
    with torch.no_grad():
        for name, p in model.rnn.named_parameters():
            if "weight_ih" in name:
                p.zero_()
            elif "bias" in name:
                p.uniform_(0.5, 1.0)   # states that are not 0
    feats, lengths = torch.randn(1, 5, 3), torch.tensor([5])
    first, _ = model(feats, lengths)
    assert not torch.equal(first, model(feats, lengths)[0])
    model.eval()
    torch.testing.assert_close(model(feats, lengths)[0], model(torch.randn(1, 5, 3), lengths)[0])


def test_the_config_is_a_copy() -> None:
    model = SpeechRecognizer(4, 3, hidden=2, layers=1)
    config = model.config()
    config["hidden"] = 99
    assert model.config()["hidden"] == 2
    assert SpeechRecognizer(**model.config()).config() == model.config()


@pytest.mark.parametrize("kind", ["stack", "conv"])
def test_a_bidirectional_models_outputs_do_not_depend_on_the_padding(kind: str) -> None:
    """The backward direction starts at each utterance's own last frame, not at the batch's."""
    torch.manual_seed(0)
    model = SpeechRecognizer(3, 4, hidden=5, layers=1, subsample=2, subsample_kind=kind).eval()
    feats = torch.randn(2, 12, 3)
    feats[1, 6:] = 0.0
    together, lengths = model(feats, torch.tensor([12, 6]))
    alone, _ = model(feats[1:, :6], torch.tensor([6]))
    assert lengths.tolist() == [6, 3]
    torch.testing.assert_close(together[1, :3], alone[0], atol=1e-5, rtol=0)


def test_one_recurrent_layer_takes_no_dropout_between_layers() -> None:
    """torch warns that dropout between layers "expects num_layers greater than 1": each 1-layer recogniser
    (dropout 0.1 by default) would say so; the dropout stays on the input and the output layer."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = SpeechRecognizer(4, 3, hidden=2, layers=1, dropout=0.3)
    assert model.rnn.dropout == 0.0 and model.dropout.p == 0.3 and model.config()["dropout"] == 0.3
    assert SpeechRecognizer(4, 3, hidden=2, layers=2, dropout=0.3).rnn.dropout == 0.3
