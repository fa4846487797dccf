"""Mutation audit round 14: what a classifier reads (:mod:`rnnkit.tasks._classify_data`), on tiny files."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from rnnkit.data.tabular import read_table
from rnnkit.data.tokenize import build_tokenizer
from rnnkit.errors import SettingError, UserError
from rnnkit.tasks._classify_config import ClassifyConfig
from rnnkit.tasks._classify_data import (
    _encode_texts,
    _pretrain_texts,
    _read_tables,
    _say_headerless,
    _text_list,
    _tokenizer,
    is_multi_label,
    warn_headerless,
)


def write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_a_file_without_a_header_line_is_said_once_and_a_headed_one_not(tmp_path: Path,
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    bare = read_table(write(tmp_path / "bare.csv", '"1","a gem"\n"0","dull"\n"1","fine"\n"0","meh"\n'))
    headed = read_table(write(tmp_path / "head.csv", "text,label\nx,1\ny,0\n"))
    _say_headerless(bare, bare.subset([0, 1]), headed)
    err = capsys.readouterr().err
    assert err.count("bare.csv: no header line") == 1 and "head.csv" not in err
    with pytest.warns(UserWarning, match="bare.csv: no header line"):
        warn_headerless(bare)


def test_a_headed_file_gives_no_warning(tmp_path: Path, recwarn: pytest.WarningsRecorder) -> None:
    warn_headerless(read_table(write(tmp_path / "head.csv", "text,label\nx,1\ny,0\n")))
    assert not [w for w in recwarn if "header" in str(w.message)]


def test_one_string_and_blank_texts_are_refused() -> None:
    with pytest.raises(TypeError, match="for one text, give \\[text\\]"):
        _text_list("predict", "a text")
    with pytest.raises(UserError, match=r"texts\[1\] is empty"):
        _text_list("predict", ["fine", "  "])
    assert _text_list("predict", ("a", "b")) == ["a", "b"]


def test_texts_are_stripped_and_cut_to_max_len() -> None:
    chars = build_tokenizer("char", ["abcdef"])
    assert _encode_texts(chars, ["  ab  "], 10) == [chars.encode("ab")]
    assert _encode_texts(chars, ["abcdef"], 3) == [chars.encode("abc")]
    assert _encode_texts(chars, ["   "], 3) == [[1]]


ROWS = "text,label\n" + "".join(f"text {i} {'good' if i % 2 else 'bad'},{'pos' if i % 2 else 'neg'}\n"
                                  for i in range(10))


def ckpt(labels: list[str], multi_label: bool = False, settings: dict | None = None) -> SimpleNamespace:
    return SimpleNamespace(config={"labels": labels, "multi_label": multi_label, "settings": settings or {}},
                           vocab=None, path="old-run")


def test_the_label_separator_is_refused_for_a_jsonl_validation_file(tmp_path: Path) -> None:
    data = write(tmp_path / "a.csv", ROWS)
    val = write(tmp_path / "v.jsonl", '{"text": "so good", "label": "pos"}\n{"text": "bad", "label": "neg"}\n')
    config = ClassifyConfig(label_separator="|")
    with pytest.raises(UserError, match="v.jsonl is read as JSON Lines"):
        _read_tables(config, data, val, None)
    with pytest.raises(UserError, match="a.jsonl is read as JSON Lines"):
        _read_tables(config, write(tmp_path / "a.jsonl", ROWS_JSONL), None, None)
    train_t, val_t, labels = _read_tables(config, data, None, None)  # a CSV: split at it
    assert labels == ["neg", "pos"] and len(train_t) + len(val_t) == 10 and len(val_t) > 0


ROWS_JSONL = "".join(f'{{"text": "t {i}", "label": "{"pos" if i % 2 else "neg"}"}}\n' for i in range(10))


def test_the_labels_are_the_training_rows_and_one_label_is_refused(tmp_path: Path) -> None:
    data = write(tmp_path / "a.csv", "text,label\nx,pos\ny,neg\nz,pos\n")
    val = write(tmp_path / "v.csv", "text,label\nw,pos\n")
    train_t, val_t, labels = _read_tables(ClassifyConfig(), data, val, None)
    assert labels == ["neg", "pos"] and val_t.texts == ["w"]
    one = write(tmp_path / "one.csv", "text,label\nx,pos\ny,pos\n")
    with pytest.raises(UserError, match=r"one.csv: column 'label' has only one label \('pos'\)"):
        _read_tables(ClassifyConfig(), one, val, None)
    new_in_val = write(tmp_path / "nv.csv", "text,label\nw,other\n")
    with pytest.raises(UserError, match="other"):
        _read_tables(ClassifyConfig(), data, new_in_val, None)


def test_a_resumed_run_keeps_its_labels_and_refuses_a_new_one(tmp_path: Path) -> None:
    data = write(tmp_path / "a.csv", "text,label\nx,pos\ny,neg\nz,pos\n")
    val = write(tmp_path / "v.csv", "text,label\nw,pos\n")
    _, _, labels = _read_tables(ClassifyConfig(), data, val, ckpt(["neg", "pos", "zzz"]))
    assert labels == ["neg", "pos", "zzz"]
    with pytest.raises(UserError, match="neg"):
        _read_tables(ClassifyConfig(), data, val, ckpt(["pos", "zzz"]))


def test_too_few_rows_for_a_validation_split_is_refused(tmp_path: Path) -> None:
    data = write(tmp_path / "a.csv", "text,label\nx,pos\ny,neg\n")
    with pytest.raises(UserError, match=r"a.csv: too few rows for a validation split \(2\)"):
        _read_tables(ClassifyConfig(), data, None, None)


def test_pretrain_texts_are_read_stripped_and_a_resumed_run_reads_none(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "u.csv", 'text\n"  spaced out  "\nplain\n')
    assert _pretrain_texts(ClassifyConfig(pretrain_data="u.csv"), None, tmp_path, "u.csv") == ["spaced out", "plain"]
    assert _pretrain_texts(ClassifyConfig(), None, tmp_path, None) == []
    same = ckpt(["a", "b"], settings={"pretrain_data": str(tmp_path / "u.csv")})
    assert _pretrain_texts(ClassifyConfig(pretrain_data="./u.csv"), same, tmp_path, "./u.csv") == []
    assert _pretrain_texts(ClassifyConfig(), ckpt(["a", "b"]), tmp_path, None) == []
    for saved in (ckpt(["a", "b"]), ckpt(["a", "b"], settings={"pretrain_data": str(tmp_path / "other.csv")})):
        with pytest.raises(UserError, match="--pretrain-data: .* is resumed from its checkpoint"):
            _pretrain_texts(ClassifyConfig(pretrain_data="u.csv"), saved, tmp_path, "u.csv")


def test_the_tokenizer_learns_the_unlabelled_words_and_keeps_min_count_and_buckets() -> None:
    tok = _tokenizer(ClassifyConfig(tokenizer="word", vocab_size=100, min_count=1), None, ["good film"], ["rare"])
    assert "rare" in tok.symbols
    twice = _tokenizer(ClassifyConfig(tokenizer="word", vocab_size=100, min_count=2), None, ["a a b", "a c"], [])
    assert "a" in twice.symbols and "b" not in twice.symbols
    small = _tokenizer(ClassifyConfig(tokenizer="word", vocab_size=100, min_count=1, char_ngrams="3,4", buckets=16),
                       None, ["good film"], [])
    default = _tokenizer(ClassifyConfig(tokenizer="word", vocab_size=100, min_count=1, char_ngrams="3,4"),
                         None, ["good film"], [])
    assert small.vocab_size == default.vocab_size - (2 ** 17 - 16)
    with pytest.raises(SettingError, match="min_count"):
        _tokenizer(ClassifyConfig(tokenizer="word", vocab_size=100, min_count=2), None, ["a b", "c d"], [])


def test_several_labels_a_text_make_a_multi_label_run_and_refuse_class_weights(tmp_path: Path) -> None:
    multi = read_table(write(tmp_path / "m.jsonl", '{"text": "a", "label": ["x", "y"]}\n{"text": "b", "label": "x"}\n'))
    single = read_table(write(tmp_path / "s.csv", "text,label\na,x\nb,y\n"))
    assert is_multi_label(ClassifyConfig(), None, single, multi) is True
    assert is_multi_label(ClassifyConfig(), None, single) is False
    assert is_multi_label(ClassifyConfig(multi_label=True), None, single) is True
    assert is_multi_label(ClassifyConfig(), ckpt(["x", "y"], multi_label=True), single) is True
    assert is_multi_label(ClassifyConfig(class_weights="balanced"), None, single) is False
    with pytest.raises(SettingError, match="class_weights"):
        is_multi_label(ClassifyConfig(class_weights="balanced"), None, multi)
    with pytest.raises(UserError, match="m.jsonl: a text with several labels, but the run being resumed is a single"):
        is_multi_label(ClassifyConfig(), ckpt(["x", "y"]), single, multi)


def test_a_multi_label_run_takes_a_validation_label_unseen_in_training(tmp_path: Path) -> None:
    data = write(tmp_path / "a.jsonl", '{"text": "a", "label": ["x", "y"]}\n{"text": "b", "label": "x"}\n')
    val = write(tmp_path / "v.jsonl", '{"text": "c", "label": ["x", "new"]}\n')
    _, _, labels = _read_tables(ClassifyConfig(), data, val, None)
    assert labels == ["x", "y"]


def test_a_resumed_run_keeps_its_own_tokenizer() -> None:
    saved = build_tokenizer("word", ["old words only"], vocab_size=100)
    resumed = SimpleNamespace(config={"labels": ["a", "b"]}, vocab=saved.to_json(), path="old-run")
    tok = _tokenizer(ClassifyConfig(tokenizer="word", vocab_size=100, min_count=1), resumed, ["brand new text"], [])
    assert tok.symbols == saved.symbols
