"""The translator's decoding settings shared by ``translate`` and ``evaluate``, ``--replace-unk`` and the
sacreBLEU signatures ``evaluate`` reports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

import rnnkit
from rnnkit.cli import main
from rnnkit.data.tokenize import UNK_ID, id_symbols, join_words
from rnnkit.errors import SettingError
from rnnkit.models.seq2seq import Seq2Seq
from rnnkit.tasks._translate_decoding import Decoding, replace_unknown, words_at

pytestmark = pytest.mark.filterwarnings("ignore:.* unknown to the model")


@pytest.fixture(scope="module")
def word_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A word-level date translator whose target vocabulary holds 4 words, so it writes <unk> for most."""
    from tests.test_seq2seq import dates_run

    return dates_run(tmp_path_factory.mktemp("words"), 60, 3, "--steps", "4", "--tokenizer", "word", "--vocab-size",
                     "6", "--eval-every", "4", "--eval-sentences", "2")


@pytest.mark.parametrize("beam", [1, 3])
def test_each_written_token_names_the_source_position_of_its_largest_attention_weight(beam: int) -> None:
    """``source_positions`` gives, token by token, the argmax of the attention row ``return_attention`` gives."""
    torch.manual_seed(0)
    model = Seq2Seq(9, 7, embedding=8, hidden=12, attention="general").eval()
    src = torch.tensor([[3, 4, 5, 6, 7], [2, 8, 3, 0, 0]])
    src_len = torch.tensor([5, 3])
    max_len = torch.tensor([6, 6])
    if beam == 1:
        nbests = [[h] for h in model.greedy(src, src_len, max_len, 0, True, True)]
    else:
        nbests = model.beam_search(src, src_len, max_len, beam, beam, 0.6, 0, True, True)
    seen = 0
    for hyps in nbests:
        for h in hyps:
            assert h.sources is not None and h.attention is not None and len(h.sources) == len(h.tokens)
            assert h.sources == [max(range(len(row)), key=row.__getitem__) for row in h.attention[: len(h.tokens)]]
            seen += len(h.tokens)
    assert seen > 0
    plain = model.greedy(src, src_len, max_len) if beam == 1 else model.beam_search(src, src_len, max_len, beam)[0]
    assert all(h.sources is None for h in plain)


def test_replace_unknown_copies_the_source_token_at_each_unknowns_position() -> None:
    assert replace_unknown(["<unk>", "-", "<unk>"], [UNK_ID, 5, UNK_ID], [3, 1, 0], ["March", "3", ",", "1999"]) == \
        ["1999", "-", "March"]
    assert replace_unknown(["a", "<unk>"], [4, UNK_ID], None, ["x"]) == ["a", "<unk>"]


def test_replace_unk_writes_the_source_word_the_attention_weighed_most(word_run: tuple[Path, Path]) -> None:
    """Checked against the attention ``return_attention`` gives for the same translation."""
    tr = rnnkit.load(word_run[1])
    sources = ["March 3, 1999", "May 12, 2004", "3rd of March 1999"]
    plain = tr.translate(sources, return_attention=True)
    replaced = tr.translate(sources, replace_unk=True)
    unknowns = 0
    for text, r, new in zip(sources, plain, replaced, strict=True):
        symbols = r["target_tokens"][:-1]  # without </s>
        words = tr.source.tokens(text)
        expected = [words[max(range(len(row)), key=row.__getitem__)] if s == "<unk>" else s
                    for s, row in zip(symbols, r["attention"], strict=False)]
        unknowns += symbols.count("<unk>")
        assert new == join_words(expected) and "<unk>" not in new
        assert r["translation"] == join_words(symbols)
    assert unknowns > 0  # the 4-word target vocabulary makes the model write <unk>
    beam = tr.translate(sources, beam=3, n_best=2, replace_unk=True)
    assert all("<unk>" not in h["text"] for r in beam for h in r["n_best"])


