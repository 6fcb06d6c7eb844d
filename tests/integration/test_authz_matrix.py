"""Every route × method, for a visitor and for each role of the records' site and of another site, against the
table in tests/authz_table.py: forbidden callers get 401/403/404 and change nothing; allowed ones are served."""
from __future__ import annotations

import hashlib
import io
import os

from app.extensions import db
from tests.authz_table import DEFAULT_ARGS, ROLES, TABLE, Lit, Ref, Row
from tests.conftest import csrf_from, login
from tests.integration.authz_world import MARKERS, build_authz_world

VISITOR = "visitor"
ACTORS = [VISITOR] + [f"{role}@{site}" for site in "AB" for role in ROLES]
IGNORED_METHODS = {"HEAD", "OPTIONS"}
SIGNED_IN_ONLY = {"main.switch_site"}  # any signed-in user (login_required, no role): it checks the site itself
TEXT_TYPES = ("text/", "application/json", "application/javascript", "application/manifest+json")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def routes(app) -> list[tuple[object, str]]:
    """(rule, method) for every rule of the URL map: reads first, then writes, signing out last."""
    pairs = [(rule, method) for rule in app.url_map.iter_rules() for method in sorted(rule.methods - IGNORED_METHODS)]
    return sorted(pairs, key=lambda p: (p[1] != "GET", p[0].endpoint == "auth.logout", p[0].rule, p[1]))


def test_every_route_has_a_row_in_the_table(app):
    missing = sorted({rule.endpoint for rule, _method in routes(app) if rule.endpoint not in TABLE})
    assert not missing, (
        "these endpoints have no row in tests/authz_table.py, so nobody has said who may call them: "
        + ", ".join(missing) + ". Add a row (page/record/shared/public) naming the roles allowed.")
    stale = sorted(set(TABLE) - {rule.endpoint for rule in app.url_map.iter_rules()})
    assert not stale, f"rows in tests/authz_table.py for endpoints that no longer exist: {', '.join(stale)}"


def test_the_table_agrees_with_each_views_role_guard(app):
    """The table is written by hand; role_required records its roles on the view. They must say the same, and every
    endpoint that is not public names its roles."""
    differ = []
    for endpoint, view in app.view_functions.items():
        declared, row = getattr(view, "allowed_roles", None), TABLE.get(endpoint)
        if row is None or row.public:
            continue
        if declared is None and endpoint not in SIGNED_IN_ONLY:
            differ.append(f"{endpoint}: the view has no role_required")
        elif declared is not None and frozenset(declared) != row.roles:
            differ.append(f"{endpoint}: view allows {sorted(declared)}, table says {sorted(row.roles)}")
    assert not differ, "\n".join(differ)


def _value(source, ids: dict, where: str):
    if isinstance(source, Lit):
        return source.value
    if isinstance(source, Ref):
        if source.key not in ids:
            raise LookupError(f"{where}: the world has no record '{source.key}' (tests/integration/authz_world.py)")
        return ids[source.key]
    return source() if callable(source) else source


def _path(app, rule, method: str, row: Row, ids: dict) -> str:
    values = {}
    for arg in sorted(rule.arguments):
        source = row.args.get(arg) or (Ref(DEFAULT_ARGS[arg]) if arg in DEFAULT_ARGS else None)
        if source is None:
            raise LookupError(f"{rule.endpoint}: no value for the URL argument '{arg}': add it to DEFAULT_ARGS "
                              "or to the row's args in tests/authz_table.py")
        values[arg] = _value(source, ids, rule.endpoint)
    return app.url_map.bind("localhost").build(rule.endpoint, values, method=method)


def _body(row: Row, ids: dict, endpoint: str) -> dict:
    if row.json is not None:
        return {"json": {k: _value(v, ids, endpoint) for k, v in row.json.items()}}
    if row.form is not None:
        return {"data": {k: _value(v, ids, endpoint) for k, v in row.form.items()}}
    return {}


def expectation(row: Row, rule, method: str, actor: str) -> tuple[tuple[int, ...], bool]:
    """(the statuses expected, () meaning 'served: not 401/403/5xx'; whether the records must stay as they were)."""
    if actor == VISITOR:
        if row.public:
            return row.anon, False
        return row.anon or ((401,) if rule.rule.startswith("/api/") else (302,)), True
    role, site = actor.split("@")
    if role not in row.roles:
        return (403,), True
    if site == "B" and row.scope == "site":
        return row.foreign, True
    return row.ok_for(role, method), False


def fingerprint(app) -> str:
    """A digest of every row of every table and of the upload folder's files."""
    digest = hashlib.sha256()
    with app.app_context():
        with db.engine.connect() as conn:
            for table in db.metadata.sorted_tables:
                rows = conn.exec_driver_sql(f"SELECT * FROM {table.name}").all()
                digest.update(repr((table.name, sorted(map(repr, rows)))).encode())
    for folder, _dirs, files in sorted(os.walk(app.config["UPLOAD_DIR"])):
        digest.update(repr((folder, sorted(files))).encode())
    return digest.hexdigest()


