"""Item 1, the server under load: the app under gunicorn on SQLite and PostgreSQL, driven by an asyncio + httpx load
generator pinned to its own core, playing the real patrol flow.

Run alone: .venv/bin/python bench/load.py [--quick] [--pg postgresql://postgres@127.0.0.1:5432/test_e]

Per engine, on the estate of bench/estate.py:
- realistic: patrollers (2–5 s between taps) sign in, open Today, start a round, scan each checkpoint's label, answer
  each item (one failure with a photo, 2048 px as the phone sends it), submit and see the sign-off page; supervisors load
  the dashboard and the findings queue. Targets: no errors, p95 of each patrol step ≤ 50 ms, dashboard p95 ≤ 150 ms.
- capacity: 16 walkers with no think time walk whole-building rounds; right before, 16 clients hit the floor route
  (/bench/floor, a view answering a fixed string) in the same server. Target: patrol steps/s ≥ 30 % of the floor's.
Quick mode: SQLite only, 12 patrollers and 4 walkers, shorter runs, think times of 0.3–0.9 s.
"""
from __future__ import annotations

import argparse
import asyncio
import io
import os
import random
import re
import sys
import time
import traceback
from collections import defaultdict
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.server import Server, database, split_cores  # noqa: E402

SECTION = "1 server under load"
PATROL_STEPS = ("today", "start round", "round page", "scan label", "checkpoint page", "answer item", "answer + photo",
                "submit", "sign-off page")
SUPERVISOR_STEPS = ("dashboard", "findings queue")
PATROL_P95_MS, DASHBOARD_P95_MS, CAPACITY_SHARE = 50.0, 150.0, 0.30
CSRF = re.compile(r'"X-CSRFToken": "([^"]+)"')
FORM_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Model:
    patrollers: int
    supervisors: int
    seconds: float
    think: tuple[float, float]
    walkers: int = 0
    floor_seconds: float = 0


REALISTIC = Model(patrollers=200, supervisors=10, seconds=120, think=(2.0, 5.0))
REALISTIC_QUICK = Model(patrollers=12, supervisors=2, seconds=20, think=(0.3, 0.9))
CAPACITY = Model(patrollers=0, supervisors=0, seconds=30, think=(0, 0), walkers=16, floor_seconds=10)
CAPACITY_QUICK = Model(patrollers=0, supervisors=0, seconds=8, think=(0, 0), walkers=4, floor_seconds=3)


@dataclass
class Record:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    samples: list[str] = field(default_factory=list)  # the first few errors, to say what went wrong

    def error(self, step: str, what: str) -> None:
        self.errors[step] += 1
        if len(self.samples) < 5:
            self.samples.append(f"{step}: {what}")


class Failed(Exception):
    """A step went wrong: the virtual user gives up this round (the error is recorded)."""


def camera_photo() -> bytes:
    """A 2048×1536 JPEG with camera-like grain, as the phone sends it after shrinking."""
    from PIL import Image, ImageDraw, ImageFilter

    image = Image.effect_noise((2048, 1536), 24).convert("RGB").filter(ImageFilter.GaussianBlur(1))
    draw = ImageDraw.Draw(image)
    for n in range(12):
        draw.rectangle((n * 160, n * 90, n * 160 + 400, n * 90 + 300), outline=(200, 40 + n * 10, 40), width=12)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


class User:
    def __init__(self, client, record: Record, think: tuple[float, float], deadline: float):
        self.client, self.record, self.think_range, self.deadline = client, record, think, deadline
        self.csrf, self.username = "", ""

    async def think(self) -> None:
        if self.think_range[1]:
            await asyncio.sleep(random.uniform(*self.think_range))
        if time.monotonic() > self.deadline:
            raise TimeoutError

    async def step(self, step: str, method: str, url: str, expect: int, **kwargs):
        started = time.perf_counter()
        try:
            response = await self.client.request(method, url, **kwargs)
        except Exception as exc:  # noqa: BLE001 — a refused or broken connection is an error of the run
            self.record.error(step, f"{type(exc).__name__} {exc} ({url})")
            raise Failed from exc
        self.record.latencies[step].append((time.perf_counter() - started) * 1000)
        if response.status_code != expect:
            self.record.error(step, f"{response.status_code} for {method} {url}")
            raise Failed
        return response

    async def sign_in(self, username: str, password: str) -> None:
        self.username = username
        page = await self.step("sign-in page", "GET", "/login", 200)
        token = FORM_CSRF.search(page.text).group(1)
        await self.step("sign in", "POST", "/login", 303,
                        data={"username": username, "password": password, "csrf_token": token})


