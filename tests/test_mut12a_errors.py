"""Gaps the mutation audit of rnnkit.errors found: the checks' edges and messages, said without a model."""

from __future__ import annotations

import io
import re
import warnings
from pathlib import Path

import numpy as np
import pytest

from rnnkit.errors import (
    MAX_THREADS,
    SEED_MAX,
    RnnkitWarning,
    SettingError,
    UserError,
    check_beam,
    check_count,
    check_filled,
    check_finite,
    check_flag,
    check_fraction,
    check_ordered,
    check_path,
    check_positive,
    check_seed,
    check_texts,
    check_threads,
    check_type,
    command_line,
    is_single,
    on_command_line,
    out_of_memory,
    python_words,
    report_warnings,
    speaking_python,
    warn,
)


def test_an_on_off_setting_is_named_as_its_flag_without_a_value() -> None:
    assert SettingError("replace_unk", True, "expected x").as_flag() == "--replace-unk: expected x"
    assert SettingError("seq_len", 0, "expected y").as_flag() == "--seq-len 0: expected y"
    assert SettingError("bidirectional", False, "expected z").as_flag() == "--no-bidirectional: expected z"


@pytest.mark.parametrize("value", [True, 0, 1.0])
def test_a_positive_integer_is_no_bool_zero_or_float(value: object) -> None:
    with pytest.raises(SettingError, match="^hidden .*: expected a positive integer$"):
        check_positive("hidden", value)


@pytest.mark.parametrize("value", [2.5, "3", None, True])
def test_a_count_that_is_no_integer_is_refused_even_where_zero_is_allowed(value: object) -> None:
    with pytest.raises(SettingError, match=r"^seed .*: expected an integer from -9223372036854775808 to "):
        check_seed("seed", value)
    with pytest.raises(SettingError, match=r"^start .*: expected an integer >= 0$"):
        check_count("start", value, 0)


def test_a_count_takes_both_ends_of_its_range() -> None:
    assert check_count("beam", 1, 1, 5) == 1
    assert check_count("beam", 5, 1, 5) == 5
    assert check_threads(MAX_THREADS) == MAX_THREADS
    with pytest.raises(SettingError, match=r"^beam 6: expected an integer from 1 to 5$"):
        check_count("beam", 6, 1, 5)


def test_a_seed_leaves_room_for_the_seeds_after_it() -> None:
    assert check_seed("seed", SEED_MAX - 2, room=2) == SEED_MAX - 2
    with pytest.raises(SettingError, match=rf"^seed {SEED_MAX - 1}: expected an integer from .* to {SEED_MAX - 2}$"):
        check_seed("seed", SEED_MAX - 1, room=2)


@pytest.mark.parametrize("n_best", [0, 2.5, "2"])
def test_n_best_is_an_integer_from_one(n_best: object) -> None:
    with pytest.raises(SettingError, match=r"^n_best .*: expected an integer from 1 to 5$"):
        check_beam(5, n_best)


def test_n_best_may_be_the_whole_beam_not_more() -> None:
    assert check_beam(5, 5) == (5, 5)
    with pytest.raises(SettingError, match=r"^n_best 6: expected at most the beam's width \(5\): give a beam of at "):
        check_beam(5, 6)


def test_a_finite_number_takes_its_least_and_refuses_a_bool_or_infinity() -> None:
    assert check_finite("lr", 0, "expected a number >= 0", least=0.0) == 0.0
    for value in (True, float("inf"), float("nan"), -0.5):
        with pytest.raises(SettingError, match=r"^lr .*: expected a number >= 0$"):
            check_finite("lr", value, "expected a number >= 0", least=0.0)


def test_texts_are_a_list_of_str_not_bytes_a_set_or_other_items() -> None:
    assert check_texts("predict", ("a", "b")) == ["a", "b"]
    for texts, said in [(b"ab", "not bytes"), (["a", 5], "not a list holding int"), ({"a"}, "not a set: ")]:
        with pytest.raises(TypeError, match=f"^predict takes a text or a list of texts, {said}"):
            check_texts("predict", texts)


def test_an_empty_text_is_named_by_its_place_or_the_callers_own_test() -> None:
    with pytest.raises(UserError, match=r"^TEXT argument 2 of 3 is empty; give the text to classify$"):
        check_filled(["a", " ", "c"], "classify", arguments=True)
    with pytest.raises(UserError, match=r"^texts\[1\] is empty; give the text to tag$"):
        check_filled(["a", ""], "tag")
    check_filled([" "], "score", empty=lambda text: text == "")  # a language model scores a text of spaces


def test_one_item_or_many() -> None:
    assert is_single("a.wav") and is_single(Path("a.wav")) and is_single(b"RIFF") and is_single({"a": 1})
    assert is_single(io.BytesIO(b"RIFF")) and is_single(5)
    assert not is_single(["a.wav"]) and not is_single(x for x in "ab")


