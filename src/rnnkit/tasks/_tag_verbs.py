"""The flags of ``rnnkit train tag`` and the commands ``rnnkit predict`` and ``rnnkit evaluate`` of a tagger.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from rnnkit.data.conll import UNTAGGED, NotConll, Sentences, read_conll, tagged_lines, tagged_text, write_conll
from rnnkit.data.slashtags import looks_slash_tagged, read_slash_tagged
from rnnkit.data.tabular import file_format, refuse_workbook
from rnnkit.errors import UserError, check_filled
from rnnkit.files import output_file
from rnnkit.models.charword import CHAR_ENCODERS
from rnnkit.tasks import _text as shared
from rnnkit.tasks._ensemble import add_ensemble_argument, say_ensemble, with_ensemble
from rnnkit.tasks._tag_config import CHAR_DIM, EMBEDDING, TagConfig
from rnnkit.tasks._tag_trained import SequenceTagger
from rnnkit.wording import counted


def _json_line(tokens: Sequence[str], tags: Sequence[str]) -> str:
    """One sentence as ``predict --json`` prints it, from TEXT arguments or a file alike."""
    return json.dumps({"tokens": list(tokens), "tags": list(tags)}, ensure_ascii=False)


def _refuse_columns(args: argparse.Namespace) -> None:
    """``--text-column``/``--label-column`` (the flags ``predict`` and ``evaluate`` share with the classifier)
    name columns of a CSV/TSV/JSONL file; the tagger's files have none, so a given one is refused, not ignored."""
    for flag in ("text_column", "label_column"):
        if getattr(args, flag, None) is not None:
            raise UserError(f"--{flag.replace('_', '-')}: applies to classifiers (CSV, TSV or JSONL files); a "
                            "tagger reads CoNLL (TOKEN<tab>TAG) or WORD/TAG files, whose columns have no names")


def _output_format(path: str) -> str:
    """``predict --output``'s format from its extension: ``jsonl`` (``.jsonl``, ``.ndjson``: a sentence a line, as
    ``--json`` prints it) or ``conll`` (any other); a ``.csv``, ``.tsv`` or ``.json`` is refused (a tagger has no
    table, and writes no one JSON document), and so is a workbook's name (``.xlsx``: CoNLL in it was a file a
    spreadsheet program refused to open)."""
    fmt = file_format(path)
    if fmt == "jsonl":
        return fmt
    writes = "a tagger writes CoNLL (TOKEN<tab>TAG lines, e.g. .conll or .txt) or JSON Lines (.jsonl: one sentence's " \
             "tokens and tags a line)"
    refuse_workbook(path, "--output", writes)
    if str(path).lower().endswith((".csv", ".tsv", ".tab", ".json")):
        raise UserError(f"--output {path}: {writes}, not a CSV/TSV table or one JSON document")
    return "conll"


def _write_tagged(path: str, sentences: Sequence[Sequence[str]], tags: Sequence[Sequence[str]], as_json: bool,
                  read: Sentences | None = None) -> None:
    """``--output``, then what was written, as classify's predict says it (:func:`~rnnkit.tasks._text.say_written`:
    with ``as_json``, ``--json``, one JSON object on standard output). CoNLL of the sentences ``read`` from a file
    keeps that file's lines (:func:`~rnnkit.data.conll.tagged_lines`)."""
    fmt = _output_format(path)
    if fmt == "conll":
        write_conll(path, sentences, tags, None if read is None else tagged_lines(read, tags))
    else:
        with output_file(path) as tmp, open(tmp, "w", encoding="utf-8", newline="\n") as fh:
            for sent, sent_tags in zip(sentences, tags, strict=True):
                fh.write(_json_line(sent, sent_tags) + "\n")
    shared.say_written(path, as_json, f"wrote {counted(len(tags), 'tagged sentence')} to {path}", format=fmt,
                       sentences=len(tags))


def _predict_arguments(p: argparse.ArgumentParser) -> None:
    shared.predict_arguments(p)
    _ensemble_argument(p, "predict", "TEXT")


