"""Reliability, measured (not a test): kill runs at random moments and resume them, and count it.

For each task (charlm, classify, tag, seq2seq, speech with SpecAugment, caption with augmented images) a
step-limited run is trained once straight through, then again
while being killed with SIGKILL at ``--kills`` random moments, resumed after each kill with
``--resume``; the final parameters of the two must be bit-identical. The hostile-checkpoint and fuzzing
cases of ``tests/test_faults.py`` and ``tests/test_fuzz_readers.py`` are run too (fuzzing with
``--examples`` inputs per reader), and one Markdown table is printed: what docs/RELIABILITY.md holds.

    python benchmarks/faults.py [--kills 6] [--examples 500] [--seed 0]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch
from safetensors.torch import load_file

from rnnkit.data.dates import date_pairs
from rnnkit.data.pairs import write_pairs
from rnnkit.data.shapes import write_shapes
from rnnkit.train.checkpoint import load_checkpoint

ROOT = Path(__file__).resolve().parents[1]


def write_data(root: Path) -> dict[str, Path]:
    rng = random.Random(0)
    words = "the a cat dog sat ran on under mat log big small red".split()
    text = root / "text.txt"
    text.write_text("\n".join(" ".join(rng.choice(words) for _ in range(9)) for _ in range(600)) + "\n")
    csv = root / "labelled.csv"
    rows = [f"{' '.join(rng.choice(words) for _ in range(6))} {'good' if i % 2 else 'bad'},{i % 2}" for i in range(400)]
    csv.write_text("text,label\n" + "\n".join(rows) + "\n")
    conll = root / "tagged.conll"
    nouns = ("cat", "dog", "mat", "log")
    tokens = [rng.choice(words) for _ in range(2800)]
    conll.write_text("".join(f"{w}\t{'N' if w in nouns else 'X'}\n" + ("\n" if i % 7 == 6 else "")
                             for i, w in enumerate(tokens)))
    pairs = root / "pairs.tsv"
    write_pairs(date_pairs(600, 0), pairs)
    write_shapes(root / "shapes", images=60)
    return {"text": text, "csv": csv, "conll": conll, "pairs": pairs, "speech": write_speech(root / "speech", rng),
            "shapes": root / "shapes"}


def write_speech(folder: Path, rng: random.Random) -> Path:
    """Twelve utterances of noise labelled with made-up phonemes (no espeak-ng needed)."""
    import numpy as np
    import soundfile

    (folder / "wav").mkdir(parents=True)
    noise = np.random.default_rng(0)
    for i in range(12):
        soundfile.write(str(folder / "wav" / f"{i}.wav"), noise.normal(0, 0.1, 8000).astype("float32"), 16000)
    (folder / "manifest.tsv").write_text("audio\ttext\tphonemes\n" + "".join(
        f"wav/{i}.wav\tw{i}\t{' '.join(rng.choice('abcde') for _ in range(4))}\n" for i in range(12)))
    return folder


def commands(data: dict[str, Path], steps: int) -> dict[str, list[str]]:
    # one thread in every process: the automatic choice may differ between processes (docs/RELIABILITY.md)
    common = ["--steps", str(steps), "--save-every", "5", "--eval-every", "25", "--threads", "1", "--no-progress",
              "--json"]
    return {
        "charlm": ["train", "charlm", "--data", str(data["text"]), "--hidden", "64", "--batch-size", "8", *common],
        "classify": ["train", "classify", "--data", str(data["csv"]), "--hidden", "32", "--dropout", "0.2", *common],
        "tag": ["train", "tag", "--data", str(data["conll"]), "--hidden", "32", *common],
        "seq2seq": ["train", "seq2seq", "--data", str(data["pairs"]), "--hidden", "32", "--eval-sentences", "8",
                    "--teacher-forcing-floor", "0.5", *common],
        "speech": ["train", "speech", "--data", str(data["speech"]), "--hidden", "16", "--layers", "1", "--n-mels",
                   "16", "--batch-size", "4", "--val-fraction", "0.25", "--spec-augment", "--freq-width", "4",
                   "--time-width", "8", *common],
        "caption": ["train", "caption", "--data", str(data["shapes"]), "--hidden", "16", "--channels", "4,8",
                    "--image-size", "16", "--eval-images", "4", "--augment", "--dropout", "0.2", *common],
    }


def run(args: list[str], out: Path, extra: list[str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "rnnkit.cli", *args, "--out", str(out), *extra],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def step_of(out: Path) -> int:
    return int(load_checkpoint(out, prefer="last").trainer_state.get("step", 0)) if (out / "last").exists() else 0


def finished(out: Path, steps: int) -> bool:
    return step_of(out) == steps


def kill_and_resume(args: list[str], out: Path, kills: int, steps: int, duration: float,
                    rng: random.Random) -> int:
    """Start the run, SIGKILL it at up to ``kills`` random moments (resuming after each), let it finish;
    returns how many kills hit a running process."""
    done = 0
    while done < kills and not finished(out, steps):
        again = ["--resume", str(out)] if (out / "last").exists() else ["--overwrite"]
        proc = run(args, out, again)
        left = 1.0 - (step_of(out) / steps)  # a resumed run has this share of the work left
        time.sleep(rng.uniform(0.25, 0.75) * duration * max(left, 0.2))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            done += 1
        proc.wait()
    if not finished(out, steps):
        again = ["--resume", str(out)] if (out / "last").exists() else ["--overwrite"]
        if run(args, out, again).wait() != 0:
            raise SystemExit(f"the final resume of {out} failed")
    return done


def identical(a: Path, b: Path) -> bool:
    """The model's and the optimizer's tensors of the two runs' last/ are equal, bit for bit."""
    def tensors(run: Path) -> dict[str, torch.Tensor]:
        return {**load_checkpoint(run, prefer="last").model_state,
                **{f"optimizer {k}": v for k, v in load_file(str(run / "last" / "optimizer.safetensors")).items()}}

    x, y = tensors(a), tensors(b)
    return x.keys() == y.keys() and all(torch.equal(x[k], y[k]) for k in x)


