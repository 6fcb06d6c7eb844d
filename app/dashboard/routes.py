"""The supervisor's dashboard and the filtered lists of logs, findings and work orders."""
from __future__ import annotations

from datetime import timedelta

from flask import abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.guards import role_required
from app.dashboard import bp, figures, lists
from app.dashboard.charts import trend_charts
from app.dashboard.filters import FindingFilterSchema, LogFilterSchema, OrderFilterSchema, read_filters
from app.dashboard.paging import BadCursor, keyset_page, parse_cursor
from app.dashboard.today import today_coverage
from app.dashboard.trends import trend
from app.findings.models import Finding
from app.i18n import lang
from app.model_helpers import utcnow
from app.patrols.missed import mark_missed
from app.patrols.models import PatrolLog
from app.web import current_site
from app.work_orders.models import WorkOrder

PER_PAGE = 25
ROLES = ("supervisor", "admin")


def _site():
    return current_site() or abort(404)


@bp.get("/")
@role_required(*ROLES)
def home():
    site, now = _site(), utcnow()
    mark_missed(site, now)
    today = today_coverage(current_user, site, now)
    return render_template(
        "dashboard/home.html", now=now, today=today, recurring_from=today.local_date - timedelta(days=figures.RECURRING_DAYS),
        waiting=figures.waiting_findings(site.id, now), teams=figures.team_loads(site.id, now),
        overdue=figures.oldest_overdue(site.id, now), awaiting=figures.oldest_awaiting_verification(site.id),
        recurring=figures.recurring(site.id, now), charts=trend_charts(trend(site, now)),
    )


@bp.get("/logs")
@role_required(*ROLES)
def logs():
    return _list("logs", LogFilterSchema, lists.log_query, PatrolLog.local_date, PatrolLog.id)


@bp.get("/findings")
@role_required(*ROLES)
def findings():
    return _list("findings", FindingFilterSchema, lists.finding_query, Finding.created_at, Finding.id)


@bp.get("/work-orders")
@role_required(*ROLES)
def work_orders():
    now = utcnow()
    return _list("work_orders", OrderFilterSchema, lambda site, f: lists.order_query(site, f, now),
                 WorkOrder.created_at, WorkOrder.id, now=now)


def _list(kind: str, schema, query_for, key, row_id, **extra):
    """Read the filters and the page cursor, then render one page; what cannot be read is a 400 with the reason."""
    site = _site()
    filters, errors = read_filters(schema, request.args)
    page = None
    if not errors:
        try:
            key_type = key.type.python_type  # date for logs, datetime for findings and work orders
            after = parse_cursor(request.args.get("after"), key_type)
            before = parse_cursor(request.args.get("before"), key_type)
        except BadCursor:
            errors = {"page": _("This page link is not valid any more: start again from the newest.")}
        else:
            page = keyset_page(query_for(site, filters), key, row_id, after=after, before=None if after else before,
                               per_page=PER_PAGE)
    options = lists.filter_options(lists.choices(site, filters.building), lang(), lists.status_options(kind))
    return render_template(f"dashboard/{kind}.html", page=page, filters=filters, errors=errors, args=request.args,
                           options=options, **extra), 400 if errors else 200
