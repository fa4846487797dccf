"""``rnnkit demo``: a flag of the other mode given as zero is refused like any other value, and a zero given to
the mode's own flag is passed on, not replaced by its default (mutation audit round 17)."""

from __future__ import annotations

import pytest

from rnnkit.cli import main


def _no_training(monkeypatch: pytest.MonkeyPatch) -> dict:
    seen: dict = {}
    monkeypatch.setattr("rnnkit.tasks.demo.run_charlm_demo", lambda **kw: seen.update(kw) or 0)
    monkeypatch.setattr("rnnkit.tasks.demo.run_hello", lambda **kw: seen.update(kw))
    return seen


@pytest.mark.parametrize(("flags", "message"), [
    (["--steps", "0"], "--steps: applies only to --hello"),
    (["--hidden", "0", "--cell", ""], "--hidden, --cell: apply only to --hello"),
    (["--hello", "--out", ""], "--out: applies only to the Shakespeare demo (without --hello)"),
    (["--hello", "--minutes", "0.5"], "--minutes: applies only to the Shakespeare demo (without --hello)")])
def test_a_zero_or_empty_flag_of_the_other_mode_is_refused(flags: list[str], message: str,
                                                           capsys: pytest.CaptureFixture[str],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _no_training(monkeypatch)
    assert main(["demo", *flags]) == 2
    assert capsys.readouterr().err == f"rnnkit: error: {message}\n" and not seen


def test_zero_hello_steps_are_passed_on_not_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _no_training(monkeypatch)
    assert main(["demo", "--hello", "--steps", "0"]) == 0
    assert seen == {"steps": 0, "hidden": 8, "cell": "rnn_tanh", "seed": 0}


def test_a_hello_seed_past_64_bits_is_refused_before_training(capsys: pytest.CaptureFixture[str],
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """torch.manual_seed(2**64) was a traceback ('Overflow when unpacking long long')."""
    seen = _no_training(monkeypatch)
    assert main(["demo", "--hello", "--seed", str(2**64)]) == 2
    assert capsys.readouterr().err.startswith(f"rnnkit: error: --seed {2**64}: ") and not seen


def test_a_hello_rnn_too_big_for_the_memory_is_refused_before_training(capsys: pytest.CaptureFixture[str],
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A hidden size past the memory was torch's allocation error once the weights were made."""
    seen = _no_training(monkeypatch)
    assert main(["demo", "--hello", "--hidden", str(10**9)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"rnnkit: error: --hidden {10**9}: the model (a 1-layer ") and "parameters" in err, err
    assert not seen


def test_an_empty_out_is_refused_not_the_working_directory(capsys: pytest.CaptureFixture[str],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _no_training(monkeypatch)
    assert main(["demo", "--out", ""]) == 2
    assert capsys.readouterr().err.startswith("rnnkit: error: --out '': an empty name; expected the model directory")
    assert not seen
