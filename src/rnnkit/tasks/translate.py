"""Translation with an encoder-decoder: ``rnnkit train seq2seq``, ``rnnkit translate``, ``rnnkit evaluate``.

What a user gets: a translator trained on tab-separated pairs (``source<TAB>target``, one a line), on
``bible-en-es`` (English → Spanish verses) or on the toy ``rnnkit data dates`` corpus. The model is
:class:`rnnkit.models.seq2seq.Seq2Seq` (attention ``none``, ``bahdanau``, ``dot`` or ``general``), trained
with teacher forcing lowered linearly from ``--teacher-forcing`` to ``--teacher-forcing-floor`` over the
run (scheduled sampling); the checkpoint with the best validation loss is kept in ``OUT/best``, and the
log also shows validation exact match and BLEU (when ``sacrebleu`` is installed) on a slice of the
validation pairs.

Python::

    from rnnkit.tasks.translate import Seq2SeqConfig, train
    train(Seq2SeqConfig(steps=2000, attention="general"), data="dates.tsv", out="runs/dates")
    tr = rnnkit.load("runs/dates")                          # a Translator
    tr.translate("3rd of March 1999", beam=4)               # '1999-03-03'
    tr.evaluate("dates-test.tsv")                           # {"bleu": ..., "chrf": ..., "exact_match": ...}
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from rnnkit import strictjson
from rnnkit.cells import CELLS
from rnnkit.data.batching import ShuffledBatches, length_sorted_batches
from rnnkit.data.pairs import Pair, read_pairs, split_pairs, write_pairs
from rnnkit.data.tabular import file_lines
from rnnkit.data.tokenize import (
    UNK_ID,
    Tokenizer,
    build_tokenizer,
    decode_ids,
    id_symbols,
    pad_batch,
    tokenizer_from_json,
    written_form,
)
from rnnkit.data.utf8 import utf8_argument
from rnnkit.device import model_device, to_device
from rnnkit.errors import (
    SettingError,
    UserError,
    check_beam,
    check_count,
    check_filled,
    check_finite,
    check_fraction,
    check_positive,
    check_texts,
    in_words,
    report_warnings,
)
from rnnkit.files import output_file, output_name
from rnnkit.models.seq2seq import ATTENTIONS, Hypothesis, Seq2Seq
from rnnkit.tasks import Generator, Task, Verb, register, speaks_python
from rnnkit.train.checkpoint import (
    MAX_DECODE_LENGTH,
    Checkpoint,
    as_checkpoint,
    build_model,
    check_size,
    loaded_repr,
    saved_max_len,
)
from rnnkit.train.memory import check_fits, describe_stack
from rnnkit.train.options import TrainSettings, add_data_arguments, settings_of, start_run, train_config_from
from rnnkit.train.provenance import data_sources, differs_from_record
from rnnkit.train.trainer import Trainer, TrainResult, seed_everything

__all__ = ["Seq2SeqConfig", "Translator", "train"]

TOKENIZERS = ("char", "word", "bpe")
#: an output is cut at this many times the longer of its source and the length the model trained on (``--max-len``)
OUTPUT_CAP = 4
BIBLE = "bible-en-es"


@dataclass
class Seq2SeqConfig(TrainSettings):
    """Settings of ``rnnkit train seq2seq``."""

    attention: str = "bahdanau"          # none | bahdanau | dot | general
    teacher_forcing: float = 1.0         # chance of feeding the gold previous token at the start
    teacher_forcing_floor: float | None = None  # ... lowered linearly to this at the end (None: no schedule)
    tokenizer: str = "char"              # char | word | bpe, both sides
    src_tokenizer: str | None = None     # overrides --tokenizer for the source
    tgt_tokenizer: str | None = None     # overrides --tokenizer for the target
    vocab_size: int = 8000               # ids of a word or bpe tokenizer
    cell: str = "lstm"
    bidirectional: bool = False
    layers: int = 1
    decoder_layers: int | None = None    # None: as many as the encoder
    hidden: int = 128
    embedding: int = 64
    dropout: float = 0.1
    max_len: int = 100                   # tokens kept per side
    batch_size: int = 32
    val_fraction: float = 0.1            # held out when there is no --val-data
    split_seed: int = 0
    eval_sentences: int = 100            # validation pairs translated (greedy) for exact match and BLEU
    steps: int | None = 2000
    eval_every: int = 200

    def validate(self) -> None:
        """Raise :class:`SettingError` naming the first setting out of range."""
        self.validate_training()
        for name in ("layers", "hidden", "embedding", "max_len", "batch_size", "vocab_size"):
            check_positive(name, getattr(self, name))
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
        check_teacher_forcing(self.teacher_forcing, self.teacher_forcing_floor)
        check_fraction("dropout", self.dropout)
        check_fraction("val_fraction", self.val_fraction)
        if self.eval_sentences < 0:
            raise SettingError("eval_sentences", self.eval_sentences, "expected a number >= 0")


def check_teacher_forcing(ratio: float, floor: float | None) -> None:
    """Raise :class:`SettingError` unless 0 <= ``floor`` <= ``ratio`` <= 1 (``floor`` may be None)."""
    if not 0.0 <= ratio <= 1.0:
        raise SettingError("teacher_forcing", ratio, "expected a number from 0 to 1")
    if floor is not None and not 0.0 <= floor <= ratio:
        raise SettingError("teacher_forcing_floor", floor, f"expected 0 to --teacher-forcing ({ratio})")


#: settings that fix the model's shape, the tokenizers and the data split: a resumed run keeps them
FROZEN = ("attention", "tokenizer", "src_tokenizer", "tgt_tokenizer", "vocab_size", "cell", "bidirectional", "layers",
          "decoder_layers", "hidden", "embedding", "dropout", "max_len", "val_fraction", "split_seed")


# ------------------------------------------------------------------------------------------- data
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
    return (build_tokenizer(src_kind, [s for s, _ in pairs], vocab_size=config.vocab_size),
            build_tokenizer(tgt_kind, [t for _, t in pairs], vocab_size=config.vocab_size, reversible=True))


def _saved_tokenizers(ckpt: Checkpoint) -> tuple[Tokenizer, Tokenizer]:
    where = f"{ckpt.path}/vocab.json"
    vocab = ckpt.vocab
    if not (isinstance(vocab, dict) and all(isinstance(vocab.get(k), dict) for k in ("source", "target"))):
        raise UserError(f"{where}: expected an object with \"source\" and \"target\" tokenizers")
    return tokenizer_from_json(vocab["source"], where), tokenizer_from_json(vocab["target"], where)


def _encode(pairs: Sequence[Pair], src: Tokenizer, tgt: Tokenizer, max_len: int) -> list[tuple[list[int], list[int]]]:
    return [(src.encode(s)[:max_len], tgt.encode(t)[:max_len]) for s, t in pairs]


#: a resumed run's training pairs with a side whose share of <unk> tokens is above UNKNOWN_TIMES the share on
#: the pairs its vocabularies were built from, and above WARN_UNKNOWN, are named in a warning; a side above
#: REFUSE_UNKNOWN is refused (a word vocabulary has some unknowns of its own: the rule is relative)
UNKNOWN_TIMES, WARN_UNKNOWN, REFUSE_UNKNOWN = 3.0, 0.10, 0.90


def _unknown_shares(encoded: Sequence[tuple[list[int], list[int]]]) -> dict[str, float]:
    """The share of ``<unk>`` among the source and among the target tokens of encoded pairs."""
    shares = {}
    for side, name in enumerate(("source", "target")):
        ids = [i for pair in encoded for i in pair[side]]
        shares[name] = sum(i == UNK_ID for i in ids) / len(ids) if ids else 0.0
    return shares


def _built_shares(ckpt: Checkpoint, given: str | None, shares: dict[str, float]) -> dict[str, float] | None:
    """The shares of ``<unk>`` on the pairs a resumed run's vocabularies were built from: as its data record
    holds them; for a run saved before they were recorded, ``shares`` when it resumes on its own pairs
    (``given`` None, or the file of its digest); else None, not known."""
    saved = ckpt.config.get("data") or {}
    built = saved.get("vocabulary_unknown")
    if isinstance(built, dict) and all(isinstance(built.get(k), (int, float)) for k in shares):
        return {k: float(built[k]) for k in shares}
    same = given is None or (Path(given).is_file() and differs_from_record(given, saved, "train") is False)
    return dict(shares) if same else None


def _check_unknown(data: str, shares: dict[str, float], built: dict[str, float] | None) -> None:
    """Warn about new training pairs (a run resumed with another --data) that the run's vocabularies read as
    mostly ``<unk>`` (another language pair: a resumed run keeps its vocabularies); refuse those read as nearly
    nothing else, on which nothing could be learnt."""
    base = built or {}
    far = [k for k, v in shares.items() if v > WARN_UNKNOWN and v > UNKNOWN_TIMES * base.get(k, 0.0)]
    if not far:
        return
    said = (f"{shares['source']:.0%} of the source and {shares['target']:.0%} of the target tokens are unknown to "
            "the run's vocabularies (<unk>)")
    if built is not None:
        said += f", against {built['source']:.0%} and {built['target']:.0%} on the pairs they were built from"
    if any(shares[k] > REFUSE_UNKNOWN for k in far):
        raise UserError(f"{data}: {said}; a resumed run keeps its vocabularies, so nothing could be learnt: train "
                        "a new run (another --out) on these pairs")
    warnings.warn(in_words(f"{data}: {said}; a resumed run keeps its vocabularies: train a new run (another --out) "
                           "to learn these words"), stacklevel=2)


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


# ------------------------------------------------------------------------------------------- train
def teacher_forcing_ratio(config: Any, progress: float) -> float:
    """Scheduled sampling: linear from ``teacher_forcing`` to ``teacher_forcing_floor`` as ``progress`` goes
    from 0 to 1 (constant without a floor)."""
    floor = config.teacher_forcing if config.teacher_forcing_floor is None else config.teacher_forcing_floor
    p = min(max(progress, 0.0), 1.0)
    return config.teacher_forcing + (floor - config.teacher_forcing) * p


def _loss_fn(config: Seq2SeqConfig) -> Any:
    def loss_fn(model: Seq2Seq, batch: dict[str, Any], state: Any, *,
                progress: float) -> tuple[torch.Tensor, int, None]:
        ratio = teacher_forcing_ratio(config, progress)  # the Trainer's progress: resumes where it stopped
        logits = model(batch["src"], batch["src_len"], batch["tgt_in"], teacher_forcing=ratio)
        loss = F.cross_entropy(logits.flatten(0, 1), batch["tgt_out"].flatten(), ignore_index=0, reduction="sum")
        return loss, int((batch["tgt_out"] != 0).sum()), None

    return loss_fn


def train(config: Seq2SeqConfig, data: str | None, out: str | Path, *, val_data: str | None = None,
          resume: bool = False, overwrite: bool = False, progress: bool | None = None,
          verbose: bool = True) -> TrainResult:
    """Train a translator on ``data`` (a pairs file or ``"bible-en-es"``) into ``out``; the validation pairs
    are ``val_data`` or a seeded ``val_fraction`` of ``data``. ``resume=True`` continues the run in ``out``
    (its model, tokenizers and data come from the checkpoint, the training settings from ``config``)."""
    out = Path(out)
    config.validate()
    ckpt, config = start_run(config, out, "seq2seq", FROZEN, resume=resume, overwrite=overwrite, data=data,
                             val_data=val_data)
    given = data
    data, val_data = data_sources(ckpt, data, val_data,  # a resumed run's own, from any directory
                                  "--data is required:"
                                  " a file of 'source<TAB>target' lines, or 'bible-en-es'")
    train_pairs, val_pairs = translation_data(str(data), val_data, config)
    src_tok, tgt_tok = _tokenizers(config, ckpt, train_pairs)
    train_enc, val_enc = (_encode(p, src_tok, tgt_tok, config.max_len) for p in (train_pairs, val_pairs))
    shares = _unknown_shares(train_enc)
    built = shares if ckpt is None else _built_shares(ckpt, given, shares)
    if ckpt is not None:
        with report_warnings():
            _check_unknown(data, shares, built)
    seed_everything(config.seed)
    kwargs = _model_kwargs(config, src_tok, tgt_tok)
    check_fits(config, Seq2Seq.count_parameters(**kwargs), describe_stack(config.cell, config.layers, config.hidden,
                                                                           config.bidirectional),
               ("layers", "decoder_layers", "hidden", "embedding", "vocab_size"))
    model = build_model(lambda: Seq2Seq(**kwargs), ckpt) if ckpt else Seq2Seq(**kwargs)
    model_config = {"task": "seq2seq", "model": model.config(), "settings": settings_of(config),
                    "data": {"train": str(data), "val": str(val_data) if val_data else None,
                             "train_pairs": len(train_enc), "val_pairs": len(val_enc),
                             **({"vocabulary_unknown": built} if built is not None else {})}}
    cfg = train_config_from(settings_of(config), overwrite=overwrite, progress=progress, verbose=verbose, unit="tok")
    trainer = Trainer(model, cfg, batches=_PairBatches(train_enc, config.batch_size, config.seed, model.bos_id,
                                                       model.eos_id),
                      loss_fn=_loss_fn(config),
                      eval_fn=_eval_fn(val_enc, val_pairs, tgt_tok, config) if val_enc else None,
                      out_dir=out, model_config=model_config, resume=ckpt,
                      vocab={"source": src_tok.to_json(), "target": tgt_tok.to_json()})
    if verbose:
        print(f"seq2seq: {len(train_enc)} training and {len(val_enc)} validation pairs, source {src_tok.kind} "
              f"{src_tok.vocab_size} ids, target {tgt_tok.kind} {tgt_tok.vocab_size} ids, attention "
              f"{config.attention}; {sum(p.numel() for p in model.parameters()):,} parameters",
              file=sys.stderr, flush=True)
    return trainer.fit()


def _model_kwargs(config: Seq2SeqConfig, src: Tokenizer, tgt: Tokenizer) -> dict[str, Any]:
    return {"src_vocab": src.vocab_size, "tgt_vocab": tgt.vocab_size, "cell": config.cell,
            "embedding": config.embedding, "hidden": config.hidden, "layers": config.layers,
            "decoder_layers": config.decoder_layers, "bidirectional": config.bidirectional,
            "attention": config.attention, "dropout": config.dropout}


def _eval_fn(val_enc: list[tuple[list[int], list[int]]], val_pairs: Sequence[Pair], tgt: Tokenizer,
             config: Seq2SeqConfig) -> Any:
    def eval_fn(model: Seq2Seq) -> dict[str, float]:
        total, count = 0.0, 0
        for start in range(0, len(val_enc), 64):
            part = val_enc[start:start + 64]
            src, src_len = to_device(pad_batch([s for s, _ in part]), model_device(model))
            t = to_device(decoder_targets([t for _, t in part], model.bos_id, model.eos_id), src.device)
            logits = model(src, src_len, t["tgt_in"])
            total += float(F.cross_entropy(logits.flatten(0, 1), t["tgt_out"].flatten(), ignore_index=0,
                                           reduction="sum"))
            count += int((t["tgt_out"] != 0).sum())
        metrics = {"loss": total / max(count, 1)}
        n = min(config.eval_sentences, len(val_enc))
        if n:
            srcs = [s for s, _ in val_enc[:n]]
            hyps = [decode_ids(tgt, h.tokens) for h in _greedy(model, srcs, 1.5, 10)]
            refs = [written_form(tgt, p[1]) for p in val_pairs[:n]]
            metrics["exact_match"] = sum(h == r for h, r in zip(hyps, refs, strict=True)) / n
            metrics.update({k: v for k, v in sacre_scores(hyps, refs).items() if k == "bleu" and v is not None})
        return metrics

    return eval_fn


def _greedy(model: Seq2Seq, srcs: Sequence[list[int]], a: float, b: int) -> list[Hypothesis]:
    out: list[Hypothesis] = []
    for start in range(0, len(srcs), 64):
        src, src_len = to_device(pad_batch(srcs[start:start + 64]), model_device(model))
        out.extend(model.greedy(src, src_len, _max_lengths(src_len, a, b, MAX_DECODE_LENGTH)))
    return out


def _check_decoding(max_len_a: float, max_len_b: int, no_repeat_ngram: int, alpha: float) -> tuple[int, int]:
    """Refuse decoding settings that would run without end or rank by NaN (one line naming the argument, or
    the flag on the command line); ``(max_len_b, no_repeat_ngram)`` as ints."""
    max_len_a = check_finite("max_len_a", max_len_a, "expected a finite number >= 0", 0.0)
    max_len_b = check_count("max_len_b", max_len_b, 0)
    if not max_len_a and not max_len_b:
        raise SettingError("max_len_a", max_len_a, "with max_len_b 0 too, the output limit (a × source tokens + b) "
                           "would be 0 tokens; one of the two must be > 0")  # the CLI names --max-len-a
    no_repeat_ngram = check_count("no_repeat_ngram", no_repeat_ngram, 0)
    check_finite("alpha", alpha, "expected a finite number")
    return max_len_b, no_repeat_ngram


def _max_lengths(src_len: torch.Tensor, a: float, b: int, cap: int | torch.Tensor) -> torch.Tensor:
    """``a * src_len + b`` tokens for each source, from 1 to ``cap`` (one for all, or one per source; clamped
    in float64 before the cast, so a limit of 1e18 is ``cap``, not an overflow to a negative length)."""
    limit = (a * src_len.double() + b).floor().clamp(min=1)
    return limit.minimum(torch.as_tensor(cap, dtype=torch.float64)).long()


def sacre_scores(hyps: Sequence[str], refs: Sequence[str], *more_refs: Sequence[str]) -> dict[str, float | None]:
    """Corpus BLEU and chrF (sacrebleu) against one reference per hypothesis, or several (``more_refs``:
    further reference streams); None for both when sacrebleu is not installed."""
    try:
        import sacrebleu
    except ImportError:
        return {"bleu": None, "chrf": None}
    streams = [list(refs), *(list(r) for r in more_refs)]
    return {"bleu": float(sacrebleu.corpus_bleu(list(hyps), streams).score),
            "chrf": float(sacrebleu.corpus_chrf(list(hyps), streams).score)}


def report(result: TrainResult, as_json: bool) -> None:
    """The closing line of ``rnnkit train seq2seq`` (one JSON object with ``--json``)."""
    decoder_report(result, as_json, "token")


def decoder_report(result: TrainResult, as_json: bool, unit: str) -> None:
    """The closing line of a run whose model writes sequences (translation, captions): the best validation
    loss per ``unit``, and the last evaluation's exact match and BLEU."""
    ev = result.last_eval
    if as_json:
        print(strictjson.dumps({"best_val_loss": result.best_metric, "best_step": result.best_step,
                          "val_exact_match": ev.get("exact_match"), "val_bleu": ev.get("bleu"),
                          "steps": result.steps, "seconds": round(result.seconds, 2), "stopped": result.stopped,
                          "model_dir": str(result.model_dir()) if result.model_dir() else None}))
        return
    best = "n/a" if result.best_metric is None else f"{result.best_metric:.4f}"
    extra = f", exact match {ev['exact_match']:.3f}" if "exact_match" in ev else ""
    extra += f", BLEU {ev['bleu']:.1f}" if "bleu" in ev else ""
    print(f"best validation loss {best} nats/{unit} at step {result.best_step}{extra} ({result.steps} steps, "
          f"{result.seconds:.1f} s); {result.where()}")