class Patroller(User):
    def __init__(self, *args, photo: bytes):
        super().__init__(*args)
        self.photo = photo

    def htmx(self) -> dict:
        return {"HX-Request": "true", "X-CSRFToken": self.csrf}

    async def walk(self, round_: dict) -> None:
        today = await self.step("today", "GET", "/patrol/", 200)
        self.csrf = CSRF.search(today.text).group(1)
        await self.think()
        started = await self.step("start round", "POST", f"/patrol/rounds/{round_['id']}/start", 303,
                                  data={"csrf_token": self.csrf})
        log_url = started.headers["location"]
        await self.step("round page", "GET", log_url, 200)
        photo_due = True
        for stop in round_["stops"]:
            await self.think()
            scanned = await self.step("scan label", "GET", f"/c/{stop['token']}?via=scanner", 303)
            visit_url = scanned.headers["location"]
            await self.step("checkpoint page", "GET", visit_url, 200)
            for item in stop["items"]:
                await self.think()
                url = f"{visit_url}/items/{item['id']}"
                if photo_due and item["photo"] and item["type"] == "pass_fail":
                    photo_due = False
                    await self.step("answer + photo", "POST", url, 200, headers=self.htmx(),
                                    data={"result": "fail", "note": "墙面批荡起皮脱落"},
                                    files={"photos": ("IMG_0001.jpg", self.photo, "image/jpeg")})
                else:
                    await self.step("answer item", "POST", url, 200, headers=self.htmx(), data=passing(item))
        await self.think()
        submitted = await self.step("submit", "POST", f"{log_url}/submit", 303, data={"csrf_token": self.csrf})
        await self.step("sign-off page", "GET", submitted.headers["location"], 200)
        await self.think()


def passing(item: dict) -> dict:
    if item["type"] == "number":
        low, high = item["min"], item["max"]
        value = (low + high) / 2 if low is not None and high is not None else (low or high or 1)
        return {"number": f"{value:g}"}
    if item["type"] == "text":
        return {"text": "现场正常"}
    return {"result": "pass"}


async def signed_in(stack: AsyncExitStack, base: str, people: list[str], password: str, record: Record,
                    make) -> list:
    """A client per person, signed in before the clock starts (a session lasts a shift: nobody signs in per round).

    At most 8 sign-ins at once: the password hash is deliberately slow and would otherwise queue everything behind it."""
    import httpx

    gate = asyncio.Semaphore(8)
    users = []

    async def one(username: str) -> None:
        client = await stack.enter_async_context(httpx.AsyncClient(base_url=base, timeout=60))
        user = make(client)
        async with gate:
            try:
                await user.sign_in(username, password)
            except Failed:
                return
        users.append(user)

    await asyncio.gather(*(one(name) for name in people))
    return users


async def walk_rounds(user: Patroller, rounds: list[dict]) -> None:
    await asyncio.sleep(random.uniform(0, user.think_range[1]))  # people do not all start at the same second
    for round_ in rounds:
        try:
            await user.walk(round_)
        except Failed:
            continue
        except TimeoutError:
            return


async def supervise(user: User) -> None:
    try:
        while True:
            await user.think()
            await user.step("dashboard", "GET", "/dashboard/", 200)
            await user.think()
            await user.step("findings queue", "GET", "/review/findings", 200)
    except (TimeoutError, Failed):
        return


async def hammer(base: str, clients: int, seconds: float) -> tuple[int, int, float]:
    """(answered, errors, seconds) of clients asking for the floor route back to back."""
    import httpx

    done, errors = [0], [0]
    deadline = time.monotonic() + seconds

    async def one(client):
        while time.monotonic() < deadline:
            try:
                response = await client.get("/bench/floor")
                if response.status_code == 200:
                    done[0] += 1
                else:
                    errors[0] += 1
            except Exception:  # noqa: BLE001
                errors[0] += 1

    began = time.perf_counter()
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=httpx.Limits(max_connections=clients)) as client:
        await asyncio.gather(*(one(client) for _ in range(clients)))
    return done[0], errors[0], time.perf_counter() - began


async def play(base: str, plan: dict, model: Model, photo: bytes) -> tuple[Record, float]:
    """Everyone of the model signs in, then the clock runs: patrollers walk their rounds, supervisors watch."""
    record = Record()
    people = plan["patrollers"][:model.patrollers] + plan["walkers"][:model.walkers]
    rounds = {person["username"]: person["rounds"] for person in people}
    async with AsyncExitStack() as stack:
        walkers = await signed_in(stack, base, list(rounds), plan["password"], record,
                                  lambda client: Patroller(client, record, model.think, float("inf"), photo=photo))
        watchers = await signed_in(stack, base, plan["supervisors"][:model.supervisors], plan["password"], record,
                                   lambda client: User(client, record, model.think, float("inf")))
        # Each worker compiles its templates on first use: not part of the figures (nor are its failures).
        for user, path in [(u, "/patrol/") for u in walkers[:16]] + [(u, "/dashboard/") for u in watchers]:
            try:
                await user.client.get(path)
            except Exception:  # noqa: BLE001
                pass
        for user in walkers + watchers:
            user.deadline = time.monotonic() + model.seconds
        began = time.perf_counter()
        await asyncio.gather(*(walk_rounds(user, rounds[user.username]) for user in walkers),
                             *(supervise(user) for user in watchers))
        return record, time.perf_counter() - began


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def step_rows(label: str, record: Record, steps, target: float | None) -> list[dict]:
    rows = []
    for step in steps:
        values = record.latencies.get(step, [])
        if not values:
            rows.append(row(label, f"{step} p95", None, "ms", target, note="no request completed"))
            continue
        p95 = percentile(values, 0.95)
        rows.append(row(label, f"{step} p95", p95, "ms", target, ok=None if target is None else p95 <= target,
                        note=f"p50 {percentile(values, 0.5):.0f} · p99 {percentile(values, 0.99):.0f} · n {len(values)}"))
    return rows


