"""Ensembles of speech recognisers: ``rnnkit transcribe DIR AUDIO... --ensemble DIR2 [DIR3 ...]``, ``rnnkit
evaluate DIR --data FOLDER --ensemble DIR2`` and ``rnnkit.load(A).ensemble(B, C)`` (:class:`TranscriberEnsemble`).

Each model reads the same log-mel frames and gives each of its output frames log-probabilities over the same
symbols and the CTC blank; the ensemble's are the log of the mean of the models' probabilities, frame by frame
(:class:`MeanRecognizer`), which the first model's decoding (greedy, prefix beam search, a language model in the
search) then reads as one model's. So the models must write the same symbols in the same order (phonemes of
the same espeak-ng voice), read the same features (mel bands) and merge as many frames into one
(``--subsample``): their frames then fall at the same times. They may differ in seed, cell, size, depth,
direction and how they merge frames (stacked or a convolution).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import Tensor, nn

from rnnkit.errors import UserError
from rnnkit.tasks import speaks_python
from rnnkit.tasks._ensemble import MembersEnsemble, joined_members, other_labels
from rnnkit.tasks._speech_trained import Transcriber

__all__ = ["MeanRecognizer", "TranscriberEnsemble", "joined_transcribers"]


class MeanRecognizer(nn.ModuleList):
    """Recognisers (:class:`~rnnkit.models.speech.SpeechRecognizer`) as one: features (B, T, F) and lengths →
    the log of the mean of the models' per-frame probabilities, log(1/M Σ exp(log p_m)) (through a log-sum-exp),
    and the output lengths, which every model must give alike (``names``: each model's, for the refusal)."""

    def __init__(self, models: Sequence[nn.Module], names: Sequence[str]) -> None:
        super().__init__(models)
        self.names = list(names)

    def forward(self, feats: Tensor, lengths: Tensor) -> tuple[Tensor, Tensor]:
        outs = [model(feats, lengths) for model in self]
        first = outs[0][1]
        for name, (log_probs, out_len) in zip(self.names[1:], outs[1:], strict=True):
            if torch.equal(out_len, first) and log_probs.shape == outs[0][0].shape:
                continue
            said = (f"{out_len.tolist()} frames where {self.names[0]} gives {first.tolist()}"
                    if not torch.equal(out_len, first) else
                    f"{tuple(log_probs.shape)} as (recordings, frames, symbols) where {self.names[0]} gives "
                    f"{tuple(outs[0][0].shape)}")
            raise UserError(f"{name}: it gives {said} for the same recordings; the models of an ensemble are "
                            "averaged frame by frame and need the same frames")
        stacked = torch.stack([log_probs for log_probs, _ in outs])
        return torch.logsumexp(stacked, dim=0) - math.log(len(outs)), first


@speaks_python
class TranscriberEnsemble(MembersEnsemble, Transcriber):
    """Recognisers of the same symbols and features as one: :meth:`transcribe` and :meth:`evaluate` as a single
    :class:`Transcriber`'s, each frame's probabilities the mean of the ``members``' (:class:`MeanRecognizer`,
    the ensemble's ``model``). ``checkpoints`` is every model's; ``checkpoint``, ``config``, ``symbols`` and the
    features are the first model's (also the espeak-ng voice that phonemizes ``evaluate``'s references).

    Made by :meth:`Transcriber.ensemble` (``rnnkit.load(A).ensemble(B, C)``)."""

    def _joined(self, models: list[nn.Module]) -> nn.Module:
        return MeanRecognizer(models, [str(c.path) for c in self.checkpoints])


def _symbols_of(m: Transcriber) -> str:
    return {"phonemes": "phonemes", "chars": "characters"}[m.symbols.kind] + (" (jamo)" if m.symbols.jamo else "")


#: what sets a model's frames: what it does with it (a format), the flag that sets it, its value
_FRAMES: tuple[tuple[str, str, Callable[[Transcriber], int]], ...] = (
    ("reads {} mel bands", "--n-mels", lambda m: m.n_mels),
    ("merges {} frames into one", "--subsample", lambda m: m.model.subsample),
    ("computes its features at {} Hz", "--sample-rate", lambda m: m.sample_rate),
)


def _differs(one: Transcriber, other: Transcriber) -> str | None:
    """What keeps ``other`` from an ensemble with ``one``: other symbols (phonemes or characters, jamo or not,
    phonemes of another espeak-ng voice, other ones, the same in another order), other features (mel bands) or
    other frames (``--subsample``)."""
    if _symbols_of(other) != _symbols_of(one):
        return (f"it writes {_symbols_of(other)} where {one.checkpoint.path} writes {_symbols_of(one)}; the models "
                "of an ensemble need to write the same symbols")
    if one.symbols.kind == "phonemes" and other.voice != one.voice:
        return (f"it writes the phonemes of espeak-ng voice {other.voice} (--voice) where {one.checkpoint.path} "
                f"writes those of {one.voice}; the models of an ensemble need to write the same symbols")
    for does, flag, value in _FRAMES:
        if value(other) != value(one):
            return (f"it {does.format(value(other))} ({flag} {value(other)}) where {one.checkpoint.path} "
                    f"{does.format(value(one))}; the models of an ensemble are averaged frame by frame and need "
                    f"the same {flag}")
    return other_labels(one, other, "symbols", lambda m: m.symbols.symbols)


def joined_transcribers(owner: Transcriber, others: tuple[Any, ...]) -> TranscriberEnsemble:
    """:meth:`Transcriber.ensemble`: ``owner`` and ``others`` (model directories, read onto ``owner``'s device,
    or recognisers on it) as one :class:`TranscriberEnsemble`, an ensemble among them joined by its models. A
    model of another task, as a directory or as a loaded model, is refused naming its directory and task."""
    return TranscriberEnsemble(joined_members(owner, others, Transcriber, "recognisers", _differs))
