"""Security headers on every response, over real HTTP (SPEC §6): the login page, a Dash page, a
callback, an export, errors and static files; the Secure cookie switch from the environment."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
import requests

from app import create_dash
from tests.servers import threaded
from tests.test_auth import page_callback, signed_in


@pytest.fixture(scope="module")
def base(demo_db):
    with threaded(demo_db) as url:
        yield url


def policy(response: requests.Response) -> dict[str, list[str]]:
    """The Content-Security-Policy as {directive: [sources]}."""
    directives = [d.split() for d in response.headers["Content-Security-Policy"].split(";")]
    return {d[0]: d[1:] for d in directives if d}


def assert_secure_headers(response: requests.Response) -> None:
    csp = policy(response)
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["default-src"] == ["'self'"] and csp["object-src"] == ["'none'"]
    assert "'unsafe-inline'" not in csp["script-src"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_hdr001_login_page(base):
    response = requests.get(f"{base}/login")
    assert response.status_code == 200
    assert_secure_headers(response)
    assert response.headers["Cache-Control"] == "no-store"
    assert "<script" not in response.text  # the form needs no script at all


def test_hdr002_a_dash_page_allows_exactly_its_own_inline_scripts(base):
    session, _ = signed_in(base, "leader")
    response = session.get(f"{base}/sales-by-customer")
    assert response.status_code == 200
    assert_secure_headers(response)
    assert response.headers["Cache-Control"] == "no-store"
    page = re.sub(r"<!--.*?-->", "", response.text, flags=re.S)  # (an IE-only comment)
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>(.*?)</script>", page, re.S)
    executed = [body for attributes, body in inline if "application/json" not in attributes]
    assert executed, "Dash's page has its renderer start-up script inline"
    allowed = policy(response)["script-src"]
    for body in executed:
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in allowed, body[:80]


def test_hdr003_callbacks_exports_errors_and_static_files(base):
    session, _ = signed_in(base, "leader")
    update = page_callback(session, base, "/sales-by-customer")
    export = session.get(f"{base}/export/leaderboard.csv")
    assert update.status_code == 200 and export.status_code == 200
    for response in (update, export):
        assert_secure_headers(response)
        assert response.headers["Cache-Control"] == "no-store"
    for response in (
        requests.post(f"{base}/_dash-update-component", json={}),  # 401
        session.get(f"{base}/no-such-page"),  # 404
        signed_in(base, "sales")[0].get(f"{base}/admin"),  # 403
    ):
        assert response.status_code in (401, 403, 404)
        assert_secure_headers(response)
    static = session.get(f"{base}/assets/bootstrap.min.css")
    assert static.status_code == 200
    assert_secure_headers(static)
    assert static.headers.get("Cache-Control") != "no-store"  # files may be cached


@pytest.mark.parametrize("value,secure", [("1", True), ("true", True), ("0", False), (None, False)])
def test_hdr004_secure_session_cookie_from_the_environment(demo_db, monkeypatch, value, secure):
    if value is None:
        monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    else:
        monkeypatch.setenv("SESSION_COOKIE_SECURE", value)
    app = create_dash({"DATABASE_URL": demo_db, "SECRET_KEY": "cookie-test"})
    cookie = app.server.test_client().get("/login").headers["Set-Cookie"]
    assert ("; Secure" in cookie) is secure
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


@pytest.mark.parametrize(
    "name,value", [("SESSION_COOKIE_SECURE", "maybe"), ("TRUSTED_PROXIES", "two")]
)
def test_hdr005_a_bad_setting_stops_the_start_with_its_name(demo_db, monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=name):
        create_dash({"DATABASE_URL": demo_db})
