"""The character LM's training speed alone and beside one busy process: chosen threads against fixed ones.

Each run is a fresh process training ``rnnkit train charlm`` (the defaults of ``make demo``) for
``--seconds``; it reports chars/s over its training steps (evaluation excluded). The grid:

- situation: ``alone``, or ``busy`` beside one single-threaded Python spin loop (a subprocess);
- threads: ``auto`` (rnnkit times 1 and torch's count and keeps the faster), fixed ``2``, fixed ``1``;
- wait policy of torch's OpenMP threads: ``passive`` or ``default``
  (OpenMP's own: spin a while, then sleep).

Runs are interleaved (round after round over the whole grid), so a change in the machine's load
touches every setting alike; the table gives the median chars/s of each. The last line is one JSON
object: ``{"results": {"busy/auto/passive": {"chars_per_s": ..., "threads_chosen": ...}, ...}}``.

    python benchmarks/busy_machine.py                                 # the figures (about 12 min)
    python benchmarks/busy_machine.py --seconds 3 --rounds 1 --hidden 32 --threads 1 auto   # a check
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

_CHILD = """
import json, sys
from rnnkit.tasks.charlm import CharLMConfig, train
data, out, seconds, hidden, threads = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
cfg = CharLMConfig(minutes=seconds / 60, steps=None, hidden=hidden, eval_every=10**9, eval_chars=2000,
                   threads=None if threads == "auto" else int(threads), save_minutes=0)
r = train(cfg, data, out, verbose=True, progress=False)
print(json.dumps({"chars_per_s": r.tokens_per_s, "steps": r.steps}))
"""
SPIN = "while True: pass"


def _env(policy: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "OMP_NUM_THREADS")}
    env["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).parents[1] / "src"), *sys.path])
    if policy == "passive":
        env["OMP_WAIT_POLICY"] = "PASSIVE"  # "default": left to OpenMP, as rnnkit leaves it
    return env


def one_run(args: argparse.Namespace, threads: str, policy: str, out: str) -> dict[str, float]:
    """Train for ``args.seconds`` in a fresh process; its chars/s and the thread count it settled on."""
    cmd = [sys.executable, "-c", _CHILD, args.data, out, str(args.seconds), str(args.hidden), threads]
    done = subprocess.run(cmd, env=_env(policy), capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"run failed (threads {threads}, {policy}):\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    chosen = re.findall(r"^threads: (\d+)", done.stderr, re.MULTILINE)
    result["threads_chosen"] = int(chosen[-1]) if chosen else (None if threads == "auto" else int(threads))
    return result


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", default="shakespeare", help="text to train on (default shakespeare)")
    p.add_argument("--seconds", type=float, default=30.0, help="training seconds of each run (default 30)")
    p.add_argument("--rounds", type=int, default=2, help="rounds over the whole grid (default 2)")
    p.add_argument("--hidden", type=int, default=384, help="hidden units (default 384, charlm's default)")
    p.add_argument("--threads", nargs="+", default=["auto", "2", "1"], help="thread settings (default auto 2 1)")
    p.add_argument("--policies", nargs="+", default=["passive", "default"], choices=["passive", "default"],
                   help="wait policies of torch's OpenMP threads to run: passive, default (OpenMP's own) (default "
                        "%(default)s)")
    p.add_argument("--situations", nargs="+", default=["alone", "busy"], choices=["alone", "busy"],
                   help="alone, or busy beside one single-threaded spin loop (default %(default)s)")
    args = p.parse_args()
    runs: dict[str, list[dict[str, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.rounds):
            for situation in args.situations:
                spin = subprocess.Popen([sys.executable, "-c", SPIN]) if situation == "busy" else None
                try:
                    for threads in args.threads:
                        for policy in args.policies:
                            key = f"{situation}/{threads}/{policy}"
                            res = one_run(args, threads, policy, f"{tmp}/{r}-{key.replace('/', '-')}")
                            runs.setdefault(key, []).append(res)
                            print(f"round {r + 1}: {key:22s} {res['chars_per_s']:>10,.0f} chars/s"
                                  f"  (threads {res['threads_chosen']})", file=sys.stderr, flush=True)
                finally:
                    if spin is not None:
                        spin.kill()
                        spin.wait()
    results = {k: {"chars_per_s": round(statistics.median(x["chars_per_s"] for x in v), 1),
                   "threads_chosen": [x["threads_chosen"] for x in v]} for k, v in runs.items()}
    print(f"{'situation/threads/policy':28s} chars/s (median of {args.rounds})")
    for key, res in results.items():
        print(f"{key:28s} {res['chars_per_s']:>10,.0f}   threads {res['threads_chosen']}")
    print(json.dumps({"seconds": args.seconds, "rounds": args.rounds, "cpus": os.cpu_count(), "results": results}))


if __name__ == "__main__":
    main()
