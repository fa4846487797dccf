"""The one exception type for input a user can fix.

Raise :class:`UserError` for bad files, bad flags and bad checkpoints: the CLI prints its message on
one line (``rnnkit: error: ...``) and exits with status 2, without a traceback. The message names the
file, line or field and says what was expected. It is written in the command line's words (``--train FILE``);
a call of the Python API says them in its keywords (``train=FILE``: :func:`python_words`), and so do the
warnings and progress lines it prints (:func:`in_words`).
"""

from __future__ import annotations

import contextlib
import functools
import math
import numbers
import operator
import os
import re
import reprlib
import shlex
import sys
import threading
import warnings
from collections.abc import Callable, Collection, Hashable, Iterable, Iterator, KeysView, Mapping, Sequence, Set
from contextvars import ContextVar
from typing import Any


class UserError(Exception):
    """Bad input that the user can act on; the message is shown as is, on one line."""

    exit_code = 2


class RnnkitWarning(UserWarning):
    """A warning of rnnkit's (characters a model does not know, an image over Pillow's limit, empty mel filters
    ...), said through :func:`warn`: a Python caller filters them as a group (``warnings.filterwarnings("ignore",
    category=RnnkitWarning)``) or records them (``pytest.warns``); the command line shows each as one
    ``rnnkit: warning:`` line (:func:`report_warnings`)."""


class SettingError(UserError):
    """A setting with a value it cannot take: ``SettingError("hidden", 0, "expected a positive integer")``
    reads ``hidden 0: expected a positive integer``; the CLI names the flag instead (``--hidden 0: ...``)."""

    def __init__(self, name: str, value: object, expected: str) -> None:
        super().__init__(f"{name} {value!r}: {expected}")
        self.name = name
        self.value = value
        self.expected = expected

    def as_flag(self) -> str:
        """The message with the command-line flag of the setting (``--seq-len 0: ...``; an on/off flag as it is
        given, without its value: ``--replace-unk: ...`` for True, ``--no-bidirectional: ...`` for False)."""
        return f"{flag_as_given(self.name, self.value)}: {self.expected}"


def flag_as_given(name: str, value: object) -> str:
    """Setting ``name`` set to ``value`` as a command line gives it: ``--seq-len 0``; an on/off flag without its
    value, ``--replace-unk`` for True and ``--no-bidirectional`` for False; an empty or blank string quoted, as a
    shell takes it: ``--text-column ''`` (it read ``--text-column :``)."""
    flag = f"--{name.replace('_', '-')}"
    if isinstance(value, bool):
        return flag if value else f"--no-{flag[2:]}"
    return f"{flag} {value!r}" if isinstance(value, str) and not value.strip() else f"{flag} {value}"


def check_positive(name: str, value: object) -> None:
    """Raise :class:`SettingError` unless ``value`` is an integer of at least 1."""
    if not whole_number(value) or value < 1:
        raise SettingError(name, value, "expected a positive integer")


def check_count(name: str, value: object, least: int = 1, most: int | None = None) -> int:
    """``value`` as an int when it is an integer (a Python, numpy or 0-d integer tensor one, not a bool) from
    ``least`` (to ``most``), else :class:`SettingError`: a beam, a length, a number of digits (2.5 or True
    reached torch as a traceback, -1 ran as nonsense)."""
    span = f"from {least} to {most}" if most is not None else f">= {least}"
    try:
        number = operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        number = None
    if isinstance(value, bool) or number is None or number < least or (most is not None and number > most):
        raise SettingError(name, value, f"expected an integer {span}")
    return number


#: the most CPU threads rnnkit gives torch: far more than any machine's cores, and below the counts at which
#: OpenMP aborts or crashes (torch.set_num_threads(20000) aborted in libgomp, 100000 was a segmentation fault)
MAX_THREADS = 1024


def check_threads(value: object, name: str = "threads") -> int:
    """``value`` as a thread count from 1 to :data:`MAX_THREADS`, else :class:`SettingError` naming ``name``."""
    return check_count(name, value, 1, MAX_THREADS)


#: the seeds torch takes (``torch.manual_seed``: 64 bits, signed or not; -1 seeds as 2**64 - 1 does)
SEED_MIN, SEED_MAX = -(2**63), 2**64 - 1