# ------------------------------------------------------------------------------------------- use
@speaks_python
class Translator:
    """A trained translator: ``translate()`` writes target text for source texts, ``evaluate()`` scores a
    pairs file (BLEU, chrF, exact match).

    Get one with ``rnnkit.load(DIR)``. ``model`` is the :class:`Seq2Seq` (eval mode); ``source`` and
    ``target`` are the two sides' tokenizers.
    """

    def __init__(self, ckpt: Checkpoint | str | Path) -> None:
        ckpt = as_checkpoint(ckpt, "Translator")
        if ckpt.config.get("task") != "seq2seq":
            raise UserError(f"{ckpt.path}: a {ckpt.config.get('task')!r} model, not a translator")
        self.checkpoint = ckpt
        self.source, self.target = _saved_tokenizers(ckpt)
        kwargs = ckpt.config.get("model")
        if not isinstance(kwargs, dict):
            raise UserError(f"{ckpt.path}/config.json: \"model\" must be an object of the model's settings")
        self.max_len = saved_max_len(ckpt, 100)
        self.model: Seq2Seq = build_model(lambda: Seq2Seq(**kwargs), ckpt)  # type: ignore[assignment]
        self.model.eval()
        check_size(ckpt, "the source vocabulary", self.source.vocab_size, "src_vocab")
        check_size(ckpt, "the target vocabulary", self.target.vocab_size, "tgt_vocab")

    def __repr__(self) -> str:
        return loaded_repr(self, self.checkpoint, self.model, source_vocab=self.source.vocab_size,
                           target_vocab=self.target.vocab_size)

    def _encode_sources(self, texts: Sequence[str]) -> list[list[int]]:
        """Source ids of each whole text (the recurrent encoder reads any length, also beyond the ``--max-len``
        its training pairs were cut to); unknown tokens become ``<unk>`` and are named in one warning."""
        unknown: list[str] = []
        encoded = []
        for text in texts:
            ids = self.source.encode(text)
            if UNK_ID in ids:
                toks = self.source.tokens(text)
                unknown.extend(t for t, i in zip(toks, ids, strict=False) if i == UNK_ID)
            encoded.append(ids)
        if unknown:
            shown = ", ".join(repr(t) for t in dict.fromkeys(unknown))
            # at the line that called translate(), past _translate's and speaks_python's frames
            warnings.warn(f"unknown source tokens (read as <unk>): {shown}", stacklevel=5)
        return encoded

    def translate(self, texts: str | Sequence[str], beam: int = 1, n_best: int = 1, max_len_a: float = 1.5,
                  max_len_b: int = 10, no_repeat_ngram: int = 0, alpha: float = 0.6,
                  return_attention: bool = False) -> Any:
        """Translate one text (a result) or a list (a list of results).

        A result is the translation as a string; with ``n_best > 1`` or ``return_attention`` it is a dict:
        ``translation``, ``n_best`` (``text``, ``log_prob``, ``score`` each), and with attention
        ``attention`` (one row of weights over the source tokens per target token), ``source_tokens`` and
        ``target_tokens``. ``beam=1`` is greedy; a longer output than ``max_len_a * source tokens +
        max_len_b`` is cut (and than :data:`OUTPUT_CAP` times the longer of the source and the target length
        the model trained on); the source is read whole, also beyond the model's ``max_len``;
        ``no_repeat_ngram=n`` never repeats an n-gram; ``alpha`` is the GNMT length normalisation of the
        beam's ranking.
        """
        return self._translate(texts, beam, n_best, max_len_a, max_len_b, no_repeat_ngram, alpha, return_attention)

    def _translate(self, texts: str | Sequence[str], beam: int, n_best: int, max_len_a: float, max_len_b: int,
                   no_repeat_ngram: int, alpha: float, return_attention: bool, as_dict: bool | None = None) -> Any:
        """:meth:`translate`; ``as_dict=True`` gives dicts also without attention (``rnnkit translate``, whose
        attention, a row of Python floats per source token for each output token, took 8 GB and more for a
        line of 20,000 characters, is kept only for ``--attention-png``)."""
        single = isinstance(texts, str)
        items = [texts] if isinstance(texts, str) else check_texts("translate", texts)  # a Path: not iterable
        beam, n_best = check_beam(beam, n_best)
        max_len_b, no_repeat_ngram = _check_decoding(max_len_a, max_len_b, no_repeat_ngram, alpha)
        if single and not texts.strip():
            raise UserError(f"an empty text {texts!r}; give the text to translate")
        check_filled(items, "translate")
        as_dict = n_best > 1 or return_attention if as_dict is None else as_dict
        encoded = self._encode_sources(items)
        results: dict[int, Any] = {}
        # up to 64 sources of similar lengths, 64 x the training --max-len tokens once padded (a longer one alone):
        # one long line of a file padded the 63 beside it, which decoded on, finished, for as long as it ran
        for batch in length_sorted_batches(encoded, 64, 64 * self.max_len):
            src, src_len = to_device(pad_batch([encoded[i] for i in batch]), model_device(self.model))
            # the model learnt targets of at most max_len tokens: a limit far above that (or above a longer
            # source) only lets a translation that never writes </s> run on (an hour for a limit of 1e12)
            max_len = _max_lengths(src_len, max_len_a, max_len_b, OUTPUT_CAP * src_len.clamp(min=self.max_len))
            if beam == 1:
                nbests = [[h] for h in self.model.greedy(src, src_len, max_len, no_repeat_ngram, return_attention)]
            else:
                nbests = self.model.beam_search(src, src_len, max_len, beam, n_best, alpha, no_repeat_ngram,
                                                return_attention)
            for i, hyps in zip(batch, nbests, strict=True):
                results[i] = self._result(items[i], hyps, as_dict, return_attention)
        return results[0] if single else [results[i] for i in range(len(items))]

    def _result(self, text: str, hyps: list[Hypothesis], as_dict: bool, with_attention: bool) -> Any:
        best = decode_ids(self.target, hyps[0].tokens)
        if not as_dict:
            return best
        out: dict[str, Any] = {"source": text, "translation": best, "n_best": [
            {"text": decode_ids(self.target, h.tokens), "log_prob": h.log_prob, "score": h.score} for h in hyps]}
        if with_attention:
            out["attention"] = hyps[0].attention
            out["source_tokens"] = self.source.tokens(text)
            out["target_tokens"] = [*id_symbols(self.target, hyps[0].tokens), "</s>"]
        return out

    def evaluate(self, pairs_file: str | Path | Sequence[Pair], beam: int = 1) -> dict[str, Any]:
        """Translate the sources of a pairs file (or of a list of pairs; ``"bible-en-es"``: its test split) and
        compare with the targets: ``bleu`` and ``chrf`` (sacrebleu; None without it), ``exact_match`` (share
        of translations equal to their reference) and ``pairs``."""
        beam, _ = check_beam(beam)  # reported as Python's int (np.int64(2) made the report no JSON)
        pairs = _evaluation_pairs(pairs_file)
        hyps = self.translate([s for s, _ in pairs], beam=beam)
        refs = [written_form(self.target, t) for _, t in pairs]
        exact = sum(h == r for h, r in zip(hyps, refs, strict=True)) / max(len(pairs), 1)
        return {**sacre_scores(hyps, refs), "exact_match": exact, "pairs": len(pairs), "beam": beam}


