"""A prime or a text to score typed in the other Unicode form than the model's text: Hangul (and accents) pasted
from macOS come decomposed (NFD), so ``rnnkit score RUN "대한민국"`` of such a paste to a model of composed Korean
read every jamo as the unknown symbol ("chars 1" for seven syllables), and ``sample --prime`` started from unknown
symbols, though the text looks the same. It is now read in the form the model knows, with a warning naming it;
the judge is the same text written in that form by :func:`unicodedata.normalize`."""

from __future__ import annotations

import unicodedata
import warnings

import pytest

import rnnkit
from rnnkit.cli import main

pytestmark = pytest.mark.usefixtures("one_torch_thread")

KOREAN = "대한민국 헌법 제1조 대한민국은 민주공화국이다.\n"  # composed, as typed on Windows or Linux
FRENCH = unicodedata.normalize("NFD", "un café à noël, déjà vu\n")  # decomposed, as macOS writes it


@pytest.fixture(scope="module")
def lm(tmp_path_factory: pytest.TempPathFactory) -> rnnkit.tasks._charlm_trained.CharLM:
    tmp = tmp_path_factory.mktemp("lm")
    data = tmp / "mixed.txt"
    data.write_text((KOREAN + FRENCH) * 8, encoding="utf-8")
    out = tmp / "lm"
    assert main(["train", "charlm", "--data", str(data), "--out", str(out), "--steps", "1", "--hidden", "8",
                 "--embed-dim", "4", "--seq-len", "8", "--batch-size", "2", "--no-progress", "--json"]) == 0
    return rnnkit.load(out)


def _said(call):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = call()
    return result, [str(w.message) for w in caught]


@pytest.mark.parametrize(("typed", "form"), [("대한민국 헌법", "NFD"), ("déjà vu", "NFC")])
def test_a_text_in_the_other_form_scores_as_the_models_form(lm, typed: str, form: str) -> None:
    known = unicodedata.normalize("NFC" if form == "NFD" else "NFD", typed)  # the model's form
    pasted = unicodedata.normalize(form, typed)
    assert pasted != known
    want = lm.score(known)
    got, said = _said(lambda: lm.score(pasted))
    assert got["text"] == pasted
    assert (got["log_prob"], got["chars"]) == (want["log_prob"], want["chars"]) and want["chars"] == len(known)
    assert len(said) == 1 and f"({'NFC' if form == 'NFD' else 'NFD'})" in said[0]
    assert "unknown to the model" in said[0] and "read as its unknown symbol" not in said[0]


def test_a_prime_in_the_other_form_starts_as_the_models_form(lm) -> None:
    pasted = unicodedata.normalize("NFD", "대한민국")
    want = lm.sample("대한민국", 12, temperature=0)
    got, said = _said(lambda: lm.sample(pasted, 12, temperature=0))
    assert got == pasted + want[len("대한민국"):]  # the prime as typed, then what the model's form leads to
    assert len(said) == 1 and "the prime is read in Unicode's composed form (NFC)" in said[0]


def test_characters_unknown_in_every_form_are_still_named(lm) -> None:
    got, said = _said(lambda: lm.score("대한 ☃"))
    assert got["chars"] == 3 and len(said) == 1 and "'☃'" in said[0]  # no form knows it: nothing is normalised
    got, said = _said(lambda: lm.score("☃ q"))  # a text that every form writes alike
    assert got["chars"] == 1 and len(said) == 1 and "'q'" in said[0]


def test_the_cli_says_the_form_and_scores_as_the_models(lm, capsys) -> None:
    run = str(lm.checkpoint.path)
    assert main(["score", run, "대한민국", "--json"]) == 0
    want = capsys.readouterr().out
    assert main(["score", run, unicodedata.normalize("NFD", "대한민국"), "--json"]) == 0
    got = capsys.readouterr()
    assert got.out.replace(unicodedata.normalize("NFD", "대한민국"), "대한민국") == want
    assert "rnnkit: warning: the text is read in Unicode's composed form (NFC)" in got.err
