"""CaptionConfig.measured_size: the image size a memory refusal compares is the pixels over the default's pixels,
not over its side (mutation audit round 17)."""

from __future__ import annotations

from rnnkit.tasks._caption_config import CaptionConfig
from rnnkit.train.memory import _furthest_above_default


def test_the_image_size_counts_its_pixels_over_the_default_images_pixels() -> None:
    assert CaptionConfig(image_size=128).measured_size("image_size") == (128 * 128, 64 * 64)
    assert CaptionConfig().measured_size("layers") is None
    # the default 64x64 is once its default: --layers 3 is the setting furthest above its own
    assert _furthest_above_default(CaptionConfig(layers=3), {"image_size": 64, "layers": 3}) == "layers"
    assert _furthest_above_default(CaptionConfig(image_size=128, layers=3), {"image_size": 128, "layers": 3}) \
        == "image_size"
