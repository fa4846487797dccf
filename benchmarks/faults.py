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
import json
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


#: the steps between two checkpoints of every run: the moments of the kills are drawn among them
SAVE_EVERY = 5


def commands(data: dict[str, Path], steps: int) -> dict[str, list[str]]:
    # one thread in every process: the automatic choice may differ between processes (docs/RELIABILITY.md)
    common = ["--steps", str(steps), "--save-every", str(SAVE_EVERY), "--eval-every", "25", "--threads", "1",
              "--no-progress", "--json"]
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
    """The run, its standard error appended to ``OUT.stderr`` beside it (what a failed resume said)."""
    with open(out.parent / f"{out.name}.stderr", "ab") as err:
        return subprocess.Popen([sys.executable, "-m", "rnnkit.cli", *args, "--out", str(out), *extra],
                                stdout=subprocess.DEVNULL, stderr=err)


def last_words(out: Path) -> str:
    """The last line :func:`run`'s processes wrote to ``OUT.stderr`` (the temporary folder goes with the benchmark)."""
    try:
        lines = (out.parent / f"{out.name}.stderr").read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return "no messages"
    return lines[-1] if lines else "no messages"


def step_of(out: Path) -> int:
    return int(load_checkpoint(out, prefer="last").trainer_state.get("step", 0)) if (out / "last").exists() else 0


def finished(out: Path, steps: int) -> bool:
    return step_of(out) == steps


def saved_step(out: Path) -> int:
    """The step of the run's last checkpoint, read as the run writes it (-1 while none can be read: none yet, or
    caught between the two renames that publish one)."""
    try:
        return int(json.loads((out / "last" / "trainer_state.json").read_text(encoding="utf-8")).get("step", 0))
    except (OSError, ValueError):
        return -1


def kill_moments(steps: int, kills: int, rng: random.Random) -> list[int]:
    """The saves after which :func:`kill_and_resume` kills, in order: ``kills`` of those every ``SAVE_EVERY``
    steps, those of the last quarter of the run left out (a kill comes up to 0.2 s after its save, in which a run of
    small steps could finish: classify's and speech's took five kills of six when saves 135 and 140 of 150 could be
    drawn), or all of them where there are fewer (``--steps 20`` has three: 0, 5 and 10; it was "Sample larger
    than population")."""
    moments = range(0, steps - max(SAVE_EVERY, steps // 4), SAVE_EVERY)
    return sorted(rng.sample(moments, min(kills, len(moments))))


def kill_and_resume(args: list[str], out: Path, kills: int, steps: int, rng: random.Random) -> int:
    """Start the run, SIGKILL it at up to ``kills`` random moments (resuming after each), let it finish;
    returns how many kills hit a running process. The moments follow the run's progress, not the clock: saves of
    the run are drawn (:func:`kill_moments`), and each kill comes a random fraction of a second after the run has
    written the next drawn one, and one of its own, or at its next save if that comes first (caption's steps are
    so small that 0.2 s took a run from save 110 past its last step, and the kill met a run that had finished
    training), so that it lands in a step or in a save: a resumed run whose
    last save had passed the next drawn one (two drawn in a row, a save made in that fraction of a second) was
    killed in its start-up. (Moments drawn from the uninterrupted run's time let a resumed run finish first where
    that time was mostly start-up work a resumed run skips: charlm's and speech's runs took one kill of six.)"""
    done = 0
    for target in kill_moments(steps, kills, rng):
        if finished(out, steps):
            break
        again = ["--resume", str(out)] if (out / "last").exists() else ["--overwrite"]
        start, proc = saved_step(out), run(args, out, again)
        while proc.poll() is None and saved_step(out) < max(target, start + 1):
            time.sleep(0.02)
        reached, deadline = saved_step(out), time.monotonic() + rng.uniform(0.0, 0.2)
        while proc.poll() is None and time.monotonic() < deadline and saved_step(out) < reached + SAVE_EVERY:
            time.sleep(0.005)  # a run of small steps must not train to its end in the fraction: kill by its next save
        ended = proc.poll()
        if ended is None:
            proc.send_signal(signal.SIGKILL)
            done += 1
        elif ended != 0:  # a resume that fails is what the benchmark is for: it ended silently and was resumed again
            raise SystemExit(f"a run of {out} failed (exit {ended}) before its kill after save {target}: "
                             f"{last_words(out)}")
        else:
            print(f"{out.name}: the run ended at step {saved_step(out)} before its kill after save {target}",
                  file=sys.stderr, flush=True)
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
    parser.add_argument("--kills", type=int, default=6, help="SIGKILLs of each task's killed run (default %(default)s)")
    parser.add_argument("--steps", type=int, default=120, help="training steps of each run (default %(default)s)")
    parser.add_argument("--examples", type=int, default=500, help="fuzzed inputs per reader")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the moments the runs are killed (default %(default)s)")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        data = write_data(root)
        for task, cmd in commands(data, args.steps).items():
            if run(cmd, root / f"{task}-straight", []).wait() != 0:
                raise SystemExit(f"{task}: the straight run failed")
            kills = kill_and_resume(cmd, root / f"{task}-killed", args.kills, args.steps, rng)
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
