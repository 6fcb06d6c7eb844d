"""The app icons drawn at build time: sizes, full-bleed backgrounds where launchers or iOS need them, the emblem."""
from __future__ import annotations

import importlib.util
from pathlib import Path

from PIL import Image

BRAND = (15, 92, 77)


def _make_icons():
    path = Path(__file__).resolve().parents[2] / "tools" / "make_icons.py"
    spec = importlib.util.spec_from_file_location("make_icons", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_icons_have_their_sizes_and_backgrounds(tmp_path):
    written = _make_icons().write_icons(tmp_path)
    icons = {path.name: Image.open(path) for path in written}
    assert {name: image.size for name, image in icons.items()} == {
        "icon-192.png": (192, 192), "icon-512.png": (512, 512), "maskable-512.png": (512, 512),
        "apple-touch-icon.png": (180, 180)}
    for name in ("maskable-512.png", "apple-touch-icon.png"):  # full bleed, nothing transparent
        image = icons[name].convert("RGBA")
        assert image.getpixel((0, 0)) == (*BRAND, 255) and image.getextrema()[3] == (255, 255), name
    for name in ("icon-192.png", "icon-512.png"):  # rounded square: transparent corners, green edges
        image = icons[name].convert("RGBA")
        size = image.width
        assert image.getpixel((0, 0))[3] == 0 and image.getpixel((size // 2, 2))[:3] == BRAND, name


def test_maskable_emblem_stays_inside_the_safe_zone(tmp_path):
    [maskable] = [p for p in _make_icons().write_icons(tmp_path) if p.name == "maskable-512.png"]
    image = Image.open(maskable).convert("RGB")
    centre = image.width / 2
    not_background = [(x, y) for x in range(0, image.width, 4) for y in range(0, image.height, 4)
                      if max(abs(a - b) for a, b in zip(image.getpixel((x, y)), BRAND)) > 24]
    assert not_background, "the emblem is drawn"
    radius = max(((x - centre) ** 2 + (y - centre) ** 2) ** 0.5 for x, y in not_background)
    assert radius < 0.4 * image.width  # the safe zone: a circle of 80 % of the icon's width
    assert image.getpixel((int(centre), int(centre * 0.8))) == (255, 255, 255)  # the white shield
