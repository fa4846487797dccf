"""Scoring given translations (``rnnkit score DIR --data PAIRS``, ``Translator.score``; OpenNMT-py's ``-tgt`` gold
scores, fairseq's ``--score-reference``): each target's log-probability after its source, by teacher forcing."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch

import rnnkit
from rnnkit.cli import main
from rnnkit.data.tokenize import pad_batch
from rnnkit.errors import UserError

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    tmp = tmp_path_factory.mktemp("score")
    data = tmp / "pairs.tsv"
    data.write_text("".join(f"ab{'c' * (i % 3)}\txy{'z' * (i % 4)}\n" for i in range(30)), encoding="utf-8")
    outs = (tmp / "a", tmp / "b")
    for out, seed in zip(outs, ("1", "2"), strict=True):
        assert main(["train", "seq2seq", "--data", str(data), "--out", str(out), "--hidden", "8", "--embedding", "8",
                     "--batch-size", "8", "--steps", "3", "--eval-sentences", "1", "--no-progress", "--save-minutes",
                     "0", "--seed", seed]) == 0
    return data, *outs


def _one_at_a_time(tr: object, source: str, target: str) -> float:
    """The log-probability of ``target`` then EOS after ``source``, by decoding it token by token through the
    model's own step (greedy with the gold token chosen at each step), not its teacher-forced forward."""
    model = tr.model  # type: ignore[attr-defined]
    gold = [*tr.target.encode(target), model.eos_id]  # type: ignore[attr-defined]
    steps = iter(gold)
    hyp = model.greedy(*pad_batch([tr._encode_sources([source])[0]]), torch.tensor([len(gold) + 5]),  # type: ignore
                       choose=lambda logp: torch.full((logp.shape[0],), next(steps), dtype=torch.long))[0]
    return hyp.log_prob


def test_each_targets_log_probability_is_the_decoders_for_its_tokens(run: tuple[Path, Path, Path]) -> None:
    data, a, b = run
    for tr in (rnnkit.load(a), rnnkit.load(a).ensemble(b)):
        pairs = [("abc", "xyz"), ("ab", "xyzzz"), ("abcc", "x")]
        results = tr.score(pairs)
        for (source, target), r in zip(pairs, results, strict=True):
            assert r["source"] == source and r["target"] == target
            assert r["tokens"] == len(tr.target.encode(target)) + 1
            assert math.isclose(r["log_prob"], _one_at_a_time(tr, source, target), rel_tol=1e-5)
            assert math.isclose(r["perplexity"], math.exp(-r["log_prob"] / r["tokens"]))
        assert math.isclose(results[1]["log_prob"], tr.score([pairs[1]])[0]["log_prob"], rel_tol=1e-6)  # as alone


def test_a_likelier_translation_scores_higher_after_training(tmp_path: Path) -> None:
    """A model that learnt to copy scores the copy above a shuffled target of the same characters."""
    data = tmp_path / "copy.tsv"
    words = ["abc", "bca", "cab", "acb", "bac", "cba"] * 20
    data.write_text("".join(f"{w}\t{w}\n" for w in words), encoding="utf-8")
    out = tmp_path / "copy"
    assert main(["train", "seq2seq", "--data", str(data), "--out", str(out), "--hidden", "16", "--embedding", "8",
                 "--steps", "400", "--eval-sentences", "0", "--no-progress", "--save-minutes", "0"]) == 0
    right, wrong = rnnkit.load(out).score([("abc", "abc"), ("abc", "cba")])
    assert right["log_prob"] > wrong["log_prob"] + 1.0