def test_a_dicts_keys_keep_their_order_and_a_set_is_refused() -> None:
    check_ordered("predict", {"a": 1}.keys(), "texts")
    with pytest.raises(TypeError, match=r"^predict takes texts, not a frozenset: the results come in the order"):
        check_ordered("predict", frozenset("a"), "texts")


def test_a_path_is_a_str_or_a_path_like() -> None:
    check_path("evaluate", Path("d.csv"))
    with pytest.raises(TypeError, match=r"^evaluate takes a str or a path, not int$"):
        check_path("evaluate", 5)


def test_a_flag_is_a_bool_or_where_allowed_none() -> None:
    assert check_flag("check", np.True_) is True and check_flag("check", np.False_) is False
    assert check_flag("progress", None, none=True) is None
    with pytest.raises(TypeError, match=r"^check takes True or False, not None$"):
        check_flag("check", None)
    with pytest.raises(TypeError, match=r"^progress takes True, False or None, not 'no'$"):
        check_flag("progress", "no", none=True)


@pytest.mark.parametrize(("value", "annotation", "expected"), [
    (None, "int", "an integer"), (True, "int", "an integer"), (float("nan"), "float", "a number"),
    ([1, "a"], "list[int]", "a list of integers"), ("a", "int | float", "a number or an integer")])
def test_a_setting_of_the_wrong_type_is_refused(value: object, annotation: str, expected: str) -> None:
    with pytest.raises(SettingError, match=f"^x .*: expected {re.escape(expected)}$"):
        check_type("x", value, annotation)


def test_a_setting_of_the_right_type_passes() -> None:
    for value, annotation in [(None, "int | None"), (3, "float"), ([1, 2], "list[int]"),
                              ({"a": 1}, "dict[str, float]")]:
        check_type("x", value, annotation)


def test_a_fraction_is_from_zero_to_below_one() -> None:
    check_fraction("dropout", 0.0)
    for value in (1.0, -0.1, True, False, "0.5"):
        with pytest.raises(SettingError, match=r"^dropout .*: expected a number from 0 to below 1$"):
            check_fraction("dropout", value)


def test_out_of_memory_reads_every_unit_and_the_allocators_other_words() -> None:
    assert out_of_memory(MemoryError("Tried to allocate 20.00 TiB")) == "21,990 GB"
    assert out_of_memory(RuntimeError("DefaultCPUAllocator: not enough memory: you tried to allocate 2048 bytes.")) \
        == "2e-06 GB"
    assert out_of_memory(MemoryError("out of memory")) == ""


def _say_twice() -> None:
    for _ in range(2):
        warn("one --threads line")


def test_the_command_line_shows_each_warning_once_whatever_pythons_filters(capsys: pytest.CaptureFixture[str]) -> None:
    """A warning said twice is one line, and it is shown though Python's filters would hide it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with command_line(), report_warnings():
            _say_twice()
    assert capsys.readouterr().err == "rnnkit: warning: one --threads line\n"


def test_outside_the_command_line_warnings_are_left_to_python(capsys: pytest.CaptureFixture[str]) -> None:
    assert not on_command_line()
    with pytest.warns(RnnkitWarning, match="^one --threads line$"), report_warnings():
        _say_twice()
    assert capsys.readouterr().err == ""


def test_the_command_line_ends_with_its_block() -> None:
    with command_line():
        assert on_command_line()
    assert not on_command_line()
    with pytest.raises(UserError, match="^give memory=True$"), speaking_python(lambda: {"memory": True}):
        raise UserError("give --memory")


def test_a_rewritten_error_keeps_its_other_arguments() -> None:
    with pytest.raises(UserError) as caught, speaking_python(lambda: {"memory": True}):
        raise UserError("give --memory", 5)
    assert caught.value.args == ("give memory=True", 5)
    with pytest.raises(UserError) as caught, speaking_python(lambda: {"memory": True}):
        raise UserError(5)
    assert caught.value.args == (5,)


def test_threads_and_the_beam_have_their_limits() -> None:
    for value in (0, 1025):
        with pytest.raises(SettingError, match=r"^threads .*: expected an integer from 1 to 1024$"):
            check_threads(value)
    assert check_beam(10_000) == (10_000, 1)
    with pytest.raises(SettingError, match=r"^beam 10001: expected an integer from 1 to 10000$"):
        check_beam(10_001)


def test_a_warning_is_said_at_the_line_that_called_rnnkit_also_through_torchs_no_grad_wrapper() -> None:
    import torch

    with pytest.warns(RnnkitWarning) as said:
        warn("direct")
        torch.no_grad()(warn)("through no_grad")
    assert [(w.filename, str(w.message)) for w in said] == [(__file__, "direct"), (__file__, "through no_grad")]


def test_a_number_after_a_flag_at_the_start_is_its_value_unless_a_colon_says_it_is_refused() -> None:
    assert python_words("--layers 2 is more than the data has", {"layers": False}) == (
        "layers=2 is more than the data has")
    assert python_words("--layers 2: expected 1", {"layers": False}) == "layers 2: expected 1"
