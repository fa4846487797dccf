"""The flags and commands of ``rnnkit train seq2seq``, ``rnnkit translate``, ``rnnkit evaluate`` of a
translator, and ``rnnkit data dates``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from rnnkit import strictjson
from rnnkit.cells import CELLS
from rnnkit.data.pairs import columns_hint, write_pairs
from rnnkit.data.tabular import file_lines, refuse_workbook
from rnnkit.data.utf8 import stdin_text, utf8_argument
from rnnkit.errors import (
    UserError,
    check_filled,
    report_warnings,
    warn_file_names,
)
from rnnkit.files import output_file, output_name
from rnnkit.models.seq2seq import ATTENTIONS
from rnnkit.plots import drawing_format
from rnnkit.sampling import add_sampling_arguments, sampling_from
from rnnkit.tasks._ensemble import add_ensemble_argument, model_paths, models_note, unattended, with_ensemble
from rnnkit.tasks._text import say_written
from rnnkit.tasks._translate_config import EMBEDDING, OUTPUT_CAP, TOKENIZERS, Seq2SeqConfig
from rnnkit.tasks._translate_decoding import Decoding, beam_alpha
from rnnkit.tasks._translate_scoring import corpus_summary
from rnnkit.tasks._translate_trained import UNATTENDED, Translator
from rnnkit.train.checkpoint import refuse_run_output
from rnnkit.train.options import add_data_arguments, add_label_smoothing_argument
from rnnkit.wording import counted


def _translate_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("texts", nargs="*", metavar="TEXT", type=utf8_argument("TEXT"), help="texts to translate")
    p.add_argument("--file", help="one source text a line (a pairs file's source side is read before its tab); "
                                  "a blank line gives a blank translation; - reads standard input")
    p.add_argument("--output", help="write the translations here instead of standard output, as they would be "
                                    "printed (JSON lines with --json: unlike predict's, the name's extension does "
                                    "not choose the format), and say what was written")
    _decoding_arguments(p)
    p.add_argument("--n-best", type=int, default=1,
                   help="hypotheses per text (at most --beam; up to 10,000 samples with --sample; default 1); "
                        "above 1, each is a line SOURCE<TAB>SCORE<TAB>TEXT, SOURCE the text's 0-based index (a "
                        "--file's line - 1), best first")
    add_sampling_arguments(p, "translations", "back-translation")
    p.add_argument("--json", action="store_true",
                   help="one JSON object per text (the lines of --output too, which then says what it wrote as one "
                        "JSON object)")
    p.add_argument("--attention-png", metavar="FILE", help="draw the attention of the first translation here (.png, "
                   ".svg, .pdf, .jpg ...: the format its suffix names)")
    add_ensemble_argument(p, "translators", "TEXT")


def _decoding_arguments(p: argparse.ArgumentParser) -> None:
    """How the translator writes: the flags ``translate`` and ``evaluate`` share (:class:`Decoding`)."""
    d = Decoding()
    p.add_argument("--beam", type=int, default=d.beam, help=f"beam size, 1 = greedy (default {d.beam})")
    p.add_argument("--alpha", type=float, help=f"GNMT length normalisation of a beam search (default {d.alpha})")
    p.add_argument("--max-len-a", type=float, default=d.max_len_a,
                   help=f"output length limit: a * source tokens + b, at most {OUTPUT_CAP} x the longer of the "
                        f"source and the model's --max-len (default {d.max_len_a})")
    p.add_argument("--max-len-b", type=int, default=d.max_len_b, help=f"see --max-len-a (default {d.max_len_b})")
    p.add_argument("--min-len", type=int, default=d.min_len, metavar="N",
                   help="write at least N tokens before ending (OpenNMT-py's -min_length; the output limit wins; "
                        f"default {d.min_len})")
    p.add_argument("--no-repeat-ngram", type=int, default=d.no_repeat_ngram,
                   help="never repeat an n-gram of this size (0 = off)")
    p.add_argument("--replace-unk", action="store_true",
                   help="write each <unk> of a word-level target as the source word its attention weighed most "
                        "(OpenNMT-py's -replace_unk)")


def _decoding(args: argparse.Namespace) -> Decoding:
    sampling = sampling_from(args) if hasattr(args, "sample") else None  # translate's flags; evaluate has none
    return Decoding(args.beam, getattr(args, "n_best", 1), beam_alpha(args.alpha, args.beam, sampling),
                    args.max_len_a, args.max_len_b,
                    args.no_repeat_ngram, args.replace_unk, args.min_len, sampling)


def _read_sources(path: str) -> list[str]:
    """The source of each line of ``path`` (``-``: standard input) ("" for a blank line, so output line N answers
    input line N)."""
    # a BOM dropped; a missing file or bytes not UTF-8 refused in one line
    lines = stdin_text().split("\n") if path == "-" else file_lines(Path(path))
    if lines and not lines[-1].strip():
        lines.pop()  # after the last newline
    sources = []
    where = "standard input" if path == "-" else path
    for n, line in enumerate(lines, 1):
        source = line.split("\t", 1)[0]
        _refuse_id_column(line, source, f"{where}:{n}", path)
        if line.strip() and not source.strip():
            raise UserError(f"{where}:{n}: the source text (before the tab) is empty")
        sources.append(source if source.strip() else "")
    return sources


def _refuse_id_column(line: str, source: str, where: str, path: str) -> None:
    """Refuse a line whose source (its first field) is empty or a number where later fields hold text: a Tatoeba
    export's ``id<TAB>text<TAB>id<TAB>text`` (or pandas' index column), whose ids were translated unsaid, as the
    pairs reader refuses it in training, saying which field to cut (:func:`~rnnkit.data.pairs.columns_hint`)."""
    if line.count("\t") >= 2 and (not source.strip() or source.strip().isdigit()):
        if hint := columns_hint(line, path, sources=True):
            what = f"a number, {source.strip()!r}" if source.strip() else "empty"
            raise UserError(f"{where}: the source text (before the first tab) is {what}, and later fields hold text "
                            f"(an id column, as a Tatoeba export's 'id<TAB>text<TAB>id<TAB>text'){hint}")


def _blank_result() -> dict[str, Any]:
    """What a blank line of ``--file`` gives: a blank translation, the only one of nothing (log-prob 0)."""
    return {"source": "", "translation": "", "n_best": [{"text": "", "log_prob": 0.0, "score": 0.0}]}


def _translate_command(tr: Translator, args: argparse.Namespace) -> int:
    tr = with_ensemble(tr, args)
    if bool(args.texts) == bool(args.file):
        raise UserError("give either TEXT arguments or --file FILE (not both, not neither)")
    if args.attention_png is not None and tr.model.attention is None:
        raise UserError(f"--attention-png: {unattended(tr.checkpoints, UNATTENDED)}; there "
                        "is nothing to draw")
    # both outputs are written after these are read
    reads = [("the --file being read", None if args.file == "-" else args.file), *tr.reads]
    png = None if args.attention_png is None else output_name(args.attention_png, "--attention-png", "a PNG file",
                                                              reads)
    if png is not None:
        refuse_run_output(png, "--attention-png")
        drawing_format(png, "--attention-png")
    if args.output:  # a folder is refused before anything is translated
        output_name(args.output, "--output", "a file", reads)
        refuse_run_output(args.output, "--output")
        refuse_workbook(args.output, "--output", "translations are written as text, a line each (name it .txt; "
                        "with --json, JSON Lines: .jsonl)")
    texts = list(args.texts) if args.texts else _read_sources(args.file)
    check_filled(args.texts or [], "translate", arguments=True)  # translate() names a list's place (texts[1])
    warn_file_names(args.texts or [])
    wanted = texts if args.texts else [t for t in texts if t]
    with report_warnings():
        found = tr._translate(wanted, _decoding(args), png is not None, as_dict=True) if wanted else []
    answers = iter(found)
    results = [next(answers) if t or args.texts else _blank_result() for t in texts]
    if png is not None and found:
        with report_warnings():  # a label no installed font can draw
            _draw_attention(tr, found[0], png, args.json)
    lines = []
    for n, r in enumerate(results):
        if args.json:
            lines.append(strictjson.dumps({k: r[k] for k in ("source", "translation", "n_best", "attention_png")
                                           if k in r}, ensure_ascii=False))
        elif args.n_best > 1:  # the source's index, as fairseq's H-N and Marian's N ||| ...; best first
            lines.extend(f"{n}\t{h['score']:.4f}\t{h['text']}" for h in r["n_best"])
        else:
            lines.append(r["translation"])
    text = "".join(line + "\n" for line in lines)
    if args.output:
        with output_file(args.output) as tmp:
            tmp.write_text(text, encoding="utf-8")
        drawn = {"attention_png": str(png)} if png is not None and found else {}
        say_written(args.output, args.json, f"wrote the translations of {counted(len(results), 'source')} "
                    f"to {args.output}", format="jsonl", sources=len(results), **drawn)
    else:
        sys.stdout.write(text)
    return 0


def _draw_attention(tr: Translator, first: dict[str, Any], png: Path, as_json: bool) -> None:
    """Draw the attention of the ``first`` translation in ``png`` and say so: a line on stderr, or with
    ``as_json`` its JSON object's ``"attention_png"`` (as evaluate's ``"confusion_png"``). The picture was
    written without a word, the user left to guess where."""
    from rnnkit.plots import attention_png

    attention_png(first["attention"] or [], first["source_tokens"], first["target_tokens"], png,
                  title=_attention_title(tr))
    first["attention_png"] = str(png)
    if not as_json:
        say_written(str(png), False, f"wrote the attention of the first translation to {png}")


def _attention_title(tr: Translator) -> str:
    """The title of ``--attention-png``: the model's kind of attention, or of an ensemble the attending models'
    (the picture is their mean; a model without attention adds nothing to it)."""
    kinds = [c.config["model"].get("attention") for c in tr.checkpoints]
    attending = [k for k in kinds if k != "none"]
    if len(kinds) == 1:
        return f"attention ({kinds[0]})"
    if len(attending) == 1:
        return f"attention ({attending[0]}, the one of {len(kinds)} models that attends)"
    of_all = "" if len(attending) == len(kinds) else f" of {len(kinds)}"
    return f"attention (the mean of {len(attending)} models'{of_all})"


def _evaluate_arguments(e: argparse.ArgumentParser) -> None:
    e.add_argument("--data", required=True, help="pairs file (source<TAB>target), or 'bible-en-es' (its test split)")
    _decoding_arguments(e)
    e.add_argument("--json", action="store_true", help="one JSON object on the last line")
    add_ensemble_argument(e, "translators")


def _evaluate_command(tr: Translator, args: argparse.Namespace) -> int:
    tr = with_ensemble(tr, args)
    with report_warnings():
        result = tr._evaluate(args.data, _decoding(args))
    if args.json:
        print(strictjson.dumps(result))
        return 0
    bleu = "n/a (pip install sacrebleu)" if result["bleu"] is None else f"{result['bleu']:.2f}"
    chrf = "n/a" if result["chrf"] is None else f"{result['chrf']:.2f}"
    changed = {k: v for k, v in result["decoding"].items() if k != "beam" and v != getattr(Decoding(), k)}
    settings = "".join(f", {k.replace('_', ' ')} {'on' if v is True else v}" for k, v in changed.items())
    print(f"{counted(result['pairs'], 'pair')}, beam {result['beam']}{settings}{models_note(result['models'])}: "
          f"BLEU {bleu}, chrF {chrf}, exact match {result['exact_match']:.4f}")
    if result["bleu_signature"]:
        print(f"sacreBLEU signatures: BLEU {result['bleu_signature']}; chrF {result['chrf_signature']}")
    return 0


def _score_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", required=True, help="pairs file (source<TAB>target) whose targets are scored, or "
                                                  "'bible-en-es' (its test split)")
    p.add_argument("--json", action="store_true", help="one JSON object: each pair's scores and the total")
    add_ensemble_argument(p, "translators", verb="score")


def _score_command(tr: Translator, args: argparse.Namespace) -> int:
    tr = with_ensemble(tr, args)
    with report_warnings():
        results = tr.score(args.data)
    total = corpus_summary(results)
    if args.json:
        print(strictjson.dumps({"models": model_paths(tr.checkpoints), "results": results,
                                "total": total}, ensure_ascii=False))
        return 0
    sys.stdout.write("".join(f"{r['log_prob']:.4f}\t{r['tokens']}\t{r['perplexity']:.4f}\t{r['source']}\t"
                             f"{r['target']}\n" for r in results))
    pairs = counted(total['pairs'], "pair")
    print(f"{pairs}, {total['tokens']} target tokens{models_note(tr.checkpoints)}: log-probability "
          f"{total['log_prob']:.4f}, perplexity {total['perplexity']:.4f} per token", file=sys.stderr)
    return 0


def _train_arguments(p: argparse.ArgumentParser) -> None:
    d = Seq2SeqConfig()
    g = p.add_argument_group("model")
    g.add_argument("--attention", choices=ATTENTIONS, help=f"attention (default {d.attention})")
    g.add_argument("--teacher-forcing", type=float,
                   help=f"chance of feeding the gold token (default {d.teacher_forcing})")
    g.add_argument("--teacher-forcing-floor", type=float,
                   help="lower teacher forcing linearly to this over the run (scheduled sampling; default: constant)")
    add_label_smoothing_argument(g, d.label_smoothing)
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
    g.add_argument("--embedding", type=int,
                   help=f"embedding size (default {EMBEDDING}; with --src-vectors or --tgt-vectors, their size)")
    g.add_argument("--share-decoder-embeddings", action=argparse.BooleanOptionalAction, default=None,
                   help="the output layer's weight is the target embedding matrix (weight tying, Press & Wolf 2017; "
                        "OpenNMT-py's -share_decoder_embeddings); needs --hidden equal to --embedding (default off)")
    g.add_argument("--src-vectors", metavar="FILE",
                   help="word vectors (.vec or GloVe text, .gz too) that the source embedding rows of the words "
                        "found in them start as (OpenNMT-py's -pre_word_vecs_enc); a word-level source; the embedding "
                        "size is theirs (an --embedding given must be it)")
    g.add_argument("--tgt-vectors", metavar="FILE",
                   help="... the target embedding rows (-pre_word_vecs_dec); a word-level target; both files of one "
                        "size")
    g.add_argument("--freeze-vectors", action=argparse.BooleanOptionalAction, default=None,
                   help="with --src-vectors/--tgt-vectors: each embedding table started from vectors does not train "
                        "(OpenNMT-py's -freeze_word_vecs_enc/_dec); the whole table, so the rows of words not found "
                        "keep their random start; not with --tgt-vectors and --share-decoder-embeddings (default off)")
    g.add_argument("--share-embeddings", action=argparse.BooleanOptionalAction, default=None,
                   help="one vocabulary built from both sides' texts and one embedding matrix that the encoder and the "
                        "decoder read (OpenNMT-py's -share_vocab -share_embeddings); for languages that share a "
                        "script; needs one tokenizer for both sides (default off)")
    g.add_argument("--dropout", type=float, help=f"dropout (default {d.dropout})")
    g.add_argument("--max-len", type=int,
                   help=f"tokens kept per side; a longer side is cut, with a warning (default {d.max_len})")
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
