"""A trained text classifier as Python sees it: :class:`TextClassifier`, what ``rnnkit.load(DIR)`` returns for
a ``classify`` run (``predict``, ``predict_file``, ``evaluate``, ``baseline``; ``export`` comes with
:class:`~rnnkit.tasks._text.TextModel`). The command line's verbs over it are in
:mod:`rnnkit.tasks._classify_verbs`."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from rnnkit.data.polarity import is_polarity_source
from rnnkit.data.tabular import Table, check_labels_known
from rnnkit.errors import (
    SettingError,
    UserError,
    check_count,
    check_flag,
    check_read_path,
    refuse_empty_name,
    report_warnings,
)
from rnnkit.metrics import classification_report, mcnemar
from rnnkit.models.baseline import DESCRIPTION, OVR_DESCRIPTION, TfidfLogReg, TfidfOneVsRest
from rnnkit.models.classifier import Classifier
from rnnkit.models.encoder import predict_probabilities
from rnnkit.multilabel import (
    DEFAULT_THRESHOLD,
    Scored,
    check_threshold,
    check_top_k,
    label_joiner,
    multilabel_report,
    score,
    top_labels,
)
from rnnkit.tasks import _text as shared
from rnnkit.tasks import speaks_python
from rnnkit.tasks._classify_config import ClassifyConfig
from rnnkit.tasks._classify_data import (
    _encode_read,
    _encode_texts,
    _read_tables,
    _text_list,
    load_source,
    warn_emptied,
    warn_headerless,
)
from rnnkit.tasks._classify_explain import check_explain, explain_rows, explain_text, row_explanation
from rnnkit.tasks._ensemble import model_paths
from rnnkit.train.checkpoint import Checkpoint
from rnnkit.train.options import config_from
from rnnkit.train.provenance import differs_from_record, located

__all__ = ["TextClassifier"]


@speaks_python
class TextClassifier(shared.TextModel):
    """A trained text classifier: ``predict(texts)`` gives each text's label and class probabilities,
    ``evaluate(file)`` the accuracy, macro-F1, per-class scores and confusion matrix, ``export(path)``
    an ONNX file.

    Get one with ``rnnkit.load(DIR)``. ``labels`` are the classes in the order of the probabilities,
    ``model`` the :class:`Classifier` (eval mode), ``tokenizer`` its tokenizer. :meth:`ensemble` joins other
    classifiers of the same labels to it: ``rnnkit.load(A).ensemble(B, C)`` predicts by the mean of the three
    models' probabilities.
    """

    task = "classify"
    labels_key = "labels"
    unit = "texts"

    def __init__(self, ckpt: Checkpoint | str | Path) -> None:
        super().__init__(ckpt, Classifier)
        self.checkpoints = [self.checkpoint]  # one per model of an ensemble

    def ensemble(self, *others: str | Path | TextClassifier) -> TextClassifier:
        """A classifier whose probabilities are the mean of this model's and those of ``others`` (model directories
        or classifiers): :class:`~rnnkit.tasks._classify_ensemble.ClassifierEnsemble`, whose ``predict``,
        ``predict_file``, ``evaluate`` and ``explain`` are this class's. This classifier is left as it was.

        Each model reads the text with its own tokenizer, so the models may differ in tokenizer, preset, size and
        cell; they must have the same labels in the same order and be of one kind (single- or multi-label), and
        another (or a model of another task) is refused naming its directory. A directory's model is read onto
        this classifier's device; a classifier on another device is refused. Predicting costs the sum of the
        models' time."""
        from rnnkit.tasks._classify_ensemble import joined_classifiers  # it subclasses this class

        return joined_classifiers(self, others)

    @property
    def multi_label(self) -> bool:
        """Whether the model gives several labels a text (one sigmoid a label; ``config.json["multi_label"]``)."""
        return bool(self.config.get("multi_label"))

    def threshold(self, threshold: float | None, top_k: int | None = None, predicting: bool = False) -> float:
        """The threshold a multi-label prediction uses: ``threshold``, checked, or the default 0.5 (with a
        ``top_k`` too, where 0 is one: the ``top_k`` most probable labels, as fastText's ``predict FILE k``). A
        single-label model (it gives the most probable label) takes a ``threshold`` only with ``top_k``, as
        fastText's ``predict FILE k threshold`` cuts a softmax model's k labels; without one it cuts none (0).
        ``predicting``: a 0 without ``top_k`` is refused naming ``--top-k``, the flag it needs (``evaluate`` has
        none)."""
        if not self.multi_label:
            if threshold is None:
                return 0.0
            if top_k is None:
                with_k = ", or with a top k (--top-k K)" if predicting else ""  # evaluate has no --top-k
                raise SettingError("threshold", threshold, f"applies only to a multi-label model{with_k}; this one "
                                   f"gives the most probable of its labels to each text{self._own_cut()}")
            return check_threshold(threshold, zero=True)
        if threshold is None:
            return DEFAULT_THRESHOLD
        from rnnkit.train.options import plain_number

        try:
            return check_threshold(threshold, zero=top_k is not None)
        except SettingError as exc:
            value = plain_number(threshold)  # np.float32(0) too; a tensor or a str is no 0 here
            if predicting and top_k is None and type(value) in (int, float) and value == 0:
                raise SettingError("threshold", threshold, f"{exc.expected}; 0 only with a top k (--top-k K): "
                                   "the K most probable labels whatever their probability") from None
            raise

    def _own_cut(self) -> str:
        """How a two-label model's user cuts one label's probability where they want (a scam detector that should
        flag fewer calls, or miss fewer): the refusal of ``--threshold`` said only that it was refused."""
        if len(self.labels) != 2:
            return ""
        first, second = (f"p_{label}" for label in self.labels)
        return (f" (above 0.5); to call a text one label at another probability (precision traded for recall), "
                f"compare its {first} or {second} with your cut-off: `predict --file` writes them, `--json` gives "
                "\"probabilities\"")

    def _prediction_rule(self, threshold: float | None, top_k: int | None) -> tuple[float, int | None]:
        """``(threshold, top_k)`` of a prediction, both checked (:meth:`predict` and :meth:`predict_file`)."""
        top_k = None if top_k is None else check_top_k(top_k)
        return self.threshold(threshold, top_k, predicting=True), top_k

    def encode(self, texts: Sequence[str]) -> list[list[int]]:
        """The token ids the model reads for each text (stripped, cut to ``max_len``); an empty text is refused."""
        return _encode_texts(self.tokenizer, _text_list("encode", texts), self.max_len)

    def probabilities(self, texts: Sequence[str]) -> Tensor:
        """(N, K) class probabilities, in the order of ``labels``; an empty text is refused."""
        texts = _text_list("probabilities", texts)
        if not texts:
            return torch.zeros(0, len(self.labels))
        with report_warnings():
            return self._read_probabilities(texts)

    def _read_probabilities(self, texts: Sequence[str]) -> Tensor:
        """:meth:`probabilities` of checked ``texts`` (one or more), its warning of texts longer than ``max_len``
        (:func:`_encode_read`) left to the caller's :func:`report_warnings` (an ensemble's says it once)."""
        return torch.stack(predict_probabilities(self.model, _encode_read(self.tokenizer, texts, self.max_len)))

    def predict(self, texts: str | Sequence[str], digits: int | None = 6, threshold: float | None = None,
                top_k: int | None = None) -> dict[str, Any] | list[dict[str, Any]]:
        """``{"text", "label", "probabilities": {label: p}}`` per text (p rounded to ``digits``; None: not
        rounded): one text gives one dict, a list a list. An empty text is refused. A multi-label model
        gives ``{"text", "labels": [...], "probabilities"}``: every label whose probability is at least
        ``threshold`` (default 0.5; a number between 0 and 1), most probable first. ``top_k`` (an integer of 1
        or more; one past the labels gives them all, as fastText's ``predict FILE k``): ``labels`` holds at most
        that many, the most probable first, those of a multi-label model still at least ``threshold`` (which may
        then be 0); a single-label model adds ``labels`` beside ``label``, cut by ``threshold`` only when it is
        given (fastText's ``predict FILE k threshold``; without ``top_k`` it is refused there)."""
        cut, top_k = self._prediction_rule(threshold, top_k)
        if isinstance(texts, str):
            if not texts.strip():
                raise UserError("an empty text; give the text to classify")
            return self.predict([texts], digits, threshold, top_k)[0]
        texts = _text_list("predict", texts)
        if digits is not None:
            digits = check_count("digits", digits, 0)
        results = []
        for text, p in zip(texts, self.probabilities(texts), strict=True):
            probs = {lab: float(v) if digits is None else round(float(v), digits)
                     for lab, v in zip(self.labels, p, strict=True)}
            results.append({"text": text, **self._chosen(p, cut, top_k), "probabilities": probs})
        return results

    def explain(self, texts: str | Sequence[str], top: int = 5, label: str | None = None) -> Any:
        """Which words each text's label rests on (occlusion: :mod:`rnnkit.tasks._classify_explain`): ``{"text",
        "label", "probability", "words": [{"word", "start", "end", "effect"}]}`` with the ``top`` words that speak
        for the label most, the strongest first; ``effect`` is the label's log-odds, ln(p / (1 - p)), with the word
        minus without it (negative: the word speaks against it). ``label`` (default: the most
        probable) is explained. One text gives one dict, a list a list; each text costs one pass per word."""
        top, label = check_explain(self.labels, top, label)
        if isinstance(texts, str):
            if not texts.strip():
                raise UserError("an empty text; give the text to explain")
            return self.explain([texts], top, label)[0]
        return [explain_text(self._log_odds, self.labels, t, top, label) for t in _text_list("explain", texts)]

    def _log_odds(self, texts: Sequence[str]) -> Tensor:
        """(N, K) each label's log-odds for each text (float64, from the logits: they do not round to 1)."""
        return torch.stack(predict_probabilities(self.model, self.encode(texts), method="log_odds"))

    def _chosen(self, p: Tensor, cut: float, top_k: int | None) -> dict[str, Any]:
        """What a prediction gives a text of probabilities ``p``: ``label`` (single-label), ``labels``
        (multi-label, or with ``top_k``); a file's rows name them ``predicted_label(s)``."""
        if self.multi_label:
            return {"labels": top_labels(p, self.labels, top_k, cut)}
        best = {"label": self.labels[int(p.argmax())]}
        return best if top_k is None else {**best, "labels": top_labels(p, self.labels, top_k, cut)}

    def predict_file(self, path: str, text_column: str | None = None, threshold: float | None = None,
                     top_k: int | None = None, explain: int | None = None,
                     digits: int | None = 6) -> tuple[list[str], list[dict[str, Any]]]:
        """The rows of a CSV/TSV/JSONL file (or ``"polarity"``) with ``predicted_label`` and ``p_<label>`` (a
        float rounded to ``digits``, as :meth:`predict` gives it; None: not rounded) added: ``(columns, rows)``, as
        :func:`rnnkit.data.tabular.write_table` takes them. A multi-label model adds ``predicted_labels`` (a
        list of the labels at or above ``threshold``, see :meth:`predict`) in place of ``predicted_label``, and
        a fastText file's label column is a list of its labels beside it (as a JSONL file's list). ``top_k``: at
        most that many in ``predicted_labels``, which a single-label model adds after ``predicted_label``.
        ``explain`` (N, 1 or more): an ``explanation`` column last, the N words that speak most for the row's label
        with their effects (:meth:`explain`; one pass per word): a list of ``[word, effect]`` pairs, the effect
        rounded to ``digits``; a multi-label model's ``{label: pairs}`` for each label in ``predicted_labels``.
        A column of the file named as one of those added is refused (a file an earlier prediction wrote, with a
        ``predicted_label(s)`` column, loses that prediction's columns, ``explanation`` among them)."""
        cut, top_k = self._prediction_rule(threshold, top_k)
        if explain is not None:
            explain = check_count("explain", explain, 1)
        if digits is not None:
            digits = check_count("digits", digits, 0)
        check_read_path("predict_file", "path", path, "a CSV, TSV or JSONL file")
        column = self._column("predict_file", "text_column", text_column)
        label_column = self.config.get("label_column", "label")
        # its labels are carried through, not read: a cell a separator would split badly ('sauce,') is no error
        table = load_source(path, column, label_column, require_label=False)
        warn_headerless(table)
        warn_emptied(table)
        added = self.added_columns(top_k, explain=explain is not None)
        earlier = shared.earlier_prediction(table.columns, keep=(column, label_column))
        if table.rows:
            kept = [c for c in table.columns if c not in earlier]
            _check_no_clash(path, kept, added)
            columns = kept + [c for c in added if c not in kept]
        else:
            columns = ["text", "label", *added]
        rows = []
        given = table.label_lists()
        for i, cells in enumerate(self._added_cells(table.texts, cut, top_k, explain, digits)):
            row: dict[str, Any] = ({c: v for c, v in table.rows[i].items() if c not in earlier} if table.rows
                                   else {"text": table.texts[i], "label": table.labels[i] or ""})
            if self.multi_label and table.reader == "fasttext" and label_column in row:
                row[label_column] = given[i]  # a list, as predicted_labels beside it
            row.update(cells)
            rows.append(row)
        return columns, rows

    def _text_rows(self, texts: Sequence[str], threshold: float | None, top_k: int | None, explain: int | None,
                   digits: int | None) -> tuple[list[str], list[dict[str, Any]]]:
        """:meth:`predict_file`'s ``(columns, rows)`` of a file holding only ``texts`` in its ``text`` column:
        ``rnnkit predict DIR TEXT... --output`` (or ``--file -``), which writes them as it writes a file's rows."""
        cut, top_k = self._prediction_rule(threshold, top_k)
        texts = _text_list("predict", texts)
        rows = [{"text": t, **cells} for t, cells in zip(texts, self._added_cells(texts, cut, top_k, explain, digits),
                                                          strict=True)]
        return ["text", *self.added_columns(top_k, explain=explain is not None)], rows

    def _added_cells(self, texts: Sequence[str], cut: float, top_k: int | None, explain: int | None,
                     digits: int | None) -> Iterator[dict[str, Any]]:
        """Each text's cells of the columns a prediction adds (:meth:`added_columns`): ``predicted_label(s)``
        (:meth:`_chosen`), ``p_<label>`` rounded to ``digits`` (None: not rounded) and, with ``explain`` (N), its
        ``explanation`` (:meth:`_explanations`)."""
        probs = self.probabilities(texts)
        chosen = [self._chosen(p, cut, top_k) for p in probs]
        why = None if explain is None else self._explanations(texts, chosen, explain, digits)
        for p, best in zip(probs, chosen, strict=True):
            cells = {f"predicted_{key}": v for key, v in best.items()}
            cells.update({f"p_{lab}": float(v) if digits is None else round(float(v), digits)
                          for lab, v in zip(self.labels, p, strict=True)})
            if why is not None:
                cells["explanation"] = next(why)
            yield cells

    def added_columns(self, top_k: int | None = None, explain: bool = False) -> list[str]:
        """The columns a prediction adds to a file's rows: ``predicted_label`` (a multi-label model's
        ``predicted_labels``; a single-label model's with ``top_k``: both), ``p_<label>`` for each label, and
        with ``explain`` an ``explanation``."""
        single = ["predicted_label", *(["predicted_labels"] if top_k is not None else [])]
        return [*(["predicted_labels"] if self.multi_label else single), *[f"p_{lab}" for lab in self.labels],
                *(["explanation"] if explain else [])]

    def _explanations(self, texts: Sequence[str], chosen: Sequence[dict[str, Any]], top: int,
                      digits: int | None = 6) -> Iterator[Any]:
        """Each text's ``explanation`` cell (:func:`~rnnkit.tasks._classify_explain.row_explanation`, the effects
        rounded to ``digits``) for the labels ``chosen`` for it (:meth:`_chosen`'s: ``label``, a multi-label
        model's ``labels``), read a chunk of texts at a time."""
        labels = [c["labels"] if self.multi_label else [c["label"]] for c in chosen]
        for by_label in explain_rows(self._log_odds, self.labels, texts, top, labels):
            yield row_explanation(by_label, self.multi_label, digits)

    @property
    def label_separator(self) -> str | None:
        """What a CSV/TSV label cell's labels are split at, and what ``rnnkit predict`` joins a multi-label
        model's ``predicted_labels`` by (so that its output reads back): the ``--label-separator`` the model
        was trained with; else, multi-label, :func:`rnnkit.multilabel.label_joiner`'s (a comma unless a label
        holds one); else None (a cell is one label)."""
        trained = (self.config.get("settings") or {}).get("label_separator")
        return label_joiner(self.labels, trained) if self.multi_label else trained

    def evaluate(self, data: str, split: str = "all", png: str | Path | None = None, text_column: str | None = None,
                 label_column: str | None = None, baseline: bool = False, train: str | None = None,
                 threshold: float | None = None) -> dict[str, Any]:
        """Accuracy, macro-F1, per-class precision/recall/F1 and the confusion matrix on a labelled file
        (see :func:`rnnkit.metrics.classification_report`). ``split="val"``/``"train"``: only that side of
        the training run's own split of the file. ``png``: draw the confusion matrix there. ``baseline``:
        also the same report of a TF-IDF logistic regression trained on this model's training rows (see
        :meth:`baseline`), under the key ``"baseline"``, with McNemar's exact test of the two on these
        texts under ``"mcnemar"`` (``model_only``/``baseline_only``: texts only one of them gets right;
        ``p_value``: see :func:`rnnkit.metrics.mcnemar`).

        A multi-label model gives :func:`rnnkit.multilabel.multilabel_report` at ``threshold`` (default 0.5):
        micro and macro precision/recall/F1, per-label scores, the exact-match ratio and fastText's P@1 and
        R@1; it draws no confusion matrix (``png`` is refused); ``baseline`` gives the same report of a
        one-vs-rest TF-IDF logistic regression (:class:`~rnnkit.models.baseline.TfidfOneVsRest`), without
        McNemar's test (a test of one label a text)."""
        baseline = check_flag("evaluate: baseline", baseline)
        if train is not None and not baseline:  # it would be ignored
            raise UserError("--train: applies only with --baseline (the baseline's training file)")
        cut = self.threshold(threshold)
        if self.multi_label and png is not None:
            raise UserError("--png: a multi-label model draws no confusion matrix (its texts have several labels "
                            "each); its per-label scores are printed instead")
        check_read_path("evaluate", "data", data, "a labelled file")
        # drawn before the baseline reads its files: --train, or the run's own
        base_train, base_val = self._baseline_files(train) if baseline else (None, None)
        self.check_png(png, ("the --data being read", data), ("the --train being read", train),
                       ("the model's training file being read (as config.json records it)", base_train),
                       ("the model's validation file being read (as config.json records it)", base_val))
        table = self._labelled(data, split, text_column, label_column)
        if self.multi_label:
            scored = self._scored(table, cut)
            if baseline:
                ovr, info = self.baseline(train, threshold)
                scored.report["baseline"] = {**multilabel_report(
                    scored.targets, ovr.probabilities(table.texts).float(), scored.columns, cut), **info}
            self.warn_trained_on(data, split, "classifies", "texts")  # once scored: not before a refusal
            return {**scored.report, "models": model_paths(self.checkpoints)}
        index = {lab: i for i, lab in enumerate(self.labels)}
        y_true = [index[str(lab)] for lab in table.labels]
        y_model = self.probabilities(table.texts).argmax(-1).tolist()
        report = self.scores(y_true, y_model, data, png)
        if baseline:
            model, info = self.baseline(train)
            y_base = [index.get(y, -1) for y in model.predict(table.texts)]
            test = mcnemar([p == t for p, t in zip(y_model, y_true, strict=True)],
                           [p == t for p, t in zip(y_base, y_true, strict=True)])
            report["baseline"] = {**classification_report(y_true, y_base, self.labels), **info,
                                  "mcnemar": {"model_only": test["first_only"], "baseline_only": test["second_only"],
                                              "p_value": test["p_value"]}}
        self.warn_trained_on(data, split, "classifies", "texts")
        return {**report, "models": model_paths(self.checkpoints)}

    def scored(self, data: str, split: str = "all", threshold: float | None = None) -> Scored:
        """A multi-label model's probabilities for the texts of a labelled file (the ``split`` side of it),
        beside their true labels, scored at ``threshold`` as :meth:`evaluate` scores them (its report is
        ``.report``): what the report page's list of confident mistakes ranks."""
        if not self.multi_label:
            raise UserError("scored: a multi-label model's; this one gives one label a text (see evaluate)")
        cut = self.threshold(threshold)
        check_read_path("scored", "data", data, "a labelled file")
        return self._scored(self._labelled(data, split, None, None), cut)

    def _scored(self, table: Table, cut: float) -> Scored:
        # a label unseen in training: a column of its own, missed
        return score(table.texts, table.label_lists(), self.probabilities(table.texts), self.labels, cut)

    def _column(self, verb: str, name: str, value: object) -> str:
        """The column ``name`` (``text_column``, ``label_column``) that ``verb`` reads: ``value``, or the model's
        own (as config.json records it) when None; a TypeError for anything but a str: ``0`` (a column index, as
        pandas takes it) read the column "text" without a word, 5 was an AttributeError from the reader. An empty
        name (an unset shell variable) is refused naming the flag: it read the model's own column, unsaid."""
        if value is not None and not isinstance(value, str):
            raise TypeError(f"{verb}: {name} takes a column name (a str), not {type(value).__name__}")
        own = self.config.get(name, name.removesuffix("_column"))
        refuse_empty_name(value, f"a column of the file's header line, or none for the model's own ({own!r})",
                          f"--{name.replace('_', '-')}")
        return value or own

    def _labelled(self, data: str, split: str, text_column: str | None, label_column: str | None) -> Table:
        """The rows of ``data`` (the ``split`` side of it); for a single-label model, one label a row, every
        label one the model knows (a multi-label model misses a label unseen in training, as fastText's test)."""
        label_column = self._column("evaluate", "label_column", label_column)
        table = load_source(data, self._column("evaluate", "text_column", text_column), label_column,
                            label_separator=self.label_separator)
        warn_headerless(table)
        side = self.split_side(table.labels, split)
        if side is not None:
            table = table.subset(side)
        if not self.multi_label:
            check_labels_known(table, self.labels, label_column)
            # several labels would be looked up by their key, 'cheese sauce': a KeyError
            for names, line in zip(table.label_lists(), table.lines, strict=True):
                if len(names) > 1:
                    raise UserError(f"{table.path}:{line}: column {label_column!r}: {len(names)} labels "
                                    f"({', '.join(map(repr, names))}), but this model gives one label a text; "
                                    "a model trained on several labels a text scores them")
        return table

    def baseline(self, train: str | None = None,
                 threshold: float | None = None) -> tuple[TfidfLogReg, dict[str, Any]]:
        """A :class:`~rnnkit.models.baseline.TfidfLogReg` fitted on the rows this model trained on (its C
        chosen on the rows that chose this model's checkpoint), and what it was trained on.

        The rows are re-read from the training file that ``config.json`` records, found from any working
        directory (``train`` names another path to it, for a model moved from where it was trained), and
        split as the run split them (same fraction and seed); a file that is not the one trained on (another
        size or SHA-256 than ``config.json`` records under ``data.digests``, or another row count) is refused.
        A multi-label model's is a :class:`~rnnkit.models.baseline.TfidfOneVsRest` (its C chosen by
        validation micro-F1 at ``threshold``); a single-label model's takes none (refused, as :meth:`evaluate`
        refuses it: nothing would read it)."""
        cut = self.threshold(threshold)  # before the files are read
        record = self.config.get("data") or {}
        path, val = self._baseline_files(train)
        if not path:
            raise UserError(f"{self.checkpoint.path}: config.json does not say what the model was trained on; "
                            "name the training file with --train FILE")
        if not is_polarity_source(str(path)) and not Path(path).is_file():
            raise UserError(f"{path}: no such file (the model's training data, as config.json records it); name "
                            "the training file with --train FILE")
        if Path(path).is_file() and differs_from_record(path, record, "train"):
            raise UserError(f"{path}: not the file the model was trained on (config.json keeps its size and "
                            "SHA-256); the file has changed since (name the right one with --train)")
        settings = config_from(ClassifyConfig, self.config.get("settings") or {})
        train_t, val_t, _ = _read_tables(settings, str(path), val, None)
        if record.get("train_rows") not in (None, len(train_t)):
            raise UserError(f"{path}: gives {len(train_t)} training rows, but the model was trained on "
                            f"{record['train_rows']}; the file has changed since (name the right one with --train)")
        rows = {"train": str(path), "train_rows": len(train_t), "val_rows": len(val_t)}
        if self.multi_label:
            ovr = TfidfOneVsRest(self.labels, cut)
            ovr.fit(train_t.texts, train_t.label_lists(), val_t.texts, val_t.label_lists())
            return ovr, {"model": OVR_DESCRIPTION, "C": ovr.C, **rows}
        model = TfidfLogReg().fit(train_t.texts, [str(x) for x in train_t.labels], val_t.texts,
                                  [str(x) for x in val_t.labels])
        return model, {"model": DESCRIPTION, "C": model.C, **rows}


    def _baseline_files(self, train: str | None) -> tuple[str | None, str | None]:
        """The training and validation files :meth:`baseline` reads: ``train``, else the run's training file,
        and the run's validation file (None without one), found as ``config.json`` records them
        (:func:`~rnnkit.train.provenance.located`). An empty ``train`` is refused, as ``--train ''`` is: it read
        as None, the run's own file, unsaid."""
        if train is not None:
            check_read_path("baseline", "train", train, "the baseline's training file (None: the run's own)")
        record = self.config.get("data") or {}
        return train or located(record, "train"), located(record, "val")


def _check_no_clash(path: str, kept: Sequence[str], added: Sequence[str]) -> None:
    """A column of the file that a prediction adds (``p_pos`` of the user's own, or a text or label column of that
    name) is refused in one line naming it: the prediction wrote over its values (a file an earlier ``predict``
    wrote has lost its columns to :func:`~rnnkit.tasks._text.earlier_prediction` already)."""
    for c in kept:
        if c in added:
            raise UserError(f"{path}: column {c!r} has the name of a column predict adds, which would replace its "
                            "values; rename that column in the file (a file with a predicted_label(s) column is "
                            "taken for an earlier prediction, whose p_ columns and explanation are replaced)")
