"""Real-time factor of transcription (not a test): seconds of computing per second of audio, on one core,
greedy and beam, over the WAV files of a corpus folder (features, network and decoding all counted).

    python benchmarks/speech_rtf.py runs/en-asr runs/en-speech/test [--files 200] [--beam 8]
"""

import argparse
import time

import soundfile
import torch

import rnnkit
from rnnkit.data.speech import read_manifest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", help="a trained speech model directory")
    parser.add_argument("corpus", help="a corpus folder of WAV files and their manifest (e.g. runs/en-speech/test)")
    parser.add_argument("--files", type=int, default=200,
                        help="transcribe the first this many files (default %(default)s)")
    parser.add_argument("--beam", type=int, default=8, help="beam width of the beam decoding (default %(default)s)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    rec = rnnkit.load(args.model)
    paths = [u.audio for u in read_manifest(args.corpus)[: args.files]]
    audio = sum(soundfile.info(str(p)).duration for p in paths)
    rec.transcribe(paths[:4])  # warm-up
    for beam in (1, args.beam):
        start = time.perf_counter()
        rec.transcribe(paths, beam=beam)
        took = time.perf_counter() - start
        print(f"beam {beam}: {len(paths)} files, {audio:.1f} s of audio in {took:.2f} s on one core: "
              f"real-time factor {took / audio:.4f} ({audio / took:.0f}x faster than real time)")


if __name__ == "__main__":
    main()
