"""Mini-batches of variable-length id sequences: shuffled for training, length-sorted for prediction.

What a user gets:

- :class:`ShuffledBatches`: an endless, seeded, resumable source of ``(ids, lengths, targets)`` batches
  for :class:`rnnkit.train.Trainer` (one label per sequence, or one tag per token with ``tagging``);
- :class:`UnlabelledBatches`: an endless, seeded source of padded ``(ids, lengths)`` batches of texts
  without labels (language-model pre-training);
- :func:`length_sorted_batches`: index batches of sequences of similar length (for prediction);
- :class:`FeatureBatches`: endless shuffled batches of feature frames and CTC targets (speech), with
  SpecAugment masks and a choice among speed-perturbed copies drawn reproducibly per batch;
- :func:`pad_features`: (B, T, F) zero-padded frames and their lengths;
- :func:`pad_tags`: per-token targets padded with ``IGNORE`` (-100, cross-entropy's ``ignore_index``),
  so padding never counts in a loss.
"""

from __future__ import annotations

from collections.abc import Sequence, Sized
from typing import Any

import torch
from torch import Tensor

from rnnkit.data.audio import spec_augment, warp_bands
from rnnkit.data.tokenize import pad_batch
from rnnkit.errors import UserError

__all__ = ["IGNORE", "FeatureBatches", "ShuffledBatches", "UnlabelledBatches", "length_sorted_batches",
           "pad_features", "pad_tags"]

IGNORE = -100


def pad_tags(tags: list[list[int]], width: int | None = None) -> Tensor:
    """(B, T) LongTensor of tag ids, padded with ``IGNORE``."""
    width = width if width is not None else max(len(t) for t in tags)
    out = torch.full((len(tags), width), IGNORE, dtype=torch.long)
    for i, t in enumerate(tags):
        t = t[:width]
        out[i, : len(t)] = torch.tensor(t, dtype=torch.long)
    return out


def length_sorted_batches(seqs: Sequence[Sized], batch_size: int, max_padded: int | None = None) -> list[list[int]]:
    """The indices of ``seqs``, shortest first, cut into batches of ``batch_size``; with ``max_padded``, also of
    at most that many elements once padded (the batch's size times its longest; a longer sequence alone), so
    that a long sequence among short ones does not pad a whole batch to its length."""
    order = sorted(range(len(seqs)), key=lambda i: len(seqs[i]))
    if max_padded is None:
        return [order[k : k + batch_size] for k in range(0, len(order), batch_size)]
    batches: list[list[int]] = []
    for i in order:  # each the longest so far
        if batches and len(batches[-1]) < batch_size and (len(batches[-1]) + 1) * len(seqs[i]) <= max_padded:
            batches[-1].append(i)
        else:
            batches.append([i])
    return batches


class ShuffledBatches:
    """Endless shuffled mini-batches of ``(ids, lengths, targets)``.

    Each epoch is a fresh permutation; within chunks of 50 batches the examples are sorted by length
    (so little padding is computed) and the batches then shuffled. The position is saved as the epoch,
    the batch index and the generator state at the start of the epoch, so a resume replays exactly.
    ``targets`` holds one class id per sequence, or (``tagging=True``) one list of tag ids per sequence.
    """

    def __init__(self, seqs: Sequence[Sequence[int]], targets: Sequence[Any], batch_size: int, seed: int,
                 tagging: bool = False) -> None:
        if not seqs:
            raise UserError("no training examples")
        self.seqs = seqs
        self.targets = targets
        self.batch_size = batch_size
        self.tagging = tagging
        self.seed = seed
        self.generator = torch.Generator().manual_seed(seed)
        self.epoch = 0
        self.pos = 0
        self.epoch_state = self.generator.get_state()
        self.plan = self._plan()

    def _plan(self) -> list[list[int]]:
        n, bs = len(self.seqs), self.batch_size
        perm = torch.randperm(n, generator=self.generator).tolist()
        batches: list[list[int]] = []
        chunk = bs * 50
        for start in range(0, n, chunk):
            part = sorted(perm[start : start + chunk], key=lambda j: len(self.seqs[j]))
            batches.extend(part[k : k + bs] for k in range(0, len(part), bs))
        order = torch.randperm(len(batches), generator=self.generator).tolist()
        return [batches[o] for o in order]

    def collate(self, idx: Sequence[int]) -> tuple[Tensor, Tensor, Tensor]:
        """The padded batch of the examples ``idx``."""
        ids, lengths = pad_batch([self.seqs[i] for i in idx])
        if self.tagging:
            targets = pad_tags([list(self.targets[i]) for i in idx], ids.shape[1])
        else:
            targets = torch.tensor([self.targets[i] for i in idx], dtype=torch.long)
        return ids, lengths, targets

    def batch_generator(self) -> torch.Generator:
        """A generator for the random draws of the batch being collated (augmentation), seeded by the seed, the
        epoch and the batch's position, so a resumed run draws the same; the seed wraps to torch's 64 bits
        (as torch reads a negative seed), so that any seed torch takes makes one."""
        return torch.Generator().manual_seed((self.seed * 1_000_003 + self.epoch * 100_003 + self.pos) % 2**64)

    def next_batch(self) -> tuple[Tensor, Tensor, Tensor]:
        if self.pos >= len(self.plan):
            self.epoch += 1
            self.epoch_state = self.generator.get_state()
            self.plan = self._plan()
            self.pos = 0
        idx = self.plan[self.pos]
        self.pos += 1
        return self.collate(idx)

    def state_dict(self) -> dict[str, Any]:
        return {"epoch": self.epoch, "pos": self.pos, "generator": [int(v) for v in self.epoch_state.tolist()]}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.generator.set_state(torch.tensor(state["generator"], dtype=torch.uint8))
        self.epoch_state = self.generator.get_state()
        self.epoch = int(state["epoch"])
        self.plan = self._plan()
        self.pos = int(state["pos"])


