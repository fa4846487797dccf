"""A model directory's BPE tokenizer (``vocab.json`` of ``--tokenizer bpe``), edited by someone else: its bytes
damaged (hypothesis, the mutations of test_fuzz_readers.py), one of its values replaced by another JSON value
(hypothesis), its unknown token, subword prefix or ids changed. :func:`tokenizer_from_json` refuses it in one line
naming the file, or gives a tokenizer that encodes any text to ids of its vocabulary; never an exception from the
tokenizers library when a text is encoded."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rnnkit.data.tokenize import UNK, UNK_ID, BPETokenizer, tokenizer_from_json
from rnnkit.errors import UserError
from tests import test_fuzz_readers as fuzz

pytest.importorskip("tokenizers")
EXAMPLES = fuzz.EXAMPLES
WHERE = "run/best/vocab.json"
TEXTS = [f"good film number {i}" for i in range(10)] + [f"bad film number {i}" for i in range(10)]
PROBE = "a good film, zq \u2603 <pad> <unk> 42"


@pytest.fixture(scope="module", params=[False, True], ids=["plain", "reversible"])
def saved(request: pytest.FixtureRequest) -> dict[str, Any]:
    return BPETokenizer.train(TEXTS, vocab_size=40, reversible=request.param).to_json()


def read_or_refused(obj: Any) -> None:
    """``obj`` read and a text encoded, or a one-line UserError naming the file."""
    try:
        tok = tokenizer_from_json(obj, WHERE)
        ids = tok.encode(PROBE)
    except UserError as exc:
        assert WHERE in str(exc) and "\n" not in str(exc), str(exc)
    else:
        assert all(0 < i < tok.vocab_size for i in ids), ids


def paths(obj: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in ``obj`` a value sits (dict keys and list indices), depth first."""
    inner = obj.items() if isinstance(obj, dict) else enumerate(obj) if isinstance(obj, list) else ()
    return [at] + [p for k, v in inner for p in paths(v, (*at, k))]


JSON_VALUES = st.recursive(st.none() | st.booleans() | st.integers(-2**40, 2**40) | st.floats(allow_nan=False)
                           | st.text(max_size=8), lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(max_size=6), inner, max_size=3), max_leaves=6)


@settings(max_examples=EXAMPLES * 3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_bpe_tokenizer_with_a_value_replaced_is_read_or_refused(saved: dict[str, Any], data) -> None:
    obj = copy.deepcopy(saved)
    where = data.draw(st.sampled_from(paths(obj["tokenizer"])[1:]))
    holder = obj["tokenizer"]
    for key in where[:-1]:
        holder = holder[key]
    holder[where[-1]] = data.draw(JSON_VALUES)
    read_or_refused(obj)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(damage=fuzz.mutations())
def test_a_bpe_tokenizer_with_damaged_bytes_is_read_or_refused(saved: dict[str, Any], damage) -> None:
    try:
        obj = json.loads(damage(json.dumps(saved).encode()))
    except ValueError:
        return  # not JSON: the model directory's reader refuses it (test_fuzz17_model_files.py)
    read_or_refused(obj)


def test_the_saved_tokenizer_reads_and_encodes(saved: dict[str, Any]) -> None:
    tok = tokenizer_from_json(saved, WHERE)
    vocab = saved["tokenizer"]["model"]["vocab"]
    assert tok.encode("good film") == [vocab[piece] for piece in tok.tokens("good film")]
    assert UNK_ID in tok.encode("zq") and UNK_ID not in tok.encode("good film")


@pytest.mark.parametrize("unk", ["<nope>", None, "<pad>", "g"])
def test_an_unknown_token_rnnkit_never_writes_is_refused(saved: dict[str, Any], unk: object) -> None:
    """An unk_token missing from the vocabulary was the tokenizers library's bare Exception ('Unk token `<nope>`
    not found in the vocabulary') at the first text, a traceback of `rnnkit predict`; None read a character the
    model never saw as nothing at all, a quietly different model; another token, as that token."""
    obj = copy.deepcopy(saved)
    obj["tokenizer"]["model"]["unk_token"] = unk
    with pytest.raises(UserError, match=f"{WHERE}: the BPE model's unk_token must be '{UNK}'"):
        tokenizer_from_json(obj, WHERE)


def test_an_unknown_token_at_another_id_is_refused(saved: dict[str, Any]) -> None:
    obj = copy.deepcopy(saved)
    vocab = obj["tokenizer"]["model"]["vocab"]
    vocab[UNK], vocab["g"] = vocab["g"], vocab[UNK]
    with pytest.raises(UserError, match=f"{WHERE}: the BPE model's unk_token must be '{UNK}', id {UNK_ID}"):
        tokenizer_from_json(obj, WHERE)


@pytest.mark.parametrize("change", ["past", "twice", "float"])
def test_a_vocab_whose_ids_are_not_0_to_n_minus_1_is_refused(saved: dict[str, Any], change: str) -> None:
    """A piece moved to the id past the last (or further) gave ids past the model's embedding, torch's IndexError
    at `rnnkit predict`; one moved onto another piece's id read both as that piece, without a word."""
    obj = copy.deepcopy(saved)
    vocab = obj["tokenizer"]["model"]["vocab"]
    vocab["g"] = {"past": len(vocab), "twice": vocab["o"], "float": float(vocab["g"])}[change]
    with pytest.raises(UserError, match=f"{WHERE}: the BPE model's vocab must give its {len(vocab)} pieces the ids "
                                        f"0 to {len(vocab) - 1}, each once"):
        tokenizer_from_json(obj, WHERE)


@pytest.mark.parametrize(("field", "value"), [("continuing_subword_prefix", "##"),
                                              ("continuing_subword_prefix", "\u2603"), ("end_of_word_suffix", "</w>")])
def test_a_subword_prefix_or_suffix_rnnkit_never_writes_is_refused(saved: dict[str, Any], field: str,
                                                                  value: str) -> None:
    """A continuing_subword_prefix made the tokenizers library panic in Rust at the first text (pyo3's
    PanicException, a BaseException: past every handler, a traceback of `rnnkit predict`); a suffix read every
    word as another piece sequence, without a word."""
    obj = copy.deepcopy(saved)
    obj["tokenizer"]["model"][field] = value
    with pytest.raises(UserError, match=f"{WHERE}: the BPE model's '{field}' must be null"):
        tokenizer_from_json(obj, WHERE)


@pytest.mark.parametrize(("place", "value"), [(("version",), "1.0\n"), (("model", "merges", 0, 0), "\r\n")])
def test_a_value_the_library_quotes_back_keeps_the_message_on_one_line(saved: dict[str, Any], place: tuple[Any, ...],
                                                                       value: str) -> None:
    """The tokenizers library's message quotes the bad value ('Unknown tokenizer version '1.0\\n''): a newline in
    it broke the one line of `rnnkit: error: ...` in two (hypothesis found it)."""
    obj = copy.deepcopy(saved)
    holder = obj["tokenizer"]
    for key in place[:-1]:
        holder = holder[key]
    holder[place[-1]] = value
    with pytest.raises(UserError, match=f"{WHERE}: not a valid bpe tokenizer") as info:
        tokenizer_from_json(obj, WHERE)
    assert "\n" not in str(info.value) and "\r" not in str(info.value) and "\\n" in str(info.value)
