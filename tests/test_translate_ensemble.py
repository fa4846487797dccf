"""Ensembles of translators (``rnnkit translate DIR --ensemble DIR2``, ``Translator.ensemble``; fairseq's
ensembles, OpenNMT-py's ``-model A B``): each step's next-token probabilities are the mean of the models'."""

from __future__ import annotations

import itertools
import json
import math
import re
import warnings
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

import rnnkit
from rnnkit.cli import main
from rnnkit.data.tokenize import pad_batch
from rnnkit.errors import RnnkitWarning, SettingError, UserError
from rnnkit.models.ensemble import Ensemble
from rnnkit.models.seq2seq import Seq2Seq
from tests.test_caption_tied import _captions

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _models() -> tuple[Seq2Seq, Seq2Seq]:
    torch.manual_seed(0)
    a = Seq2Seq(6, 3, hidden=8, embedding=8, attention="bahdanau").eval()
    b = Seq2Seq(6, 3, hidden=12, embedding=4, cell="gru", attention="dot", layers=2).eval()
    with torch.no_grad():  # sharper distributions than at initialisation, so that the models disagree
        a.output.weight.mul_(6.0)
        b.output.weight.mul_(-6.0)
    return a, b


def _mean_log_prob(models: list[Seq2Seq], src: list[int], tokens: list[int]) -> float:
    """log of the mean of the models' probabilities of each of ``tokens`` (the last one included), summed: each
    model's training forward pass, the mean taken here by hand."""
    s, s_len = pad_batch([src])
    tgt_in = torch.tensor([[models[0].bos_id, *tokens[:-1]]])
    with torch.no_grad():
        probs = torch.stack([F.softmax(m(s, s_len, tgt_in).double(), -1)[0] for m in models]).mean(0)
    return float(probs.gather(1, torch.tensor(tokens).unsqueeze(1)).log().sum())


def test_an_ensemble_of_one_decodes_as_its_model() -> None:
    a, _ = _models()
    one = Ensemble([a]).eval()
    src, src_len = pad_batch([[1, 2, 3], [4, 5]])
    limit = torch.tensor([5, 5])
    for x, y in zip(a.greedy(src, src_len, limit), one.greedy(src, src_len, limit), strict=True):
        assert x.tokens == y.tokens and math.isclose(x.log_prob, y.log_prob, rel_tol=1e-5)
    for xs, ys in zip(a.beam_search(src, src_len, limit, beam=3, n_best=3),
                      one.beam_search(src, src_len, limit, beam=3, n_best=3), strict=True):
        assert [h.tokens for h in xs] == [h.tokens for h in ys]


def test_the_beam_finds_the_output_of_the_highest_mean_probability_by_brute_force() -> None:
    """Every output of up to two tokens (the target ids 1 and 2; EOS is forced, at no cost, at the limit of 2):
    scored by hand as the product over steps of the mean of the two models' probabilities; a beam wide enough to
    keep every hypothesis finds them all and ranks them alike (alpha 0: the plain log-probability)."""
    a, b = _models()
    pair = Ensemble([a, b]).eval()
    src = [1, 2, 3, 4]
    eos = a.eos_id
    outputs = [[eos], *([t, eos] for t in (1, 2)), *([t, u] for t, u in itertools.product((1, 2), repeat=2))]
    scores = {tuple(t for t in out if t != eos): _mean_log_prob([a, b], src, out) for out in outputs}
    found = pair.beam_search(*pad_batch([src]), torch.tensor([2]), beam=20, n_best=20, alpha=0.0)[0]
    assert len(found) == len(scores)
    for h in found:
        assert math.isclose(h.log_prob, scores[tuple(h.tokens)], rel_tol=1e-4, abs_tol=1e-5), h
    assert [tuple(h.tokens) for h in found] == sorted(scores, key=lambda k: -scores[k])


