"""Gaps a mutation audit of :mod:`rnnkit.tasks._caption_decoding` found (round 12): what each way of decoding
passes to the model (the length limit, ``n_best``, the attention asked, ``<unk>`` never drawn) and BLEU over
images with different numbers of references."""

from __future__ import annotations

import pytest
import torch

from rnnkit.data.tokenize import UNK_ID
from rnnkit.models.captioner import Captioner
from rnnkit.sampling import Sampling
from rnnkit.tasks._caption_decoding import _decode_images, caption_scores

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _model() -> Captioner:
    torch.manual_seed(0)
    return Captioner(9, image_size=8, in_channels=1, channels=(4,), hidden=6, embedding=6, attention="bahdanau",
                     dropout=0.0).eval()


def _images() -> torch.Tensor:
    return torch.rand(2, 1, 8, 8, generator=torch.Generator().manual_seed(1))


def test_greedy_decoding_is_the_model_s_greedy_at_max_len_with_its_attention() -> None:
    model, images = _model(), _images()
    got = _decode_images(model, images, 5, return_attention=True)
    want = model.greedy(images, model.region_counts(2), torch.full((2,), 5), return_attention=True)
    assert [h[0].tokens for h in got] == [w.tokens for w in want]
    assert all(h[0].attention is not None and len(h[0].attention) >= len(h[0].tokens) for h in got)


@pytest.mark.parametrize("beam", [2, 3])
def test_a_beam_gives_n_best_hypotheses_with_their_attention(beam: int) -> None:
    got = _decode_images(_model(), _images(), 4, beam=beam, n_best=2, return_attention=True)
    assert [len(h) for h in got] == [2, 2]
    assert all(x.attention is not None for h in got for x in h)


def test_samples_are_n_best_with_their_attention_and_never_unk() -> None:
    """With logits flattened to one value, every word is as likely as ``<unk>``, which is still never drawn."""
    model = _model()
    with torch.no_grad():
        model.output.weight.zero_()
        model.output.bias.zero_()
    got = _decode_images(model, _images(), 6, n_best=20, return_attention=True, sampling=Sampling(seed=0))
    assert [len(h) for h in got] == [20, 20]
    assert all(x.attention is not None for h in got for x in h)
    assert not any(UNK_ID in x.tokens for h in got for x in h)
    assert len({tuple(x.tokens) for h in got for x in h}) > 1


def test_bleu_reads_every_reference_where_images_have_different_numbers_of_them() -> None:
    """Streams are as wide as the image with the most references (one reading as few as the fewest was not
    caught where every image had the same number)."""
    sacrebleu = pytest.importorskip("sacrebleu")
    hyps = ["a red square", "a big blue circle"]
    scores = caption_scores(hyps, [["a red circle"], ["one blue circle", "a big blue circle"]])
    streams = [["a red circle", "one blue circle"], ["a red circle", "a big blue circle"]]
    assert scores["bleu"] == pytest.approx(sacrebleu.corpus_bleu(hyps, streams).score)
    assert scores["bleu"] > sacrebleu.corpus_bleu(hyps, streams[:1]).score
