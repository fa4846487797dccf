"""The captioner's data: the training and validation images, their pixels, the captions as word ids, the
batches the trainer reads, and a run's saved word tokenizer.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any

import torch

from rnnkit.data.batching import ShuffledBatches
from rnnkit.data.captions import CaptionedImage, caption_words, load_image, random_affine, read_captions
from rnnkit.data.split import corpus_sides
from rnnkit.data.tokenize import WordTokenizer, tokenizer_from_json
from rnnkit.errors import UserError, warn
from rnnkit.tasks._caption_config import CaptionConfig
from rnnkit.tasks._translate_data import decoder_targets
from rnnkit.train.checkpoint import Checkpoint
from rnnkit.wording import part_of


def caption_folders(data: str, val_data: str | None,
                    config: CaptionConfig) -> tuple[list[CaptionedImage], list[CaptionedImage]]:
    """Training and validation images: ``data`` with ``train/`` (and ``val/``) folders as the generators
    write them, or one folder. Validation is ``val_data``, else ``data``'s ``val/``, else the training images
    split by image (``val_fraction``, ``split_seed``; also a ``train/`` without a ``val/``)."""
    return corpus_sides(data, val_data, "captions.tsv", read_captions, config.val_fraction, config.split_seed)


def warn_shared_images(train: Sequence[CaptionedImage], val: Sequence[CaptionedImage]) -> None:
    """Warn where validation images are training images too (the same file, by whatever path): a ``--val-data``
    folder that lists the training folder's images scored what the model had learnt by heart, without a word."""
    seen = {item.image.resolve() for item in train}
    shared = [item.image for item in val if item.image.resolve() in seen]
    if shared:
        one = len(val) == 1  # 'the one validation image is a training image too': it was '1 of 1 ... images are'
        warn(f"{part_of(len(shared), len(val), 'validation image')} {'a training image' if one else 'training images'} "
             f"too ({'' if one else 'first '}{shared[0]}): the "
             "validation loss, exact match and BLEU then score captions the model has learnt; give validation "
             "images that are not in the training data")


def _images(items: Sequence[CaptionedImage], size: tuple[int, int], channels: int) -> torch.Tensor:
    """(N, C, H, W) uint8 images (a quarter of the memory of floats)."""
    out = torch.empty(len(items), channels, *size, dtype=torch.uint8)
    for i, item in enumerate(items):
        out[i] = (load_image(item.image, size, channels) * 255).round().to(torch.uint8)
    return out


def _caption_text(caption: str) -> str:
    return " ".join(caption_words(unicodedata.normalize("NFC", caption)))  # NFC, as the tokenizer reads text


def _examples(items: Sequence[CaptionedImage], tok: WordTokenizer, max_len: int) -> list[tuple[int, list[int]]]:
    return [(i, tok.encode(_caption_text(c))[:max_len]) for i, item in enumerate(items) for c in item.captions]


class _CaptionBatches(ShuffledBatches):
    """Endless shuffled batches ``{"images", "tgt_in", "tgt_out"}``, one per (image, caption) example."""

    def __init__(self, images: torch.Tensor, examples: list[tuple[int, list[int]]], batch_size: int, seed: int,
                 bos: int, eos: int, augment: dict[str, float] | None = None) -> None:
        super().__init__([c for _, c in examples], [i for i, _ in examples], batch_size, seed)
        self.images, self.bos, self.eos, self.augment = images, bos, eos, augment

    def collate(self, idx: Sequence[int]) -> Any:  # type: ignore[override]
        images = self.images[[self.targets[i] for i in idx]].float() / 255.0
        if self.augment:
            images = random_affine(images, self.batch_generator(), **self.augment)
        return {"images": images, **decoder_targets([self.seqs[i] for i in idx], self.bos, self.eos)}


def _saved_tokenizer(ckpt: Checkpoint) -> WordTokenizer:
    tok = tokenizer_from_json(ckpt.vocab, f"{ckpt.path}/vocab.json")
    if not isinstance(tok, WordTokenizer):
        raise UserError(f"{ckpt.path}/vocab.json: expected a word tokenizer, found {tok.kind}")
    return tok
