"""The Python API speaks Python: its errors name keywords (``resume=True``, ``text_column``), where the command
line, which runs the same code, names its flags (``--resume DIR``, ``--text-column``) and keeps every word it said.

A user of ``rnnkit.fit`` or of a loaded model was told ``--data FILE is required``, ``give --no-memory with
--shift``, ``name the training file with --train FILE``: flags that a Python call has no way to give.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import rnnkit
from rnnkit.cli import main
from rnnkit.data.tokenize import UnknownCharacterWarning
from rnnkit.errors import (
    RnnkitWarning,
    SettingError,
    UserError,
    check_flag,
    command_line,
    in_words,
    python_words,
    report_warnings,
    speaking_python,
    warn,
)

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
         "text_column": False, "train": False, "dynamic_method": "method", "layers": False, "lr": False,
         "clip": False, "val_fraction": False, "steps": False}


@pytest.mark.parametrize(("said", "python"), [
    ("give --no-memory with --shift", "give memory=False with shift"),
    ("continue it with --resume r1, or start again with --overwrite (or another --out)",
     "continue it with resume=True, or start again with overwrite=True (or another out)"),
    ("--data FILE is required (a CSV file)", "data=FILE is required (a CSV file)"),
    ("--out r1: already holds a model", "out r1: already holds a model"),           # a value stays a value
    ("t.csv:1: column 'zz' is missing (choose one with --text-column; or ...)",
     "t.csv:1: column 'zz' is missing (choose one with text_column; or ...)"),      # file:line kept
    ("use --dynamic-method sgd", "use method sgd"),                                  # a flag named otherwise
    ("TEXT argument 2 of 3 is empty; give the text to tag", "text 2 of 3 is empty; give the text to tag"),
    ("give the model flags without --memory", "give the model settings without memory=True"),
    ("expected a model directory written by `rnnkit train`", "expected a model directory written by rnnkit.fit"),
    ("scored in r/autotune.jsonl (each a run: rnnkit predict r/autotune/trial-N ...)",  # an interrupted autotune
     "scored in r/autotune.jsonl (each a run: rnnkit.load('r/autotune/trial-N').predict(...))"),
    # not keywords: a command to run, another program's flags, a flag inside a word or a quoted value
    ("run `rnnkit prepare t.txt --out DIR` and train with --data DIR",
     "run `rnnkit prepare t.txt --out DIR` and train with data=DIR"),
    ("pip download --no-deps --only-binary :all: konlpy==0.6.0",
     "pip download --no-deps --only-binary :all: konlpy==0.6.0"),
    ("my--data.csv: tokenizer '--shift': expected", "my--data.csv: tokenizer '--shift': expected"),
    ("flags.csv:1: column 'text' is empty", "flags.csv:1: column 'text' is empty"),
    ("--json is not --no-shift", "--json is not --no-shift"),                       # --no- of no bool
    # a number after a flag is its value, but not where the message begins by naming the value it refuses
    ("a model without recurrent layers (--layers 0) pools", "a model without recurrent layers (layers=0) pools"),
    ("try a lower learning rate (--lr 0.0005 instead of 0.002) or gradient clipping (--clip 1.0); kept",
     "try a lower learning rate (lr=0.0005 instead of 0.002) or gradient clipping (clip=1.0); kept"),
    ("--val-fraction 2: expected a number", "val_fraction 2: expected a number"),
    ("needs --layers 1: in a stack", "needs layers=1: in a stack"),
    ("give a larger --steps to train on", "give a larger steps to train on"),   # a word after it is no value
    # a bool given a value no flag gives (multi_label=False from fit(), a flag without a --no- form)
    ("--memory False: the resumed run used memory", "memory=False: the resumed run used memory"),
    ("--no-memory False: x", "memory=True: x"),
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


def test_export_names_its_path_and_the_command_line_its_flag(trained: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``export(path)``'s refusals said ``--onnx PATH``, a flag that a Python call has no way to give."""
    said = "{} {}: is a folder; expected the name of an ONNX file to write"
    with pytest.raises(UserError, match=f"^{re.escape(said.format('path', trained))}$"):
        rnnkit.load(trained).export(trained)
    with pytest.raises(UserError, match="^path '': an empty name; expected the name of an ONNX file to write$"):
        rnnkit.load(trained).export("")
    assert refused(["export", str(trained), "--onnx", str(trained)], capsys) == said.format("--onnx", trained)


