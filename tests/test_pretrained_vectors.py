"""``--pretrained-vectors FILE`` (fastText's -pretrainedVectors): the embedding rows of the vocabulary's words
found in a word2vec/fastText .vec or GloVe file start as their vectors; bad files, sizes and tokenizers are
refused in one line; a resumed run keeps the weights without reading the file again."""

from __future__ import annotations

import gzip
import json
import os
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import torch
from torch import nn

import rnnkit
from rnnkit.cli import main
from rnnkit.data.vectors import copy_vectors, read_vectors, vector_dimension
from rnnkit.errors import RnnkitWarning, UserError
from rnnkit.tasks import _text
from rnnkit.tasks.classify import ClassifyConfig, train

pytestmark = pytest.mark.usefixtures("one_torch_thread")

GOOD = [0.5, -0.25, 1.0, 2.0]
BAD = [-1.5, 0.125, 3.0, -0.75]
W2V = f"3 4\ngood {' '.join(map(str, GOOD))}\nbad {' '.join(map(str, BAD))}\nunseen 1 1 1 1\n"
GLOVE = f"unseen 9 9 9 9\ngood {' '.join(map(str, GOOD))} \nbad {' '.join(map(str, BAD))}\n"


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """Texts of 5 words: a good film / a bad film / ... (vocabulary: a, film, good, bad, very)."""
    rows = ["text,label"]
    for i in range(12):
        rows.append("a good film,pos" if i % 2 == 0 else "a very bad film,neg")
    path = tmp_path / "d.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


class Started(Exception):
    """Raised in place of training: the model as it starts."""


def captured_start(monkeypatch: pytest.MonkeyPatch, start: Callable[[], Any]) -> tuple[Any, Any]:
    """The embedding weights the run ``start()`` begins from, its vocabulary and model config (``fit`` replaced
    by a capture that stops it)."""
    seen: dict[str, Any] = {}

    def capture(model: nn.Module, *args: Any, **kw: Any) -> None:
        seen["weight"] = model.embedding.weight.detach().clone()
        seen["symbols"] = ["<pad>", "<unk>", *kw["vocab"]["symbols"]]
        seen["config"] = kw["model_config"]
        raise Started

    monkeypatch.setattr(_text, "fit", capture)
    with pytest.raises(Started):
        start()
    return seen["weight"], seen


def starting_embedding(monkeypatch: pytest.MonkeyPatch, data: Path, out: Path, **settings: Any) -> tuple[Any, Any]:
    """The embedding weights a classifier run starts from and its vocabulary."""
    return captured_start(monkeypatch, lambda: train(ClassifyConfig(steps=2, tokenizer="word", **settings), str(data),
                                                     out, verbose=False))


# ------------------------------------------------------------------------------------------- the reader
@pytest.mark.parametrize("text", [W2V, GLOVE], ids=["word2vec", "glove"])
def test_the_reader_keeps_the_asked_words_values_exactly(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, "v.txt", text)
    vectors = read_vectors(path, ["good", "bad", "missing"])
    assert vector_dimension(path) == vectors.dim == 4
    assert vectors.found == {"good": GOOD, "bad": BAD}  # 'unseen' is not kept, 'missing' not there
    emb = nn.Embedding(5, 4, padding_idx=0)
    before = emb.weight.detach().clone()
    assert copy_vectors(emb, ["<pad>", "<unk>", "good", "other", "bad"], vectors) == (2, 3)
    assert torch.equal(emb.weight[2], torch.tensor(GOOD)) and torch.equal(emb.weight[4], torch.tensor(BAD))
    assert torch.equal(emb.weight[[0, 1, 3]], before[[0, 1, 3]])


def test_a_gzipped_file_is_read(tmp_path: Path) -> None:
    path = write(tmp_path, "v.vec.gz", gzip.compress(W2V.encode()))
    assert read_vectors(path, ["bad"]).found == {"bad": BAD}


