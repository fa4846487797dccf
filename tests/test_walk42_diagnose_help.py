"""walk42: `rnnkit diagnose -h` gave --hidden, --seed and --threads no words at all and no flag its default, so a
teacher shrinking the run for a lecture could not tell how big the default one is (hidden 64, 200 steps of 200)."""

from __future__ import annotations

import argparse

from rnnkit.tasks import diagnose


def _help() -> str:
    parser = argparse.ArgumentParser(prog="rnnkit diagnose")
    diagnose._arguments(parser)
    return " ".join(parser.format_help().split())  # argparse's wrapping aside


def test_every_diagnose_flag_says_what_it_sets() -> None:
    text = _help()
    assert "--hidden HIDDEN hidden units of every cell" in text
    assert "--seed SEED seed of the weights" in text
    assert "--threads THREADS torch threads" in text


def test_diagnose_help_gives_the_defaults() -> None:
    text = _help()
    for default in ("(default rnn_tanh,irnn,lstm,gru)", "training (default 200)", "IRNN (default 64)",
                    "measurements (default 200)", "runs (default 150)", "runs (default 100)",
                    "sweep (0 or more; default 0)"):
        assert default in text, default
