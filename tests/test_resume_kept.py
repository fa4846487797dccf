"""A resumed run keeps its model's shape and data settings (each task's ``frozen``). A flag asking to change one
was refused; the same setting from Python or from a ``--config`` file was silently kept at the run's value (a
user asking for 16 hidden units trained on with 8). All three are now refused in one line."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import rnnkit
from rnnkit.cli import main
from rnnkit.errors import UserError
from tests.test_classify_cli import make_csv

FLAGS = ["--hidden", "8", "--embedding", "8", "--no-autotune", "--no-progress", "--save-minutes", "0"]


@pytest.fixture
def run(tmp_path: Path) -> tuple[Path, Path]:
    data = make_csv(tmp_path / "d.csv", 40, 0)
    out = tmp_path / "run"
    assert main(["train", "classify", "--data", str(data), "--out", str(out), "--steps", "2", *FLAGS]) == 0
    return data, out


def steps_done(out: Path) -> int:
    return json.loads((out / "last" / "trainer_state.json").read_text())["step"]


def test_python_refuses_what_the_command_line_refuses(run: tuple[Path, Path]) -> None:
    data, out = run
    for setting, said in (({"hidden": 16}, "hidden 16: the resumed run used 8"),
                          ({"bidirectional": True}, "bidirectional=True: the resumed run had no bidirectional"),
                          ({"config": {"tokenizer": "word"}}, "tokenizer word: the resumed run used char")):
        with pytest.raises(UserError, match=f"^{said}; a resumed run keeps its model and data: "
                                            "leave it out to resume the run as it is, "
                                            "or train a new run with another out$"):
            rnnkit.fit("classify", str(data), out, resume=True, steps=4, progress=False, verbose=False, **setting)
        assert steps_done(out) == 2
    # the run's own values, or none of them, resume as before
    rnnkit.fit("classify", str(data), out, resume=True, steps=4, hidden=8, progress=False, verbose=False)
    assert steps_done(out) == 4
    with pytest.raises(UserError, match="no such directory"):  # no run there: the task's own refusal
        rnnkit.fit("classify", str(data), out.parent / "none", resume=True, hidden=16, verbose=False)


def test_a_config_file_is_refused_as_a_flag_is(run: tuple[Path, Path], tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    data, out = run
    config = tmp_path / "c.toml"
    config.write_text("hidden = 16\n")
    capsys.readouterr()
    assert main(["train", "classify", "--resume", str(out), "--steps", "4", "--config", str(config),
                 "--no-progress"]) == 2
    assert capsys.readouterr().err.strip() == (f"rnnkit: error: {config}: hidden = 16: the resumed run used 8; a "
                                               "resumed run keeps its model and data: "
                                               "leave it out to resume the run as it is, "
                                               "or train a new run with another --out")
    assert steps_done(out) == 2
    config.write_text("hidden = 8\nlr = 0.002\n")  # the run's own shape, a new learning rate: resumed
    assert main(["train", "classify", "--resume", str(out), "--steps", "4", "--config", str(config),
                 "--no-progress"]) == 0
    assert steps_done(out) == 4


def test_a_switch_is_named_as_it_is_typed(run: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    """``--bidirectional`` was said as '--bidirectional True', a flag that takes no value."""
    _, out = run
    capsys.readouterr()
    assert main(["train", "classify", "--resume", str(out), "--steps", "4", "--bidirectional", "--no-progress"]) == 2
    assert capsys.readouterr().err.strip() == ("rnnkit: error: --bidirectional: the resumed run had no "
                                               "bidirectional; a resumed run keeps its model and data: "
                                               "leave it out to resume the run as it is, "
                                               "or train a new run with another --out")


def test_python_resumes_with_the_runs_settings_as_the_command_line_does(tmp_path: Path) -> None:
    """fit(resume=True) took each setting not given from the defaults: a run trained at lr 0.001 went on at
    charlm's default 0.006 (weight decay 0.1 for 0.05), where ``--resume`` keeps the run's. Given ones win."""
    text = tmp_path / "t.txt"
    text.write_text("the quick brown fox jumps over the lazy dog. " * 20, encoding="utf-8")
    small = ["--hidden", "8", "--seq-len", "8", "--batch-size", "2", "--no-progress", "--save-minutes", "0"]
    runs = {}
    for how in ("cli", "python"):
        out = runs[how] = tmp_path / how
        assert main(["train", "charlm", "--data", str(text), "--out", str(out), "--steps", "2", "--lr", "0.001",
                     "--weight-decay", "0.05", *small]) == 0
    assert main(["train", "charlm", "--resume", str(runs["cli"]), "--steps", "4", "--no-progress"]) == 0
    rnnkit.fit("charlm", str(text), runs["python"], resume=True, steps=4, progress=False, verbose=False)
    settings = {how: json.loads((out / "last" / "config.json").read_text())["settings"] for how, out in runs.items()}
    assert settings["python"] == settings["cli"]
    assert (settings["python"]["lr"], settings["python"]["weight_decay"]) == (0.001, 0.05)
    rnnkit.fit("charlm", str(text), runs["python"], resume=True, steps=6, lr=0.002, progress=False, verbose=False)
    assert json.loads((runs["python"] / "last" / "config.json").read_text())["settings"]["lr"] == 0.002


def test_a_kept_setting_written_another_way_is_the_same_setting() -> None:
    """The captioner's ``channels=[4, 4]`` (the list its docs give for Python) and ``image_size=[16, 16]`` are its
    run's ``"4,4"`` and ``16``, and classify's ``char_ngrams=[3, 6]`` its ``"3,6"``: each was refused as a change
    ('image_size 16: the resumed run used 16'); a different value still is."""
    from rnnkit.cli import refuse_changed_kept
    from rnnkit.tasks import TASKS, discover

    discover()
    caption, classify = TASKS["caption"], TASKS["classify"]
    saved = {"channels": "4,4", "image_size": 16}
    for same in ({"channels": [4, 4]}, {"channels": "4, 4"}, {"image_size": "16"}, {"image_size": [16, 16]},
                 {"image_size": "16x16"}, {"channels": "4,4", "image_size": 16}):
        refuse_changed_kept(caption, same, saved)
    refuse_changed_kept(classify, {"char_ngrams": [3, 6]}, {"char_ngrams": "3,6"})
    refuse_changed_kept(classify, {"char_ngrams": "3-6"}, {"char_ngrams": "3,6"})
    for other, said in (({"channels": [4, 8]}, "--channels [4, 8]: the resumed run used 4,4"),
                        ({"image_size": "16x32"}, "--image-size 16x32: the resumed run used 16"),
                        ({"channels": "x"}, "--channels x: the resumed run used 4,4")):
        with pytest.raises(UserError, match=f"^{re.escape(said)}; a resumed run"):
            refuse_changed_kept(caption, other, saved)
    with pytest.raises(UserError, match=r"^--char-ngrams 2,5: the resumed run used 3,6"):
        refuse_changed_kept(classify, {"char_ngrams": "2,5"}, {"char_ngrams": "3,6"})


def test_python_compares_with_the_checkpoint_it_resumes(run: tuple[Path, Path]) -> None:
    """The run's settings were read from best/ while the run resumes last/: a best/ saying other settings (edited,
    or of another rnnkit) let fit(resume=True, hidden=16) train on with last/'s 8 without a word."""
    data, out = run
    best = out / "best" / "config.json"
    config = json.loads(best.read_text())
    config["settings"]["hidden"] = 16
    best.write_text(json.dumps(config))
    with pytest.raises(UserError, match="^hidden 16: the resumed run used 8; a resumed run keeps its model and data: "
                                        "leave it out to resume the run as it is, "
                                        "or train a new run with another out$"):
        rnnkit.fit("classify", str(data), out, resume=True, steps=4, hidden=16, progress=False, verbose=False)
    assert steps_done(out) == 2


