"""The captioner's training batches (rnnkit.tasks._caption_data): what the other tests left open, found by a
mutation audit."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from rnnkit.data.captions import random_affine


def _held(n: int) -> torch.Tensor:
    """n 1 x 8 x 8 uint8 images, image k filled with 10 k + its pixel index % 7."""
    base = torch.arange(64, dtype=torch.uint8).reshape(1, 8, 8) % 7
    return torch.stack([base + 10 * k for k in range(n)])


def test_each_caption_is_batched_with_its_own_image_and_its_targets() -> None:
    """Three examples, two captions of image 0 and one of image 1: example 2 is image 1's, with BOS/EOS around
    its words (BOS 1 in front of the decoder's input, EOS 2 after its output)."""
    from rnnkit.tasks._caption_data import _CaptionBatches

    held = _held(2)
    batches = _CaptionBatches(held, [(0, [5, 6]), (0, [7]), (1, [8, 9, 4])], batch_size=2, seed=0, bos=1, eos=2)
    batch = batches.collate([2, 1])
    torch.testing.assert_close(batch["images"], torch.stack([held[1], held[0]]).float() / 255.0, rtol=0, atol=0)
    assert batch["tgt_in"].tolist() == [[1, 8, 9, 4], [1, 7, 0, 0]]
    assert batch["tgt_out"].tolist() == [[8, 9, 4, 2], [7, 2, 0, 0]]


def test_augmented_batches_draw_their_transforms_from_the_batch_s_own_generator() -> None:
    """--augment: each batch's images are moved by random_affine with the generator of the batch's seed, epoch and
    position (so a resumed run draws the same), not the plain images, and not one fixed draw for every batch."""
    from rnnkit.tasks._caption_data import _CaptionBatches

    held = _held(1)
    augment = {"rotate": 0.0, "scale": 0.0, "shift": 0.25}
    plain = held.float() / 255.0
    seen = []
    for seed, pos in ((3, 0), (3, 1), (4, 0)):
        batches = _CaptionBatches(held, [(0, [5])], batch_size=1, seed=seed, bos=1, eos=2, augment=augment)
        batches.pos = pos
        want = random_affine(plain, torch.Generator().manual_seed(seed * 1_000_003 + pos), **augment)
        got = batches.collate([0])["images"]
        torch.testing.assert_close(got, want)
        assert not torch.equal(got, plain)
        seen.append(got)
    assert not torch.equal(seen[0], seen[1]) and not torch.equal(seen[0], seen[2])


def test_a_caption_is_read_as_nfc_words_joined_by_one_space(tmp_path: Path) -> None:
    """A caption typed with a combining accent (e + U+0301) is the word the tokenizer learned precomposed (é)."""
    from rnnkit.data.captions import CaptionedImage
    from rnnkit.data.tokenize import build_tokenizer
    from rnnkit.tasks._caption_data import _examples

    tok = build_tokenizer("word", ["un caf\u00e9 noir"])
    examples = _examples([CaptionedImage(tmp_path / "x.png", ("Un cafe\u0301  noir",))], tok, 10)
    assert examples == [(0, tok.encode("un caf\u00e9 noir"))]
    assert 1 not in examples[0][1]  # no <unk>


def test_a_saved_tokenizer_that_is_not_a_word_tokenizer_is_refused_by_name() -> None:
    from types import SimpleNamespace

    from rnnkit.errors import UserError
    from rnnkit.tasks._caption_data import _saved_tokenizer

    ckpt = SimpleNamespace(vocab={"type": "char", "symbols": ["a", "b"]}, path="run/best")
    with pytest.raises(UserError, match="run/best/vocab.json: expected a word tokenizer, found char"):
        _saved_tokenizer(ckpt)  # type: ignore[arg-type]
    word = SimpleNamespace(vocab={"type": "word", "symbols": ["a", "b"]}, path="run/best")
    assert _saved_tokenizer(word).symbols[2:] == ["a", "b"]  # type: ignore[arg-type]


def test_images_are_held_as_their_bytes_at_the_size_asked(tmp_path: Path) -> None:
    """A 6 x 4 (height x width) image asked at (6, 4) is held as its own 6 x 4 bytes, not transposed."""
    from PIL import Image

    from rnnkit.data.captions import CaptionedImage
    from rnnkit.tasks._caption_data import _images

    pixels = (np.arange(24, dtype=np.uint8) * 10).reshape(6, 4)
    Image.fromarray(pixels, mode="L").save(tmp_path / "tall.png")
    held = _images([CaptionedImage(tmp_path / "tall.png", ("a",))], (6, 4), 1)
    assert held.shape == (1, 1, 6, 4) and torch.equal(held[0, 0], torch.from_numpy(pixels))
