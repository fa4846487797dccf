"""``rnnkit report RUN [--text FILE] [--data FILE] [--threshold P] [--device D] [--threads N] [--output FILE]
[--open]``: an HTML page of a run.

Writes ``RUN/report.html``, or ``--output FILE`` (a run on a read-only share; see :mod:`rnnkit.report`): the
configuration, learning curves, size and time of any run, and what the task adds (a character LM's units and
gates, a classifier's confusion matrix and mistakes, a translator's or captioner's attention, a recogniser's
CTC alignments); an ``rnnkit experiment`` or ``diagnose`` directory gets its curves. ``--open`` shows the page
written in the default browser. ``--device`` is where the model does the page's work (scoring a classifier's
validation file, tracing a character LM's units, decoding examples), as ``rnnkit evaluate --device`` (default
cpu). ``rnnkit train ... --report`` writes the same page at the end of a run.
"""

from __future__ import annotations

import argparse
import sys
import webbrowser

from rnnkit.tasks import Command, register
from rnnkit.train.options import add_device_argument, add_threads_argument, use_threads

__all__: list[str] = []


def _arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("run", metavar="RUN", help="a run directory (--out of rnnkit train, experiment or diagnose)")
    p.add_argument("--text", metavar="FILE",
                   help="character LM: the UTF-8 text its units are shown on (default: its validation split)")
    p.add_argument("--chars", type=int,
                   help="character LM: characters of that text to look at (default 2000)")
    p.add_argument("--data", metavar="FILE",
                   help="classifier or tagger: a labelled file to score; translator: a pairs file; speech or "
                        "caption: a corpus folder (default: the run's validation data)")
    p.add_argument("--threshold", type=float, metavar="P",
                   help="multi-label classifier: the probability a label is given at, as evaluate --threshold "
                        "(default 0.5)")
    add_device_argument(p)  # as every verb that runs a trained model takes them
    add_threads_argument(p)
    p.add_argument("--output", metavar="FILE",
                   help="write the page here instead of RUN/report.html (a run on a read-only share); not a file "
                        "the page is made from, nor inside the run's best/ or last/")
    p.add_argument("--open", action="store_true", help="open the page in the default browser")


def _report_command(args: argparse.Namespace) -> int:
    from rnnkit.report import experiment_run, run_dir, warn_no_model, write_report

    use_threads(args)
    if args.threads is not None and experiment_run(run := run_dir(args.run)):
        warn_no_model(run, f"--threads {args.threads}")
    path = write_report(args.run, output=args.output, text=args.text, data=args.data, chars=args.chars,
                        threshold=args.threshold, device=args.device)
    print(f"wrote {path}")
    if args.open and not webbrowser.open(path.resolve().as_uri()):
        print(f"rnnkit: warning: --open: no web browser found here; open {path} in one", file=sys.stderr, flush=True)
    return 0


register(Command("report", "write RUN/report.html (or --output FILE): curves, configuration and what the model learned",
                 _arguments, _report_command,
                 description="Write a self-contained HTML report of a run (no network needed to view it)."))
