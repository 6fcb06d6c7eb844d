"""Item 2, the photo pipeline: the app's full ingest of a photo (decode, orient, resize, stamp, thumbnail, save) beside
a bare Pillow open + load of the same file (the floor) and a naive path (full decode, transpose, LANCZOS resize, save).

Run alone: .venv/bin/python bench/photo_pipeline.py [--quick] [--runs N]

Cases: a 12 MP camera-like JPEG (4000×3000, EXIF orientation 6), the same shrunk to 2048 px as the phone sends it,
a 12 MP HEIC (512 px grid, as an iPhone writes it) and a 48 MP JPEG. Times: one subprocess per case runs ingest, floor
and naive in turn, N times, and reports medians. Memory: one subprocess per case and method, which resets the kernel's
peak-RSS mark once everything is imported and reports how far the runs pushed it (VmHWM minus VmRSS), so no earlier,
bigger case hides it. Targets: 12 MP JPEG ≤ 1.5× its bare decode and ≥ 2.5× faster than naive; HEIC ≤ 1.2× its bare
decode; peak memory added ≤ 150 MB; 48 MP without error. Quick mode: 3 runs; the HEIC encoded with x265's fastest
preset (same decoder work, much quicker to make) and not put through the naive path; memory measured in the timing
process before its timed runs; the 48 MP photo (upscaled from the 12 MP one) ingested once, for the no-error check.
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

SECTION = "2 photo pipeline"
STAMP = ["2026-11-23 14:05", "示例花园 · 1栋楼梯间 1–6 层 (B1-ST-01)", "张伟"]
# case: (file, runs, ingest/floor ratio target, naive/ingest speed-up target)
CASES = {
    "12 MP JPEG, orientation 6": ("camera12.jpg", 7, 1.5, 2.5),
    "2048 px JPEG, orientation 6": ("camera2048.jpg", 7, None, None),
    "12 MP HEIC (512 px grid)": ("camera12.heic", 7, 1.2, None),
    "48 MP JPEG": ("camera48.jpg", 3, None, None),
}
QUICK_RUNS = 3
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


def build_files(folder: str, quick: bool = False) -> None:
    """The four test photos; quick: the HEIC with x265's fastest preset (3 s instead of 25) and the 48 MP one upscaled."""
    import pillow_heif

    pillow_heif.register_heif_opener()
    exif = exif_for_camera()
    twelve = camera_like(4000, 3000)
    twelve.save(os.path.join(folder, "camera12.jpg"), "JPEG", quality=90, exif=exif)
    twelve.resize((2048, 1536), Image.Resampling.LANCZOS).save(os.path.join(folder, "camera2048.jpg"), "JPEG",
                                                               quality=90, exif=exif)
    heif = pillow_heif.from_pillow(twelve)
    heif.save(os.path.join(folder, "camera12.heic"), quality=80, tile_size=512, exif=exif.tobytes(),
              **({"enc_params": {"preset": "ultrafast"}} if quick else {}))
    del heif
    large = twelve.resize((8000, 6000), Image.Resampling.BICUBIC) if quick else camera_like(8000, 6000)
    del twelve
    large.save(os.path.join(folder, "camera48.jpg"), "JPEG", quality=90, exif=exif)


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


def _timed(path: str, runs: int, methods: tuple[str, ...], context: dict) -> dict:
    """Median wall time of each method, interleaved run by run so that a busy machine hurts them alike."""
    times = {method: [] for method in methods}
    for run in range(runs):
        for method in methods[run % len(methods):] + methods[:run % len(methods)]:
            started = time.perf_counter()
            globals()[method](path, context)
            times[method].append((time.perf_counter() - started) * 1000)
    return {method: statistics.median(values) for method, values in times.items()}


def time_worker(path: str, runs: int, methods: tuple[str, ...] = METHODS) -> dict:
    def job():
        context = {"run": 0}
        ingest(path, context)  # warm-up: loads the font, fills Pillow's caches
        return _timed(path, runs, methods, context)

    return _in_app(job)


