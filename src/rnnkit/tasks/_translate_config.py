"""The settings of ``rnnkit train seq2seq``: :class:`Seq2SeqConfig` and its checks, and what a resumed run
keeps (:data:`FROZEN`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from rnnkit.cells import CELLS
from rnnkit.errors import (
    SettingError,
    UserError,
    check_count,
    check_fraction,
    check_positive,
)
from rnnkit.models.seq2seq import ATTENTIONS
from rnnkit.train.building import MAX_DECODE_LENGTH
from rnnkit.train.checkpoint import Checkpoint
from rnnkit.train.options import KEPT, TrainSettings

TOKENIZERS = ("char", "word", "bpe")
#: an output is cut at this many times the longer of its source and the length the model trained on (``--max-len``)
OUTPUT_CAP = 4
BIBLE = "bible-en-es"
#: the embedding size of a run given no --embedding and no vectors (with --src-vectors/--tgt-vectors: theirs)
EMBEDDING = 64


@dataclass
class Seq2SeqConfig(TrainSettings):
    """Settings of ``rnnkit train seq2seq``."""

    attention: str = "bahdanau"          # none | bahdanau | dot | general
    teacher_forcing: float = 1.0         # chance of feeding the gold previous token at the start
    teacher_forcing_floor: float | None = None  # ... lowered linearly to this at the end (None: no schedule)
    label_smoothing: float = 0.0         # share of each target's probability spread over the vocabulary (training)
    tokenizer: str = "char"              # char | word | bpe, both sides
    src_tokenizer: str | None = None     # overrides --tokenizer for the source
    tgt_tokenizer: str | None = None     # overrides --tokenizer for the target
    vocab_size: int = 8000               # ids of a word or bpe tokenizer
    cell: str = "lstm"
    bidirectional: bool = False
    layers: int = 1
    decoder_layers: int | None = None    # None: as many as the encoder
    hidden: int = 128
    embedding: int | None = None         # None: the vectors' size with --src-vectors/--tgt-vectors, else EMBEDDING
    share_decoder_embeddings: bool = False  # output layer's weight = target embedding matrix (hidden == embedding)
    share_embeddings: bool = False       # one vocabulary and one embedding matrix for source and target
    src_vectors: str | None = None       # word vectors (.vec/GloVe) the source rows of found words start as
    tgt_vectors: str | None = None       # ... the target rows (OpenNMT-py's -pre_word_vecs_enc and _dec)
    freeze_vectors: bool = False         # the tables started from them do not train (-freeze_word_vecs_enc/_dec)
    dropout: float = 0.1
    max_len: int = 100                   # tokens kept per side
    batch_size: int = 32
    val_fraction: float = 0.1            # held out when there is no --val-data
    split_seed: int = 0
    eval_sentences: int = 100            # validation pairs translated (greedy) for exact match and BLEU
    steps: int | None = 2000
    eval_every: int = 200

    @classmethod
    def kept_form(cls, key: str, value: Any) -> Any:
        """``src_vectors``/``tgt_vectors`` as the absolute path a run records (``v.vec`` given from its folder to
        ``--resume`` is the run's ``/home/me/v.vec``, as classify's ``pretrained_vectors``); the rest as they are."""
        return os.path.abspath(value) if key in ("src_vectors", "tgt_vectors") and isinstance(value, str) else value

    def validate(self) -> None:
        """Raise :class:`SettingError` naming the first setting out of range."""
        self.validate_training()
        for name in ("layers", "hidden", "max_len", "batch_size", "vocab_size"):
            check_positive(name, getattr(self, name))
        if self.embedding is not None:  # None: sized by the vectors, or EMBEDDING (_translate_vectors.sized)
            check_positive("embedding", self.embedding)
        check_count("max_len", self.max_len, 1, MAX_DECODE_LENGTH)  # what a saved model may ask a decoder for
        if self.decoder_layers is not None:
            check_positive("decoder_layers", self.decoder_layers)
        if self.cell not in CELLS:
            raise SettingError("cell", self.cell, f"expected one of {', '.join(CELLS)}")
        if self.attention not in ATTENTIONS:
            raise SettingError("attention", self.attention, f"expected one of {', '.join(ATTENTIONS)}")
        for name in ("tokenizer", "src_tokenizer", "tgt_tokenizer"):
            value = getattr(self, name)
            if value is not None and value not in TOKENIZERS:
                raise SettingError(name, value, f"expected one of {', '.join(TOKENIZERS)}")
        sides = (self.src_tokenizer or self.tokenizer, self.tgt_tokenizer or self.tokenizer)
        if self.share_embeddings and sides[0] != sides[1]:
            raise SettingError("share_embeddings", True, f"one vocabulary needs one tokenizer; the source's is "
                               f"{sides[0]}, the target's {sides[1]}")
        check_vectors(self.src_vectors, self.tgt_vectors, sides, self.share_embeddings)
        check_teacher_forcing(self.teacher_forcing, self.teacher_forcing_floor)
        check_fraction("label_smoothing", self.label_smoothing)
        check_fraction("dropout", self.dropout)
        check_fraction("val_fraction", self.val_fraction)
        if self.eval_sentences < 0:
            raise SettingError("eval_sentences", self.eval_sentences, "expected a number >= 0")


def check_vectors(src: str | None, tgt: str | None, sides: tuple[str, str], shared: bool) -> None:
    """``src_vectors``/``tgt_vectors``: names of files, for a side of word tokens (a character or a BPE piece has no
    word vector); with ``share_embeddings`` the one matrix is the target's, so only ``tgt_vectors``."""
    for name, value, side, kind in (("src_vectors", src, "source", sides[0]), ("tgt_vectors", tgt, "target", sides[1])):
        if value is None:
            continue
        if not isinstance(value, str) or not value:
            raise SettingError(name, value, "expected the name of a file of word vectors (.vec or GloVe text)")
        if kind != "word":
            raise SettingError(name, value, f"the {side} side is {kind} tokens; word vectors start the rows of a word "
                                            "tokenizer (--tokenizer word)")
    if shared and src is not None:
        raise SettingError("src_vectors", src, "with --share-embeddings the encoder reads the target's one matrix; "
                                               "give its vectors as --tgt-vectors")


