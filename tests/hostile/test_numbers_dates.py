"""Hostile numbers and dates: NaN, infinity, 1e309, negatives where none are allowed; impossible dates, years 1 and
9999, and times far in the future or the past. Each is a clear 4xx beside the field, and nothing is stored."""
from __future__ import annotations

import pytest

from tests.hostile.harness import Probe, local_input, new_uuid, phone_time, stores_nothing

READING = "/patrol/visits/{mix_visit}/items/{mix_num}"
NEW_CHECKPOINT = "/admin/estate/checkpoints/new"
NOT_A_NUMBER = ("nan", "NaN", "inf", "-Infinity", "1e309", "-1e309", "9" * 400, "0x1A", "1/2", "")


def _checkpoint(**fields):
    return {"code": "ALPHA-7Q-GEO", "name_zh": "屋面", "name_en": "Roof", "category": "roof", **fields}


def _unit(**fields):
    return {"building_id": "{building}", "number": "3301", "floor": "33", "status": "vacant", **fields}


def _checklist_bounds(low: str, high: str = "10"):
    return {"code": "hostile_bounds", "name_zh": "读数", "name_en": "Readings", "checkpoint_category": "lobby",
            "note": "v1", "items-0-code": "NUM-1", "items-0-text_zh": "压力", "items-0-text_en": "Pressure",
            "items-0-category": "fire_safety", "items-0-method": "look", "items-0-answer_type": "number",
            "items-0-unit": "MPa", "items-0-min_value": low, "items-0-max_value": high, "items-0-severity": "minor"}


def _permit(start: str, end: str, **fields):
    return {"unit_id": "{unit}", "owner_name": "业主", "owner_phone": "13900000000", "contractor_name": "装修队",
            "contractor_person": "王工", "contractor_phone": "13800000000", "planned_start": start,
            "planned_end": end, "workers-0-name": "李四", "workers-0-pass_number": "P-1", **fields}


def _loan(expected_return: str):
    return {"borrower_name": "外来人员", "borrower_phone": "13700000000", "purpose": "看房",
            "expected_return": expected_return}


def _sync_reading(number_literal: str):
    """An answer whose reading is JSON text json.dumps will not write (NaN, Infinity, 1e309)."""
    return Probe("patroller@A", "/api/v1/sync/answers",
                 body=lambda: {"uuid": new_uuid(), "visit_uuid": "{mix_visit_uuid}", "item_id": "{mix_num}",
                               "number": "READING", "answered_at": phone_time()},
                 literals={"READING": number_literal}, code="invalid", field="number", says=("Enter a number.",))


def _sync_visit(**fields):
    return lambda: {"uuid": new_uuid(), "log_id": "{open_log}", "checkpoint_id": "{checkpoint_2}", "method": "qr",
                    "scanned_at": phone_time(), **fields}


