"""The character language model's verbs on the command line: ``rnnkit sample DIR`` and ``rnnkit score DIR``
(what they read and print), over :class:`rnnkit.tasks._charlm_trained.CharLM`'s methods, which do the work.
:mod:`rnnkit.tasks.charlm` registers them with their flags (:mod:`rnnkit.tasks._charlm_flags`)."""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

from rnnkit import strictjson
from rnnkit.data.text import decode_text, read_utf8, without_boms
from rnnkit.data.utf8 import open_readable, stdin_text, unreadable
from rnnkit.errors import UserError, check_filled, report_warnings, warn_file_names

if TYPE_CHECKING:
    from rnnkit.tasks._charlm_trained import CharLM


def _sample_command(lm: CharLM, args: argparse.Namespace) -> int:
    prime = _prime(args)
    # a seed of the clock draws, printed by --verbose to do so again; greedy from a prime draws nothing
    drawn = args.temperature != 0 or not prime
    seed = args.seed if args.seed is not None or not drawn else int(time.time_ns() % 2**31)
    start = time.perf_counter()
    chars = lm.stream(prime, args.length, args.temperature, args.top_k, seed, args.top_p,
                      threads=getattr(args, "threads", None))
    if args.json:  # the whole text once drawn, with the settings that draw it again (the seed of the clock too)
        print(strictjson.dumps({"model": str(args.dir), "text": prime + "".join(chars), "prime": prime,
                                "length": args.length, "temperature": args.temperature, "top_k": args.top_k,
                                "top_p": args.top_p, "seed": seed}, ensure_ascii=False))
    else:
        _write_as_drawn(prime, chars)
    if args.verbose:
        dt = time.perf_counter() - start
        print(f"{args.length} chars in {dt:.2f} s ({args.length / max(dt, 1e-9):,.0f} chars/s)"
              f"{'' if seed is None else f', seed {seed}'}", file=sys.stderr)
    return 0


def _prime(args: argparse.Namespace) -> str:
    """The text sampling starts from: ``--prime``, or the text of ``--prime-file`` read as training reads its text
    (:func:`~rnnkit.data.text.read_utf8`: a BOM dropped, CRLF and CR made LF, an empty file or bytes that are not
    UTF-8 refused in one line); the two together are refused. The model reads either in the Unicode form it knows
    (:meth:`~rnnkit.tasks._charlm_trained.CharLM.known_form`)."""
    path = getattr(args, "prime_file", None)
    if path is None:
        return args.prime or ""
    if args.prime is not None:
        raise UserError("--prime and --prime-file both give the text to start from: give one of the two")
    return read_utf8(path, missing="--prime-file takes a UTF-8 text file")


def _write_as_drawn(prime: str, chars: Iterable[str]) -> None:
    """``prime``, then the drawn ``chars`` on standard output as they come (a line, or 64 characters, at a time),
    ended by a line end."""
    out = sys.stdout
    out.write(prime)
    buf: list[str] = []
    last = prime[-1:]
    for ch in chars:
        buf.append(ch)
        last = ch
        if ch == "\n" or len(buf) >= 64:
            out.write("".join(buf))
            out.flush()
            buf.clear()
    out.write("".join(buf) + ("" if last == "\n" else "\n"))
    out.flush()


def _score_command(lm: CharLM, args: argparse.Namespace) -> int:
    if (args.file or []).count("-") > 1:
        raise UserError("--file - is given twice: standard input is read once, as one text")
    named = [(None, t) for t in args.texts] + [(f, _read_score_file(f)) for f in args.file or []]
    if not named:
        raise UserError("nothing to score: give one or more TEXT arguments or --file PATH")
    check_filled(args.texts, "score", empty=lambda text: text == "", arguments=True)  # a text of spaces is scored
    warn_file_names(args.texts)
    given = [flag for flag, value in (("--dynamic-lr", args.dynamic_lr), ("--segment", args.segment),
                                      ("--dynamic-method", args.dynamic_method)) if value is not None]
    if given and not args.dynamic:
        raise UserError(f"{given[0]} sets dynamic evaluation; add --dynamic")
    with report_warnings():
        results = lm.score([t for _, t in named], dynamic=args.dynamic, dynamic_lr=args.dynamic_lr,
                           segment=args.segment,
                           method=args.dynamic_method)
    for (file, _), r in zip(named, results, strict=True):
        if file is not None:
            del r["text"]  # a file's whole text is not echoed back
            r["file"] = file
    if args.json:
        for r in results:  # JSON has no infinity: a perplexity beyond the float range is null
            if r["perplexity"] == math.inf:
                r["perplexity"] = None
        print(strictjson.dumps({"model": str(args.dir), "models": [str(lm.checkpoint.path)], "results": results},
                               ensure_ascii=False))
        return 0
    for r in results:
        shown = r["file"] if "file" in r else r["text"] if len(r["text"]) <= 60 else r["text"][:57] + "..."
        if r["chars"]:
            print(f"log_prob {r['log_prob']:10.3f} nats  bits/char {r['bits_per_char']:.3f}  "
                  f"perplexity {r['perplexity']:8.3f}  chars {r['chars']:5d}  {shown!r}")
        else:
            print(f"log_prob {0:10.3f} nats  (no known characters)  {shown!r}")
    return 0


def _read_score_file(path: str) -> str:
    """The text of ``score --file``: ``-`` is standard input, read whole as one text (as predict's and translate's
    ``--file -`` read it; it was a file named ``-``: "-: no such file"); a folder, a device (``/dev/zero`` was
    read until memory ran out) or an unreadable file is refused in one line, as
    :func:`~rnnkit.data.utf8.open_readable` says it. A BOM is dropped wherever it stands, as training drops it
    (:func:`~rnnkit.data.text.without_boms`); a standard input of whitespace only is refused as empty, as a file of
    it is (:func:`~rnnkit.data.text.decode_text`)."""
    if path == "-":
        text = without_boms(stdin_text())
        if not text.strip():
            raise UserError("--file -: standard input is empty; expected the UTF-8 text to score")
        return text
    with open_readable(path, "a UTF-8 text file", missing="--file takes a UTF-8 text file") as fh:
        try:
            raw = fh.read()
        except OSError as exc:
            raise unreadable(path, exc, "--file takes a UTF-8 text file") from None
    return decode_text(raw, path)