def check_seed(name: str, value: object, room: int = 0, *, signed: bool = True) -> int:
    """``value`` as an int when it is a seed torch takes, else :class:`SettingError` (a seed past 64 bits was
    a traceback, 'ValueError: Overflow when unpacking long long', once training began). ``room``: how far
    past the seed a run seeds another generator (``seed + room``), which must fit too. ``signed=False``: from 0,
    for a seed that a command counts from or writes down, where -1 ran as torch's 2**64 - 1 under another name
    (``rnnkit experiment --first-seed``, ``--perm-seed``, ``rnnkit diagnose --seed``, ``rnnkit demo --seed``)."""
    return check_count(name, value, SEED_MIN if signed else 0, SEED_MAX - room)


#: the widest beam a decoder takes: a CTC prefix search keeps a prefix and its frames per hypothesis, so
#: ``--beam 1000000`` grew until the system killed it (wider than any published decoder's setting)
MAX_BEAM = 10_000


def check_beam(beam: object, n_best: object = 1) -> tuple[int, int]:
    """``(beam, n_best)`` as ints when ``beam`` is an integer from 1 to :data:`MAX_BEAM` and ``n_best`` one
    from 1 to ``beam``, else :class:`SettingError`."""
    width = check_count("beam", beam, 1, MAX_BEAM)
    if whole_number(n_best) and n_best > width:
        raise SettingError("n_best", n_best, f"expected at most the beam's width ({width}): give a beam of at "
                                             f"least {n_best}")
    return width, check_count("n_best", n_best, 1, width)


def check_finite(name: str, value: object, expected: str, least: float = -math.inf) -> float:
    """``value`` as a float when it is a finite number >= ``least`` (not a string or a bool), else a
    :class:`SettingError` naming ``name`` (the Python argument; the command line shows its flag):
    ``temperature="hot"`` was a bare "must be real number" from inside the method."""
    try:
        number = None if isinstance(value, (str, bytes, bool)) else float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        number = None
    if number is None or not (math.isfinite(number) and number >= least):
        raise SettingError(name, value, expected)
    return number


def check_text(name: str, value: object, what: str = "a text (str)") -> str:
    """``value`` when it is a str, as a plain str (NumPy's ``np.str_``, a subclass, is one text as a str is, and
    came back so: ``score(np.str_("abc"))`` gave ``{'text': np.str_('abc'), ...}``), else a TypeError ``"{name}
    takes {what}, not int"`` (``tagger.split(3)`` was "normalize() argument 2 must be str, not int" from inside the
    method, ``scoring_ids(b"ab")`` an AttributeError)."""
    if not isinstance(value, str):
        raise TypeError(f"{name} takes {what}, not {type(value).__name__}")
    return exact_str(value)


def check_texts(verb: str, texts: object) -> list[str]:
    """``texts`` (a list, tuple or other iterable of strings) as a list, else a TypeError saying what ``verb``
    takes and what it got (``score(5)`` was "'int' object is not iterable", ``predict(["a", 5])`` an
    AttributeError from inside the method); a set too (:func:`check_ordered`). Each as a plain str: a NumPy array's
    ``np.str_`` items came back so in the records, ``'text': np.str_('...')``."""
    check_ordered(verb, texts, "a text or a list of texts")
    items = list(texts) if isinstance(texts, Iterable) and not isinstance(texts, (str, bytes)) else None
    if items is None:
        raise TypeError(f"{verb} takes a text or a list of texts, not {type(texts).__name__}")
    for i, item in enumerate(items):
        if not isinstance(item, str):
            raise TypeError(f"{verb} takes a text or a list of texts, not a {type(texts).__name__} holding "
                            f"{type(item).__name__}: texts[{i}] is {reprlib.repr(item)}{_missing_value(item)}")
    return [exact_str(item) for item in items]


def _missing_value(item: object) -> str:
    """What :func:`check_texts` adds for a missing value (:func:`is_missing`): where it most likely came from, what
    to do."""
    if is_missing(item):
        return (", a missing value (pandas reads an empty cell as NaN): leave those rows out, e.g. "
                "df.dropna(subset=[column]), or give them a text")
    return ""


