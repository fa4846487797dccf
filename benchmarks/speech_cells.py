"""English phoneme recognition by cell and direction: the same `rnnkit train speech` command with each
recurrent family, bidirectional and not, for the same wall-clock budget, one run after the other, each
scored on the test split (unseen words, unseen voices) greedy and with a prefix beam.

Protocol: a corpus made by ``rnnkit data speech`` (see docs/SPEECH.md); every run is
``rnnkit train speech --data CORPUS --subsample 3 --batch-size 32 --minutes M --cell C [--no-bidirectional]``
with the other settings at their defaults, then ``rnnkit evaluate RUN --data CORPUS/test --beam 1|K --json``.
Runs are serial: start nothing else on the machine meanwhile. The table is printed as Markdown and written
with every figure to ``OUT/results.json``.

    python benchmarks/speech_cells.py runs/en-speech --out runs/speech-cells --minutes 10
    python benchmarks/speech_cells.py runs/en-speech --out /tmp/sc --minutes 0.2 --runs lstm-bi   # a check
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

RUNS = {
    "lstm-bi": ("lstm", True),
    "gru-bi": ("gru", True),
    "rnn_tanh-bi": ("rnn_tanh", True),
    "lstm-uni": ("lstm", False),
}


def rnnkit(*args: str) -> str:
    """Run the CLI of this interpreter's rnnkit; its standard output (stops the benchmark on failure)."""
    done = subprocess.run([sys.executable, "-m", "rnnkit", *args], capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"rnnkit {' '.join(args)} failed:\n{done.stderr[-2000:]}")
    return done.stdout


def last_json(text: str) -> dict:
    return json.loads(text.strip().splitlines()[-1])


def run(name: str, corpus: Path, out: Path, minutes: float, beam: int, extra: list[str]) -> dict:
    cell, bidirectional = RUNS[name]
    model = out / name
    train = last_json(rnnkit("train", "speech", "--data", str(corpus), "--out", str(model), "--subsample", "3",
                             "--batch-size", "32", "--minutes", str(minutes), "--cell", cell,
                             "--bidirectional" if bidirectional else "--no-bidirectional", "--overwrite",
                             "--no-progress", "--json", *extra))
    scores = {k: last_json(rnnkit("evaluate", str(model), "--data", str(corpus / "test"), "--beam", str(k),
                                  "--json")) for k in (1, beam)}
    return {"cell": cell, "bidirectional": bidirectional, "train": train,
            "greedy": scores[1], "beam": scores[beam]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus", type=Path, help="a folder made by `rnnkit data speech` (train/, val/, test/)")
    ap.add_argument("--out", type=Path, required=True, help="directory for the runs and the results")
    ap.add_argument("--minutes", type=float, default=10.0, help="training time of each run (default %(default)s)")
    ap.add_argument("--beam", type=int, default=8, help="beam width of the prefix-beam scoring (default %(default)s)")
    ap.add_argument("--runs", nargs="+", choices=list(RUNS), default=list(RUNS),
                    help="which runs (cell and direction) to train (default all)")
    ap.add_argument("extra", nargs="*", help="more `rnnkit train speech` options, after --")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    results = {}
    print(f"| model ({args.minutes:g} min) | updates | best val loss (step) | val PER | test PER greedy "
          f"| test PER beam {args.beam} | test WER (greedy) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name in args.runs:
        r = results[name] = run(name, args.corpus, args.out, args.minutes, args.beam, args.extra)
        (args.out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
        t = r["train"]
        print(f"| {name} | {t['steps']:,} | {t['best_val_loss']:.3f} ({t['best_step']:,}) "
              f"| {100 * t['val_per']:.1f} % | {100 * r['greedy']['per']:.1f} % | {100 * r['beam']['per']:.1f} % "
              f"| {100 * r['greedy']['wer']:.1f} % |", flush=True)


if __name__ == "__main__":
    main()
