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

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from rnnkit import strictjson
from rnnkit.data.pairs import Pair
from rnnkit.data.tokenize import (
    Tokenizer,
    decode_ids,
    pad_batch,
    written_form,
)
from rnnkit.device import model_device, to_device
from rnnkit.errors import (
    report_warnings,
)
from rnnkit.models.seq2seq import Seq2Seq
from rnnkit.tasks import Generator, Task, Verb, register
from rnnkit.tasks import _translate_vectors as vectors
from rnnkit.tasks._text import parameters_said, refuse_freeze_added
from rnnkit.tasks._translate_config import (
    BIBLE,
    FROZEN,
    OUTPUT_CAP,
    TOKENIZERS,
    Seq2SeqConfig,
    check_freeze,
    check_teacher_forcing,
    check_tied_sizes,
    refuse_tie_added,
)
from rnnkit.tasks._translate_data import (
    _encode,
    _PairBatches,
    _tokenizers,
    _unknown_shares,
    built_shares,
    check_unknown,
    decoder_targets,
    translation_data,
    unknown_share,
    warn_val_trained,
)
from rnnkit.tasks._translate_decoding import _greedy, sacre_scores, say_short_bleu
from rnnkit.tasks._translate_trained import Translator
from rnnkit.tasks._translate_verbs import (
    _dates_arguments,
    _dates_command,
    _evaluate_arguments,
    _evaluate_command,
    _score_arguments,
    _score_command,
    _train_arguments,
    _translate_arguments,
    _translate_command,
)
from rnnkit.train.building import build_model
from rnnkit.train.memory import check_fits, describe_stack
from rnnkit.train.options import settings_of, start_run, train_config_from
from rnnkit.train.provenance import data_sources
from rnnkit.train.trainer import Trainer, TrainResult, run_summary, seed_everything
from rnnkit.wording import counted, seconds, sides

__all__ = ["BIBLE", "DECODED", "FROZEN", "OUTPUT_CAP", "TOKENIZERS", "DecodedResult", "Seq2SeqConfig", "Translator",
           "built_shares", "check_teacher_forcing", "check_unknown", "closing_line", "decoder_report",
           "decoder_targets", "sacre_scores", "scored_part", "teacher_forcing_ratio", "train", "translation_data",
           "unknown_share"]


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
        loss = F.cross_entropy(logits.flatten(0, 1), batch["tgt_out"].flatten(), ignore_index=0, reduction="sum",
                               label_smoothing=config.label_smoothing)
        return loss, int((batch["tgt_out"] != 0).sum()), None

    return loss_fn


def train(config: Seq2SeqConfig, data: str | None, out: str | Path, *, val_data: str | None = None,
          resume: bool = False, overwrite: bool = False, progress: bool | None = None,
          verbose: bool = True) -> DecodedResult:
    """Train a translator on ``data`` (a pairs file or ``"bible-en-es"``) into ``out``; the validation pairs
    are ``val_data`` or a seeded ``val_fraction`` of ``data``. ``resume=True`` continues the run in ``out``
    (its model, tokenizers and data come from the checkpoint, the training settings from ``config``)."""
    out = Path(out)
    config.validate()
    ckpt, config = start_run(config, out, "seq2seq", FROZEN, resume=resume, overwrite=overwrite, data=data,
                             val_data=val_data, reads=[("--src-vectors", config.src_vectors),
                                                       ("--tgt-vectors", config.tgt_vectors)])
    refuse_freeze_added(ckpt, config.freeze_vectors)  # a run saved before it: nothing was frozen
    check_freeze(config.freeze_vectors, config.src_vectors, config.tgt_vectors, config.share_decoder_embeddings)
    config = vectors.sized(config, ckpt, verbose)
    refuse_tie_added(ckpt, config.share_decoder_embeddings)
    refuse_tie_added(ckpt, config.share_embeddings, "share_embeddings")
    check_tied_sizes(config.share_decoder_embeddings, config.hidden, config.embedding)  # the run's sizes
    given = data
    data, val_data = data_sources(ckpt, data, val_data,  # a resumed run's own, from any directory
                                  "--data is required:"
                                  " a file of 'source<TAB>target' lines, or 'bible-en-es'")
    train_pairs, val_pairs = translation_data(str(data), val_data, config)
    src_tok, tgt_tok = _tokenizers(config, ckpt, train_pairs)
    side_vectors = vectors.read(config, ckpt, src_tok, tgt_tok)
    with report_warnings():
        train_enc, val_enc = (_encode(p, src_tok, tgt_tok, config.max_len, which)
                              for p, which in ((train_pairs, "training"), (val_pairs, "validation")))
    shares = _unknown_shares(train_enc)
    built = shares if ckpt is None else built_shares(ckpt, given, shares)
    if ckpt is not None:
        with report_warnings():
            check_unknown(data, shares, built)
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
    if (record := vectors.start_from(model, side_vectors, src_tok, tgt_tok, ckpt, verbose,
                                     config.freeze_vectors)) is not None:
        model_config["pretrained_vectors"] = record
    cfg = train_config_from(settings_of(config), overwrite=overwrite, progress=progress, verbose=verbose, unit="tok")
    trainer = Trainer(model, cfg, batches=_PairBatches(train_enc, config.batch_size, config.seed, model.bos_id,
                                                       model.eos_id),
                      loss_fn=_loss_fn(config),
                      eval_fn=_eval_fn(val_enc, val_pairs, tgt_tok, config) if val_enc else None,
                      out_dir=out, model_config=model_config, resume=ckpt,
                      vocab={"source": src_tok.to_json(), "target": tgt_tok.to_json()})
    warn_val_trained(str(data), val_data, train_pairs, val_pairs)  # here: a run refused above says its one line alone
    if verbose:
        print(f"seq2seq: {sides(len(train_enc), len(val_enc), 'pair')}, source {src_tok.kind} "
              f"{src_tok.vocab_size} ids, target {tgt_tok.kind} {tgt_tok.vocab_size} ids, attention "
              f"{config.attention}; {parameters_said(model)}",
              file=sys.stderr, flush=True)
    return trainer.fit().extended(DecodedResult, rated=min(config.eval_sentences, len(val_enc)),
                                  validation=len(val_enc))