# ------------------------------------------------------------------------------------------- a run's start
@pytest.mark.parametrize("text", [W2V, GLOVE], ids=["word2vec", "glove"])
def test_a_run_starts_from_the_vectors_of_the_words_found(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                          data: Path, text: str) -> None:
    vec = write(tmp_path, "v.vec", text)
    weight, seen = starting_embedding(monkeypatch, data, tmp_path / "o", pretrained_vectors=str(vec))
    plain, plain_seen = starting_embedding(monkeypatch, data, tmp_path / "p", embedding=4)  # same seed, no vectors
    symbols = seen["symbols"]
    assert symbols == plain_seen["symbols"] and weight.shape == (len(symbols), 4)  # the size is the file's
    good, bad = symbols.index("good"), symbols.index("bad")
    assert weight[good].tolist() == GOOD and weight[bad].tolist() == BAD
    others = [i for i in range(len(symbols)) if i not in (good, bad)]
    assert torch.equal(weight[others], plain[others])  # the usual start
    assert not torch.equal(weight[[good, bad]], plain[[good, bad]])
    assert seen["config"]["pretrained_vectors"] == {"file": os.path.abspath(vec), "dim": 4, "words": 5, "found": 2}
    assert seen["config"]["settings"]["pretrained_vectors"] == os.path.abspath(vec)


def test_character_ngram_buckets_keep_their_start(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                  data: Path) -> None:
    vec = write(tmp_path, "v.vec", W2V)
    common = {"char_ngrams": "2,3", "buckets": 16, "layers": 0, "pooling": "mean"}
    weight, seen = starting_embedding(monkeypatch, data, tmp_path / "o", pretrained_vectors=str(vec), **common)
    plain, _ = starting_embedding(monkeypatch, data, tmp_path / "p", embedding=4, **common)
    n = len(seen["symbols"])
    assert weight.shape[0] == n + 16 and torch.equal(weight[n:], plain[n:])
    assert weight[seen["symbols"].index("good")].tolist() == GOOD


