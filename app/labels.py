"""Display names for stored codes (statuses, roles, categories), translated at render time."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

LABELS: dict[str, dict[str, object]] = {
    "role": {"patroller": _l("Patroller"), "supervisor": _l("Supervisor"), "maintenance": _l("Maintenance"), "admin": _l("Administrator")},
    "log_status": {"scheduled": _l("Scheduled"), "in_progress": _l("In progress"), "submitted": _l("Submitted"),
                   "signed": _l("Signed"), "reviewed": _l("Reviewed"), "missed": _l("Missed"),
                   "amending": _l("Being corrected"), "returned": _l("Returned for correction"),
                   "due": _l("Due now"), "upcoming": _l("Later today"), "overdue": _l("Overdue")},
    "work_order_status": {"new": _l("New"), "claimed": _l("Claimed"), "in_progress": _l("In progress"), "done": _l("Done, awaiting verification"),
                          "verified": _l("Verified"), "closed": _l("Closed"), "reopened": _l("Reopened")},
    "amendment_status": {"open": _l("Being written"), "submitted": _l("Waiting for signatures"), "signed": _l("Signed"),
                         "withdrawn": _l("Withdrawn")},
    "finding_status": {"open": _l("Waiting for review"), "approved": _l("Approved"), "rejected": _l("Rejected"), "merged": _l("Merged")},
    "severity": {"minor": _l("Minor"), "major": _l("Major"), "urgent": _l("Urgent")},
    "result": {"pass": _l("Pass"), "fail": _l("Fail"), "na": _l("N/A")},
    "method": {"look": _l("Look"), "listen": _l("Listen"), "touch": _l("Touch"), "ask": _l("Ask")},
    "visit_method": {"qr": _l("In-app QR scan"), "link": _l("Label (QR or NFC)"), "manual": _l("Manual code")},
    "visit_flag": {"too_fast": _l("Implausibly fast"), "far_away": _l("Far from the checkpoint")},
    "answer_type": {"pass_fail": _l("Pass / fail / N/A"), "number": _l("Number"), "text": _l("Text")},
    "meaning": {"performed": _l("Performed by"), "witnessed": _l("Witnessed by"), "reviewed": _l("Reviewed by")},
    "schedule": {"daily": _l("Daily"), "shift": _l("Every shift"), "weekly": _l("Weekly"), "monthly": _l("Monthly")},
    "event": {"work_order_claim": _l("Claimed"), "work_order_start": _l("Work started"), "work_order_finish": _l("Marked done"),
              "work_order_verify_pass": _l("Verified on site: fixed"), "work_order_verify_fail": _l("Verified on site: not fixed, reopened"),
              "work_order_dispatched_urgent": _l("Dispatched at once (urgent)"),
              "work_order_reassigned": _l("Team or priority changed"), "work_order_requested": _l("Requested")},
    "permit_status": {"applied": _l("Applied"), "approved": _l("Approved, works under way"), "rejected": _l("Rejected"),
                      "withdrawn": _l("Withdrawn"), "completion_requested": _l("Finished, awaiting acceptance"),
                      "accepted": _l("Accepted, awaiting re-check"), "refundable": _l("Deposit refundable")},
    "notice_status": {"open": _l("Awaiting rectification"), "closed": _l("Rectified"), "escalated": _l("Escalated")},
    "document_kind": {"application": _l("Application form"), "drawing": _l("Drawing"), "hot_work_permit": _l("Hot-work permit"),
                      "id_copy": _l("ID copy"), "other": _l("Other")},
    "team": {"engineering": _l("Engineering"), "cleaning": _l("Cleaning"), "greening": _l("Greening"), "security": _l("Security")},
    "category": {
        "fire_safety": _l("Fire safety"), "electrical": _l("Electrical"), "plumbing": _l("Plumbing"), "gas": _l("Gas"),
        "building_fabric": _l("Building fabric"), "elevator": _l("Elevator"), "security": _l("Security"),
        "cleanliness": _l("Cleanliness"), "greenery": _l("Greenery"), "signage": _l("Signage"),
        "renovation": _l("Renovation"), "general": _l("General"),
    },
    "unit_status": {"occupied": _l("Occupied"), "vacant": _l("Vacant"), "renovating": _l("Being renovated"),
                    "sold_vacant": _l("Sold, still vacant")},
    "frequency": {"weekly": _l("Weekly"), "fortnightly": _l("Every two weeks"), "monthly": _l("Monthly"),
                  "quarterly": _l("Quarterly")},
    "item_season": {"all_year": _l("All year"), "summer": _l("Summer"), "rainy": _l("Rainy season"), "winter": _l("Winter")},
    "upkeep_state": {"due": _l("Due today"), "done": _l("Done, not due"), "out_of_season": _l("Out of season")},
    "checkpoint_category": {
        "stairwell": _l("Stairwell"), "roof": _l("Escape roof"), "elevator": _l("Elevator"), "lobby": _l("Lobby and corridors"),
        "fire_equipment": _l("Fire equipment"), "outdoor_utilities": _l("Outdoor utilities"), "recreation": _l("Recreation and green"),
        "road": _l("Roads and plazas"), "parking": _l("Parking"), "surroundings": _l("Surroundings"), "unit": _l("Unit"),
    },
}


def label(kind: str, value: str | None) -> str:
    if value is None:
        return ""
    return str(LABELS.get(kind, {}).get(value, value))
