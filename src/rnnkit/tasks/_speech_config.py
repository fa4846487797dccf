"""The settings of ``rnnkit train speech``: :class:`SpeechConfig` and its checks, the symbol kinds, the speeds of
speed perturbation and SpecAugment's default masks, and what a resumed run keeps (:data:`FROZEN`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rnnkit.cells import CELLS
from rnnkit.data.audio import SAMPLE_RATE, check_n_mels
from rnnkit.data.audio_read import MAX_RATE, MIN_RATE
from rnnkit.errors import SettingError, check_count, check_finite, check_fraction, check_positive
from rnnkit.models.speech import SUBSAMPLERS
from rnnkit.tasks.translate import DecodedResult
from rnnkit.train.options import KEPT, RegulariserSettings, TrainSettings

SYMBOLS = ("phonemes", "chars")
SPEEDS = (0.9, 1.0, 1.1)   # speed perturbation (Ko et al. 2015)
#: SpecAugment's masks (Park et al. 2019) where ``--spec-augment`` is on and a mask setting is not given
SPEC_AUGMENT = {"freq_masks": 2, "freq_width": 10, "time_masks": 2, "time_width": 20}


@dataclass
class SpeechConfig(TrainSettings, RegulariserSettings):
    """Settings of ``rnnkit train speech``."""

    symbols: str = "phonemes"            # phonemes | chars
    jamo: bool | None = None             # chars: decompose Hangul into jamo (None: when the text is Korean)
    voice: str = "en-us"                 # espeak-ng voice that phonemizes transcripts without phonemes
    n_mels: int = 80
    sample_rate: int = SAMPLE_RATE       # features computed at this rate (Hz); 8000 for telephone recordings
    cell: str = "gru"                    # the BiGRU beat the BiLSTM at 10 and 20 minutes (docs/SPEECH.md)
    hidden: int = 256
    layers: int = 3
    bidirectional: bool = True
    subsample: int = 2
    subsample_kind: str = "stack"        # stack | conv
    dropout: float = 0.1
    spec_augment: bool = False
    freq_masks: int | None = None        # the masks of SpecAugment, only with spec_augment (None: SPEC_AUGMENT's)
    freq_width: int | None = None
    time_masks: int | None = None
    time_width: int | None = None
    speed_perturb: bool = False
    vtlp: float = 0.0                    # bands stretched by a factor in [1 - vtlp, 1 + vtlp] per utterance
    batch_size: int = 16
    max_seconds: float = 30.0            # longer recordings left out (a batch is padded to its longest); 0: none
    val_fraction: float = 0.1
    split_seed: int = 0
    eval_utterances: int = 200           # validation utterances decoded (greedy) for the error rate
    steps: int | None = 2000
    eval_every: int = 200

    def validate(self, saved: dict[str, Any] | None = None) -> None:
        """Raise :class:`SettingError` naming the first setting out of range, or a SpecAugment mask setting
        given without ``spec_augment`` (it would be ignored). ``saved``: the settings of the run being
        resumed, whose own values were not given now (runs saved before the masks defaulted to None
        recorded 2, 10, 2, 20 with SpecAugment off; runs saved before ``n_mels`` was capped at
        :func:`~rnnkit.data.audio.max_mels` may have more bands, which its weights hold it to)."""
        self.validate_training()
        for name in ("n_mels", "hidden", "layers", "subsample", "batch_size"):
            check_positive(name, getattr(self, name))
        self._check_sample_rate(saved)
        if self.n_mels != (saved or {}).get("n_mels"):  # the cap is for new runs: a resumed one keeps its bands
            check_n_mels(self.n_mels, self.sample_rate)
        for name, choices in (("symbols", SYMBOLS), ("cell", tuple(CELLS)), ("subsample_kind", SUBSAMPLERS)):
            if getattr(self, name) not in choices:
                raise SettingError(name, getattr(self, name), f"expected one of {', '.join(choices)}")
        for name in (*SPEC_AUGMENT, "eval_utterances"):
            if getattr(self, name) is not None and getattr(self, name) < 0:
                raise SettingError(name, getattr(self, name), "expected a number >= 0")
        if not self.spec_augment:  # the masks would be ignored
            for name in SPEC_AUGMENT:
                value = getattr(self, name)
                if value is not None and value != (saved or {}).get(name):
                    raise SettingError(name, value, "applies only with --spec-augment (SpecAugment's masks)")
        self._check_symbol_settings(saved or {})
        check_fraction("dropout", self.dropout)
        check_fraction("val_fraction", self.val_fraction)
        if not 0.0 <= self.vtlp < 0.5:
            raise SettingError("vtlp", self.vtlp, "expected a warp in [0, 0.5); 0.1 is usual")
        check_finite("max_seconds", self.max_seconds, "expected a number of seconds >= 0 (0: no limit)", 0.0)
        self.validate_regularisers()

    def _check_sample_rate(self, saved: dict[str, Any] | None) -> None:
        """Refuse a ``sample_rate`` outside what recordings are read at, or one other than 16000 for a resumed run
        saved before the setting (its features were computed at 16 kHz)."""
        check_count("sample_rate", self.sample_rate, MIN_RATE, MAX_RATE)
        if saved is not None and "sample_rate" not in saved and self.sample_rate != SAMPLE_RATE:
            raise SettingError("sample_rate", self.sample_rate, f"the resumed run was saved before --sample-rate and "
                               f"computes its features at {SAMPLE_RATE} Hz; {KEPT}")

    def _check_symbol_settings(self, saved: dict[str, Any]) -> None:
        """Refuse ``voice`` with characters and ``jamo`` with phonemes (a setting not the run's own when resumed):
        each did nothing, unsaid (``--symbols chars --voice ko`` wrote the Korean text's syllables, not
        phonemes)."""
        for name, unused, given, use in (("voice", "chars", self.voice != SpeechConfig.voice,
                                          "it phonemizes transcripts for --symbols phonemes"),
                                         ("jamo", "phonemes", self.jamo is not None,
                                          "it decomposes Hangul for --symbols chars")):
            if self.symbols == unused and given and getattr(self, name) != saved.get(name):
                raise SettingError(name, getattr(self, name), f"does nothing with --symbols {unused}: {use}")


#: settings that fix the model's shape, the symbols and the data (its split, the recordings left out): a resumed run
#: keeps them
FROZEN = ("symbols", "jamo", "voice", "n_mels", "sample_rate", "cell", "hidden", "layers", "bidirectional", "subsample",
          "subsample_kind", "dropout", "layer_norm", "val_fraction", "split_seed", "max_seconds")


class SpeechResult(DecodedResult):
    """The :class:`~rnnkit.tasks.translate.DecodedResult` of a recogniser's run: how many validation utterances its
    evaluations decode for the error rates (``--eval-utterances``, at most all) and how many it has."""