# ------------------------------------------------------------------------------------------- the command line
def test_a_cli_run_says_the_coverage_trains_and_predicts(tmp_path: Path, data: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    vec, out = write(tmp_path, "v.vec", W2V), tmp_path / "out"
    assert main(["train", "classify", "--data", str(data), "--tokenizer", "word", "--pretrained-vectors", str(vec),
                 "--steps", "2", "--out", str(out), "--no-progress"]) == 0
    # by hand: the vocabulary is a, good, film, very, bad; good and bad are in the file
    assert f"pretrained vectors: 2 of the vocabulary's 5 words found in {os.path.abspath(vec)} (40.0%)" in \
        capsys.readouterr().err
    assert main(["predict", str(out), "a good film", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["label"] in ("pos", "neg")
    assert main(["info", str(out)]) == 0
    assert f"settings.pretrained_vectors {os.path.abspath(vec)}" in " ".join(capsys.readouterr().out.split())


def test_a_toml_config_gives_the_vectors(tmp_path: Path, data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    vec = write(tmp_path, "v.vec", W2V)
    toml = write(tmp_path, "c.toml", f'pretrained_vectors = "{vec}"\ntokenizer = "word"\n')
    assert main(["train", "classify", "--data", str(data), "--config", str(toml), "--steps", "1",
                 "--out", str(tmp_path / "out"), "--no-progress"]) == 0
    assert "2 of the vocabulary's 5 words" in capsys.readouterr().err


BAD_FILES = {
    "wrong count": ("2 4\ngood 1 2 3 4\nbad 1 2 3\n", "line 3: expected a word and 4 numbers"),
    "not a number": ("good 1 2 3 4\nbad 1 x 3 4\n", "line 2: 'x' is not a number"),
    "not utf-8": (b"good 1 2 3 4\nb\xffd 1 2 3 4\n", "line 2: byte 2 is not UTF-8"),
    "empty": ("", "empty; expected word vectors"),
    "header dimension": ("2 3\ngood 1 2 3 4\n", "line 2: expected a word and 3 numbers (the header's dimension)"),
    "second row cut": ("2 4\ngood 1\nbad 1 2 3 4\n", "line 2: expected a word and 4 numbers (the header's dimension"),
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_a_bad_file_is_refused_naming_it_and_its_line(tmp_path: Path, data: Path, case: str,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    text, expected = BAD_FILES[case]
    vec, out = write(tmp_path, "v.vec", text), tmp_path / "out"
    assert main(["train", "classify", "--data", str(data), "--tokenizer", "word", "--pretrained-vectors", str(vec),
                 "--steps", "2", "--out", str(out), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(vec) in err and expected in err, err
    assert not out.exists()


@pytest.mark.parametrize(("flags", "expected"), [
    (["--tokenizer", "word", "--embedding", "8"], "--embedding 8 with --pretrained-vectors"),
    (["--tokenizer", "char"], "--tokenizer char: its tokens are not words"),
    (["--tokenizer", "bpe"], "--tokenizer bpe: its tokens are not words"),
    ([], "--tokenizer char (the default)"),
    (["--minutes", "1"], "add --no-autotune --tokenizer word"),  # the search is refused, not restricted
    (["--autotune", "--tokenizer", "word"], "add --no-autotune --tokenizer word"),
])
def test_settings_the_vectors_do_not_fit_are_refused(tmp_path: Path, data: Path, flags: list[str], expected: str,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    vec, out = write(tmp_path, "v.vec", W2V), tmp_path / "out"
    assert main(["train", "classify", "--data", str(data), "--pretrained-vectors", str(vec), "--steps", "2",
                 "--out", str(out), "--no-progress", *flags]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and expected in err, err
    assert not out.exists()


def test_the_same_embedding_size_is_accepted(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, data: Path) -> None:
    vec = write(tmp_path, "v.vec", W2V)
    weight, _ = starting_embedding(monkeypatch, data, tmp_path / "o", pretrained_vectors=str(vec), embedding=4)
    assert weight.shape[1] == 4


# ------------------------------------------------------------------------------------------- resume
def test_a_resumed_run_keeps_the_vectors_without_reading_the_file(tmp_path: Path, data: Path) -> None:
    vec, out = write(tmp_path, "v.vec", W2V), tmp_path / "out"
    train(ClassifyConfig(steps=1, tokenizer="word", pretrained_vectors=str(vec)), str(data), out, verbose=False)
    vec.write_text("not vectors at all\n", encoding="utf-8")  # read again, it would be refused
    result = train(ClassifyConfig(steps=2), None, out, resume=True, verbose=False)
    assert result.steps == 2
    vec.unlink()
    train(ClassifyConfig(steps=3), None, out, resume=True, verbose=False)
    config = json.loads((out / "last" / "config.json").read_text(encoding="utf-8"))
    assert config["settings"]["pretrained_vectors"] == os.path.abspath(vec)
    assert config["pretrained_vectors"]["found"] == 2 and config["model"]["embedding_dim"] == 4
    assert rnnkit.load(out).model.embedding.embedding_dim == 4


def test_the_python_api_refuses_a_missing_file_in_one_line(tmp_path: Path, data: Path) -> None:
    with pytest.raises(UserError, match="no such file"):
        train(ClassifyConfig(steps=1, tokenizer="word", pretrained_vectors=str(tmp_path / "none.vec")), str(data),
              tmp_path / "out", verbose=False)
    assert not (tmp_path / "out").exists()


def test_an_exported_file_does_not_give_the_vectors_file_away() -> None:
    config = {"settings": {"pretrained_vectors": "/home/me/cc.en.300.vec", "hidden": 8},
              "pretrained_vectors": {"file": "/home/me/cc.en.300.vec", "found": 2}, "labels": ["a", "b"]}
    assert _text._shipped(config) == {"settings": {"hidden": 8}, "labels": ["a", "b"]}


# ------------------------------------------------------------------------------------------- the tagger
@pytest.fixture
def conll(tmp_path: Path) -> Path:
    """Sentences of the words The, good, cat, A, bad, dog (six words: good and bad are in the vectors)."""
    path = tmp_path / "t.conll"
    path.write_text("The\tDT\ngood\tJJ\ncat\tNN\n\nA\tDT\nbad\tJJ\ndog\tNN\n\n" * 5, encoding="utf-8")
    return path


def tagger_start(monkeypatch: pytest.MonkeyPatch, data: Path, out: Path, **settings: Any) -> tuple[Any, Any]:
    """The word embedding a tagger run starts from, and what fit was given."""
    from rnnkit.tasks.tag import TagConfig
    from rnnkit.tasks.tag import train as train_tag

    return captured_start(monkeypatch, lambda: train_tag(TagConfig(steps=2, **settings), str(data), out, verbose=False))


@pytest.mark.parametrize("text", [W2V, GLOVE], ids=["word2vec", "glove"])
def test_a_tagger_starts_from_the_vectors_of_the_words_found(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                             conll: Path, text: str) -> None:
    vec = write(tmp_path, "v.vec", text)
    weight, seen = tagger_start(monkeypatch, conll, tmp_path / "o", pretrained_vectors=str(vec))
    plain, _ = tagger_start(monkeypatch, conll, tmp_path / "p", embedding=4)
    symbols = seen["symbols"]
    good, bad = symbols.index("good"), symbols.index("bad")
    assert weight.shape == (len(symbols), 4) and weight[good].tolist() == GOOD and weight[bad].tolist() == BAD
    others = [i for i in range(len(symbols)) if i not in (good, bad)]
    assert torch.equal(weight[others], plain[others])
    assert seen["config"]["pretrained_vectors"] == {"file": os.path.abspath(vec), "dim": 4, "words": 6, "found": 2}


def test_a_tagger_without_vectors_keeps_its_embedding_of_100(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                             conll: Path) -> None:
    weight, seen = tagger_start(monkeypatch, conll, tmp_path / "o")
    assert weight.shape[1] == 100 and seen["config"]["settings"]["embedding"] == 100


@pytest.mark.parametrize(("flags", "lines", "expected"), [
    (["--embedding", "8"], None, "--embedding 8 with --pretrained-vectors"),
    ([], "a\tX\nb\tY\n\n" * 5, "its tokens are single characters"),
    ([], None, "line 3: 'x' is not a number"),
])
def test_a_tagger_refuses_what_the_vectors_do_not_fit(tmp_path: Path, conll: Path, flags: list[str],
                                                      lines: str | None, expected: str,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    vec = write(tmp_path, "v.vec", W2V if "number" not in expected else W2V.replace("-0.75", "x"))
    data = write(tmp_path, "c.conll", lines) if lines else conll
    out = tmp_path / "out"
    assert main(["train", "tag", "--data", str(data), "--pretrained-vectors", str(vec), "--steps", "2",
                 "--out", str(out), "--no-progress", *flags]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and expected in err, err
    assert not out.exists()


def test_a_resumed_tagger_keeps_the_vectors_without_reading_the_file(tmp_path: Path, conll: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    vec, out = write(tmp_path, "v.vec", W2V), tmp_path / "out"
    assert main(["train", "tag", "--data", str(conll), "--pretrained-vectors", str(vec), "--steps", "1",
                 "--out", str(out), "--no-progress"]) == 0
    assert "2 of the vocabulary's 6 words found" in capsys.readouterr().err
    vec.unlink()
    assert main(["train", "tag", "--resume", str(out), "--steps", "2", "--no-progress"]) == 0
    config = json.loads((out / "last" / "config.json").read_text(encoding="utf-8"))
    assert config["settings"]["pretrained_vectors"] == os.path.abspath(vec) and config["model"]["embedding_dim"] == 4
    assert main(["predict", str(out), "The good dog", "--json"]) == 0


def test_a_resumed_run_given_its_own_file_by_a_relative_name_goes_on(tmp_path: Path, data: Path,
                                                                     monkeypatch: pytest.MonkeyPatch,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "v.vec", W2V)
    write(tmp_path, "w.vec", W2V)
    common = ["--data", str(data), "--no-progress", "--out", "out"]
    assert main(["train", "classify", *common, "--tokenizer", "word", "--pretrained-vectors", "v.vec",
                 "--steps", "1"]) == 0
    assert main(["train", "classify", "--resume", "out", "--pretrained-vectors", "v.vec", "--steps", "2"]) == 0
    capsys.readouterr()
    assert main(["train", "classify", "--resume", "out", "--pretrained-vectors", "w.vec", "--steps", "3"]) == 2
    assert f"the resumed run used {tmp_path / 'v.vec'}" in capsys.readouterr().err
    # the same name in a --config file or from Python, which the flag's own absolute path did not reach
    write(tmp_path, "c.toml", 'pretrained_vectors = "v.vec"\n')
    assert main(["train", "classify", "--resume", "out", "--config", "c.toml", "--steps", "3"]) == 0
    rnnkit.fit("classify", str(data), "out", resume=True, pretrained_vectors="v.vec", steps=4, verbose=False,
               progress=False)
    assert json.loads((tmp_path / "out" / "last" / "trainer_state.json").read_text())["step"] == 4


# ------------------------------------------------------------------------------------------- review (rev17b)
@pytest.mark.parametrize("text", [W2V, GLOVE], ids=["word2vec", "glove"])
def test_a_byte_order_mark_is_not_part_of_the_first_line(tmp_path: Path, text: str) -> None:
    # Notepad's "UTF-8" writes EF BB BF first: a .vec header was read as a GloVe row of 1 value (line 2 refused),
    # and a GloVe file's first word was '\ufeffunseen', never found
    path = write(tmp_path, "v.txt", b"\xef\xbb\xbf" + text.encode("utf-8"))
    vectors = read_vectors(path, ["good", "bad", "unseen"])
    assert vector_dimension(path) == vectors.dim == 4
    assert set(vectors.found) == {"good", "bad", "unseen"}


def test_a_value_past_float32_is_refused_naming_its_line(tmp_path: Path) -> None:
    # 1e39 is a finite float (the reader's check) but inf as the embedding's float32: the run diverged at step 1
    # with advice to lower --lr
    assert torch.tensor([1e39], dtype=torch.float32).isinf().all()
    path = write(tmp_path, "v.vec", "2 4\ngood 1e39 0 0 0\nbad -3.4e38 0 0 0\n")
    with pytest.raises(UserError, match=r"v\.vec, line 2: '1e39' is too large"):
        read_vectors(path, ["good"])
    assert read_vectors(path, ["bad"]).found == {"bad": [-3.4e38, 0.0, 0.0, 0.0]}  # float32's own range is kept


@pytest.mark.skipif(not Path("/dev/fd").is_dir(), reason="no /dev/fd here")
def test_a_pipe_is_refused_at_once(tmp_path: Path) -> None:
    # the shell's <(cat v.vec) was read for its size, then again for its rows, and said '/dev/fd/63: empty';
    # a named pipe with no writer waited for ever
    read, write_end = os.pipe()
    try:
        os.write(write_end, W2V.encode("utf-8"))
        os.close(write_end)
        with pytest.raises(UserError, match=r"is a pipe, not a file"):
            vector_dimension(f"/dev/fd/{read}")
    finally:
        os.close(read)


def test_a_word_not_in_the_file_takes_its_lower_cases_vector(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """GloVe's words are lower case: 'Good' and 'BAD' (a text's capitals) were not found where 'good' and 'bad'
    were; they now take those vectors, as Lample et al.'s tagger looks words up. A word in the file as written
    keeps its own ('Film' has a row of its own)."""
    rows = ["text,label"] + ["A Good Film,pos" if i % 2 == 0 else "a very BAD Film,neg" for i in range(12)]
    data = write(tmp_path, "caps.csv", "\n".join(rows) + "\n")
    vectors = write(tmp_path, "v.txt", f"good {' '.join(map(str, GOOD))}\nbad {' '.join(map(str, BAD))}\n"
                                       "Film 7 7 7 7\nfilm 3 3 3 3\n")
    weight, seen = starting_embedding(monkeypatch, data, tmp_path / "out", pretrained_vectors=str(vectors))
    row = {symbol: weight[i].tolist() for i, symbol in enumerate(seen["symbols"])}
    assert row["Good"] == GOOD and row["BAD"] == BAD and row["Film"] == [7.0] * 4
    assert row["a"] != row["A"]  # neither is in the file: both keep their own start
    record = seen["config"]["pretrained_vectors"]
    assert (record["found"], record["words"]) == (3, len(seen["symbols"]) - 2)  # Good, BAD, Film of 6 words


# ------------------------------------------------------------------------------------------- fixes (mut8b)
def test_a_word_not_found_takes_the_vector_of_its_digits_zeroed(tmp_path: Path) -> None:
    """Lample et al.'s tagger, after the word and its lower case, looks up its lower case with every digit 0:
    '1984' found no vector where the file had '0000'. Order: as written, lower case, as written zeroed, lower
    case zeroed (worked by hand for each word below)."""
    from rnnkit.data.vectors import looked_up, vocabulary_words

    symbols = ["<pad>", "<unk>", "1984", "Q3", "R2", "S7", "T5", "none9"]
    path = write(tmp_path, "v.txt", "0000 1 1\nq0 2 2\nQ0 3 3\nr0 4 4\nS0 5 5\ns7 6 6\nT0 7 7\nT5 8 8\nnone0x 9 9\n")
    vectors = read_vectors(path, looked_up(vocabulary_words(symbols)))
    emb = nn.Embedding(len(symbols), 2)
    before = emb.weight.detach().clone()
    assert copy_vectors(emb, symbols, vectors) == (5, 6)  # the coverage line's numbers: none9 is not found
    rows = {s: emb.weight[i].tolist() for i, s in enumerate(symbols)}
    assert rows["1984"] == [1, 1]  # 0000
    assert rows["Q3"] == [3, 3]  # Q0 before q0
    assert rows["R2"] == [4, 4]  # r0
    assert rows["S7"] == [6, 6]  # s7 (lower case) before S0 (zeroed)
    assert rows["T5"] == [8, 8]  # its own before T0
    assert torch.equal(emb.weight[[0, 1, 7]], before[[0, 1, 7]])


def test_a_file_with_fewer_rows_than_its_header_says_is_refused(tmp_path: Path, data: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    """A .vec cut short at a line's end (a download that stopped) was read as if whole: gensim's reader raises
    EOFError for it. Now one line naming the file, the rows read and what the header said."""
    vec, out = write(tmp_path, "v.vec", W2V.replace("3 4", "5 4", 1)), tmp_path / "out"
    assert main(["train", "classify", "--data", str(data), "--tokenizer", "word", "--pretrained-vectors", str(vec),
                 "--steps", "2", "--out", str(out), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(vec) in err, err
    assert "ends after 3 vectors (line 4), and its header (line 1) says 5" in err
    assert not out.exists()


def test_a_file_with_more_rows_than_its_header_says_is_read_with_a_warning(tmp_path: Path) -> None:
    path = write(tmp_path, "v.vec", W2V.replace("3 4", "2 4", 1))
    with pytest.warns(RnnkitWarning, match=r"v\.vec: holds 3 vectors, and its header \(line 1\) says 2; all are read"):
        vectors = read_vectors(path, ["good", "unseen"])
    assert vectors.found == {"good": GOOD, "unseen": [1.0] * 4}  # the row past the header's count is read too
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert read_vectors(write(tmp_path, "w.vec", W2V), ["good"]).found == {"good": GOOD}  # as said: no warning


def test_a_vocabulary_word_written_twice_keeps_its_first_row_with_one_warning(tmp_path: Path) -> None:
    """The first row was kept silently (gensim keeps it too, with a warning each; fastText's loader takes the last):
    one warning now says how many words and names the first with its two lines."""
    path = write(tmp_path, "v.txt", "good 1 1\nbad 2 2\ngood 3 3\nbad 4 4\ngood 5 5\nother 6 6\nother 7 7\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        vectors = read_vectors(path, ["good", "bad", "missing"])
    assert vectors.found == {"good": [1.0, 1.0], "bad": [2.0, 2.0]}
    said = [str(w.message) for w in caught]
    assert said == [f"{path}: 2 of the vocabulary's words are written twice or more, and each keeps its first row "
                    "('good': lines 1 and 3)"], said  # 'other' is no vocabulary word: its rows are not kept


def test_the_vectors_warnings_are_rnnkit_warning_lines_on_the_command_line(tmp_path: Path, data: Path,
                                                                           capsys: pytest.CaptureFixture[str]) -> None:
    vec = write(tmp_path, "v.vec", W2V.replace("3 4", "2 4", 1) + f"good {' '.join(map(str, BAD))}\n")
    assert main(["train", "classify", "--data", str(data), "--tokenizer", "word", "--pretrained-vectors", str(vec),
                 "--steps", "1", "--out", str(tmp_path / "out"), "--no-progress"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert f"rnnkit: warning: {vec}: holds 4 vectors, and its header (line 1) says 2; all are read" in err, err
    assert f"rnnkit: warning: {vec}: 1 of the vocabulary's words is written twice or more, and each keeps its first " \
           "row ('good': lines 2 and 5)" in err, err


@pytest.mark.parametrize(("text", "asked", "expected"), [
    # a first line of two whole numbers was always a header: a 1-value GloVe file whose first word is a number
    # was refused at line 2 ('expected a word and 2 numbers'), or lost its first row
    ("1 2\nfoo 0.5\nbar 0.25\n", ["1", "foo"], {"1": [2.0], "foo": [0.5]}),  # DIM 2, yet one value follows
    ("7 1\nfoo 0.5\nbar 0.25\n", ["7", "bar"], {"7": [1.0], "bar": [0.25]}),  # 7 rows promised, 2 follow
    ("2 1\nfoo 0.5\nbar 0.25\n", ["2", "bar"], {"bar": [0.25]}),  # a header of 1-value rows: 2 rows follow
    ("2 3\n1 2 3 4\n5 6 7 8\n", ["1", "2", "5"], {"1": [2.0, 3.0, 4.0], "5": [6.0, 7.0, 8.0]}),  # a header
], ids=["glove-dim-2-first", "glove-count-differs", "header-dim-1", "header"])
def test_a_first_line_of_two_numbers_is_a_header_only_if_the_rows_after_it_say_so(
        tmp_path: Path, text: str, asked: list[str], expected: dict[str, list[float]]) -> None:
    path = write(tmp_path, "v.txt", text)
    vectors = read_vectors(path, asked)
    assert vector_dimension(path) == vectors.dim == len(next(iter(expected.values())))
    assert vectors.found == expected


def test_a_glove_first_row_that_looks_like_a_header_is_the_first_of_its_word(tmp_path: Path) -> None:
    path = write(tmp_path, "v.txt", "3 1\nfoo 0.5\n3 9\n")  # 3 rows promised, 2 follow: '3' is a word, twice
    with pytest.warns(RnnkitWarning, match=r"1 of the vocabulary's words is written twice .* \('3': lines 1 and 3\)"):
        assert read_vectors(path, ["3", "foo"]).found == {"3": [1.0], "foo": [0.5]}


@pytest.mark.parametrize("value", ["3.4028235e38", "-3.4028235e+38", "3.40282356e38"])
def test_a_value_float32_rounds_to_its_largest_is_kept(tmp_path: Path, value: str) -> None:
    """numpy prints float32's largest value as 3.4028235e+38, a little over it as a float64: it was refused as too
    large for the 32-bit weights, which hold it (torch rounds it to the largest, not to infinity)."""
    assert torch.tensor([float(value)], dtype=torch.float32).isfinite().all()
    path = write(tmp_path, "v.vec", f"1 2\ngood {value} 0\n")
    assert read_vectors(path, ["good"]).found == {"good": [float(value), 0.0]}


@pytest.mark.parametrize("value", ["3.4028236e38", "-3.4028236e38", "1e39", "-1e39", "3.4028235677973366e38"])
def test_a_value_float32_rounds_to_infinity_is_refused(tmp_path: Path, value: str) -> None:
    assert torch.tensor([float(value)], dtype=torch.float32).isinf().all()
    path = write(tmp_path, "v.vec", f"1 2\ngood {value} 0\n")
    with pytest.raises(UserError, match=rf"line 2: '{value}' is too large for the model's 32-bit weights"):
        read_vectors(path, ["good"])