class UnlabelledBatches:
    """Endless batches ``(ids, lengths)`` of ``batch_size`` sequences drawn without replacement from a
    seeded permutation; when fewer than ``batch_size`` are left, a new permutation begins (the rest of
    the old one is dropped). ``state_dict``/``load_state_dict`` save the position (JSON)."""

    def __init__(self, seqs: Sequence[Sequence[int]], batch_size: int, seed: int) -> None:
        if not seqs:
            raise UserError("no texts to draw batches from")
        self.seqs = seqs
        self.batch_size = batch_size
        self.generator = torch.Generator().manual_seed(seed)
        self.order: list[int] = []

    def next_batch(self) -> tuple[Tensor, Tensor]:
        if len(self.order) < self.batch_size:
            self.order = torch.randperm(len(self.seqs), generator=self.generator).tolist()
        idx, self.order = self.order[: self.batch_size], self.order[self.batch_size :]
        return pad_batch([self.seqs[i] for i in idx])

    def state_dict(self) -> dict[str, Any]:
        return {"order": list(self.order), "generator": [int(v) for v in self.generator.get_state().tolist()]}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.generator.set_state(torch.tensor(state["generator"], dtype=torch.uint8))
        self.order = [int(i) for i in state["order"]]


def pad_features(feats: Sequence[Tensor]) -> tuple[Tensor, Tensor]:
    """(B, T, F) frames padded with zeros at the end, and the (B,) lengths."""
    lengths = torch.tensor([f.shape[0] for f in feats], dtype=torch.long)
    out = torch.zeros(len(feats), int(lengths.max()), feats[0].shape[1])
    for i, f in enumerate(feats):
        out[i, : f.shape[0]] = f
    return out, lengths


class FeatureBatches(ShuffledBatches):
    """Endless shuffled batches ``{"feats", "lengths", "targets", "target_lengths"}`` for CTC training.

    ``variants[i]`` holds the frames of utterance ``i`` (one tensor, or several: speed-perturbed copies, of
    which each batch draws one per utterance); ``targets[i]`` its symbol ids (``i`` becomes CTC class
    ``i + 1``, 0 being the blank). ``augment`` (``freq_masks``, ``freq_width``, ``time_masks``,
    ``time_width``) applies SpecAugment. The draws come from a generator seeded by the seed, the epoch and
    the batch's position, so a resumed run sees the same batches.
    """

    def __init__(self, variants: Sequence[Sequence[Tensor]], targets: Sequence[Sequence[int]], batch_size: int,
                 seed: int, augment: dict[str, int] | None = None, warp: float = 0.0) -> None:
        super().__init__([v[0] for v in variants], targets, batch_size, seed)
        self.variants, self.augment, self.warp = variants, augment, warp

    def collate(self, idx: Sequence[int]) -> Any:  # type: ignore[override]
        gen = self.batch_generator()
        feats = []
        for i in idx:
            options = self.variants[i]
            f = options[int(torch.randint(0, len(options), (1,), generator=gen))] if len(options) > 1 else options[0]
            if self.warp:
                f = warp_bands(f, 1.0 + self.warp * (2 * float(torch.rand((), generator=gen)) - 1))
            feats.append(spec_augment(f, gen, **self.augment) if self.augment else f)
        x, lengths = pad_features(feats)
        tgt = [self.targets[i] for i in idx]
        return {"feats": x, "lengths": lengths,
                "targets": torch.tensor([c + 1 for t in tgt for c in t], dtype=torch.long),
                "target_lengths": torch.tensor([len(t) for t in tgt], dtype=torch.long)}