def _evaluation_pairs(pairs_file: object) -> list[Pair]:
    """The pairs :meth:`Translator.evaluate` reads from ``pairs_file`` (a path, ``"bible-en-es"`` or a list
    of pairs); none, or something else (``evaluate(5)`` was "'int' object is not iterable"), is refused."""
    if isinstance(pairs_file, (str, os.PathLike)):
        pairs = list(_bible()["test"]) if str(pairs_file) == BIBLE else read_pairs(pairs_file)
    elif isinstance(pairs_file, Iterable):
        pairs = [_pair(item, i) for i, item in enumerate(pairs_file)]
    else:
        raise TypeError(f"evaluate takes a pairs file or a list of (source, target) pairs of texts, not "
                        f"{type(pairs_file).__name__}")
    if not pairs:
        raise UserError(f"{pairs_file if isinstance(pairs_file, (str, os.PathLike)) else 'pairs'}: no pairs to "
                        "evaluate")
    return pairs


def _pair(item: object, index: int) -> Pair:
    """``item`` of a list given to :meth:`Translator.evaluate` when it is a (source, target) pair of texts, else a
    TypeError naming it (a list of sources alone was 'too many values to unpack' from inside evaluate); a
    blank side is a :class:`UserError` naming the pair, as :func:`read_pairs` names a file's line."""
    if not isinstance(item, str):
        try:
            source, target = item  # type: ignore[misc]
        except (TypeError, ValueError):
            pass
        else:
            if isinstance(source, str) and isinstance(target, str):
                for side, text in (("source", source), ("target", target)):
                    if not text.strip():  # read_pairs refuses a line so; translate named texts[i] for a source
                        raise UserError(f"pairs[{index}]: the {side} is empty; every pair needs a source and a "
                                        "reference")
                return source, target
    raise TypeError(f"evaluate takes a pairs file or a list of (source, target) pairs of texts; item {index} is "
                    f"{item!r}")


