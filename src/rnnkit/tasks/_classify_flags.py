"""The flags of ``rnnkit train classify`` and of a classifier's ``rnnkit predict DIR`` and ``rnnkit evaluate
DIR`` (:mod:`rnnkit.tasks._classify_verbs` runs those verbs); :mod:`rnnkit.tasks.classify` registers them."""

from __future__ import annotations

import argparse

from rnnkit.data.tokenize import DEFAULT_BUCKETS
from rnnkit.models.classifier import POOLINGS
from rnnkit.multilabel import DEFAULT_THRESHOLD
from rnnkit.tasks import _text as shared
from rnnkit.tasks._classify_config import SUBWORD_MAX_LEN, TOKENIZERS, ClassifyConfig
from rnnkit.tasks._ensemble import add_ensemble_argument
from rnnkit.train.options import positive_float


def _evaluate_arguments(e: argparse.ArgumentParser) -> None:
    shared.evaluate_arguments(e)
    _threshold_argument(e, "score")
    e.add_argument("--baseline", action="store_true",
                   help="also train a TF-IDF (word 1-2 + char 2-5 grams) logistic regression on the model's "
                        "training rows and print both scores (needs scikit-learn: pip install 'rnnkit[baselines]')")
    e.add_argument("--train", metavar="FILE",
                   help="with --baseline: the model's training file, where it is no longer at the path config.json "
                        "records")
    _ensemble_argument(e, "score", None, "; the confusion matrix is drawn only with --png")


def _ensemble_argument(p: argparse.ArgumentParser, verb: str, inputs: str | None, more: str = "") -> None:
    """``--ensemble DIR [DIR ...]`` of a classifier's ``predict`` and ``evaluate`` (``more``: said after the rest)."""
    add_ensemble_argument(p, "classifiers", inputs, verb,
                          how="each text's probabilities the mean of all the models' (each reads the text with its "
                              f"own tokenizer); they need DIR's labels in DIR's order{more}")


def _threshold_argument(p: argparse.ArgumentParser, verb: str) -> None:
    zero = "; 0 too with --top-k" if verb == "predict" else ""
    single = "; single-label models: with --top-k, only the labels at least P" if verb == "predict" else ""
    p.add_argument("--threshold", type=float, metavar="P",
                   help=f"multi-label models: {verb} every label whose probability is at least P (a number between 0 "
                        f"and 1{zero}; default {DEFAULT_THRESHOLD}, fastText's predict threshold){single}")


def _predict_arguments(p: argparse.ArgumentParser) -> None:
    shared.predict_arguments(p)
    _threshold_argument(p, "predict")
    p.add_argument("--top-k", type=_integer_or_text, metavar="K",
                   help="give each text its K most probable labels, best first, with their probabilities (fastText's "
                        "predict FILE k; a K past the labels gives them all); multi-label models: at most K, those at "
                        f"or above --threshold (still {DEFAULT_THRESHOLD} unless given; --threshold 0: always K)")
    p.add_argument("--explain", type=_explain_count, nargs="?", const=5, metavar="N",
                   help="under each text's prediction, the N words (default 5) that speak for its label most, with "
                        "how much leaving each out lowers the label's log-odds (occlusion: one pass per word of each "
                        "text); with --file FILE or --output, an explanation column ('WORD +EFFECT; WORD +EFFECT', a "
                        "multi-label model's 'LABEL: ... | LABEL: ...'; JSONL: [word, effect] pairs)")
    _ensemble_argument(p, "predict", "TEXT")


def _explain_count(text: str) -> int:
    """``--explain``'s N: an int, or the hint that a text written after the flag was taken for it (``predict DIR
    --explain "good film"``: argparse's own 'invalid int value' said nothing of the order)."""
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is no number of words; give TEXT arguments before --explain, "
                                         "or --explain N") from None


def _integer_or_text(text: str) -> int | str:
    """``--top-k``'s value: an int when it reads as one, else the text, which :func:`check_top_k` refuses in the
    same ``rnnkit: error: --top-k 2.5: expected an integer >= 1`` line as ``--top-k 0`` (argparse's own
    'invalid int value' line had another form and did not say what K may be)."""
    try:
        return int(text)
    except ValueError:
        return text


