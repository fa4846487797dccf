"""Translation: the encoder-decoder model, its decoders, the pairs reader, the dates corpus and the CLI."""

from __future__ import annotations

import datetime as dt
import inspect
import json
import math
import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest
import torch

import rnnkit
from rnnkit.cells import CELLS
from rnnkit.cli import main
from rnnkit.data.dates import FORMATS, date_pairs, render
from rnnkit.data.pairs import read_pairs, split_pairs
from rnnkit.data.utf8 import HINT
from rnnkit.errors import UserError
from rnnkit.models.seq2seq import ATTENTIONS, Seq2Seq, banned_ngram_tokens
from rnnkit.tasks.translate import Seq2SeqConfig, teacher_forcing_ratio
from tests.test_walk37_output_limit import uncut

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _model(attention: str = "none", cell: str = "lstm", **kw: object) -> Seq2Seq:
    torch.manual_seed(0)
    return Seq2Seq(20, 12, cell=cell, embedding=8, hidden=10, attention=attention, **kw).eval()  # type: ignore[arg-type]


def _batch() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(1)
    src = torch.randint(2, 20, (3, 7), generator=g)
    src_len = torch.tensor([7, 4, 2])
    src[1, 4:] = 0
    src[2, 2:] = 0
    tgt = torch.randint(2, 12, (3, 6), generator=g)
    tgt[:, 0] = 12  # BOS
    return src, src_len, tgt


def _stepwise(model: Seq2Seq, src: torch.Tensor, src_len: torch.Tensor, tgt: torch.Tensor) -> torch.Tensor:
    memory, state = model.encode(src, src_len)
    out = []
    for t in range(tgt.shape[1]):
        logits, state, _ = model.decoder_step(tgt[:, t], state, memory, t)
        out.append(logits)
    return torch.stack(out, 1)


@pytest.mark.parametrize("attention", ATTENTIONS)
def test_teacher_forcing_one_feeds_the_gold_token(attention: str) -> None:
    model = _model(attention, bidirectional=True, layers=2, decoder_layers=1)
    src, src_len, tgt = _batch()
    with torch.no_grad():
        torch.testing.assert_close(model(src, src_len, tgt, teacher_forcing=1.0), _stepwise(model, src, src_len, tgt))


def test_teacher_forcing_zero_feeds_the_models_own_argmax() -> None:
    model = _model("dot")
    src, src_len, tgt = _batch()
    with torch.no_grad():
        logits = model(src, src_len, tgt, teacher_forcing=0.0)
        fed = torch.cat([tgt[:, :1], logits[:, :-1].argmax(-1)], dim=1)
        torch.testing.assert_close(logits, _stepwise(model, src, src_len, fed))