def row(label: str, measure: str, value, unit: str, target=None, ok=None, note: str = "", fatal: bool = False) -> dict:
    return {"section": SECTION, "measure": f"{label} · {measure}", "value": value, "unit": unit,
            "target": target, "ok": ok, "note": note, "fatal": fatal}


def error_row(label: str, record: Record, server: Server) -> dict:
    total = sum(record.errors.values())
    note = "; ".join(record.samples)
    if total:
        tail = [line for line in server.errors_logged().splitlines() if any(w in line for w in ("Error", "TIMEOUT", "Traceback"))]
        note += (" · server: " + " | ".join(tail[-3:])) if tail else ""
    return row(label, "errors", total, "", "= 0", ok=total == 0, note=note, fatal=True)


def with_affinity(cores: list[int]):
    """Run the generator on its own core(s) while measuring; restored afterwards."""
    class Pin:
        def __enter__(self):
            self.before = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
            if self.before is not None:
                os.sched_setaffinity(0, cores)

        def __exit__(self, *_exc):
            if self.before is not None:
                os.sched_setaffinity(0, self.before)
    return Pin()


def engine_rows(engine: str, quick: bool, pg_url: str | None, photo: bytes) -> list[dict]:
    from bench.estate import QUICK, Scale

    scale = QUICK if quick else Scale()
    url, plan, facts, uploads = database(engine, scale, pg_url)
    realistic, capacity = (REALISTIC_QUICK, CAPACITY_QUICK) if quick else (REALISTIC, CAPACITY)
    server_cores, load_cores = split_cores()
    label = f"{engine} realistic"
    rows = [row(engine, "estate", facts["answers"], "answers",
                note=f"{facts['checkpoints']} checkpoints, {scale.days} days, built in {facts['seconds']:.0f} s; "
                     f"server cores {server_cores}, load generator {load_cores}")]
    with Server(url, uploads) as server, with_affinity(load_cores):
        record, seconds = asyncio.run(play(server.base, plan, realistic, photo))
        count = sum(len(v) for v in record.latencies.values())
        rows.append(row(label, "requests/s", count / seconds, "req/s",
                        note=f"{realistic.patrollers} patrollers + {realistic.supervisors} supervisors, "
                             f"think {realistic.think[0]}–{realistic.think[1]} s, {seconds:.0f} s"))
        rows += step_rows(label, record, PATROL_STEPS, PATROL_P95_MS)
        rows += step_rows(label, record, SUPERVISOR_STEPS, DASHBOARD_P95_MS)
        rows += step_rows(label, record, ("sign in",), None)
        rows.append(error_row(label, record, server))

        label = f"{engine} capacity"
        floor_done, floor_errors, floor_seconds = asyncio.run(hammer(server.base, capacity.walkers, capacity.floor_seconds))
        record, seconds = asyncio.run(play(server.base, plan, capacity, photo))
        floor_rate = floor_done / floor_seconds
        patrol_rate = sum(len(record.latencies.get(s, [])) for s in PATROL_STEPS) / seconds
        rows.append(row(label, "floor route", floor_rate, "req/s", note=f"{capacity.walkers} clients, {floor_seconds:.0f} s"))
        rows.append(row(label, "patrol steps", patrol_rate, "req/s",
                        note=f"{capacity.walkers} walkers, no think time, {seconds:.0f} s"))
        share = patrol_rate / floor_rate if floor_rate else 0.0
        rows.append(row(label, "patrol steps / floor", share * 100, "%", f"≥ {CAPACITY_SHARE:.0%}",
                        ok=share >= CAPACITY_SHARE))
        rows += step_rows(label, record, PATROL_STEPS, None)
        record.errors["floor route"] += floor_errors
        rows.append(error_row(label, record, server))
    return rows


def rows(quick: bool, db_url: str | None, engines: tuple[str, ...] = ("sqlite", "postgresql")) -> list[dict]:
    """SQLite always; PostgreSQL too when db_url is given (full mode). An engine that breaks gives an error row."""
    photo = camera_photo()
    result = []
    for engine in engines:
        if engine == "postgresql" and not db_url:
            continue
        try:
            result += engine_rows(engine, quick, db_url if engine == "postgresql" else None, photo)
        except Exception as exc:  # noqa: BLE001 — the other engine's figures still count
            traceback.print_exc()
            result.append(row(engine, "run", None, "", "runs", ok=False, note=f"{type(exc).__name__}: {exc}", fatal=True))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--pg", help="also on this PostgreSQL database (its public schema is emptied)")
    parser.add_argument("--engine", choices=("sqlite", "postgresql"), help="only this one")
    args = parser.parse_args()
    from bench.run import print_table

    print_table(rows(args.quick, args.pg, (args.engine,) if args.engine else ("sqlite", "postgresql")))


if __name__ == "__main__":
    main()
