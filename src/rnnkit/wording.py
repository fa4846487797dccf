"""How rnnkit's printed lines say a count: :func:`counted` ("1 step", "2 steps"), one place for the plural, and a
time: :func:`seconds` ("0.031 s", "3.4 s", "52 s")."""

from __future__ import annotations

__all__ = ["counted", "line_numbers", "listed", "part_of", "seconds", "sides"]


def counted(n: object, noun: str, spec: str = "") -> str:
    """``n`` formatted by ``spec`` (``format(n, spec)``), then ``noun``, plural (an ``s`` added) unless ``n`` is 1:
    ``counted(1, "step")`` is ``1 step``, ``counted(0, "step")`` ``0 steps``, ``counted(1234, "pair", ",")``
    ``1,234 pairs``."""
    return f"{format(n, spec)} {noun}{'' if n == 1 else 's'}"


def part_of(n: int, total: int, noun: str, verbs: tuple[str, str] = ("is", "are")) -> str:
    """How many of ``total`` ``noun``\\s a line is about, with its verb: ``2 of 5 recordings are`` (and ``1 of 5
    recordings are``: the noun counts the 5), ``the one recording is`` where ``total`` is 1 (it was ``1 of 1
    recordings are``); ``verbs``: another verb's singular and plural, ``("holds", "hold")``."""
    return f"the one {noun} {verbs[0]}" if total == 1 else f"{n:,} of {counted(total, noun, ',')} {verbs[1]}"


def sides(train: int, val: int, noun: str) -> str:
    """A run's training and validation counts of ``noun``: ``4 training and 2 validation texts``; each counted apart
    where one is 1: ``1 training text and 1 validation text`` (it was ``1 training and 1 validation texts``)."""
    if 1 not in (train, val):
        return f"{train} training and {counted(val, f'validation {noun}')}"
    return f"{counted(train, f'training {noun}')} and {counted(val, f'validation {noun}')}"


def line_numbers(numbers: list[int], shown: int = 5) -> str:
    """Lines named by number, the first ``shown`` of them: ``line 2``, ``lines 2, 3``, ``lines 1, 2, 3, 4, 5 ...``."""
    said = ", ".join(map(str, numbers[:shown])) + (" ..." if len(numbers) > shown else "")
    return f"line{'s' if len(numbers) > 1 else ''} {said}"


def listed(items: list[str]) -> str:
    """``items`` as a line says them: ``a``, ``a and b``, ``a, b and c``."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def seconds(value: object) -> str:
    """A time in seconds as rnnkit's lines say it (``rnnkit info``, a training run's closing line): whole seconds
    from 10 s, two digits below (``3.4 s``, ``0.031 s``), ``under 0.01 s`` below that, so a run of a moment is not
    ``0 s`` or ``0.0 s``; anything but a number (a damaged trainer_state.json's) as it is."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return f"{value!r} s"
    if value >= 10 or value <= 0:
        return f"{value:.0f} s"
    return "under 0.01 s" if value < 0.01 else f"{value:.2g} s"


#: what a run's trainer counted (``TrainerConfig.unit``, kept in ``trainer_state.json``), said in full
COUNTED_UNITS = {"tok": "tokens", "txt": "texts", "char": "characters", "sym": "symbols"}


def counted_unit(state: dict[str, object]) -> str:
    """The plural noun of what ``state`` (a ``trainer_state.json``) counted as trained items: ``texts`` for a
    classifier, ``characters`` for a language model; ``items`` for a run saved before the unit was kept."""
    unit = state.get("unit")
    return COUNTED_UNITS.get(unit, unit) if isinstance(unit, str) else "items"
