"""The Python API speaks Python: its errors name keywords (``resume=True``, ``text_column``), where the command
line, which runs the same code, names its flags (``--resume DIR``, ``--text-column``) and keeps every word it said.

A user of ``rnnkit.fit`` or of a loaded model was told ``--data FILE is required``, ``give --no-memory with
--shift``, ``name the training file with --train FILE``: flags that a Python call has no way to give.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import rnnkit
from rnnkit.cli import main
from rnnkit.errors import SettingError, UserError, command_line, python_words, speaking_python

pytestmark = pytest.mark.usefixtures("one_torch_thread")

QUIET = {"verbose": False, "progress": False}


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("data") / "t.csv"
    path.write_text("text,label\n" + "".join(f"good film {i},pos\nbad film {i},neg\n" for i in range(12)))
    return path


@pytest.fixture(scope="module")
def trained(data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("runs") / "r1"
    rnnkit.fit("classify", data=str(data), out=out, tokenizer="word", hidden=8, embedding=8, steps=2, **QUIET)
    return out


def refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """What the command line prints for ``argv``, which it refuses with status 2."""
    capsys.readouterr()
    assert main(argv) == 2
    return capsys.readouterr().err.strip().removeprefix("rnnkit: error: ")


# ------------------------------------------------------------------------------------------- the rules
WORDS = {"memory": True, "shift": False, "resume": True, "overwrite": True, "out": False, "data": False,
         "text_column": False, "train": False, "dynamic_method": "method"}


@pytest.mark.parametrize(("said", "python"), [
    ("give --no-memory with --shift", "give memory=False with shift"),
    ("continue it with --resume r1, or start again with --overwrite (or another --out)",
     "continue it with resume=True, or start again with overwrite=True (or another out)"),
    ("--data FILE is required (a CSV file)", "data=FILE is required (a CSV file)"),
    ("--out r1: already holds a model", "out r1: already holds a model"),           # a value stays a value
    ("t.csv:1: column 'zz' is missing (choose one with --text-column; or ...)",
     "t.csv:1: column 'zz' is missing (choose one with text_column; or ...)"),      # file:line kept
    ("use --dynamic-method sgd", "use method sgd"),                                  # a flag named otherwise
    ("an empty TEXT argument ''; give the text to tag", "an empty text ''; give the text to tag"),
    ("give the model flags without --memory", "give the model settings without memory=True"),
    ("expected a model directory written by `rnnkit train`", "expected a model directory written by rnnkit.fit"),
    # not keywords: a command to run, another program's flags, a flag inside a word or a quoted value
    ("run `rnnkit prepare t.txt --out DIR` and train with --data DIR",
     "run `rnnkit prepare t.txt --out DIR` and train with data=DIR"),
    ("pip download --no-deps --only-binary :all: konlpy==0.6.0",
     "pip download --no-deps --only-binary :all: konlpy==0.6.0"),
    ("my--data.csv: tokenizer '--shift': expected", "my--data.csv: tokenizer '--shift': expected"),
    ("flags.csv:1: column 'text' is empty", "flags.csv:1: column 'text' is empty"),
    ("--json is not --no-shift", "--json is not --no-shift"),                       # --no- of no bool
])
def test_command_line_words_become_keywords(said: str, python: str) -> None:
    assert python_words(said, WORDS, {"resume": {"r1"}}) == python


def test_a_rewritten_error_keeps_its_class_fields_cause_and_traceback() -> None:
    def setting() -> None:
        try:
            {}["x"]
        except KeyError:
            raise SettingError("shift", 8, "give --no-memory with --shift") from None

    with pytest.raises(SettingError) as caught, speaking_python(lambda: WORDS):
        setting()
    exc = caught.value
    assert str(exc) == "shift 8: give memory=False with shift" and exc.expected == "give memory=False with shift"
    assert exc.name == "shift" and exc.value == 8 and exc.__suppress_context__ and exc.__cause__ is None
    assert caught.traceback[-1].name == "setting"
    # the command line keeps its words, through the API's calls too; a call inside a call rewrites once
    with pytest.raises(UserError, match="^give --no-memory$"), command_line(), speaking_python(lambda: WORDS):
        raise UserError("give --no-memory")
    with pytest.raises(UserError, match="^give --memory$"), speaking_python(lambda: {}), \
            speaking_python(lambda: WORDS):
        raise UserError("give --memory")


# ------------------------------------------------------------------------------------------- rnnkit.fit
def test_fit_names_its_keywords_where_the_command_line_names_flags(data: Path, trained: Path, tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    new = tmp_path / "new"
    cases = [
        ({"task": "classify"}, ["train", "classify"],
         "--data FILE is required (a CSV, TSV or JSONL file with text and label columns, or 'polarity')",
         "data=FILE is required (a CSV, TSV or JSONL file with text and label columns, or 'polarity')"),
        ({"task": "classify", "data": data, "out": trained}, ["train", "classify", "--data", str(data)],
         f"{trained}: already holds a trained model; continue it with --resume {trained}, or start again with "
         "--overwrite (or another --out)",
         f"{trained}: already holds a trained model; continue it with resume=True, or start again with "
         "overwrite=True (or another out)"),
        ({"task": "classify", "data": data, "autotune": True, "pretrain_data": str(data)},
         ["train", "classify", "--data", str(data), "--autotune", "--pretrain-data", str(data)],
         "--autotune does not pre-train; drop --pretrain-data, or give the model flags without --autotune",
         "autotune=True does not pre-train; drop pretrain_data, or give the model settings without autotune=True"),
        ({"task": "classify", "data": data, "text_column": "zz"},
         ["train", "classify", "--data", str(data), "--text-column", "zz"],
         f"{data}:1: text column 'zz' is missing; the file has 'text', 'label' (choose one with --text-column; ",
         f"{data}:1: text column 'zz' is missing; the file has 'text', 'label' (choose one with text_column; "),
        ({"task": "charlm"}, ["train", "charlm"],  # it was "data None: expected ...", unlike the other tasks
         "--data FILE is required ('shakespeare', 'korean' or a UTF-8 text file)",
         "data=FILE is required ('shakespeare', 'korean' or a UTF-8 text file)"),
        ({"task": "charlm", "data": data, "shift": 8}, ["train", "charlm", "--data", str(data), "--shift", "8"],
         "--shift 8: overlapping windows would read the text twice into the memory; give --no-memory with --shift",
         "shift 8: overlapping windows would read the text twice into the memory; give memory=False with shift"),
        ({"task": "classify", "data": data, "resume": True, "out": tmp_path / "r9"},
         ["train", "classify", "--resume", str(tmp_path / "r9")],
         f"{tmp_path / 'r9'}: no such directory; expected a model directory written by `rnnkit train`",
         f"{tmp_path / 'r9'}: no such directory; expected a model directory written by rnnkit.fit"),
    ]
    for arguments, argv, flags, keywords in cases:
        task = arguments.pop("task")
        arguments.setdefault("out", new)
        where = [] if "--resume" in argv else ["--out", str(arguments["out"])]
        argv = [*argv, "--steps", "2", "--no-progress", *where]
        assert refused(argv, capsys).startswith(flags), argv
        with pytest.raises(UserError) as caught:
            rnnkit.fit(task, steps=2, **arguments, **QUIET)
        assert str(caught.value).startswith(keywords), arguments
    assert not new.exists()


def test_load_names_fit() -> None:
    with pytest.raises(UserError, match="^nope: no such directory; expected a model directory written by rnnkit.fit$"):
        rnnkit.load("nope")


# ------------------------------------------------------------------------------------------- a loaded model
def test_evaluate_names_its_keyword_and_the_command_line_its_flag(trained: Path, data: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    said = ("nope.csv: no such file (the model's training data, as config.json records it); name the training "
            "file with {}")
    with pytest.raises(UserError, match=f"^{said.format('train=FILE')}$".replace("(", r"\(").replace(")", r"\)")):
        rnnkit.load(trained).evaluate(str(data), baseline=True, train="nope.csv")
    line = refused(["evaluate", str(trained), "--data", str(data), "--baseline", "--train", "nope.csv"], capsys)
    assert line == said.format("--train FILE")


def test_a_classifier_refuses_an_empty_text_in_every_method_by_its_place(trained: Path,
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    """``predict(["a", ""])`` was refused as "an empty TEXT argument" (a word of the command line, no place),
    while ``probabilities([""])`` and ``encode([""])`` read it as one ``<unk>`` and gave it a label: a file's
    empty text is refused naming its line, a list's now naming its place."""
    m = rnnkit.load(trained)
    with pytest.raises(UserError, match="^an empty text; give the text to classify$"):
        m.predict("")
    for method in (m.predict, m.probabilities, m.encode):
        with pytest.raises(UserError, match=r"^texts\[1\] is empty; give the text to classify$"):
            method(["good film", " \t"])
    assert m.probabilities(["good film"]).shape == (1, 2) and m.probabilities([]).shape == (0, 2)
    # the command line's words, as before
    line = refused(["predict", str(trained), "good film", ""], capsys)
    assert line == "an empty TEXT argument; give the text to classify"