def is_missing(item: object) -> bool:
    """Whether ``item`` is a missing value as pandas' ``isna`` says of one item: None, a NaN of any float type
    (Python's, NumPy's ``float16``/``float32``/``float64``: a column's ``np.float32('nan')`` was named by its type
    alone, "not a list holding float32"), pandas' ``pd.NA`` and ``pd.NaT``, NumPy's ``NaT``; found without
    importing NumPy or pandas."""
    if item is None or type(item).__name__ in ("NAType", "NaTType"):
        return True
    if type(item).__name__ in ("datetime64", "timedelta64"):  # NumPy's; a timedelta64 is a numbers.Real too
        return str(item) == "NaT"
    # NumPy registers its floats as numbers.Real; NaN alone is not itself (math.isnan of an int past a float's
    # range raised OverflowError, where a list holding one is a TypeError)
    return isinstance(item, numbers.Real) and bool(item != item)


def exact_str(text: str) -> str:
    """``text`` as an exact str: a subclass's (a NumPy array's ``np.str_``, also one taken out of it, ``texts[0]``)
    came back so in the records, ``'text': np.str_('...')``."""
    return str.__str__(text)


def check_filled(texts: Sequence[Any], purpose: str, empty: Callable[[Any], bool] | None = None,
                 arguments: bool = False) -> None:
    """Raise :class:`UserError` naming the place of the first ``empty`` item of a list of texts, as a file's
    empty text names its line: ``texts[1] is empty; give the text to {purpose}`` (the classifier, tagger,
    translator and language model all say it so), or with ``arguments`` (the command line's TEXT words,
    counted from 1) ``TEXT argument 2 of 3 is empty; ...``. ``empty``: blank, unless the caller says otherwise
    (a language model scores a text of spaces; a tagger's item may be a list of tokens)."""
    for i, text in enumerate(texts):
        if empty(text) if empty is not None else not text.strip():
            place = f"TEXT argument {i + 1} of {len(texts)}" if arguments else f"texts[{i}]"
            raise UserError(f"{place} is empty; give the text to {purpose}")


def warn_file_names(texts: Sequence[str]) -> None:
    """Warn of each of the command line's TEXT arguments that names an existing file: it is read as the text itself
    (``rnnkit predict DIR notes.txt`` classified the nine characters ``notes.txt``, unsaid), and ``--file`` reads a
    file. A warning, not a refusal: a word may be a text and a file's name at once. So is a TEXT of ``-`` where no
    file is so named: the dash was read as the text (``echo Hallo | rnnkit translate DIR -`` translated '-'), where
    ``--file -`` reads standard input."""
    for i, text in enumerate(texts):
        if os.path.isfile(text):
            said = "names a file; it is read as the text itself (give --file {} to read the file)"
        elif text == "-":
            said = "is a dash; it is read as the text itself, not standard input (give --file {} to read that)"
        else:
            continue
        with report_warnings():
            warn(f"TEXT argument {i + 1} of {len(texts)} ({text}) " + said.format(shlex.quote(text)))


def is_single(value: object) -> bool:
    """Whether a method that takes one item or a list of them (``transcribe``'s WAV files, ``caption``'s
    images) reads ``value`` as one: a str or a path, or anything not iterable (a PIL image); a list, tuple,
    generator or array is many. Bytes, a dict and an open file are one too, for the method to refuse by
    their type: read as many, their items were taken for the things given (``transcribe(b"RIFF...")`` said
    "not int" of a byte, a dict's keys and a file's lines were read as paths)."""
    return (isinstance(value, (str, os.PathLike, bytes, bytearray, memoryview, Mapping)) or hasattr(value, "read")
            or not isinstance(value, Iterable))


def check_ordered(verb: str, value: object, what: str) -> None:
    """Raise a TypeError when ``value`` is a set (or other unordered collection): ``verb`` answers a list, one
    result per item in the order given, and a set's order is Python's, changing from run to run with its
    string hashing, so no result could be told to be whose (as Keras's ``predict`` refuses a set). A dict's
    keys keep their order and are taken. A pandas ``DataFrame`` is refused too, naming the column to give: it
    iterates over its column names, so ``predict(df[["text"]])`` answered for the one text ``"text"``."""
    if isinstance(value, Set) and not isinstance(value, KeysView):
        raise TypeError(f"{verb} takes {what}, not a {type(value).__name__}: the results come in the order given, "
                        f"and a {type(value).__name__} has none; give a list, such as sorted(...)")
    if type(value).__name__ == "DataFrame" and type(value).__module__.startswith("pandas"):
        raise TypeError(f"{verb} takes {what}, not a DataFrame, which reads as its column names; give one column "
                        "of it, a Series: df['text'], not df[['text']]")


