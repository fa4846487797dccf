"""Pretrained word vectors for a translator's embeddings (``rnnkit train seq2seq --src-vectors FILE --tgt-vectors
FILE``; OpenNMT-py's ``-pre_word_vecs_enc`` and ``-pre_word_vecs_dec``), read as ``classify --pretrained-vectors``
reads them (:mod:`rnnkit.data.vectors`).
"""

from __future__ import annotations

import os
from dataclasses import replace
from typing import Any

from rnnkit.data.tokenize import Tokenizer
from rnnkit.data.vectors import Vectors, vector_dimension
from rnnkit.errors import UserError
from rnnkit.models.seq2seq import Seq2Seq
from rnnkit.tasks._text import freeze_embedding, read_for_symbols, say, start_embedding
from rnnkit.tasks._translate_config import EMBEDDING, Seq2SeqConfig
from rnnkit.train.checkpoint import Checkpoint
from rnnkit.train.options import KEPT

#: each side's setting, flag and the model's embedding it starts
SIDES = (("source", "src_vectors", "--src-vectors", "src_embedding"),
         ("target", "tgt_vectors", "--tgt-vectors", "tgt_embedding"))


def sized(config: Seq2SeqConfig, ckpt: Checkpoint | None, verbose: bool = False) -> Seq2SeqConfig:
    """A fresh run's ``config`` with its vectors files as absolute paths and its embedding size: the one given, else
    the vectors' (said on stderr, ``verbose``, as classify's ``--pretrained-vectors`` takes its size), else
    :data:`EMBEDDING`. Two files of different sizes are refused as such (the two sides' embeddings
    are of one size), and so is an ``--embedding`` given that is not the vectors' size, in one line naming both
    (no size is changed for you). A resumed run's as it is, its size its own (its weights are in the checkpoint;
    the files are not read again). A run saved before these settings were (its settings lack them) had no
    vectors: a file given to it is refused as to a run of none, where it would be recorded in its settings and
    never read."""
    if ckpt is not None:
        saved = ckpt.config.get("settings") or {}
        for _, name, flag, _ in SIDES:
            if name not in saved and (path := getattr(config, name)) is not None:
                raise UserError(f"{flag} {path}: the resumed run had none; {KEPT}")
        if config.embedding is None:  # settings without it (start_run keeps a saved one): the model's own
            config = replace(config, embedding=int((ckpt.config.get("model") or {}).get("embedding", EMBEDDING)))
        return config
    given = [(flag, path, vector_dimension(path, flag)) for _, name, flag, _ in SIDES
             if (path := getattr(config, name)) is not None]
    if len(given) == 2 and given[0][2] != given[1][2]:
        (one, a, da), (two, b, db) = given
        raise UserError(f"{one} {a} holds vectors of {da} values and {two} {b} of {db}; the source and target "
                        f"embeddings are of one size (--embedding): give vectors of one size")
    for flag, path, dim in given:
        if config.embedding is not None and dim != config.embedding:
            tied = config.share_decoder_embeddings and config.hidden != dim  # that needs --hidden == --embedding
            raise UserError(f"{flag} {path} holds vectors of {dim} values and --embedding is {config.embedding}; "
                            f"give --embedding {dim}" + (f" and --hidden {dim} (--share-decoder-embeddings: the "
                                                         f"output layer reads --hidden values)" if tied
                                                         else ", or leave it out to take the vectors' size"))
    if config.embedding is None and given:
        flag, path, dim = given[0]
        if config.share_decoder_embeddings and config.hidden != dim:
            raise UserError(f"{flag} {path} holds vectors of {dim} values, the embedding size, and "
                            f"--share-decoder-embeddings needs --hidden {dim} too (the output layer reads --hidden "
                            f"values; --hidden is {config.hidden})")
        if verbose:
            say(f"seq2seq: embedding size {dim}, the vectors' ({' and '.join(f'{f} {p}' for f, p, _ in given)})")
    embedding = config.embedding if config.embedding is not None else given[0][2] if given else EMBEDDING
    return replace(config, embedding=embedding, **{name: os.path.abspath(path) for _, name, _, _ in SIDES
                                                   if (path := getattr(config, name)) is not None})


def read(config: Seq2SeqConfig, ckpt: Checkpoint | None, source: Tokenizer, target: Tokenizer) -> dict[str, Vectors]:
    """Each side's vectors for its tokenizer's words (read before the model is built, so that a bad file leaves
    nothing in --out), by side name; none for a resumed run."""
    if ckpt is not None:
        return {}
    found = {}
    for (side, name, flag, _), tok in zip(SIDES, (source, target), strict=True):
        if (path := getattr(config, name)) is not None:
            found[side] = read_for_symbols(path, tok.symbols, flag)  # type: ignore[union-attr]
    return found


def start_from(model: Seq2Seq, vectors: dict[str, Vectors], source: Tokenizer, target: Tokenizer,
               ckpt: Checkpoint | None, verbose: bool, freeze: bool = False) -> dict[str, Any] | None:
    """Copy a fresh run's ``vectors`` into the rows of the found words of each side's embedding (the target's
    also the output layer's with ``--share-decoder-embeddings``, the encoder's with ``--share-embeddings``) and
    return the record ``config.json`` keeps; a resumed run's record as its checkpoint keeps it; None without.
    With ``freeze`` (``--freeze-vectors``) each side's table started from vectors does not train, whole, fresh or
    resumed (a resumed run's sides are those its record names)."""
    record = ckpt.config.get("pretrained_vectors") if ckpt is not None else {}
    for (side, _, _, attribute), tok in zip(SIDES, (source, target), strict=True):
        if side in vectors:
            record[side] = start_embedding(getattr(model, attribute), tok.symbols, vectors[side],  # type: ignore
                                           verbose, side, frozen=freeze)
        if freeze and side in (record or {}):
            freeze_embedding(getattr(model, attribute))
    return record or None
