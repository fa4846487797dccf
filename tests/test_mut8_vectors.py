"""Gaps a mutation audit of :mod:`rnnkit.data.vectors` found (round 8): each test fails on one changed line."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from rnnkit.data.vectors import read_vectors, vector_dimension
from rnnkit.errors import UserError


def write(tmp_path: Path, name: str, data: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return path


def test_a_directory_is_refused_as_one(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"^--pretrained-vectors .*: is a directory; expected a file of word vectors"):
        vector_dimension(tmp_path)


def test_blank_lines_are_no_rows(tmp_path: Path) -> None:
    path = write(tmp_path, "v.vec", "\n2 2\n\ngood 1 2\n   \nbad 3 4\n\n")
    assert read_vectors(path, ["good", "bad"]).found == {"good": [1.0, 2.0], "bad": [3.0, 4.0]}


def test_a_gzip_file_cut_short_is_refused_in_one_line(tmp_path: Path) -> None:
    whole = gzip.compress(("w 0.5 0.5\n" * 2000).encode())
    path = write(tmp_path, "v.vec.gz", whole[: len(whole) // 2])  # gzip's reader raises EOFError
    with pytest.raises(UserError, match=r"v\.vec\.gz: cannot read as gzip"):
        read_vectors(path, ["w"])


def test_a_glove_file_of_one_value_whose_first_word_is_no_number_has_no_header(tmp_path: Path) -> None:
    path = write(tmp_path, "v.txt", "foo 1\nbar 2\n")
    assert vector_dimension(path) == 1
    assert read_vectors(path, ["foo", "bar"]).found == {"foo": [1.0], "bar": [2.0]}


@pytest.mark.parametrize(("text", "said"), [
    ("3 0\n", r"v\.txt, line 1: the header says dimension 0; expected 'COUNT DIM' with DIM >= 1$"),
    ("3 0\nfoo\n", r"v\.txt, line 1: the header says dimension 0"),
    ("\nfoo\nbar 1\n", r"v\.txt, line 2: expected a word and its numbers \('word v1 \.\.\. vDIM'\), or a header "
                       r"'COUNT DIM'; found 1 field$"),
])
def test_a_first_line_of_no_vectors_is_refused_naming_it(tmp_path: Path, text: str, said: str) -> None:
    path = write(tmp_path, "v.txt", text)
    with pytest.raises(UserError, match=said):
        vector_dimension(path)
    with pytest.raises(UserError, match=said):
        read_vectors(path, ["foo"])


@pytest.mark.parametrize(("text", "said"), [
    ("good 1 2\nbad 1\n", "line 2: expected a word and 2 numbers (as on the first row); found 1 value after the word"),
    ("good 1 2\nbad 1 2 3\n", "line 2: expected a word and 2 numbers (as on the first row); found 3 values after the "
                              "word"),
    ("2 2\ngood 1 2\nbad\n", "line 3: expected a word and 2 numbers (the header's dimension); found 0 values after "
                             "the word"),
    # a .vec whose line 2 is cut to one value reads as GloVe rows of one value until a row of the header's DIM:
    # that row's count names line 2 and the header (it was 'line 3: expected a word and 1 numbers')
    ("2 4\ngood 1\nbad 1 2 3 4\n", "line 2: expected a word and 4 numbers (the header's dimension, line 1 'COUNT DIM', "
                                  "as line 3 holds); found 1 value after the word (read as GloVe rows of one value, "
                                  "line 3 would be the one wrong)"),
    ("\n3 4\n\ngood 1\nfine 2\nbad 1 2 3 4\n", "line 4: expected a word and 4 numbers (the header's dimension, "
                                           "line 2 'COUNT DIM', as line 6 holds); found 1 value after the word "
                                           "(read as GloVe rows of one value, line 6 would be the one wrong)"),
    # a one-value GloVe file whose first word is a number: a row of another count than the first line's second
    # number is that row's fault, as before
    ("1 4\ngood 1\nbad 1 2 3\n", "line 3: expected a word and 1 number (as on the first row); found 3 values after "
                                "the word"),
])
def test_a_row_of_another_count_says_where_the_count_came_from(tmp_path: Path, text: str, said: str) -> None:
    path = write(tmp_path, "v.txt", text)
    with pytest.raises(UserError) as caught:
        read_vectors(path, ["good"])
    assert str(caught.value) == f"{path}, {said}"


def test_a_word_written_decomposed_is_found_as_the_tokenizers_compose_it(tmp_path: Path) -> None:
    nfd = "cafe\u0301"  # e + combining acute: the file's bytes; the tokenizers write NFC 'café'
    path = write(tmp_path, "v.txt", f"{nfd} 1 2\nnaive 3 4\n")
    assert read_vectors(path, ["caf\u00e9", "naive"]).found == {"caf\u00e9": [1.0, 2.0], "naive": [3.0, 4.0]}


def test_a_first_line_n_1_before_more_than_n_rows_is_a_glove_row(tmp_path: Path) -> None:
    path = write(tmp_path, "v.txt", "1 1\nfoo 0.5\nbar 0.25\n")  # 1 row promised, 2 follow: '1' is a word
    assert read_vectors(path, ["1", "bar"]).found == {"1": [1.0], "bar": [0.25]}


def test_a_header_and_no_rows_is_refused_as_such(tmp_path: Path) -> None:
    path = write(tmp_path, "v.vec", "3 4\n\n")
    with pytest.raises(UserError) as caught:
        read_vectors(path, ["good"])
    assert str(caught.value) == f"{path}: holds a header and no vectors; expected 'word v1 ... v4' lines after it"


def test_a_file_one_row_short_of_its_header_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "v.vec", "3 2\ngood 1 2\n\nbad 3 4\n")
    with pytest.raises(UserError) as caught:
        read_vectors(path, ["good"])
    assert str(caught.value) == (f"{path}: ends after 2 vectors (line 4), and its header (line 1) says 3: a file cut "
                                 "short, such as a download that stopped? Fetch it again, or, if it was cut on "
                                 "purpose, write 2 as the header's first number")


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "1e400", "1_0", "0.5_5"])
def test_a_value_that_is_not_finite_is_not_a_number(tmp_path: Path, value: str) -> None:
    path = write(tmp_path, "v.txt", f"good 1 {value}\n")
    with pytest.raises(UserError, match=rf"v\.txt, line 1: '{value}' is not a number; expected a word and 2 finite "
                                        "numbers$"):
        read_vectors(path, ["good"])


def test_the_vocabulary_words_leave_out_pad_unk_and_word_pairs() -> None:
    from rnnkit.data.vectors import vocabulary_words

    assert vocabulary_words(["<pad>", "<unk>", "good", "not good", "film"]) == ["good", "film"]


def test_only_ascii_digits_are_zeroed() -> None:
    from rnnkit.data.vectors import forms

    assert forms("A\u0663b1") == ("A\u0663b1", "a\u0663b1", "A\u0663b0", "a\u0663b0")  # Arabic-Indic 3 is kept
    assert forms("good") == ("good",) and forms("Good") == ("Good", "good")  # repeats left out


def test_vectors_of_another_size_than_the_embedding_are_refused() -> None:
    from torch import nn

    from rnnkit.data.vectors import Vectors, copy_vectors

    for size in (3, 5):
        with pytest.raises(ValueError, match=f"an embedding of size {size}, vectors of 4"):
            copy_vectors(nn.Embedding(3, size), ["<pad>", "<unk>", "good"], Vectors("v", 4, {"good": [1.0] * 4}))


def test_pad_and_unk_rows_keep_their_start_and_values_keep_float32(tmp_path: Path) -> None:
    """'<PAD>' and '<UNK>', vocabulary words, look up '<pad>' and '<unk>' (their lower case), which a file may
    hold: their rows take them; rows 0 and 1, <pad> and <unk> themselves, keep their start. A word pair (an
    ngram tokenizer's) is no vocabulary word. 0.1 is kept as float32 rounds it."""
    import torch
    from torch import nn

    from rnnkit.data.vectors import copy_vectors, looked_up, vocabulary_words

    symbols = ["<pad>", "<unk>", "<PAD>", "<UNK>", "not good", "good"]
    path = write(tmp_path, "v.txt", "<pad> 1 1\n<unk> 2 2\ngood 0.1 3\n")
    vectors = read_vectors(path, looked_up(vocabulary_words(symbols)))
    emb = nn.Embedding(len(symbols), 2)
    before = emb.weight.detach().clone()
    assert copy_vectors(emb, symbols, vectors) == (3, 3)
    assert torch.equal(emb.weight[:2], before[:2]) and torch.equal(emb.weight[4], before[4])
    assert emb.weight[2].tolist() == [1.0, 1.0] and emb.weight[3].tolist() == [2.0, 2.0]
    assert torch.equal(emb.weight[5], torch.tensor([0.1, 3.0], dtype=torch.float32))
