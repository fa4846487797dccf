"""A plain baseline for ``bible-en-es`` (not a test): the GRU + Bahdanau-attention encoder-decoder of the
PyTorch tutorial "NLP From Scratch: Translation with a Sequence to Sequence Network and Attention",
trained for a fixed time on rnnkit's training split and scored with sacrebleu on its test split.

    python benchmarks/translate_tutorial.py --minutes 20 [--hidden 128] [--json]

Kept as the tutorial builds it: word vocabularies (``Lang``) with SOS/EOS, one embedding of ``hidden``
units, a one-layer GRU encoder, a decoder whose GRU reads [embedding; Bahdanau context] and starts from
the encoder's last state, dropout 0.1, full teacher forcing, log-softmax + NLLLoss over every position of
the padded targets (padding is id 0, unmasked, as in the tutorial), Adam at lr 0.001, batches of 32,
greedy decoding up to ``MAX_LENGTH`` words. Changed so that it can run on Bible verses and be scored
against the real references: words keep case and accents (the tutorial lower-cases and strips accents),
punctuation is split off and glued back after decoding, an unknown-word id replaces the tutorial's
KeyError at test time, ``MAX_LENGTH`` covers 95 % of the training targets instead of 10 words (longer
training pairs are dropped, as the tutorial's ``filterPairs`` does), and each batch is cut to its longest
target instead of always running ``MAX_LENGTH`` steps (faster; the loss is the same up to the padding).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import time

import torch
import torch.nn.functional as F
from torch import nn

PAD, SOS, EOS, UNK = 0, 0, 1, 2   # the tutorial pads with 0, which is also its SOS id
WORD = re.compile(r"\w+|[^\w\s]")


class Lang:
    """The tutorial's word vocabulary, plus an unknown-word id."""

    def __init__(self) -> None:
        self.word2index: dict[str, int] = {}
        self.index2word = {SOS: "SOS", EOS: "EOS", UNK: "UNK"}

    def add(self, words: list[str]) -> None:
        for w in words:
            if w not in self.word2index:
                self.word2index[w] = len(self.index2word)
                self.index2word[len(self.index2word)] = w

    def ids(self, words: list[str], max_length: int) -> list[int]:
        return [self.word2index.get(w, UNK) for w in words[: max_length - 1]] + [EOS]


def detokenize(words: list[str]) -> str:
    text = " ".join(words)
    text = re.sub(r" ([,.;:!?)»\]])", r"\1", text)
    return re.sub(r"([¿¡(«\[]) ", r"\1", text)


class EncoderRNN(nn.Module):
    def __init__(self, input_size: int, hidden_size: int, dropout_p: float = 0.1) -> None:
        super().__init__()
        self.embedding = nn.Embedding(input_size, hidden_size)
        self.gru = nn.GRU(hidden_size, hidden_size, batch_first=True)
        self.dropout = nn.Dropout(dropout_p)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.gru(self.dropout(self.embedding(x)))


