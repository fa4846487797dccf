"""The defaults that ``-h`` states are the defaults the code uses."""

from __future__ import annotations

import argparse
import dataclasses
import re

from rnnkit import cli
from rnnkit.tasks._experiment_problems import EXPERIMENTS
from rnnkit.tasks._experiment_settings import Settings

#: ``default V`` (``default: V`` begins words) and ``V (default)``, ``V (default; ...``
STATED = re.compile(r"\bdefault:? [\w./+-]|[\w-]+ \(default[);,:]")


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    found = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(found[0].choices) if found else {}


def test_experiment_help_names_each_experiments_own_default() -> None:
    """``rnnkit experiment -h`` said fp32 and constant were the defaults of --precision and --schedule, where
    ``rnnkit experiment pixel-mnist`` runs auto and cosine: every flag whose help states a default names each
    experiment whose own default is another, with that value."""
    verbs, own = _subparsers(cli.build_parser()), []
    for action in verbs["experiment"]._actions:
        if not (isinstance(action.help, str) and STATED.search(action.help)):
            continue
        common = next((f.default for f in dataclasses.fields(Settings) if f.name == action.dest), None)
        for experiment, exp in EXPERIMENTS.items():
            if exp.defaults.get(action.dest, common) != common:
                own.append(action.dest)
                said = rf"\b{re.escape(experiment)}\b[^;)]*: {re.escape(str(exp.defaults[action.dest]))}\b"
                assert re.search(said, action.help), (experiment, action.help)
    assert {"precision", "schedule"} <= set(own)
