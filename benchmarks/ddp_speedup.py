"""Speed-up of data-parallel training: the character LM on 2 processes (torchrun, gloo) against 1.

Each run is a fresh ``rnnkit train charlm`` for ``--seconds`` with the same per-process batch
(``--batch-size``), so 2 processes read twice the characters per step; the figure is the chars/s of
the whole run (all processes, evaluation excluded), as rank 0 reports it. Settings, interleaved round
after round so that the machine's load touches each alike:

- ``1proc``: one process, torch's thread count chosen as rnnkit does (``--threads`` not given);
- ``1proc-1thread``: one process, one thread;
- ``2proc``: ``torchrun --standalone --nproc_per_node 2``, one thread each (torchrun's ``OMP_NUM_THREADS=1``).

The last line is one JSON object: ``{"results": {"1proc": chars/s, ...}, "speedup_2proc_over_1proc": x}``.

    python benchmarks/ddp_speedup.py                                         # the figure (about 6 min)
    python benchmarks/ddp_speedup.py --seconds 3 --rounds 1 --hidden 32 --data FILE   # a check
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path


def command(setting: str, args: argparse.Namespace, out: str) -> tuple[list[str], dict[str, str]]:
    """The command line and environment of one run."""
    env = {k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"}
    env["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).parents[1] / "src"), *sys.path])
    train = ["train", "charlm", "--data", args.data, "--out", out, "--minutes", str(args.seconds / 60),
             "--batch-size", str(args.batch_size), "--hidden", str(args.hidden), "--eval-every", "1000000000",
             "--eval-chars", "2000", "--save-minutes", "0", "--json"]
    if setting == "2proc":
        env["OMP_NUM_THREADS"] = "1"
        launch = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
                  "-m", "rnnkit"]
        return launch + train, env
    extra = ["--threads", "1"] if setting == "1proc-1thread" else []
    return [sys.executable, "-m", "rnnkit", *train, *extra], env


def one_run(setting: str, args: argparse.Namespace, out: str) -> float:
    """chars/s of one run."""
    cmd, env = command(setting, args, out)
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{setting} failed:\n{done.stderr[-3000:]}")
    return float(json.loads(done.stdout.strip().splitlines()[-1])["tokens_per_s"])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", default="shakespeare", help="text to train on (default shakespeare)")
    p.add_argument("--seconds", type=float, default=45.0, help="training seconds of each run (default 45)")
    p.add_argument("--rounds", type=int, default=3, help="rounds over the settings (default 3)")
    p.add_argument("--batch-size", type=int, default=16, help="streams per process (default 16)")
    p.add_argument("--hidden", type=int, default=384, help="hidden units (default 384)")
    p.add_argument("--settings", nargs="+", default=["1proc", "1proc-1thread", "2proc"],
                   help="which of 1proc, 1proc-1thread, 2proc to run (default %(default)s)")
    args = p.parse_args()
    runs: dict[str, list[float]] = {s: [] for s in args.settings}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.rounds):
            for setting in args.settings:
                runs[setting].append(one_run(setting, args, f"{tmp}/{r}-{setting}"))
                print(f"round {r + 1}: {setting:14s} {runs[setting][-1]:>10,.0f} chars/s", file=sys.stderr, flush=True)
    results = {s: round(statistics.median(v), 1) for s, v in runs.items()}
    report: dict[str, object] = {"seconds": args.seconds, "rounds": args.rounds, "cpus": os.cpu_count(),
                                 "results": results}
    if "1proc" in results and "2proc" in results:
        report["speedup_2proc_over_1proc"] = round(results["2proc"] / results["1proc"], 3)
    for s, v in results.items():
        print(f"{s:14s} {v:>10,.0f} chars/s (median of {args.rounds})")
    print(json.dumps(report))


if __name__ == "__main__":
    main()
