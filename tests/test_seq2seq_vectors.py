"""Pretrained word vectors for a translator (``rnnkit train seq2seq --src-vectors FILE --tgt-vectors FILE``;
OpenNMT-py's ``-pre_word_vecs_enc`` and ``-pre_word_vecs_dec``): the rows of the words found start as their vectors."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

import rnnkit
from rnnkit.cli import main
from rnnkit.errors import SettingError, UserError
from rnnkit.tasks import translate
from rnnkit.tasks.translate import Seq2SeqConfig
from tests.test_pretrained_vectors import BAD, GOOD, W2V, write

pytestmark = pytest.mark.usefixtures("one_torch_thread")

PAIRS = "".join(f"good film {i}\tbad movie {i}\n" for i in range(12)) + "a good day\tun bad dia\n"


class Started(Exception):
    """Raised in place of training: the model as it starts."""


def _start(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, out: str, **settings: Any) -> dict[str, Any]:
    """The model a seq2seq run starts training from, its vocabularies and its config (the Trainer replaced)."""
    seen: dict[str, Any] = {}

    def capture(model: Any, *args: Any, **kw: Any) -> None:
        seen.update(model=model, vocab=kw["vocab"], config=kw["model_config"])
        raise Started

    data = tmp_path / "pairs.tsv"
    data.write_text(PAIRS, encoding="utf-8")
    monkeypatch.setattr(translate, "Trainer", capture)
    config = Seq2SeqConfig(**{"tokenizer": "word", "embedding": 4, "hidden": 4, "steps": 2, **settings})
    with pytest.raises(Started):
        translate.train(config, str(data), tmp_path / out, verbose=False)
    return seen


def _files(tmp_path: Path) -> tuple[Path, Path]:
    """A vectors file (good, bad, unseen) and the pairs file, in ``tmp_path``."""
    data = tmp_path / "pairs.tsv"
    data.write_text(PAIRS, encoding="utf-8")
    return write(tmp_path, "v.vec", W2V), data


def _row(seen: dict[str, Any], side: str, word: str) -> list[float]:
    symbols = ["<pad>", "<unk>", *seen["vocab"][side]["symbols"]]
    embedding = seen["model"].src_embedding if side == "source" else seen["model"].tgt_embedding
    return embedding.weight[symbols.index(word)].tolist()


def test_each_sides_found_words_start_as_their_vectors(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    vec = write(tmp_path, "v.vec", W2V)  # good, bad, unseen
    seen = _start(monkeypatch, tmp_path, "o", src_vectors=str(vec), tgt_vectors=str(vec))
    plain = _start(monkeypatch, tmp_path, "p")  # the same seed, no vectors
    assert _row(seen, "source", "good") == GOOD and _row(seen, "target", "bad") == BAD
    assert _row(seen, "source", "film") == _row(plain, "source", "film")  # not in the file: the usual start
    assert _row(seen, "target", "movie") == _row(plain, "target", "movie")
    assert _row(plain, "source", "good") != GOOD
    assert seen["config"]["pretrained_vectors"] == {
        "source": {"file": os.path.abspath(vec), "dim": 4, "words": 15, "found": 1},
        "target": {"file": os.path.abspath(vec), "dim": 4, "words": 15, "found": 1}}
    assert seen["config"]["settings"]["src_vectors"] == os.path.abspath(vec)
    # the target side only, with the decoder's output layer tied to its embedding: the output rows start so too
    tied = _start(monkeypatch, tmp_path, "t", tgt_vectors=str(vec), share_decoder_embeddings=True)
    symbols = ["<pad>", "<unk>", *tied["vocab"]["target"]["symbols"]]
    assert tied["model"].output.weight[symbols.index("bad")].tolist() == BAD
    assert set(tied["config"]["pretrained_vectors"]) == {"target"}


def test_one_shared_matrix_takes_the_target_vectors(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    vec = write(tmp_path, "v.vec", W2V)
    seen = _start(monkeypatch, tmp_path, "s", tgt_vectors=str(vec), share_embeddings=True)
    symbols = ["<pad>", "<unk>", *seen["vocab"]["target"]["symbols"]]
    assert seen["model"].tgt_embedding.weight[symbols.index("good")].tolist() == GOOD
    assert getattr(seen["model"], "src_embedding", None) is None  # the encoder reads that one matrix
    with pytest.raises(SettingError, match="src_vectors .*with --share-embeddings the encoder reads the target's"):
        _start(monkeypatch, tmp_path, "s2", src_vectors=str(vec), share_embeddings=True)


def test_bad_vectors_are_refused_before_anything_is_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    vec, data = _files(tmp_path)
    base = ["train", "seq2seq", "--data", str(data), "--steps", "1", "--no-progress"]
    # --embedding 64, the size a run given none of it and no vectors takes, given: refused as any other size
    cases = [(["--tokenizer", "word", "--src-vectors", str(vec), "--embedding", "64"],
              "holds vectors of 4 values and --embedding is 64; give --embedding 4, or leave it out to take the "
              "vectors' size"),
             (["--src-vectors", str(vec), "--embedding", "4"], "the source side is char tokens"),
             (["--tokenizer", "word", "--src-tokenizer", "bpe", "--tgt-vectors", str(vec), "--embedding", "4",
               "--src-vectors", str(vec)], "the source side is bpe tokens"),
             (["--tokenizer", "word", "--tgt-vectors", str(tmp_path / "none.vec"), "--embedding", "4"], "none.vec")]
    for i, (flags, message) in enumerate(cases):
        out = tmp_path / f"o{i}"
        assert main([*base, *flags, "--out", str(out)]) == 2, flags
        assert message in capsys.readouterr().err
        assert not out.exists()


def test_a_cli_run_says_the_coverage_and_resumes_without_the_file(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    vec, data = _files(tmp_path)
    out = tmp_path / "run"
    flags = ["train", "seq2seq", "--data", str(data), "--tokenizer", "word", "--embedding", "4", "--hidden", "4",
             "--src-vectors", str(vec), "--no-progress", "--save-minutes", "0"]
    assert main([*flags, "--steps", "2", "--out", str(out)]) == 0
    assert f"source pretrained vectors: 1 of the vocabulary's 15 words found in {vec}" in capsys.readouterr().err
    first = json.loads((out / "last" / "config.json").read_text(encoding="utf-8"))["pretrained_vectors"]
    vec.unlink()  # a resumed run has its weights; the file is not read again
    assert main([*flags, "--steps", "4", "--resume", str(out)]) == 0
    assert json.loads((out / "last" / "config.json").read_text(encoding="utf-8"))["pretrained_vectors"] == first
    assert rnnkit.load(out).translate("good film 3")  # a translator like any other
    with pytest.raises(UserError):
        translate.train(Seq2SeqConfig(tokenizer="word", embedding=4, src_vectors=str(vec)), str(data),
                        tmp_path / "gone", verbose=False)


def test_a_resumed_run_given_its_own_file_by_a_relative_name_goes_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    # as classify's --pretrained-vectors (tests/test_pretrained_vectors.py): the run records /abs/v.vec, and the
    # same v.vec given again from its folder is that file, not a change refused as one
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "v.vec", W2V)
    write(tmp_path, "w.vec", W2V)
    (tmp_path / "pairs.tsv").write_text(PAIRS, encoding="utf-8")
    assert main(["train", "seq2seq", "--data", "pairs.tsv", "--tokenizer", "word", "--embedding", "4", "--hidden",
                 "4", "--src-vectors", "v.vec", "--steps", "1", "--no-progress", "--out", "out"]) == 0
    assert main(["train", "seq2seq", "--resume", "out", "--src-vectors", "v.vec", "--steps", "2",
                 "--no-progress"]) == 0
    capsys.readouterr()
    assert main(["train", "seq2seq", "--resume", "out", "--src-vectors", "w.vec", "--steps", "3"]) == 2
    assert f"the resumed run used {tmp_path / 'v.vec'}" in capsys.readouterr().err
    assert main(["train", "seq2seq", "--resume", "out", "--tgt-vectors", "v.vec", "--steps", "3"]) == 2
    assert "--tgt-vectors v.vec: the resumed run had none" in capsys.readouterr().err
    rnnkit.fit("seq2seq", "pairs.tsv", "out", resume=True, src_vectors="v.vec", steps=3, verbose=False,
               progress=False)
    assert rnnkit.load(tmp_path / "out").translate("good film 3")


def test_a_file_that_cannot_be_read_is_named_by_its_own_flag(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "pairs.tsv"
    data.write_text(PAIRS, encoding="utf-8")
    base = ["train", "seq2seq", "--data", str(data), "--tokenizer", "word", "--embedding", "4", "--steps", "1",
            "--out", str(tmp_path / "o")]
    assert main([*base, "--tgt-vectors", str(tmp_path / "none.vec")]) == 2
    assert f"--tgt-vectors {tmp_path / 'none.vec'}: no such file" in capsys.readouterr().err  # not --pretrained-...
    (tmp_path / "d").mkdir()
    assert main([*base, "--src-vectors", str(tmp_path / "d")]) == 2
    assert f"--src-vectors {tmp_path / 'd'}: is a directory" in capsys.readouterr().err


def test_two_files_of_different_sizes_are_refused_as_such(tmp_path: Path) -> None:
    # one --embedding for both sides: "give --embedding 4" for the source would then refuse the target's 3
    vec = write(tmp_path, "v.vec", W2V)
    three = write(tmp_path, "three.vec", "good 1 2 3\n")
    (tmp_path / "pairs.tsv").write_text(PAIRS, encoding="utf-8")
    config = Seq2SeqConfig(tokenizer="word", embedding=4, src_vectors=str(vec), tgt_vectors=str(three))
    with pytest.raises(UserError, match=r"--src-vectors .*v\.vec holds vectors of 4 values and --tgt-vectors "
                                        r".*three\.vec of 3; the source and target embeddings are of one size"):
        translate.train(config, str(tmp_path / "pairs.tsv"), tmp_path / "o", verbose=False)
    assert not (tmp_path / "o").exists()


def test_a_run_saved_before_the_vectors_settings_refuses_them(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    # its settings lack src_vectors: the flag passed refuse_changed_kept, the run went on without reading the
    # file, and its config.json recorded settings.src_vectors = the file as if its rows had started from it
    vec, data = _files(tmp_path)
    out = tmp_path / "run"
    assert main(["train", "seq2seq", "--data", str(data), "--tokenizer", "word", "--embedding", "4", "--hidden", "4",
                 "--steps", "1", "--no-progress", "--out", str(out)]) == 0
    for folder in ("last", "best"):
        path = out / folder / "config.json"
        config = json.loads(path.read_text())
        del config["settings"]["src_vectors"], config["settings"]["tgt_vectors"]
        path.write_text(json.dumps(config))
    capsys.readouterr()
    assert main(["train", "seq2seq", "--resume", str(out), "--steps", "2", "--src-vectors", str(vec)]) == 2
    assert f"--src-vectors {vec}: the resumed run had none" in capsys.readouterr().err
    assert main(["train", "seq2seq", "--resume", str(out), "--steps", "2", "--no-progress"]) == 0


def test_a_tied_run_is_told_both_sizes_at_once(tmp_path: Path) -> None:
    # --embedding 4 alone would then be refused as --hidden 8 != --embedding 4: one refusal names both
    vec = write(tmp_path, "v.vec", W2V)
    (tmp_path / "pairs.tsv").write_text(PAIRS, encoding="utf-8")
    config = Seq2SeqConfig(tokenizer="word", embedding=8, hidden=8, share_decoder_embeddings=True,
                           tgt_vectors=str(vec))
    with pytest.raises(UserError, match="give --embedding 4 and --hidden 4 "):
        translate.train(config, str(tmp_path / "pairs.tsv"), tmp_path / "o", verbose=False)
    with pytest.raises(UserError, match="give --embedding 4, or leave it out to take the vectors' size$"):  # untied
        translate.train(replace(config, share_decoder_embeddings=False), str(tmp_path / "pairs.tsv"), tmp_path / "o",
                        verbose=False)


def test_a_run_without_embedding_takes_the_vectors_size(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # as classify's --pretrained-vectors: the size is said and recorded, so that resume and load build the same model
    vec, data = _files(tmp_path)
    out = tmp_path / "run"
    flags = ["train", "seq2seq", "--data", str(data), "--tokenizer", "word", "--hidden", "4", "--no-progress",
             "--save-minutes", "0"]
    assert main([*flags, "--src-vectors", str(vec), "--tgt-vectors", str(vec), "--steps", "1", "--out",
                 str(out)]) == 0
    assert f"seq2seq: embedding size 4, the vectors' (--src-vectors {vec} and --tgt-vectors {vec})" in \
        capsys.readouterr().err
    config = json.loads((out / "last" / "config.json").read_text(encoding="utf-8"))
    assert config["settings"]["embedding"] == 4 and config["model"]["embedding"] == 4
    vec.unlink()  # resumed and loaded from the record alone
    assert main([*flags, "--steps", "2", "--resume", str(out)]) == 0
    assert json.loads((out / "last" / "config.json").read_text(encoding="utf-8"))["settings"]["embedding"] == 4
    assert rnnkit.load(out).translate("good film 3")
    # tied: the vectors' size must be --hidden's too, said as such (no --embedding was given)
    with pytest.raises(UserError, match=r"holds vectors of 4 values, the embedding size, and "
                                        r"--share-decoder-embeddings needs --hidden 4 too \(the output layer reads "
                                        r"--hidden values; --hidden is 8\)$"):
        translate.train(Seq2SeqConfig(tokenizer="word", hidden=8, tgt_vectors=str(write(tmp_path, "w.vec", W2V)),
                                      share_decoder_embeddings=True), str(data), tmp_path / "t", verbose=False)
    assert not (tmp_path / "t").exists()


def test_a_run_without_vectors_or_embedding_takes_64(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert Seq2SeqConfig().embedding is None  # not given: an --embedding 64 given is told from it
    seen = _start(monkeypatch, tmp_path, "o", embedding=None)
    assert seen["model"].src_embedding.weight.shape[1] == 64 and seen["config"]["settings"]["embedding"] == 64
