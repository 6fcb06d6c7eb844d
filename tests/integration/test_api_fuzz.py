"""API fuzzing: schemathesis makes requests from /api/v1/openapi.json and sends them in process (WSGI, no server) as
each role and as a visitor. No answer may be a 5xx, and every answer must be what the document says: a documented
status code, content type, headers and body schema.

API_FUZZ_EXAMPLES bounds the examples per operation (default 25, so `make test` stays quick on both databases)."""
from __future__ import annotations

import os
import tempfile

import pytest
import schemathesis
from hypothesis import HealthCheck, settings, strategies as st

from app import create_app
from tests.conftest import csrf_from, login
from tests.integration.authz_world import ROLES, build_authz_world

EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "25"))
CONFIG = schemathesis.Config.from_dict({
    "generation": {"max-examples": EXAMPLES, "database": "none"},
    # The conformance checks the issue asks for; the others judge API design choices (e.g. that valid-looking
    # data must be accepted), not correctness against the document.
    "checks": {
        "enabled": False,
        "not_a_server_error": {"enabled": True},
        "status_code_conformance": {"enabled": True},
        "content_type_conformance": {"enabled": True},
        "response_headers_conformance": {"enabled": True},
        "response_schema_conformance": {"enabled": True},
    },
})
# Records of the world that generated ids may be swapped for (the fuzzer drawing when), so requests get past
# "not found"; filled by the callers fixture once the world is built.
KNOWN: dict[str, list[int]] = {}


@pytest.fixture
def callers(app) -> dict[str, tuple[object, dict]]:
    """A signed-in client per role of site A (with the CSRF header every POST needs), and a visitor."""
    world = build_authz_world(app)
    ids = world.ids
    KNOWN.update({"site_id": [ids["site"]], "log_id": [ids["open_log"], ids["submitted_log"], ids["log"]],
                  "template_id": [ids["template"]], "checkpoint_id": [ids["checkpoint"], ids["checkpoint_2"]],
                  "item_id": [ids["item"]]})
    # The in-process client does not undo compression, so ask for none.
    found = {"visitor": (app.test_client(), {"Accept-Encoding": "identity"})}
    for role in ROLES:
        client = app.test_client()
        assert login(client, world.actors[f"{role}@A"]).status_code == 303
        found[role] = (client, {"Accept-Encoding": "identity", "X-CSRFToken": csrf_from(client, "/")})
    yield found
    KNOWN.clear()


def _maybe_known(values):
    keys = [key for key in KNOWN if isinstance(values, dict) and key in values]
    if not keys:
        return st.just(values)
    real = st.fixed_dictionaries({key: st.sampled_from(KNOWN[key]) for key in keys})
    return st.one_of(st.just(values), real.map(lambda chosen: {**values, **chosen}))


def _document() -> dict:
    """The OpenAPI document as the app serves it; it does not depend on the database, so a scratch app serves it.

    (Loaded at import: schemathesis' lazy from_fixture loader does not run under pytest 9.)"""
    with tempfile.TemporaryDirectory() as folder:
        scratch = create_app({"TESTING": True, "SECRET_KEY": "fuzz", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                              "UPLOAD_DIR": folder})
        return scratch.test_client().get("/api/v1/openapi.json").get_json()


schema = schemathesis.openapi.from_dict(_document(), config=CONFIG)


@schema.hook
def flatmap_path_parameters(_context, values):
    return _maybe_known(values)


@schema.hook
def flatmap_body(_context, body):
    return _maybe_known(body)


@schema.parametrize()
# One world per operation, shared by its examples on purpose: requests add to it, as real phones would.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
def test_every_answer_conforms_to_the_document(app, case, callers):
    for who in ("visitor", *ROLES):
        client, headers = callers[who]
        try:
            case.call_and_validate(session=client, headers=headers, app=app)
        except Exception as failure:
            failure.add_note(f"sent as {who}")
            raise