def _model_kwargs(config: Seq2SeqConfig, src: Tokenizer, tgt: Tokenizer) -> dict[str, Any]:
    return {"src_vocab": src.vocab_size, "tgt_vocab": tgt.vocab_size, "cell": config.cell,
            "embedding": config.embedding, "hidden": config.hidden, "layers": config.layers,
            "decoder_layers": config.decoder_layers, "bidirectional": config.bidirectional,
            "attention": config.attention, "dropout": config.dropout,
            "share_decoder_embeddings": config.share_decoder_embeddings, "share_embeddings": config.share_embeddings}


def _eval_fn(val_enc: list[tuple[list[int], list[int]]], val_pairs: Sequence[Pair], tgt: Tokenizer,
             config: Seq2SeqConfig) -> Any:
    # the loss is a sum over tokens: batches of pairs of like lengths pad less and give the same sum
    by_length = sorted(val_enc, key=lambda pair: (len(pair[0]), len(pair[1])))

    def eval_fn(model: Seq2Seq) -> dict[str, float]:
        total, count = 0.0, 0
        for start in range(0, len(by_length), 64):
            part = by_length[start:start + 64]
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
            metrics[DECODED] = n
            metrics.update({k: v for k, v in sacre_scores(hyps, refs).items() if k == "bleu" and v is not None})
        return metrics

    return eval_fn


#: what the validation loss is a mean over (in nats): a target token (its end included)
LOSS_UNIT = "token"


#: the key under which an evaluation of translation, captions or speech records how many validation items it
#: decoded for its scores (``--eval-sentences``, ``--eval-images``, ``--eval-utterances``, at most all): the kept
#: evaluation's count stays with its scores in the checkpoint, so a run resumed with another count and no new best
#: says the count its kept scores were measured on (``val_decoded`` in ``metrics.jsonl``)
DECODED = "decoded"


@dataclass
class DecodedResult(TrainResult):
    """The :class:`TrainResult` of a run whose evaluations decode the first ``--eval-sentences`` (``--eval-images``,
    ``--eval-utterances``) validation items for their scores: ``rated``, how many its setting decodes (at most all),
    and ``validation``, how many it has (None where it has none)."""

    rated: int | None = None
    validation: int | None = None

    def scored(self) -> int | None:
        """How many validation items the kept model's scores are of: the count its evaluation recorded
        (:data:`DECODED`), or this run's ``rated`` for a best kept before evaluations recorded it."""
        recorded = self.best_eval.get(DECODED)
        return int(recorded) if recorded is not None else self.rated


