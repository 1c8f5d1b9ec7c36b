"""Sign-in (SPEC §6): users, the login form, the gate before every request, failed-login brake."""

from __future__ import annotations

import hmac
import logging
import os
import secrets
import time
from collections import defaultdict, deque
from pathlib import Path
from urllib.parse import quote, urlsplit

from flask import Blueprint, Flask, Response, abort, current_app, redirect, request, session
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from markupsafe import escape

from callbacks.guards import LANDING, page_roles
from data.access import Scope
from data.users import authenticate, find_user, scope_of

log = logging.getLogger("sales.auth")
bp = Blueprint("auth", __name__)
OPEN_PATHS = ("/login", "/assets/bootstrap.min.css", "/healthz")
API_PREFIXES = ("/_", "/export/")  # Dash endpoints and downloads: 401, not a redirect
FREE_FAILURES = 5  # failed sign-ins allowed per key within the window before the brake
WINDOW_SECONDS = 15 * 60
MAX_WAIT_SECONDS = 300


class SignedInUser(UserMixin):
    def __init__(self, username: str, role: str, scope: Scope) -> None:
        self.id = username
        self.role = role
        self.scope = scope


class LoginBrake:
    """Counts failed sign-ins per user name and per address; past FREE_FAILURES in the window each
    further attempt must wait twice as long as the last (up to MAX_WAIT_SECONDS)."""

    def __init__(self) -> None:
        self.failures: dict[str, deque] = defaultdict(deque)

    def wait(self, keys: list[str]) -> int:
        """Seconds to wait before any of `keys` may try again (0 = go ahead)."""
        now = time.monotonic()
        waits = [0.0]
        for key in keys:
            recent = self._recent(key, now)
            if len(recent) >= FREE_FAILURES:
                delay = min(2 ** (len(recent) - FREE_FAILURES + 1), MAX_WAIT_SECONDS)
                waits.append(recent[-1] + delay - now)
        return max(0, int(max(waits) + 0.999))

    def failed(self, keys: list[str]) -> None:
        for key in keys:
            self.failures[key].append(time.monotonic())

    def succeeded(self, keys: list[str]) -> None:
        for key in keys:
            self.failures.pop(key, None)

    def _recent(self, key: str, now: float) -> deque:
        recent = self.failures[key]
        while recent and recent[0] < now - WINDOW_SECONDS:
            recent.popleft()
        return recent


def init_auth(server: Flask) -> None:
    server.config["SECRET_KEY"] = server.config.get("SECRET_KEY") or _secret_key(server)
    server.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax")
    server.extensions["login_brake"] = LoginBrake()
    manager = LoginManager(server)
    manager.user_loader(_load_user)
    server.register_blueprint(bp)
    server.before_request(gate)


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
    user = find_user(current_app.extensions["sales_store"].engine, username)
    if user is None or not user.active:
        return None
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
    return LANDING[role]


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        return _form(next_path=request.args.get("next", ""))
    token = session.get("csrf_token", "")
    if not token or not hmac.compare_digest(token, request.form.get("csrf_token", "")):
        return _form("The form expired; please sign in again.", request.form.get("next", ""), 400)
    username = request.form.get("username", "").strip()
    keys = [f"user:{username.lower()}", f"address:{request.remote_addr}"]
    brake = current_app.extensions["login_brake"]
    wait = brake.wait(keys)
    if wait:
        log.warning("sign-in refused for %r from %s: wait %ss", username, request.remote_addr, wait)
        return _form(
            f"Too many failed sign-ins. Try again in {wait} seconds.",
            request.form.get("next", ""),
            429,
        )
    user = authenticate(
        current_app.extensions["sales_store"].engine, username, request.form.get("password", "")
    )
    if user is None:
        brake.failed(keys)
        log.warning("failed sign-in for %r from %s", username, request.remote_addr)
        return _form("Wrong user name or password.", request.form.get("next", ""), 401)
    brake.succeeded(keys)
    session.clear()
    login_user(SignedInUser(user.username, user.role, scope_of(user)))
    return redirect(safe_next(request.form.get("next"), user.role))


@bp.route("/logout")
def logout():
    logout_user()
    session.clear()
    return redirect("/login")


def _form(message: str = "", next_path: str = "", status: int = 200):
    session["csrf_token"] = session.get("csrf_token") or secrets.token_urlsafe(32)
    alert = (
        f'<div class="alert alert-danger" role="alert">{escape(message)}</div>' if message else ""
    )
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · Sales by Customer</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/assets/bootstrap.min.css"></head>
<body class="bg-light"><main class="container" style="max-width: 26rem; margin-top: 12vh">
<h1 class="h3 mb-4">Sales by Customer</h1>{alert}
<form method="post" action="/login" class="card card-body shadow-sm">
<input type="hidden" name="csrf_token" value="{escape(session["csrf_token"])}">
<input type="hidden" name="next" value="{escape(next_path)}">
<label class="form-label" for="username">User name</label>
<input class="form-control mb-3" id="username" name="username" autocomplete="username" required autofocus>
<label class="form-label" for="password">Password</label>
<input class="form-control mb-3" id="password" name="password" type="password" autocomplete="current-password" required>
<button class="btn btn-primary" id="sign-in" type="submit">Sign in</button>
</form></main></body></html>"""
    return Response(page, status=status, mimetype="text/html")
