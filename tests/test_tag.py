"""`rnnkit train tag`: a generated character-class tagging task that a bidirectional model solves exactly."""

from __future__ import annotations

import io
import json
import random
import re
from pathlib import Path

import pytest
import torch

import rnnkit
from rnnkit.cli import main
from rnnkit.errors import UserError

LETTERS, DIGITS, PUNCT = "abcxyz가나", "0123456789", ".,!?-"
ALPHABET = LETTERS + DIGITS + PUNCT + " "

pytestmark = pytest.mark.usefixtures("one_torch_thread")



def char_class(ch: str) -> str:
    if ch in DIGITS:
        return "DIGIT"
    if ch in LETTERS:
        return "LETTER"
    if ch == " ":
        return "SPACE"
    return "PUNCT"


def make_conll(path: Path, n: int, seed: int) -> Path:
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as fh:
        for _ in range(n):
            for ch in (rng.choice(ALPHABET) for _ in range(rng.randint(3, 14))):
                fh.write(f"{ch}\t{char_class(ch)}\n")
            fh.write("\n")
    return path


@pytest.fixture(scope="module")
def tagger(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("tag")
    train = make_conll(tmp / "train.conll", 200, 0)
    test = make_conll(tmp / "test.conll", 60, 1)
    out = tmp / "run"
    argv = ["train", "tag", "--data", str(train), "--val-data", str(test), "--out", str(out), "--steps", "60",
            "--hidden", "16", "--embedding", "16", "--lr", "0.02", "--eval-every", "30", "--dropout", "0",
            "--no-progress", "--json"]
    assert main(argv) == 0
    return out, test


def test_bidirectional_tagger_solves_char_classes_exactly(tagger: tuple[Path, Path],
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    out, test = tagger
    config = json.loads((out / "best" / "config.json").read_text(encoding="utf-8"))
    assert config["task"] == "tag" and config["model"]["bidirectional"] and config["split"] == "chars"
    assert config["fold_words"] is False  # a character tagger keeps the case of its tokens
    capsys.readouterr()
    assert main(["evaluate", str(out), "--data", str(test), "--json"]) == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert {"accuracy", "macro_f1", "per_class", "confusion"} <= set(report)
    assert report["accuracy"] == 1.0
    assert set(report["per_class"]) == {"DIGIT", "LETTER", "PUNCT", "SPACE"}


def test_predict_text_and_conll_file(tagger: tuple[Path, Path], capsys: pytest.CaptureFixture[str],
                                     tmp_path: Path) -> None:
    out, test = tagger
    capsys.readouterr()
    assert main(["predict", str(out), "ab 12!", "--json"]) == 0
    result = json.loads(capsys.readouterr().out.strip())
    assert result["tokens"] == list("ab 12!")
    assert result["tags"] == ["LETTER", "LETTER", "SPACE", "DIGIT", "DIGIT", "PUNCT"]
    bare = tmp_path / "bare.conll"
    bare.write_text("a\n7\n\n?\n", encoding="utf-8")
    tagged = tmp_path / "tagged.conll"
    assert main(["predict", str(out), "--file", str(bare), "--output", str(tagged)]) == 0
    assert tagged.read_text(encoding="utf-8") == "a\tLETTER\n7\tDIGIT\n\n?\tPUNCT\n"  # the file's lines, tagged
    capsys.readouterr()
    assert main(["predict", str(out), "--file", str(bare), "--json"]) == 0
    assert [json.loads(x) for x in capsys.readouterr().out.splitlines()] == [
        {"tokens": ["a", "7"], "tags": ["LETTER", "DIGIT"]}, {"tokens": ["?"], "tags": ["PUNCT"]}]


def test_predict_reads_a_file_of_plain_sentences_one_a_line(tagger: tuple[Path, Path], tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    """Sentences of equal word counts were read as CoNLL: 'ab 1' and 'cd 2' became one sentence ['ab', 'cd'];
    of different counts they were refused as malformed CoNLL."""
    out, _ = tagger
    texts = ["ab 1", "cd 2"]
    expected = [{"tokens": list(t), "tags": tags}
                for t, tags in zip(texts, rnnkit.load(out).predict(texts), strict=True)]
    for content in ("ab 1\ncd 2\n", "ab 1\r\ncd 2"):
        (tmp_path / "s.txt").write_text(content, encoding="utf-8")
        capsys.readouterr()
        assert main(["predict", str(out), "--file", str(tmp_path / "s.txt"), "--json"]) == 0
        captured = capsys.readouterr()
        assert [json.loads(x) for x in captured.out.splitlines()] == expected
        assert captured.err == (f"{tmp_path / 's.txt'}: read as one sentence a line (not CoNLL: a token and its "
                                "tag a line)\n")
    (tmp_path / "s.txt").write_text("ab 1 !\ncd 2\n", encoding="utf-8")
    assert main(["predict", str(out), "--file", str(tmp_path / "s.txt"), "--json"]) == 0
    assert [json.loads(x)["tokens"] for x in capsys.readouterr().out.splitlines()] == [list("ab 1 !"), list("cd 2")]
    # one block whose last column holds the model's tags is CoNLL (a tagged file given to predict)
    (tmp_path / "t.conll").write_text("a LETTER\n7 DIGIT\n", encoding="utf-8")
    assert main(["predict", str(out), "--file", str(tmp_path / "t.conll"), "--json"]) == 0
    captured = capsys.readouterr()
    assert [json.loads(x) for x in captured.out.splitlines()] == [{"tokens": ["a", "7"], "tags": ["LETTER", "DIGIT"]}]
    assert captured.err == ""


def test_predict_output_is_written_whole_or_not_at_all(tagger: tuple[Path, Path], tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """--output was opened in place: a write that failed half-way left half a file where the last one was,
    /dev/full ended in a traceback (the error came at close and named no file), and a missing folder was
    an error where --out and --onnx make theirs."""
    from rnnkit.tasks import _tag_verbs

    out, _ = tagger
    target = tmp_path / "new" / "t.jsonl"
    assert main(["predict", str(out), "a7", "?", "--output", str(target)]) == 0
    before = target.read_bytes()
    real = _tag_verbs._json_line
    lines: list[str] = []

    def full_after_one(tokens: list[str], tags: list[str]) -> str:
        lines.append(real(tokens, tags))
        if len(lines) > 1:
            raise OSError(28, "No space left on device")
        return lines[-1]

    monkeypatch.setattr(_tag_verbs, "_json_line", full_after_one)
    assert main(["predict", str(out), "7a", "a", "--output", str(target)]) == 2
    assert len(lines) == 2 and target.read_bytes() == before
    assert [x.name for x in target.parent.iterdir()] == ["t.jsonl"]  # no temporary file left
    assert main(["predict", str(out), "a7", "--output", "/dev/full"]) == 2
    assert main(["predict", str(out), "a7", "--output", str(tmp_path)]) == 2  # a folder, before any tagging
    assert capsys.readouterr().err.endswith(f"--output {tmp_path}: is a folder; expected the name of a file to write\n")


def test_predict_output_onto_the_file_it_reads_is_refused(tagger: tuple[Path, Path], tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    """`predict DIR --file X --output X` replaced the sentences with their tags; a link to X too."""
    out, _ = tagger
    bare = tmp_path / "bare.txt"
    bare.write_text("a7\n?\n", encoding="utf-8")
    (tmp_path / "link.conll").symlink_to(bare)
    for given in (bare, tmp_path / "link.conll"):
        assert main(["predict", str(out), "--file", str(bare), "--output", str(given)]) == 2
        assert capsys.readouterr().err == (f"rnnkit: error: --output {given}: is the --file being read; write to "
                                           "another file\n")
    assert bare.read_text(encoding="utf-8") == "a7\n?\n" and (tmp_path / "link.conll").is_symlink()
    vocab = out / "best" / "vocab.json"
    kept = vocab.read_bytes()
    assert main(["predict", str(out), "a7", "--output", str(vocab)]) == 2
    assert capsys.readouterr().err == (f"rnnkit: error: --output {vocab}: is the model's vocab.json being read; write "
                                       "to another file\n")
    assert vocab.read_bytes() == kept


def test_evaluate_png_onto_the_data_it_scores_is_refused(tagger: tuple[Path, Path], tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    """`evaluate --data X --png X` drew the confusion matrix over the tagged file it scored."""
    out, _ = tagger
    data = make_conll(tmp_path / "v.conll", 4, 3)
    before = data.read_bytes()
    assert main(["evaluate", str(out), "--data", str(data), "--png", str(data)]) == 2
    assert capsys.readouterr().err == (f"rnnkit: error: --png {data}: is the --data being read; write to another "
                                       "file\n")
    assert data.read_bytes() == before


def test_predict_output_follows_its_extension(tagger: tuple[Path, Path], capsys: pytest.CaptureFixture[str],
                                             tmp_path: Path) -> None:
    """--output tagged.jsonl held CoNLL lines, and tagged.csv a TOKEN<tab>TAG file that no CSV reader splits."""
    out, _ = tagger
    bare = tmp_path / "bare.conll"
    bare.write_text("a\n7\n\n?\n", encoding="utf-8")
    for source in (["--file", str(bare)], ["a7", "?"]):
        assert main(["predict", str(out), *source, "--output", str(tmp_path / "t.jsonl")]) == 0
        lines = (tmp_path / "t.jsonl").read_text(encoding="utf-8").splitlines()
        assert [json.loads(x) for x in lines] == [
            {"tokens": ["a", "7"], "tags": ["LETTER", "DIGIT"]}, {"tokens": ["?"], "tags": ["PUNCT"]}]
    capsys.readouterr()
    for name in ("t.csv", "t.json"):  # a .json was written as CoNLL lines
        assert main(["predict", str(out), "--file", str(bare), "--output", str(tmp_path / name)]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"rnnkit: error: --output {tmp_path / name}: a tagger writes CoNLL")
        assert err.count("\n") == 1
        assert not (tmp_path / name).exists()


def test_predict_reads_one_sentence_a_line_from_standard_input(
        tagger: tuple[Path, Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """--file - was read as a file named '-' ('-: no such file'), while a classifier read standard input."""
    out, _ = tagger
    capsys.readouterr()
    monkeypatch.setattr("sys.stdin", io.StringIO("ab 12!\n\nx?\n"))
    assert main(["predict", str(out), "--file", "-", "--json"]) == 0
    assert [json.loads(x) for x in capsys.readouterr().out.splitlines()] == [
        {"tokens": list("ab 12!"), "tags": ["LETTER", "LETTER", "SPACE", "DIGIT", "DIGIT", "PUNCT"]},
        {"tokens": ["x", "?"], "tags": ["LETTER", "PUNCT"]}]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n"))
    assert main(["predict", str(out), "--file", "-"]) == 2
    assert "--file -: standard input holds no text" in capsys.readouterr().err


def test_load_returns_the_tagger_and_agrees_with_the_cli(tagger: tuple[Path, Path],
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    import rnnkit
    from rnnkit.tasks.tag import SequenceTagger

    out, test = tagger
    m = rnnkit.load(out)
    assert isinstance(m, SequenceTagger) and m.tags == ["DIGIT", "LETTER", "PUNCT", "SPACE"]
    capsys.readouterr()
    assert main(["predict", str(out), "ab 12!", "x?", "--json"]) == 0
    cli = [json.loads(x) for x in capsys.readouterr().out.strip().splitlines()]
    assert m.predict(["ab 12!", "x?"]) == [r["tags"] for r in cli]
    assert m.predict("ab 12!") == cli[0]["tags"]
    assert m.predict([["a", "7"]]) == [["LETTER", "DIGIT"]]  # a list of tokens is tagged as it is
    assert m.evaluate(str(test))["accuracy"] == 1.0
    # trained with --val-data: there is no split of its own to reproduce
    assert main(["evaluate", str(out), "--data", str(test), "--split", "val"]) == 2
    assert "trained with --val-data" in capsys.readouterr().err


def test_onnx_export_of_a_tagger(tagger: tuple[Path, Path], capsys: pytest.CaptureFixture[str],
                                 tmp_path: Path) -> None:
    pytest.importorskip("onnxruntime")
    out, _ = tagger
    assert main(["export", str(out), "--onnx", str(tmp_path / "t.onnx"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["max_abs_diff"] < 1e-5


def test_the_export_check_compares_a_tagger_at_its_real_tokens_only(tagger: tuple[Path, Path], tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Probabilities at padded steps are nobody's: onnxruntime's set 0.5 off there pass the check, 0.5 off at a
    real token are refused."""
    ort = pytest.importorskip("onnxruntime")
    real = ort.InferenceSession.run

    def shifted(where: str) -> object:
        def run(session: object, names: object, feed: dict, **kw: object) -> list:
            got = real(session, names, feed, **kw)
            steps = torch.arange(feed["ids"].shape[1]).unsqueeze(0)
            padded = steps >= torch.from_numpy(feed["lengths"]).unsqueeze(1)
            mask = (padded if where == "padded" else ~padded).numpy()
            got[0] = got[0] + 0.5 * mask[..., None]
            return got
        return run

    m = rnnkit.load(tagger[0])
    monkeypatch.setattr(ort.InferenceSession, "run", shifted("padded"))
    assert m.export(tmp_path / "t.onnx")["max_abs_diff"] < 1e-5
    monkeypatch.setattr(ort.InferenceSession, "run", shifted("real"))
    with pytest.raises(UserError, match="differ from rnnkit's by 0.5; the export is wrong"):
        m.export(tmp_path / "u.onnx")


def test_refused_tagging_inputs(tmp_path: Path, capsys: pytest.CaptureFixture[str], tagger: tuple[Path, Path]) -> None:
    out, _ = tagger
    train = make_conll(tmp_path / "t.conll", 10, 0)
    bad = tmp_path / "bad.conll"
    bad.write_text("a\tLETTER\nb\n", encoding="utf-8")
    unknown = tmp_path / "u.conll"
    unknown.write_text("a\tLETTER\n1\tNUMBER\n", encoding="utf-8")
    cases = [
        (["train", "tag", "--data", str(bad), "--out", str(tmp_path / "o")],
         "bad.conll:2: malformed row: column 2 (tag) is missing"),
        (["train", "tag", "--data", str(train), "--val-data", str(unknown), "--out", str(tmp_path / "o")],
         f"u.conll:2: column 2 (tag): tag 'NUMBER' is not one of the tags of the training data {train}: "),
        (["evaluate", str(out), "--data", str(unknown)], "u.conll:2: column 2 (tag): tag 'NUMBER'"),
    ]
    for argv, message in cases:
        capsys.readouterr()
        assert main(argv) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith("rnnkit: error: ") and message in err and "\n" not in err


def test_a_sentence_longer_than_max_len_is_tagged_whole(tagger: tuple[Path, Path]) -> None:
    """Tokens past max_len were all given the first tag (or O) without the model, and evaluate scored those."""
    m = rnnkit.load(tagger[0])
    whole = m.tag([list("ab 12!x")])
    m.max_len = 3
    assert m.tag([list("ab 12!x"), list("?")]) == [whole[0], ["PUNCT"]]
    assert whole[0] == ["LETTER", "LETTER", "SPACE", "DIGIT", "DIGIT", "PUNCT", "LETTER"]


def test_tag_refuses_texts_where_token_lists_go(tagger: tuple[Path, Path]) -> None:
    """tag("john went") tagged every character as a sentence of its own."""
    m = rnnkit.load(tagger[0])
    for bad in ("john went", ["john went"]):
        with pytest.raises(TypeError, match="list of sentences, each a list of tokens"):
            m.tag(bad)
    sentences = [["john", "went"], ["home"]]
    assert m.tag(s for s in sentences) == m.tag(sentences)  # an iterator is read once, not used up by the check
    # predict(5) was "'int' object is not iterable" from inside it, predict([["a", 5]]) a traceback from the tokenizer
    for bad, shown in ((5, "not int"), ([5], "an item is 5"), ([["john", 5]], r"an item is \['john', 5\]")):
        with pytest.raises(TypeError, match=rf"^predict takes a text or a list of texts \(or of token lists\).*{shown}"
                           ):
            m.predict(bad)
    assert m.predict([iter(["john", "went"]), "home"]) == m.predict([["john", "went"], "home"])
    # a set was tagged in its own order, which changes from run to run: no result could be told to be whose
    with pytest.raises(TypeError, match=r"^predict takes .*, not a set: the results come in the order given"):
        m.predict({"john went", "home"})
    with pytest.raises(TypeError, match=r"^tag takes a list of sentences, not a frozenset: the results come in"):
        m.tag(frozenset({("john", "went"), ("home",)}))


def test_tag_refuses_what_is_no_token_list_by_name_and_gives_an_empty_sentence_no_tags(
        tagger: tuple[Path, Path]) -> None:
    """tag(5) was "'int' object is not iterable", tag([["a", 5]]) a traceback from the spelling encoder and
    tag([[]]) an IndexError from inside the decoder."""
    m = rnnkit.load(tagger[0])
    for bad, shown in ((5, "not int"), ([["a", 5]], r"a sentence is \['a', 5\]"), ([None], "a sentence is None")):
        with pytest.raises(TypeError, match=rf"^tag takes a list of sentences, each a list of tokens.*{shown}"):
            m.tag(bad)
    assert m.tag([[], ["a", "1"], []]) == [[], m.tag([["a", "1"]])[0], []]
    assert m.tag([[]]) == [[]] and m.tag([]) == []
    with pytest.raises(TypeError, match=r"^evaluate takes a tagged file \(a str or a path\), not int$"):
        m.evaluate(5)  # pathlib's "expected str, bytes or os.PathLike object" from inside
    with pytest.raises(TypeError, match=r"^evaluate: png takes the name of a PNG file to write .* or None, not int$"):
        m.evaluate(str(tagger[1]), png=5)


def test_predict_names_the_place_of_an_empty_text_and_the_command_line_its_argument(
        tagger: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    """``predict(["a 1", ""])`` was refused as "an empty text ''" with no place, where the classifier names it
    (``texts[1] is empty``); the command line keeps its words."""
    m = rnnkit.load(tagger[0])
    for texts in (["a 1", ""], ["a 1", []]):
        with pytest.raises(UserError, match=r"^texts\[1\] is empty; give the text to tag$"):
            m.predict(texts)
    with pytest.raises(UserError, match="^an empty text ''; give the text to tag$"):
        m.predict("")
    capsys.readouterr()
    assert main(["predict", str(tagger[0]), "a 1", ""]) == 2   # it said "an empty TEXT argument ''", not which
    captured = capsys.readouterr()
    assert captured.err == "rnnkit: error: TEXT argument 2 of 2 is empty; give the text to tag\n" and not captured.out


@pytest.mark.parametrize("argv", [["evaluate", "--data", "{test}", "--text-column", "body"],
                                  ["evaluate", "--data", "{test}", "--label-column=tag"],
                                  ["predict", "--file", "{test}", "--text-column", "body"],
                                  ["predict", "a b", "--text-column", "body"]])
def test_column_flags_are_refused_for_a_tagger(argv: list[str], tagger: tuple[Path, Path],
                                               capsys: pytest.CaptureFixture[str]) -> None:
    """A tagger reads CoNLL or WORD/TAG files, which have no named columns: the flags were silently ignored."""
    out, test = tagger
    capsys.readouterr()
    assert main([argv[0], str(out), *[a.format(test=test) for a in argv[1:]]]) == 2
    captured = capsys.readouterr()
    flag = "--label-column" if "--label-column=tag" in argv else "--text-column"
    assert captured.err.startswith(f"rnnkit: error: {flag}: applies to classifiers") and not captured.out
    assert captured.err.count("\n") == 1


def test_a_folder_where_a_file_goes_is_named_as_a_folder(tmp_path: Path, tagger: tuple[Path, Path],
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    """`rnnkit train tag --data FOLDER` said "FOLDER: no such file", as if the folder were missing."""
    out, test = tagger
    folder = tmp_path / "corpus"
    folder.mkdir()
    run = ["train", "tag", "--out", str(tmp_path / "o"), "--steps", "1", "--no-progress"]
    for argv in ([*run, "--data", str(folder)], [*run, "--data", str(test), "--val-data", str(folder)],
                 ["evaluate", str(out), "--data", str(folder)], ["predict", str(out), "--file", str(folder)]):
        capsys.readouterr()
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"rnnkit: error: {folder}: is a directory; expected a ") and err.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus"]  # nothing written to --out


def test_the_repr_of_a_loaded_model_names_its_directory_and_size(tagger: tuple[Path, Path]) -> None:
    """It was ``<rnnkit.tasks...SequenceTagger object at 0x7f...>``, which said nothing of which model it was."""
    m = rnnkit.load(tagger[0])
    want = rf"SequenceTagger\('{re.escape(str(m.checkpoint.path))}', parameters=\d+, tags=\d+\)"
    assert re.fullmatch(want, repr(m)), repr(m)