# ------------------------------------------------------------------------------------------- CLI
def _translate_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("texts", nargs="*", metavar="TEXT", type=utf8_argument("TEXT"), help="texts to translate")
    p.add_argument("--file", help="one source text a line (a pairs file's source side is read before its tab); "
                                  "a blank line gives a blank translation")
    p.add_argument("--output", help="write the translations here instead of standard output")
    p.add_argument("--beam", type=int, default=1, help="beam size, 1 = greedy (default 1)")
    p.add_argument("--n-best", type=int, default=1,
                   help="hypotheses per text (at most --beam; default 1); above 1, each is a line "
                        "SOURCE<TAB>SCORE<TAB>TEXT, SOURCE the text's 0-based index (a --file's line - 1), best first")
    p.add_argument("--alpha", type=float, default=0.6, help="GNMT length normalisation (default 0.6)")
    p.add_argument("--max-len-a", type=float, default=1.5,
                   help=f"output length limit: a * source tokens + b, at most {OUTPUT_CAP} x the longer of the "
                        "source and the model's --max-len (default 1.5)")
    p.add_argument("--max-len-b", type=int, default=10, help="see --max-len-a (default 10)")
    p.add_argument("--no-repeat-ngram", type=int, default=0, help="never repeat an n-gram of this size (0 = off)")
    p.add_argument("--json", action="store_true", help="one JSON object per text")
    p.add_argument("--attention-png", metavar="PNG", help="draw the attention of the first translation here")


