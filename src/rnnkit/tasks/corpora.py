"""Built-in corpora that are made on the spot: ``rnnkit data NAME --out DIR [--seed S]``.

What a user gets: ``rnnkit data scam --out DIR`` writes the synthetic Korean phone-scam corpus
(:mod:`rnnkit.data.scam`) as ``train.csv``, ``val.csv`` and ``test.csv``, ready for
``rnnkit train classify --data DIR/train.csv --val-data DIR/val.csv``.
"""

from __future__ import annotations

import argparse

from rnnkit.data.scam import write_corpus
from rnnkit.errors import SettingError
from rnnkit.tasks import Generator, register


def _scam_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--train", type=int, default=2000, help="training rows (default 2000)")
    p.add_argument("--val", type=int, default=300, help="validation rows (default 300)")
    p.add_argument("--test", type=int, default=500, help="test rows (default 500)")


def _scam(args: argparse.Namespace) -> int:
    for name in ("train", "val", "test"):
        if getattr(args, name) < 1:
            raise SettingError(name, getattr(args, name), "expected a positive number of rows")
    paths = write_corpus(args.out, args.train, args.val, args.test, args.seed)
    counts = {path.name: getattr(args, path.stem) for path in paths}  # as the other generators say theirs
    print(f"wrote {sum(counts.values())} call transcripts to {args.out}: "
          + ", ".join(f"{name} {n}" for name, n in counts.items()))
    return 0


register(Generator(
    "scam", "a SYNTHETIC Korean phone-call corpus, voice-phishing scams against ordinary calls (train/val/test "
    "CSV, columns text,label,source)", _scam_arguments, _scam,
))