def quick_worker(path: str, runs: int, methods: tuple[str, ...]) -> dict:
    """Quick mode in one process: the ingest's peak memory first (a fresh process), then the times."""
    def job():
        context = {"run": 0}
        baseline, started = _reset_peak(), time.perf_counter()
        ingest(path, context)
        first = (time.perf_counter() - started) * 1000
        peak = _status_mb("VmHWM") - baseline
        return {"peak": peak, "times": _timed(path, runs, methods, context) if runs else {"ingest": first}}

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
    out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(out.stderr.strip().splitlines()[-1] if out.stderr.strip() else f"exit {out.returncode}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def row(measure: str, value, unit: str, target=None, ok=None, note: str = "", fatal: bool = False) -> dict:
    return {"section": SECTION, "measure": measure, "value": value, "unit": unit, "target": target, "ok": ok,
            "note": note, "fatal": fatal}


def measure_case(path: str, runs: int, quick: bool, heic: bool) -> tuple[dict, dict]:
    """(median ms per method, peak MB added per method) of one photo."""
    if quick:
        methods = ("ingest", "floor") if heic else METHODS  # HEIC has no target against the naive path
        found = _subprocess("--quick-case", path, str(runs), ",".join(methods))
        return found["times"], {"ingest": found["peak"]}
    times = _subprocess("--time", path, str(runs))
    return times, {method: _subprocess("--memory", method, path, str(min(runs, 3))) for method in METHODS}


def case_rows(case: str, path: str, runs: int, quick: bool) -> list[dict]:
    _name, _runs, ratio_target, speedup_target = CASES[case]
    large = case.startswith("48")
    try:
        if quick and large:  # the no-error check only
            found = _subprocess("--quick-case", path, "0", "ingest")
            times, peaks = found["times"], {"ingest": found["peak"]}
            runs = 0
        else:
            times, peaks = measure_case(path, runs, quick, case.endswith("grid)"))
    except Exception as exc:  # noqa: BLE001 — a photo the pipeline cannot take is the finding itself
        return [row(f"{case} · ingest", None, "ms", "runs without error", False, f"{type(exc).__name__}: {exc}",
                    fatal=True)]
    result = []
    ingest_ms, floor_ms, naive_ms = times.get("ingest"), times.get("floor"), times.get("naive")
    parts = [f"bare Pillow open+load {floor_ms:.0f} ms" if floor_ms else "",
             f"naive {naive_ms:.0f} ms" if naive_ms else "", f"median of {runs} runs" if runs else "one run, the first (cold)"]
    note = ", ".join(p for p in parts if p) + f"; {os.path.getsize(path) / 1e6:.1f} MB file"
    if large:
        result.append(row(f"{case} · ingest", ingest_ms, "ms", "runs without error", True, note, fatal=True))
    else:
        result.append(row(f"{case} · ingest", ingest_ms, "ms", note=note))
    if ingest_ms and floor_ms:
        ratio = ingest_ms / floor_ms
        if ratio_target:
            result.append(row(f"{case} · ingest ÷ bare decode", ratio, "×", f"≤ {ratio_target}×", ratio <= ratio_target))
        else:
            result[0]["note"] += f"; ingest = {ratio:.2f}× bare decode"
    if ingest_ms and naive_ms:
        speedup = naive_ms / ingest_ms
        if speedup_target:
            result.append(row(f"{case} · naive ÷ ingest", speedup, "×", f"≥ {speedup_target}×", speedup >= speedup_target))
        else:
            result[0]["note"] += f", naive = {speedup:.2f}× ingest"
    others = ", ".join(f"{m} {peaks[m]:.0f} MB" for m in ("floor", "naive") if m in peaks)
    result.append(row(f"{case} · peak memory added", peaks["ingest"], "MB", f"≤ {PEAK_TARGET_MB} MB",
                      peaks["ingest"] <= PEAK_TARGET_MB, others and f"beside: {others}"))
    return result


def rows(quick: bool, db_url: str | None = None, runs: int | None = None) -> list[dict]:
    del db_url  # files and a scratch SQLite: no database involved
    result = []
    with tempfile.TemporaryDirectory() as folder:
        _subprocess("--build", folder, *(["quick"] if quick else []))  # in a child, so this process stays small
        for case, (name, case_runs, _ratio, _speedup) in CASES.items():
            print(f"  photo pipeline: {case}", file=sys.stderr, flush=True)
            result += case_rows(case, os.path.join(folder, name), runs or (QUICK_RUNS if quick else case_runs), quick)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--runs", type=int, help="runs per case (default 7, 3 for 48 MP; 3 in quick mode)")
    args = parser.parse_args()
    from bench.run import print_table

    print_table(rows(args.quick, None, args.runs))
    print(f"Python {sys.version.split()[0]}, Pillow {Image.__version__}, {os.cpu_count()} CPUs")


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "--build":
        build_files(sys.argv[2], quick=sys.argv[3:] == ["quick"])
        print("{}")
    elif command == "--time":
        print(json.dumps(time_worker(sys.argv[2], int(sys.argv[3]))))
    elif command == "--memory":
        print(json.dumps(memory_worker(sys.argv[2], sys.argv[3], int(sys.argv[4]))))
    elif command == "--quick-case":
        print(json.dumps(quick_worker(sys.argv[2], int(sys.argv[3]), tuple(sys.argv[4].split(",")))))
    else:
        main()
