"""`rnnkit train tag` on word tokens: unseen words are tagged by their spelling, a CRF run, span scores,
OOV accuracy, word/TAG files and checkpoints without a spelling encoder."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

import rnnkit
from rnnkit.cli import main

pytestmark = pytest.mark.usefixtures("one_torch_thread")

SUFFIX = {"ed": "VERB", "ly": "ADV", "ous": "ADJ"}
SMALL = ["--steps", "80", "--hidden", "16", "--embedding", "8", "--char-dim", "8", "--char-hidden", "12",
         "--lr", "0.02", "--eval-every", "40", "--dropout", "0", "--no-progress", "--json"]
#: SMALL without a spelling encoder (--char-hidden, which sizes one, is refused beside --char-dim 0)
NO_SPELLING = [*SMALL[:6], *SMALL[10:], "--char-dim", "0"]


def stems(rng: random.Random, n: int) -> list[str]:
    return ["".join(rng.choice("bcdfgkmprst") + rng.choice("aeiou") for _ in range(2)) for _ in range(n)]


def write_slash(path: Path, words: list[str], n: int, seed: int) -> Path:
    """Sentences 'the STEM+suffix ...' tagged by the suffix: the word's spelling alone decides its tag."""
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as fh:
        for _ in range(n):
            toks = ["the/DT"]
            for _ in range(rng.randint(2, 5)):
                suffix = rng.choice(list(SUFFIX))
                toks.append(f"{rng.choice(words)}{suffix}/{SUFFIX[suffix]}")
            fh.write(" ".join(toks) + "\n")
    return path


def test_a_word_written_like_the_padding_symbol_is_an_unknown_word_not_padding() -> None:
    """A tagger read the word ``<pad>`` as id 0, the padding's zero vector, where docs/CLASSIFY.md's reader of an
    exported file gives it 1 ("0 is padding, 1 the unknown token, which any text or word not listed gets"):
    predict's probabilities and the file's parted by 0.02 on "the <pad> cat". A word of the text is never padding."""
    from rnnkit.data.spelling import lexicon
    from rnnkit.data.tokenize import TokenVocab

    seqs, lex = lexicon([["the", "<pad>", "<unk>", "dog", "cat"]], TokenVocab(["the", "cat"]), None)
    assert lex.words[seqs[0]].tolist() == [2, 1, 1, 1, 3]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("tagwords")
    rng = random.Random(0)
    seen, unseen = stems(rng, 30), stems(rng, 30)
    write_slash(tmp / "train.txt", seen, 150, 0)
    write_slash(tmp / "test.txt", unseen, 40, 1)
    return tmp


