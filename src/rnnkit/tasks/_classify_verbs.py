"""The classifier's verbs on the command line: ``rnnkit predict DIR`` and ``rnnkit evaluate DIR`` of a text
classifier (what they read, print and write), over :class:`rnnkit.tasks.classify.TextClassifier`'s methods,
which do the work. :mod:`rnnkit.tasks.classify` registers them with its flags."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rnnkit import strictjson
from rnnkit.data.tabular import file_format, refuse_workbook, write_rows, write_table
from rnnkit.errors import UserError, check_count, check_filled, report_warnings, warn
from rnnkit.metrics import per_class_table
from rnnkit.multilabel import format_multilabel_report, label_joiner, shown_labels
from rnnkit.tasks import _text as shared
from rnnkit.tasks._classify_explain import explanation_cell, explanation_line
from rnnkit.tasks._ensemble import say_ensemble, with_ensemble
from rnnkit.wording import counted

if TYPE_CHECKING:
    from rnnkit.tasks.classify import TextClassifier

__all__ = ["evaluate_command", "mcnemar_line", "predict_command"]


def predict_command(m: TextClassifier, args: argparse.Namespace) -> int:
    m = with_ensemble(m, args)  # first: the outputs checked next may not replace any model's files
    shared.check_one_source(args)
    shared.check_output(m, args)
    if args.output:  # CSV in an .xlsx was a file Excel refused to open
        refuse_workbook(args.output, "--output", "predictions are written as CSV (name it .csv: Excel opens it), TSV "
                        "(.tsv) or JSON Lines (.jsonl)")
    if args.text_column is not None and (args.texts or args.file == "-"):
        raise UserError("--text-column: applies only with --file FILE (a CSV, TSV or JSONL file's column)")
    threshold, top_k = args.threshold, args.top_k
    # a --top-k or --threshold out of range, or a --threshold for a single-label model, before any text is read
    m.predict([], threshold=threshold, top_k=top_k)
    if args.explain is not None:  # named as given: explain()'s own check named a 'top' predict has no flag for
        check_count("explain", args.explain, 1)
    added = m.added_columns(top_k, explain=args.explain is not None)
    texts = shared.given_texts(args)
    if texts is not None and args.file == "-":
        texts = _without_label_marks(texts)
        _warn_json_line(texts)
    check_filled(args.texts or [], "classify", arguments=True)  # the lines of --file - are never empty
    if args.output and str(args.output).lower().endswith(".json"):  # it was written as CSV, any other name is
        raise UserError(f"--output {args.output}: predictions are written as JSON Lines (one object a row: name it "
                        ".jsonl), CSV (.csv) or TSV (.tsv), not as one JSON document")
    fmt = file_format(args.output) if args.output else "jsonl" if args.json else "csv"
    # CSV/TSV write p_ with six decimals and an effect with two, from the number itself (rounded to 6 digits
    # first, an effect of 0.0049996 was 0.005, +0.01 in the cell where the screen's line said +0.00)
    digits = 6 if fmt == "jsonl" else None
    if texts is not None:
        if args.output:  # written as a file's rows are
            return _write_predictions(m, args, added, *m._text_rows(texts, threshold, top_k, args.explain, digits))
        why = m.explain(texts, args.explain) if args.explain is not None else [None] * len(texts)
        for r, w in zip(m.predict(texts, digits=6 if args.json else None, threshold=threshold, top_k=top_k), why,
                        strict=True):
            if args.json:
                print(strictjson.dumps({**r, **({"explanation": w} if w else {})}, ensure_ascii=False))
            else:
                print(_line(m, r, top_k) + ("" if w is None else "\n" + explanation_line(w)))
        return 0
    with report_warnings():  # a file read without a header line: how it was read
        columns, rows = m.predict_file(args.file, args.text_column, threshold, top_k, args.explain, digits)
    if args.output:
        return _write_predictions(m, args, added, columns, rows)
    rows = _cells(m, rows, fmt, "explanation" in added)
    write_rows(sys.stdout, fmt, columns, rows, _probability_columns(m))  # --json: as --output .jsonl
    return 0


def _without_label_marks(lines: Sequence[str]) -> list[str]:
    """The lines of ``--file -`` with their ``__label__`` words taken out, as ``--file FILE`` reads a fastText
    file and fastText's ``predict model.bin - k`` reads its input (``cat test.txt | rnnkit predict DIR --file -``
    classified the marks as words of the text: other labels than ``--file test.txt`` gave the same lines)."""
    from rnnkit.data.tabular import _fasttext_split  # the fastText reader's own split, so the two read alike

    texts = []
    for line in lines:
        marks, text = _fasttext_split(line)
        if marks and not text:
            raise UserError(f"--file -: a line holds labels and no text ({line[:60]!r}); every line needs a text")
        texts.append(text)
    return texts


def _warn_json_line(texts: Sequence[str]) -> None:
    """Warn when the first line of ``--file -`` is a JSON object with a ``text`` field, as ``rnnkit transcribe
    --json`` writes: it is classified as the text it is, braces and keys too (the verdicts on ``{"file": ...,
    "text": ...}`` lines came unsaid); a ``.jsonl`` file given to ``--file`` is read by its ``text`` column."""
    import json

    try:
        first = json.loads(texts[0])
    except (ValueError, RecursionError):  # nested past json's depth ('[[[...'): no JSON line, a text like any other
        return
    if isinstance(first, dict) and "text" in first:
        with report_warnings():
            warn("--file -: line 1 is a JSON object with a \"text\" field; each line is classified as the text it "
                 "is, braces and keys too (to classify the \"text\" field and keep the others beside the verdict, "
                 "save the lines as FILE.jsonl and give --file FILE.jsonl)")


def _line(m: TextClassifier, r: dict[str, Any], top_k: int | None) -> str:
    """One text's line of ``rnnkit predict``: the label (with ``--top-k`` or multi-label: the labels, joined
    as in a CSV cell), the probabilities (with ``--top-k``: of those labels alone, best first, as fastText's
    ``predict-prob``) and the text, tab-separated."""
    chosen = shown_labels(r["labels"], _joiner(m)) if "labels" in r else r["label"]
    probs = r["probabilities"]
    shown = " ".join(f"{lab}={probs[lab]:.3f}" for lab in (r["labels"] if top_k is not None else probs))
    return f"{chosen}\t{shown}\t{r['text']}"


def _joiner(m: TextClassifier) -> str:
    """What several predicted labels are joined by in a CSV/TSV cell or a printed line, so that they read back:
    the model's :attr:`~TextClassifier.label_separator`, else (a single-label model with ``--top-k``)
    :func:`rnnkit.multilabel.label_joiner`'s."""
    return label_joiner(m.labels, m.label_separator)


