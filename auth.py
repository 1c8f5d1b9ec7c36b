"""Sign-in (SPEC §6): users, the login form, the gate before every request, the failed-login
brake, sessions that end on logout, and the security headers of every response."""

from __future__ import annotations

import hmac
import logging
import os
import secrets
from pathlib import Path
from urllib.parse import quote, urlsplit

from dash import Dash
from flask import Blueprint, Flask, Response, abort, current_app, redirect, request, session
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from markupsafe import escape

from data.access import Scope
from data.signin_state import SignInState, address_key
from data.users import end_sessions, find_user, password_matches, scope_of, signin_of
from views.pages import landing, page_roles

log = logging.getLogger("sales.auth")
bp = Blueprint("auth", __name__)
OPEN_PATHS = ("/login", "/assets/bootstrap.min.css", "/healthz")
API_PREFIXES = ("/_", "/export/")  # Dash endpoints and downloads: 401, not a redirect
GENERATION = "session_generation"  # session key: the user's session generation at sign-in
STATIC_PREFIXES = ("/assets/", "/_dash-component-suites/")  # cacheable; everything else no-store


class SignedInUser(UserMixin):
    def __init__(self, username: str, role: str, scope: Scope) -> None:
        self.id = username
        self.role = role
        self.scope = scope


def init_auth(server: Flask) -> None:
    server.config["SECRET_KEY"] = server.config.get("SECRET_KEY") or _secret_key(server)
    server.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax")
    server.extensions["signin_state"] = signin_of(server.extensions["sales_store"].engine)
    manager = LoginManager(server)
    manager.user_loader(_load_user)
    server.register_blueprint(bp)
    server.before_request(gate)
    server.register_error_handler(403, _refused)
    server.register_error_handler(404, _not_found)


def _state() -> SignInState:
    return current_app.extensions["signin_state"]


def _secret_key(server: Flask) -> str:
    """SECRET_KEY from the environment, else one generated once and kept in the instance folder."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = Path(server.instance_path) / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _load_user(username: str) -> SignedInUser | None:
    """The session's user, if still active and the session not ended since it began."""
    user = find_user(current_app.extensions["sales_store"].engine, username)
    if user is None or not user.active:
        return None
    if session.get(GENERATION) != _state().generation(user.username):
        return None  # logged out, a new password or deactivated since this session began
    return SignedInUser(user.username, user.role, scope_of(user))


def gate():
    """Before every request: sign-in required; pages by role; unknown pages 404."""
    path = request.path
    if path in OPEN_PATHS:
        return None
    if not current_user.is_authenticated:
        if path.startswith(API_PREFIXES):
            return Response("Sign in first.", status=401, mimetype="text/plain")
        return redirect(f"/login?next={quote(request.full_path.rstrip('?'), safe='')}")
    if path.startswith(API_PREFIXES) or path.startswith("/assets/") or path == "/logout":
        return None
    roles = page_roles(path)
    if roles is None:
        abort(404)
    if current_user.role not in roles:
        abort(403)
    return None


