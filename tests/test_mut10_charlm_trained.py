"""Gaps a mutation audit of :mod:`rnnkit.tasks._charlm_trained` found (round 10): each test fails on one changed
line. The scores are checked against log-probabilities worked from the model's own logits."""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import torch

from rnnkit.data.tokenize import CharVocab
from rnnkit.errors import SettingError, UserError
from rnnkit.models.dynamic_eval import LR_LIMIT, dynamic_log_probs
from rnnkit.models.language_model import LanguageModel
from rnnkit.tasks import _charlm_trained
from rnnkit.tasks._charlm_trained import CharLM, _check_adapted, _saved_rms, _warn_unused_sampling
from rnnkit.train.checkpoint import save_checkpoint


def _charlm(text: str, rms: dict[str, torch.Tensor] | None = None) -> CharLM:
    """A CharLM of an untrained one-layer LSTM over the characters of ``text`` (no checkpoint read)."""
    vocab = CharVocab.from_text(text)
    torch.manual_seed(0)
    lm = CharLM.__new__(CharLM)
    lm.vocab = vocab
    lm.model = LanguageModel(len(vocab), hidden_size=8, num_layers=1, embed_dim=4).eval()
    lm.dynamic_rms = rms
    lm.checkpoint = SimpleNamespace(path=Path("run/best"), config={"task": "charlm"})
    return lm


def _by_hand(lm: CharLM, read: str) -> list[float]:
    """The log-probability of each character of ``read`` after the one before it, from one forward pass."""
    ids = torch.tensor([lm.vocab.stoi[c] for c in read])
    with torch.no_grad():
        logits, _ = lm.model(ids[:-1, None])
    return torch.log_softmax(logits[:, 0].double(), -1).gather(1, ids[1:, None])[:, 0].tolist()


def test_a_text_is_scored_after_a_newline_and_its_rates_follow_from_the_log_probability() -> None:
    lm = _charlm("ab ba\n")
    got = lm.score("abba a")
    want = sum(_by_hand(lm, "\nabba a"))
    assert got["chars"] == 6 and got["log_prob"] == pytest.approx(want, abs=1e-5)
    assert got["nats_per_char"] == pytest.approx(-want / 6, abs=1e-6)
    assert got["bits_per_char"] == pytest.approx(-want / 6 / math.log(2), abs=1e-6)
    assert got["perplexity"] == pytest.approx(math.exp(-want / 6), rel=1e-5)


def test_without_a_newline_in_the_vocabulary_the_first_character_is_the_context() -> None:
    lm = _charlm("ab ba")
    got = lm.score("abba")
    assert got["chars"] == 3 and got["log_prob"] == pytest.approx(sum(_by_hand(lm, "abba")), abs=1e-5)
    one = lm.score("a")  # nothing after the context: no character scored
    assert one["chars"] == 0 and one["log_prob"] == 0.0 and one["perplexity"] is None


def test_characters_outside_the_vocabulary_are_left_out_of_the_total_and_the_count() -> None:
    lm = _charlm("ab\n")
    with pytest.warns(Warning):
        got = lm.score("azb")
    ids = lm.vocab.encode_tensor("\nazb", warn=False)
    with torch.no_grad():
        logits, _ = lm.model(ids[:-1, None])
    per = torch.log_softmax(logits[:, 0].double(), -1).gather(1, ids[1:, None])[:, 0].tolist()
    assert got["chars"] == 2 and got["log_prob"] == pytest.approx(per[0] + per[2], abs=1e-5)


def test_a_text_the_model_finds_impossible_has_an_infinite_perplexity() -> None:
    lm = _charlm("ab\n")
    with torch.no_grad():
        lm.model.head.weight.zero_()
        lm.model.head.bias.copy_(torch.tensor([0.0, 0.0, 0.0, -2000.0])[: len(lm.vocab)])
    target = lm.vocab.itos[len(lm.vocab) - 1]
    got = lm.score(target)
    assert got["nats_per_char"] > 709 and got["perplexity"] == math.inf


def test_the_sgd_rule_takes_no_pull_back_to_the_trained_weights() -> None:
    lm = _charlm("ab ba\n")
    text = "abba ab ba " * 3
    got = lm.score(text, dynamic=True, method="sgd", segment=4, dynamic_lr=1.0)
    ids = lm.vocab.encode_tensor(text)
    want = dynamic_log_probs(lm.model, lm.vocab.encode_tensor("\n"), ids, lr=1.0, segment=4, decay=0.0)
    assert got["log_prob"] == pytest.approx(float(want.double().sum()), abs=1e-4)
    assert got["dynamic"] == {"method": "sgd", "lr": 1.0, "segment": 4}


def test_the_step_size_limit_itself_is_allowed_and_a_segment_of_zero_is_refused() -> None:
    lm = _charlm("ab\n")
    assert lm._dynamic_options(LR_LIMIT, None, "sgd")["lr"] == LR_LIMIT
    with pytest.raises(SettingError, match="segment"):
        lm._dynamic_options(None, 0, "sgd")
    with pytest.raises(SettingError, match="segment"):
        lm.score("ab", segment=3)  # only with dynamic=True


def test_a_model_with_gradient_statistics_defaults_to_the_rms_rule_and_its_step() -> None:
    lm = _charlm("ab\n", rms={})
    assert lm._dynamic_options(None, None, None) == {"method": "rms", "lr": 1e-4, "segment": 50}
    assert _charlm("ab\n")._dynamic_options(None, None, None) == {"method": "sgd", "lr": 0.3, "segment": 50}