def _read_sources(path: str) -> list[str]:
    """The source of each line of ``path`` ("" for a blank line, so output line N answers input line N)."""
    lines = file_lines(Path(path))  # a BOM dropped; a missing file or bytes not UTF-8 refused in one line
    if lines and not lines[-1].strip():
        lines.pop()  # after the last newline
    sources = []
    for n, line in enumerate(lines, 1):
        source = line.split("\t", 1)[0]
        if line.strip() and not source.strip():
            raise UserError(f"{path}:{n}: the source text (before the tab) is empty")
        sources.append(source if source.strip() else "")
    return sources


def _blank_result() -> dict[str, Any]:
    """What a blank line of ``--file`` gives: a blank translation, the only one of nothing (log-prob 0)."""
    return {"source": "", "translation": "", "n_best": [{"text": "", "log_prob": 0.0, "score": 0.0}]}


def _translate_command(tr: Translator, args: argparse.Namespace) -> int:
    if bool(args.texts) == bool(args.file):
        raise UserError("give either TEXT arguments or --file FILE (not both, not neither)")
    if args.attention_png is not None and tr.model.attention is None:
        raise UserError(f"--attention-png: {args.dir} was trained with --attention none; there is nothing to draw")
    # both outputs are written after these are read
    reads = [("the --file being read", args.file), *tr.checkpoint.reads]
    png = None if args.attention_png is None else output_name(args.attention_png, "--attention-png", "a PNG file",
                                                              reads)
    if args.output:  # a folder is refused before anything is translated
        output_name(args.output, "--output", "a file", reads)
    texts = list(args.texts) if args.texts else _read_sources(args.file)
    for text in args.texts:  # the command line's words; translate() names a list's place (texts[1])
        if not text.strip():
            raise UserError(f"an empty text {text!r}; give the text to translate")
    wanted = texts if args.texts else [t for t in texts if t]
    with report_warnings():
        found = tr._translate(wanted, args.beam, args.n_best, args.max_len_a, args.max_len_b, args.no_repeat_ngram,
                              args.alpha, png is not None, as_dict=True) if wanted else []
    answers = iter(found)
    results = [next(answers) if t or args.texts else _blank_result() for t in texts]
    if png is not None and found:
        from rnnkit.plots import attention_png

        r = found[0]
        attention_png(r["attention"] or [], r["source_tokens"], r["target_tokens"], png,
                      title=f"attention ({tr.checkpoint.config['model'].get('attention')})")
    lines = []
    for n, r in enumerate(results):
        if args.json:
            lines.append(strictjson.dumps({k: r[k] for k in ("source", "translation", "n_best")}, ensure_ascii=False))
        elif args.n_best > 1:  # the source's index, as fairseq's H-N and Marian's N ||| ...; best first
            lines.extend(f"{n}\t{h['score']:.4f}\t{h['text']}" for h in r["n_best"])
        else:
            lines.append(r["translation"])
    text = "".join(line + "\n" for line in lines)
    if args.output:
        with output_file(args.output) as tmp:
            tmp.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def _evaluate_arguments(e: argparse.ArgumentParser) -> None:
    e.add_argument("--data", required=True, help="pairs file (source<TAB>target), or 'bible-en-es' (its test split)")
    e.add_argument("--beam", type=int, default=1, help="beam size, 1 = greedy (default 1)")
    e.add_argument("--json", action="store_true", help="one JSON object on the last line")