@pytest.mark.parametrize("value", ["no", 1, 0, None, [True]])
def test_a_method_refuses_a_flag_that_is_no_bool(trained: Path, tmp_path: Path, value: object) -> None:
    """Every object was read by its truth: ``export(check="no")`` checked with onnxruntime and
    ``evaluate(baseline="no")`` trained a baseline. A flag takes True or False (numpy's too), and 1 or 0 is
    refused as torch.nn.LSTM refuses ``batch_first=1``."""
    model = rnnkit.load(trained)
    with pytest.raises(TypeError, match=f"^export: check takes True or False, not {re.escape(repr(value))}$"):
        model.export(tmp_path / "m.onnx", check=value)
    with pytest.raises(TypeError, match=f"^evaluate: baseline takes True or False, not {re.escape(repr(value))}$"):
        model.evaluate(str(trained.parent / "nope.csv"), baseline=value)
    assert not (tmp_path / "m.onnx").exists()


@pytest.mark.parametrize(("value", "kind"), [(0, "int"), (1, "int"), (["text"], "list")])
def test_a_column_that_is_no_name_is_refused(trained: Path, data: Path, value: object, kind: str) -> None:
    """``text_column=0`` (a column index, as pandas takes one) read the column "text" without a word, and
    ``evaluate`` scored it; another int or a list was an AttributeError from inside the reader."""
    model = rnnkit.load(trained)
    for verb, call in (("evaluate", lambda **kw: model.evaluate(str(data), **kw)),
                       ("predict_file", lambda **kw: model.predict_file(str(data), **kw))):
        for name in ("text_column", "label_column") if verb == "evaluate" else ("text_column",):
            with pytest.raises(TypeError, match=f"^{verb}: {name} takes a column name \\(a str\\), not {kind}$"):
                call(**{name: value})
    assert model.evaluate(str(data), text_column="text", label_column=None)["count"] == 24


def test_check_flag_takes_python_and_numpy_bools() -> None:
    import numpy as np

    assert check_flag("f: x", np.True_) is True and check_flag("f: x", False) is False
    assert check_flag("f: x", None, none=True) is None
    with pytest.raises(TypeError, match="^f: x takes True, False or None, not 'no'$"):
        check_flag("f: x", "no", none=True)


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
    # the command line's words, by their place (it said "an empty TEXT argument", not which)
    line = refused(["predict", str(trained), "good film", " ", "bad film"], capsys)
    assert line == "TEXT argument 2 of 3 is empty; give the text to classify"


# ------------------------------------------------------------------------------------------- lines said during a call
THREADS = "threads: 1 of 2 (per item with 1: 4.16 µs, 2: 65.59 µs); measured again every 3 min; --threads N fixes it"


def test_a_line_said_in_a_call_of_the_api_speaks_its_keywords(capsys: pytest.CaptureFixture[str]) -> None:
    """The warnings and progress lines of ``rnnkit.fit`` and a model's methods said ``--threads N fixes it``; they
    pass through the translator of the errors (:func:`in_words`), the command line's lines as they were."""
    python = THREADS.replace("--threads N", "threads=N")
    assert in_words(THREADS) == THREADS                       # outside both
    with speaking_python(lambda: {"threads": False}):
        assert in_words(THREADS) == python
        with speaking_python(lambda: {}):                     # a call inside a call: the outer's words
            assert in_words(THREADS) == python
        with command_line():                                  # the command line inside a call keeps its own
            assert in_words(THREADS) == THREADS
    with command_line(), speaking_python(lambda: {"threads": False}):
        assert in_words(THREADS) == THREADS
    # report_warnings: the command line's 'rnnkit: warning:' lines; a call of the API is warned (RnnkitWarning)
    capsys.readouterr()
    with command_line(), report_warnings():
        warn("slow; --threads N fixes it")
        warn("slow; --threads N fixes it")  # a file read twice: one line
    assert capsys.readouterr().err == "rnnkit: warning: slow; --threads N fixes it\n"
    with pytest.warns(RnnkitWarning, match="^slow; threads=N fixes it$"), \
            speaking_python(lambda: {"threads": False}), report_warnings():
        warn("slow; --threads N fixes it")
    assert capsys.readouterr().err == ""