PROBES = {
    **{f"reading {text!r}": Probe("patroller@A", READING, {"number": text}, htmx=True, says=("Enter a number.",))
       for text in NOT_A_NUMBER},
    **{f"phone reading {literal}": _sync_reading(literal) for literal in ("NaN", "Infinity", "-Infinity", "1e309")},
    "phone reading as text 'nan'": _sync_reading('"nan"'),
    "phone position NaN": Probe("patroller@A", "/api/v1/sync/visits", body=_sync_visit(latitude="LAT", longitude=121.4,
                                                                                       accuracy_m=5),
                                literals={"LAT": "NaN"}, status=422, code="invalid", field="latitude"),
    "phone accuracy negative": Probe("patroller@A", "/api/v1/sync/visits",
                                     body=_sync_visit(latitude=31.2, longitude=121.4, accuracy_m=-5), status=422,
                                     code="invalid", field="accuracy_m"),
    "latitude nan": Probe("admin@A", NEW_CHECKPOINT, _checkpoint(latitude="nan", longitude="121.4"),
                          says=("Latitude lies between -90 and 90",)),
    "latitude 1e309": Probe("admin@A", NEW_CHECKPOINT, _checkpoint(latitude="1e309", longitude="121.4"),
                            says=("Latitude lies between -90 and 90",)),
    "longitude -infinity": Probe("admin@A", NEW_CHECKPOINT, _checkpoint(latitude="31.2", longitude="-inf"),
                                 says=("Longitude lies between -180 and 180",)),
    "checklist bound NaN": Probe("admin@A", "/admin/checklists/new", _checklist_bounds("nan"), says=("Enter a number.",)),
    "checklist bound infinity": Probe("admin@A", "/admin/checklists/new", _checklist_bounds("0", "inf"),
                                      says=("Enter a number.",)),
    "checklist bound 1e309": Probe("admin@A", "/admin/checklists/new", _checklist_bounds("-1e309"),
                                   says=("Enter a number.",)),
    "unit area NaN": Probe("supervisor@A", "/units/new", _unit(area_m2="NaN"), says=("square metres above 0",)),
    "unit area negative": Probe("supervisor@A", "/units/new", _unit(area_m2="-80"), says=("square metres above 0",)),
    "unit floor 1e3": Probe("supervisor@A", "/units/new", _unit(floor="1e3"), says=("whole number",)),
    "floors above ground negative": Probe("admin@A", "/admin/estate/buildings/new",
                                          {"code": "B9", "name_zh": "9栋", "name_en": "B9", "floors_above": "-3"},
                                          says=("a whole number from 1 to 200",)),
    "deposit negative": Probe("supervisor@A", "/renovation/new", _permit(local_input()[:10], local_input(24 * 30)[:10],
                                                                         deposit_yuan="-5000"),
                              says=("Enter the deposit in whole yuan",)),
    "deposit 1e309": Probe("supervisor@A", "/renovation/new", _permit(local_input()[:10], local_input(24 * 30)[:10],
                                                                      deposit_yuan="1e309"),
                           says=("Enter the deposit in whole yuan",)),
    # dates
    "handover on 30 February": Probe("patroller@A", "/handover/new",
                                     lambda: {"shift_starts": "2026-02-30T08:00", "shift_ends": local_input(), "note": "交接"},
                                     says=("Enter a date and time",)),
    "handover in year 1": Probe("patroller@A", "/handover/new",
                                {"shift_starts": "0001-01-01T00:00", "shift_ends": "0001-01-01T08:00", "note": "交接"},
                                says=("Enter a date between 2000 and 2099",)),
    "handover in year 9999": Probe("patroller@A", "/handover/new",
                                   {"shift_starts": "9999-12-31T08:00", "shift_ends": "9999-12-31T16:00", "note": "交接"},
                                   says=("Enter a date between 2000 and 2099",)),
    "permit starting on 31 April": Probe("supervisor@A", "/renovation/new", _permit("2026-04-31", "2026-06-01"),
                                         says=("Enter the planned start date",)),
    "permit in year 9999": Probe("supervisor@A", "/renovation/new", _permit("9999-11-01", "9999-12-31"),
                                 says=("Enter a date between 2000 and 2099",)),
    "permit in year 1": Probe("supervisor@A", "/renovation/new", _permit("0001-01-01", "0001-02-01"),
                              says=("Enter a date between 2000 and 2099",)),
    "unit sold in year 9999": Probe("supervisor@A", "/units/new", _unit(sold_on="9999-12-31"),
                                    says=("Enter a date between 2000 and 2099",)),
    "unit sold on 29 February 2027": Probe("supervisor@A", "/units/new", _unit(sold_on="2027-02-29"),
                                           says=("Enter a date like 2026-05-31",)),
    "key back in year 1": Probe("patroller@A", "/vacancy/units/{unit}/keys/borrow", _loan("0001-01-01T00:00"),
                                says=("Enter a date between 2000 and 2099",)),
    "key back in year 9999": Probe("patroller@A", "/vacancy/units/{unit}/keys/borrow", _loan("9999-12-31T23:59"),
                                   says=("Enter a date between 2000 and 2099",)),
    "key back next year": Probe("patroller@A", "/vacancy/units/{unit}/keys/borrow", lambda: _loan(local_input(24 * 365)),
                                says=("at most 30 days",)),
    "phone scan in year 9999": Probe("patroller@A", "/api/v1/sync/visits",
                                     body=_sync_visit(scanned_at="9999-12-31T23:59:59Z"), code="invalid",
                                     field="scanned_at"),
    "phone scan in year 1": Probe("patroller@A", "/api/v1/sync/visits", body=_sync_visit(scanned_at="0001-01-01T00:00:00Z"),
                                  code="invalid", field="scanned_at"),
    "phone scan on 30 February": Probe("patroller@A", "/api/v1/sync/visits",
                                       body=_sync_visit(scanned_at="2026-02-30T08:00:00Z"), status=422, code="invalid",
                                       field="scanned_at"),
    "phone scan at 25 o'clock": Probe("patroller@A", "/api/v1/sync/visits",
                                      body=_sync_visit(scanned_at="2026-05-01T25:00:00+08:00"), status=422,
                                      code="invalid", field="scanned_at"),
    "phone answer a day ahead": Probe("patroller@A", "/api/v1/sync/answers",
                                      body=lambda: {"uuid": new_uuid(), "visit_uuid": "{mix_visit_uuid}",
                                                    "item_id": "{mix_num}", "number": 5, "answered_at": phone_time(86400)},
                                      code="invalid", field="answered_at"),
    "archive of month 13": Probe("supervisor@A", "/exports/archive/2026-13/archive.xlsx", method="GET", status=404,
                                 says=("There is no archive for this month",)),
    "archive of year 9999": Probe("supervisor@A", "/exports/archive/9999-12/patrol-logs.pdf", method="GET", status=404,
                                  says=("There is no archive for this month",)),
    "vacancy report of month 0": Probe("supervisor@A", "/vacancy/report/2026-00.pdf", method="GET", status=404,
                                       says=("Use a month like 2026-05",)),
    "vacancy report of a future half year": Probe("supervisor@A", "/vacancy/report/2099-H2.xlsx", method="GET",
                                                  status=404, says=("has not begun yet",)),
}


@pytest.mark.parametrize("case", PROBES)
def test_hostile_numbers_and_dates_are_refused_and_nothing_is_kept(app, world, people, case):
    probe = PROBES[case]
    with stores_nothing(app):
        probe.check(probe.send(people, world))


@pytest.mark.parametrize("case", ["reading 'nan'", "latitude nan", "handover on 30 February"])
def test_the_refusal_speaks_chinese_by_default(app, world, people, case):
    probe = PROBES[case]
    with stores_nothing(app):
        response = probe.send(people, world, **{"Accept-Language": "zh-CN"})
    assert response.status_code == probe.status
    text = response.get_data(as_text=True)
    assert not any(phrase in text for phrase in probe.says) and ("请输入" in text or "纬度" in text)