def _evaluate_command(tr: Translator, args: argparse.Namespace) -> int:
    with report_warnings():
        result = tr.evaluate(args.data, beam=args.beam)
    if args.json:
        print(strictjson.dumps(result))
        return 0
    bleu = "n/a (pip install sacrebleu)" if result["bleu"] is None else f"{result['bleu']:.2f}"
    chrf = "n/a" if result["chrf"] is None else f"{result['chrf']:.2f}"
    print(f"{result['pairs']} pairs, beam {result['beam']}: BLEU {bleu}, chrF {chrf}, "
          f"exact match {result['exact_match']:.4f}")
    return 0


def _train_arguments(p: argparse.ArgumentParser) -> None:
    d = Seq2SeqConfig()
    g = p.add_argument_group("model")
    g.add_argument("--attention", choices=ATTENTIONS, help=f"attention (default {d.attention})")
    g.add_argument("--teacher-forcing", type=float,
                   help=f"chance of feeding the gold token (default {d.teacher_forcing})")
    g.add_argument("--teacher-forcing-floor", type=float,
                   help="lower teacher forcing linearly to this over the run (scheduled sampling; default: constant)")
    g.add_argument("--tokenizer", choices=TOKENIZERS, help=f"both sides (default {d.tokenizer})")
    g.add_argument("--src-tokenizer", choices=TOKENIZERS, help="the source side (default: --tokenizer)")
    g.add_argument("--tgt-tokenizer", choices=TOKENIZERS, help="the target side (default: --tokenizer)")
    g.add_argument("--vocab-size", type=int, help=f"ids of a word or bpe tokenizer (default {d.vocab_size})")
    g.add_argument("--cell", choices=list(CELLS), help=f"recurrent cell (default {d.cell})")
    g.add_argument("--bidirectional", action=argparse.BooleanOptionalAction, default=None,
                   help="read the source both ways (default off)")
    g.add_argument("--layers", type=int, help=f"encoder layers (default {d.layers})")
    g.add_argument("--decoder-layers", type=int, help="decoder layers (default: --layers)")
    g.add_argument("--hidden", type=int, help=f"hidden units per layer and direction (default {d.hidden})")
    g.add_argument("--embedding", type=int, help=f"embedding size (default {d.embedding})")
    g.add_argument("--dropout", type=float, help=f"dropout (default {d.dropout})")
    g.add_argument("--max-len", type=int, help=f"tokens kept per side (default {d.max_len})")
    g.add_argument("--batch-size", type=int, help=f"pairs per update (default {d.batch_size})")
    g.add_argument("--eval-sentences", type=int,
                   help=f"validation pairs translated at each evaluation (default {d.eval_sentences})")
    add_data_arguments(p, data_help="pairs file (source<TAB>target, UTF-8) or 'bible-en-es'",
                       val_help="validation pairs (default: --val-fraction of --data)", val_fraction=d.val_fraction,
                       split_seed=d.split_seed)


