"""A run stopped between two logged records and resumed logs the records of the unbroken run: each record's
train loss, gradient norms and clipped share average the same updates, also those before the stop."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rnnkit.cli import main
from rnnkit.train import trainer as trainer_mod
from tests import test_faults as faults

pytestmark = pytest.mark.usefixtures("one_torch_thread")

text_file = faults.text_file
KEYS = ("train_loss", "grad_norm", "grad_norm_mean", "clipped")


def run(text: Path, out: Path, *extra: str) -> int:
    return main(faults.train_args(text, out, "--steps", "12", "--log-every", "4", "--threads", "1",
                                  "--save-minutes", "0", "--dropout", "0.2", "--clip", "0.5", *extra))


def records(out: Path) -> list[dict]:
    return [{k: r[k] for k in ("step", *KEYS)}
            for r in map(json.loads, (out / "metrics.jsonl").read_text().splitlines())]


def broken_at(monkeypatch: pytest.MonkeyPatch, batch: int, how: str) -> None:
    """The next run stops while it reads its ``batch``-th batch: asked to (``stop``: Ctrl-C, SIGTERM; it ends
    the update and saves) or at once without saving (``crash``: as SIGKILL)."""
    real = trainer_mod.Trainer.fit

    def fit(self: trainer_mod.Trainer) -> trainer_mod.TrainResult:
        inner, count = self.batches.next_batch, [0]

        def next_batch():
            count[0] += 1
            if count[0] == batch and how == "stop":
                self._stop_requested = True
            if count[0] == batch and how == "crash":
                raise KeyboardInterrupt
            return inner()

        self.batches.next_batch = next_batch
        return real(self)

    monkeypatch.setattr(trainer_mod.Trainer, "fit", fit)


@pytest.mark.parametrize("how,batch,saved", [("stop", 6, 6), ("crash", 6, 4)])
def test_a_resumed_run_logs_the_records_of_the_unbroken_run(text_file, tmp_path, monkeypatch, how, batch,
                                                            saved) -> None:
    """Stopped at step 6 with a record every 4 steps, the resumed run's record of step 8 averaged steps 7 and 8
    alone (the unbroken run's, 5 to 8). Crashed at step 6 after a save at the record of step 4 (--save-every 4),
    the resumed run must not count steps 1 to 4 again."""
    assert run(text_file, tmp_path / "straight") == 0
    broken_at(monkeypatch, batch, how)
    out = tmp_path / "broken"
    assert run(text_file, out, "--save-every", "4") == 130
    monkeypatch.undo()
    assert faults.load_checkpoint(out, prefer="last").trainer_state["step"] == saved
    assert run(text_file, out, "--save-every", "4", "--resume", str(out)) == 0
    assert records(out) == records(tmp_path / "straight")


@pytest.mark.parametrize("damaged", [{"loss": 1.0}, {"loss": 1.0, "items": -2, "norms": [], "clipped": 0,
                                                      "seconds": 0.0}, [1, 2]])
def test_a_damaged_interval_of_trainer_state_is_refused_naming_the_file(text_file, tmp_path, capsys,
                                                                        damaged) -> None:
    out = tmp_path / "run"
    assert run(text_file, out, "--steps", "2") == 0
    state = out / "last" / "trainer_state.json"
    state.write_text(json.dumps({**json.loads(state.read_text()), "interval": damaged}))
    capsys.readouterr()
    assert run(text_file, out, "--resume", str(out)) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith(f"rnnkit: error: {out / 'last'}/trainer_state.json: not the state "
                                               "of a run"), err