def test_greedy_writes_the_most_likely_token_of_the_mean_and_its_log_probability() -> None:
    a, b = _models()
    pair = Ensemble([a, b]).eval()
    src = [5, 1, 2]
    hyp = pair.greedy(*pad_batch([src]), torch.tensor([30]))[0]
    assert len(hyp.tokens) < 30
    written = [*hyp.tokens, a.eos_id]
    assert math.isclose(hyp.log_prob, _mean_log_prob([a, b], src, written), rel_tol=1e-4)
    s, s_len = pad_batch([src])
    with torch.no_grad():
        probs = torch.stack([F.softmax(m(s, s_len, torch.tensor([[a.bos_id, *hyp.tokens]])), -1)[0]
                             for m in (a, b)]).mean(0)
    probs[:, 0] = probs[:, a.bos_id] = 0  # never written: padding and BOS
    assert probs.argmax(-1).tolist() == written
    # the two models alone write something else: the mean is not either one's choice
    assert [h.tokens for h in (a.greedy(s, s_len, torch.tensor([30]))[0], b.greedy(s, s_len, torch.tensor([30]))[0])
            ] != [hyp.tokens, hyp.tokens]


def test_the_teacher_forced_log_probabilities_are_those_of_the_mean() -> None:
    a, b = _models()
    src, src_len = pad_batch([[1, 2, 3, 4], [5, 1]])
    tgt_in = torch.tensor([[a.bos_id, 1, 2], [a.bos_id, 2, 0]])
    with torch.no_grad():
        by_hand = torch.stack([F.softmax(m(src, src_len, tgt_in).double(), -1) for m in (a, b)]).mean(0).log()
        torch.testing.assert_close(Ensemble([a, b]).eval()(src, src_len, tgt_in).double(), by_hand)


def test_the_attention_is_the_mean_of_the_attending_models() -> None:
    a, b = _models()
    plain = Seq2Seq(6, 3, hidden=8, embedding=8, attention="none").eval()
    src, src_len = pad_batch([[1, 2, 3, 4]])
    memory, state = Ensemble([a, b, plain]).encode(src, src_len)
    prev = torch.tensor([a.bos_id])
    _, _, weights = Ensemble([a, b, plain]).decoder_step(prev, state, memory, 0)
    own = [m.decoder_step(prev, m.encode(src, src_len)[1], m.encode(src, src_len)[0], 0)[2] for m in (a, b)]
    torch.testing.assert_close(weights, (own[0] + own[1]) / 2)
    assert Ensemble([plain]).attention is None and Ensemble([plain, a]).attention is a.attention


def test_models_of_other_vocabularies_are_refused() -> None:
    a, _ = _models()
    with pytest.raises(ValueError, match="target vocabularies of different sizes"):
        Ensemble([a, Seq2Seq(6, 4, hidden=8, embedding=8)])
    with pytest.raises(ValueError, match="at least one"):
        Ensemble([])


# ---------------------------------------------------------------- trained translators
@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path, Path]:
    tmp = tmp_path_factory.mktemp("ensemble")
    data = tmp / "pairs.tsv"
    data.write_text("".join(f"ab{'c' * (i % 3)}\txy{'z' * (i % 4)}\n" for i in range(30)), encoding="utf-8")
    flags = ["--data", str(data), "--hidden", "8", "--embedding", "8", "--batch-size", "8", "--steps", "3",
             "--eval-sentences", "1", "--no-progress", "--save-minutes", "0"]
    outs = [tmp / "a", tmp / "b", tmp / "words"]
    for out, more in zip(outs, (["--seed", "1"], ["--seed", "2", "--cell", "gru"], ["--tokenizer", "word"]),
                         strict=True):
        assert main(["train", "seq2seq", *flags, *more, "--out", str(out)]) == 0
    return data, *outs


def test_a_translator_joined_to_itself_translates_as_alone(runs: tuple[Path, Path, Path, Path]) -> None:
    """The mean of two equal distributions is the distribution: greedy, beam and sampled outputs are unchanged."""
    _, a, _, _ = runs
    alone = rnnkit.load(a)
    twice = alone.ensemble(a)
    texts = ["abc", "ab", "abcc"]
    assert twice.translate(texts) == alone.translate(texts)
    assert twice.translate(texts, beam=3, n_best=2)[0]["n_best"][0]["text"] == \
        alone.translate(texts, beam=3, n_best=2)[0]["n_best"][0]["text"]
    assert twice.translate(texts, sample=True, seed=3) == alone.translate(texts, sample=True, seed=3)
    assert isinstance(alone.model, Seq2Seq) and len(alone.checkpoints) == 1  # left as it was
    assert "ensemble=" in repr(twice) and "ensemble=" not in repr(alone)