def test_an_unadapted_dynamic_score_worse_than_uniform_is_not_warned_about() -> None:
    lm = _charlm("ab\n")
    with torch.no_grad():
        lm.model.head.bias.copy_(torch.tensor([0.0, 0.0, 0.0, -30.0])[: len(lm.vocab)])
    target = lm.vocab.itos[len(lm.vocab) - 1]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lm.score(target * 3, dynamic=True, dynamic_lr=0.0)  # lr 0: nothing adapted
        lm.score(target * 3, dynamic=True, segment=5)  # the text ends before the first update
    with pytest.warns(Warning, match="worse than a uniform guess"):
        _check_adapted(-3 * 30.0, 3, len(lm.vocab), 0.3, lambda: 0.0)


def test_check_adapted_tells_a_diverged_score_from_a_static_one_that_is_not_finite() -> None:
    with pytest.raises(UserError, match="diverged"):
        _check_adapted(math.nan, 3, 4, 0.3, lambda: -1.0)
    with pytest.warns(Warning, match="because the static one is not"):
        _check_adapted(math.nan, 3, 4, 0.3, lambda: math.nan)
    with pytest.warns(Warning, match="because the static one is not"):  # nothing adapted: the static score
        _check_adapted(-math.inf, 0, 4, 0.3, lambda: -1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _check_adapted(-1.0, 3, 4, 0.3, lambda: -1.0)  # better than uniform (ln 4 per char): quiet


def test_a_checkpoint_without_statistics_has_none_and_non_finite_ones_are_refused() -> None:
    lm = _charlm("ab\n")
    assert _saved_rms(SimpleNamespace(tensors={}, path="run/best"), lm.model) is None
    stats = {f"dynamic_rms.{n}": torch.ones_like(p) for n, p in lm.model.named_parameters()}
    assert _saved_rms(SimpleNamespace(tensors=stats, path="run/best"), lm.model) is not None
    stats["dynamic_rms.head.bias"] = torch.full_like(lm.model.head.bias, math.nan)
    with pytest.raises(UserError, match="head.bias"):
        _saved_rms(SimpleNamespace(tensors=stats, path="run/best"), lm.model)


def test_only_greedy_writing_warns_of_unused_top_k_or_top_p() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _warn_unused_sampling(0.0, None, 1.0)  # top_p 1 is no nucleus
        _warn_unused_sampling(0.8, 3, 0.5)  # sampling uses both
    with pytest.warns(Warning, match="--top-p 0.5 is not used"):
        _warn_unused_sampling(0.0, None, 0.5)


def _primes(lm: CharLM, monkeypatch: pytest.MonkeyPatch, seeds: range) -> list[list[int]]:
    seen: list[list[int]] = []

    def record(model: Any, prime: torch.Tensor, length: int, **kw: Any) -> Any:
        seen.append(prime.tolist())
        return iter(())

    monkeypatch.setattr(_charlm_trained, "generate", record)
    for seed in seeds:
        assert lm.sample("", 3, seed=seed) == ""
    return seen


def test_an_empty_prime_starts_from_a_newline_or_else_a_known_character(monkeypatch: pytest.MonkeyPatch) -> None:
    lines = _charlm("abc\n")
    assert _primes(lines, monkeypatch, range(5)) == [[lines.vocab.stoi["\n"]]] * 5
    plain = _charlm("abc")
    seen = _primes(plain, monkeypatch, range(40))
    assert {p[0] for p in seen} == {plain.vocab.stoi[c] for c in "abc"}  # never the unknown symbol


def test_the_unknown_symbol_is_never_written_and_no_prime_is_none() -> None:
    lm = _charlm("ab\n")
    with torch.no_grad():
        lm.model.head.bias[lm.vocab.unk_index] = 50.0  # the model's favourite
    out = lm.sample(None, 6, temperature=0)
    assert len(out) == 6 and "\ufffd" not in out
    assert lm.sample("ab", 2, temperature=0).startswith("ab")


def test_the_arguments_are_refused_at_the_call() -> None:
    lm = _charlm("ab\n")
    with pytest.raises(TypeError, match="prime takes a text"):
        lm.stream(b"ab")  # type: ignore[arg-type]
    assert lm.sample("ab", 0) == "ab"  # no character asked for: the prime alone
    with pytest.raises(SettingError, match="^method 'adam': expected 'rms' or 'sgd'"):
        lm.score("ab", dynamic=True, method="adam")
    with pytest.raises(UserError, match="holds no gradient statistics"):
        lm.score("ab", dynamic=True, method="rms")
    with pytest.raises(UserError, match=r"^texts\[1\] is empty"):
        lm.score(["ab", ""])  # the second text named by its place, before any is scored


def _saved(tmp_path: Path, vocab_text: str, said: int, with_vocab: bool = True) -> Path:
    """A checkpoint of a model over the characters of ``vocab_text`` whose config.json says ``said`` of them."""
    vocab = CharVocab.from_text(vocab_text)
    torch.manual_seed(0)
    model = LanguageModel(len(vocab), hidden_size=8, num_layers=1, embed_dim=4)
    return save_checkpoint(tmp_path / f"run-{said}-{with_vocab}", model_state=model.state_dict(),
                           config={"task": "charlm", "model": {**model.config(), "vocab_size": said}},
                           vocab=vocab.to_json() if with_vocab else None)


def test_a_checkpoint_is_loaded_only_with_a_vocabulary_of_the_models_size(tmp_path: Path) -> None:
    assert len(CharLM(_saved(tmp_path, "ab\n", 4)).vocab) == 4
    with pytest.raises(UserError, match="vocab.json is missing"):
        CharLM(_saved(tmp_path, "ab\n", 4, with_vocab=False))
    with pytest.raises(UserError, match="the vocabulary has 4 entries, but the model has 5 "):
        CharLM(_saved(tmp_path, "ab\n", 5))
