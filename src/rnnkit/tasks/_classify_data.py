"""What a classifier reads: the rows of a labelled file (or of a built-in corpus) split into training and
validation rows with their labels, whether they make a multi-label run, the unlabelled texts of
``--pretrain-data``, the tokenizer and the token ids of each text. :mod:`rnnkit.tasks.classify` trains on
them, :class:`~rnnkit.tasks.classify.TextClassifier` reads its files with them."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rnnkit.data.polarity import is_polarity_source, load_polarity
from rnnkit.data.split import warn_validation_trained
from rnnkit.data.tabular import (
    Table,
    check_labels_known,
    label_spellings,
    read_table,
    read_unlabelled,
    saved_labels,
    sort_labels,
    spelled_apart,
)
from rnnkit.data.tokenize import DEFAULT_BUCKETS, build_tokenizer, check_char_ngrams, tokenizer_from_json
from rnnkit.errors import SettingError, UserError, check_filled, check_texts, report_warnings, warn
from rnnkit.tasks import _text as shared
from rnnkit.tasks._classify_config import ClassifyConfig
from rnnkit.train.checkpoint import Checkpoint
from rnnkit.train.options import learns_only, resumed_keeps
from rnnkit.train.provenance import is_recorded_data, with_digests
from rnnkit.wording import counted, line_numbers, listed

DATA_HELP = "a CSV, TSV or JSONL file with text and label columns, or 'polarity'"
#: how a file was read (:attr:`rnnkit.data.tabular.Table.reader`), in words
READERS = {"jsonl": "JSON Lines (a label list gives several labels)",
           "fasttext": "fastText's format (several __label__ marks give several labels)"}
#: the error when --data is not given (nor found in a resumed run)
MISSING_DATA = f"--data FILE is required ({DATA_HELP})"


def load_source(name: str, text_column: str, label_column: str, require_label: bool = True,
                label_separator: str | None = None) -> Table:
    """The rows of a data file (CSV, TSV or JSON Lines) or of a built-in corpus name, as a :class:`Table`
    (``label_separator``: a CSV/TSV label cell's labels are split at it)."""
    if is_polarity_source(name):
        return load_polarity(name)
    return read_table(name, text_column, label_column, require_label=require_label, label_separator=label_separator)


def _say_headerless(*tables: Table) -> None:
    """Say how each file without a header line was read (once a file), on the progress stream."""
    for path, note in dict((t.path, t.headerless) for t in tables).items():
        if note:
            shared.say(f"{path}: {note}")


def _warn_unsplit(separator: str | None, label_column: str, *tables: Table) -> None:
    """Warn (``rnnkit: warning:`` on the command line) when ``--label-separator`` split no label cell of the
    ``tables``: every text kept one label, most likely a mistyped separator (``'|'`` for cells written
    ``sauce,cheese``), and the labels with the separator's neighbour in them were learnt as labels of their own."""
    if not separator or any(t.most_labels() > 1 for t in tables):
        return
    longest = max((lab for t in tables for names in t.label_lists() for lab in names), key=lambda lab: (len(lab), lab))
    with report_warnings():
        warn(f"{tables[0].path}: --label-separator {separator!r} splits no label of column {label_column!r}; every "
             f"text has one label (the longest: {longest!r}); is the separator another character?")


#: how many groups of one label's spellings :func:`_warn_label_spellings` names
SPELLINGS_SHOWN = 3


def _warn_label_spellings(label_column: str, *tables: Table) -> None:
    """Warn (``rnnkit: warning:`` on the command line), once, of labels that are one class written two ways
    (``Scam`` and ``scam``; ``1`` and ``1.0``): they train as classes of their own, each with part of the class's
    rows, naming where each spelling is first met (the first :data:`SPELLINGS_SHOWN` groups: a file merged from two
    sources, one of them in capitals, had a warning for each of its classes)."""
    first: dict[str, str] = {}  # each label's first row, FILE:LINE
    for table in tables:
        for names, line in zip(table.label_lists(), table.lines, strict=True):
            for name in names:
                first.setdefault(name, f"{table.path}:{line}")
    groups = label_spellings(first)
    if not groups:
        return
    said = "; ".join(f"the labels {listed([f'{label!r} ({first[label]})' for label in group])} differ only in "
                     f"{spelled_apart(group[0])}" for group in groups[:SPELLINGS_SHOWN])
    more = len(groups) - SPELLINGS_SHOWN
    said += f"; and {counted(more, 'more such group')}" if more > 0 else ""
    they = f"they are {len(groups[0])} classes" if len(groups) == 1 else "each spelling is a class of its own"
    with report_warnings():
        warn(f"column {label_column!r}: {said}; {they}, as labels are read as written (as fastText reads them): if "
             "they are one, write it one way in the file")


def warn_headerless(table: Table) -> None:
    """The same as a warning (``rnnkit: warning:`` on the command line), for the verbs of a trained model."""
    if table.headerless:
        warn(f"{table.path}: {table.headerless}")


def warn_emptied(table: Table) -> None:
    """Warn that rows of empty fields only (``,,``: Excel's emptied rows) were left out of a file to predict: the
    output then has fewer rows than the file, which pandas reads with those rows (as NaN), so predictions joined
    to it by position would stand beside the wrong rows from the first one on."""
    if table.emptied:
        warn(f"{table.path}: {counted(len(table.emptied), 'row')} of empty fields only left out "
             f"({line_numbers(table.emptied)}); the output has a row for each of the {counted(len(table), 'text')}, "
             "not one for each row of the file (pandas reads such a row as a row of NaN): join by a column, not "
             "by position")


def _text_list(verb: str, texts: object) -> list[str]:
    """``texts`` (a list, tuple, numpy array or other iterable of strings) as a list; one string is a TypeError
    (its characters would be read as one-letter texts), and so is a non-text (a numpy array was "truth value
    of an array is ambiguous", ``[5]`` "'int' object has no attribute 'strip'"). An empty (or blank) text is a
    :class:`UserError` naming its place, as a file's empty text names its line: ``probabilities`` scored it as
    one ``<unk>`` where ``predict`` refused it."""
    if isinstance(texts, str):
        raise TypeError(f"{verb} takes a list of texts; for one text, give [text]")
    items = check_texts(verb, texts)
    check_filled(items, "classify")
    return items


def _encode_texts(tokenizer: Any, texts: Sequence[str], max_len: int) -> list[list[int]]:
    """Token ids of each (stripped) text, cut to ``max_len``; an empty one becomes ``[<unk>]``."""
    return _encode_measured(tokenizer, texts, max_len)[0]


def _encode_training(tokenizer: Any, table: Table, max_len: int, which: str, say: bool = True) -> list[list[int]]:
    """:func:`_encode_texts` of a run's ``which`` table (``"training"``, ``"validation"``), with a warning (``say``)
    counting its texts longer than ``max_len`` tokens, naming the first one's line and the longest: a
    20,000-character call transcript was cut to its first 400 characters without a word, and a scam said after them
    was never read."""
    ids, lengths = _encode_measured(tokenizer, table.texts, max_len)
    long = _longer(lengths, max_len)
    if say and long:
        with report_warnings():
            head = _long_ones(long, lengths, f"{which} text", "on line ", table.lines)
            warn(f"{table.path}: --max-len {max_len}: {head} longer than {max_len:,} tokens; only "
                 f"{'its' if len(long) == 1 else 'their'} first {max_len:,} are read, in training and by predict and "
                 f"evaluate (the longest is {max(lengths):,} tokens; a larger --max-len reads more of each "
                 "text, at more time and memory a step)")
    return ids


def _encode_read(tokenizer: Any, texts: Sequence[str], max_len: int) -> list[list[int]]:
    """:func:`_encode_texts` of the texts a trained model reads (predict, evaluate), with a warning counting those
    longer than its ``max_len``, which it reads the first ``max_len`` tokens of: a call transcript longer than the
    training ones was cut without a word."""
    ids, lengths = _encode_measured(tokenizer, texts, max_len)
    long = _longer(lengths, max_len)
    if long:  # said by the caller's report_warnings (TextClassifier.probabilities), an ensemble's once
        warn(f"{_long_ones(long, lengths, 'text', 'text ', range(1, len(lengths) + 1))} longer than the model's "
             f"--max-len of {max_len:,} tokens, and only {'its' if len(long) == 1 else 'their'} first {max_len:,} "
             f"are read (the longest is {max(lengths):,} tokens; a model trained with a larger --max-len "
             "reads more)")
    return ids


def _long_ones(long: list[int], lengths: Sequence[int], noun: str, where: str, places: Sequence[int]) -> str:
    """The head of a warning of the ``long`` texts of those of ``lengths``: ``1 of 13 training texts (on line 4)
    is``, ``2 of 13 training texts (the first on line 4) are`` (``places``: each text's line or number, after
    ``where``)."""
    first = f"{'' if len(long) == 1 else 'the first '}{where}{places[long[0]]}"
    return f"{len(long):,} of {counted(len(lengths), noun, ',')} ({first}) {'is' if len(long) == 1 else 'are'}"


def _longer(lengths: Sequence[int], max_len: int) -> list[int]:
    """The indices of the lengths over ``max_len``."""
    return [i for i, n in enumerate(lengths) if n > max_len]


def _encode_measured(tokenizer: Any, texts: Sequence[str], max_len: int) -> tuple[list[list[int]], list[int]]:
    """:func:`_encode_texts` cut to ``max_len``, with each text's whole length in tokens: each text's whole token
    list is let go as soon as it is cut, so that a corpus of long texts (call transcripts) is not held whole."""
    ids: list[list[int]] = []
    lengths: list[int] = []
    for text in texts:
        whole = tokenizer.encode(text.strip()) or [1]
        lengths.append(len(whole))
        ids.append(whole[:max_len] if len(whole) > max_len else whole)
    return ids, lengths


def _read_tables(config: ClassifyConfig, data: str, val_data: str | None,
                 ckpt: Checkpoint | None) -> tuple[Table, Table, list[str]]:
    """The training and validation rows and the labels (sorted; a resumed run's own)."""
    table = load_source(data, config.text_column, config.label_column, label_separator=config.label_separator)
    if val_data:
        train_t, val_t = table, load_source(val_data, config.text_column, config.label_column,
                                            label_separator=config.label_separator)
    else:
        tr, va = shared.split_indices(table.labels, config)
        train_t, val_t = table.subset(tr), table.subset(va)
    for t in (table, val_t):
        if config.label_separator and t.reader not in ("csv", "tsv"):
            raise UserError(f"--label-separator: applies only to a CSV or TSV file's label column; {t.path} is "
                            f"read as {READERS.get(t.reader, 'a built-in corpus')}, whose texts give their labels "
                            "themselves")
    labels = (saved_labels(ckpt.config.get("labels"), f"{ckpt.path}/config.json") if ckpt  # a resumed run's own
              else sort_labels([lab for names in train_t.label_lists() for lab in names]))
    if len(labels) < 2:
        only = labels[0] if labels else ""
        raise UserError(f"{train_t.path}: column {config.label_column!r} has only one label ({only!r}) in the "
                        "training rows; a classifier needs at least two")
    whose, remedy = (("the resumed run's labels", f"; {resumed_keeps('labels')}") if ckpt else
                     (f"the labels of the training data {train_t.path}",
                      f"; {learns_only('labels', train_t.path, 'relabel the row, or add rows of that label')}"))
    if ckpt:
        check_labels_known(train_t, labels, config.label_column, whose, remedy)
    if not len(val_t):
        raise UserError(f"{data}: too few rows for a validation split ({len(table)}); give --val-data FILE")
    if not is_multi_label(config, ckpt, train_t, val_t):  # a multi-label model misses an unseen label, as fastText
        check_labels_known(val_t, labels, config.label_column, whose, remedy)
    return train_t, val_t, labels


def warn_val_trained(data: str, val_data: str | None, train: Table, val: Table) -> None:
    """Warn where ``val_data`` is the training data again, or where validation rows held out of ``data`` are training
    rows too (:func:`~rnnkit.data.split.warn_validation_trained`), rows compared by text and label; said by a run, or
    once by a search (not again by each of its trials)."""
    warn_validation_trained(data, val_data or None, zip(train.texts, train.labels, strict=True),
                            list(zip(val.texts, val.labels, strict=True)), "rows", "loss and accuracy")


def idf_source(config: ClassifyConfig, ckpt: Checkpoint | None, data: str) -> dict[str, Any] | None:
    """What ``config.json``'s data record keeps (as ``"idf"``) of the training data a ``--pooling tfidf`` run counted
    its idf on: ``data`` with its digest where the run begins; a resumed run's own record, kept with the idf (a run
    saved before it: the data it recorded). A run resumed on other data is warned that the idf stays, in the words
    of the warning of other data at a resume (:func:`rnnkit.tasks._translate_data.check_unknown`). None for another
    pooling."""
    if config.pooling != "tfidf":
        return None
    if ckpt is None:
        return with_digests({"train": data})
    saved = ckpt.config.get("data") or {}
    kept = saved.get("idf") if isinstance(saved, dict) else None
    record = kept if isinstance(kept, dict) else {k: saved[k] for k in ("train", "digests", "paths")
                                                  if isinstance(saved, dict) and k in saved}
    if not is_recorded_data(data, record):
        with report_warnings():
            warn(f"{data}: --pooling tfidf: the idf stays that of the training data it was counted on when the run "
                 f"began ({record.get('train')}); a resumed run keeps its idf: train a new run (another --out) to "
                 "count it on this data")
    return record


def _pretrain_texts(config: ClassifyConfig, ckpt: Checkpoint | None, out: Path, given: str | None) -> list[str]:
    """The unlabelled texts of ``pretrain_data`` (none for a resumed run, which was pre-trained or not
    when it began: a ``given`` pretrain_data other than its own is refused)."""
    if ckpt is not None:
        saved = (ckpt.config.get("settings") or {}).get("pretrain_data")
        if given and (not isinstance(saved, str) or ClassifyConfig.kept_form("pretrain_data", given)
                      != ClassifyConfig.kept_form("pretrain_data", saved)):
            raise UserError(f"--pretrain-data: {out} is resumed from its checkpoint, which was pre-trained (or not) "
                            "when the run began; start a new run to pre-train")
        return []
    if not config.pretrain_data:
        return []
    return [t.strip() for t in read_unlabelled(config.pretrain_data, config.text_column)]


def _tokenizer(config: ClassifyConfig, ckpt: Checkpoint | None, texts: Sequence[str], unlabelled: list[str]) -> Any:
    """A resumed run's tokenizer, else one trained on the training texts and the unlabelled ones (words
    seen only in the unlabelled texts still get trained vectors)."""
    if ckpt:
        return tokenizer_from_json(ckpt.vocab or {}, f"{ckpt.path}/vocab.json")
    tokenizer = build_tokenizer(config.tokenizer, [t.strip() for t in texts] + unlabelled, config.vocab_size,
                                min_count=config.min_count, char_ngrams=check_char_ngrams(config.char_ngrams),
                                buckets=DEFAULT_BUCKETS if config.buckets is None else config.buckets)
    if tokenizer.vocab_size <= 2 and config.min_count > 1:  # <pad> and <unk> alone, as fastText's "Empty vocabulary"
        raise SettingError("min_count", config.min_count, f"no {config.tokenizer} token of the training texts occurs "
                           "that often, so every one would read as <unk>; use a smaller --min-count")
    return tokenizer


def is_multi_label(config: ClassifyConfig, ckpt: Checkpoint | None, *tables: Table) -> bool:
    """Whether a run trains a multi-label model: a resumed run as it began; else ``--multi-label``, or a
    text of the training or validation rows with several labels. Class weights are for one label a text
    (refused with several), and a single-label run resumed on rows with several labels is refused."""
    most = max(t.most_labels() for t in tables)
    if ckpt is not None and not ckpt.config.get("multi_label") and most > 1:
        where = next(t.path for t in tables if t.most_labels() > 1)
        raise UserError(f"{where}: a text with several labels, but the run being resumed is a single-label model; "
                        "start a new run for several labels a text")
    multi = bool(ckpt.config.get("multi_label")) if ckpt is not None else config.multi_label or most > 1
    if multi and config.class_weights != "none":
        raise SettingError("class_weights", config.class_weights, "applies to one label a text; a multi-label "
                           "model weighs every label's sigmoid alike (--class-weights none)")
    return multi