def check_path(name: str, value: object, what: str = "a str or a path") -> None:
    """Raise a TypeError ``"{name} takes {what}, not int"`` unless ``value`` is a str or an ``os.PathLike``
    (``evaluate(5)`` was pathlib's "expected str, bytes or os.PathLike object, not int" from inside it)."""
    if not isinstance(value, (str, os.PathLike)):
        raise TypeError(f"{name} takes {what}, not {type(value).__name__}")


def refuse_empty_name(value: str | os.PathLike[str] | None, expected: str, flag: str | None = None) -> None:
    """A :class:`UserError` ``"{flag} '': an empty name; expected {expected}"`` when ``value`` is an empty or blank
    name (an unset shell variable: ``--out "$OUT"``), which ``Path("")`` reads as the working directory, or a
    command as a flag not given; nothing for None (the flag not given) or any other name."""
    if value is not None and not os.fspath(value).strip():
        raise UserError(f"{flag + ' ' if flag else ''}{os.fspath(value)!r}: an empty name; expected {expected}")


def check_read_path(verb: str, keyword: str, value: object, what: str) -> None:
    """``verb``'s ``keyword``, the ``what`` it reads: a TypeError unless a str or a path (:func:`check_path`), and
    a :class:`UserError` naming ``keyword`` for an empty name (:func:`refuse_empty_name`), which ``Path("")`` read as
    the working directory (``evaluate("")`` was ": is a directory", ``".: not a speech corpus"``), where the command
    line refuses ``--data ''``."""
    check_path(verb, value, f"{what} (a str or a path)")
    refuse_empty_name(value, what, keyword)  # type: ignore[arg-type]


def is_numpy_bool(value: object) -> bool:
    """Whether ``value`` is numpy's bool (``np.True_``), known without importing numpy."""
    return type(value).__module__ == "numpy" and type(value).__name__ in ("bool", "bool_")


def check_flag(name: str, value: object, none: bool = False) -> bool | None:
    """``value`` as Python's bool when it is True or False (numpy's ``np.True_`` too), or None where ``none``
    allows it; else a TypeError ``"{name} takes True or False, not 'no'"``: any object was read by its truth, so
    ``export(check="no")`` checked and ``fit(progress="no")`` drew the bar. 1 and 0 are refused, as
    ``torch.nn.LSTM(batch_first=1)`` is."""
    if isinstance(value, bool) or (value is None and none):
        return value
    if is_numpy_bool(value):
        return bool(value)
    raise TypeError(f"{name} takes True{', False or None' if none else ' or False'}, not {value!r}")


def first_repeated(items: Iterable[Hashable]) -> Hashable | None:
    """The first item of ``items`` that an earlier one equals (what a refusal names as given twice), None
    when they are all distinct."""
    seen: set[Hashable] = set()
    for item in items:
        if item in seen:
            return item
        seen.add(item)
    return None


def whole_number(value: object) -> bool:
    """An int, not a bool (JSON's ``true`` reads as a Python bool, which is an int)."""
    return isinstance(value, int) and not isinstance(value, bool)


def torchrun_number(key: str, *, strict: bool) -> int | None:
    """The whole number in the environment variable ``key`` that torchrun sets (``WORLD_SIZE``, ``RANK``,
    ``LOCAL_RANK``, ``LOCAL_WORLD_SIZE``), read by one rule for every reader: spaces around it are dropped, and an
    empty one is unset (None: torchrun never sets one empty; a shell's ``export WORLD_SIZE=`` clears it). Other
    text than decimal digits after an optional sign (``abc``, ``2_0``, which ``int`` reads as 20) is no torchrun's:
    ``strict`` (``rnnkit train``, which joins a process group by it) refuses it in one line naming it; otherwise
    (a command of one process, a line said while an error is printed) it is None, as if unset. Its range is the
    reader's to check. Two rules read ``2_0`` as 20 processes in ``train`` and as none in the other commands."""
    text = os.environ.get(key, "")
    number = text.strip()
    if not number:
        return None
    if (number[1:] if number[0] in "+-" else number).isdecimal():  # not isdigit: int() refuses '²', a digit
        with contextlib.suppress(ValueError):  # past Python's limit of digits: garbled
            return int(number)
    if strict:
        raise UserError(f"environment variable {key}={text!r}: expected an integer (torchrun sets it)")
    return None


