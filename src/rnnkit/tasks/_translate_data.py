"""The translator's data: the pairs it trains and validates on, its tokenizers, the share of ``<unk>`` in them,
and the batches of token ids the trainer reads.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import torch

from rnnkit.data.batching import ShuffledBatches
from rnnkit.data.pairs import Pair, read_pairs, split_pairs
from rnnkit.data.split import warn_validation_trained
from rnnkit.data.tokenize import (
    UNK_ID,
    Tokenizer,
    build_tokenizer,
    pad_batch,
    tokenizer_from_json,
)
from rnnkit.errors import (
    UserError,
    warn,
)
from rnnkit.tasks._translate_config import BIBLE, Seq2SeqConfig
from rnnkit.train.checkpoint import (
    Checkpoint,
)
from rnnkit.train.provenance import is_recorded_data
from rnnkit.wording import part_of


def translation_data(data: str, val_data: str | None, config: Seq2SeqConfig) -> tuple[list[Pair], list[Pair]]:
    """Training and validation pairs: ``bible-en-es`` or a pairs file, validation from ``val_data`` (then
    every pair of ``data`` trains) or a seeded ``val_fraction`` of the training pairs."""
    if data == BIBLE:
        corpus = _bible()
        train_pairs, val_pairs = list(corpus["train"]), list(corpus["val"])
    elif val_data:
        train_pairs = read_pairs(data)
    else:
        train_pairs, val_pairs = split_pairs(read_pairs(data), config.val_fraction, config.split_seed)
    if val_data:
        val_pairs = read_pairs(val_data)
    if not train_pairs:
        raise UserError(f"{data}: no training pairs left")
    return train_pairs, val_pairs


def warn_val_trained(data: str, val_data: str | None, train: Sequence[Pair], val: Sequence[Pair]) -> None:
    """Warn where ``val_data`` is the training data again, or where pairs held out of ``data`` are training pairs too
    (:func:`~rnnkit.data.split.warn_validation_trained`; not the Bible's own split); said by ``train``, not by the
    readers of a run's validation pairs (``rnnkit report``)."""
    if val_data or data != BIBLE:
        warn_validation_trained(data, val_data or None, train, val, "pairs", "loss and BLEU")


def _bible() -> dict[str, list[Pair]]:
    """The English-Spanish Bible verses (``train``, ``val``, ``test``), from :mod:`rnnkit.data.bible`."""
    try:
        from rnnkit.data.bible import load_bible_en_es  # imported only when asked for
    except ImportError as exc:
        raise UserError(f"--data {BIBLE}: this installation has no Bible reader ({exc})") from None
    return load_bible_en_es()  # type: ignore[no-any-return]


def _tokenizers(config: Seq2SeqConfig, ckpt: Checkpoint | None, pairs: Sequence[Pair]) -> tuple[Tokenizer, Tokenizer]:
    if ckpt is not None:
        return _saved_tokenizers(ckpt)
    src_kind = config.src_tokenizer or config.tokenizer
    tgt_kind = config.tgt_tokenizer or config.tokenizer
    if config.share_embeddings:  # one vocabulary of both sides' texts (OpenNMT-py's -share_vocab)
        joint = build_tokenizer(tgt_kind, [s for s, _ in pairs] + [t for _, t in pairs],
                                vocab_size=config.vocab_size, reversible=True)
        return joint, joint
    return (build_tokenizer(src_kind, [s for s, _ in pairs], vocab_size=config.vocab_size),
            build_tokenizer(tgt_kind, [t for _, t in pairs], vocab_size=config.vocab_size, reversible=True))


def _saved_tokenizers(ckpt: Checkpoint) -> tuple[Tokenizer, Tokenizer]:
    """A checkpoint's source and target tokenizers (``vocab.json``); a model that shares one vocabulary
    (``share_embeddings``) must have saved the same tokenizer as both."""
    where = f"{ckpt.path}/vocab.json"
    vocab = ckpt.vocab
    if not (isinstance(vocab, dict) and all(isinstance(vocab.get(k), dict) for k in ("source", "target"))):
        raise UserError(f"{where}: expected an object with \"source\" and \"target\" tokenizers")
    source, target = tokenizer_from_json(vocab["source"], where), tokenizer_from_json(vocab["target"], where)
    model = ckpt.config.get("model")
    if isinstance(model, dict) and model.get("share_embeddings") and source.to_json() != target.to_json():
        # the encoder reads the target's embedding matrix: a source id must mean the target's token of that id
        raise UserError(f"{where}: the \"source\" and \"target\" tokenizers differ, but config.json's model has "
                        "\"share_embeddings\" (one vocabulary of both sides, saved as the same tokenizer twice)")
    return source, target


def _encode(pairs: Sequence[Pair], src: Tokenizer, tgt: Tokenizer, max_len: int,
            which: str = "training") -> list[tuple[list[int], list[int]]]:
    """The token ids of each pair's sides, each cut to ``max_len`` (``--max-len``). Pairs cut so are counted in a
    warning that names the longest side: a cut target still ends there, so the model learns to stop a translation
    early (with the default 100 character tokens, a sentence of 101 characters), and the run said nothing."""
    whole = [(src.encode(s), tgt.encode(t)) for s, t in pairs]
    longest = max((max(len(a), len(b)) for a, b in whole), default=0)
    if longest > max_len:
        cut = sum(max(len(a), len(b)) > max_len for a, b in whole)
        one = len(whole) == 1  # 'the one training pair has ... and was cut': it was '1 of 1 ... pairs have'
        warn(f"--max-len {max_len}: {part_of(cut, len(whole), f'{which} pair', ('has', 'have'))} a side longer than "
             f"{max_len} tokens and {'was' if one else 'were'} cut to it; a cut target ends there, so the model "
             "learns to stop early (the longest side "
             f"is {longest} tokens: a --max-len of that keeps every pair whole)")
    return [(a[:max_len], b[:max_len]) for a, b in whole]


#: a resumed run's training pairs with a side whose share of <unk> tokens is above UNKNOWN_TIMES the share on
#: the pairs its vocabularies were built from, and above WARN_UNKNOWN, are named in a warning; a side above
#: REFUSE_UNKNOWN is refused (a word vocabulary has some unknowns of its own: the rule is relative)
UNKNOWN_TIMES, WARN_UNKNOWN, REFUSE_UNKNOWN = 3.0, 0.10, 0.90


def _unknown_shares(encoded: Sequence[tuple[list[int], list[int]]]) -> dict[str, float]:
    """The share of ``<unk>`` among the source and among the target tokens of encoded pairs."""
    return {name: unknown_share(pair[side] for pair in encoded) for side, name in enumerate(("source", "target"))}


def unknown_share(encoded: Iterable[Sequence[int]]) -> float:
    """The share of ``<unk>`` among the tokens of encoded texts (0 when there are none)."""
    ids = [i for text in encoded for i in text]
    return sum(i == UNK_ID for i in ids) / len(ids) if ids else 0.0


def built_shares(ckpt: Checkpoint, given: str | None, shares: dict[str, float]) -> dict[str, float] | None:
    """The shares of ``<unk>`` on the pairs a resumed run's vocabularies were built from: as its data record
    holds them; for a run saved before they were recorded, ``shares`` when it resumes on its own pairs
    (``given`` None, or the file of its digest); else None, not known."""
    saved = ckpt.config.get("data") or {}
    built = saved.get("vocabulary_unknown")
    if isinstance(built, dict) and all(isinstance(built.get(k), (int, float)) for k in shares):
        return {k: float(built[k]) for k in shares}
    return dict(shares) if given is None or is_recorded_data(given, saved) else None


def check_unknown(data: str, shares: dict[str, float], built: dict[str, float] | None, items: str = "pairs") -> None:
    """Warn about new training ``items`` (a run resumed with another --data) that the run's vocabularies read as
    mostly ``<unk>`` (another language pair: a resumed run keeps its vocabularies); refuse those read as nearly
    nothing else, on which nothing could be learnt. ``shares`` holds the share of each side (``source`` and
    ``target``; a captioner's ``caption``), ``built`` the shares on the data the vocabularies were built from."""
    base = built or {}
    far = [k for k, v in shares.items() if v > WARN_UNKNOWN and v > UNKNOWN_TIMES * base.get(k, 0.0)]
    if not far:
        return
    vocabularies, they = ("vocabularies", "they were") if len(shares) > 1 else ("vocabulary", "it was")
    said = (" and ".join(f"{v:.0%} of the {k}" for k, v in shares.items()) + " tokens are unknown to the run's "
            f"{vocabularies} (<unk>)")
    if built is not None:
        said += f", against {' and '.join(f'{built[k]:.0%}' for k in shares)} on the {items} {they} built from"
    if any(shares[k] > REFUSE_UNKNOWN for k in far):
        raise UserError(f"{data}: {said}; a resumed run keeps its {vocabularies}, so nothing could be learnt: train "
                        f"a new run (another --out) on these {items}")
    warn(f"{data}: {said}; a resumed run keeps its {vocabularies}: train a new run (another --out) "
         "to learn these words")


class _PairBatches(ShuffledBatches):
    """Endless shuffled batches of encoded pairs: ``{"src", "src_len", "tgt_in", "tgt_out"}``."""

    def __init__(self, encoded: Sequence[tuple[list[int], list[int]]], batch_size: int, seed: int, bos: int,
                 eos: int) -> None:
        super().__init__([s for s, _ in encoded], [t for _, t in encoded], batch_size, seed)
        self.bos, self.eos = bos, eos

    def collate(self, idx: Sequence[int]) -> Any:  # type: ignore[override]
        src, src_len = pad_batch([self.seqs[i] for i in idx])
        targets = decoder_targets([self.targets[i] for i in idx], self.bos, self.eos)
        return {"src": src, "src_len": src_len, **targets}


def decoder_targets(targets: Sequence[Sequence[int]], bos: int, eos: int) -> dict[str, torch.Tensor]:
    """Decoder inputs (BOS + target) and outputs (target + EOS), padded with 0."""
    tgt_in, _ = pad_batch([[bos, *t] for t in targets])
    tgt_out, _ = pad_batch([[*t, eos] for t in targets])
    return {"tgt_in": tgt_in, "tgt_out": tgt_out}