def test_unknown_target_tokens_are_named_and_bad_pairs_refused(run: tuple[Path, Path, Path],
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    _, a, _ = run
    tr = rnnkit.load(a)
    with pytest.warns(UserWarning, match=r"1 target token unknown to the model, scored as <unk>: 'q'"):
        tr.score([("abc", "xqz")])
    with pytest.raises(TypeError, match="score takes a pairs file or a list of"):
        tr.score(5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="score takes .* item 0 is 'abc'"):
        tr.score(["abc"])
    with pytest.raises(UserError, match="no pairs to score"):
        tr.score([])


def test_the_command_line(run: tuple[Path, Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data, a, b = run
    assert main(["score", str(a), "--data", str(data)]) == 0
    captured = capsys.readouterr()
    rows = [line.split("\t") for line in captured.out.splitlines()]
    expected = rnnkit.load(a).score(data)
    assert len(rows) == 30 and [float(r[0]) for r in rows] == [round(e["log_prob"], 4) for e in expected]
    assert [r[3:] for r in rows] == [[e["source"], e["target"]] for e in expected]
    total = sum(e["log_prob"] for e in expected)
    tokens = sum(e["tokens"] for e in expected)
    assert f"30 pairs, {tokens} target tokens: log-probability {total:.4f}, perplexity " \
           f"{math.exp(-total / tokens):.4f} per token" in captured.err
    assert main(["score", str(a), "--data", str(data), "--ensemble", str(b), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["models"] == [f"{a}/best", f"{b}/best"] and out["total"]["pairs"] == 30
    assert [r["log_prob"] for r in out["results"]] == [r["log_prob"] for r in rnnkit.load(a).ensemble(b).score(data)]
    (tmp_path / "bad.tsv").write_text("abc\n", encoding="utf-8")
    assert main(["score", str(a), "--data", str(tmp_path / "bad.tsv")]) == 2
    assert "bad.tsv:1" in capsys.readouterr().err


def test_the_unknown_target_warning_is_said_at_the_callers_line(run: tuple[Path, Path, Path]) -> None:
    """The scoring runs under ``@torch.no_grad()``, whose wrapper is torch's: the warning pointed at
    ``torch/utils/_contextlib.py`` instead of the line that called ``score``, as the source's warning does."""
    import warnings

    _, a, _ = run
    tr = rnnkit.load(a)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tr.score([("abq", "xqz")])
    assert sorted(str(w.message).split(":")[0] for w in caught) == [
        "1 source token unknown to the model, read as <unk>",
        "1 target token unknown to the model, scored as <unk>"]
    assert [w.filename for w in caught] == [__file__, __file__]


def test_long_targets_are_read_in_batches_of_at_most_64_times_max_len_tokens(run: tuple[Path, Path, Path],
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """64 targets of 300 tokens (a model trained with --max-len 100) were one batch of 64 x 301 positions, each
    a row of logits over the vocabulary (gigabytes for a word vocabulary); batches now hold at most 64 x max_len
    padded tokens, as translation's do, and score the same."""
    _, a, _ = run
    tr = rnnkit.load(a)
    assert tr.max_len == 100
    pairs = [("abc", "xyz" * 100)] * 64 + [("ab", "xy")]
    expected = tr.score([pairs[0]])[0]["log_prob"]
    shapes: list[tuple[int, ...]] = []
    forward = tr.model.forward
    monkeypatch.setattr(tr.model, "forward", lambda *args: shapes.append(tuple(args[2].shape)) or forward(*args))
    results = tr.score(pairs)
    assert sum(s[0] for s in shapes) == 65 and all(rows * (length - 1) <= 6400 for rows, length in shapes)
    assert all(math.isclose(r["log_prob"], expected, rel_tol=1e-5) for r in results[:64])


def test_the_ensemble_flag_of_score_says_it_scores(run: tuple[Path, Path, Path],
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """``rnnkit score DIR -h`` said --ensemble would 'decode with these translators too'; score decodes nothing."""
    _, a, _ = run
    with pytest.raises(SystemExit):
        main(["score", str(a), "-h"])
    flag = " ".join(capsys.readouterr().out.split("--ensemble DIR [DIR ...]")[-1].split())
    assert flag.startswith("score with these translators too, each step's")


# ---------------------------------------------------------------- round 9 of the mutation audit
def test_an_unknown_token_is_named_once_and_short_targets_are_read_together(
        run: tuple[Path, Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    _, a, _ = run
    tr = rnnkit.load(a)
    with pytest.warns(UserWarning, match=r"2 target tokens unknown to the model, scored as <unk>: 'q', 'w'$"):
        tr.score([("abc", "xqzq"), ("ab", "wq")])
    rows: list[int] = []
    forward = tr.model.forward
    monkeypatch.setattr(tr.model, "forward", lambda *args: rows.append(args[2].shape[0]) or forward(*args))
    tr.score([("abc", "xyz"), ("ab", "xy"), ("abcc", "xyzz")])
    assert rows == [3]  # up to 64 targets at a time


def test_the_log_softmax_is_taken_in_float32_for_a_half_precision_model(run: tuple[Path, Path, Path]) -> None:
    _, a, _ = run
    tr = rnnkit.load(a)
    tr.model.to(torch.bfloat16)
    src, src_len = pad_batch([tr._encode_sources(["abc"])[0]])
    gold = [*tr.target.encode("xyzz"), tr.model.eos_id]
    with torch.no_grad():
        logits = tr.model(src, src_len, torch.tensor([[tr.model.bos_id, *gold[:-1]]]))[0]
    by_hand = float(torch.log_softmax(logits.double(), -1).gather(1, torch.tensor(gold).unsqueeze(1)).sum())
    assert math.isclose(tr.score([("abc", "xyzz")])[0]["log_prob"], by_hand, rel_tol=1e-6)


def test_a_perplexity_past_the_float_range_is_infinite() -> None:
    from rnnkit.tasks._translate_scoring import corpus_summary

    assert corpus_summary([{"tokens": 1, "log_prob": -1e6}])["perplexity"] == math.inf


def test_a_long_targets_log_probabilities_are_summed_in_float64(run: tuple[Path, Path, Path]) -> None:
    """Each token's float32 log-probability, summed exactly (a float32 sum of 301 terms is off by about 1e-6)."""
    _, a, _ = run
    tr = rnnkit.load(a)
    src, src_len = pad_batch([tr._encode_sources(["abc"])[0]])
    gold = [*tr.target.encode("xyz" * 100), tr.model.eos_id]
    with torch.no_grad():
        logp = torch.log_softmax(tr.model(src, src_len, torch.tensor([[tr.model.bos_id, *gold[:-1]]]))[0].float(), -1)
    terms = logp.gather(1, torch.tensor(gold).unsqueeze(1)).squeeze(1).tolist()
    assert math.isclose(tr.score([("abc", "xyz" * 100)])[0]["log_prob"], math.fsum(terms), rel_tol=1e-12)
