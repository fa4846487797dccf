"""fixa's checks of the command line's one-line refusals and of its --json lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rnnkit import cli


def test_a_stray_word_where_the_config_gives_the_data_names_the_config(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """`rnnkit train classify --config c.toml stray.csv`, c.toml giving `data = "t.csv"`, was told to add
    `--data stray.csv`, as if nothing gave the data; the word is now an unexpected argument, and the line says
    where the data comes from."""
    monkeypatch.chdir(tmp_path)
    Path("c.toml").write_text('[train]\ndata = "t.csv"\n')
    assert cli.main(["train", "classify", "--config", "c.toml", "stray.csv"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("rnnkit: error: stray.csv: an unexpected argument; ")
    assert "its data comes from c.toml: data = 't.csv'" in err
    assert "--data stray.csv" not in err


def test_a_stray_word_of_a_resumed_run_is_not_told_to_add_data(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["train", "classify", "--resume", "run", "stray.csv"]) == 2
    err = capsys.readouterr().err
    assert "its data comes from the run that --resume run continues" in err
    assert "--data stray.csv" not in err


def test_a_stray_word_with_no_data_anywhere_is_the_forgotten_data(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """A config file without `data` (or one that cannot be read) leaves the advice as it was."""
    monkeypatch.chdir(tmp_path)
    Path("c.toml").write_text("steps = 2\n")
    for config in ("c.toml", "missing.toml"):
        assert cli.main(["train", "classify", "--config", config, "t.csv"]) == 2
        assert "reads its data from --data FILE (--data t.csv)" in capsys.readouterr().err


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A tiny classifier and a tiny tagger (2 steps each), and a file of texts for each."""
    tmp = tmp_path_factory.mktemp("fixa")
    (tmp / "t.csv").write_text("text,label\ngood film,pos\nbad film,neg\nnice one,pos\nawful,neg\n")
    (tmp / "t.conll").write_text("the\tDET\ncat\tNOUN\n\na\tDET\ndog\tNOUN\n\n")
    for task, data in (("classify", "t.csv"), ("tag", "t.conll")):
        assert cli.main(["train", task, "--data", str(tmp / data), "--out", str(tmp / task), "--steps", "2",
                         "--hidden", "8", "--embedding", "8", "--no-progress", "--json"]) == 0
    return {"dir": tmp, "classify": tmp / "classify", "tag": tmp / "tag"}


@pytest.mark.parametrize(("task", "data", "name", "said"), [
    ("classify", "t.csv", "out.csv", {"format": "csv", "rows": 4, "added": ["predicted_label", "p_neg", "p_pos"]}),
    ("classify", "t.csv", "out.jsonl", {"format": "jsonl", "rows": 4}),
    ("tag", "t.conll", "out.conll", {"format": "conll", "sentences": 2})])
def test_predict_output_with_json_says_what_it_wrote_as_json(models: dict[str, Path], task: str, data: str, name: str,
                                                             said: dict[str, object], tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    """`predict DIR --file in.csv --output out.csv --json` wrote CSV (the name decides) and said nothing at all:
    --json did nothing a user could see. The file is still written by its name; --json makes the report of it
    one JSON object on standard output, in place of the 'wrote ...' line on stderr."""
    out = tmp_path / name
    capsys.readouterr()
    assert cli.main(["predict", str(models[task]), "--file", str(models["dir"] / data), "--output", str(out),
                     "--json"]) == 0
    got = capsys.readouterr()
    line = json.loads(got.out)
    assert line["output"] == str(out) and said.items() <= line.items()
    assert got.err == ""
    first = out.read_text().splitlines()[0]
    assert first.startswith("text,") if name.endswith(".csv") else first.startswith(("{", "the\t"))
    assert cli.main(["predict", str(models[task]), "--file", str(models["dir"] / data), "--output", str(out)]) == 0
    got = capsys.readouterr()
    assert got.out == "" and got.err.startswith("wrote ")


def test_sample_json_is_one_object_with_the_text_and_its_settings(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """`rnnkit sample` had no --json where score, predict, translate, caption and transcribe have one: the object
    holds the text as printed without it and the settings that draw it again (the clock's seed too)."""
    data = tmp_path / "c.txt"
    data.write_text("hello world\nthe cat sat on the mat\n" * 20)
    assert cli.main(["train", "charlm", "--data", str(data), "--out", str(tmp_path / "lm"), "--steps", "1", "--hidden",
                     "8", "--embed-dim", "8", "--seq-len", "16", "--batch-size", "2", "--no-progress", "--json"]) == 0
    line = ["sample", str(tmp_path / "lm"), "--prime", "the ", "--length", "12", "--seed", "3"]
    capsys.readouterr()
    assert cli.main(line) == 0
    printed = capsys.readouterr().out
    assert cli.main([*line, "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    text = got.pop("text")
    assert printed == text + ("" if text.endswith("\n") else "\n") and text.startswith("the ")
    assert got == {"model": str(tmp_path / "lm"), "prime": "the ", "length": 12, "temperature": 0.8, "top_k": None,
                   "top_p": 1.0, "seed": 3}
    assert cli.main(["sample", str(tmp_path / "lm"), "--length", "5", "--json"]) == 0
    drawn = json.loads(capsys.readouterr().out)
    assert isinstance(drawn["seed"], int) and len(drawn["text"]) == 5
