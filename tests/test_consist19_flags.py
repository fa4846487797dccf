"""A flag that one verb of a model takes and another does not is refused as no flag of that verb, naming the
commands that take it, for every task alike (cross-task consistency, round 19)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rnnkit.cli import main


def model(root: Path, task: str) -> Path:
    """A folder that names ``task`` as a trained model's does (the flags are refused before anything is read)."""
    folder = root / task
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"task": task}))
    (folder / "model.safetensors").write_bytes(b"")
    return folder


@pytest.mark.parametrize(("task", "line", "takers"), [
    ("charlm", ["score", "{dir}", "--seed", "1", "the fox"], "`rnnkit train charlm` and `rnnkit sample`"),
    ("seq2seq", ["translate", "{dir}", "--data", "pairs.tsv"],
     "`rnnkit train seq2seq`, `rnnkit evaluate` and `rnnkit score`"),
    ("seq2seq", ["translate", "--data=pairs.tsv", "{dir}", "x"],
     "`rnnkit train seq2seq`, `rnnkit evaluate` and `rnnkit score`"),
    ("speech", ["transcribe", "{dir}", "--data", "corpus"], "`rnnkit train speech` and `rnnkit evaluate`"),
    ("caption", ["caption", "{dir}", "--data", "images"], "`rnnkit train caption` and `rnnkit evaluate`"),
    ("classify", ["predict", "{dir}", "--label-column", "y", "a text"],
     "`rnnkit train classify` and `rnnkit evaluate`"),
    ("tag", ["predict", "{dir}", "--data", "x.conll"], "`rnnkit train tag` and `rnnkit evaluate`"),
])
def test_a_flag_of_another_verb_is_not_called_a_training_setting(tmp_path: Path, capsys, task: str,
                                                                 line: list[str], takers: str) -> None:
    """`rnnkit translate RUN --data FILE` said '--data: a training setting; it applies to `rnnkit train
    seq2seq`', and `rnnkit sample RUN --json` called --json a training setting, while `evaluate --data` and
    `score --json` of the same model take them: a user was sent to training for a flag of a verb. (sample takes
    --json now.)"""
    folder = model(tmp_path, task)
    assert main([word.format(dir=folder) for word in line]) == 2
    flag = next(word for word in line if word.startswith("--")).split("=")[0]
    assert capsys.readouterr().err == (f"rnnkit: error: {flag}: not a flag of `rnnkit {line[0]}`; {takers} take it "
                                       f"(`rnnkit {line[0]} DIR -h` lists its flags)\n")

