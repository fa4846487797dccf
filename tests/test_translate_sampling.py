"""Sampled translations (``rnnkit translate --sample``, ``Translator.translate(sample=True)``; Hugging Face's
``do_sample``, fairseq's ``--sampling``) and the shared token chooser of :mod:`rnnkit.sampling`."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

import rnnkit
from rnnkit.cli import main
from rnnkit.data.tokenize import UNK_ID, decode_ids, pad_batch
from rnnkit.errors import SettingError
from rnnkit.models.seq2seq import Seq2Seq
from rnnkit.sampling import Sampling, choose, draw
from tests.test_walk37_output_limit import uncut

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_choose_takes_the_most_likely_at_temperature_0_and_never_a_minus_inf() -> None:
    scores = torch.tensor([0.5, 2.0, float("-inf"), 1.0])
    gen = torch.Generator().manual_seed(0)
    assert choose(scores, 0.0, None, 1.0, gen) == 1
    assert choose(scores, 1e-30, None, 1.0, gen) == 1  # overflowing scores: the most likely
    assert choose(scores, 5.0, 1, 1.0, gen) == 1  # top-k 1
    drawn = {choose(scores, 5.0, None, 1.0, gen) for _ in range(300)}
    assert drawn == {0, 1, 3}
    assert {choose(scores, 5.0, 2, 1.0, gen) for _ in range(300)} == {1, 3}  # the two most likely


def test_choose_draws_in_proportion_to_the_tempered_softmax() -> None:
    scores = torch.tensor([0.0, 1.0, 2.0])
    gen = torch.Generator().manual_seed(3)
    n = 20000
    counts = torch.bincount(torch.tensor([choose(scores, 2.0, None, 1.0, gen) for _ in range(n)]), minlength=3)
    expected = F.softmax(scores / 2.0, -1) * n
    assert ((counts - expected).abs() < 4 * expected.sqrt()).all(), (counts, expected)


@pytest.mark.parametrize("temperature", [1e30, 1e39, 1e300])
def test_a_huge_temperature_draws_every_allowed_token_alike(temperature: float) -> None:
    """As the temperature grows, softmax(scores / T) tends to the uniform distribution over the tokens allowed (a
    ``-inf`` one stays out). A temperature beyond float32's range divided a blocked ``-inf`` into NaN, and every
    draw was the most likely token: greedy, the opposite of the limit."""
    scores = torch.tensor([float("-inf"), 2.0, 0.5, float("-inf"), -1.0])
    gen = torch.Generator().manual_seed(0)
    counts = torch.bincount(torch.tensor([choose(scores, temperature, None, 1.0, gen) for _ in range(600)]),
                            minlength=5)
    assert counts[0] == counts[3] == 0
    assert (counts[[1, 2, 4]] > 150).all(), counts  # about 200 each


def test_a_uniform_draw_of_0_never_takes_a_blocked_first_token(monkeypatch: pytest.MonkeyPatch) -> None:
    """torch.rand gives exactly 0 once in 2**24 draws (a float32 of 24 random bits): the inverse CDF then took
    index 0 whatever its probability, so padding (id 0, always blocked in a decoder's step) was written in a
    translation, or U+FFFD (the language model's id 0, banned) in a sample, about once in 17 million tokens."""
    monkeypatch.setattr(torch, "rand", lambda *shape, **kw: torch.zeros(*shape))
    assert draw(torch.tensor([float("-inf"), float("-inf"), 0.3, 1.0]), None) == 2
    assert choose(torch.tensor([float("-inf"), 0.3, 1.0]), 1.0, None, 1.0, None) == 1
    assert draw(torch.tensor([0.3, 1.0]), None) == 0  # a first token that may be drawn still is


@pytest.fixture(scope="module")
def translator_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("sampling")
    data, out = tmp / "pairs.tsv", tmp / "run"
    data.write_text("".join(f"ab{'c' * (i % 3)}\txy{'z' * (i % 4)}\n" for i in range(30)), encoding="utf-8")
    assert main(["train", "seq2seq", "--data", str(data), "--out", str(out), "--hidden", "8", "--embedding", "8",
                 "--batch-size", "8", "--steps", "3", "--eval-sentences", "1", "--no-progress",
                 "--save-minutes", "0"]) == 0
    return out


def _teacher_forced_log_prob(model: Seq2Seq, src: list[int], tokens: list[int]) -> float:
    """The model's log-probability of ``tokens`` then EOS after ``src``, by its training forward pass."""
    s, s_len = pad_batch([src])
    tgt_in = torch.tensor([[model.bos_id, *tokens]])
    with torch.no_grad():
        logp = F.log_softmax(model(s, s_len, tgt_in).float(), -1)[0]
    return float(logp.gather(1, torch.tensor([*tokens, model.eos_id]).unsqueeze(1)).sum())


def test_a_samples_log_prob_is_the_models_and_a_seed_repeats_it(translator_dir: Path) -> None:
    tr = rnnkit.load(translator_dir)
    first = tr.translate(["abc", "ab"], sample=True, seed=5, n_best=4)
    assert first == tr.translate(["abc", "ab"], sample=True, seed=5, n_best=4)
    assert first != tr.translate(["abc", "ab"], sample=True, seed=6, n_best=4)
    for result in first:
        probs = [h["log_prob"] for h in result["n_best"]]
        assert probs == sorted(probs, reverse=True) and len(probs) == 4  # four samples, the most probable first
        assert result["translation"] == result["n_best"][0]["text"]


def test_a_samples_log_prob_is_the_models_for_its_tokens(translator_dir: Path) -> None:
    """Checked against the model's training forward pass (teacher forcing) over the tokens drawn and EOS, on
    samples that ended before the length limit (where EOS is forced with log-probability 0)."""
    tr = rnnkit.load(translator_dir)
    src = tr._encode_sources(["abc"])[0]
    ended = 0
    for seed in range(8):
        sample = tr.model.greedy(*pad_batch([src]), torch.tensor([40]), choose=Sampling(seed=seed).chooser())[0]
        if len(sample.tokens) < 40:
            ended += 1
            expected = _teacher_forced_log_prob(tr.model, src, sample.tokens)
            assert math.isclose(sample.log_prob, expected, rel_tol=1e-4), (sample, expected)
    assert ended >= 2


def test_the_first_token_is_drawn_in_proportion_to_the_models_distribution(translator_dir: Path) -> None:
    tr = rnnkit.load(translator_dir)
    model = tr.model
    src = tr._encode_sources(["abc"])[0]
    s, s_len = pad_batch([src])
    with torch.no_grad():
        memory, state = model.encode(s, s_len)
        logits, _, _ = model.decoder_step(torch.tensor([model.bos_id]), state, memory, 0)
    logp = F.log_softmax(logits[0].float(), -1)
    logp[[0, UNK_ID, model.bos_id]] = float("-inf")  # padding and BOS never, <unk> never drawn
    expected = F.softmax(logp, -1)
    n = 3000
    result = tr.translate("abc", sample=True, seed=2, n_best=n, max_len_a=0, max_len_b=1)
    firsts = [h["text"][:1] for h in result["n_best"]]
    for i, p in enumerate(expected.tolist()):
        if i in (0, UNK_ID) or i >= model.bos_id:
            continue
        symbol = decode_ids(tr.target, [i])
        seen = firsts.count(symbol)
        assert abs(seen - p * n) < 4 * math.sqrt(p * n) + 3, (symbol, seen, p * n)
    ended = firsts.count("")
    assert abs(ended - float(expected[model.eos_id]) * n) < 4 * math.sqrt(float(expected[model.eos_id]) * n) + 3


def test_unk_is_never_drawn_though_the_model_favours_it(translator_dir: Path) -> None:
    tr = rnnkit.load(translator_dir)
    with torch.no_grad():
        tr.model.output.bias[UNK_ID] += 50.0
    assert "<unk>" in tr.translate("abc")  # greedy writes it
    for result in tr.translate(["abc", "ab"], sample=True, seed=1, n_best=20):
        assert all("<unk>" not in h["text"] for h in result["n_best"])


def test_beam_with_sampling_and_bad_settings_are_refused(translator_dir: Path) -> None:
    tr = rnnkit.load(translator_dir)
    with pytest.raises(SettingError, match="beam 2: sampling draws one token at a time"):
        tr.translate("abc", sample=True, beam=2)
    with pytest.raises(SettingError, match="top_p 0: expected a probability above 0"):
        tr.translate("abc", sample=True, top_p=0)
    with pytest.raises(SettingError, match="temperature -1"):
        tr.translate("abc", sample=True, temperature=-1)
    with pytest.warns(UserWarning, match="^temperature and seed are used only with sample=True; without it "):
        tr.translate("abc", temperature=0.5, seed=3)


def test_the_command_line(translator_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["translate", str(translator_dir), "abc", "ab", "--sample", "--seed", "7", "--top-p", "0.9"]
    assert main(args) == 0
    first = capsys.readouterr().out
    assert main(args) == 0
    assert capsys.readouterr().out == first
    tr = rnnkit.load(translator_dir)
    assert first.splitlines() == tr.translate(["abc", "ab"], sample=True, seed=7, top_p=0.9)
    assert main(["translate", str(translator_dir), "abc", "--temperature", "0.5"]) == 0
    assert "rnnkit: warning: --temperature is used only with --sample" in capsys.readouterr().err
    assert main(["translate", str(translator_dir), "abc", "--top-p", "1"]) == 0  # its default, given: quiet before
    assert "rnnkit: warning: --top-p is used only with --sample" in capsys.readouterr().err
    assert main(["translate", str(translator_dir), "abc"]) == 0
    assert "warning" not in uncut(capsys.readouterr().err)
    assert main(["translate", str(translator_dir), "abc", "--sample", "--beam", "3"]) == 2
    assert "--beam 3: sampling draws one token at a time" in capsys.readouterr().err


def test_alpha_given_where_nothing_is_ranked_is_warned_of(translator_dir: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    """GNMT's length normalisation ranks a beam's hypotheses: greedy decoding and sampling ran as if not given."""
    for flags, which in ((["--alpha", "0.6"], "--beam 1 (greedy)"), (["--sample", "--alpha", "1"], "--sample")):
        assert main(["translate", str(translator_dir), "abc", *flags]) == 0
        assert uncut(capsys.readouterr().err) == ("rnnkit: warning: --alpha is the length normalisation of a beam "
                                                  f"search; {which} does not use it\n")
    assert main(["translate", str(translator_dir), "abc", "--beam", "2", "--alpha", "1"]) == 0
    assert uncut(capsys.readouterr().err) == ""
    beam = main(["translate", str(translator_dir), "abc", "--beam", "2"]), capsys.readouterr().out
    assert beam == (0, rnnkit.load(translator_dir).translate("abc", beam=2, alpha=0.6) + "\n")  # the default 0.6


def test_a_beam_refused_with_sampling_names_the_n_best_setting_in_the_callers_words(
        translator_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # the hint said `n_best N` on the command line too, where the setting is --n-best
    assert main(["translate", str(translator_dir), "abc", "--sample", "--beam", "2"]) == 2
    assert "expected 1 (--n-best N draws N samples)" in capsys.readouterr().err
    with pytest.raises(SettingError, match=r"expected 1 \(n_best=N draws N samples\)"):
        rnnkit.load(translator_dir).translate("abc", sample=True, beam=2)


def _captioner(tmp: Path) -> Path:
    from PIL import Image

    images, out = tmp / "images", tmp / "captioner"
    images.mkdir()
    captions = ["a red box", "a blue dot", "the big box", "a small dot"] * 2
    for i in range(len(captions)):
        Image.new("RGB", (16, 16), (30 * i, 0, 200 - 20 * i)).save(images / f"{i}.png")
    (images / "captions.tsv").write_text("".join(f"{i}.png\t{c}\n" for i, c in enumerate(captions)))
    assert main(["train", "caption", "--data", str(images), "--out", str(out), "--steps", "2", "--hidden", "8",
                 "--embedding", "8", "--channels", "4", "--image-size", "16", "--batch-size", "4", "--eval-images",
                 "2", "--no-progress", "--save-minutes", "0"]) == 0
    return out


def test_a_captioner_samples_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = _captioner(tmp_path)
    image = str(tmp_path / "images" / "0.png")
    cap = rnnkit.load(out)
    first = cap.caption([image, image], sample=True, seed=4, n_best=5)
    assert first == cap.caption([image, image], sample=True, seed=4, n_best=5)
    for result in first:
        probs = [h["log_prob"] for h in result["n_best"]]
        assert probs == sorted(probs, reverse=True) and len(probs) == 5
        assert all("<unk>" not in h["text"] for h in result["n_best"])
    assert len({h["text"] for r in first for h in r["n_best"]}) > 1  # an untrained model's samples differ
    with pytest.raises(SettingError, match="beam 2: sampling draws one token at a time"):
        cap.caption(image, sample=True, beam=2)
    capsys.readouterr()
    assert main(["caption", str(out), image, "--sample", "--seed", "4", "--n-best", "5"]) == 0
    lines = capsys.readouterr().out.splitlines()
    alone = cap.caption(image, sample=True, seed=4, n_best=5)  # the draws of one image, not of two in a batch
    assert [line.split("\t")[2] for line in lines] == [h["text"] for h in alone["n_best"]]
    assert main(["caption", str(out), image, "--top-k", "3"]) == 0
    assert "rnnkit: warning: --top-k is used only with --sample" in capsys.readouterr().err
    assert main(["caption", str(out), image, "--temperature", "1"]) == 0  # its default, given: quiet before
    assert "rnnkit: warning: --temperature is used only with --sample" in capsys.readouterr().err


def test_samples_encode_each_source_once(translator_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """N samples of a text read it once: the encoder's memory is repeated, not the source encoded N times (the
    captioner's CNN ran once a sample); the samples are those of the text encoded N times over."""
    tr = rnnkit.load(translator_dir)
    src, src_len = pad_batch(tr._encode_sources(["abc", "ab"]))
    max_len = torch.tensor([12, 12])
    calls = []
    encode = tr.model.encode
    monkeypatch.setattr(tr.model, "encode", lambda *a: calls.append(a[0].shape) or encode(*a))
    once = tr.model.samples(src, src_len, max_len, 4, Sampling(seed=3).chooser())
    assert calls == [src.shape]
    again = tr.model.greedy(src.repeat_interleave(4, 0), src_len.repeat_interleave(4, 0),
                            max_len.repeat_interleave(4, 0), choose=Sampling(seed=3).chooser())
    assert [sorted(h.tokens for h in hyps) for hyps in once] == [
        sorted(h.tokens for h in again[i:i + 4]) for i in (0, 4)]


def test_many_samples_or_a_wide_beam_decode_fewer_sources_at_once(translator_dir: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """64 sources of 10,000 samples each went through as one batch of 640,000 decoder rows; a batch now holds at most
    1,024 rows (or one source), and the translations are those of one source at a time."""
    tr = rnnkit.load(translator_dir)
    widths: list[int] = []
    samples = tr.model.samples
    monkeypatch.setattr(tr.model, "samples", lambda src, *rest, **kw: widths.append(len(src)) or samples(src, *rest,
                                                                                                        **kw))
    texts = ["abc", "ab", "abcc", "abc", "a", "bc"]
    tr.translate(texts, sample=True, n_best=300, seed=1)
    assert widths == [3, 3]  # 1,024 // 300 sources a batch
    widths.clear()
    tr.translate(texts, sample=True, n_best=2, seed=1)
    assert widths == [6]
    beams: list[int] = []
    search = tr.model.beam_search
    monkeypatch.setattr(tr.model, "beam_search", lambda src, *rest, **kw: beams.append(len(src)) or search(src, *rest,
                                                                                                           **kw))
    wide = tr.translate(texts, beam=600, n_best=1)
    assert beams == [1] * 6 and wide == [tr.translate(t, beam=600) for t in texts]
