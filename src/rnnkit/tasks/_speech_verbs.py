"""The flags and commands of ``rnnkit train speech``, ``rnnkit transcribe``, ``rnnkit evaluate`` of a
recogniser, and ``rnnkit data speech``.
"""

from __future__ import annotations

import argparse

from rnnkit import strictjson
from rnnkit.cells import CELLS
from rnnkit.errors import UserError, report_warnings
from rnnkit.models.speech import SUBSAMPLERS
from rnnkit.tasks._ensemble import add_ensemble_argument, say_ensemble, with_ensemble
from rnnkit.tasks._speech_config import SPEC_AUGMENT, SYMBOLS, SpeechConfig
from rnnkit.tasks._speech_decoding import BONUS, LM_WEIGHT, rate_said
from rnnkit.tasks._speech_trained import Transcriber
from rnnkit.tasks._text import refuse_standard_input
from rnnkit.train.options import add_data_arguments
from rnnkit.wording import counted


def _transcribe_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("files", nargs="+", metavar="AUDIO",
                   help="audio files to transcribe: WAV, FLAC, Ogg, MP3 ... (any format libsndfile reads)")
    p.add_argument("--beam", type=int, default=1, help="prefix beam size, 1 = greedy (default 1)")
    _lm_arguments(p)
    p.add_argument("--timings", action="store_true", help="with --json: the start of every symbol")
    p.add_argument("--json", action="store_true", help="one JSON object per file")
    _ensemble_argument(p, "transcribe", "AUDIO")


def _ensemble_argument(p: argparse.ArgumentParser, verb: str, inputs: str | None) -> None:
    """``--ensemble DIR [DIR ...]`` of a recogniser's ``transcribe`` and ``evaluate``."""
    add_ensemble_argument(p, "recognisers", inputs, verb,
                          how="each frame's probabilities the mean of the models', decoded as DIR decodes; they "
                              "need DIR's symbols in DIR's order, its --n-mels and its --subsample")


def _lm_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--lm", metavar="DIR", help="a character language model (rnnkit train charlm) that weighs the "
                   "prefix search's hypotheses (shallow fusion; needs --beam above 1 and a recogniser of characters)")
    p.add_argument("--lm-weight", type=float, default=LM_WEIGHT,
                   help=f"with --lm: the language model's log-probability counts this many times (default {LM_WEIGHT})")
    p.add_argument("--bonus", type=float, default=BONUS,
                   help=f"with --lm: added for each character written, against the language model's preference for "
                        f"short transcripts (default {BONUS})")


def _lm_options(args: argparse.Namespace) -> dict[str, object]:
    """``lm``, ``lm_weight``, ``bonus`` for the API (which refuses the last two without the first)."""
    return {"lm": args.lm, "lm_weight": args.lm_weight, "bonus": args.bonus}


def _transcribe_command(rec: Transcriber, args: argparse.Namespace) -> int:
    if args.timings and not args.json:
        raise UserError("--timings: applies only with --json (the start of every symbol is a JSON field)")
    refuse_standard_input(args.files, "AUDIO", "recordings", "transcribe", rec.checkpoints[0].path)
    rec = with_ensemble(rec, args)
    with report_warnings():  # log_mel's empty filters, for a model trained before --n-mels was capped
        results = rec.transcribe(args.files, beam=args.beam, timings=args.timings, **_lm_options(args))
    for path, r in zip(args.files, results, strict=True):
        if args.json:
            print(strictjson.dumps({"file": path, **(r if isinstance(r, dict) else {"text": r})}, ensure_ascii=False))
        else:
            print(r)
    return 0


def _evaluate_arguments(e: argparse.ArgumentParser) -> None:
    e.add_argument("--data", required=True, help="a corpus folder (manifest.tsv and audio files)")
    e.add_argument("--beam", type=int, default=1, help="prefix beam size, 1 = greedy (default 1)")
    _lm_arguments(e)
    e.add_argument("--json", action="store_true", help="one JSON object on the last line")
    _ensemble_argument(e, "score", None)


def _evaluate_command(rec: Transcriber, args: argparse.Namespace) -> int:
    rec = with_ensemble(rec, args)
    with report_warnings():
        result = rec.evaluate(args.data, beam=args.beam, **_lm_options(args))
    say_ensemble(rec.checkpoints, args.json)  # once the models are scored: not above a refusal
    if args.json:
        print(strictjson.dumps(result))
        return 0
    rate = "per" if "per" in result else "cer"
    lm = f" with {result['lm']} (weight {result['lm_weight']:g}, bonus {result['bonus']:g})" if "lm" in result else ""
    print(f"{counted(result['utterances'], 'utterance')}, beam {result['beam']}{lm}: {rate_said(rate, result[rate])}, "
          f"{rate_said('wer', result['wer'])}")
    return 0


