"""The Python API speaks Python: its errors name keywords (``resume=True``, ``text_column``), where the command
line, which runs the same code, names its flags (``--resume DIR``, ``--text-column``) and keeps every word it said.

A user of ``rnnkit.fit`` or of a loaded model was told ``--data FILE is required``, ``give --no-memory with
--shift``, ``name the training file with --train FILE``: flags that a Python call has no way to give.
"""

from __future__ import annotations

import pytest

from rnnkit.errors import SettingError, UserError, command_line, python_words, speaking_python

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