def _evaluate(out: Path, data: Path, capsys: pytest.CaptureFixture[str]) -> dict:
    capsys.readouterr()
    assert main(["evaluate", str(out), "--data", str(data), "--json"]) == 0
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_unseen_words_are_tagged_by_their_spelling(runs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = runs / "chars"
    assert main(["train", "tag", "--data", str(runs / "train.txt"), "--out", str(out), *SMALL]) == 0
    config = json.loads((out / "best" / "config.json").read_text(encoding="utf-8"))
    assert config["model"]["char_dim"] == 8 and config["model"]["num_chars"] > 2
    vocab = json.loads((out / "best" / "vocab.json").read_text(encoding="utf-8"))
    assert vocab["type"] == "token" and "e" in vocab["chars"]
    report = _evaluate(out, runs / "test.txt", capsys)
    assert report["oov_count"] > 100  # every stem of the test file is new
    assert report["oov_accuracy"] >= 0.9 and report["accuracy"] >= 0.9
    assert "span_f1" not in report  # POS-like tags: no spans
    pytest.importorskip("onnxruntime")  # export refused a tagger with a spelling encoder; its file takes `chars`
    capsys.readouterr()
    assert main(["export", str(out), "--onnx", str(runs / "t.onnx")]) == 0
    assert "and chars (batch, time, characters) int64 padded with 0; outputs probabilities and tags; onnxruntime " \
           "agrees" in capsys.readouterr().out
    # what the file's reader needs to spell a word: the characters (ids from 2) and how long a spelling may be
    import onnxruntime as ort

    from rnnkit.data.spelling import MAX_CHARS

    meta = ort.InferenceSession(str(runs / "t.onnx"), providers=["CPUExecutionProvider"]).get_modelmeta()
    assert json.loads(meta.custom_metadata_map["rnnkit_spelling"]) == {"max_chars": MAX_CHARS}
    assert json.loads(meta.custom_metadata_map["rnnkit_vocab"])["chars"] == vocab["chars"]


def test_cnn_spelling_encoder_and_folded_words(runs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = runs / "cnn"
    argv = ["train", "tag", "--data", str(runs / "train.txt"), "--out", str(out), *SMALL, "--char-encoder", "cnn",
            "--fold-words"]
    assert main(argv) == 0
    config = json.loads((out / "best" / "config.json").read_text(encoding="utf-8"))
    assert config["model"]["char_encoder"] == "cnn" and config["fold_words"] is True
    assert config["settings"]["char_encoder"] == "cnn"
    report = _evaluate(out, runs / "test.txt", capsys)
    assert report["oov_count"] > 100 and report["oov_accuracy"] >= 0.9
    capsys.readouterr()
    assert main(["predict", str(out), "THE", "--json"]) == 0  # folded: the word "the" of training
    assert json.loads(capsys.readouterr().out)["tags"] == ["DT"]
    cased = runs / "cased.txt"
    cased.write_text("THE/DT The/DT the/DT\n", encoding="utf-8")
    assert _evaluate(out, cased, capsys)["oov_count"] == 0  # folded words are words of training, not unseen


@pytest.mark.parametrize(("flags", "said"), [(NO_SPELLING, "with --char-dim 0 there is none"),
                                            (["--chars", *SMALL], "chars.txt: its tokens are single characters")])
def test_fold_words_where_nothing_would_be_folded_is_refused(runs: Path, tmp_path: Path, flags: list[str], said: str,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    """--fold-words was dropped without a word (config.json: fold_words false) by a tagger without a spelling
    encoder or of characters, whose ids keep the case."""
    data = runs / "train.txt"
    if flags[0] == "--chars":
        data = tmp_path / "chars.txt"
        data.write_text("a/X b/Y\nb/Y a/X\n" * 20, encoding="utf-8")
        flags = flags[1:]
    argv = ["train", "tag", "--data", str(data), "--out", str(tmp_path / "run"), *flags, "--fold-words"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert said in err and err.count("\n") == 1 and not (tmp_path / "run" / "best").exists()


def test_without_spellings_an_old_style_checkpoint_still_loads(runs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = runs / "words"
    argv = ["train", "tag", "--data", str(runs / "train.txt"), "--out", str(out), *NO_SPELLING, "--steps", "30"]
    assert main(argv) == 0
    config_path = out / "best" / "config.json"
    config = json.loads(config_path.read_text(encoding="utf-8"))
    assert config["fold_words"] is False  # without a spelling encoder the word ids keep the case
    for key in ("num_chars", "char_dim", "char_hidden", "char_encoder", "crf"):  # as an earlier rnnkit saved it
        del config["model"][key]
    del config["fold_words"]
    config_path.write_text(json.dumps(config), encoding="utf-8")
    report = _evaluate(out, runs / "test.txt", capsys)
    assert report["oov_count"] > 100 and report["oov_accuracy"] is not None


def test_crf_tagger_reports_spans(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rng = random.Random(0)
    names, places = stems(rng, 10), stems(rng, 10)
    lines = []
    for _ in range(120):  # "NAME NAMEson visited PLACE": B-PER I-PER O B-LOC
        n, p = rng.choice(names), rng.choice(places)
        lines.append(f"{n.title()}\tB-PER\n{n.title()}son\tI-PER\nvisited\tO\n{p.title()}ville\tB-LOC\n")
    data = tmp_path / "ner.conll"
    data.write_text("\n".join(lines), encoding="utf-8")
    out = tmp_path / "crf"
    assert main(["train", "tag", "--data", str(data), "--out", str(out), *SMALL, "--crf", "--steps", "60"]) == 0
    assert json.loads((out / "best" / "config.json").read_text(encoding="utf-8"))["model"]["crf"] is True
    report = _evaluate(out, data, capsys)
    assert {"span_precision", "span_recall", "span_f1", "true_spans", "pred_spans", "correct_spans"} <= set(report)
    assert report["true_spans"] == 240 and report["span_f1"] > 0.9
    capsys.readouterr()
    assert main(["evaluate", str(out), "--data", str(data)]) == 0
    text = capsys.readouterr().out
    assert "spans (conlleval): precision" in text and "accuracy on words unseen in training n/a (0 tokens)" in text
    capsys.readouterr()
    assert main(["predict", str(out), "Bako Bakoson visited Tuviville", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["tags"] == ["B-PER", "I-PER", "O", "B-LOC"]
    # scored against other true tags: one true span, the two predicted ones, none of them correct
    other = tmp_path / "other.conll"
    other.write_text("Bako\tB-PER\nBakoson\tO\nvisited\tO\nTuviville\tO\n", encoding="utf-8")
    report = rnnkit.load(out).evaluate(str(other))
    assert (report["true_spans"], report["pred_spans"], report["correct_spans"]) == (1, 2, 0)
