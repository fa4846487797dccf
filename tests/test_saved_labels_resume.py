"""A resumed run reads its labels (a tagger its tags) from its own config.json as loading a model does: a list of
distinct strings, else one line naming the file and the field, and the file left as it was. Resuming took ``null``
or a missing field for a TypeError or a KeyError traceback, and a string for the list of its characters (`label
'neg' is not in the training data (training labels: 'n', 'e', 'g', ...)`)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from rnnkit.cli import main

pytestmark = pytest.mark.usefixtures("one_torch_thread")

GONE = object()
DAMAGED = [None, "negpos", ["neg", 1], ["neg", "neg"], {"neg": 0}, GONE]
TRAIN = {"classify": ["--layers", "0", "--pooling", "mean", "--tokenizer", "word"], "tag": ["--hidden", "8"]}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path]]:
    folder = tmp_path_factory.mktemp("saved_labels")
    table, tagged = folder / "t.csv", folder / "t.conll"
    rows = [f"{'good fine' if i % 2 else 'bad awful'} {i},{'pos' if i % 2 else 'neg'}" for i in range(40)]
    table.write_text("text,label\n" + "\n".join(rows) + "\n", encoding="utf-8")
    tagged.write_text("".join(f"the\tDET\ncat{i}\tNOUN\nsat\tVERB\n\n" for i in range(12)), encoding="utf-8")
    made = {}
    for task, data in (("classify", table), ("tag", tagged)):
        run = folder / task
        assert main(["train", task, "--data", str(data), "--out", str(run), "--steps", "2", *TRAIN[task]]) == 0
        made[task] = (data, run)
    return made


def _resume(task: str, runs: dict[str, tuple[Path, Path]], tmp_path: Path, value: object) -> tuple[int, Path, bytes]:
    data, saved = runs[task]
    run = shutil.copytree(saved, tmp_path / "run")
    path = run / "last" / "config.json"
    key = "labels" if task == "classify" else "tags"
    config = json.loads(path.read_text(encoding="utf-8"))
    if value is GONE:
        config.pop(key)
    elif value is not DAMAGED:
        config[key] = value
    path.write_text(json.dumps(config), encoding="utf-8")
    written = path.read_bytes()
    return main(["train", task, "--data", str(data), "--resume", str(run), "--steps", "4"]), path, written


@pytest.mark.parametrize("task", ["classify", "tag"])
@pytest.mark.parametrize("value", DAMAGED, ids=["null", "a string", "a number", "twice", "a mapping", "missing"])
def test_a_damaged_label_list_is_refused_naming_the_file(runs: dict[str, tuple[Path, Path]], tmp_path: Path,
                                                         task: str, value: object,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    code, path, written = _resume(task, runs, tmp_path, value)
    err = capsys.readouterr().err
    assert code != 0 and "Traceback" not in err
    assert f"{path}: {'labels' if task == 'classify' else 'tags'} must be a list of distinct strings" in err
    assert path.read_bytes() == written


@pytest.mark.parametrize("task", ["classify", "tag"])
def test_the_saved_labels_resume(runs: dict[str, tuple[Path, Path]], tmp_path: Path, task: str) -> None:
    assert _resume(task, runs, tmp_path, DAMAGED)[0] == 0