def safe_next(target: str | None, role: str) -> str:
    """Where to go after sign-in: `next` only when it is a page of this site open to the role
    (never another host), else the role's landing page."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        parts = urlsplit(target)
        roles = page_roles(parts.path)
        if not parts.scheme and not parts.netloc and roles and role in roles and target != "/":
            return target
    return landing(role)[1]


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        return _form(next_path=request.args.get("next", ""))
    token = session.get("csrf_token", "")
    if not token or not hmac.compare_digest(token, request.form.get("csrf_token", "")):
        return _form("The form expired; please sign in again.", request.form.get("next", ""), 400)
    username = request.form.get("username", "").strip()
    next_path = request.form.get("next", "")
    engine = current_app.extensions["sales_store"].engine
    user = find_user(engine, username)
    address = address_key(request.remote_addr)
    wait = _state().reserve(user.username if user else None, address)
    if wait:
        log.warning("sign-in refused for %r from %s: wait %ss", username, request.remote_addr, wait)
        response = _form(f"Too many failed sign-ins. Try again in {wait} seconds.", next_path, 429)
        response.headers["Retry-After"] = str(wait)
        return response
    if not password_matches(user, request.form.get("password", "")) or not user.active:
        log.warning("failed sign-in for %r from %s", username, request.remote_addr)
        return _form("Wrong user name or password.", next_path, 401)
    _state().succeeded(user.username, address)
    session.clear()
    session[GENERATION] = _state().generation(user.username)
    login_user(SignedInUser(user.username, user.role, scope_of(user)))
    return redirect(safe_next(next_path, user.role))


@bp.route("/logout")
def logout():
    """Sign out, and end every other session of the user too (a copied cookie stops working)."""
    if current_user.is_authenticated:
        end_sessions(current_app.extensions["sales_store"].engine, current_user.id)
    logout_user()
    session.clear()
    return redirect("/login")


def init_headers(app: Dash) -> None:
    """Security headers on every response (call after every callback is registered: the
    policy allows Dash's own inline scripts by their hashes)."""
    policy = "; ".join(
        [
            "default-src 'self'",
            # Dash's own inline start-up script by its hash; no 'unsafe-eval': dash-ag-grid
            # interprets the grids' {"function": ...} formatters from a parsed tree, not eval
            "script-src 'self' " + " ".join(app.csp_hashes()),
            "style-src 'self' 'unsafe-inline'",  # React and plotly set style attributes
            "img-src 'self' data: blob:",  # plotly's PNG download
            "font-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )

    def add_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", policy)
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")  # URLs carry filters and customer IDs
        if not request.path.startswith(STATIC_PREFIXES):
            headers["Cache-Control"] = "no-store"
        return response

    app.server.after_request(add_headers)


def _form(message: str = "", next_path: str = "", status: int = 200):
    session["csrf_token"] = session.get("csrf_token") or secrets.token_urlsafe(32)
    alert = (
        f'<div class="alert alert-danger" role="alert">{escape(message)}</div>' if message else ""
    )
    body = f"""<main class="container" style="max-width: 26rem; margin-top: 12vh">
<h1 class="h3 mb-4">Sales by Customer</h1>{alert}
<form method="post" action="/login" class="card card-body shadow-sm">
<input type="hidden" name="csrf_token" value="{escape(session["csrf_token"])}">
<input type="hidden" name="next" value="{escape(next_path)}">
<label class="form-label" for="username">User name</label>
<input class="form-control mb-3" id="username" name="username" autocomplete="username" required autofocus>
<label class="form-label" for="password">Password</label>
<input class="form-control mb-3" id="password" name="password" type="password" autocomplete="current-password" required>
<button class="btn btn-primary" id="sign-in" type="submit">Sign in</button>
</form></main>"""
    return _page("Sign in", body, status, body_class="bg-light")


def _refused(error):
    return _error_page(error, "Not open to your role", "This page is not open to your role.")


def _not_found(error):
    return _error_page(error, "Page not found", f"There is no page at {request.path}.")


def _error_page(error, title: str, message: str):
    """A refused or unknown page in the app's frame: the navbar, the message and a link to the
    user's landing page, with the error's status. Dash endpoints, downloads and files keep
    their plain answers."""
    if request.path.startswith(API_PREFIXES + STATIC_PREFIXES):
        return error
    signed_in = current_user.is_authenticated
    label, home = landing(current_user.role) if signed_in else ("Sign in", "/login")
    who = (
        f'<span class="text-light small me-3" id="nav-user">Signed in as '
        f"{escape(current_user.id)} ({escape(current_user.role)})</span>"
        '<a class="btn btn-outline-light btn-sm" id="nav-sign-out" href="/logout">Sign out</a>'
        if signed_in
        else ""
    )
    body = f"""<nav class="navbar navbar-dark bg-dark mb-3"><div class="container-fluid">
<a class="navbar-brand" href="{home}">Sales by Customer</a><div class="d-flex align-items-center">{who}</div>
</div></nav>
<main class="container-fluid"><h1 class="h3">{escape(title)}</h1>
<div class="alert alert-warning error-message" role="alert">{escape(message)}</div>
<a class="btn btn-primary" id="error-home" href="{home}">Go to {escape(label)}</a></main>"""
    return _page(title, body, error.code)


def _page(title: str, body: str, status: int, body_class: str = ""):
    """A server-rendered page (no script) in the app's look."""
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} · Sales by Customer</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/assets/bootstrap.min.css"></head>
<body class="{body_class}">{body}</body></html>"""
    return Response(page, status=status, mimetype="text/html")