def test_charlm_says_its_plan_in_keywords_and_the_command_line_in_flags(tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """``rnnkit.fit("charlm", ...)`` printed '(--layers, --hidden, --dropout, --weight-drop set them)' and 'streams
    of --seq-len 8 instead of --batch-size 200'; ``rnnkit train charlm`` still does, byte for byte."""
    text = tmp_path / "t.txt"
    text.write_text("the cat sat on the mat. " * 40)
    argv = ["train", "charlm", "--data", str(text), "--out", str(tmp_path / "cli"), "--hidden", "8", "--seq-len", "8",
            "--batch-size", "200", "--steps", "2", "--eval-every", "2", "--no-progress"]
    capsys.readouterr()
    assert main(argv) == 0
    cli = capsys.readouterr().err.splitlines()
    rnnkit.fit("charlm", data=str(text), out=tmp_path / "py", hidden=8, seq_len=8, batch_size=200, steps=2,
               eval_every=2, progress=False)
    py = capsys.readouterr().err.splitlines()
    plan = next(line for line in cli if line.startswith("charlm: 1 layer (--hidden given), "))
    assert plan.endswith(" passes over the training text (--layers, --hidden, --dropout, --weight-drop set them)")
    assert plan.replace("(--layers, --hidden, --dropout, --weight-drop", "(layers, hidden, dropout, weight_drop") \
        .replace("(--hidden given)", "(hidden given)") in py
    short = next(line for line in cli if line.startswith("rnnkit: warning: the text is short: "))
    streams = int(short.split()[6])
    said = f"rnnkit: warning: the text is short: {streams} stream{'' if streams == 1 else 's'} of "
    assert short == f"{said}--seq-len 8 instead of --batch-size 200"
    assert f"{said}seq_len=8 instead of batch_size=200" in py
    assert not [line for line in py if "--" in line]


def test_classify_says_its_threads_line_in_keywords(data: Path, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """The line of the thread count the trainer chose ended '--threads N fixes it' in ``rnnkit.fit`` too."""
    import torch

    torch.set_num_threads(2)  # two counts to time (one_torch_thread restores it)
    rnnkit.fit("classify", data=str(data), out=tmp_path / "py", tokenizer="word", hidden=8, embedding=8, steps=10,
               progress=False)
    py = capsys.readouterr().err.splitlines()
    threads = [line for line in py if line.startswith("threads: ")]
    assert threads and threads[0].endswith("; threads=N fixes it"), py
    argv = ["train", "classify", "--data", str(data), "--out", str(tmp_path / "cli"), "--tokenizer", "word",
            "--hidden", "8", "--embedding", "8", "--steps", "10", "--no-progress"]
    assert main(argv) == 0
    cli = capsys.readouterr().err.splitlines()
    threads = [line for line in cli if line.startswith("threads: ")]
    assert threads and threads[0].endswith("; --threads N fixes it"), cli
    assert not [line for line in py if "--" in line]


def test_a_warning_of_a_method_names_its_keyword() -> None:
    """``CharLM.score(dynamic=True, dynamic_lr=3)`` warned '--dynamic-lr 3 may be too large'; ``rnnkit score``
    still does."""
    from rnnkit.tasks import keywords
    from rnnkit.tasks.charlm import CharLM, _check_adapted

    with pytest.warns(UserWarning, match=r"\(1\.61\): dynamic_lr=3 may be too large$"), \
            speaking_python(lambda: keywords("charlm", CharLM.score)):
        _check_adapted(-1000.0, 10, 5, 3.0, lambda: -1000.0)
    with pytest.warns(UserWarning, match=r"\(1\.61\): --dynamic-lr 3 may be too large$"), command_line():
        _check_adapted(-1000.0, 10, 5, 3.0, lambda: -1000.0)


def test_an_interrupted_fit_says_how_to_go_on_in_keywords(data: Path, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The result of an interrupted ``rnnkit.fit`` said 'interrupted: continue with --resume OUT' (its ``where()``
    is built after the call's words are gone); it says ``resume=True``, and the command line still its flag."""
    import signal

    from rnnkit.train.trainer import Trainer

    original = Trainer._update

    def interrupted(self: Trainer, *args: object) -> object:
        if self.step == 1:
            signal.raise_signal(signal.SIGINT)  # Ctrl-C: the trainer ends this step, saves last/ and stops
        return original(self, *args)

    monkeypatch.setattr(Trainer, "_update", interrupted)
    out = tmp_path / "r"
    result = rnnkit.fit("classify", data=str(data), out=out, tokenizer="word", hidden=8, embedding=8, steps=50,
                        eval_every=40, **QUIET)
    assert result.stopped == "interrupted"
    assert result.where() == (f"no evaluation yet, so no best model; the run is in {out / 'last'}; interrupted: "
                              "continue with resume=True")
    assert "words" not in result.to_json() and "words" not in repr(result)


def test_a_python_fit_and_a_models_method_warn_as_python_does(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    """Their warnings were printed 'rnnkit: warning:' lines (report_warnings, made for the command line), which
    no ``warnings.filterwarnings``, ``pytest.warns`` or ``catch_warnings(record=True)`` could see; they are
    Python's warnings now, an :class:`RnnkitWarning` in the call's words, and the command line prints them as
    before (tests/test_seq2seq.py, test_charlm.py)."""
    import warnings

    words = "the cat dog house red blue green big small runs eats sleeps".split()
    known, half = tmp_path / "en-es.tsv", tmp_path / "half.tsv"
    known.write_text("".join(f"{words[i % 12]} {words[i * 5 % 12]}\tes_{words[i % 12]}\n" for i in range(40)))
    half.write_text("".join(f"{words[i % 12]}\tes_{words[i % 12]}\n" for i in range(20))
                    + "".join(f"de_{words[i % 12]}\tfr_{words[i % 12]}\n" for i in range(20)))
    out = tmp_path / "run"
    settings = {"tokenizer": "word", "hidden": 8, "embedding": 8, "batch_size": 8, "eval_sentences": 1}
    rnnkit.fit("seq2seq", data=str(known), out=out, steps=2, **settings, **QUIET)
    with pytest.warns(RnnkitWarning, match=r"^.*half.tsv: 50% of the source .* train a new run \(another out\) to "
                                           "learn these words$") as caught:
        rnnkit.fit("seq2seq", data=str(half), out=out, resume=True, steps=3, **settings, **QUIET)
    assert caught[0].filename == __file__  # the caller's line, not _translate_data.py's
    assert "rnnkit: warning" not in capsys.readouterr().err

    text = tmp_path / "t.txt"
    text.write_text("the cat sat on the mat. " * 20)
    rnnkit.fit("charlm", data=str(text), out=tmp_path / "lm", hidden=8, seq_len=8, batch_size=2, steps=2, **QUIET)
    lm = rnnkit.load(tmp_path / "lm")
    with pytest.warns(RnnkitWarning, match=r"1 character unknown to the model \(seen 1 time\), read as its "
                                           "unknown symbol: 'Z'"):
        lm.score("the Zat")
    with warnings.catch_warnings():  # filtered as a group, as a library's warnings are
        warnings.simplefilter("error")
        warnings.filterwarnings("ignore", category=RnnkitWarning)
        lm.score("the Zat")
    assert "rnnkit: warning" not in capsys.readouterr().err


def test_a_warning_is_said_at_the_callers_line(tmp_path: Path) -> None:
    """A warning of rnnkit's pointed at a line inside rnnkit (``_charlm_trained.py:161``, where ``score`` reads the
    text), not at the caller's: it is said at the first frame outside the package, as a library's are."""
    import warnings

    text = tmp_path / "t.txt"
    text.write_text("the cat sat on the mat. " * 20)
    rnnkit.fit("charlm", data=str(text), out=tmp_path / "lm", hidden=8, seq_len=8, batch_size=2, steps=1, **QUIET)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rnnkit.load(tmp_path / "lm").score("the Zat")
    assert [(w.category, w.filename) for w in caught] == [(UnknownCharacterWarning, __file__)]


def test_charlm_says_one_stream_in_the_singular(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A text of one window said '1 stream(s) of --seq-len 8' in its warning and '1 streams' in its header."""
    text = tmp_path / "t.txt"
    text.write_text("the cat sat on th")  # 15 training characters: one window of 8 + 1
    argv = ["train", "charlm", "--data", str(text), "--out", str(tmp_path / "m"), "--hidden", "8", "--seq-len", "8",
            "--batch-size", "4", "--steps", "1", "--eval-every", "1", "--val-fraction", "0.1", "--no-progress"]
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert "rnnkit: warning: the text is short: 1 stream of --seq-len 8 instead of --batch-size 4" in err
    assert "15 training chars in 1 stream, window 8" in err
