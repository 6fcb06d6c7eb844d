"""Item 5, sync: a phone back from a basement replays its queue through the sync API (/api/v1/sync), as
static/js/offline/sync.js does: one record after the other, in the order they were made.

Run alone: .venv/bin/python bench/sync_replay.py [--pg postgresql://postgres@127.0.0.1:5432/test_e]

The queue: 15 visits, 200 answers (50 of them failures) and a photo for each failure (2048 px JPEGs, as the phone shrinks
them), on a round started online, against the app under gunicorn over loopback. Then the whole queue again, as a phone
does when the responses were lost on the way back: every record must be answered as already there, and the database
must hold each record once. Targets: ≤ 30 s for the replay, zero duplicates. Quick mode: a quarter of the queue
against a quarter of the time.
"""
from __future__ import annotations

import argparse
import io
import re
import sys
import time
import uuid as uuidlib
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.page_weight import CSRF, sign_in  # noqa: E402
from bench.server import Server, database  # noqa: E402

SECTION = "5 sync"
ANSWERS, PHOTOS, SECONDS = 200, 50, 30.0
QUICK_SHARE = 0.25


def photos(count: int) -> list[bytes]:
    """Distinct 2048×1536 JPEGs with camera-like grain."""
    from PIL import Image, ImageDraw, ImageFilter

    base = Image.effect_noise((2048, 1536), 24).convert("RGB").filter(ImageFilter.GaussianBlur(1))
    made = []
    for n in range(count):
        image = base.copy()
        ImageDraw.Draw(image).rectangle((40 * n, 30 * n, 40 * n + 300, 30 * n + 200), outline=(200, 40, 40), width=10)
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=85)
        made.append(buffer.getvalue())
    return made


def stamp() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def queue(pack: dict, log_id: int, pictures: list[bytes], wanted: int = ANSWERS) -> list[tuple[str, dict]]:
    """(endpoint, body) in the order the phone recorded them: a visit, its answers, each failure's photo."""
    records, answers, failures, photos_wanted = [], 0, 0, len(pictures)
    for stop in pack["stops"]:
        if answers >= wanted:
            break
        visit = str(uuidlib.uuid4())
        records.append(("visits", {"uuid": visit, "log_id": log_id, "checkpoint_id": stop["checkpoint_id"],
                                   "method": "qr", "scanned_at": stamp()}))
        for item in stop["items"][:wanted - answers]:
            answer = str(uuidlib.uuid4())
            body = {"uuid": answer, "visit_uuid": visit, "item_id": item["id"], "answered_at": stamp()}
            if item["answer_type"] == "pass_fail" and failures < photos_wanted and answers % 4 == 0:
                body.update(result="fail", note="管道接口渗水")
                records.append(("answers", body))
                records.append(("photos", {"uuid": str(uuidlib.uuid4()), "answer_uuid": answer,
                                           "photo": pictures[failures]}))
                failures += 1
            else:
                body.update({"pass_fail": {"result": "pass"}, "number": {"number": 1.2},
                             "text": {"text": "正常"}}[item["answer_type"]])
                records.append(("answers", body))
            answers += 1
    if answers < wanted or failures < photos_wanted:
        raise RuntimeError(f"the round has room for {answers} answers and {failures} photos only")
    return records


def replay(client, records: list[tuple[str, dict]], csrf: str) -> dict[int, int]:
    """Send each record once; statuses counted."""
    statuses: dict[int, int] = {}
    for endpoint, body in records:
        headers = {"X-CSRFToken": csrf}
        if endpoint == "photos":
            response = client.post("/api/v1/sync/photos", headers=headers,
                                   data={"uuid": body["uuid"], "answer_uuid": body["answer_uuid"]},
                                   files={"photo": ("photo.jpg", body["photo"], "image/jpeg")})
        else:
            response = client.post(f"/api/v1/sync/{endpoint}", headers=headers, json=body)
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
    return statuses