def _evaluate_arguments(e: argparse.ArgumentParser) -> None:
    shared.evaluate_arguments(e)
    _ensemble_argument(e, "score", None)


def _ensemble_argument(p: argparse.ArgumentParser, verb: str, inputs: str | None) -> None:
    """``--ensemble DIR [DIR ...]`` of a tagger's ``predict`` and ``evaluate``."""
    add_ensemble_argument(p, "taggers", inputs, verb,
                          how="each token the tag of highest mean probability over the models (a CRF's: its "
                              "marginals; each reads the words with its own vocabulary); they need DIR's tags in "
                              "DIR's order")


def _predict_command(m: SequenceTagger, args: argparse.Namespace) -> int:
    _refuse_columns(args)
    m = with_ensemble(m, args)
    shared.check_one_source(args)
    shared.check_output(m, args)  # a refused --output before any tagging
    if args.output:
        _output_format(args.output)
    texts = shared.given_texts(args)  # TEXT arguments, or one sentence a line of standard input (--file -)
    source = _file_to_tag(args.file, m.labels) if texts is None else texts
    if isinstance(source, list):
        _tag_texts(m, source, args)
    elif source.one_per_line:  # WORD/TAG lines: their words tagged as a sentence a line's, the file's tags left out
        _say_tagged(m, source.tokens, m.tag(source.tokens), args)
    else:
        _tag_conll(m, source, args)
    return 0


def _tag_texts(m: SequenceTagger, texts: list[str], args: argparse.Namespace) -> None:
    """Sentences given as texts: ``token/TAG ...`` a line, a JSON object a line, or ``--output``."""
    sentences = [m.split(t) for t in texts]
    check_filled(sentences, "tag", empty=lambda sentence: not sentence, arguments=True)
    _say_tagged(m, sentences, m.predict(texts), args)


def _say_tagged(m: SequenceTagger, sentences: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]],
                args: argparse.Namespace) -> None:
    """Tagged sentences that are no CoNLL file's: ``token/TAG ...`` a line, a JSON object a line, or ``--output``."""
    if args.output:
        _write_tagged(args.output, sentences, predicted, args.json)
        return
    for sent, tags in zip(sentences, predicted, strict=True):
        if args.json:
            print(_json_line(sent, tags))
        else:
            shown = repr if m.config.get("split") == "chars" else str
            print(" ".join(f"{shown(tok)}/{tag}" for tok, tag in zip(sent, tags, strict=True)))


def _tag_conll(m: SequenceTagger, sentences: Sentences, args: argparse.Namespace) -> None:
    """A CoNLL file's sentences: the file line for line with each token's tag (its blank and ``-DOCSTART-`` lines
    kept, so the output lines up with it), a JSON object a sentence, or ``--output``."""
    tagged = m.tag(sentences.tokens)
    if args.output:
        _write_tagged(args.output, sentences.tokens, tagged, args.json, sentences)
    elif args.json:  # one JSON object per sentence, as for TEXT arguments
        for sent, tags in zip(sentences.tokens, tagged, strict=True):
            print(_json_line(sent, tags))
    else:
        sys.stdout.writelines(f"{line}\n" for line in tagged_lines(sentences, tagged))


def _file_to_tag(path: str, tags: Sequence[str]) -> Sentences | list[str]:
    """What ``predict --file`` tags: a CoNLL file's sentences, a ``word/TAG`` file's (judged on its first lines as
    training reads it, :func:`~rnnkit.data.slashtags.looks_slash_tagged`: the words, without the tags), or the
    non-blank lines of a file of plain sentences, one a line. A file is plain sentences when its lines have different
    numbers of words, or when it is one block of lines (no blank line) whose last column is mostly not tags the model
    knows (fewer than half of its lines): three sentences of three words each read as CoNLL were one sentence of
    their first words. A tagged sentence with a tag the model does not know (a test file's ``B-MISC``) stays CoNLL:
    each of its lines was a sentence, its tags tagged as words."""
    text = tagged_text(path, UNTAGGED)  # read once: a pipe (--file <(zcat test.conll.gz)) was empty the second time
    if looks_slash_tagged(text.split("\n")):  # its tags were tagged as part of each word
        shared.say(f"{path}: read as WORD/TAG tokens, a sentence a line; their words tagged, the file's tags left out")
        return read_slash_tagged(path, content=text)
    try:
        sentences = read_conll(path, require_tags=False, content=text)
    except NotConll:
        return _plain_sentences(path, text)
    only, known = sentences.tags[0] if len(sentences) == 1 else None, set(tags)
    if only is not None and len(only) > 1 and 2 * sum(t in known for t in only) < len(only):
        return _plain_sentences(path, text)
    return sentences