def _probability_columns(m: TextClassifier) -> list[str]:
    """The ``p_<label>`` columns, written with six decimals in CSV/TSV."""
    return [f"p_{lab}" for lab in m.labels]


def _cells(m: TextClassifier, rows: Sequence[dict[str, Any]], fmt: str,
           explained: bool = False) -> Sequence[dict[str, Any]]:
    """Rows as ``fmt`` writes them: a multi-label model's lists of labels (``predicted_labels``, and the
    label column of a fastText or JSONL file's rows) joined in a CSV/TSV cell by the model's
    :attr:`~TextClassifier.label_separator` (empty for none), so the cell reads back as those labels; JSONL
    keeps the lists. A single-label model's ``predicted_labels`` (``--top-k``) are joined alike. ``explained``:
    the ``explanation`` of ``--explain`` as :func:`~rnnkit.tasks._classify_explain.explanation_cell` writes it."""
    if fmt == "jsonl":
        return rows
    if explained:
        rows = [{**row, "explanation": explanation_cell(row["explanation"])} for row in rows]
    joiner = _joiner(m)
    lists = ("predicted_labels", m.config.get("label_column", "label")) if m.multi_label else ("predicted_labels",)

    def cell(value: Any) -> Any:
        return joiner.join(value) if isinstance(value, list) and all(isinstance(x, str) for x in value) else value

    return [{k: cell(v) if k in lists else v for k, v in row.items()} for row in rows]


def _write_predictions(m: TextClassifier, args: argparse.Namespace, added: list[str], columns: list[str],
                       rows: Sequence[dict[str, Any]]) -> int:
    fmt = file_format(args.output)
    rows = _cells(m, rows, fmt, "explanation" in added)
    write_table(args.output, columns, rows, _probability_columns(m))   # with six decimals in CSV/TSV
    shared.say_written(args.output, args.json, f"wrote {counted(len(rows), 'row')} with {', '.join(added)} to "
                       f"{args.output}", format=fmt, rows=len(rows), added=added)
    return 0