def stored(url: str, uploads: str, log_id: int) -> tuple[int, int, int]:
    """(visits, answers, photos) the database holds for the log."""
    import logging

    from sqlalchemy import func, select

    from app import create_app
    from app.extensions import db
    from app.patrols.models import Answer, Visit
    from app.photos.models import Photo

    logging.disable(logging.INFO)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True, "UPLOAD_DIR": uploads})
    with app.app_context():
        visits = db.session.scalar(select(func.count()).select_from(Visit).where(Visit.log_id == log_id))
        answers = db.session.scalar(select(func.count()).select_from(Answer).join(Visit).where(Visit.log_id == log_id))
        pictures = db.session.scalar(select(func.count()).select_from(Photo).join(Answer, Photo.answer_id == Answer.id)
                                     .join(Visit).where(Visit.log_id == log_id))
        db.engine.dispose()
    return visits, answers, pictures


def row(measure: str, value, unit: str, target=None, ok=None, note: str = "", fatal: bool = False) -> dict:
    return {"section": SECTION, "measure": measure, "value": value, "unit": unit, "target": target, "ok": ok,
            "note": note, "fatal": fatal}


def engine_rows(engine: str, quick: bool, pg_url: str | None, pictures: list[bytes]) -> list[dict]:
    from bench.estate import QUICK, Scale

    share = QUICK_SHARE if quick else 1  # quick mode: a quarter of the queue, against a quarter of the time
    wanted, limit = int(ANSWERS * share), SECONDS * share

    url, plan, _facts, uploads = database(engine, QUICK if quick else Scale(), pg_url)
    person = plan["spares"][1]
    round_ = person["rounds"][0]
    with Server(url, uploads, workers=2) as server:
        client = sign_in(server.base, person["username"], plan["password"])
        token = CSRF.search(client.get("/patrol/").text).group(1)
        started = client.post(f"/patrol/rounds/{round_['id']}/start", data={"csrf_token": token})
        log_id = int(re.search(r"/logs/(\d+)", started.headers["location"]).group(1))
        pack = client.get(f"/api/v1/sync/logs/{log_id}/pack").json()
        records = queue(pack, log_id, pictures, wanted)
        began = time.perf_counter()
        first = replay(client, records, pack["csrf_token"])
        seconds = time.perf_counter() - began
        began = time.perf_counter()
        again = replay(client, records, pack["csrf_token"])
        resend_seconds = time.perf_counter() - began
    visits, answers, kept = stored(url, uploads, log_id)
    expected = (sum(1 for e, _b in records if e == "visits"), wanted, len(pictures))
    duplicates = max(0, visits - expected[0]) + max(0, answers - expected[1]) + max(0, kept - expected[2])
    missing = max(0, expected[0] - visits) + max(0, expected[1] - answers) + max(0, expected[2] - kept)
    refused = sum(n for status, n in first.items() if status not in (200, 201))
    refused += sum(n for status, n in again.items() if status != 200)
    return [
        row(f"{engine} · replay {len(records)} records ({wanted} answers, {len(pictures)} photos)", seconds, "s",
            f"≤ {limit:g} s", seconds <= limit, note=f"statuses {first}"),
        row(f"{engine} · the same queue sent again", resend_seconds, "s", note=f"statuses {again}"),
        row(f"{engine} · duplicates stored", duplicates, "", "= 0", duplicates == 0,
            note=f"held: {visits} visits, {answers} answers, {kept} photos", fatal=True),
        row(f"{engine} · records refused or missing", refused + missing, "", "= 0", refused + missing == 0, fatal=True),
    ]


def rows(quick: bool, db_url: str | None) -> list[dict]:
    """SQLite always; PostgreSQL too when db_url is given (full mode)."""
    pictures = photos(int(PHOTOS * (QUICK_SHARE if quick else 1)))
    result = engine_rows("sqlite", quick, None, pictures)
    if db_url:
        result += engine_rows("postgresql", quick, db_url, pictures)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--pg", help="also on this PostgreSQL database (its public schema is emptied)")
    args = parser.parse_args()
    from bench.run import print_table

    print_table(rows(args.quick, args.pg))


if __name__ == "__main__":
    main()
