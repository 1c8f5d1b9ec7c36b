"""HTTP downloads of the exports, scoped to the signed-in user like everything else: the CSV or
PDF of `/export/<screen>.<csv|pdf>?<the screen's URL query>` is the screen of that URL."""

from __future__ import annotations

from flask import Blueprint, Response, request
from flask_login import current_user

from reports.brief import customer_brief_pdf
from views.context import user_frames, view_for
from views.exports import ExportRefused, csv_text, pdf_bytes, screen_for
from views.view import ViewError

bp = Blueprint("downloads", __name__)


def _text(message: str, status: int) -> Response:
    return Response(message + "\n", status=status, mimetype="text/plain")


def _view(name: str):
    screen = screen_for(name, current_user.role)
    frames = user_frames()
    return frames, view_for(request.query_string.decode("utf-8", "replace"), screen, frames)


@bp.route("/export/<name>.csv")
def export_csv(name: str):
    """The screen's table as CSV (the Overview's, `kpis`, is its KPIs as one row)."""
    try:
        frames, view = _view(name)
        body = csv_text(frames, view)
    except ExportRefused as refused:
        return _text(str(refused), refused.status)
    except ViewError as error:
        return _text("\n".join(error.messages), 400)
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{name}-{current_user.id}.csv"'})  # fmt: skip


@bp.route("/export/<name>.pdf")
def export_pdf(name: str):
    """The screen as PDF, for the same view."""
    try:
        frames, view = _view(name)
        body = pdf_bytes(frames, view)
    except ExportRefused as refused:
        return _text(str(refused), refused.status)
    except ViewError as error:
        return _text("\n".join(error.messages), 400)
    return Response(body, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{name}-{frames.as_of:%Y-%m-%d}.pdf"'})  # fmt: skip


@bp.route("/export/customers/<customer_id>/brief.pdf")
def export_brief(customer_id: str):
    """The customer's one-page PDF brief for the view the customer page shows (its period);
    404 for a customer the user may not see, as for one that does not exist."""
    frames = user_frames()
    try:
        view = view_for(request.query_string.decode("utf-8", "replace"), None, frames).check()
        pdf = customer_brief_pdf(frames, customer_id, view)
    except ViewError as error:
        return _text("\n".join(error.messages), 400)
    except ValueError:
        return _text("Customer not found.", 404)
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="brief-{customer_id}.pdf"'})  # fmt: skip