class BahdanauAttention(nn.Module):
    def __init__(self, hidden_size: int) -> None:
        super().__init__()
        self.Wa = nn.Linear(hidden_size, hidden_size)
        self.Ua = nn.Linear(hidden_size, hidden_size)
        self.Va = nn.Linear(hidden_size, 1)

    def forward(self, query: torch.Tensor, keys: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        scores = self.Va(torch.tanh(self.Wa(query) + self.Ua(keys))).squeeze(2).unsqueeze(1)
        weights = F.softmax(scores, dim=-1)
        return torch.bmm(weights, keys), weights


class AttnDecoderRNN(nn.Module):
    def __init__(self, hidden_size: int, output_size: int, dropout_p: float = 0.1) -> None:
        super().__init__()
        self.embedding = nn.Embedding(output_size, hidden_size)
        self.attention = BahdanauAttention(hidden_size)
        self.gru = nn.GRU(2 * hidden_size, hidden_size, batch_first=True)
        self.out = nn.Linear(hidden_size, output_size)
        self.dropout = nn.Dropout(dropout_p)

    def forward(self, encoder_outputs: torch.Tensor, encoder_hidden: torch.Tensor, steps: int,
                target: torch.Tensor | None = None) -> torch.Tensor:
        batch = encoder_outputs.size(0)
        decoder_input = torch.full((batch, 1), SOS, dtype=torch.long)
        hidden = encoder_hidden
        outputs = []
        for i in range(steps):
            output, hidden = self.forward_step(decoder_input, hidden, encoder_outputs)
            outputs.append(output)
            if target is not None:
                decoder_input = target[:, i].unsqueeze(1)          # teacher forcing
            else:
                decoder_input = output.topk(1)[1].squeeze(-1).detach()
        return F.log_softmax(torch.cat(outputs, dim=1), dim=-1)

    def forward_step(self, x: torch.Tensor, hidden: torch.Tensor, encoder_outputs: torch.Tensor
                     ) -> tuple[torch.Tensor, torch.Tensor]:
        embedded = self.dropout(self.embedding(x))
        context, _ = self.attention(hidden.permute(1, 0, 2), encoder_outputs)
        output, hidden = self.gru(torch.cat((embedded, context), dim=2), hidden)
        return self.out(output), hidden


def pad(rows: list[list[int]]) -> torch.Tensor:
    out = torch.full((len(rows), max(map(len, rows))), PAD, dtype=torch.long)
    for i, r in enumerate(rows):
        out[i, : len(r)] = torch.tensor(r)
    return out


def train(encoder: EncoderRNN, decoder: AttnDecoderRNN, data: list[tuple[list[int], list[int]]],
          minutes: float, batch_size: int) -> dict[str, float]:
    params = [*encoder.parameters(), *decoder.parameters()]
    optimizer = torch.optim.Adam(params, lr=0.001)
    criterion = nn.NLLLoss()
    start, steps, epochs, loss = time.perf_counter(), 0, 0, float("nan")
    while time.perf_counter() - start < 60 * minutes:
        random.shuffle(data)
        for i in range(0, len(data), batch_size):
            src = pad([s for s, _ in data[i: i + batch_size]])
            tgt = pad([t for _, t in data[i: i + batch_size]])
            optimizer.zero_grad()
            enc_out, enc_hidden = encoder(src)
            out = decoder(enc_out, enc_hidden, tgt.size(1), tgt)
            batch_loss = criterion(out.reshape(-1, out.size(-1)), tgt.reshape(-1))
            batch_loss.backward()
            optimizer.step()
            steps, loss = steps + 1, batch_loss.item()
            if time.perf_counter() - start >= 60 * minutes:
                break
        epochs += 1
    return {"steps": steps, "epochs_started": epochs, "last_loss": loss, "seconds": time.perf_counter() - start}


@torch.no_grad()
def translate(encoder: EncoderRNN, decoder: AttnDecoderRNN, src: list[list[int]], out_lang: Lang,
              max_length: int) -> list[str]:
    encoder.eval()
    decoder.eval()
    texts = []
    for i in range(0, len(src), 64):
        x = pad(src[i: i + 64])
        enc_out, enc_hidden = encoder(x)
        ids = decoder(enc_out, enc_hidden, max_length).argmax(-1).tolist()
        for row in ids:
            row = row[: row.index(EOS)] if EOS in row else row
            texts.append(detokenize([out_lang.index2word[j] for j in row]))
    return texts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=20.0, help="training time (default %(default)s)")
    parser.add_argument("--hidden", type=int, default=128, help="hidden units of the GRUs (default %(default)s)")
    parser.add_argument("--batch-size", type=int, default=32, help="sentence pairs a batch (default %(default)s)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the weights and the batches (default %(default)s)")
    parser.add_argument("--test-pairs", type=int, default=None, help="score only the first N test pairs")
    parser.add_argument("--json", action="store_true", help="print one JSON object last")
    args = parser.parse_args()
    import sacrebleu

    from rnnkit.data.bible import load_bible_en_es

    random.seed(args.seed)
    torch.manual_seed(args.seed)
    corpus = load_bible_en_es()
    train_words = [(WORD.findall(s), WORD.findall(t)) for s, t in corpus["train"]]
    lengths = sorted(len(t) + 1 for _, t in train_words)
    max_length = lengths[int(0.95 * (len(lengths) - 1))]
    kept = [(s, t) for s, t in train_words if len(s) < max_length and len(t) < max_length]
    en, es = Lang(), Lang()
    for s, t in kept:
        en.add(s)
        es.add(t)
    data = [(en.ids(s, max_length), es.ids(t, max_length)) for s, t in kept]
    encoder = EncoderRNN(len(en.index2word), args.hidden)
    decoder = AttnDecoderRNN(args.hidden, len(es.index2word))
    n_params = sum(p.numel() for m in (encoder, decoder) for p in m.parameters())
    print(f"{len(data)} of {len(train_words)} training pairs (MAX_LENGTH {max_length} words), "
          f"vocabularies {len(en.index2word)} / {len(es.index2word)}, {n_params:,} parameters", flush=True)
    run = train(encoder, decoder, data, args.minutes, args.batch_size)
    print(f"trained {run['steps']} steps in {run['seconds']:.0f} s, last loss {run['last_loss']:.3f}", flush=True)
    test = corpus["test"][: args.test_pairs]
    start = time.perf_counter()
    hyps = translate(encoder, decoder, [en.ids(WORD.findall(s), max_length) for s, _ in test], es, max_length)
    refs = [t for _, t in test]
    result = {"bleu": sacrebleu.corpus_bleu(hyps, [refs]).score, "chrf": sacrebleu.corpus_chrf(hyps, [refs]).score,
              "exact_match": sum(h == r for h, r in zip(hyps, refs, strict=True)) / len(refs), "pairs": len(refs),
              "parameters": n_params, "max_length": max_length, "decode_seconds": time.perf_counter() - start,
              **run}
    print(f"test: BLEU {result['bleu']:.2f}, chrF {result['chrf']:.2f} on {len(refs)} pairs; e.g. {hyps[0]!r}")
    if args.json:
        print(json.dumps(result))


if __name__ == "__main__":
    main()
