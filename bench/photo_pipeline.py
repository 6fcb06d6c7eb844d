"""Benchmark of the photo ingest pipeline against a bare decode (the floor) and a naive resize.

Run: .venv/bin/python bench/photo_pipeline.py [--runs N]

Times: one subprocess per case runs ingest, floor and naive in turn, N times, and reports medians. Memory: one
subprocess per case and method, which resets the kernel's peak-RSS mark once everything is imported and reports
how far the runs pushed it (VmHWM minus VmRSS), so no earlier, bigger case hides it.
"""
from __future__ import annotations

import argparse
import io
import json
import os
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
    """Gradients, edges, texture and sensor-like noise: about 3.9 MB at quality 90 for 12 MP, like a phone photo."""
    small = (width // 8, height // 8)
    red = Image.linear_gradient("L").resize(small)
    green = Image.radial_gradient("L").resize(small)
    base = Image.merge("RGB", (red, green, red.transpose(Image.Transpose.ROTATE_180)))
    draw = ImageDraw.Draw(base)
    for i in range(40):  # walls, doors, pipes: hard edges at many scales
        x, y = (i * 97) % small[0], (i * 53) % small[1]
        draw.rectangle((x, y, x + 20 + i * 3, y + 10 + i * 2), outline=(i * 6 % 256, 200 - i * 4, 90), width=2)
    base = base.resize((width, height), Image.Resampling.BICUBIC)
    texture = Image.effect_noise((width // 4, height // 4), 60).resize((width, height), Image.Resampling.BICUBIC)
    base = Image.blend(base, texture.convert("RGB"), 0.25)
    return Image.blend(base, Image.effect_noise((width, height), 40).convert("RGB"), 0.15)


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


METHODS = ("ingest", "floor", "naive")


def _status_mb(field: str) -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise KeyError(field)


def _reset_peak() -> float:
    """Reset the kernel's peak-RSS mark (VmHWM) to the current RSS and return that RSS in MB."""
    with open("/proc/self/clear_refs", "w") as clear_refs:
        clear_refs.write("5")
    return _status_mb("VmRSS")


def _in_app(job):
    from app import create_app
    from app.photos import pipeline

    pipeline._register_heif()  # the floor decodes HEIC with the same libheif settings as the ingest
    with tempfile.TemporaryDirectory() as uploads:
        flask_app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                                "UPLOAD_DIR": uploads})
        with flask_app.app_context():
            return job()


def time_worker(path: str, runs: int) -> dict:
    """Median wall time of each method, interleaved run by run so that a busy machine hurts them alike."""
    def job():
        context, times = {"run": 0}, {method: [] for method in METHODS}
        ingest(path, context)  # warm-up: loads the font, fills Pillow's caches
        for run in range(runs):
            for method in METHODS[run % 3:] + METHODS[:run % 3]:
                started = time.perf_counter()
                globals()[method](path, context)
                times[method].append((time.perf_counter() - started) * 1000)
        return {method: statistics.median(values) for method, values in times.items()}

    return _in_app(job)


def memory_worker(method: str, path: str, runs: int) -> float:
    """Peak resident memory the method adds over a process that has imported everything, in MB."""
    def job():
        context = {"run": 0}
        baseline = _reset_peak()
        for _ in range(runs):
            globals()[method](path, context)
        return _status_mb("VmHWM") - baseline

    return _in_app(job)


def _subprocess(*args: str):
    out = subprocess.run([sys.executable, __file__, *args], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def verdict(case: str, ingest_ms: float, floor_ms: float, naive_ms: float, peak: float) -> tuple[str, str]:
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


def measure_case(case: str, path: str, runs: int) -> tuple[str, ...]:
    times = _subprocess("--time", path, str(runs))
    peaks = {method: _subprocess("--memory", method, path, str(min(runs, 3))) for method in METHODS}
    i, f, n = (times[method] for method in METHODS)
    target, met = verdict(case, i, f, n, peaks["ingest"])
    return (case, f"{os.path.getsize(path) / 1e6:.1f} MB", f"{i:.0f}", f"{f:.0f}", f"{n:.0f}", f"{i / f:.2f}x",
            f"{n / i:.2f}x", f"{peaks['ingest']:.0f}", f"{peaks['floor']:.0f}", f"{peaks['naive']:.0f}", target, met)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, help="runs per case (default 7, 3 for 48 MP)")
    args = parser.parse_args()
    header = ("case", "file", "ingest ms", "floor ms", "naive ms", "ingest/floor", "naive/ingest", "peak MB ingest",
              "peak MB floor", "peak MB naive", "target", "met")
    rows = [header]
    with tempfile.TemporaryDirectory() as folder:
        print("building test files…", file=sys.stderr)
        _subprocess("--build", folder)  # in a child, so this process stays small
        for case, (name, runs, _, _) in CASES.items():
            print(f"measuring {case}…", file=sys.stderr)
            rows.append(measure_case(case, os.path.join(folder, name), args.runs or runs))
    widths = [max(len(row[c]) for row in rows) for c in range(len(header))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    print(f"median ms of N interleaved runs (7; 3 for 48 MP) after one warm-up; peak MB = VmHWM added over an "
          f"imported process; Python {sys.version.split()[0]}, Pillow {Image.__version__}, {os.cpu_count()} CPUs")


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "--build":
        build_files(sys.argv[2])
        print("{}")
    elif command == "--time":
        print(json.dumps(time_worker(sys.argv[2], int(sys.argv[3]))))
    elif command == "--memory":
        print(json.dumps(memory_worker(sys.argv[2], sys.argv[3], int(sys.argv[4]))))
    else:
        main()