def test_a_config_instance_is_refused_as_its_keywords_are(run: tuple[Path, Path]) -> None:
    """``fit(config=ClassifyConfig(hidden=16), resume=True)`` trained on with the run's 8 without a word, where
    ``hidden=16`` and ``config={'hidden': 16}`` are refused; a field left at its default gives nothing."""
    from rnnkit.tasks._classify_config import ClassifyConfig

    data, out = run
    with pytest.raises(UserError, match="^hidden 16: the resumed run used 8; a resumed run keeps its model and data: "
                                        "leave it out to resume the run as it is, "
                                        "or train a new run with another out$"):
        rnnkit.fit("classify", str(data), out, config=ClassifyConfig(hidden=16), resume=True, steps=4,
                   progress=False, verbose=False)
    assert steps_done(out) == 2
    rnnkit.fit("classify", str(data), out, config=ClassifyConfig(hidden=8, steps=4), resume=True, progress=False,
               verbose=False)
    assert steps_done(out) == 4


def test_another_tasks_run_is_refused_as_that_before_its_settings(run: tuple[Path, Path]) -> None:
    """fit('tag', resume=True, hidden=16) of a classify run said 'hidden 16: the resumed run used 8' (a setting of
    another task's run), where the CLI says whose run it is."""
    data, out = run
    with pytest.raises(UserError, match=r"a 'classify' run, not a 'tag' run$"):
        rnnkit.fit("tag", str(data), out, resume=True, hidden=16, steps=4, progress=False, verbose=False)
