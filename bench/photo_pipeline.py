"""Benchmark of the photo ingest pipeline against a bare decode (the floor) and a naive resize.

Run: .venv/bin/python bench/photo_pipeline.py [--runs N]

Every case and method runs in its own subprocess, so the peak memory it adds (ru_maxrss after the runs minus
ru_maxrss once everything is imported) is not hidden by an earlier, bigger case.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from types import SimpleNamespace

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from PIL import Image, ImageDraw, ImageOps  # noqa: E402

STAMP = ["2026-11-23 14:05", "示例花园 · 1栋楼梯间 1–6 层 (B1-ST-01)", "张伟"]
# case: (file, runs, ingest/floor ratio target, naive/ingest speed-up target)
CASES = {
    "12MP JPEG, orientation 6": ("camera12.jpg", 7, 1.5, 2.5),
    "2048 px JPEG, orientation 6": ("camera2048.jpg", 7, None, None),
    "12MP HEIC (512 px grid)": ("camera12.heic", 7, 1.2, None),
    "48MP JPEG": ("camera48.jpg", 3, None, None),
}
PEAK_TARGET_MB = 150


def camera_like(width: int, height: int) -> Image.Image:
    """Gradients, shapes and sensor-like noise: compresses like a phone photo, unlike a flat colour."""
    small = (width // 8, height // 8)
    red = Image.linear_gradient("L").resize(small)
    green = Image.radial_gradient("L").resize(small)
    blue = red.transpose(Image.Transpose.ROTATE_180)
    base = Image.merge("RGB", (red, green, blue))
    draw = ImageDraw.Draw(base)
    for i in range(40):  # walls, doors, pipes: hard edges at many scales
        x, y = (i * 97) % small[0], (i * 53) % small[1]
        draw.rectangle((x, y, x + 20 + i * 3, y + 10 + i * 2), outline=(i * 6 % 256, 200 - i * 4, 90), width=2)
    base = base.resize((width, height), Image.Resampling.BICUBIC)
    noise = Image.effect_noise((width, height), 10).convert("RGB")
    return Image.blend(base, noise, 0.12)


def exif_for_camera() -> Image.Exif:
    exif = Image.Exif()
    exif[0x0112] = 6  # stored landscape, shown portrait: what a phone held upright writes
    exif[0x010F], exif[0x0110] = "Bench", "Camera"
    exif.get_ifd(0x8769)[0x9003] = "2026:11:23 14:05:00"
    exif.get_ifd(0x8769)[0x9011] = "+08:00"
    return exif


def build_files(folder: str) -> None:
    import pillow_heif

    pillow_heif.register_heif_opener()
    exif = exif_for_camera()
    twelve = camera_like(4000, 3000)
    twelve.save(os.path.join(folder, "camera12.jpg"), "JPEG", quality=90, exif=exif)
    twelve.resize((2048, 1536), Image.Resampling.LANCZOS).save(os.path.join(folder, "camera2048.jpg"), "JPEG",
                                                               quality=90, exif=exif)
    heif = pillow_heif.from_pillow(twelve)
    heif.save(os.path.join(folder, "camera12.heic"), quality=80, tile_size=512, exif=exif.tobytes())
    del twelve, heif
    camera_like(8000, 6000).save(os.path.join(folder, "camera48.jpg"), "JPEG", quality=90, exif=exif)


# --- the three things measured, each run in a worker process ---------------------------------------------------

def floor(path: str, _context) -> None:
    """A plain full decode: no draft, no scaling."""
    with Image.open(path) as image:
        image.load()


def naive(path: str, _context) -> None:
    with Image.open(path) as image:
        image.load()
        upright = ImageOps.exif_transpose(image)
        scale = 2048 / max(upright.size)
        small = upright.resize((round(upright.width * scale), round(upright.height * scale)), Image.Resampling.LANCZOS)
        small.save(io.BytesIO(), "JPEG", quality=82)


def ingest(path: str, context) -> None:
    from app.photos.pipeline import ingest_photo

    context["run"] += 1  # a new site each run, so the content-hash dedup never skips the work
    with open(path, "rb") as stream:
        photo = ingest_photo(stream, site=SimpleNamespace(id=context["run"]), uploaded_by=SimpleNamespace(id=1),
                             stamp_lines=STAMP, tz_name="Asia/Shanghai")
    assert max(photo.width, photo.height) <= 2048 and photo.height > photo.width, (photo.width, photo.height)


def worker(method: str, path: str, runs: int) -> dict:
    import pillow_heif

    from app import create_app
    import app.photos.pipeline  # noqa: F401 - imported before the baseline, like in a running server

    pillow_heif.register_heif_opener()
    with tempfile.TemporaryDirectory() as uploads:
        flask_app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                                "UPLOAD_DIR": uploads})
        with flask_app.app_context():
            function, context, times = globals()[method], {"run": 0}, []
            baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            for _ in range(runs):
                started = time.perf_counter()
                function(path, context)
                times.append((time.perf_counter() - started) * 1000)
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"median_ms": statistics.median(times), "peak_mb": (peak - baseline) / 1024}


def measure(method: str, path: str, runs: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--worker", method, path, str(runs)],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def verdict(case: str, ingest_ms, floor_ms, naive_ms, peak) -> tuple[str, str]:
    _, _, ratio_target, speedup_target = CASES[case]
    parts, ok = [f"peak<={PEAK_TARGET_MB}MB"], peak <= PEAK_TARGET_MB
    if ratio_target:
        parts.append(f"<={ratio_target}x floor")
        ok = ok and ingest_ms / floor_ms <= ratio_target
    if speedup_target:
        parts.append(f">={speedup_target}x vs naive")
        ok = ok and naive_ms / ingest_ms >= speedup_target
    if case.startswith("48MP"):
        parts.insert(0, "no error")
    return ", ".join(parts), "yes" if ok else "NO"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, help="runs per case (default 7, 3 for 48 MP)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        print("building test files…", file=sys.stderr)
        build_files(folder)
        header = ("case", "size", "ingest ms", "floor ms", "naive ms", "ingest/floor", "naive/ingest",
                  "ingest peak MB", "floor peak MB", "target", "met")
        rows = [header]
        for case, (name, runs, _, _) in CASES.items():
            path, runs = os.path.join(folder, name), args.runs or runs
            print(f"measuring {case}…", file=sys.stderr)
            result = {method: measure(method, path, runs) for method in ("ingest", "floor", "naive")}
            i, f, n = (result[m]["median_ms"] for m in ("ingest", "floor", "naive"))
            peak = result["ingest"]["peak_mb"]
            target, met = verdict(case, i, f, n, peak)
            rows.append((case, f"{os.path.getsize(path) / 1e6:.1f} MB", f"{i:.0f}", f"{f:.0f}", f"{n:.0f}",
                         f"{i / f:.2f}x", f"{n / i:.2f}x", f"{peak:.0f}", f"{result['floor']['peak_mb']:.0f}",
                         target, met))
    widths = [max(len(row[c]) for row in rows) for c in range(len(header))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    print(f"(median of N runs: 7, 3 for 48 MP; Python {sys.version.split()[0]}, Pillow {Image.__version__}, "
          f"{os.cpu_count()} CPUs)")


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--worker":
        print(json.dumps(worker(sys.argv[2], sys.argv[3], int(sys.argv[4]))))
    else:
        main()