def world_size() -> int:
    """The number of processes torchrun's ``WORLD_SIZE`` says, read by the rule every reader of it shares
    (:func:`torchrun_number`): 1 where it is unset, no whole number or below 1 (torchrun sets one, so
    ``WORLD_SIZE=abc`` or an empty one left in a shell is no torchrun). A command that runs in one process ran
    with it; ``WORLD_SIZE=abc rnnkit evaluate`` was refused for an 'integer (torchrun sets it)'. ``rnnkit train``
    reads it strictly (:func:`rnnkit.train.distributed.ranks`: a garbled one is refused there)."""
    return max(torchrun_number("WORLD_SIZE", strict=False) or 1, 1)


def speaks() -> bool:
    """False in a torchrun process other than rank 0, which leaves the lines every process would say alike to rank
    0 (read from the environment as set, so that a malformed value never becomes an error while one is being
    printed)."""
    rank = torchrun_number("RANK", strict=False)
    return not (rank is not None and 0 < rank < world_size())


def finite_number(value: object) -> bool:
    """A finite int or float, not a bool (metrics.jsonl writes a NaN loss as null)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


#: what a budget of minutes takes, the ``--minutes`` flag (:data:`rnnkit.train.options.positive_float`) and the setting
POSITIVE_NUMBER = "a finite number > 0"


def check_minutes(name: str, value: object) -> None:
    """Raise :class:`SettingError` for a number that is no finite one > 0 (nan, inf, 0, -1), in the words of the
    ``--minutes`` flag's checker: a ``--config`` file's ``minutes = nan`` said "expected a number". A value that is
    no number is :func:`check_type`'s to refuse."""
    if isinstance(value, int | float) and not isinstance(value, bool) and not (math.isfinite(value) and value > 0):
        raise SettingError(name, value, f"expected {POSITIVE_NUMBER}")


def check_type(name: str, value: object, annotation: object) -> None:
    """Raise :class:`SettingError` unless ``value`` is of a type ``annotation`` names (a dataclass field's
    ``"int | None"``: an integer or None; a bool is not an integer, an integer is a number; ``list[int]`` a
    list of integers; ``dict[str, float]`` a dict, its items left to the caller; other types, such as other
    lists, are left to the caller)."""
    allowed = {part.strip() for part in str(annotation).split("|")}
    if value is None and "None" in allowed:
        return
    kinds = {"bool": lambda v: isinstance(v, bool),
             "int": whole_number,
             "float": finite_number,
             "str": lambda v: isinstance(v, str),
             "list[int]": lambda v: isinstance(v, list) and all(kinds["int"](x) for x in v),
             "dict[str, float]": lambda v: isinstance(v, dict)}  # its keys and values are the caller's to check
    known = allowed & set(kinds)
    if known and not any(kinds[k](value) for k in known):
        words = {"bool": "true or false", "int": "an integer", "float": "a number", "str": "a string",
                 "list[int]": "a list of integers", "dict[str, float]": "a dict"}
        raise SettingError(name, value, "expected " + " or ".join(words[k] for k in sorted(known)))


