"""A text larger than memory: prepare it once, train the character LM from the memmap, peak resident memory.

Writes a synthetic text of ``--gb`` GB (random words from a small alphabet, with line breaks), then runs,
each in a fresh process so that each peak is its own: ``rnnkit prepare`` (encodes), ``rnnkit prepare``
again (reuses: nothing re-encoded) and ``rnnkit train charlm`` for a few steps on it. Prints one JSON
object on the last line with the seconds and the peak resident memory (ru_maxrss, MB) of each step,
and ``"under_1gb"``: whether every peak stayed under 1 GB.

    python benchmarks/big_text.py                    # the 2 GB figure (needs ~4.5 GB of disk)
    python benchmarks/big_text.py --gb 0.01 --steps 2   # a quick check that it runs
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

CHUNK = 16 << 20
_CHILD = """
import json, resource, sys
from rnnkit.cli import main
code = main(sys.argv[1:])
print(json.dumps({"rc": code, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def write_text(path: Path, size: int, seed: int = 0) -> None:
    """``size`` bytes of words over a 27-letter alphabet, a newline every ~70 characters."""
    rng = np.random.default_rng(seed)
    alphabet = np.frombuffer(b"etaoinshrdlucmfwypvbgkjqxz ", dtype=np.uint8)
    with open(path, "wb") as fh:
        left = size
        while left > 0:
            n = min(CHUNK, left)
            data = alphabet[rng.integers(0, len(alphabet), n)]
            data[rng.integers(0, n, max(1, n // 70))] = ord("\n")
            fh.write(data.tobytes())
            left -= n


def run(args: list[str]) -> dict[str, float]:
    """One ``rnnkit`` command in a fresh process: its seconds and its peak resident memory."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).parents[1] / "src"), *sys.path])}
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _CHILD, *args], env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"rnnkit {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    last = json.loads(done.stdout.strip().splitlines()[-1])
    return {"seconds": round(seconds, 2), "peak_mb": round(last["peak_mb"], 1)}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--gb", type=float, default=2.0, help="size of the synthetic text (default 2)")
    p.add_argument("--steps", type=int, default=20, help="training steps (default 20)")
    p.add_argument("--dir", help="where to write the text (default: a temporary directory, removed after)")
    args = p.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        text = Path(tmp) / "big.txt"
        start = time.perf_counter()
        write_text(text, int(args.gb * 1e9))
        wrote = time.perf_counter() - start
        report = {"gb": args.gb, "write_seconds": round(wrote, 2), "prepare": run(["prepare", str(text)]),
                  "prepare_again": run(["prepare", str(text)])}
        report["train"] = run(["train", "charlm", "--data", str(text), "--out", f"{tmp}/run", "--steps",
                               str(args.steps), "--hidden", "128", "--eval-every", str(args.steps), "--eval-chars",
                               "20000", "--no-progress"])
        report["tokens_bytes"] = (Path(tmp) / "big.txt.rnnkit" / "tokens.bin").stat().st_size
    report["under_1gb"] = all(report[k]["peak_mb"] < 1024 for k in ("prepare", "prepare_again", "train"))
    print(json.dumps(report))


if __name__ == "__main__":
    main()