def _dates_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--pairs", type=int, default=10000, help="pairs to write (default 10000)")


def _dates_command(args: argparse.Namespace) -> int:
    from rnnkit.data.dates import date_pairs

    if args.pairs < 1:
        raise UserError(f"--pairs {args.pairs}: expected a positive integer")
    out = Path(args.out)
    if out.is_file() and out.stat().st_size:  # it was replaced; the other generators keep an earlier corpus too
        raise UserError(f"{out}: exists and is not empty; choose a new --out")
    path = write_pairs(date_pairs(args.pairs, args.seed), out)
    print(f"wrote {args.pairs} date pairs to {path}")
    return 0


register(Task(
    name="seq2seq",
    help="translation with an encoder-decoder (attention, beam search)",
    description="Train an encoder-decoder translator on tab-separated pairs (source<TAB>target).",
    config=Seq2SeqConfig,
    train=train,
    load=Translator,
    add_arguments=_train_arguments,
    report=report,
    frozen=FROZEN,
    verbs=(
        Verb("translate", "translate texts with a trained translator", _translate_arguments, _translate_command),
        Verb("evaluate", "BLEU, chrF and exact match of a translator on a pairs file", _evaluate_arguments,
             _evaluate_command),
    ),
))

register(Generator(
    name="dates",
    help="dates written many ways -> ISO YYYY-MM-DD, as a pairs file (--out FILE: a new or empty file)",
    add_arguments=_dates_arguments,
    run=_dates_command,
))