@pytest.mark.parametrize("attention", ["none", "dot"])
@pytest.mark.parametrize("ratio", [0.2, 0.8])
def test_teacher_forcing_between_feeds_the_gold_token_at_that_rate(ratio: float, attention: str,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """``teacher_forcing=p`` feeds the gold previous token with chance p (Bengio et al. 2015's scheduled sampling),
    the model's own argmax otherwise: here the model always prefers token 5, which the gold targets never hold."""
    model = _model(attention)
    with torch.no_grad():
        model.output.bias[5] = 100.0
    src, src_len, _ = _batch()
    tgt = torch.randint(6, 12, (3, 60), generator=torch.Generator().manual_seed(2))
    tgt[:, 0] = model.bos_id
    fed: list[torch.Tensor] = []
    step = model.decoder_step
    monkeypatch.setattr(model, "decoder_step", lambda prev, *args: fed.append(prev) or step(prev, *args))
    with torch.no_grad():
        model(src, src_len, tgt, teacher_forcing=ratio, generator=torch.Generator().manual_seed(0))
    fed_after_bos = torch.stack(fed[1:], 1)
    assert set(fed_after_bos.unique().tolist()) == {5} | set(tgt[:, 1:].unique().tolist())
    gold = (fed_after_bos == tgt[:, 1:]).float().mean().item()
    assert abs(gold - ratio) < 0.1  # 177 draws


def test_luong_input_feeding_by_hand() -> None:
    """Luong et al. (2015) with dot attention, written out: the decoder reads [embedding; the previous step's
    attentional vector h~] (zeros at first), h~ = tanh(W_c [context; h_t]), context = softmax(h_t . memory) over the
    real source positions, logits = W_o h~."""
    model = _model("dot")
    src, src_len, tgt = _batch()
    with torch.no_grad():
        memory, (state, _) = model.encode(src, src_len)
        feed, want = torch.zeros(3, 10), []
        for t in range(tgt.shape[1]):
            h, state = model.decoder.step(torch.cat([model.tgt_embedding(tgt[:, t]), feed], -1), state, t)
            scores = (memory.outputs * h.unsqueeze(1)).sum(-1)
            scores[torch.arange(7).unsqueeze(0) >= src_len.unsqueeze(1)] = -math.inf
            context = (torch.softmax(scores, -1).unsqueeze(-1) * memory.outputs).sum(1)
            feed = torch.tanh(model.combine(torch.cat([context, h], -1)))
            want.append(model.output(feed))
        torch.testing.assert_close(model(src, src_len, tgt), torch.stack(want, 1))


def test_the_bridge_starts_an_lstm_decoder_from_the_encoders_h_and_c() -> None:
    """h0 = tanh(W_h h_enc + b), c0 = tanh(W_c c_enc + b), h_enc and c_enc each sequence's final state, here from
    torch.nn.LSTM with the encoder's weights over the packed source."""
    model = _model("none", cell="lstm")
    src, src_len, _ = _batch()
    torch_lstm = torch.nn.LSTM(8, 10, batch_first=True)
    torch_lstm.load_state_dict(model.encoder.state_dict())
    with torch.no_grad():
        packed = torch.nn.utils.rnn.pack_padded_sequence(model.src_embedding(src), src_len, batch_first=True,
                                                         enforce_sorted=False)
        _, (h_enc, c_enc) = torch_lstm(packed)
        _, ((h0, c0), _) = model.encode(src, src_len)
        torch.testing.assert_close(h0[0], torch.tanh(model.bridge_h(h_enc[0])))
        torch.testing.assert_close(c0[0], torch.tanh(model.bridge_c(c_enc[0])))


@pytest.mark.parametrize("cell", list(CELLS))
def test_one_step_decoder_equals_running_the_whole_prefix(cell: str) -> None:
    model = _model("none", cell=cell, layers=1, decoder_layers=2)
    src, src_len, tgt = _batch()
    with torch.no_grad():
        _, state = model.encode(src, src_len)
        whole, _ = model.decoder(model.tgt_embedding(tgt), state[0])
        torch.testing.assert_close(model.output(whole), _stepwise(model, src, src_len, tgt))


@pytest.mark.parametrize("attention", ATTENTIONS[1:])
def test_attention_weights_sum_to_one_and_are_zero_on_padding(attention: str) -> None:
    model = _model(attention, bidirectional=True)
    src, src_len, _ = _batch()
    hyps = model.greedy(src, src_len, torch.full((3,), 5), return_attention=True)
    with torch.no_grad():
        memory, state = model.encode(src, src_len)
        _, _, weights = model.decoder_step(torch.full((3,), model.bos_id), state, memory, 0)
    assert weights is not None
    for i, n in enumerate(src_len.tolist()):
        assert float(weights[i, :n].sum()) == pytest.approx(1.0, abs=1e-6)
        assert torch.all(weights[i, n:] == 0.0)
        assert all(len(row) == n and sum(row) == pytest.approx(1.0, abs=1e-5) for row in hyps[i].attention or [])


@pytest.mark.parametrize("attention", ["none", "general"])
def test_beam_of_one_equals_greedy(attention: str) -> None:
    model = _model(attention, cell="gru")
    src, src_len, _ = _batch()
    max_len = torch.tensor([6, 9, 4])
    greedy = model.greedy(src, src_len, max_len, no_repeat_ngram=2)
    beam = model.beam_search(src, src_len, max_len, beam=1, no_repeat_ngram=2)
    assert [h.tokens for h in greedy] == [b[0].tokens for b in beam]
    for g, b in zip(greedy, beam, strict=True):
        assert g.log_prob == pytest.approx(b[0].log_prob, abs=1e-4)
        assert len(g.tokens) <= 9


@pytest.mark.parametrize("attention, cell", [("general", "lstm"), ("none", "gru")])
def test_greedy_drops_finished_sources_from_the_batch_and_writes_what_each_writes_alone(
        attention: str, cell: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A source that had written EOS stayed in the batch, its rows computed at every step until the last
    source ended; now each step runs the sources still writing, and each writes what it writes alone."""
    model = _model(attention, cell=cell)
    src, src_len, _ = _batch()
    max_len = torch.tensor([1, 6, 3])
    alone = [model.greedy(src[i:i + 1], src_len[i:i + 1], max_len[i:i + 1], no_repeat_ngram=2,
                          return_attention=True)[0] for i in range(3)]
    sizes: list[int] = []
    step = model.decoder_step

    def counted(prev: torch.Tensor, *args: object) -> object:
        sizes.append(prev.shape[0])
        return step(prev, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(model, "decoder_step", counted)
    hyps = model.greedy(src, src_len, max_len, no_repeat_ngram=2, return_attention=True)
    assert [h.tokens for h in hyps] == [h.tokens for h in alone]
    for h, a in zip(hyps, alone, strict=True):
        assert h.log_prob == pytest.approx(a.log_prob, abs=1e-5)
        assert bool(h.attention) == (attention != "none")
        if h.attention and a.attention is not None:
            assert len(h.attention) == len(h.tokens) + 1
            assert all(x == pytest.approx(y, abs=1e-5) for x, y in zip(h.attention, a.attention, strict=True))
    # a source of n tokens runs n + 1 steps (the last writes EOS)
    assert sizes == [sum(len(h.tokens) >= t for h in hyps) for t in range(max(len(h.tokens) for h in hyps) + 1)]
    assert sizes[-1] < 3


def test_beam_search_n_best_is_ranked_and_respects_max_len() -> None:
    model = _model("bahdanau")
    src, src_len, _ = _batch()
    out = model.beam_search(src, src_len, torch.tensor([3, 3, 3]), beam=4, n_best=3, alpha=0.6)
    for hyps in out:
        assert len(hyps) == 3
        assert [h.score for h in hyps] == sorted((h.score for h in hyps), reverse=True)
        assert all(len(h.tokens) <= 3 for h in hyps)


def test_ngram_blocking() -> None:
    assert banned_ngram_tokens([5, 6, 7, 5], 2) == {6}
    assert banned_ngram_tokens([5, 6, 5, 6], 3) == {5}
    assert banned_ngram_tokens([3, 4], 1) == {3, 4}
    assert banned_ngram_tokens([3], 3) == set()
    model = _model("none")
    with torch.no_grad():  # a decoder that always prefers token 5 must still never repeat a bigram
        model.output.bias.zero_()
        model.output.bias[5] = 100.0
        model.output.bias[3] = 50.0
    src, src_len, _ = _batch()
    for hyp in model.greedy(src, src_len, torch.full((3,), 12), no_repeat_ngram=2):
        bigrams = list(zip(hyp.tokens, hyp.tokens[1:], strict=False))
        assert len(bigrams) == len(set(bigrams))
    plain = model.greedy(src, src_len, torch.full((3,), 6))
    assert plain[0].tokens == [5] * 6


@pytest.mark.parametrize(("content", "message"), [
    (b"a\tb\nno tab here\n", "pairs.tsv:2: expected one tab between source and target, found 0"),
    (b"a\tb\na\tb\tc\n", "pairs.tsv:2: expected one tab between source and target, found 2"),  # line 1 names a cut
    (b"\nthe source side only\nof parallel files\n", "pairs.tsv:2: expected one tab between source and target, "
     "found 0; rnnkit reads one file of 'source<TAB>target' lines: `paste SOURCE.txt TARGET.txt > pairs.tsv` "
     "joins two parallel files"),
    (b"\tb\n", "pairs.tsv:1: the source (before the tab) is empty; expected text on both sides: fill it or "
     "remove the line (from `paste`: the sources' file is blank there or a line short)"),
    (b"a\t \n", "pairs.tsv:1: the target (after the tab) is empty; expected text on both sides: fill it or "
     "remove the line (from `paste`: the targets' file is blank there or a line short)"),
    (b"a\tb\n\xff\xfe\tc\n", f"pairs.tsv:2: not UTF-8 (byte 0xff at column 1, byte offset 4); {HINT}"),
    (b"\n\n", "pairs.tsv: no pairs; expected lines of 'source<TAB>target'"),
])
def test_refused_pairs_lines(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "pairs.tsv"
    path.write_bytes(content)
    with pytest.raises(UserError) as info:
        read_pairs(path)
    assert str(info.value) == f"{path.parent}/{message}"


def test_pairs_read_and_split(tmp_path: Path) -> None:
    path = tmp_path / "p.tsv"
    path.write_text("\ufeffhello\thola\r\n\ncat\tgato\ndog\tperro\n", encoding="utf-8")
    pairs = read_pairs(path)
    assert pairs == [("hello", "hola"), ("cat", "gato"), ("dog", "perro")]
    train, val = split_pairs(pairs, 0.34, seed=3)
    assert len(val) == 1 and sorted(train + val) == sorted(pairs)
    assert split_pairs(pairs, 0.34, seed=3) == (train, val)


def test_dates_round_trip() -> None:
    pairs = date_pairs(300, seed=7)
    assert pairs == date_pairs(300, seed=7)
    for source, target in pairs:
        day = dt.date.fromisoformat(target)
        assert 1950 <= day.year <= 2049
        assert source in {render(day, f) for f in FORMATS} | {render(day, f).lower() for f in FORMATS}
    assert render(dt.date(1999, 3, 3), "{ord} of {month} {yyyy}") == "3rd of March 1999"
    assert render(dt.date(1999, 3, 3), "{weekday}, {d} {month} {yyyy}") == "Wednesday, 3 March 1999"
    assert render(dt.date(1999, 3, 3), "{month} {d}, {yy}") == "March 3, '99"


def test_data_dates_refuses_a_folder_and_leaves_no_temporary_file(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """--out DIR was 'DIR: Is a directory' and left DIR.tmp beside it; Ctrl-C while writing left FILE.tmp."""
    (tmp_path / "dir").mkdir()
    assert main(["data", "dates", "--out", str(tmp_path / "dir"), "--pairs", "5"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "dir: is a folder; expected the name of the pairs file" in err

    def interrupted(self: Path, target: Path) -> Path:
        raise KeyboardInterrupt

    monkeypatch.setattr(Path, "replace", interrupted)
    assert main(["data", "dates", "--out", str(tmp_path / "d.tsv"), "--pairs", "5"]) == 130
    assert [p.name for p in tmp_path.iterdir()] == ["dir"]


def test_data_dates_keeps_an_earlier_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--out FILE silently replaced an existing FILE, where shapes, digits, speech and scam refuse an --out that
    holds anything: the earlier pairs are kept, named, and an empty file (nothing to lose) is written."""
    out = tmp_path / "d.tsv"
    out.write_text("keep\tme\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["data", "dates", "--out", str(out), "--pairs", "5"]) == 2
    captured = capsys.readouterr()
    assert captured.err == f"rnnkit: error: {out}: exists and is not empty; choose a new --out\n" and not captured.out
    assert out.read_text(encoding="utf-8") == "keep\tme\n" and [p.name for p in tmp_path.iterdir()] == ["d.tsv"]
    out.write_bytes(b"")
    assert main(["data", "dates", "--out", str(out), "--pairs", "5"]) == 0
    assert len(read_pairs(out)) == 5


def test_teacher_forcing_schedule_and_settings() -> None:
    config = Seq2SeqConfig(teacher_forcing=1.0, teacher_forcing_floor=0.2)
    assert teacher_forcing_ratio(config, 0.0) == 1.0
    assert teacher_forcing_ratio(config, 0.5) == pytest.approx(0.6)
    assert teacher_forcing_ratio(config, 2.0) == pytest.approx(0.2)
    assert teacher_forcing_ratio(Seq2SeqConfig(teacher_forcing=0.7), 0.9) == 0.7
    with pytest.raises(UserError, match="teacher_forcing_floor"):
        Seq2SeqConfig(teacher_forcing=0.5, teacher_forcing_floor=0.8).validate()
    with pytest.raises(UserError, match="attention"):
        Seq2SeqConfig(attention="luong").validate()


def dates_run(tmp: Path, pairs: int, seed: int, *flags: str) -> tuple[Path, Path]:
    """A tiny date translator trained in ``tmp`` on ``pairs`` pairs of ``rnnkit data dates --seed seed``, with
    ``flags`` beside the small sizes: (its data, its run)."""
    data = tmp / "dates.tsv"
    assert main(["data", "dates", "--out", str(data), "--pairs", str(pairs), "--seed", str(seed)]) == 0
    out = tmp / "run"
    assert main(["train", "seq2seq", "--data", str(data), "--out", str(out), "--hidden", "16", "--embedding", "8",
                 "--batch-size", "8", "--attention", "general", "--no-progress", "--save-minutes", "0", *flags]) == 0
    return data, out


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return dates_run(tmp_path_factory.mktemp("s2s"), 80, 1, "--steps", "6", "--eval-every", "3",
                     "--teacher-forcing-floor", "0.5", "--eval-sentences", "4", "--label-smoothing", "0.1")


@pytest.mark.parametrize("smoothing", [0.0, 0.2])
def test_label_smoothing_spreads_that_share_of_each_target_over_the_vocabulary(smoothing: float) -> None:
    """Label smoothing (Szegedy et al. 2016; OpenNMT-py's -label_smoothing), written out: each real target costs
    (1 - e) times its negative log-probability plus e times the mean of them over the vocabulary; padding costs
    nothing, and the items are the real targets."""
    from rnnkit.tasks.translate import _loss_fn

    model = _model()
    src, src_len, tgt = _batch()
    tgt_out = torch.randint(2, 12, (3, 6), generator=torch.Generator().manual_seed(5))
    tgt_out[1, 4:] = 0
    batch = {"src": src, "src_len": src_len, "tgt_in": tgt, "tgt_out": tgt_out}
    loss, items, _ = _loss_fn(Seq2SeqConfig(label_smoothing=smoothing))(model, batch, None, progress=0.0)
    logp = torch.log_softmax(model(src, src_len, tgt, teacher_forcing=1.0), -1)
    real = tgt_out != 0
    gold = -logp.gather(-1, tgt_out.unsqueeze(-1)).squeeze(-1)
    expected = ((1 - smoothing) * gold + smoothing * -logp.mean(-1))[real].sum()
    assert items == int(real.sum()) == 16
    torch.testing.assert_close(loss, expected)


def test_the_label_smoothing_of_a_run_is_its_setting(trained: tuple[Path, Path]) -> None:
    assert json.loads((trained[1] / "best" / "config.json").read_text())["settings"]["label_smoothing"] == 0.1
    with pytest.raises(UserError, match="label_smoothing 1.0: expected a number from 0 to below 1"):
        Seq2SeqConfig(label_smoothing=1.0).validate()


@pytest.mark.parametrize("given, said", [("folder", "folder: is a folder"), (".", ".: is a folder"),
                                         ("", "'': an empty name")])
def test_attention_png_that_is_a_folder_is_refused_naming_the_flag(
        trained: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch, given: str, said: str) -> None:
    """--attention-png FOLDER said only 'folder: Is a directory' after translating, '.' was a traceback
    (PosixPath('.') has an empty name) and '' drew nothing without a word."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "folder").mkdir()
    capsys.readouterr()
    assert main(["translate", str(trained[1]), "1999.3.3", "--attention-png", given]) == 2
    captured = capsys.readouterr()
    assert captured.err == f"rnnkit: error: --attention-png {said}; expected the name of a PNG file to write\n"
    assert captured.out == "" and [p.name for p in tmp_path.iterdir()] == ["folder"]
    # --output FOLDER, as --attention-png: it said 'folder: Is a directory', naming no flag, after translating;
    # --output '' (an unset shell variable) printed to standard output
    assert main(["translate", str(trained[1]), "1999.3.3", "--output", given]) == 2
    captured = capsys.readouterr()
    assert captured.err == f"rnnkit: error: --output {said}; expected the name of a file to write\n"


@pytest.mark.parametrize("flag", ["--output", "--attention-png"])
def test_translate_outputs_onto_the_file_it_reads_are_refused(trained: tuple[Path, Path], tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str], flag: str) -> None:
    """`translate DIR --file X --output X` (or --attention-png X) replaced the sources with what was made of
    them; a symbolic or a hard link to X too. Refused before anything is translated."""
    sources = tmp_path / "sources.txt"
    sources.write_text("1999.3.3\n3rd of March 1999\n", encoding="utf-8")
    (tmp_path / "link.txt").symlink_to(sources)
    os.link(sources, tmp_path / "hard.txt")
    capsys.readouterr()
    for given in (sources, tmp_path / "link.txt", tmp_path / "hard.txt"):
        assert main(["translate", str(trained[1]), "--file", str(sources), flag, str(given)]) == 2
        captured = capsys.readouterr()
        assert captured.err == f"rnnkit: error: {flag} {given}: is the --file being read; write to another file\n"
        assert captured.out == ""
    assert sources.read_text(encoding="utf-8") == "1999.3.3\n3rd of March 1999\n"
    vocab = trained[1] / "best" / "vocab.json"  # the translator's own: it no longer loaded
    kept = vocab.read_bytes()
    assert main(["translate", str(trained[1]), "1999.3.3", flag, str(vocab)]) == 2
    assert capsys.readouterr().err == (f"rnnkit: error: {flag} {vocab}: is the model's vocab.json being read; write "
                                       "to another file\n")
    assert vocab.read_bytes() == kept


def test_info_shows_both_vocabularies(trained: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    out = trained[1]
    translator = rnnkit.load(out)
    sizes = {"source": translator.source.vocab_size, "target": translator.target.vocab_size}
    capsys.readouterr()
    assert main(["info", str(out), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["vocab_size"] == sizes
    assert main(["info", str(out)]) == 0
    assert f"vocabulary       source {sizes['source']:,}, target {sizes['target']:,}" in capsys.readouterr().out


def test_cli_end_to_end(trained: tuple[Path, Path], capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    data, out = trained
    config = json.loads((out / "best" / "config.json").read_text())
    vocab = json.loads((out / "best" / "vocab.json").read_text())
    assert config["task"] == "seq2seq" and set(vocab) == {"source", "target"}
    capsys.readouterr()
    png = tmp_path / "att.png"
    assert main(["translate", str(out), "3rd of March 1999", "1999.3.3", "--beam", "2", "--attention-png",
                 str(png)]) == 0
    lines = capsys.readouterr().out.splitlines()
    translator = rnnkit.load(out)
    assert lines == translator.translate(["3rd of March 1999", "1999.3.3"], beam=2)
    assert png.stat().st_size > 1000
    assert main(["evaluate", str(out), "--data", str(data), "--json"]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert set(result) >= {"bleu", "chrf", "exact_match"}
    assert result == translator.evaluate(data)


def test_translate_takes_threads_as_every_verb_of_a_trained_model_does(trained: tuple[Path, Path],
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """--threads was refused by translate (sample, score, predict and evaluate of text models had it)."""
    _, out = trained
    given: list[int] = []
    monkeypatch.setattr(torch, "set_num_threads", given.append)
    assert main(["translate", str(out), "1999.3.3", "--threads", "2"]) == 0
    assert main(["translate", "--threads", "1", str(out), "1999.3.3"]) == 0
    assert given == [2, 1]


def test_translate_json_n_best_and_unknown_tokens(trained: tuple[Path, Path],
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    _, out = trained
    capsys.readouterr()
    assert main(["translate", str(out), "zq§ 1999", "--beam", "3", "--n-best", "2", "--json"]) == 0
    captured = capsys.readouterr()
    record = json.loads(captured.out)
    assert len(record["n_best"]) == 2 and record["translation"] == record["n_best"][0]["text"]
    assert "unknown to the model, read as <unk>" in captured.err and "'§'" in captured.err
    assert main(["translate", str(out), "1999", "--n-best", "3"]) == 2  # the beam is 1 unless --beam says more
    assert "--n-best 3: expected at most the beam's width (1): give a beam of at least 3" in capsys.readouterr().err
    result = rnnkit.load(out).translate("1999.3.3", return_attention=True)
    assert len(result["attention"]) == len(result["target_tokens"])
    with pytest.raises(TypeError, match="^translate: return_attention takes True or False, not 'no'$"):
        rnnkit.load(out).translate("1999.3.3", return_attention="no")  # it returned the attention
    assert all(len(row) == len(result["source_tokens"]) for row in result["attention"])


def test_translate_n_best_lines_name_their_source(trained: tuple[Path, Path], tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """--n-best wrote ``RANK<TAB>SCORE<TAB>TEXT``: with two sources both began 0, 1, 2, and no line said which
    source it answered. The first column is now the source's 0-based index (fairseq's H-N), rank the order."""
    _, out = trained
    capsys.readouterr()
    assert main(["translate", str(out), "1999.3.3", "March 4, 2001", "--beam", "4", "--n-best", "3"]) == 0
    rows = [line.split("\t") for line in capsys.readouterr().out.splitlines()]
    assert [r[0] for r in rows] == ["0", "0", "0", "1", "1", "1"] and all(len(r) == 3 for r in rows)
    found = rnnkit.load(out).translate(["1999.3.3", "March 4, 2001"], beam=4, n_best=3)
    assert [r[2] for r in rows] == [h["text"] for f in found for h in f["n_best"]]
    assert [float(r[1]) for r in rows] == [round(h["score"], 4) for f in found for h in f["n_best"]]
    sources = tmp_path / "sources.txt"
    sources.write_text("1999.3.3\n\nMarch 4, 2001\n", encoding="utf-8")  # a blank line: index 1, one line
    assert main(["translate", str(out), "--file", str(sources), "--beam", "2", "--n-best", "2"]) == 0
    assert [line.split("\t")[0] for line in capsys.readouterr().out.splitlines()] == ["0", "0", "1", "2", "2"]


def test_translate_keeps_the_attention_only_for_a_picture(trained: tuple[Path, Path], tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    """`rnnkit translate` always asked the decoder for its attention, a list of Python floats per source token
    for each output token, to draw only with --attention-png: a line of 20,000 characters took more than 8 GB.
    The warning about unknown tokens still points at the line that called translate()."""
    _, out = trained
    asked: list[bool] = []

    def recording(decode: Callable[..., object]) -> Callable[..., object]:
        def record(*args: object, **kw: object) -> object:
            asked.append(bool(inspect.signature(decode).bind(*args, **kw).arguments.get("return_attention")))
            return decode(*args, **kw)

        return record

    for name in ("greedy", "beam_search"):
        monkeypatch.setattr(Seq2Seq, name, recording(getattr(Seq2Seq, name)))
    png = tmp_path / "att.png"
    for beam in ("1", "2"):
        assert main(["translate", str(out), "1999.3.3", "--beam", beam, "--json"]) == 0
        assert main(["translate", str(out), "1999.3.3", "--beam", beam, "--attention-png", str(png)]) == 0
    assert asked == [False, True, False, True] and png.stat().st_size > 1000
    assert len(json.loads(capsys.readouterr().out.splitlines()[0])["n_best"]) == 1
    with pytest.warns(UserWarning, match="source tokens? unknown to the model") as caught:
        rnnkit.load(out).translate("§ 1999")
    assert caught[0].filename == __file__


def test_a_text_argument_that_is_not_utf8_is_refused_in_one_line(trained: tuple[Path, Path], tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """Bytes that are not UTF-8 on the command line reach Python as lone surrogates: `--output` (and standard
    output where its encoding is strict) ended in a UnicodeEncodeError's traceback."""
    _, out = trained
    capsys.readouterr()
    given = tmp_path / "t.jsonl"
    assert main(["translate", str(out), "1999", os.fsdecode(b"caf\xe9 1999"), "--json", "--output", str(given)]) == 2
    assert capsys.readouterr().err == ("rnnkit: error: TEXT 'caf\\xe9 1999': not UTF-8 (byte 0xe9 at column 4); give "
                                       "the text in UTF-8 (is the terminal set to another encoding?)\n")
    assert not given.exists()


def test_sources_are_decoded_in_batches_of_similar_lengths_and_answered_in_order(
        trained: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches of 64 were cut in the order given: one long line of a file padded the 63 beside it, which the
    decoder ran on, finished, for as many steps as the long one took (2.3 times as long for 200 short lines
    and one of 2,000 characters)."""
    _, out = trained
    translator = rnnkit.load(out)
    texts = ["1999.3.3", "3rd of March 1999", "1" * (64 * translator.max_len), "3.3.99", "March 3, '99"]
    alone = [translator.translate(t, max_len_a=0, max_len_b=5) for t in texts]
    shapes: list[tuple[int, ...]] = []
    greedy = Seq2Seq.greedy

    def record(model: Seq2Seq, src: torch.Tensor, *args: object) -> object:
        shapes.append(tuple(src.shape))
        return greedy(model, src, *args)

    monkeypatch.setattr(Seq2Seq, "greedy", record)
    assert translator.translate(texts, max_len_a=0, max_len_b=5) == alone
    assert shapes == [(4, len("3rd of March 1999")), (1, len(texts[2]))]


def test_resume_continues(trained: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    _, out = trained
    state = json.loads((out / "last" / "trainer_state.json").read_text())
    assert state["step"] == 6
    assert main(["train", "seq2seq", "--resume", str(out), "--steps", "8", "--no-progress", "--json"]) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["steps"] == 8
    assert json.loads((out / "last" / "trainer_state.json").read_text())["step"] == 8


def test_a_resumed_run_finds_its_pairs_from_another_directory(
        resumed_from_another_directory: Callable[..., None]) -> None:
    def dates() -> None:
        assert main(["data", "dates", "--out", "dates.tsv", "--pairs", "40", "--seed", "1"]) == 0

    resumed_from_another_directory("seq2seq", dates, ["--data", "dates.tsv", "--hidden", "8", "--embedding", "8",
                                                      "--batch-size", "8", "--eval-sentences", "2"])


def test_word_tokenizers_from_python(tmp_path: Path) -> None:
    from rnnkit.tasks.translate import Translator, train

    data = tmp_path / "w.tsv"
    data.write_text("the cat sleeps .\tel gato duerme .\nthe dog eats .\tel perro come .\n"
                    "the cat eats .\tel gato come .\nthe dog sleeps .\tel perro duerme .\n", encoding="utf-8")
    config = Seq2SeqConfig(steps=3, hidden=8, embedding=8, tokenizer="word", tgt_tokenizer="char", cell="gru",
                           bidirectional=True, layers=2, decoder_layers=1, attention="dot", eval_sentences=2)
    result = train(config, str(data), tmp_path / "run", val_data=str(data), progress=False, verbose=False)
    assert result.steps == 3
    tr = rnnkit.load(tmp_path / "run")
    assert isinstance(tr, Translator)
    assert tr.source.kind == "word" and tr.target.kind == "char"
    assert isinstance(tr.translate("the cat sleeps ."), str)


@pytest.mark.slow
def test_learns_dates(tmp_path: Path) -> None:
    from rnnkit.data.pairs import write_pairs
    from rnnkit.tasks.translate import train

    data = write_pairs(date_pairs(2000, seed=0), tmp_path / "dates.tsv")
    config = Seq2SeqConfig(steps=600, hidden=64, embedding=32, lr=5e-3, attention="bahdanau", eval_every=600,
                           eval_sentences=20, save_minutes=None)
    train(config, str(data), tmp_path / "run", progress=False, verbose=False)
    test = write_pairs(date_pairs(100, seed=99), tmp_path / "test.tsv")
    result = rnnkit.load(tmp_path / "run").evaluate(test, beam=3)
    assert result["exact_match"] >= 0.8


def test_bpe_targets_decode_to_the_exact_text() -> None:
    from rnnkit.data.tokenize import build_tokenizer, decode_ids, tokenizer_from_json

    texts = ["En el principio creó Dios los cielos y la tierra.", "¿Dónde está Abel, tu hermano?"] * 40
    tok = build_tokenizer("bpe", texts, vocab_size=120, reversible=True)
    again = tokenizer_from_json(tok.to_json())  # as a saved model reads it back
    for text in texts[:2]:
        assert decode_ids(again, tok.encode(text)) == text


def test_decoding_settings_are_checked_and_the_output_is_capped(trained: tuple[Path, Path], tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    """A limit of 1e12 tokens once ran for an hour on a model that never writes </s>; NaN or negative
    limits gave one token and NaN scores made --json invalid."""
    from rnnkit.tasks.translate import OUTPUT_CAP

    _, out = trained
    translator = rnnkit.load(out)
    for flags, message in [(["--max-len-a", "nan"], "--max-len-a nan: expected a finite number >= 0"),
                           (["--max-len-a", "-1"], "--max-len-a -1.0: expected a finite number >= 0"),
                           (["--max-len-b", "-3"], "--max-len-b -3: expected an integer >= 0"),
                           (["--alpha", "nan", "--beam", "2"], "--alpha nan: expected a finite number"),
                           (["--no-repeat-ngram", "-1"], "--no-repeat-ngram -1: expected an integer >= 0"),
                           (["--max-len-a", "0", "--max-len-b", "0"], "--max-len-a 0.0: with max_len_b 0 too, the "
                            "output limit (a × source tokens + b) would be 0 tokens")]:
        capsys.readouterr()
        assert main(["translate", str(out), "1999.3.3", *flags]) == 2
        assert message in capsys.readouterr().err
    result = translator.translate("1999.3.3", max_len_a=1e12, max_len_b=0, return_attention=True)
    assert len(result["target_tokens"]) <= OUTPUT_CAP * translator.max_len + 1  # + </s>
    (tmp_path / "bom.txt").write_bytes(b"\xef\xbb\xbf1999.3.3\r\n3rd of March 1999\n")
    capsys.readouterr()
    assert main(["translate", str(out), "--file", str(tmp_path / "bom.txt")]) == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines() == translator.translate(["1999.3.3", "3rd of March 1999"])
    assert "unknown" not in captured.err  # the BOM is not read as a source token


def _all_hypotheses(model: Seq2Seq, src: torch.Tensor, src_len: torch.Tensor, max_len: int) -> list[tuple]:
    """Every output of at most ``max_len`` tokens of the first source with its log-probability, EOS forced
    at ``max_len`` as the decoders force it: brute force."""
    memory, state = model.encode(src[:1], src_len[:1])
    out, words = [], [i for i in range(model.eos_id + 1) if i not in (0, model.bos_id)]

    def walk(prefix: list[int], state: object, prev: int, logp: float) -> None:
        logits, nxt, _ = model.decoder_step(torch.tensor([prev]), state, memory, len(prefix))
        step = torch.log_softmax(logits.float(), -1)[0]
        for w in ([model.eos_id] if len(prefix) == max_len else words):
            lp = logp + (float(step[w]) if len(prefix) < max_len else 0.0)
            if w == model.eos_id:
                out.append((prefix, lp))
            else:
                walk([*prefix, w], nxt, w, lp)
    with torch.no_grad():
        walk([], state, model.bos_id, 0.0)
    return sorted(out, key=lambda h: -h[1])


@pytest.mark.parametrize(("tgt_vocab", "max_len", "beam"), [(3, 1, 30), (3, 2, 64), (4, 1, 7), (2, 3, 40)])
def test_a_beam_wider_than_the_outputs_ends_and_finds_them_all(tgt_vocab: int, max_len: int, beam: int) -> None:
    torch.manual_seed(3)
    model = Seq2Seq(20, tgt_vocab, cell="gru", embedding=8, hidden=10, attention="bahdanau").eval()
    src, src_len, _ = _batch()
    brute = _all_hypotheses(model, src, src_len, max_len)
    assert len(brute) < beam  # more rows than outputs: the rest of the beam is filler of score -inf
    hyps = model.beam_search(src, src_len, torch.full((3,), max_len), beam=beam, n_best=beam, alpha=0.0)[0]
    assert [h.tokens for h in hyps] == [p for p, _ in brute]
    assert [h.log_prob for h in hyps] == pytest.approx([lp for _, lp in brute], abs=1e-5)


@pytest.mark.parametrize("alpha", [0.6, 2.0])
def test_the_n_best_list_is_ranked_by_the_gnmt_length_penalty(alpha: float) -> None:
    """Every output found (a beam wider than them all), ranked by log P / ((5 + |Y|) / 6) ** alpha with EOS
    counted in |Y| (Wu et al. 2016): brute force's ranking, which differs from the raw log-probability's."""
    torch.manual_seed(3)
    model = Seq2Seq(20, 3, cell="gru", embedding=8, hidden=10, attention="bahdanau").eval()
    src, src_len, _ = _batch()
    brute = [(p, lp, lp / ((5 + len(p) + 1) / 6) ** alpha) for p, lp in _all_hypotheses(model, src, src_len, 2)]
    brute.sort(key=lambda h: -h[2])
    assert [p for p, _, _ in brute] != [p for p, _ in _all_hypotheses(model, src, src_len, 2)]  # the penalty counts
    hyps = model.beam_search(src, src_len, torch.full((3,), 2), beam=64, n_best=len(brute), alpha=alpha)[0]
    assert [h.tokens for h in hyps] == [p for p, _, _ in brute]
    assert [h.score for h in hyps] == pytest.approx([s for _, _, s in brute], abs=1e-5)
    assert [h.log_prob for h in hyps] == pytest.approx([lp for _, lp, _ in brute], abs=1e-5)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"beam": 2.5}, "^beam 2.5: expected an integer from 1 to 10000$"), ({"beam": True}, "^beam True"),
    ({"beam": 2, "n_best": 3}, r"^n_best 3: expected at most the beam's width \(2\): give a beam of at least 3$"),
    ({"n_best": 0}, "^n_best 0: expected an integer from 1 to 1$"),
    ({"max_len_b": 1.5}, "^max_len_b 1.5"), ({"no_repeat_ngram": -1}, "^no_repeat_ngram -1"),
    ({"max_len_a": -1}, "^max_len_a -1: expected a finite number >= 0$"), ({"max_len_a": "2"}, "^max_len_a '2'"),
    ({"alpha": float("nan")}, "^alpha nan: expected a finite number$"), ({"alpha": "1", "beam": 2}, "^alpha '1'"),
    # in Python this was told of the flags: "--max-len-a 0 --max-len-b 0: ..."
    ({"max_len_a": 0, "max_len_b": 0}, r"^max_len_a 0.0: with max_len_b 0 too, the output limit")])
def test_translate_refuses_decoding_arguments_of_the_wrong_kind(trained: tuple[Path, Path], kwargs: dict,
                                                                message: str) -> None:
    """A float beam reached repeat_interleave as a torch traceback; max_len_a and alpha were named by their
    command-line flags (``--max-len-a``) in Python, and a string for them was a bare 'must be real number'."""
    with pytest.raises(UserError, match=message):
        rnnkit.load(trained[1]).translate("March 3, 1999", **kwargs)


def test_translate_and_evaluate_refuse_nothing_to_do(trained: tuple[Path, Path]) -> None:
    """An empty text was translated as a phantom <unk>; evaluate([]) failed inside sacrebleu."""
    import numpy as np

    m = rnnkit.load(trained[1])
    with pytest.raises(UserError, match="^an empty text ''; give the text to translate$"):
        m.translate("")
    with pytest.raises(UserError, match=r"^texts\[1\] is empty; give the text to translate$"):
        m.translate(["March 3, 1999", "  "])
    with pytest.raises(TypeError, match="not a list holding NoneType"):
        m.translate([None])
    assert m.translate("March 3, 1999", beam=np.int64(2), max_len_b=np.int64(5)) == m.translate(
        "March 3, 1999", beam=2, max_len_b=5)
    with pytest.raises(UserError, match="no pairs to evaluate"):
        m.evaluate([])
    # a list of sources alone was "ValueError: too many values to unpack" from inside evaluate
    for bad, shown in ((["March 3, 1999"], "'March 3, 1999'"), ([("March 3, 1999", None)], "None")):
        with pytest.raises(TypeError, match=f"list of \\(source, target\\) pairs of texts; item 0 is .*{shown}"):
            m.evaluate(bad)
    assert m.evaluate([["March 3, 1999", "1999-03-03"]])["pairs"] == 1


def test_an_empty_text_is_named_by_its_place_and_the_command_line_keeps_its_words(
        trained: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    """``translate(["a", " "])`` said "an empty text ' '" with no place, where the classifier names it
    (``texts[1] is empty``); ``evaluate`` of a list of pairs with a blank source said that too (of texts it was not
    given), and one with a blank reference was scored against nothing, where a pairs file's line is refused."""
    m = rnnkit.load(trained[1])
    for pairs, side in (([("March 3, 1999", "1999-03-03"), (" ", "1999-03-03")], "source"),
                        ([("March 3, 1999", "")], "target")):
        with pytest.raises(UserError, match=f"^pairs\\[{len(pairs) - 1}\\]: the {side} is empty; every pair needs"):
            m.evaluate(pairs)
    capsys.readouterr()
    assert main(["translate", str(trained[1]), "March 3, 1999", " "]) == 2
    captured = capsys.readouterr()
    assert captured.err == "rnnkit: error: TEXT argument 2 of 2 is empty; give the text to translate\n" \
        and not captured.out   # it said "an empty text ' '", not which


def test_translate_and_evaluate_name_what_they_take_for_a_path_or_a_number(trained: tuple[Path, Path]) -> None:
    """translate(Path(...)) and translate(5) were "'PosixPath' object is not iterable" from inside translate,
    evaluate(5) "'int' object is not iterable"."""
    m = rnnkit.load(trained[1])
    for bad, shown in ((trained[0], type(trained[0]).__name__), (5, "int")):
        with pytest.raises(TypeError, match=f"^translate takes a text or a list of texts, not {shown}$"):
            m.translate(bad)
    with pytest.raises(TypeError, match="^evaluate takes a pairs file or a list of .* pairs of texts, not int$"):
        m.evaluate(5)
    # a set was translated in its own order, which changes from run to run: no result could be told to be whose
    with pytest.raises(TypeError, match="^translate takes a text or a list of texts, not a set: the results come in "
                                        "the order given, and a set has none; give a list"):
        m.translate({"March 3, 1999", "May 5, 2001"})


def test_evaluate_reports_a_numpy_beam_as_an_int(trained: tuple[Path, Path]) -> None:
    """``evaluate(..., beam=np.int64(2))`` returned ``"beam": np.int64(2)``, which json.dumps refuses."""
    import numpy as np

    report = rnnkit.load(trained[1]).evaluate([("March 3, 1999", "1999-03-03")], beam=np.int64(2))
    assert type(report["beam"]) is int and json.loads(json.dumps(report))["beam"] == 2


def test_huge_length_limits_cap_the_output_instead_of_overflowing(trained: tuple[Path, Path]) -> None:
    """a * length + b past 2**63 wrapped to a negative limit, which clamp(min=1) made one token."""
    from rnnkit.tasks._translate_decoding import _max_lengths
    from rnnkit.tasks.translate import OUTPUT_CAP

    assert _max_lengths(torch.tensor([3, 5]), 1e18, 0, 40).tolist() == [40, 40]
    assert _max_lengths(torch.tensor([3]), 0.0, 2**63 - 1, 40).tolist() == [40]
    assert _max_lengths(torch.tensor([3]), 1.5, 1, 40).tolist() == [5]
    translator = rnnkit.load(trained[1])
    capped = translator.translate("1999.3.3", max_len_a=1e12, max_len_b=0, return_attention=True)
    for a, b in [(1e18, 0), (0.0, 2**63 - 1)]:
        result = translator.translate("1999.3.3", max_len_a=a, max_len_b=b, return_attention=True)
        assert result["target_tokens"] == capped["target_tokens"]
        assert len(result["target_tokens"]) <= OUTPUT_CAP * translator.max_len + 1


def test_a_source_longer_than_max_len_is_translated_whole(trained: tuple[Path, Path]) -> None:
    """The recurrent encoder reads any length: a source past the --max-len of the training pairs was cut
    there without a word; the output limit grows with the source too."""
    from rnnkit.tasks._translate_decoding import _max_lengths
    from rnnkit.tasks.translate import OUTPUT_CAP

    translator = rnnkit.load(trained[1])
    long = " ".join(["3rd of March 1999"] * 8)                 # 143 characters, max_len is 100
    assert len(long) > translator.max_len
    result = translator.translate(long, return_attention=True)
    assert result["source_tokens"] == list(long)
    assert all(len(row) == len(long) and sum(row[translator.max_len:]) > 0 for row in result["attention"])
    assert translator.evaluate([(long, result["translation"])])["exact_match"] == 1.0   # evaluate reads it whole too
    src_len = torch.tensor([3, 500])
    assert _max_lengths(src_len, 1e12, 0, OUTPUT_CAP * src_len.clamp(min=100)).tolist() == [400, 2000]


def test_blank_lines_of_a_file_give_blank_lines_and_an_empty_source_is_named(
        trained: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out = trained
    translator = rnnkit.load(out)
    (tmp_path / "src.txt").write_text("1999.3.3\n\n  \n3rd of March 1999\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["translate", str(out), "--file", str(tmp_path / "src.txt")]) == 0
    first, second = translator.translate(["1999.3.3", "3rd of March 1999"])
    assert capsys.readouterr().out.split("\n") == [first, "", "", second, ""]
    assert main(["translate", str(out), "--file", str(tmp_path / "src.txt"), "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["translation"] for r in rows] == [first, "", "", second]
    (tmp_path / "pairs.tsv").write_text("1999.3.3\tx\n\tonly a target\n", encoding="utf-8")
    assert main(["translate", str(out), "--file", str(tmp_path / "pairs.tsv")]) == 2
    assert "pairs.tsv:2: the source text (before the tab) is empty" in capsys.readouterr().err


@pytest.mark.parametrize("end", ["\r", "\r\n"], ids=["CR", "CRLF"])
def test_a_file_whose_lines_end_in_carriage_returns_is_read_line_by_line(
        trained: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str], end: str) -> None:
    """Lines ended by a lone CR (old Mac files, Excel for Mac's text exports) were one line: translate --file
    answered the first source alone, and a pairs file was 'expected one tab, found 2' on its line 1."""
    data, out = trained
    pairs = read_pairs(data)[:3]
    (tmp_path / "p.tsv").write_bytes("".join(f"{s}\t{t}{end}" for s, t in pairs).encode())
    assert read_pairs(tmp_path / "p.tsv") == pairs
    capsys.readouterr()
    assert main(["translate", str(out), "--file", str(tmp_path / "p.tsv")]) == 0
    assert capsys.readouterr().out.splitlines() == rnnkit.load(out).translate([s for s, _ in pairs])


def test_written_form_is_what_a_model_writing_through_the_tokenizer_writes() -> None:
    """A word tokenizer writes well-known as 'well - known': a model that writes a reference word for word
    is an exact match, and references are NFC as every tokenizer reads them."""
    from rnnkit.data.tokenize import CharVocab, WordTokenizer, decode_ids, written_form

    words = WordTokenizer.train(["well-known e-mail", 'he said "yes"', "3.5 km"])
    for text in ["well-known e-mail", 'he said "yes"', "3.5 km"]:
        assert decode_ids(words, words.encode(text)) == written_form(words, text)
    chars = CharVocab.train(["cafe\u0301"])  # the padded layout a translator uses: NFC
    assert written_form(chars, "cafe\u0301") == "caf\u00e9" == decode_ids(chars, chars.encode("cafe\u0301"))


def test_the_repr_of_a_loaded_model_names_its_directory_and_size(trained: tuple[Path, Path]) -> None:
    """It was ``<rnnkit.tasks...Translator object at 0x7f...>``, which said nothing of which model it was."""
    m = rnnkit.load(trained[1])
    want = rf"Translator\('{re.escape(str(m.checkpoint.path))}', parameters=\d+, source_vocab=\d+, target_vocab=\d+\)"
    assert re.fullmatch(want, repr(m)), repr(m)


def test_translate_output_makes_its_folder_and_refuses_a_device(trained: tuple[Path, Path], tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    """--output in a folder not yet made was an error (--out and --onnx make theirs); /dev/full, a traceback."""
    _, out = trained
    target = tmp_path / "new" / "t.txt"
    assert main(["translate", str(out), "1999.3.3", "--output", str(target)]) == 0
    assert len(target.read_text(encoding="utf-8").splitlines()) == 1
    capsys.readouterr()
    assert main(["translate", str(out), "1999.3.3", "--output", "/dev/full"]) == 2
    assert uncut(capsys.readouterr().err) == ("rnnkit: error: /dev/full: not a regular file (a device or a pipe); "
                                       "expected the name of a file to write\n")


def test_with_val_data_every_pair_of_data_trains(tmp_path: Path) -> None:
    """A tenth of --data was still held out, and then dropped, when --val-data gave the validation pairs."""
    from rnnkit.tasks.translate import translation_data

    data, val = tmp_path / "train.tsv", tmp_path / "val.tsv"
    data.write_text("".join(f"source {i}\ttarget {i}\n" for i in range(40)), encoding="utf-8")
    val.write_text("one\tuno\ntwo\tdos\n", encoding="utf-8")
    train_pairs, val_pairs = translation_data(str(data), str(val), Seq2SeqConfig())
    assert (len(train_pairs), len(val_pairs)) == (40, 2)
    train_pairs, val_pairs = translation_data(str(data), None, Seq2SeqConfig())
    assert (len(train_pairs), len(val_pairs)) == (36, 4)  # without it, the seeded tenth


def test_a_run_resumed_on_pairs_its_vocabularies_do_not_know_is_warned_or_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A word-level translator resumed with --data of another language pair trained on <unk> without a word;
    the rule is relative to the unknowns its vocabularies have on the pairs they were built from."""
    words = "the cat dog house red blue green big small runs eats sleeps".split()

    def pairs(name: str, src: str, tgt: str, rows: range) -> Path:
        path = tmp_path / name
        path.write_text("".join(f"{src}{words[i % 12]} {src}{words[i * 5 % 12]}\t{tgt}{words[i % 12]} "
                                f"{tgt}{words[i * 5 % 12]}\n" for i in rows))
        return path

    known, other = pairs("en-es.tsv", "", "es_", range(40)), pairs("de-fr.tsv", "de_", "fr_", range(40))
    half = tmp_path / "half.tsv"
    half.write_text("".join(known.read_text().splitlines(keepends=True)[:20] + other.read_text().splitlines(True)[:20]))
    out = tmp_path / "run"
    assert main(["train", "seq2seq", "--data", str(known), "--out", str(out), "--tokenizer", "word", "--steps", "2",
                 "--hidden", "8", "--embedding", "8", "--batch-size", "8", "--eval-sentences", "1", "--no-progress",
                 "--save-minutes", "0"]) == 0
    capsys.readouterr()
    state = (out / "last" / "trainer_state.json").read_text()
    resume = ["train", "seq2seq", "--resume", str(out), "--no-progress", "--save-minutes", "0"]
    assert main([*resume, "--data", str(other), "--steps", "4"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"rnnkit: error: {other}: 100% of the source and 100% of the target tokens are unknown to "
                          "the run's vocabularies (<unk>), against 0% and 0% on the pairs they were built from; ")
    assert err.count("\n") == 1 and (out / "last" / "trainer_state.json").read_text() == state
    assert main([*resume, "--data", str(half), "--steps", "4"]) == 0

    def warned() -> list[str]:  # the pairs files repeat pairs, which a --val-fraction split also warns of
        return [line for line in capsys.readouterr().err.splitlines() if line.startswith("rnnkit: warning:")
                and not line.startswith("rnnkit: warning: --val-fraction:")]

    said = warned()
    assert len(said) == 1 and said[0].startswith(f"rnnkit: warning: {half}: 50% of the source and 50% of the "
                                                 "target tokens are unknown"), said
    assert main([*resume, "--data", str(known), "--steps", "6"]) == 0  # its own pairs: no word
    assert warned() == []


@pytest.mark.parametrize(("task", "held_out"), [("seq2seq", "pairs"), ("caption", "images"), ("speech", "utterances")])
def test_the_closing_line_of_a_run_without_a_validation_loss_says_why(
        task: str, held_out: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Stopped before its first evaluation, a translation, captioning or speech run said 'best validation loss
    n/a nats/token at step None'; trained with --val-fraction 0, 'best validation loss n/a ... at step 2'. They
    now say it as charlm, classify and tag do."""
    from rnnkit.tasks import TASKS, discover
    from rnnkit.train.trainer import TrainResult

    discover()
    TASKS[task].report(TrainResult(None, None, "loss", 5, 1.25, 0, 0.0, "interrupted", tmp_path), False)
    assert capsys.readouterr().out.strip() == (
        f"5 steps, 1.2 s; no evaluation yet, so no best model; the run is in {tmp_path / 'last'}; "
        f"interrupted: continue with --resume {tmp_path}")
    (tmp_path / "best").mkdir()
    TASKS[task].report(TrainResult(None, 5, "loss", 5, 1.25, 0, 0.0, "steps", tmp_path), False)
    assert capsys.readouterr().out.strip() == (
        f"no validation {held_out}, so no validation loss (5 steps, 1.2 s); model in {tmp_path / 'best'}")


def test_a_translator_trained_without_validation_pairs_says_so(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "pairs.tsv"
    data.write_text("one cat\tun chat\nthe dog\tle chien\n", encoding="utf-8")
    assert main(["train", "seq2seq", "--data", str(data), "--out", str(tmp_path / "m"), "--steps", "2", "--hidden",
                 "8", "--embedding", "8", "--val-fraction", "0", "--no-progress"]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last.startswith("no validation pairs, so no validation loss (2 steps, ")
    assert last.endswith(f"model in {tmp_path / 'm' / 'best'}")


def test_evaluate_is_sacrebleu_of_the_translations_against_the_references(trained: tuple[Path, Path]) -> None:
    """evaluate's BLEU and chrF are sacreBLEU's corpus scores of the translations (the beam it is given) against
    the references, in that order, and exact_match the share of translations equal to their reference."""
    sacrebleu = pytest.importorskip("sacrebleu")
    translator = rnnkit.load(trained[1])
    sources = ["March 3, 1999", "3rd of March 1999", "1999.3.3", "May 12, 2004"]
    hyps = translator.translate(sources, beam=3)
    refs = [hyps[0] or "0", "1999-03-03 and some more words", "1999-03-03", hyps[3] or "0"]
    result = translator.evaluate(list(zip(sources, refs, strict=True)), beam=3)
    assert result["bleu"] == pytest.approx(sacrebleu.corpus_bleu(hyps, [refs]).score)
    assert result["chrf"] == pytest.approx(sacrebleu.corpus_chrf(hyps, [refs]).score)
    assert result["exact_match"] == sum(h == r for h, r in zip(hyps, refs, strict=True)) / 4


def test_sacre_scores_reads_each_further_reference_stream() -> None:
    import sacrebleu

    from rnnkit.tasks._translate_decoding import sacre_scores

    hyps = ["the cat sat on the mat", "a dog runs in the park"]
    refs = ["the cat is on the mat", "the dog runs fast"]
    more = ["a cat sat on the mat today", "a dog runs in the big park"]
    one, two = sacre_scores(hyps, refs), sacre_scores(hyps, refs, more)
    assert (one["bleu"], one["chrf"]) == pytest.approx((sacrebleu.corpus_bleu(hyps, [refs]).score,
                                                       sacrebleu.corpus_chrf(hyps, [refs]).score))
    assert (two["bleu"], two["chrf"]) == pytest.approx((sacrebleu.corpus_bleu(hyps, [refs, more]).score,
                                                       sacrebleu.corpus_chrf(hyps, [refs, more]).score))
    assert two["bleu"] > one["bleu"]
    # the signatures say how the scores were computed: sacrebleu's defaults, the references counted
    assert one["bleu_signature"] == f"nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:{sacrebleu.__version__}"
    assert two["bleu_signature"].startswith("nrefs:2|") and two["chrf_signature"].startswith("nrefs:2|")
    assert one["chrf_signature"] == f"nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|version:{sacrebleu.__version__}"


def test_evaluate_compares_with_the_references_as_the_model_writes_them(trained: tuple[Path, Path],
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """A reference written decomposed (cafe + U+0301, as macOS writes names) is the text the model writes
    composed (café, NFC, as every tokenizer reads text): an exact match, chrF 100."""
    translator = rnnkit.load(trained[1])
    monkeypatch.setattr(translator, "_translate", lambda texts, *settings: ["un caf\u00e9"] * len(texts))
    result = translator.evaluate([("March 3, 1999", "un cafe\u0301")])
    assert result["exact_match"] == 1.0 and result["chrf"] == pytest.approx(100.0)


def test_validation_loss_batches_pairs_of_like_length(one_torch_thread: None) -> None:
    """The validation loss reads the pairs in batches of like length (less padding, the same per-token loss):
    64 one-token and 64 twenty-token sources in turn make two batches 1 and 20 wide, not two 20 wide."""
    from rnnkit.tasks import translate
    from rnnkit.tasks._translate_data import decoder_targets

    torch.manual_seed(0)
    model = Seq2Seq(7, 6, embedding=4, hidden=4, layers=1).eval()
    val = [([3] * (1 if i % 2 else 20), [4, 5][: 1 + i % 2]) for i in range(128)]
    widths: list[int] = []
    model.register_forward_pre_hook(lambda _m, args: widths.append(args[0].shape[1]))
    with torch.no_grad():
        loss = translate._eval_fn(val, [], None, Seq2SeqConfig(eval_sentences=0))(model)["loss"]
        total = count = 0.0
        for src, tgt in val:  # one pair at a time: no padding at all
            t = decoder_targets([tgt], model.bos_id, model.eos_id)
            logits = model(torch.tensor([src]), torch.tensor([len(src)]), t["tgt_in"])
            total += float(torch.nn.functional.cross_entropy(logits[0], t["tgt_out"][0], reduction="sum"))
            count += t["tgt_out"].numel()
    assert sorted(widths[:2]) == [1, 20]
    assert loss == pytest.approx(total / count, rel=1e-5)


@pytest.mark.parametrize(("flags", "refused"), [(["--vocab-size", "100"], True),
                                                (["--tokenizer", "char", "--vocab-size", "100"], True),
                                                (["--tgt-tokenizer", "word", "--vocab-size", "100"], False)])
def test_a_vocabulary_size_for_characters_alone_is_refused(flags: list[str], refused: bool, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    """``--vocab-size 100`` with the char tokenizer on both sides (the default) trained as if not given, unsaid."""
    pairs = tmp_path / "p.tsv"
    pairs.write_text("".join(f"abc {i}\txyz {i}\n" for i in range(20)), encoding="utf-8")
    out = tmp_path / "run"
    code = main(["train", "seq2seq", "--data", str(pairs), "--out", str(out), "--steps", "1", "--hidden", "8",
                 "--embedding", "8", "--no-progress", *flags])
    err = capsys.readouterr().err
    assert (code, out.exists()) == ((2, False) if refused else (0, True))
    assert (err == "rnnkit: error: --vocab-size 100: caps the ids of a word, ngram or bpe tokenizer, not the "
                   "characters of --tokenizer char\n") == refused
    if refused:
        with pytest.raises(UserError, match=r"^vocab_size 100: caps the ids"):
            rnnkit.fit("seq2seq", str(pairs), out, vocab_size=100, steps=1, verbose=False)
