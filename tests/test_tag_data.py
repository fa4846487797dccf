"""word/TAG files and the spellings a tagger reads."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from rnnkit.data.slashtags import read_slash_tagged, read_tagged
from rnnkit.data.spelling import char_vocab, fold, lexicon, spell
from rnnkit.data.tokenize import UNK_ID, TokenVocab
from rnnkit.errors import UserError
from rnnkit.models.charword import CharWordEncoder


def test_slash_tagged_file_splits_at_the_last_slash(tmp_path: Path) -> None:
    f = tmp_path / "t.txt"
    f.write_text("The/DT cat/NN sat/VBD ./.\n\n1/2/CD and/CC/O\n", encoding="utf-8")
    s = read_slash_tagged(f)
    assert s.tokens == [["The", "cat", "sat", "."], ["1/2", "and/CC"]]
    assert s.tags == [["DT", "NN", "VBD", "."], ["CD", "O"]] and s.lines == [1, 3]
    assert read_tagged(f).tokens == s.tokens
    conll = tmp_path / "t.conll"
    conll.write_text("a/b\tX\nc\tY\n", encoding="utf-8")
    assert read_tagged(conll).tokens == [["a/b", "c"]]


@pytest.mark.parametrize("line", ["The/DT cat sat/VBD", "The/DT /NN", "The/DT cat/"])
def test_malformed_slash_token_names_file_and_line(tmp_path: Path, line: str) -> None:
    f = tmp_path / "bad.txt"
    f.write_text(f"A/DT b/NN\n{line}\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"bad\.txt:2: malformed token .*expected WORD/TAG"):
        read_slash_tagged(f)


@pytest.mark.parametrize("bad", ["Mary/NNP left Paris/NNP", "Mary/NNP /VB Paris/NNP", "Mary/NNP left/ Paris/NNP"])
def test_a_malformed_token_among_the_first_lines_is_refused_by_its_line_not_read_as_conll(
        tmp_path: Path, bad: str) -> None:
    # the sniff used to turn the whole file to CoNLL, which then refused line 3 for its column count
    f = tmp_path / "pos.txt"
    f.write_text(f"{bad}\nThe/DT cat/NN sat/VBD\nA/DT dog/NN ran/VBD fast/RB\n", encoding="utf-8")
    token = bad.split()[1]
    with pytest.raises(UserError, match=rf"pos\.txt:1: malformed token '{token}'; expected WORD/TAG"):
        read_tagged(f)


def test_conll_at_whitespace_with_slashes_in_its_tokens_stays_conll(tmp_path: Path) -> None:
    f = tmp_path / "t.conll"
    f.write_text("and/or CC\nU.S./Canada NNP\ntrade NN\n\n1/2 CD\ncup NN\n", encoding="utf-8")
    s = read_tagged(f)
    assert s.tokens == [["and/or", "U.S./Canada", "trade"], ["1/2", "cup"]]
    assert s.tags == [["CC", "NNP", "NN"], ["CD", "NN"]]


def test_lexicon_keeps_the_spelling_of_unseen_words() -> None:
    train = [["the", "cat"], ["the", "dog"]]
    words, chars = TokenVocab.build(train), char_vocab(train)
    seqs, lex = lexicon([["the", "cow"], ["dog"]], words, chars)
    assert seqs == [[1, 2], [3]] and lex.types == ["the", "cow", "dog"]
    assert lex.words.tolist() == [0, words.index["the"], UNK_ID, words.index["dog"]]
    assert lex.chars[2, :3].tolist() == chars.ids(list("cow")) and lex.lengths.tolist() == [1, 3, 3, 3]
    long = "abcdefghijklmnopqrstuvwxyz"
    assert spell(long, chars, 6) == chars.ids(list("abcxyz"))


def test_folded_lexicon_keys_words_by_lower_case_and_zeros_but_keeps_their_spelling() -> None:
    assert fold("Jan-2000") == "jan-0000" and fold("THE") == "the"
    train = [["the", "0000"]]
    words, chars = TokenVocab.build(train), char_vocab([["The", "1999"]])
    _, lex = lexicon([["The", "the", "1999", "cat"]], words, chars, folded=True)
    assert lex.words[1:].tolist() == [words.index["the"], words.index["the"], words.index["0000"], UNK_ID]
    assert lex.chars[1, 0] != lex.chars[2, 0]  # "The" and "the" share the word id, not the spelling


@pytest.mark.parametrize("encoder", ["lstm", "cnn"])
def test_char_encoder_gives_unseen_words_their_own_vectors(encoder: str) -> None:
    torch.manual_seed(0)
    train = [["walked", "talks"]]
    words, chars = TokenVocab.build(train), char_vocab(train)
    _, lex = lexicon([["walked", "talked", "walks"]], words, chars)
    assert lex.words[2:].tolist() == [UNK_ID, UNK_ID]  # both unseen: the word embedding cannot tell them apart
    enc = CharWordEncoder(chars.vocab_size, 8, 5, encoder=encoder)
    vectors = enc(lex.chars[1:], lex.lengths[1:])
    assert vectors.shape == (3, 10)
    assert not torch.allclose(vectors[1], vectors[2])
    # the final states are those of each spelling alone: padding never reaches them
    alone = enc(lex.chars[2:3, :6], lex.lengths[2:3])
    assert torch.allclose(alone[0], vectors[1], atol=1e-6)


def test_cnn_char_encoder_is_a_zero_padded_convolution_max_pooled_over_the_word() -> None:
    torch.manual_seed(0)
    enc = CharWordEncoder(12, 4, 3, encoder="cnn")
    chars = torch.tensor([[5, 6, 7, 8, 9], [3, 4, 0, 0, 0], [11, 0, 0, 0, 0]])
    lengths = torch.tensor([5, 2, 1])
    out = enc(chars, lengths)
    assert out.shape == (3, enc.output_size) == (3, 6)
    conv = torch.nn.Conv1d(4, 6, 3, padding=1)  # the judge: torch's own convolution over each word alone
    conv.load_state_dict(enc.conv.state_dict())
    for i, n in enumerate(lengths.tolist()):
        x = enc.embedding.weight[chars[i, :n]].T[None]  # (1, D, n), no padding at all
        assert torch.allclose(out[i], conv(x)[0].max(dim=1).values, atol=1e-6)
    with pytest.raises(ValueError, match="expected one of cnn, lstm"):
        CharWordEncoder(12, 4, 3, encoder="gru")


@pytest.mark.parametrize("encoder", ["lstm", "cnn"])
def test_padding_and_batch_company_never_change_a_spelled_tagger(encoder: str) -> None:
    from rnnkit.data.tokenize import pad_batch
    from rnnkit.models.tagger import Tagger

    torch.manual_seed(0)
    sentences = [["the", "cats", "walked"], ["a", "dog"], ["unseen", "words", "here", "too", "x"]]
    words, chars = TokenVocab.build(sentences[:2]), char_vocab(sentences[:2])
    seqs, lex = lexicon(sentences, words, chars)
    model = Tagger(words.vocab_size, 3, 6, 5, num_chars=chars.vocab_size, char_dim=4, char_hidden=3, crf=True,
                   char_encoder=encoder).eval()

    def run(rows: list[list[int]]) -> torch.Tensor:
        tix, lengths = pad_batch(rows)
        uniq, index = torch.unique(tix, return_inverse=True)
        return model(lex.words[tix], lengths, lex.chars[uniq], lex.lengths[uniq], index), lengths

    together, lengths = run(seqs)
    for i, seq in enumerate(seqs):
        alone, _ = run([seq])
        assert torch.allclose(alone[0], together[i, : len(seq)], atol=1e-6)
    assert [len(p) for p in model.decode(together, lengths)] == [3, 2, 5]


def test_unknown_char_encoder_is_refused() -> None:
    from rnnkit.errors import SettingError
    from rnnkit.tasks.tag import TagConfig

    with pytest.raises(SettingError, match="char_encoder"):
        TagConfig(char_encoder="gru").validate()


def test_lstm_char_encoder_joins_the_forward_state_after_the_last_character_to_the_backward_after_the_first() -> None:
    torch.manual_seed(0)
    enc = CharWordEncoder(12, 4, 3, encoder="lstm")
    ref = torch.nn.LSTM(4, 3, bidirectional=True, batch_first=True)  # the judge: torch's own LSTM
    ref.load_state_dict(enc.rnn.state_dict())
    chars = torch.tensor([[5, 6, 7, 8], [3, 4, 0, 0]])
    out = enc(chars, torch.tensor([4, 2]))
    for i, n in enumerate([4, 2]):
        seq, _ = ref(enc.embedding(chars[i : i + 1, :n]))  # (1, n, 2H), the word alone
        assert torch.allclose(out[i], torch.cat([seq[0, n - 1, :3], seq[0, 0, 3:]]), atol=1e-6)


def test_small_init_draws_rows_of_about_unit_norm_and_zeroes_the_padding_row() -> None:
    from rnnkit.models.charword import small_init_

    torch.manual_seed(0)
    emb = small_init_(torch.nn.Embedding(500, 12, padding_idx=0))
    w = emb.weight.detach()
    assert float(w.abs().max()) <= 0.5 < float(w.abs().max()) + 0.01  # U(±sqrt(3/12)), the range filled
    assert w[0].eq(0).all() and float(w[1:].norm(dim=1).mean()) == pytest.approx(1.0, abs=0.1)
    assert float(small_init_(torch.nn.Embedding(50, 4), bound=0.1).weight.detach().abs().max()) <= 0.1


def test_a_tagger_starts_with_small_word_embeddings() -> None:
    from rnnkit.models.tagger import Tagger

    torch.manual_seed(0)
    w = Tagger(200, 3, embedding_dim=12, hidden_size=4).embedding.weight.detach()
    assert float(w.abs().max()) <= 0.5 and w[0].eq(0).all()  # U(±sqrt(3/12)), not torch's N(0, 1)


def test_tagger_loss_counts_real_tokens_and_weighs_classes() -> None:
    from rnnkit.models.tagger import IGNORE, Tagger

    torch.manual_seed(0)
    logits = torch.randn(2, 3, 4)
    targets = torch.tensor([[1, 3, 0], [2, IGNORE, IGNORE]])
    real = [(0, 0), (0, 1), (0, 2), (1, 0)]
    nll = {(b, t): -float(torch.log_softmax(logits[b, t], -1)[targets[b, t]]) for b, t in real}
    plain = Tagger(10, 4, 6, 5)
    assert float(plain.loss(logits, targets)) == pytest.approx(sum(nll.values()) / 4, rel=1e-5)
    weights = torch.tensor([1.0, 2.0, 0.5, 3.0])
    w = {bt: float(weights[targets[bt]]) for bt in real}
    assert float(plain.loss(logits, targets, weights)) == pytest.approx(
        sum(w[bt] * nll[bt] for bt in real) / sum(w.values()), rel=1e-5)
    crf = Tagger(10, 4, 6, 5, crf=True)
    mask = targets != IGNORE
    per_sentence = crf.crf.nll(logits, targets, mask).detach()
    assert float(crf.loss(logits, targets).detach()) == pytest.approx(float(per_sentence.sum()) / 4, rel=1e-5)  # tokens


def test_a_tagger_applies_dropout_before_its_output_layer_in_training_only() -> None:
    from rnnkit.models.tagger import Tagger

    torch.manual_seed(0)
    model = Tagger(20, 3, 8, 16, dropout=0.5)
    read: list[torch.Tensor] = []
    model.head.register_forward_pre_hook(lambda _, args: read.append(args[0].detach()))
    ids, lengths = torch.randint(2, 20, (4, 6)), torch.full((4,), 6)
    model.train()(ids, lengths)
    model.eval()(ids, lengths)
    assert 0.3 < float((read[0] == 0).float().mean()) < 0.7 and not bool((read[1] == 0).any())


def test_the_validation_span_f1_scores_the_predictions_against_the_true_tags() -> None:
    from rnnkit.models.tagger import Tagger
    from rnnkit.tasks.tag import _eval_fn

    tags = ["B-PER", "I-PER", "O"]
    sentences = [["ann", "x"], ["bob"]]
    words, chars = TokenVocab.build(sentences), char_vocab(sentences)
    seqs, lex = lexicon(sentences, words, chars)
    model = Tagger(words.vocab_size, 3, 4, 4)
    with torch.no_grad():  # a model that says B-PER whatever it reads
        model.head.weight.zero_()
        model.head.bias.copy_(torch.tensor([5.0, 0.0, 0.0]))
    scores = _eval_fn(seqs, lex, [[0, 2], [0]], tags)(model)
    # true spans PER 0-0 and PER 0-0; predicted PER 0-0, PER 1-1 and PER 0-0: precision 2/3, recall 1
    assert scores["span_f1"] == pytest.approx(2 * (2 / 3) / (2 / 3 + 1))


# -- the training run's data and decoding (tasks/_tag_data.py, tasks/_tag_decoding.py) -----------------------------


def _slash_file(tmp_path: Path, lines: list[str]) -> str:
    path = tmp_path / "t.txt"
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return str(path)


def test_one_sentence_is_refused_and_the_validation_split_holds_none_of_the_training_sentences(tmp_path: Path) -> None:
    from rnnkit.tasks._tag_config import TagConfig
    from rnnkit.tasks._tag_data import _read_sentences

    with pytest.raises(UserError, match="only one sentence; give --val-data"):
        _read_sentences(TagConfig(), _slash_file(tmp_path, ["a/X b/Y"]), None)
    lines = [f"w{i}/X v{i}/Y" for i in range(20)]
    train, val = _read_sentences(TagConfig(val_fraction=0.25), _slash_file(tmp_path, lines), None)
    first = {tuple(s) for s in train.tokens}, {tuple(s) for s in val.tokens}
    assert len(val) >= 1 and not first[0] & first[1] and len(train) + len(val) == 20


def test_the_vocabulary_sorts_the_tags_and_says_how_texts_split(tmp_path: Path) -> None:
    from rnnkit.tasks._tag_data import _tokens_are, _vocabulary

    words = read_tagged(_slash_file(tmp_path, ["bb/Z a/X", "c/Y"]))
    tags, _, unit = _vocabulary(None, words, False, words)
    assert tags == ["X", "Y", "Z"] and unit == "whitespace"
    mixed = read_tagged(_slash_file(tmp_path, ["a/X bc/Y"]))
    chars = read_tagged(_slash_file(tmp_path, ["a/X b/Y"]))
    assert _tokens_are(mixed) == "whitespace" and _tokens_are(chars) == "chars"


def test_char_dim_defaults_to_30_for_words_and_0_for_characters_and_a_resumed_run_keeps_its_folding() -> None:
    from types import SimpleNamespace

    from rnnkit.tasks._tag_config import CHAR_DIM, TagConfig
    from rnnkit.tasks._tag_data import _folds, _resolve_char_dim

    assert CHAR_DIM == 30
    assert _resolve_char_dim(TagConfig(), None, "whitespace").char_dim == 30
    assert _resolve_char_dim(TagConfig(), None, "chars").char_dim == 0
    old = SimpleNamespace(config={"model": {}})  # a run saved before fold_words existed did not fold
    assert _folds(TagConfig(), old, None, "x") is False  # type: ignore[arg-type]


def test_word_dropout_probabilities_by_hand(tmp_path: Path) -> None:
    """p(id -> <unk>) = alpha / (alpha + count), counted over the training words as they are keyed (folded
    words share a count); padding and <unk> are never dropped."""
    from rnnkit.tasks._tag_data import _drop_probabilities

    s = read_tagged(_slash_file(tmp_path, ["The/D cat/N the/D", "the/D dog/N"]))
    vocab = TokenVocab.build([[fold(t) for t in sent] for sent in s.tokens])
    p = _drop_probabilities(vocab, s, 0.25, folded=True)
    assert p[:2].tolist() == [0.0, 0.0]
    assert p[vocab.index["the"]].item() == pytest.approx(0.25 / 3.25)   # The, the, the
    assert p[vocab.index["cat"]].item() == pytest.approx(0.25 / 1.25)


def _tiny_tagger() -> tuple[object, object, list[list[int]], list[list[int]]]:
    from rnnkit.models.tagger import Tagger

    torch.manual_seed(0)
    sents = [["a", "b", "c"], ["b"], ["c", "a", "b", "a", "c"], ["a", "a"]]
    words = TokenVocab.build(sents)
    seqs, lex = lexicon(sents, words, None)
    targets = [[i % 3 for i in range(len(s))] for s in sents]
    return Tagger(words.vocab_size, 3, 6, 5).eval(), lex, seqs, targets


def test_the_validation_loss_is_a_mean_per_token_whatever_the_batches() -> None:
    """Batches of 1 or 2 sentences give the loss of one batch of all four: each batch's mean weighed by its real
    tokens (not its padding)."""
    from rnnkit.data.batching import IGNORE, pad_tags
    from rnnkit.data.tokenize import pad_batch
    from rnnkit.tasks._tag_decoding import _decode

    m, lex, seqs, targets = _tiny_tagger()
    _, together = _decode(m, seqs, lex, targets, batch_size=4)  # type: ignore[arg-type]
    _, apart = _decode(m, seqs, lex, targets, batch_size=1)  # type: ignore[arg-type]
    _, pairs = _decode(m, seqs, lex, targets, batch_size=2)  # type: ignore[arg-type]  # padded: (1, 2), (3, 5)
    tix, lengths = pad_batch(seqs)
    y = pad_tags([list(t) for t in targets], tix.shape[1])
    with torch.no_grad():
        ids = lex.words[tix]  # type: ignore[attr-defined]
        logp = torch.log_softmax(m(ids, lengths, None, None, None), -1)  # type: ignore[operator]
    real = y != IGNORE
    by_hand = -float(logp.gather(-1, y.clamp(min=0).unsqueeze(-1)).squeeze(-1)[real].mean())
    assert together == pytest.approx(by_hand, rel=1e-5) and apart == pytest.approx(by_hand, rel=1e-5)
    assert pairs == pytest.approx(by_hand, rel=1e-5)


def test_word_dropout_of_one_reads_every_word_as_unknown() -> None:
    from rnnkit.data.tokenize import pad_batch
    from rnnkit.tasks._tag_decoding import _scores

    m, lex, seqs, _ = _tiny_tagger()
    tix, lengths = pad_batch(seqs)
    drop = torch.ones(m.embedding.num_embeddings)  # type: ignore[attr-defined]
    drop[:2] = 0.0
    with torch.no_grad():
        dropped = _scores(m, lex, tix, lengths, drop)  # type: ignore[arg-type]
        unknown = m(torch.where(tix > 0, UNK_ID, 0), lengths, None, None, None)  # type: ignore[operator]
        kept = _scores(m, lex, tix, lengths)  # type: ignore[arg-type]
    torch.testing.assert_close(dropped, unknown)
    assert not torch.allclose(dropped, kept)
