"""Sequence tagging (many-to-many, one label per token): ``rnnkit train tag``, ``predict``, ``evaluate``,
``export``.

- ``rnnkit train tag --data FILE --out DIR``: a tagger from a two-column CoNLL file (TOKEN<tab>TAG per
  line, a blank line between sentences) or a ``word/TAG`` file (one sentence per line); bidirectional by
  default. Each word is its embedding (with word dropout; ``--fold-words`` keys it by the word
  lower-cased with digits as 0) joined to a BiLSTM encoding of its spelling as written
  (``--char-encoder cnn``: a character CNN; ``--char-dim 0`` turns it off), so words unseen in training
  are tagged by their shape and affixes;
  ``--crf`` puts a linear-chain CRF on top (Viterbi decoding). A file whose tokens are all single
  characters gives a character tagger (no spelling encoder; ``predict`` then splits a text into
  characters, else on spaces).
- ``rnnkit predict DIR TEXT... | --file FILE.conll [--json] [--output OUT]``: a tag for each token; a CoNLL file
  in, its lines out in order, each token's as ``TOKEN<TAB>TAG`` and its blank and ``-DOCSTART-`` lines as they are
  (``--output`` a ``.jsonl``: a sentence a line as
  ``--json`` prints it); a file of plain sentences (not CoNLL), and ``--file -`` (standard input), are read one
  sentence a line, tagged as TEXT arguments are.
- ``rnnkit evaluate DIR --data FILE [--json]``: per-token accuracy, macro-F1, per-tag precision/recall/F1
  and the confusion matrix, printed and drawn as a PNG; the accuracy on words unseen in training
  (``oov_accuracy``, ``oov_count``); for BIO/IOBES/BILUO tags the span scores as conlleval counts them
  (``span_precision``, ``span_recall``, ``span_f1``, ``true_spans``, ``pred_spans``, ``correct_spans``).
- ``rnnkit export DIR --onnx FILE``: the model as ONNX: inputs the token ids and lengths (and with a spelling
  encoder each token's characters, ``chars``), outputs (B, T, K) probabilities and the (B, T) tag ids
  ``predict`` gives (with ``--crf`` the Viterbi path, inside the graph).

``OUT/best/config.json`` holds ``"task": "tag"``, the model's shape, the ``tags``, the ``split`` (how a
text becomes tokens: ``chars`` or ``whitespace``) and the data settings; ``vocab.json`` the tokens
and, under ``"chars"``, the characters of the spelling encoder.

Python::

    from rnnkit.tasks.tag import TagConfig, train
    train(TagConfig(steps=300), data="train.conll", out="runs/tagger")
    tagger = rnnkit.load("runs/tagger")            # a SequenceTagger
    tagger.predict(["Seoul is big", ["Seoul", "is", "big"]])   # [[tag, tag, tag], [tag, tag, tag]]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from torch import Tensor, nn

from rnnkit.data.batching import IGNORE, ShuffledBatches
from rnnkit.data.conll import Sentences
from rnnkit.data.spelling import Lexicon, lexicon
from rnnkit.errors import UserError
from rnnkit.metrics import classification_report
from rnnkit.models.tagger import Tagger
from rnnkit.spans import is_span_tagset, span_scores
from rnnkit.tasks import Task, register
from rnnkit.tasks import _text as shared
from rnnkit.tasks._tag_config import CHAR_DIM, DATA_HELP, EMBEDDING, FROZEN, MISSING_DATA, TagConfig
from rnnkit.tasks._tag_data import (
    _char_vocabulary,
    _check_tags_known,
    _drop_probabilities,
    _folds,
    _read_sentences,
    _resolve_char_dim,
    _vocabulary,
)
from rnnkit.tasks._tag_decoding import _decode, _scores
from rnnkit.tasks._tag_trained import SequenceTagger
from rnnkit.tasks._tag_verbs import (
    _evaluate_arguments,
    _evaluate_command,
    _predict_arguments,
    _predict_command,
    _train_arguments,
)
from rnnkit.train.options import learns_only, resumed_keeps, settings_of, start_run
from rnnkit.train.provenance import data_sources
from rnnkit.train.trainer import TrainResult, seed_everything
from rnnkit.wording import counted

__all__ = ["CHAR_DIM", "DATA_HELP", "FROZEN", "MISSING_DATA", "SequenceTagger", "TagConfig", "train"]


def train(config: TagConfig, data: str | None, out: str | Path, *, val_data: str | None = None, resume: bool = False,
          overwrite: bool = False, progress: bool | None = None, verbose: bool = True) -> TrainResult:
    """Train a sequence tagger on ``data`` (a CoNLL or ``word/TAG`` file) into ``out``; the validation
    sentences are ``val_data`` or a ``val_fraction`` of ``data`` (whose tags, both sides, are the tag set).
    ``resume=True`` continues the run in ``out``: its model, vocabulary and split come from the checkpoint
    (and its data, when ``data`` is None)."""
    out, embedding_given = Path(out), config.embedding is not None
    config.validate()
    ckpt, config = start_run(config, out, "tag", FROZEN, resume=resume, overwrite=overwrite, data=data,
                                 val_data=val_data, reads=[("--pretrained-vectors", config.pretrained_vectors)])
    shared.refuse_freeze_added(ckpt, config.freeze_vectors)
    config = shared.vectors_dimension(config, ckpt, embedding_given)
    if config.embedding is None:
        config = replace(config, embedding=EMBEDDING)
    data, val_data = data_sources(ckpt, data, val_data, MISSING_DATA)
    train_s, val_s = _read_sentences(config, data, val_data)
    # a tag seen only in the validation side of the training file is still one of its tags
    folded = _folds(config, ckpt, train_s, data)
    tags, vocab, unit = _vocabulary(ckpt, train_s, folded, *((train_s,) if val_data else (train_s, val_s)))
    config = _resolve_char_dim(config, ckpt, unit)
    if config.pretrained_vectors and ckpt is None and unit == "chars":
        raise UserError(f"--pretrained-vectors with {data}: its tokens are single characters (a character tagger), "
                        "not the words the vectors are of")
    vectors = shared.read_pretrained(config, ckpt, vocab.symbols if config.pretrained_vectors else ())
    chars = _char_vocabulary(ckpt, config, train_s)
    shown = ", ".join(tags[:10])
    why = (f"is not one of the resumed run's tags: {shown}; {resumed_keeps('tags')}" if ckpt else
           f"is not one of the tags of the training data {data}: {shown}; "
           f"{learns_only('tags', data, 'retag the token, or add sentences with that tag')}")
    for part in (train_s, val_s):
        _check_tags_known(part, tags, why)
    if len(tags) < 2:
        raise UserError(f"{data}: only one tag ({tags[0]!r}) in the training sentences; a tagger needs at least two")
    config = shared.check_keep_by(config, (*SCORES, *(("span_f1",) if is_span_tagset(tags) else ())), "accuracy")
    index = {t: i for i, t in enumerate(tags)}
    (train_x, train_lex), (val_x, val_lex) = (lexicon([sent[: config.max_len] for sent in s.tokens], vocab, chars,
                                                      folded) for s in (train_s, val_s))
    train_y, val_y = ([[index[t] for t in (sent or [])][: config.max_len] for sent in s.tags] for s in (train_s, val_s))
    model_kwargs = {"vocab_size": vocab.vocab_size, "num_tags": len(tags), **shared.encoder_kwargs(config),
                    "num_chars": chars.vocab_size if chars else 0, "char_dim": config.char_dim or 0,
                    "char_hidden": config.char_hidden, "char_encoder": config.char_encoder, "crf": config.crf}
    model_config = {
        "task": "tag", "model": model_kwargs, "tags": tags, "split": unit, "fold_words": folded,
        "max_len": config.max_len,
        "data": shared.data_record(data, val_data, config, (len(train_x), len(val_x)), "sentences"),
        "settings": settings_of(config),
    }
    seed_everything(config.seed)
    model = shared.new_model(Tagger, model_kwargs, config, ckpt)
    if (record := shared.start_from_vectors(model, vocab.symbols, vectors, ckpt, verbose,
                                            config.freeze_vectors)) is not None:
        model_config["pretrained_vectors"] = record
    batches = ShuffledBatches(train_x, train_y, config.batch_size, config.seed, tagging=True)
    if verbose:
        tokens = counted(sum(len(x) for x in train_x), "token")
        shared.say(f"tag: {counted(len(train_x), 'training sentence')} ({tokens}), {len(val_x)} validation, "
                   f"tags {_tags_from(train_s)}{tags}, {vocab.vocab_size} token ids ({unit}), "
                   f"{chars.vocab_size if chars else 'no'} character ids; model "
                   f"{shared.parameters_said(model)}")
    saved_vocab = {**vocab.to_json(), **({"chars": chars.symbols[2:]} if chars else {})}
    drop = _drop_probabilities(vocab, train_s, config.word_dropout, folded)
    return shared.fit(model, config, out, batches=batches, loss_fn=_loss_fn(train_lex, drop),
                      eval_fn=_eval_fn(val_x, val_lex, val_y, tags), model_config=model_config, vocab=saved_vocab,
                      ckpt=ckpt, unit="tok", overwrite=overwrite, progress=progress, verbose=verbose)


def _tags_from(sentences: Sentences) -> str:
    """``(column 4, the last) `` before the tags of the line that starts a run whose file has more columns than a
    token and its tag (a CoNLL-2003 file's NER tags, not its part of speech), else nothing."""
    where = sentences.tags_from()
    return f"({where}) " if where else ""


def _loss_fn(lex: Lexicon, drop: Tensor) -> Callable[..., tuple[Tensor, int, None]]:
    def loss_fn(m: Tagger, batch: tuple[Tensor, Tensor, Tensor], state: Any) -> tuple[Tensor, int, None]:
        tix, lengths, y = batch
        n = int((y != IGNORE).sum())
        return m.loss(_scores(m, lex, tix, lengths, drop), y.to(m.head.weight.device)) * n, n, None

    return loss_fn


#: the validation scores of a tagger (``--keep-by`` picks one), and ``span_f1`` for a tag set of spans (BIO ...)
SCORES = ("accuracy", "loss", "macro_f1", "sentence_accuracy")


def _eval_fn(val_x: list[list[int]], val_lex: Lexicon, val_y: list[list[int]],
             tags: list[str]) -> Callable[[nn.Module], dict[str, float]]:
    spans = is_span_tagset(tags)

    def eval_fn(m: nn.Module) -> dict[str, float]:
        paths, loss = _decode(m, val_x, val_lex, val_y)  # type: ignore[arg-type]
        report = classification_report([t for s in val_y for t in s], [t for s in paths for t in s], tags)
        scores = {"loss": loss, "accuracy": report["accuracy"], "macro_f1": report["macro_f1"],
                  "sentence_accuracy": sum(p == t for p, t in zip(paths, val_y, strict=True)) / max(len(val_y), 1)}
        if spans:
            named = [[tags[i] for i in s] for s in paths]
            scores["span_f1"] = float(span_scores([[tags[i] for i in s] for s in val_y], named)["span_f1"])
        return scores

    return eval_fn


def report(result: TrainResult, as_json: bool) -> None:
    """The closing line of ``rnnkit train tag`` (one JSON object with ``--json``)."""
    shared.report_training(result, as_json, "tokens", loss_unit="token")


register(Task(
    name="tag", help="sequence tagger (one label per token) from a two-column CoNLL file",
    description="Train [word embedding + character BiLSTM of its spelling] -> recurrent stack -> per-token "
                "softmax (or --crf) on a CoNLL file (TOKEN<tab>TAG per line, a blank line between sentences) or "
                "a WORD/TAG file (a sentence a line). Bidirectional by default.",
    config=TagConfig, train=train, load=SequenceTagger, add_arguments=_train_arguments, report=report, frozen=FROZEN,
    loss_unit="token",
    verbs=shared.verbs(predict=("a tag for each token, from a trained tagger", _predict_command, _predict_arguments),
                       evaluate=("per-token accuracy, macro-F1, per-tag scores and confusion matrix",
                                 _evaluate_command, _evaluate_arguments),
                       export_help="a trained tagger as ONNX"),
))
