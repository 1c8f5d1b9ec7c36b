"""HTTP downloads of the exports, scoped to the signed-in user like everything else."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, request
from flask_login import current_user

from callbacks.common import user_frames
from metrics.exports import REPORTS, to_csv
from metrics.filters import Filters

bp = Blueprint("downloads", __name__)


@bp.route("/export/<report>.csv")
def export_csv(report: str):
    """`/export/kpis.csv?from=YYYY-MM-DD&to=YYYY-MM-DD` (and leaderboard): the CLI's export."""
    if report not in REPORTS:
        return Response(f"No report {report!r}.", status=404, mimetype="text/plain")
    try:
        filters = Filters(start=_date("from"), end=_date("to"))
    except ValueError as error:
        return Response(str(error), status=400, mimetype="text/plain")
    body = to_csv(REPORTS[report](user_frames(), filters))
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{report}-{current_user.id}.csv"'},
    )


def _date(name: str) -> date | None:
    value = request.args.get(name)
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{name} must be a date as YYYY-MM-DD, not {value!r}") from None
