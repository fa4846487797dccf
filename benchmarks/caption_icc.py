"""How long does reading a photo take when it carries an sRGB profile? (run by hand; docs/CAPTION.md, "Data")

A 12-megapixel JPEG (4000 x 3000, blocks of 8 x 8 random colours) is written twice, once with Pillow's sRGB
profile embedded and once without, and read by the captioner's ``load_image`` to 224 x 224, the two taking
turns ``--rounds`` times; then the conversion rnnkit now skips for such a profile (littlecms's sRGB to sRGB
transform of the decoded photo) is timed on its own. Prints each one's median time.

    python benchmarks/caption_icc.py
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageCms

from rnnkit.data.captions import _to_srgb, load_image


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=4, help="rounds of reading both photos in turns (default %(default)s)")
    a = p.parse_args()
    rng = np.random.default_rng(0)
    blocks = (rng.random((375, 500, 3)) * 255).astype(np.uint8)
    photo = Image.fromarray(np.repeat(np.repeat(blocks, 8, 0), 8, 1))
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    with tempfile.TemporaryDirectory() as tmp:
        tagged, untagged = Path(tmp, "tagged.jpg"), Path(tmp, "untagged.jpg")
        photo.save(tagged, quality=90, icc_profile=icc)
        photo.save(untagged, quality=90)
        load_image(tagged, 224)   # the profile's check and transform, cached once per process
        times: dict[str, list[float]] = {"sRGB-tagged": [], "untagged": [], "the skipped conversion alone": []}
        decoded = Image.open(tagged).convert("RGB")
        for _ in range(a.rounds):
            times["sRGB-tagged"].append(timed(lambda: load_image(tagged, 224)))
            times["untagged"].append(timed(lambda: load_image(untagged, 224)))
            times["the skipped conversion alone"].append(
                timed(lambda: ImageCms.applyTransform(decoded, _to_srgb(icc, "RGB"))))
    for name, values in times.items():
        print(f"{name}: median {statistics.median(values):.3f} s ({', '.join(f'{v:.3f}' for v in values)})")


if __name__ == "__main__":
    main()
