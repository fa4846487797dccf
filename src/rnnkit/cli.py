"""`rnnkit ...`: the command line. Thin: it parses, then calls the task that owns the verb.

Each task module under :mod:`rnnkit.tasks` listed in ``TASK_MODULES`` has a function
``register(verbs, train_verbs)`` that adds its own sub-commands to the two argparse sub-parser
collections: ``verbs`` for top-level verbs (``sample``, ``predict`` ...) and ``train_verbs`` for
``rnnkit train <task>``. Each sub-parser sets ``func`` with ``set_defaults(func=...)``; ``func(args)``
returns the exit status (or None for 0).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from rnnkit.errors import UserError

TASK_MODULES = [
    "rnnkit.tasks.demo",
    "rnnkit.tasks.charlm",
    "rnnkit.tasks.classify",
    "rnnkit.tasks.experiments",
    "rnnkit.tasks.diagnose",
    "rnnkit.tasks.info",
]


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser, with every task's verbs registered."""
    parser = argparse.ArgumentParser(
        prog="rnnkit", description="Recurrent neural networks: train, sample, score, classify, experiment."
    )
    verbs = parser.add_subparsers(dest="verb", metavar="VERB")
    verbs.required = True
    train = verbs.add_parser("train", help="train a model for a task")
    train_verbs = train.add_subparsers(dest="task", metavar="TASK")
    train_verbs.required = True
    for name in TASK_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:  # a task not written yet
            if exc.name == name:
                continue
            raise
        module.register(verbs, train_verbs)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``rnnkit`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        status = args.func(args)
    except UserError as exc:
        print(f"rnnkit: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("rnnkit: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader went away (`rnnkit sample ... | head`): stop quietly, as other Unix tools do
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    return int(status or 0)


def _console() -> None:
    sys.exit(main())


if __name__ == "__main__":
    _console()
