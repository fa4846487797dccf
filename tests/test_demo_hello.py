"""The textbook 'hello' example learns all four transitions, including l->l versus l->o."""

from rnnkit.cli import main
from rnnkit.tasks.demo import run_hello


def test_hello_learns(capsys) -> None:
    final = run_hello(steps=100)
    out = capsys.readouterr().out
    assert final < 0.05
    assert out.strip().splitlines()[-1].endswith("4/4 right")
    first_loss = float(out.splitlines()[1].split("loss")[1].split()[0])
    assert first_loss > 1.0


def test_cli_demo_hello(capsys) -> None:
    assert main(["demo", "--hello", "--steps", "20"]) == 0
    assert "h->" in capsys.readouterr().out


def test_closed_pipe_gives_no_traceback() -> None:
    import subprocess
    import sys

    proc = subprocess.run(
        f"'{sys.executable}' -m rnnkit.cli demo --hello | head -1",
        shell=True, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.stdout.startswith("rnn_tanh")
    assert "Traceback" not in proc.stderr