def _train_arguments(p: argparse.ArgumentParser) -> None:
    d = SpeechConfig()
    g = p.add_argument_group("model")
    g.add_argument("--symbols", choices=SYMBOLS, help=f"what the model writes (default {d.symbols})")
    g.add_argument("--jamo", action=argparse.BooleanOptionalAction, default=None,
                   help="chars: decompose Hangul syllables into jamo (default: when the transcripts are Korean)")
    g.add_argument("--voice", help=f"espeak-ng voice for transcripts without phonemes (default {d.voice})")
    g.add_argument("--n-mels", type=int, help=f"mel bands (default {d.n_mels})")
    g.add_argument("--sample-rate", type=int, help="sample rate in Hz every recording is resampled to and the "
                   f"features computed at: 8000 for telephone recordings (default {d.sample_rate})")
    g.add_argument("--cell", choices=list(CELLS), help=f"recurrent cell (default {d.cell})")
    g.add_argument("--hidden", type=int, help=f"hidden units per layer and direction (default {d.hidden})")
    g.add_argument("--layers", type=int, help=f"recurrent layers (default {d.layers})")
    g.add_argument("--bidirectional", action=argparse.BooleanOptionalAction, default=None,
                   help="read the frames both ways (default on)")
    g.add_argument("--subsample", type=int,
                   help=f"frames merged into one before the recurrence (default {d.subsample})")
    g.add_argument("--subsample-kind", choices=SUBSAMPLERS, help=f"stack frames or a strided convolution "
                   f"(default {d.subsample_kind})")
    g.add_argument("--dropout", type=float, help=f"dropout (default {d.dropout})")
    g.add_argument("--spec-augment", action=argparse.BooleanOptionalAction, default=None,
                   help="SpecAugment time and frequency masks (default off)")
    sa = SPEC_AUGMENT
    g.add_argument("--freq-masks", type=int,
                   help=f"with --spec-augment: frequency masks (default {sa['freq_masks']})")
    g.add_argument("--freq-width", type=int,
                   help=f"with --spec-augment: ... of up to this many bands (default {sa['freq_width']})")
    g.add_argument("--time-masks", type=int, help=f"with --spec-augment: time masks (default {sa['time_masks']})")
    g.add_argument("--time-width", type=int,
                   help=f"with --spec-augment: ... of up to this many frames (default {sa['time_width']})")
    g.add_argument("--speed-perturb", action=argparse.BooleanOptionalAction, default=None,
                   help="train on copies at 0.9x and 1.1x speed too (default off)")
    g.add_argument("--vtlp", type=float, help="vocal tract length perturbation: stretch each utterance's mel bands "
                   "by a random factor in [1-W, 1+W] (Jaitly & Hinton 2013; 0.1 is usual; default 0: off)")
    g.add_argument("--batch-size", type=int, help=f"utterances per update (default {d.batch_size})")
    g.add_argument("--max-seconds", type=float, help="leave out training and validation recordings longer than "
                   f"this, with a warning: a batch is padded to its longest (default {d.max_seconds:g}; 0: no limit)")
    g.add_argument("--eval-utterances", type=int,
                   help=f"validation utterances decoded at each evaluation (default {d.eval_utterances})")
    add_data_arguments(p, data_help="corpus folder (manifest.tsv + audio files), or one with train/ and val/ corpora",
                       val_help="validation corpus folder (default: DATA/val, or --val-fraction of DATA)",
                       val_fraction=d.val_fraction, split_seed=d.split_seed)


def _corpus_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--language", default="en", choices=("en", "ko"), help="language and espeak-ng voice (default en)")
    p.add_argument("--words", type=int, default=2000, help="frequent words to speak (default 2000)")
    p.add_argument("--phrases", type=int, default=500, help="short phrases to speak (default 500)")
    p.add_argument("--takes", type=int, default=2, help="recordings of each training item, in different voices "
                   "(default 2)")
    p.add_argument("--noise", action="store_true", help="add white noise at 10-30 dB SNR")


def _corpus_command(args: argparse.Namespace) -> int:
    from rnnkit.data.speech_corpus import build_corpus

    for name in ("words", "takes"):
        if getattr(args, name) < 1:
            raise UserError(f"--{name} {getattr(args, name)}: expected a positive integer")
    if args.phrases < 0:
        raise UserError(f"--phrases {args.phrases}: expected a number >= 0")
    counts = build_corpus(args.out, args.language, args.words, args.phrases, args.takes, args.noise, args.seed)
    print(f"wrote {sum(counts.values())} recordings to {args.out}: "
          + ", ".join(f"{k}/ {v}" for k, v in counts.items()))
    return 0
