"""HTTP downloads of the exports, scoped to the signed-in user like everything else."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from functools import partial

from flask import Blueprint, Response, abort, request
from flask_login import current_user

from callbacks.common import user_frames
from callbacks.filter_bar import view_state
from callbacks.guards import PAGES
from data.frames import to_day
from layouts.report import TITLES
from metrics.exports import REPORTS, to_csv
from reports.brief import customer_brief_pdf
from reports.screens import (
    leaderboard_pdf,
    overview_pdf,
    report_pdf,
    sales_by_customer_pdf,
    team_pdf,
)

bp = Blueprint("downloads", __name__)

# screen -> (PDF builder, roles that may export it: those that may open the screen)
SCREEN_PDFS = {
    "overview": (overview_pdf, PAGES[r"/"][1]),
    "sales-by-customer": (sales_by_customer_pdf, PAGES[r"/sales-by-customer"][1]),
    "leaderboard": (leaderboard_pdf, PAGES[r"/leaderboard"][1]),
    "team": (team_pdf, PAGES[r"/team"][1]),
    **{name: (partial(report_pdf, name=name), PAGES[r"/reports/[a-z-]+"][1]) for name in TITLES},
}


CSV_SCREENS = {"kpis": "overview"}  # export -> the screen that shows it, when named otherwise


@bp.route("/export/<report>.csv")
def export_csv(report: str):
    """`/export/leaderboard.csv?<a screen's URL query>` (and every report of the CLI's export):
    the filters of the query; without from/to the period is all data, as in the CLI."""
    if report not in REPORTS:
        return Response(f"No report {report!r}.", status=404, mimetype="text/plain")
    if current_user.role not in SCREEN_PDFS[CSV_SCREENS.get(report, report)][1]:
        abort(403)
    frames = user_frames()
    try:
        start, end = _date("from"), _date("to")
        filters = replace(
            view_state(request.query_string.decode("utf-8", "replace"), frames).filters,
            start=start,
            end=end,
        )
    except ValueError as error:
        return Response(str(error), status=400, mimetype="text/plain")
    body = to_csv(REPORTS[report](frames, filters))
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{report}-{current_user.id}.csv"'},
    )


@bp.route("/export/<screen>.pdf")
def export_pdf(screen: str):
    """`/export/overview.pdf?<the screen's URL query>`: the screen as PDF, for the same filters
    (a bad value falls back as on screen, with its message printed), within the user's scope."""
    if screen not in SCREEN_PDFS:
        return Response(f"No screen {screen!r} to export.", status=404, mimetype="text/plain")
    build, roles = SCREEN_PDFS[screen]
    if current_user.role not in roles:
        return Response("Your role may not export this screen.", status=403, mimetype="text/plain")
    frames = user_frames()
    state = view_state(request.query_string.decode("utf-8", "replace"), frames)
    return Response(
        build(frames, state),
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{screen}-{frames.as_of:%Y-%m-%d}.pdf"'
        },
    )


def _date(name: str) -> date | None:
    value = request.args.get(name)
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{name} must be a date as YYYY-MM-DD, not {value!r}") from None


@bp.route("/export/customers/<customer_id>/brief.pdf")
def export_brief(customer_id: str):
    """The customer's one-page PDF brief, as of today (or the last order date when the data
    stops earlier); 404 for a customer the user may not see, as for one that does not exist."""
    frames = user_frames()
    today = to_day(date.today())
    as_of = today if frames.last_day is None else min(frames.last_day, today)
    try:
        pdf = customer_brief_pdf(frames, customer_id, as_of)
    except ValueError:
        return Response("Customer not found.", status=404, mimetype="text/plain")
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="brief-{customer_id}.pdf"'},
    )
