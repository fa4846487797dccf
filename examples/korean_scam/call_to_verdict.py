#!/usr/bin/env python3
"""From a WAV of a call to a verdict: speak SYNTHETIC test calls with espeak-ng's Korean voice, transcribe
them with a Korean speech model, and let the scam classifier read the transcripts.

    python examples/korean_scam/call_to_verdict.py --asr runs/ko-asr --classifier runs/korean_scam/model \\
        --calls runs/korean_scam/data/test.csv --corpus runs/ko-speech --out runs/korean_scam/calls [--n 100]

Each call is spoken by one of the voice variants the speech corpus held out for testing (read from
``CORPUS/corpus.json``), so neither the calls nor the voices were heard in training. Prints one JSON object:
the classifier's accuracy on the clean transcripts and on the recognised ones (the whole chain), the
character error rate of the recognised transcripts, and how many calls were spoken. The WAV files and a
``manifest.tsv`` stay in ``--out``, so the chain can also be run by hand::

    rnnkit transcribe runs/ko-asr runs/korean_scam/calls/wav/00000.wav | rnnkit predict runs/korean_scam/model --file -
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

import rnnkit
from rnnkit.data.speech_corpus import speak
from rnnkit.data.tabular import read_table
from rnnkit.errors import UserError
from rnnkit.tasks.speech import error_rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--asr", required=True, help="a Korean speech model (rnnkit train speech --symbols chars)")
    parser.add_argument("--classifier", required=True, help="the scam classifier (rnnkit train classify)")
    parser.add_argument("--calls", required=True, help="test.csv of rnnkit data scam (columns text,label), or a "
                        "CSV/TSV/JSONL file of your own transcripts and labels")
    parser.add_argument("--text-column", default="text", help="the column of the transcripts (default %(default)s)")
    parser.add_argument("--label-column", default="label", help="the column of the labels (default %(default)s)")
    parser.add_argument("--corpus", required=True, help="the Korean speech corpus (its corpus.json names the "
                        "test voices)")
    parser.add_argument("--out", required=True, help="folder for the spoken calls")
    parser.add_argument("--n", type=int, default=100, help="calls to speak (default 100)")
    parser.add_argument("--beam", type=int, default=1,
                        help="beam width of the recogniser's decoding (1: greedy) (default %(default)s)")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of each call's test voice, speed and pitch (default %(default)s)")
    args = parser.parse_args()
    try:
        run(args)
    except UserError as exc:  # a file of the user's: one line naming it, as rnnkit's own commands say it
        print(f"call_to_verdict.py: error: {exc}", file=sys.stderr)
        sys.exit(2)


def run(args: argparse.Namespace) -> None:
    """Speak, transcribe and classify the first ``--n`` calls of ``--calls``; print the scores as one JSON object.
    The calls are read as rnnkit reads a classifier's data (a BOM, any column names, CP949 refused naming it): read
    as plain UTF-8 by column name ``text``, a file Excel saved, or with a header of its own, ended in a traceback."""
    table = read_table(args.calls, args.text_column, args.label_column)
    rows = [{"text": text, "label": label} for text, label in zip(table.texts, table.labels, strict=True)][: args.n]
    voices = held_out_voices(Path(args.corpus))
    rng = random.Random(args.seed)
    out = Path(args.out)
    (out / "wav").mkdir(parents=True, exist_ok=True)
    lines = ["audio\ttext"]
    for i, row in enumerate(rows):
        wav = out / "wav" / f"{i:05d}.wav"
        speak(row["text"], f"ko+{rng.choice(voices)}", wav, speed=rng.randint(150, 190), pitch=rng.randint(30, 70))
        lines.append(f"wav/{i:05d}.wav\t{' '.join(row['text'].split())}")
    (out / "manifest.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")

    asr, clf = rnnkit.load(args.asr), rnnkit.load(args.classifier)
    heard = asr.transcribe([out / "wav" / f"{i:05d}.wav" for i in range(len(rows))], beam=args.beam)
    clean = [r["text"] for r in rows]
    gold = [r["label"] for r in rows]

    def accuracy(texts: list[str]) -> float:
        """Share of calls classified right; a call heard as nothing at all counts as a miss."""
        spoken = [i for i, t in enumerate(texts) if t.strip()]
        labels = [p["label"] for p in clf.predict([texts[i] for i in spoken])] if spoken else []
        return sum(lab == gold[i] for i, lab in zip(spoken, labels, strict=True)) / len(gold)

    refs = [" ".join(t.split()) for t in clean]
    print(json.dumps({"calls": len(rows), "accuracy_clean_text": accuracy(clean),
                      "accuracy_from_speech": accuracy(heard), **error_rates(heard, refs, "chars"),
                      "example": {"said": refs[0], "heard": heard[0]}}, ensure_ascii=False))


def held_out_voices(corpus: Path) -> list[str]:
    """The voice variants ``CORPUS/corpus.json`` (written by ``rnnkit data speech``) held out for testing; a corpus
    without one, or one that names none, is refused in one line (a FileNotFoundError's or a KeyError's traceback)."""
    path = corpus / "corpus.json"
    wanted = "expected the --corpus folder of `rnnkit data speech`, whose corpus.json names the test voices"
    if not path.is_file():
        raise UserError(f"{corpus}: no such folder; {wanted}" if not corpus.is_dir() else
                        f"{path}: no such file; {wanted}")
    try:
        voices = json.loads(path.read_text(encoding="utf-8"))["voices"]["test"]
    except (ValueError, KeyError, TypeError) as exc:  # not JSON, not UTF-8 (a ValueError too), another layout
        raise UserError(f"{path}: no list of test voices in it ({type(exc).__name__}: {exc}); {wanted}") from None
    if not isinstance(voices, list) or not voices or not all(isinstance(v, str) and v for v in voices):
        raise UserError(f"{path}: voices.test is {voices!r}; {wanted}")
    return voices


if __name__ == "__main__":
    main()