def _judge(response, expected: tuple[int, ...]) -> str | None:
    status = response.status_code
    if status >= 500:
        return f"server error {status}"
    if not expected:
        if status in (401, 403) or (status in (302, 303) and "/login" in response.headers.get("Location", "")):
            return f"refused ({status}) although the table allows it"
        return None
    if status not in expected:
        return f"got {status}, table expects {'/'.join(map(str, expected))}"
    return None


def _readable(response) -> str | None:
    """The text a person would read in the response: pages, JSON, CSV, and the words of PDF and XLSX exports."""
    if response.mimetype.startswith(TEXT_TYPES):
        return response.get_data(as_text=True)
    if response.mimetype == "application/pdf":
        from pypdf import PdfReader

        return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(response.get_data())).pages)
    if response.mimetype == XLSX:
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(response.get_data()), read_only=True)
        text = "\n".join(str(v) for sheet in book for row in sheet.iter_rows(values_only=True) for v in row if v)
        book.close()
        return text
    return None


def _leaks(response) -> str | None:
    text = _readable(response)
    found = [marker for marker in MARKERS if text and marker in text]
    return f"shows site A's records ({', '.join(found)})" if found else None


def _unsafe_file(response) -> str | None:
    """An uploaded file must never be taken for a page: our type, a Content-Disposition, nosniff."""
    if response.status_code != 200:
        return None
    if response.mimetype in ("text/html", "image/svg+xml", "application/xhtml+xml") or "xml" in response.mimetype:
        return f"serves an upload as {response.mimetype}"
    if not response.headers.get("Content-Disposition") or response.headers.get("X-Content-Type-Options") != "nosniff":
        return "serves an upload without Content-Disposition and nosniff"
    return None


class Walk:
    """One world, a signed-in browser per actor; answers judged against the table, refusals checked to store nothing."""

    def __init__(self, app, world):
        self.app, self.world, self.failures, self.count = app, world, [], 0
        self.clients, self.tokens = {}, {}
        self.last = None  # the fingerprint, while no served request has run since it was taken
        for actor in ACTORS:
            client = app.test_client()
            if actor != VISITOR:
                assert login(client, world.actors[actor]).status_code == 303, actor
            self.clients[actor], self.tokens[actor] = client, csrf_from(client)

    def request(self, actor: str, rule, method: str, row: Row) -> None:
        ids = {**self.world.ids, "me": self.world.actors.get(actor, "nobody")}
        where = f"{method} {rule.rule} ({rule.endpoint}) as {actor}"
        try:
            path = _path(self.app, rule, method, row, ids)
            body = _body(row, ids, rule.endpoint) if method != "GET" else {}
        except LookupError as exc:
            self.failures.append(str(exc))
            return
        expected, unchanged = expectation(row, rule, method, actor)
        unchanged = unchanged and method != "GET"
        before = (self.last or fingerprint(self.app)) if unchanged else None
        response = self.clients[actor].open(path, method=method, headers={"X-CSRFToken": self.tokens[actor]}, **body)
        problem = _judge(response, expected)
        to_login = "/login" in response.headers.get("Location", "")
        if problem is None and actor == VISITOR and expected == (302,) and not to_login:
            problem = f"redirected to {response.headers.get('Location')}, not to sign in"
        if problem is None and actor.endswith("@B"):
            problem = _leaks(response)
        if problem is None and row.upload:
            problem = _unsafe_file(response)
        response.close()
        self.last = fingerprint(self.app) if unchanged else None
        if problem is None and unchanged and self.last != before:
            problem = f"answered {response.status_code} but changed stored records"
        if problem:
            self.failures.append(f"{where}: {problem}")
        self.count += 1


def test_authorisation_matrix(app):
    """Reads first for everyone, then the writes that must be refused, then the allowed writes (which may change
    the records): one world serves all nine callers."""
    walk = Walk(app, build_authz_world(app))
    steps = [(rule, method, TABLE[rule.endpoint]) for rule, method in routes(app) if rule.endpoint in TABLE]
    reads = [step for step in steps if step[1] == "GET"]
    writes = [step for step in steps if step[1] != "GET"]
    for actor in ACTORS:
        for rule, method, row in reads:
            walk.request(actor, rule, method, row)
    for refused in (True, False):
        for actor in ACTORS:
            for rule, method, row in writes:
                if expectation(row, rule, method, actor)[1] == refused:
                    walk.request(actor, rule, method, row)
    assert not walk.failures, (f"{len(walk.failures)} of {walk.count} requests disagree with tests/authz_table.py:\n"
                               + "\n".join(walk.failures))
    assert walk.count == len(steps) * len(ACTORS)


def test_the_leak_check_reads_site_a_in_pages_and_exports(app):
    """The marker check above is only worth something if it finds site A's names where they are shown."""
    world = build_authz_world(app)
    client = app.test_client()
    assert login(client, world.actors["supervisor@A"]).status_code == 303
    month, log = world.ids["month"], world.ids["log"]
    for path in ("/dashboard/findings", f"/exports/logs/{log}.pdf", f"/exports/archive/{month}/archive.xlsx",
                 "/exports/answers.csv"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert _leaks(response), f"{path}: site A's marker not found in what site A's supervisor sees"
        response.close()
