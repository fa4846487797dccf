"""`rnnkit diagnose --seed`'s help names everything the seed drives: the clipping runs (their IRNN's weights and
batches, clipping_comparison(seed=...)) were left out, so a user changing it to see another clipping run could not
tell from the help whether it would."""

from __future__ import annotations

import argparse

from rnnkit.tasks import diagnose


def test_the_seed_help_says_it_drives_the_clipping_runs_too() -> None:
    parser = argparse.ArgumentParser()
    diagnose._arguments(parser)
    (seed,) = [a for a in parser._actions if a.dest == "seed"]
    assert seed.help is not None
    for driven in ("weights", "training batches", "radius sweep", "clipping runs"):
        assert driven in seed.help