def test_an_ensemble_scores_outputs_by_the_mean_of_its_models(runs: tuple[Path, Path, Path, Path]) -> None:
    _, a, b, _ = runs
    pair = rnnkit.load(a).ensemble(b)
    models = [rnnkit.load(a).model, rnnkit.load(b).model]
    src = pair._encode_sources(["abcc"])[0]
    result = pair.translate("abcc", n_best=1, max_len_a=0, max_len_b=12, return_attention=True)
    tokens = pair.target.encode(result["translation"])
    written = tokens if len(tokens) == 12 else [*tokens, pair.model.eos_id]  # EOS forced at no cost at the limit
    assert math.isclose(result["n_best"][0]["log_prob"], _mean_log_prob(models, src, written), rel_tol=1e-4)
    assert len(result["attention"]) == len(tokens) + 1


def test_other_tokenizers_and_other_tasks_are_refused_naming_the_model(runs: tuple[Path, Path, Path, Path],
                                                                          tmp_path: Path) -> None:
    data, a, _, words = runs
    with pytest.raises(UserError, match=rf"{words}/best: its source tokenizer is not .*same tokenizers"):
        rnnkit.load(a).ensemble(words)
    with pytest.raises(UserError, match="name at least one other model"):
        rnnkit.load(a).ensemble()
    with pytest.raises(TypeError, match="ensemble takes a model directory"):
        rnnkit.load(a).ensemble(5)  # type: ignore[arg-type]
    lm = tmp_path / "lm"
    text = tmp_path / "t.txt"
    text.write_text("abc abd " * 50, encoding="utf-8")
    assert main(["train", "charlm", "--data", str(text), "--out", str(lm), "--steps", "1", "--hidden", "8",
                 "--no-progress"]) == 0
    with pytest.raises(UserError, match="not a translator"):
        rnnkit.load(a).ensemble(lm)


def test_the_command_line(runs: tuple[Path, Path, Path, Path], tmp_path: Path,
                          capsys: pytest.CaptureFixture[str]) -> None:
    data, a, b, _ = runs
    pair = rnnkit.load(a).ensemble(b)
    assert main(["translate", str(a), "abc", "ab", "--ensemble", str(b)]) == 0
    assert capsys.readouterr().out.splitlines() == pair.translate(["abc", "ab"])
    assert main(["evaluate", str(a), "--data", str(data), "--ensemble", str(b), "--json"]) == 0
    result = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert result["models"] == [f"{a}/best", f"{b}/best"]
    assert result["exact_match"] == pair.evaluate(data)["exact_match"]
    assert main(["evaluate", str(a), "--data", str(data), "--ensemble", str(b), str(a)]) == 0
    assert "an ensemble of 3 models" in capsys.readouterr().out
    # a TEXT after the flag is read as a directory: named, with the hint
    assert main(["translate", str(a), "--ensemble", str(b), "abc"]) == 2
    assert "--ensemble abc: no such directory" in capsys.readouterr().err
    # a model's file (not its directory) exists: it was called 'no such directory'
    assert main(["translate", str(a), "abc", "--ensemble", str(b / "best" / "model.safetensors")]) == 2
    assert "model.safetensors: a file, not a directory; expected a model directory" in capsys.readouterr().err
    # an output may not replace a member's files
    assert main(["translate", str(a), "abc", "--ensemble", str(b), "--output", str(b / "best" / "config.json")]) == 2
    assert json.loads((b / "best" / "config.json").read_text(encoding="utf-8"))["task"] == "seq2seq"


# ---------------------------------------------------------------- captioners
def _captioners(tmp: Path) -> tuple[Path, list[Path]]:
    images = _captions(tmp)
    flags = ["--data", str(images), "--steps", "2", "--hidden", "8", "--embedding", "8", "--channels", "4",
             "--batch-size", "4", "--eval-images", "2", "--no-progress", "--save-minutes", "0"]
    outs = []
    for name, more in (("a", ["--image-size", "16", "--attention"]), ("b", ["--image-size", "16", "--seed", "3",
                                                                           "--cell", "gru"]),
                       ("big", ["--image-size", "24"])):
        outs.append(tmp / name)
        assert main(["train", "caption", *flags, *more, "--out", str(outs[-1])]) == 0
    return images, outs