def _plain_sentences(path: str, text: str) -> list[str]:
    shared.say(f"{path}: read as one sentence a line (not CoNLL: a token and its tag a line)")
    return [line.strip() for line in text.split("\n") if line.strip()]


def _evaluate_command(m: SequenceTagger, args: argparse.Namespace) -> int:
    _refuse_columns(args)
    m = with_ensemble(m, args)
    # an ensemble's matrix only with --png: DIR/confusion.png is the first model's own
    png = args.png if len(m.checkpoints) > 1 else shared.evaluation_png(args)
    scores = m.evaluate(args.data, split=args.split, png=png)
    say_ensemble(m.checkpoints, args.json)  # once the models are scored: not above a refusal
    shared.print_evaluation(scores, "tokens", args.json)
    if not args.json:
        oov = "n/a" if scores["oov_accuracy"] is None else f"{scores['oov_accuracy']:.4f}"
        print(f"accuracy on words unseen in training {oov} ({counted(scores['oov_count'], 'token')})")
        if "span_f1" in scores:
            print(f"spans (conlleval): precision {scores['span_precision']:.4f}  recall {scores['span_recall']:.4f}  "
                  f"F1 {scores['span_f1']:.4f}  ({scores['correct_spans']} correct of {scores['true_spans']} true, "
                  f"{scores['pred_spans']} predicted)")
    return 0


def _train_arguments(p: argparse.ArgumentParser) -> None:
    d = TagConfig(embedding=EMBEDDING)
    shared.add_model_arguments(p, d, "training file (CoNLL, or WORD/TAG a sentence a line)")
    g = p.add_argument_group("tagger")
    g.add_argument("--char-dim", type=int, help=f"character embedding of the spelling encoder, 0 = no spelling "
                   f"encoder (default {CHAR_DIM} for word tokens, 0 when every token is one character)")
    g.add_argument("--char-hidden", type=int,
                   help=f"spelling encoder LSTM units per direction; with --char-encoder cnn half its "
                   f"filters (default {d.char_hidden})")
    g.add_argument("--word-dropout", type=float, help="alpha of word dropout: a training word seen f times becomes "
                   f"<unk> with probability alpha/(alpha+f); 0 = off (default {d.word_dropout})")
    g.add_argument("--char-encoder", choices=CHAR_ENCODERS, help="how the spelling encoder reads a word's "
                   f"characters: lstm (a BiLSTM) or cnn (width-3 filters, max-pooled; faster) "
                   f"(default {d.char_encoder})")
    g.add_argument("--fold-words", action=argparse.BooleanOptionalAction, default=None,
                   help="key the word embedding by the word lower-cased with digits as 0 (the spelling encoder still "
                   f"sees the word as written) (default {'on' if d.fold_words else 'off'})")
    g.add_argument("--crf", action=argparse.BooleanOptionalAction, default=None,
                   help="a linear-chain CRF output layer with Viterbi decoding (default off)")
    shared.vectors_argument(g, "the words", "Lample et al. 2016; with --fold-words, looked up folded")
    g.add_argument("--freeze-vectors", action=argparse.BooleanOptionalAction, default=None,
                   help="with --pretrained-vectors: the word embedding table does not train (Keras' Embedding("
                        "trainable=False)); the whole table, so the rows of words not found in the file and <unk> "
                        "keep their random start; the spelling encoder trains (default off)")
