"""A run stopped and resumed ends bit-identical to an unbroken one, for the tasks and settings that
docs/RELIABILITY.md's kill-and-resume table leaves out: speech (SpecAugment, accumulation), caption (augmented
images, attention), classify (token dropout, the weights' average, a plateau schedule that lowers its rate),
tag (CRF, word dropout), charlm (zoneout, recurrent dropout, accumulation), seq2seq (label smoothing, scheduled
sampling), and a stop asked for in the middle of an accumulated update or right after an evaluation."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from rnnkit.cli import main
from rnnkit.data.shapes import write_shapes
from rnnkit.train import trainer as trainer_mod
from rnnkit.train.checkpoint import load_checkpoint
from tests import test_faults as faults

pytestmark = pytest.mark.usefixtures("one_torch_thread")

STEPS = 8
COMMON = ["--steps", str(STEPS), "--threads", "1", "--no-progress", "--save-minutes", "0", "--log-every", "1",
          "--eval-every", "4"]


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("data")
    rng = random.Random(0)
    words = "the a cat dog sat ran on under mat log".split()
    (root / "text.txt").write_text("\n".join(" ".join(rng.choice(words) for _ in range(9)) for _ in range(60)) + "\n")
    (root / "labelled.csv").write_text("text,label\n" + "".join(
        f"{' '.join(rng.choice(words) for _ in range(5))} {'good' if i % 2 else 'bad'},{i % 2}\n" for i in range(40)))
    (root / "tagged.conll").write_text("".join(
        f"{w}\t{'N' if w in ('cat', 'dog', 'mat') else 'X'}\n" + ("\n" if i % 6 == 5 else "")
        for i, w in enumerate(rng.choice(words) for _ in range(240))))
    assert main(["data", "dates", "--out", str(root / "pairs.tsv"), "--pairs", "40"]) == 0
    write_shapes(root / "shapes", images=16)
    return {"text": root / "text.txt", "csv": root / "labelled.csv", "conll": root / "tagged.conll",
            "pairs": root / "pairs.tsv", "shapes": root / "shapes",
            "speech": faults._tiny_speech_corpus(root / "speech")}


CASES = {
    "speech, SpecAugment, accumulate 2": (
        "speech --layers 1 --hidden 8 --n-mels 8 --val-fraction 0.25 --batch-size 2 --spec-augment --freq-width 3 "
        "--time-width 4 --accumulate 2", 5),
    "caption, augmented images, attention": (
        "caption --channels 4 --image-size 16 --hidden 8 --eval-images 2 --batch-size 4 --augment "
        "--attention bahdanau --dropout 0.2", 5),
    "classify, token dropout, the weights' average": (
        "classify --hidden 8 --batch-size 8 --token-dropout 0.2 --ema 0.9 --dropout 0.2", 5),
    "classify, plateau schedule lowering its rate": (
        "classify --hidden 8 --batch-size 8 --schedule plateau --plateau-patience 1 --min-delta 10 --eval-every 2",
        5),
    "tag, CRF, word dropout": ("tag --hidden 8 --batch-size 8 --crf --word-dropout 0.2 --dropout 0.2", 5),
    "charlm, zoneout, recurrent dropout, accumulate 2": (
        "charlm --hidden 16 --embed-dim 8 --seq-len 16 --batch-size 4 --zoneout 0.1 --recurrent-dropout 0.2 "
        "--accumulate 2", 3),
    "seq2seq, label smoothing, scheduled sampling": (
        "seq2seq --hidden 8 --eval-sentences 2 --batch-size 8 --label-smoothing 0.1 --teacher-forcing-floor 0.5 "
        "--dropout 0.2", 5),
    "charlm, stopped right after an evaluation": (
        "charlm --hidden 16 --embed-dim 8 --seq-len 16 --batch-size 4 --dropout 0.2 --eval-every 4", 4),
}
DATA = {"speech": "speech", "caption": "shapes", "classify": "csv", "tag": "conll", "charlm": "text",
        "seq2seq": "pairs"}


def argv(task_args: str, data: dict[str, Path], out: Path) -> list[str]:
    task, *rest = task_args.split()
    return ["train", task, "--data", str(data[DATA[task]]), "--out", str(out), *COMMON, *rest]


def last_tensors(out: Path) -> dict[str, torch.Tensor]:
    """Every tensor of ``out/last``: the weights, the optimizer's moments, the RNG and carried state."""
    return {f"{f.name} {k}": v for f in sorted((out / "last").glob("*.safetensors"))
            for k, v in load_file(str(f)).items()}


def stopping(monkeypatch: pytest.MonkeyPatch, batch: int) -> None:
    """The next run is asked to stop (as by Ctrl-C or SIGTERM) while it reads its ``batch``-th batch."""
    real = trainer_mod.Trainer.fit

    def fit(self: trainer_mod.Trainer) -> trainer_mod.TrainResult:
        inner, count = self.batches.next_batch, [0]

        def next_batch():
            count[0] += 1
            if count[0] == batch:
                self._stop_requested = True
            return inner()

        self.batches.next_batch = next_batch
        return real(self)

    monkeypatch.setattr(trainer_mod.Trainer, "fit", fit)


def other_random_states() -> None:
    """A resumed process starts with other generators' states than the stopped one left."""
    torch.manual_seed(999)
    random.seed(999)
    np.random.seed(999)


def step_of(out: Path) -> int:
    return load_checkpoint(out, prefer="last").trainer_state["step"]


def assert_same_runs(a: Path, b: Path) -> None:
    x, y = last_tensors(a), last_tensors(b)
    assert x.keys() == y.keys()
    assert [k for k in x if not torch.equal(x[k], y[k])] == []


@pytest.mark.parametrize("case", list(CASES))
def test_a_run_stopped_and_resumed_ends_as_the_unbroken_run(data, tmp_path, monkeypatch, case) -> None:
    task_args, batch = CASES[case]
    assert main(argv(task_args, data, tmp_path / "straight")) == 0
    stopping(monkeypatch, batch)
    stopped = tmp_path / "stopped"
    assert main(argv(task_args, data, stopped)) == 130
    monkeypatch.undo()
    accumulate = 2 if "--accumulate 2" in task_args else 1
    assert step_of(stopped) == (batch + accumulate - 1) // accumulate < STEPS
    other_random_states()
    assert main([*argv(task_args, data, stopped), "--resume", str(stopped)]) == 0
    assert step_of(stopped) == STEPS
    assert_same_runs(tmp_path / "straight", stopped)
