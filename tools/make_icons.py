"""Draw the app's icons (a white shield with a check on the brand green) into static/icons/ at build time.

Run: python tools/make_icons.py [OUT_DIR]   (`make static` runs it; the PNGs are never committed)

Shapes are drawn four times larger and scaled down, which smooths their edges without an anti-aliasing renderer.
"""
from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image, ImageDraw

BRAND = (15, 92, 77, 255)  # #0f5c4d, the theme colour of the pages and the manifest
WHITE = (255, 255, 255, 255)
SUPERSAMPLE = 4
OUT = Path(__file__).resolve().parents[1] / "static" / "icons"

# name: (size in px, full-bleed square background, emblem width as a share of the icon)
ICONS = {
    "icon-192.png": (192, False, 0.62),
    "icon-512.png": (512, False, 0.62),
    # Maskable: launchers crop to any shape inside the central circle of 80 % diameter, so the emblem stays well within it.
    "maskable-512.png": (512, True, 0.50),
    # iOS rounds the corners itself and shows transparency as black: a full square.
    "apple-touch-icon.png": (180, True, 0.60),
}


def _quadratic(p0, p1, p2, steps: int = 24) -> list[tuple[float, float]]:
    return [((1 - t) ** 2 * p0[0] + 2 * (1 - t) * t * p1[0] + t * t * p2[0],
             (1 - t) ** 2 * p0[1] + 2 * (1 - t) * t * p1[1] + t * t * p2[1])
            for t in (i / steps for i in range(steps + 1))]


def shield_outline() -> list[tuple[float, float]]:
    """A shield in a unit box: a flat top with rounded shoulders, straight sides, curving to a point at the bottom."""
    left, right, top, waist, tip = 0.12, 0.88, 0.04, 0.46, 0.98
    return ([(left, top + 0.08)] + _quadratic((left, top + 0.08), (left, top), (left + 0.08, top))
            + _quadratic((right - 0.08, top), (right, top), (right, top + 0.08))
            + _quadratic((right, waist), (right, 0.78), (0.5, tip))
            + _quadratic((0.5, tip), (left, 0.78), (left, waist)))


CHECK = [(0.30, 0.50), (0.45, 0.65), (0.71, 0.36)]


def draw_icon(size: int, full_bleed: bool, emblem_share: float) -> Image.Image:
    big = size * SUPERSAMPLE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if full_bleed:
        draw.rectangle((0, 0, big, big), fill=BRAND)
    else:
        draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=round(big * 0.22), fill=BRAND)

    side = big * emblem_share
    origin = ((big - side) / 2, (big - side) / 2)

    def at(point):
        return (origin[0] + point[0] * side, origin[1] + point[1] * side)

    draw.polygon([at(p) for p in shield_outline()], fill=WHITE)
    stroke = round(side * 0.11)
    check = [at(p) for p in CHECK]
    draw.line(check, fill=BRAND, width=stroke, joint="curve")
    for x, y in (check[0], check[-1]):  # round caps
        draw.ellipse((x - stroke / 2, y - stroke / 2, x + stroke / 2, y + stroke / 2), fill=BRAND)

    image = image.resize((size, size), Image.Resampling.LANCZOS)
    return image.convert("RGB") if full_bleed else image


def write_icons(out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, (size, full_bleed, share) in ICONS.items():
        path = out_dir / name
        draw_icon(size, full_bleed, share).save(path, optimize=True)
        written.append(path)
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else OUT
    for written in write_icons(target):
        print(f"wrote {written}")