def check_freeze(freeze: bool, src: str | None, tgt: str | None, tied: bool) -> None:
    """``freeze_vectors``: with vectors for a side (it freezes each table started from them, whole), and not with
    ``--tgt-vectors`` and ``--share-decoder-embeddings``, whose output layer's weight is the target embedding
    matrix: freezing it would freeze the output layer too (OpenNMT-py's -freeze_word_vecs_dec does so unsaid).
    Called by ``train`` after ``start_run``, with the run's settings (a resumed run's vectors are its own)."""
    if not freeze:
        return
    if src is None and tgt is None:
        raise SettingError("freeze_vectors", True, "freezes the embedding tables started from word vectors; give "
                                                   "--src-vectors FILE or --tgt-vectors FILE too")
    if tied and tgt is not None:
        raise SettingError("freeze_vectors", True, "with --tgt-vectors and --share-decoder-embeddings the target "
                           "embedding matrix is the output layer's weight, which would not train either; leave "
                           "--share-decoder-embeddings out")


def check_tied_sizes(share: bool, hidden: int, embedding: int) -> None:
    """Refuse ``--share-decoder-embeddings`` unless ``hidden == embedding`` (the output layer reads ``hidden`` values
    and an embedding row has ``embedding``; OpenNMT-py asserts the same), naming both: no size is changed. Called
    by ``train`` after ``start_run``, with the sizes the run has: ``fit(resume=True, share_decoder_embeddings=True)``
    checked in ``validate`` compared the defaults (128 and 64), not the run's."""
    if share and hidden != embedding:
        raise UserError(f"--share-decoder-embeddings needs --hidden equal to --embedding: --hidden {hidden}, "
                        f"--embedding {embedding} (the output layer's weight is the target embedding matrix)")


def refuse_tie_added(ckpt: Checkpoint | None, share: bool, name: str = "share_decoder_embeddings") -> None:
    """A run saved before the switch ``name`` (a sharing of weights) existed (its settings lack it) has unshared
    weights: resuming it with the switch on is refused as any other change of the model is (it failed on the
    weights' names)."""
    if ckpt is not None and share and name not in (ckpt.config.get("settings") or {}):
        flag = name.replace("_", "-")
        raise UserError(f"--{flag}: the resumed run had no {flag}; {KEPT}")


def check_teacher_forcing(ratio: float, floor: float | None) -> None:
    """Raise :class:`SettingError` unless 0 <= ``floor`` <= ``ratio`` <= 1 (``floor`` may be None)."""
    if not 0.0 <= ratio <= 1.0:
        raise SettingError("teacher_forcing", ratio, "expected a number from 0 to 1")
    if floor is not None and not 0.0 <= floor <= ratio:
        raise SettingError("teacher_forcing_floor", floor, f"expected 0 to --teacher-forcing ({ratio})")


#: settings that fix the model's shape, the tokenizers and the data split: a resumed run keeps them
FROZEN = ("attention", "tokenizer", "src_tokenizer", "tgt_tokenizer", "vocab_size", "cell", "bidirectional", "layers",
          "decoder_layers", "hidden", "embedding", "share_decoder_embeddings", "share_embeddings", "dropout", "max_len",
          "val_fraction", "split_seed", "src_vectors", "tgt_vectors", "freeze_vectors")