def test_replace_unk_is_refused_where_it_cannot_act(word_run: tuple[Path, Path], tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """A character target never writes <unk> (every training character has an id); without attention there is
    no source position to copy from. One line, naming the flag on the command line."""
    data = word_run[0]
    for name, flags in (("chars", ["--tokenizer", "char", "--attention", "general"]),
                        ("none", ["--tokenizer", "word", "--attention", "none"])):
        assert main(["train", "seq2seq", "--data", str(data), "--out", str(tmp_path / name), "--steps", "1",
                     "--hidden", "8", "--embedding", "8", "--no-progress", "--save-minutes", "0", *flags]) == 0
    chars = r"^replace_unk True: the target side is char tokens, .* never writes <unk>; .*\(tokenizer word\)$"
    with pytest.raises(SettingError, match=chars):
        rnnkit.load(tmp_path / "chars").translate("March 3, 1999", replace_unk=True)
    with pytest.raises(SettingError, match="^replace_unk True: .*/none/best was trained with attention none; it finds"):
        rnnkit.load(tmp_path / "none").evaluate([("March 3, 1999", "1999-03-03")], replace_unk=True)
    capsys.readouterr()
    assert main(["translate", str(tmp_path / "chars"), "March 3, 1999", "--replace-unk"]) == 2
    assert capsys.readouterr().err.startswith("rnnkit: error: --replace-unk: the target side is char tokens")
    with pytest.raises(TypeError, match="^replace_unk takes True or False, not 'yes'$"):
        rnnkit.load(word_run[1]).translate("March 3, 1999", replace_unk="yes")  # type: ignore[arg-type]


def test_evaluate_decodes_with_the_settings_translate_takes(word_run: tuple[Path, Path],
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    """`evaluate` took only --beam: a translation scored with --alpha, --max-len-b, --no-repeat-ngram or
    --replace-unk could not be. Its translations are now translate's with the same settings (so an exact match
    against them), and the report names the settings that differ from the defaults."""
    tr = rnnkit.load(word_run[1])
    sources = ["March 3, 1999", "May 12, 2004", "3rd of March 1999", "1999.3.3"]
    settings = {"alpha": 0.0, "max_len_a": 0.5, "max_len_b": 3, "no_repeat_ngram": 2, "replace_unk": True,
                "min_len": 2}
    hyps = tr.translate(sources, beam=2, **settings)
    result = tr.evaluate([(s, h or "x") for s, h in zip(sources, hyps, strict=True)], 2, **settings)
    assert result["exact_match"] == sum(bool(h) for h in hyps) / 4
    assert result["decoding"] == {"beam": 2, **settings} and result["beam"] == 2
    assert tr.translate(sources, beam=2) != hyps  # the settings change the translations
    pairs = word_run[1].parent / "pairs.tsv"
    pairs.write_text("".join(f"{s}\t{h or 'x'}\n" for s, h in zip(sources, hyps, strict=True)), encoding="utf-8")
    capsys.readouterr()
    argv = ["evaluate", str(word_run[1]), "--data", str(pairs), "--beam", "2", "--alpha", "0", "--max-len-a", "0.5",
            "--max-len-b", "3", "--no-repeat-ngram", "2", "--replace-unk", "--min-len", "2"]
    assert main([*argv, "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == result
    assert main(argv) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("4 pairs, beam 2, alpha 0.0, max len a 0.5, max len b 3, no repeat ngram 2, "
                               "replace unk on, min len 2: BLEU ")
    assert lines[1] == (f"sacreBLEU signatures: BLEU {result['bleu_signature']}; chrF {result['chrf_signature']}")
    assert "nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:" in lines[1]
    assert main(["evaluate", str(word_run[1]), "--data", str(pairs)]) == 0
    assert capsys.readouterr().out.startswith("4 pairs, beam 1: BLEU ")


def test_decoding_settings_are_checked_once_and_reported_as_python_numbers() -> None:
    d = Decoding(beam=torch.tensor(3), n_best=2, alpha=1, max_len_b=torch.tensor(4)).checked()  # type: ignore[arg-type]
    assert d == Decoding(3, 2, 1.0, 1.5, 4, 0, False, 0) and type(d.beam) is int and type(d.max_len_b) is int
    assert json.dumps(d.settings()) and "n_best" not in d.settings()
    with pytest.raises(SettingError, match="^n_best 4: expected at most the beam's width"):
        Decoding(beam=3, n_best=4).checked()
    with pytest.raises(SettingError, match="^max_len_a 0.0: with max_len_b 0 too"):
        Decoding(max_len_a=0.0, max_len_b=0).checked()
    for bad in (-1, 1.5, True):
        with pytest.raises(SettingError, match=f"^min_len {bad!r}: expected an integer >= 0$"):
            Decoding(min_len=bad).checked()  # type: ignore[arg-type]


@pytest.mark.parametrize(("min_len", "max_len"), [(1, 2), (2, 2), (2, 3), (3, 3)])
def test_a_beam_wider_than_the_outputs_finds_every_output_of_min_len_tokens_or_more(min_len: int,
                                                                                    max_len: int) -> None:
    """Brute force: every output of ``min_len`` to ``max_len`` tokens, with its log-probability, best first."""
    from tests.test_seq2seq import _all_hypotheses, _batch

    torch.manual_seed(3)
    model = Seq2Seq(20, 3, cell="gru", embedding=8, hidden=10, attention="bahdanau").eval()
    src, src_len, _ = _batch()
    brute = [(p, lp) for p, lp in _all_hypotheses(model, src, src_len, max_len) if len(p) >= min_len]
    hyps = model.beam_search(src, src_len, torch.full((3,), max_len), beam=64, n_best=len(brute), alpha=0.0,
                             min_len=min_len)[0]
    assert [h.tokens for h in hyps] == [p for p, _ in brute]
    assert [h.log_prob for h in hyps] == pytest.approx([lp for _, lp in brute], abs=1e-5)
    greedy = model.greedy(src, src_len, torch.full((3,), max_len), min_len=min_len)
    assert all(min_len <= len(h.tokens) <= max_len for h in greedy)


def test_min_len_gives_way_to_the_output_limit_and_to_a_dead_end() -> None:
    """The output limit wins over min_len (fairseq refuses the pair; rnnkit's limit scales with each source); when
    every other token is blocked (n-gram blocking over a vocabulary of two words), the output ends rather than
    write padding."""
    torch.manual_seed(0)
    model = Seq2Seq(9, 4, embedding=8, hidden=12, attention="general").eval()
    words = {i for i in range(model.eos_id) if i not in (0, model.bos_id)}  # what it can write: 3 tokens
    src, src_len = torch.tensor([[3, 4, 5], [2, 8, 0]]), torch.tensor([3, 2])
    short = model.greedy(src, src_len, torch.tensor([2, 1]), min_len=5)
    assert [len(h.tokens) for h in short] == [2, 1]
    for hyps in ([[h] for h in model.greedy(src, src_len, torch.tensor([9, 9]), 1, min_len=5)],
                 model.beam_search(src, src_len, torch.tensor([9, 9]), 3, 3, 0.6, 1, min_len=5)):
        for h in (h for group in hyps for h in group):
            assert len(h.tokens) == len(set(h.tokens)) and set(h.tokens) == words, h.tokens  # each once, then EOS


def test_symbols_of_a_hypothesis_round_trip_through_join_words(word_run: tuple[Path, Path]) -> None:
    """What replace_unk rebuilds from (the symbols, joined) is what decode_ids writes when nothing is replaced."""
    tr = rnnkit.load(word_run[1])
    from rnnkit.data.tokenize import decode_ids

    ids = [i for i in range(2, tr.target.vocab_size)] + [UNK_ID]
    assert join_words(id_symbols(tr.target, ids)) == decode_ids(tr.target, ids)


def test_translate_reads_standard_input_for_file_dash(word_run: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    """`... | rnnkit translate DIR --file -`, as fairseq-interactive reads its input: line N answers line N (a
    blank line a blank one), UTF-8 whatever the locale, bad bytes named by their line."""
    import io

    tr = rnnkit.load(word_run[1])
    stdin = "3 März 1999\r\n\n1999.3.3\tignored target\n".encode()
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(stdin), encoding="latin-1"))
    capsys.readouterr()
    assert main(["translate", str(word_run[1]), "--file", "-", "--beam", "2"]) == 0
    assert capsys.readouterr().out.split("\n") == [tr.translate("3 März 1999", beam=2), "",
                                                   tr.translate("1999.3.3", beam=2), ""]
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(stdin), encoding="latin-1"))
    assert main(["translate", str(word_run[1]), "--file", "-", "--json"]) == 0
    assert [json.loads(line)["source"] for line in capsys.readouterr().out.splitlines()] == \
        ["3 März 1999", "", "1999.3.3"]  # read as UTF-8, not as the locale's latin-1
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"March 3, 1999\n\tx\n")))
    assert main(["translate", str(word_run[1]), "--file", "-"]) == 2
    assert capsys.readouterr().err.strip() == "rnnkit: error: standard input:2: the source text (before the tab) is " \
                                              "empty"
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"ok\nMarch \xe9\n")))
    assert main(["translate", str(word_run[1]), "--file", "-"]) == 2
    assert capsys.readouterr().err.startswith("rnnkit: error: standard input:2: not UTF-8 (byte 0xe9 at column 7")