def check_fraction(name: str, value: object) -> None:
    """Raise :class:`SettingError` unless ``value`` is a number from 0 to below 1."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value < 1.0:
        raise SettingError(name, value, "expected a number from 0 to below 1")


#: the size in torch's out-of-memory messages: the CPU allocator's "you tried to allocate 1024000000000 bytes",
#: CUDA's "Tried to allocate 20.00 GiB"
_ASKED = re.compile(r"[Tt]ried to allocate ([0-9.]+) ?(bytes|B|KiB|MiB|GiB|TiB)\b")
_UNITS = {"bytes": 1, "B": 1, "KiB": 2**10, "MiB": 2**20, "GiB": 2**30, "TiB": 2**40}


def out_of_memory(exc: BaseException) -> str | None:
    """What could not be allocated (``"1,024 GB"``; ``""`` when the message does not say) when ``exc`` is a
    failed allocation: torch's ``OutOfMemoryError`` (a GPU's), its CPU allocator's RuntimeError
    (``DefaultCPUAllocator: can't allocate memory``, or ``not enough memory``) or Python's MemoryError;
    None for any other exception, whose traceback is worth seeing."""
    text = str(exc)
    cpu = "DefaultCPUAllocator" in text and ("can't allocate memory" in text or "not enough memory" in text)
    if not (isinstance(exc, MemoryError) or type(exc).__name__ == "OutOfMemoryError"
            or (isinstance(exc, RuntimeError) and cpu)):
        return None
    found = _ASKED.search(text)
    if found is None:
        return ""
    gb = float(found.group(1)) * _UNITS[found.group(2)] / 1e9
    return f"{gb:,.0f} GB" if gb >= 10 else f"{gb:.2g} GB"


#: the folder of rnnkit's package (this file's): a warning is said at the first frame outside it
_PACKAGE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "")


def warn(message: str, category: type[Warning] = RnnkitWarning) -> None:
    """:func:`warnings.warn` of ``message`` (in the words of whoever is at work: :func:`in_words`) as a
    :class:`RnnkitWarning` (or ``category``), said at the first frame outside rnnkit's package: the line of a
    Python caller's that called rnnkit (``model.score(...)``), as a library's warnings are, not a line inside
    rnnkit; each caller counting its own ``stacklevel`` pointed into rnnkit whenever a call came by another
    path. (Python 3.12's ``skip_file_prefixes`` does this; the walk is the same on 3.10 and 3.11.)"""
    warnings.warn(in_words(message), category, stacklevel=_outside_level())


def _outside_level() -> int:
    """The ``stacklevel`` that :func:`warnings.warn`, called in :func:`warn`, takes for the first frame outside
    rnnkit's package; counted as warnings counts it, past the import machinery's frames."""
    frame, level = sys._getframe(2), 2  # warn's caller, whose stacklevel from warn is 2
    while frame.f_back is not None and (os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE)
                                        or _decorating(frame)):
        frame = frame.f_back
        if not _internal(frame):
            level += 1
    return level


def _decorating(frame: Any) -> bool:
    """Whether ``frame`` is torch's wrapper of a function decorated ``@torch.no_grad()`` (or ``inference_mode``,
    ``enable_grad``): a method of rnnkit's so decorated (``Translator.score``'s scoring) called the wrapper, whose
    frame is outside the package, so a warning under it was said at ``torch/utils/_contextlib.py``, not at the
    caller's line."""
    return frame.f_code.co_filename.endswith(os.path.join("torch", "utils", "_contextlib.py"))


def _internal(frame: Any) -> bool:
    """Whether warnings skips ``frame`` when it counts a stacklevel (importlib's bootstrap, as CPython's does)."""
    name = frame.f_code.co_filename
    return "importlib" in name and "_bootstrap" in name


@contextlib.contextmanager
def report_warnings() -> Iterator[None]:
    """On the command line (:func:`command_line`), show the warnings raised inside (unknown characters or tokens
    ...) as ``rnnkit: warning:`` lines on stderr, once each, after the block; under torchrun by rank 0 alone
    (:func:`speaks`; every process printed them, so two processes said each warning twice). Elsewhere (a call of
    the Python API, code outside both) they are left to Python's warnings, as a library's are: a caller filters or
    records them (:class:`RnnkitWarning`), and no thread's warnings are taken by another's ``catch_warnings``,
    which Python before 3.14 keeps for the whole process."""
    if _AUDIENCE.get() != "command line":
        yield
        return
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    # under torchrun every process reads the same data and settings: rank 0 says rnnkit's warnings of them, once (a
    # machine's own, such as a failed build of the fused kernels, each process that meets it)
    said = [w for w in caught if speaks() or not issubclass(w.category, RnnkitWarning)]
    for message in dict.fromkeys(str(w.message) for w in said):  # a file read twice is named once
        print(f"rnnkit: warning: {in_words(message)}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------- the Python API's words
#: whom a UserError raised now is for: "command line" inside :func:`rnnkit.cli.main`, "python" inside a call of
#: the Python API (:func:`speaking_python`), None outside both
_AUDIENCE: ContextVar[str | None] = ContextVar("rnnkit_audience", default=None)
#: the call of the Python API at work (:func:`speaking_python`): its words, as :func:`in_words` says a line in them
_WORDS: ContextVar[Callable[[str], str] | None] = ContextVar("rnnkit_words", default=None)

#: a command-line flag (``--no-memory``, ``--text-column``; not one inside a word, a path or a quoted value) and
#: the word after it, which may be its value (``--resume r1``) or its metavar (``--data FILE``)
_FLAG = re.compile(r"(?<![\w'\"/-])--(?P<no>no-)?(?P<name>[a-z][a-z0-9]*(?:-[a-z0-9]+)*)(?![\w-])"
                   r"(?: (?P<value>(?!-)[^\s,;:)]+))?")
_METAVAR = re.compile(r"[A-Z][A-Z0-9]*(?:,[A-Z][A-Z0-9]*)*")
#: a value said after its flag that a Python user writes after ``=`` (``--layers 0``: ``layers=0``): a number
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?")
#: words of the command line that are not flags, as the Python API says them
_PHRASES = ((re.compile(r"`rnnkit train`"), "rnnkit.fit"), (re.compile(r"\bTEXT argument(s?)\b"), r"text\1"),
            (re.compile(r"(?<![\w./\\-])flags(?![\w./\\-])"), "settings"),  # not a file's name: flags.csv
            (re.compile(r"(?<![\w./\\-])rnnkit predict (\S(?:.*?\S)?) \.\.\."), r"rnnkit.load('\1').predict(...)"),
            (re.compile(r"(?<![\w./\\-])rnnkit export DIR --onnx FILE"), "rnnkit.load(DIR).export(FILE)"))


def python_words(message: str, keywords: Mapping[str, bool | str],
                 values: Mapping[str, Collection[str]] | None = None) -> str:
    """``message`` (said in the command line's words) in the words of the Python API, whose ``keywords`` are
    given with whether each is a bool (or, for a flag named otherwise, the keyword it sets: ``{"dynamic_method":
    "method"}``): ``--no-memory`` reads ``memory=False``, a bool's ``--autotune`` ``autotune=True``,
    ``--text-column`` ``text_column`` and ``--data FILE`` ``data=FILE``; a word after a bool's flag that
    ``values`` lists for it is dropped (``--resume r1``: ``resume=True``); a number after a flag is its value
    (``(--layers 0)``: ``(layers=0)``), except where the message begins by naming the setting and the value it
    refuses (``--val-fraction 2: expected ...`` reads ``val_fraction 2: ...``, as a :class:`SettingError`
    does). A flag that names no keyword
    (``pip download --no-deps``), and anything between backticks (a command to run), is kept; ``TEXT argument``
    reads ``text``, ``flags`` ``settings``, `` `rnnkit train` `` ``rnnkit.fit``, ``rnnkit predict DIR ...``
    ``rnnkit.load('DIR').predict(...)`` (classify's autotune names its trials so), ``rnnkit export DIR --onnx
    FILE`` ``rnnkit.load(DIR).export(FILE)`` (an ensemble's refused export)."""
    values = values or {}

    def keyword(found: re.Match[str]) -> str:
        flag, value = found["name"].replace("-", "_"), found["value"]
        if flag not in keywords:
            return found[0]
        kind = keywords[flag]
        name = said = kind if isinstance(kind, str) else flag
        if kind is True:  # a bool: --NAME and --no-NAME take no value here
            said = f"{name}={not found['no']}"
            if value in ("True", "False"):  # a value no flag gives (multi_label=False, which has no --no- form)
                said, value = f"{name}={(value == 'True') != bool(found['no'])}", None
            elif value is not None and (_METAVAR.fullmatch(value) or value in values.get(name, ())):
                value = None
        elif found["no"]:
            return found[0]
        elif value is not None and _METAVAR.fullmatch(value):
            said, value = f"{name}={value}", None
        elif value is not None and _NUMBER.fullmatch(value) and not _names_refused(found):
            said, value = f"{name}={value}", None
        return said if value is None else f"{said} {value}"

    for pattern, words in _PHRASES:
        message = pattern.sub(words, message)
    parts = message.split("`")
    return "`".join(_FLAG.sub(keyword, part) if i % 2 == 0 else part for i, part in enumerate(parts))


def _names_refused(found: re.Match[str]) -> bool:
    """Whether the flag ``found`` and its value begin the message, before a colon: the setting and the value
    the message goes on to refuse (``--length 1: the adding problem needs ...``)."""
    return found.start() == 0 and found.string[found.end():found.end() + 1] == ":"


@contextlib.contextmanager
def speaking_python(keywords: Callable[[], Mapping[str, bool | str]],
                    values: Mapping[str, Collection[str]] | None = None) -> Iterator[None]:
    """A call of the Python API (:func:`rnnkit.fit`, a loaded model's method): a :class:`UserError` raised
    inside leaves it with its message in the API's words (:func:`python_words`, with the ``keywords()`` of the
    call); the same exception, its class, cause and traceback kept; the warnings and progress lines said
    inside speak them too (:func:`in_words`). Inside the command line (:func:`command_line`) or an outer call of
    the API, the words are left to them."""
    if _AUDIENCE.get() is not None:
        yield
        return
    words = functools.cache(keywords)  # read once a call, for its error and the lines it says

    def say(message: str) -> str:
        return python_words(message, words(), values)

    token, said = _AUDIENCE.set("python"), _WORDS.set(say)
    try:
        yield
    except UserError as exc:
        if exc.args and isinstance(exc.args[0], str):
            exc.args = (say(exc.args[0]), *exc.args[1:])
        if isinstance(exc, SettingError):
            exc.expected = say(exc.expected)
        raise
    finally:
        _WORDS.reset(said)
        _AUDIENCE.reset(token)


def in_words(message: str) -> str:
    """A warning or progress line, written in the command line's words (``--threads N fixes it``), in the words
    of whoever is at work: inside a call of the Python API (:func:`speaking_python`) its keywords'
    (``threads=N fixes it``, as its errors say them); else (the command line, code outside both) as it is.
    A line that may name a flag is said through here: the trainer's, the tasks' progress lines, their warnings
    and :func:`report_warnings`."""
    return current_words()(message)


def current_words() -> Callable[[str], str]:
    """:func:`in_words` as it says a line now, kept for text said after the call of the API has returned: a
    :class:`~rnnkit.train.TrainResult`'s ``where()`` (``continue with resume=True``, where the command line reads
    ``--resume OUT``)."""
    say = _WORDS.get()
    return say if say is not None and _AUDIENCE.get() == "python" else _as_it_is


def _as_it_is(message: str) -> str:
    return message


def on_command_line() -> bool:
    """Whether the command line is at work (inside :func:`command_line`): progress that a library keeps quiet
    about, such as a first build of the C++ kernels, is said there."""
    return _AUDIENCE.get() == "command line"


@contextlib.contextmanager
def command_line() -> Iterator[None]:
    """The command line at work: a :class:`UserError` raised inside keeps the words of the command line, also
    through the Python API's methods it calls (:func:`speaking_python`)."""
    token = _AUDIENCE.set("command line")
    try:
        yield
    finally:
        _AUDIENCE.reset(token)


#: one silencing of file descriptor 2 shared by every thread: how many are inside :func:`quiet_stderr`, and the
#: descriptor the first of them saved
_QUIET = {"depth": 0, "saved": -1}
_QUIET_LOCK = threading.Lock()


@contextlib.contextmanager
def quiet_stderr() -> Iterator[None]:
    """Silence file descriptor 2 for the block: the lines a C or C++ library writes there itself (torch.onnx's shape
    inference warnings, libmpg123's ``Note: Illegal Audio-MPEG-Header`` of a damaged MP3), so that a user sees only
    rnnkit's own, which are said after the block. ``sys.stderr`` is flushed first; fd 2 is restored however the
    block ends. Threads share one silencing: the first in redirects, the last out restores (each saving and
    restoring its own could leave fd 2 silenced for good). Where fd 2 is closed, nothing is silenced."""
    with _QUIET_LOCK:
        if _QUIET["depth"] == 0:
            sys.stderr.flush()
            _QUIET["saved"] = _silence_fd2()
        _QUIET["depth"] += 1
    try:
        yield
    finally:
        with _QUIET_LOCK:
            _QUIET["depth"] -= 1
            if _QUIET["depth"] == 0 and _QUIET["saved"] >= 0:
                os.dup2(_QUIET["saved"], 2)
                os.close(_QUIET["saved"])


def _silence_fd2() -> int:
    """Point fd 2 at the null device; a copy of what it was, or -1 where it is closed (and left so)."""
    try:
        saved = os.dup(2)
    except OSError:
        return -1
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 2)
    os.close(null)
    return saved