def scored_part(result: TrainResult, noun: str, flag_key: str) -> tuple[str, dict[str, int]]:
    """What a closing line adds after the kept model's scores when they are of a part of the validation ``noun``
    (``pairs``, ``images``, ``utterances``): `` on 200 of 1,000 validation utterances``, and ``--json``'s counts,
    ``flag_key`` (``eval_utterances``: the items the kept scores are of) and ``val_NOUN`` (all of them); nothing
    for a result that knows no counts or scored none."""
    scored = result.scored() if isinstance(result, DecodedResult) else None
    validation = getattr(result, "validation", None)
    if not scored or validation is None:
        return "", {}
    said = f" on {scored:,} of {validation:,} validation {noun}" if scored < validation else ""
    return said, {flag_key: scored, f"val_{noun}": validation}


def report(result: TrainResult, as_json: bool) -> None:
    """The closing line of ``rnnkit train seq2seq`` (one JSON object with ``--json``)."""
    decoder_report(result, as_json, LOSS_UNIT, ("pairs", "eval_sentences"), "translation")


def decoder_report(result: TrainResult, as_json: bool, unit: str, held_out: tuple[str, str], outputs: str) -> None:
    """The closing line of a run whose model writes sequences (translation, captions): the best validation
    loss per ``unit``, and the exact match and BLEU of that same evaluation, with how many validation items they are
    of where a part (:func:`scored_part`), the model in ``OUT/best`` (:func:`closing_line`; ``held_out``, the noun of
    what a run without validation lacks and its ``--json`` key of the count scored); ``--json``: both evaluations'
    (:func:`last_and_kept`). A BLEU of 0 beside exact matches comes of ``outputs`` none 4 tokens long (an exact
    match is a matched word, so only a 4-gram precision of no 4-gram is 0) and is warned of as ``rnnkit evaluate``
    warns (:func:`say_short_bleu`): the line read ``exact match 1.000, BLEU 0.0`` for short Korean targets."""
    exact, bleu = result.at_best("exact_match"), result.at_best("bleu")
    if bleu == 0.0 and exact:
        with report_warnings():
            say_short_bleu(outputs)
    part, counts = scored_part(result, *held_out) if exact is not None else ("", {})
    if as_json:
        print(strictjson.dumps({"best_val_loss": result.best_metric, "best_step": result.best_step,
                                **last_and_kept(result, ("exact_match", "bleu")), **counts, **run_summary(result)}))
        return
    extra = f", exact match {exact:.3f}" if exact is not None else ""
    extra += f", BLEU {bleu:.1f}" if bleu is not None else ""
    print(closing_line(result, unit, extra + part, held_out[0]))


def last_and_kept(result: TrainResult, keys: tuple[str, ...]) -> dict[str, float | None]:
    """``--json``'s scores of a run whose closing line gives the kept model's (translation, captions, speech): each
    key's last evaluation as ``val_KEY`` and the kept model's (``OUT/best``) as ``best_val_KEY``. The lines gave the
    last evaluation's beside the best loss, so a run whose loss rose after its best read as though ``OUT/best``
    scored what the last model scored, and ``rnnkit evaluate`` of it then disagreed."""
    return {name: value for key in keys
            for name, value in ((f"val_{key}", result.last_eval.get(key)), (f"best_val_{key}", result.at_best(key)))}


def closing_line(result: TrainResult, unit: str, extra: str, held_out: str) -> str:
    """The closing line of a translation, captioning or speech run: the best validation loss per ``unit`` and
    ``extra`` scores (those of the kept model's evaluation); or, as
    charlm, classify and tag say it, the way on for a run stopped before its first evaluation, and no validation
    ``held_out`` (pairs, images, utterances) for a run without any (``--val-fraction 0``), whose ``best/`` is its
    last step. Both read "best validation loss n/a ... at step
    None" (or at the last step) before."""
    took = f"{counted(result.steps, 'step')}, {seconds(result.seconds)}"
    if result.best_metric is not None:
        return (f"best validation loss {result.best_metric:.4f} nats/{unit} at step {result.best_step}{extra} "
                f"({took}); {result.where()}")
    if result.best_step is None:  # no evaluation yet: where() says where the run is and how to go on
        return f"{took}; {result.where()}"
    return f"no validation {held_out}, so no validation loss ({took}); {result.where()}"


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
    loss_unit=LOSS_UNIT,
    verbs=(
        Verb("translate", "translate texts with a trained translator", _translate_arguments, _translate_command),
        Verb("evaluate", "BLEU, chrF and exact match of a translator on a pairs file", _evaluate_arguments,
             _evaluate_command),
        Verb("score", "log-probability and perplexity of given translations (a pairs file)", _score_arguments,
             _score_command),
    ),
))

register(Generator(
    name="dates",
    help="dates written many ways -> ISO YYYY-MM-DD, as a pairs file (--out FILE: a new or empty file)",
    add_arguments=_dates_arguments,
    run=_dates_command,
))