def test_captioners_join_as_translators_do(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    images, (a, b, big) = _captioners(tmp_path)
    image = str(images / "0.png")
    alone, other = rnnkit.load(a), rnnkit.load(b)
    assert alone.ensemble(a).caption([image], beam=2) == alone.caption([image], beam=2)  # the mean of one and itself
    pair = alone.ensemble(other)
    result = pair.caption(image, return_attention=True)
    pixels = pair.load_images([image])
    tgt = pair.words.encode(result["caption"])
    written = tgt if len(tgt) == pair.max_len else [*tgt, pair.model.eos_id]  # EOS forced at no cost at the limit
    with torch.no_grad():
        probs = torch.stack([F.softmax(m.model(pixels, m.model.region_counts(1),
                                               torch.tensor([[m.model.bos_id, *written[:-1]]])), -1)[0]
                             for m in (alone, other)]).mean(0)
    expected = float(probs.gather(1, torch.tensor(written).unsqueeze(1)).log().sum())
    assert math.isclose(result["n_best"][0]["log_prob"], expected, rel_tol=1e-4)
    assert len(result["attention"]) == len(tgt) + 1  # the attending member's weights
    with pytest.raises(UserError, match=r"big/best: its image size \(24x24\) is not .*a/best's \(16x16\)"):
        alone.ensemble(big)
    assert main(["evaluate", str(a), "--data", str(images), "--ensemble", str(b)]) == 0
    assert "an ensemble of 2 models" in capsys.readouterr().out
    assert main(["caption", str(a), image, "--ensemble", str(b)]) == 0
    with warnings.catch_warnings():  # the tiny models' caption is cut at the length limit, said by the line above too
        warnings.simplefilter("ignore", RnnkitWarning)
        assert capsys.readouterr().out.strip() == pair.caption(image)
    # an IMAGE after the flag, which takes every word up to the next flag, is named: argparse said only
    # 'the following arguments are required: IMAGE'
    assert main(["caption", str(a), "--ensemble", str(b), image]) == 2
    assert capsys.readouterr().err.strip() == (f"rnnkit: error: --ensemble {image}: a file, not a directory; "
                                               "expected a model directory (give IMAGE arguments before --ensemble)")


def test_the_models_read_for_an_ensemble_go_to_the_device_of_the_translator_joined(
        runs: tuple[Path, Path, Path, Path]) -> None:
    """``rnnkit translate A --device cuda --ensemble B`` moved A to the GPU and read B on the CPU, so B was handed
    the GPU's tensors; a directory's model now goes where the joining translator's is (the meta device stands in
    for a GPU), and a translator on another device is refused naming it, before any decoding."""
    _, a, b, _ = runs
    moved = rnnkit.load(a)
    moved.model.to("meta")
    pair = moved.ensemble(b)
    assert {p.device.type for p in pair.model.parameters()} == {"meta"}
    elsewhere = rnnkit.load(b)
    elsewhere.model.to("meta")
    with pytest.raises(UserError, match=rf"^{b}/best: its model is on meta, {a}/best's on cpu; .*one device"):
        rnnkit.load(a).ensemble(elsewhere)


def test_an_empty_name_is_refused_as_one(runs: tuple[Path, Path, Path, Path], tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """``--ensemble ''`` (an unset shell variable) was the working directory: '.: not a model directory'."""
    _, a, _, _ = runs
    monkeypatch.chdir(tmp_path)
    for empty in ("", " "):
        with pytest.raises(UserError, match="ensemble: '' is an empty name|ensemble: ' ' is an empty name"):
            rnnkit.load(a).ensemble(empty)
    assert main(["translate", str(a), "abc", "--ensemble", ""]) == 2
    assert "error: --ensemble '': an empty name; expected a model directory" in capsys.readouterr().err


def test_the_attention_picture_names_the_models_that_attend(runs: tuple[Path, Path, Path, Path], tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The picture is the mean of the attending models' weights: an ensemble of one attending model and one
    without attention drew that one model's and was titled 'the mean of 2 models''."""
    data, a, b, _ = runs
    plain = tmp_path / "plain"
    assert main(["train", "seq2seq", "--data", str(data), "--hidden", "8", "--embedding", "8", "--steps", "1",
                 "--attention", "none", "--no-progress", "--save-minutes", "0", "--out", str(plain)]) == 0
    titles: list[str] = []
    monkeypatch.setattr("rnnkit.plots.attention_png", lambda *args, title: titles.append(title))
    for more in ([str(plain)], [str(b), str(plain)], [str(b)]):
        assert main(["translate", str(a), "abc", "--attention-png", str(tmp_path / "a.png"), "--ensemble", *more]) == 0
    assert titles == ["attention (bahdanau, the one of 2 models that attends)",
                      "attention (the mean of 2 models' of 3)", "attention (the mean of 2 models')"]


def test_an_ensemble_without_attention_is_refused_naming_every_model(runs: tuple[Path, Path, Path, Path],
                                                                     tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """--replace-unk and --attention-png of an ensemble none of whose models attends named the first alone as
    'trained with --attention none', as though the others had attention to read."""
    data, _, _, _ = runs
    plain = [tmp_path / "p1", tmp_path / "p2"]
    for out in plain:
        assert main(["train", "seq2seq", "--data", str(data), "--hidden", "8", "--embedding", "8", "--steps", "1",
                     "--attention", "none", "--no-progress", "--save-minutes", "0", "--out", str(out)]) == 0
    both = rf"every model of the ensemble \({plain[0]}/best, {plain[1]}/best\) was trained with"
    with pytest.raises(SettingError, match=rf"^replace_unk True: {both} attention none; it finds"):
        rnnkit.load(plain[0]).ensemble(plain[1]).translate("abc", replace_unk=True)
    assert main(["translate", str(plain[0]), "abc", "--attention-png", str(tmp_path / "a.png"),
                 "--ensemble", str(plain[1])]) == 2
    assert re.search(rf"--attention-png: {both} --attention none; there is nothing to draw",
                     capsys.readouterr().err)


# ---------------------------------------------------------------- round 9 of the mutation audit
def test_the_mean_is_taken_in_float32_through_log_sum_exp() -> None:
    """Half-precision logits give a float32 mean (their log-softmax was taken in their own precision), and a
    probability of e^-200 (0 in float32) keeps its log: the log of the mean of the exponentials was -inf."""
    from rnnkit.models.ensemble import mean_of_probabilities

    logits = torch.tensor([[0.0, -200.0], [1.0, -3.0]])
    by_hand = torch.stack([F.log_softmax(x.double(), -1) for x in (logits, logits.flip(0))]).exp().mean(0).log()
    out = mean_of_probabilities([logits, logits.flip(0)])
    torch.testing.assert_close(out.double(), by_hand)
    half = mean_of_probabilities([logits.bfloat16(), (logits * 2).bfloat16()])
    assert half.dtype == torch.float32
    assert math.isfinite(float(mean_of_probabilities([logits, logits])[0, 1]))
    assert math.isclose(float(mean_of_probabilities([logits, logits])[0, 1]), -200.0, rel_tol=1e-6)


def test_an_ensemble_joined_to_another_model_is_one_level_of_every_model(runs: tuple[Path, Path, Path, Path]) -> None:
    """Joining an ensemble of A and B to A gives the mean of three models (A counted twice), every model's
    directory listed; an ensemble nested in another was the mean of (mean of A and B) and A."""
    _, a, b, _ = runs
    three = rnnkit.load(a).ensemble(b).ensemble(a)
    assert len(three.model.members) == 3 and not any(isinstance(m, Ensemble) for m in three.model.members)
    assert [str(c.path) for c in three.checkpoints] == [f"{a}/best", f"{b}/best", f"{a}/best"]
    models = [rnnkit.load(a).model, rnnkit.load(b).model, rnnkit.load(a).model]
    src, src_len = pad_batch([[1, 2]])
    tgt_in = torch.tensor([[models[0].bos_id, 1]])
    with torch.no_grad():
        by_hand = torch.stack([F.softmax(m(src, src_len, tgt_in).double(), -1) for m in models]).mean(0).log()
        torch.testing.assert_close(three.model(src, src_len, tgt_in).double(), by_hand)


def test_joining_sets_eval_mode_keeps_the_longest_max_len_and_the_callers_random_state(
        runs: tuple[Path, Path, Path, Path]) -> None:
    _, a, b, _ = runs
    owner, other = rnnkit.load(a), rnnkit.load(b)
    owner.model.train()  # e.g. after fine-tuning: decoding with dropout on would sample the weights
    owner.max_len, other.max_len = 40, 70
    pair = owner.ensemble(other)
    assert not any(m.training for m in pair.model.modules())
    assert pair.max_len == 70
    owner.max_len, other.max_len = 90, 70
    assert owner.ensemble(other).max_len == 90
    torch.manual_seed(0)
    rnnkit.load(a).ensemble(b)  # building b's model draws weights its checkpoint replaces
    drawn = torch.rand(3)
    torch.manual_seed(0)
    assert torch.equal(drawn, torch.rand(3))


def test_the_command_lines_ensemble_flag(runs: tuple[Path, Path, Path, Path],
                                         capsys: pytest.CaptureFixture[str]) -> None:
    """--ensemble given twice joins both lists; a blank name is named as empty; a TEXT after the flag gets the
    hint; the help says where TEXT goes."""
    data, a, b, _ = runs
    assert main(["evaluate", str(a), "--data", str(data), "--ensemble", str(b), "--ensemble", str(a), "--json"]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["models"] == [f"{a}/best", f"{b}/best", f"{a}/best"]
    assert main(["translate", str(a), "abc", "--ensemble", " "]) == 2
    assert "error: --ensemble ' ': an empty name; expected a model directory" in capsys.readouterr().err
    assert main(["translate", str(a), "--ensemble", str(b), "abc"]) == 2
    assert "expected a model directory (give TEXT arguments before --ensemble)" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["translate", str(a), "--help"])
    assert "Give TEXT arguments before it" in " ".join(capsys.readouterr().out.split())


def test_each_member_is_told_the_steps_position() -> None:
    """A clockwork decoder's step depends on its index in the sequence: the ensemble passes each step's on."""
    torch.manual_seed(0)
    clock = Seq2Seq(6, 3, hidden=8, embedding=8, cell="clockwork", attention="dot").eval()
    with torch.no_grad():
        clock.output.weight.mul_(6.0)
    src, src_len = pad_batch([[1, 2, 3], [4, 5]])
    limit = torch.tensor([8, 8])
    for x, y in zip(clock.greedy(src, src_len, limit), Ensemble([clock]).eval().greedy(src, src_len, limit),
                    strict=True):
        assert x.tokens == y.tokens and math.isclose(x.log_prob, y.log_prob, rel_tol=1e-5)


def test_only_a_model_directory_or_a_translator_joins(runs: tuple[Path, Path, Path, Path]) -> None:
    from types import SimpleNamespace

    _, a, b, _ = runs
    with pytest.raises(TypeError, match="ensemble takes a model directory"):
        rnnkit.load(a).ensemble(SimpleNamespace(model=torch.nn.Linear(1, 1)))  # type: ignore[arg-type]
    assert f"ensemble=['{a}/best', '{b}/best']" in repr(rnnkit.load(a).ensemble(b))


def test_the_benchmark_names_its_rows_as_the_docs_table_does() -> None:
    """benchmarks/translate_ensemble.py printed rows 'm1 alone' ... 'm1..m3 as one' where docs/TRANSLATE.md's table,
    its output, reads 'seed 1 alone' ... 'seeds 1, 2 and 3 as one'."""
    import importlib.util

    root = Path(__file__).resolve().parents[1]
    spec = importlib.util.spec_from_file_location("translate_ensemble", root / "benchmarks" / "translate_ensemble.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    doc = (root / "docs" / "TRANSLATE.md").read_text(encoding="utf-8")
    table = doc.split("### Ensembles on the dates", 1)[1].split("\n\n")
    rows = next(part for part in table if part.startswith("| models |")).splitlines()[2:]
    assert script.row_names(3) == [row.split(" | ")[0].removeprefix("| ") for row in rows]
