"""Start-up time of rnnkit's commands (not a test): the wall time of each, run afresh in its own process,
median of N. With ``--against SRC`` (another checkout's ``src/``), that tree's rnnkit takes turns with this
one's, command by command, and the table gives both and their ratio.

    python benchmarks/startup.py [--repeats 7] [--against /path/to/other/checkout/src]

Tiny classifier and language models are trained first (a few seconds) for ``predict``, ``sample`` and
``score``: what a command costs before it does any work is the same for a large model.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"


def commands(root: Path) -> dict[str, list[str]]:
    cli = ["-m", "rnnkit"]
    return {"import rnnkit; rnnkit.LSTM(3, 4)": ["-c", "import rnnkit; rnnkit.LSTM(3, 4)"],
            "rnnkit --help": [*cli, "--help"],
            "rnnkit predict (classifier)": [*cli, "predict", str(root / "classify"), "a good film"],
            "rnnkit sample (language model)": [*cli, "sample", str(root / "charlm"), "--length", "20"],
            "rnnkit score (language model)": [*cli, "score", str(root / "charlm"), "to be or not"]}


def train_models(root: Path) -> None:
    data = root / "labelled.csv"
    data.write_text("text,label\n" + "".join(f"good film {i},pos\nbad film {i},neg\n" for i in range(20)))
    text = root / "text.txt"
    text.write_text("to be or not to be, that is the question. " * 40)
    small = ["--steps", "4", "--no-progress", "--hidden", "8"]
    for argv in (["train", "classify", "--data", str(data), "--out", str(root / "classify"), *small],
                 ["train", "charlm", "--data", str(text), "--out", str(root / "charlm"), *small, "--seq-len", "16"]):
        subprocess.run([sys.executable, "-m", "rnnkit", *argv], check=True, capture_output=True,
                       env={**os.environ, "PYTHONPATH": str(SRC)})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7,
                        help="runs of each command; the median is reported (default %(default)s)")
    parser.add_argument("--against", metavar="SRC", help="another checkout's src/ folder, timed in turn")
    args = parser.parse_args()
    trees = {"this": SRC, **({"against": Path(args.against).resolve()} if args.against else {})}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        train_models(root)
        cmds = commands(root)
        times: dict[tuple[str, str], list[float]] = {(c, t): [] for c in cmds for t in trees}
        for _ in range(args.repeats):
            for name, argv in cmds.items():
                for tree, src in trees.items():
                    start = time.perf_counter()
                    subprocess.run([sys.executable, *argv], check=True, capture_output=True,
                                   env={**os.environ, "PYTHONPATH": str(src)})
                    times[name, tree].append(time.perf_counter() - start)
    for name in cmds:
        this = statistics.median(times[name, "this"])
        line = f"{name:34s} {this:5.2f} s"
        if args.against:
            other = statistics.median(times[name, "against"])
            line += f"   against: {other:5.2f} s   ratio {other / this:.2f}"
        print(line)


if __name__ == "__main__":
    main()
