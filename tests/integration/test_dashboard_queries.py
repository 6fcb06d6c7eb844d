"""The dashboard and its lists run a fixed number of statements whatever the size of the history."""
from __future__ import annotations

import re
from contextlib import contextmanager

from sqlalchemy import event

from app.extensions import db
from tests.conftest import login
from tests.integration.dashboard_world import NOW, build_dash_world, grow_history


@contextmanager
def counting_statements(engine):
    statements: list[str] = []

    def count(_conn, _cursor, statement, _parameters, _context, _executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _pages(world) -> list[str]:
    b1, _b2 = world.building_ids
    r1, r2, _r3 = world.round_ids
    return ["/dashboard/", "/dashboard/logs", f"/dashboard/logs?building={b1}&status=submitted&date_from=2025-01-01",
            "/dashboard/findings", f"/dashboard/findings?round={r1}&person={world.walker_id}&status=open",
            "/dashboard/work-orders", f"/dashboard/work-orders?status=overdue&round={r2}&building={b1}",
            "older:/dashboard/logs", "older:/dashboard/findings", "older:/dashboard/work-orders"]


def _statement_counts(app, client, pages: list[str]) -> dict[str, int]:
    counts = {}
    for page in pages:
        path = page
        if page.startswith("older:"):  # the second page, reached through the first page's link
            html = client.get(page[len("older:"):]).get_data(as_text=True)
            path = re.search(r'rel="next" href="([^"]+)"', html).group(1).replace("&amp;", "&")
        client.get(path)  # once before counting: the dashboard records missed rounds the first time
        with app.app_context(), counting_statements(db.engine) as statements:
            response = client.get(path)
        assert response.status_code == 200, path
        counts[page] = len(statements)
    return counts


def test_statement_count_stays_put_as_history_grows_tenfold(app, client, monkeypatch):
    monkeypatch.setattr("app.dashboard.routes.utcnow", lambda: NOW)
    world = build_dash_world(app)
    grow_history(app, world.site_id, days=12)  # enough for a second page of each list
    login(client, world.supervisor)
    small = _statement_counts(app, client, _pages(world))
    grow_history(app, world.site_id, days=108, first_day_back=30)  # ten times the history, one more round and building
    large = _statement_counts(app, client, _pages(world))
    assert large == small
    # login 2, missed rounds 3, today 10, waiting 2, teams 2, overdue 1, awaiting 1, recurring 2, trend 3, banner 1,
    # renovation figures 1, keys out too long 1; what a row shows is joined into the query that lists the rows
    assert small["/dashboard/"] <= 29, small
    # login 2, filter choices 5, the page 1, banner 1
    assert max(count for page, count in small.items() if page != "/dashboard/") <= 9, small
