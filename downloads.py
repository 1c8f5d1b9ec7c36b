"""HTTP downloads of the exports, scoped to the signed-in user like everything else: the CSV or
PDF of `/export/<screen>.<csv|pdf>?<the screen's URL query>` is the screen of that URL."""

from __future__ import annotations

from flask import Blueprint, Response, request
from flask_login import current_user

from reports.brief import customer_brief_pdf
from views.context import engine_for, user_data, view_for
from views.customer import customer_page_of
from views.exports import ExportRefused, csv_text, pdf_bytes, screen_for
from views.view import ViewError

bp = Blueprint("downloads", __name__)


def _text(message: str, status: int) -> Response:
    return Response(message + "\n", status=status, mimetype="text/plain")


@bp.route("/export/<name>.csv")
def export_csv(name: str):
    """The screen's table as CSV (the Overview's, `kpis`, is its KPIs as one row)."""

    def build(frames, view) -> str:
        return csv_text(frames, view, engine_for(frames, current_user.scope))

    return _export(name, build, "text/csv", lambda frames: f"{name}-{current_user.id}.csv")


@bp.route("/export/<name>.pdf")
def export_pdf(name: str):
    """The screen as PDF, for the same view."""

    def build(frames, view) -> bytes:
        return pdf_bytes(frames, view, engine_for(frames, current_user.scope))

    return _export(
        name, build, "application/pdf", lambda frames: f"{name}-{frames.as_of:%Y-%m-%d}.pdf"
    )


def _export(name: str, build, mimetype: str, filename) -> Response:
    """The export `name` of the URL's view, built by `build(frames, view)`; 403 / 404 / 400 with
    the reason in words."""
    try:
        screen = screen_for(name, current_user.role)
        frames = user_data()
        view = view_for(request.query_string.decode("utf-8", "replace"), screen, frames)
        body = build(frames, view)
    except ExportRefused as refused:
        return _text(str(refused), refused.status)
    except ViewError as error:
        return _text("\n".join(error.messages), 400)
    disposition = f'attachment; filename="{filename(frames)}"'
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": disposition})


@bp.route("/export/customers/<customer_id>/brief.pdf")
def export_brief(customer_id: str):
    """The customer's one-page PDF brief for the view the customer page shows (its period);
    404 for a customer the user may not see, as for one that does not exist."""
    data = user_data()
    engine = engine_for(data, current_user.scope)
    try:
        view = view_for(request.query_string.decode("utf-8", "replace"), None, data).check()
        pdf = customer_brief_pdf(customer_page_of(engine, data, customer_id, view)[1])
    except ViewError as error:
        return _text("\n".join(error.messages), 400)
    except ValueError:
        return _text("Customer not found.", 404)
    disposition = f'attachment; filename="brief-{customer_id}.pdf"'
    return Response(pdf, mimetype="application/pdf", headers={"Content-Disposition": disposition})
