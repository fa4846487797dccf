"""``rnnkit prepare TEXT [--out DIR]``: encode a text once into a memory-mapped token file for training.

What ``rnnkit train charlm --data TEXT`` does on its first run, as a step of its own (a text far larger
than memory; a text whose directory is read-only: prepare it elsewhere and train with ``--data DIR``).
The layout and the fingerprint that decides reuse are described in :mod:`rnnkit.data.prepared`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from rnnkit import strictjson
from rnnkit.data.prepared import prepare_text
from rnnkit.errors import UserError, refuse_empty_name
from rnnkit.files import file_in_the_way
from rnnkit.tasks import Command, register
from rnnkit.train.checkpoint import refuse_run_output

__all__: list[str] = []


def _prepare_command(args: argparse.Namespace) -> int:
    refuse_empty_name(args.text, "a UTF-8 text file", "TEXT")  # Path(""): ": is a directory" named nothing
    if args.out == "":  # an unset shell variable: Path("") is the current directory, which nobody asked for
        raise UserError("--out '': expected a new or empty directory for the prepared text")
    if args.out is not None and (blocker := file_in_the_way(args.out)):  # mkdir's "File exists" said nothing more
        where = "" if blocker == Path(args.out) else f"{blocker} "
        raise UserError(f"--out {args.out}: {where}is a file; expected a new or empty directory for the prepared text")
    if args.out is not None:  # a run's next save would take the prepared text with it
        refuse_run_output(args.out, "--out", "give another --out")
    prepared = prepare_text(args.text, args.out, missing="expected a UTF-8 text file (the built-in corpora, "
                            "'shakespeare' and 'korean', need no preparing)")
    what = "encoded" if prepared.encoded else "unchanged, reused"
    chars, vocab = prepared.tokens.numel(), len(prepared.vocab)
    if args.json:
        print(strictjson.dumps({"text": args.text, "out": str(prepared.directory), "chars": chars, "vocab_size": vocab,
                          "dtype": str(prepared.tokens.dtype).removeprefix("torch."), "encoded": prepared.encoded}))
    else:
        how = f"--data {prepared.directory}" if args.out else f"--data {args.text} (or --data {prepared.directory})"
        print(f"{args.text}: {chars:,} characters, vocabulary {vocab} ({what}) in {prepared.directory}; "
              f"train with {how}")  # --data TEXT looks beside the text, not in an --out elsewhere
    return 0


def _arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("text", metavar="TEXT", help="a UTF-8 text file")
    p.add_argument("--out", help="a new or empty directory to write (default: TEXT.rnnkit beside the text, or under "
                   "~/.cache/rnnkit/prepared where that cannot be written)")
    p.add_argument("--json", action="store_true", help="one JSON object")


register(Command("prepare", "encode a text once into a memory-mapped token file (texts larger than memory)",
                 _arguments, _prepare_command))