def pytest_counts(*args: str) -> str:
    proc = subprocess.run([sys.executable, "-m", "pytest", "-o", "addopts=", "-q", "-p", "no:cacheprovider", *args],
                          cwd=ROOT, capture_output=True, text=True)
    found = re.findall(r"(\d+) (passed|failed)", proc.stdout)
    return ", ".join(f"{n} {what}" for n, what in found) or proc.stdout.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=6)
    parser.add_argument("--steps", type=int, default=120)
    parser.add_argument("--examples", type=int, default=500, help="fuzzed inputs per reader")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        data = write_data(root)
        for task, cmd in commands(data, args.steps).items():
            start = time.perf_counter()
            if run(cmd, root / f"{task}-straight", []).wait() != 0:
                raise SystemExit(f"{task}: the straight run failed")
            duration = time.perf_counter() - start
            kills = kill_and_resume(cmd, root / f"{task}-killed", args.kills, args.steps, duration, rng)
            same = identical(root / f"{task}-straight", root / f"{task}-killed")
            rows.append(f"| {task}: `train` killed with SIGKILL, resumed | {kills} kills, {args.steps} steps "
                        f"| {'bit-identical' if same else 'DIFFERENT'} parameters and optimizer state |")
            print(rows[-1], flush=True)
    env = os.environ.copy()
    env["RNNKIT_FUZZ_EXAMPLES"] = str(args.examples)
    rows.append(f"| 8 kinds of hostile checkpoint × every verb of every task (tests/test_faults.py -k hostile) | "
                f"{pytest_counts('tests/test_faults.py', '-k', 'hostile')} | refused in one line, nothing run |")
    rows.append(f"| disk full, read-only, crash while publishing, two runs into one directory | "
                f"{pytest_counts('tests/test_faults.py', '-k', 'disk or publishing or lock or resume_without')} | "
                "previous checkpoint intact, one line |")
    fuzz = subprocess.run([sys.executable, "-m", "pytest", "-o", "addopts=", "-q", "-p", "no:cacheprovider",
                           "tests/test_fuzz_readers.py", "-k", "never_raises"], cwd=ROOT, capture_output=True,
                          text=True, env=env)
    outcome = ", ".join(f"{n} {w}" for n, w in re.findall(r"(\d+) (passed|failed)", fuzz.stdout))
    rows.append(f"| fuzzed readers: {args.examples} damaged files for each reader | {outcome} | a one-line "
                "message naming the file, never a traceback |")
    print("\n| case | tried | outcome |\n| --- | --- | --- |\n" + "\n".join(rows))


if __name__ == "__main__":
    main()