@pytest.mark.parametrize("side", ["char", "bpe"])
def test_replace_unk_copies_the_whole_source_word_from_a_character_or_bpe_source(
        word_run: tuple[Path, Path], tmp_path: Path, side: str) -> None:
    """A word target read from characters or BPE pieces: the source token of most attention is a letter, a piece
    or a space, and --replace-unk wrote that ('1999 3 3 3' read as '       ' for a character source); it writes
    the source word holding it (a space: the word after it)."""
    pytest.importorskip("tokenizers") if side == "bpe" else None
    assert main(["train", "seq2seq", "--data", str(word_run[0]), "--out", str(tmp_path / "run"), "--steps", "1",
                 "--hidden", "8", "--embedding", "8", "--attention", "general", "--src-tokenizer", side,
                 "--tgt-tokenizer", "word", "--vocab-size", "60", "--no-progress", "--save-minutes", "0"]) == 0
    tr = rnnkit.load(tmp_path / "run")
    with torch.no_grad():
        tr.model.output.bias[UNK_ID] = 50.0  # every token written is <unk>
    text = "Quixotically Zoe\u0301trope"  # 'é' decomposed: the words are copied NFC, as every tokenizer reads them
    first = 12 if side == "char" else len(tr.source.encode("Quixotically"))  # the positions of the first word
    plain = tr.translate(text, return_attention=True, max_len_a=0, max_len_b=6)
    assert plain["target_tokens"] == ["<unk>"] * 6 + ["</s>"]
    most = [max(range(len(row)), key=row.__getitem__) for row in plain["attention"][:6]]
    expected = ["Quixotically" if at < first else "Zo\u00e9trope" for at in most]
    assert tr.translate(text, replace_unk=True, max_len_a=0, max_len_b=6) == " ".join(expected)


def test_words_at_names_the_word_holding_each_offset() -> None:
    """Worked by hand: a space gives the word after it, the end of the text the word before it."""
    text = "March 3, 1999 "
    assert words_at(text, [0, 4, 5, 6, 7, 8, 12, 13]) == ["March", "March", "3", "3", ",", "1999", "1999", "1999"]
    assert words_at(" x", [0]) == ["x"]