def evaluate_command(m: TextClassifier, args: argparse.Namespace) -> int:
    m = with_ensemble(m, args)
    m.threshold(args.threshold)  # refused for a single-label model, before the file is read
    # an ensemble's matrix only with --png: DIR/confusion.png is the first model's own
    png = args.png if m.multi_label or len(m.checkpoints) > 1 else shared.evaluation_png(args)
    # one call for both kinds (a multi-label model draws no confusion matrix: --png is refused, not defaulted)
    with report_warnings():  # a file read without a header line: how it was read
        scores = m.evaluate(args.data, split=args.split, png=png,
                            text_column=args.text_column, label_column=args.label_column, baseline=args.baseline,
                            train=args.train, threshold=args.threshold)
    say_ensemble(m.checkpoints, args.json)  # once scored: not above a refusal of --split, --png or the file
    if m.multi_label:
        return _print_multi_label(m, scores, args)
    shared.print_evaluation(scores, "texts", args.json)
    if args.baseline and not args.json:
        b = scores["baseline"]
        print(_baseline_lines(b, len(m.checkpoints)))
        print(f"{'':<10}{'rnnkit':>8}{'baseline':>10}")
        for key, name in (("accuracy", "accuracy"), ("macro_f1", "macro-F1")):
            print(f"{name:<10}{scores[key]:>8.4f}{b[key]:>10.4f}")
        print(mcnemar_line(b["mcnemar"]))
    return 0


def _baseline_lines(b: dict[str, Any], models: int) -> str:
    """:func:`_baseline_line`, then the baseline's per-label table as the model's report has one
    (:func:`~rnnkit.metrics.per_class_table`): its precision, recall and F1 of each label were in ``--json`` alone."""
    return "\n".join([_baseline_line(b, models), *per_class_table(b)])


def _baseline_line(b: dict[str, Any], models: int) -> str:
    """The line that says what the baseline is and what it was trained on (beside an ensemble: the first model's
    training rows, said so)."""
    whose = " (the first model's training rows)" if models > 1 else ""
    return f"baseline: {b['model']}, C={b['C']:g}, trained on {b['train_rows']:,} rows of {b['train']}{whose}"


def _print_multi_label(m: TextClassifier, scores: dict[str, Any], args: argparse.Namespace) -> int:
    """What ``rnnkit evaluate`` prints of a multi-label model: its report at ``--threshold``, no confusion
    matrix."""
    if args.json:
        print(strictjson.dumps(scores, ensure_ascii=False))
        return 0
    print(format_multilabel_report(scores, "texts"))
    if args.baseline:
        b = scores["baseline"]
        print(_baseline_lines(b, len(m.checkpoints)))
        print(f"{'':<13}{'rnnkit':>8}{'baseline':>10}")
        for key, name in (("micro_f1", "micro-F1"), ("macro_f1", "macro-F1"), ("exact_match", "exact match"),
                          ("precision_at_1", "P@1"), ("recall_at_1", "R@1")):
            print(f"{name:<13}{scores[key]:>8.4f}{b[key]:>10.4f}")
        print("no McNemar's test: it compares one label a text right or wrong; these texts have several")
    return 0


def mcnemar_line(test: dict[str, Any]) -> str:
    """What McNemar's test says of the model against the baseline, in a sentence."""
    better = "rnnkit" if test["model_only"] > test["baseline_only"] else "the baseline"
    if test["model_only"] == test["baseline_only"]:  # 0 and 0 too: no split to call uneven
        split = "no text only one gets right" if not test["model_only"] else "an even split"
        verdict = f"{split}: no evidence that either is more accurate"
    elif test["p_value"] < 0.05:
        verdict = f"{better} is the more accurate by more than chance explains, at the 5% level"
    else:
        verdict = "a split this uneven is common by chance: no evidence that either is more accurate"
    return (f"texts only one gets right: rnnkit {test['model_only']:,}, baseline {test['baseline_only']:,}; "
            f"McNemar's exact test p = {test['p_value']:.3g} ({verdict})")