def _train_arguments(p: argparse.ArgumentParser) -> None:
    d = ClassifyConfig().with_defaults()
    # a word brings a dozen ids with its character n-grams: --max-len 400 was said where 50,000 was the default
    shared.add_model_arguments(p, d, "training file (CSV, TSV, JSONL or fastText .txt) or 'polarity'",
                              f"; {SUBWORD_MAX_LEN} with --char-ngrams")
    g = p.add_argument_group("classifier")
    g.add_argument("--autotune", action=argparse.BooleanOptionalAction, default=None,
                   help="spend the --minutes budget (without --minutes: --steps updates, a repeatable search) "
                        "searching tokenizer, pooling, size, dropout and learning rate "
                        "on the validation split (the model flags given stay fixed), keep the best model and list "
                        "the trials in OUT/autotune.jsonl (default: on when --minutes is given without "
                        "--pretrain-data, --find-lr or any model flag: --tokenizer --pooling --embedding --hidden "
                        "--layers --cell --bidirectional --dropout --token-dropout --lr --min-count --vocab-size "
                        "--char-ngrams)")
    g.add_argument("--text-column", help="column holding the text (default text)")
    g.add_argument("--label-column", help="column holding the label (default label)")
    g.add_argument("--multi-label", action="store_true", default=None,
                   help="several labels a text: one sigmoid a label, trained with binary cross-entropy (fastText's "
                        "-loss ova); on by itself when a text of --data has several labels (several __label__ marks, "
                        "a JSONL list, a cell split by --label-separator)")
    g.add_argument("--label-separator", metavar="SEP",
                   help="CSV/TSV: the label cell holds several labels split at SEP ('sauce|cheese' with '|'; default: "
                        "off, the cell is one label)")
    g.add_argument("--tokenizer", choices=TOKENIZERS,
                   help="characters (default without autotune; any script), words, words and word bigrams (ngram), "
                        "or BPE subwords learned from --data")
    g.add_argument("--vocab-size", type=int, help=f"most ids of the word and BPE tokenizers (default {d.vocab_size})")
    g.add_argument("--char-ngrams", metavar="MIN,MAX",
                   help="word and ngram tokenizers: each word also brings its character MIN- to MAX-grams, marked "
                        "<word>, hashed into --buckets ids (fastText's -minn/-maxn subwords, e.g. 3,6; default 0: off)")
    g.add_argument("--buckets", type=int, help=f"with --char-ngrams (or an --autotune search that tries them): "
                   f"hash buckets of the character n-grams (fastText's -bucket; default {DEFAULT_BUCKETS})")
    g.add_argument("--min-count", type=int,
                   help="char and word tokenizers: an id only for tokens seen this often (default 1)")
    g.add_argument("--token-dropout", type=float,
                   help="during training, replace this share of tokens by <unk> (default 0; 0.1-0.2 helps "
                        "small data sets)")
    g.add_argument("--pooling", choices=POOLINGS,
                   help="how the time steps become one vector (default without autotune: last); tfidf: a bag's "
                        "(--layers 0) ids weighted as TF-IDF logistic regression weighs its features")
    g.add_argument("--class-weights", metavar="none|balanced|LABEL=W,...",
                   help="weight each class's share of the loss: balanced, by inverse class frequency; or given, "
                        "spam=5,ham=1 (a label not named weighs 1), as scikit-learn's and Keras' class_weight "
                        "(default none)")
    g.add_argument("--label-smoothing", type=float, metavar="E",
                   help="spread E of each training target over the classes (Keras' label_smoothing: a target becomes "
                        "1 - E + E/K for its class, E/K for the others; a sigmoid's 1 - E/2 and E/2); the validation "
                        "loss stays the plain one (default 0)")
    shared.vectors_argument(g, "the vocabulary's words", "fastText's -pretrainedVectors; with --tokenizer word or "
                                                         "ngram, without --autotune")
    g.add_argument("--freeze-vectors", action=argparse.BooleanOptionalAction, default=None,
                   help="with --pretrained-vectors: the embedding table does not train (Keras' Embedding(trainable="
                        "False), OpenNMT-py's -freeze_word_vecs_enc); the whole table, so the rows of words not found "
                        "in the file keep their random start; --tokenizer word without --char-ngrams (default off)")
    g.add_argument("--pretrain-data", metavar="FILE",
                   help="unlabelled texts (one per line, or the text column of a CSV/TSV/JSONL file): first "
                        "train the embedding and recurrent layers as a language model on them (Dai & Le 2015)")
    g.add_argument("--pretrain-minutes", type=positive_float, metavar="M",
                   help="wall-clock budget of the pre-training (default 1 when only --pretrain-data is given)")
    g.add_argument("--pretrain-steps", type=int, metavar="N", help="at most this many pre-training updates")
