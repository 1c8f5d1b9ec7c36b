"""Sales by Customer: the Dash app, its Flask server, and `python app.py` to run the demo."""

from __future__ import annotations

import logging
import os
from functools import partial
from pathlib import Path

from dash import Dash
from flask import Flask, Response, current_app, jsonify, request
from werkzeug.middleware.proxy_fix import ProxyFix

import auth
import cli
import downloads
from callbacks import admin as admin_callbacks
from callbacks import customer as customer_callbacks
from callbacks import filter_bar as filter_bar_callbacks
from callbacks import leaderboard as leaderboard_callbacks
from callbacks import my_customers as my_customers_callbacks
from callbacks import overview as overview_callbacks
from callbacks import report as report_callbacks
from callbacks import router
from callbacks import sales_by_customer as sales_by_customer_callbacks
from callbacks import team as team_callbacks
from data.db import default_url, dispose_after_fork, is_empty, make_engine, write_tables
from data.demo import generate
from data.lists import ListsCache
from data.preferences import Preferences, preferences_url
from data.store import DataUnavailable, Store
from data.users import add_demo_users, demo_credentials_text, is_demo
from layouts.components import shell

LOG_FORMAT = "[%(asctime)s] [%(process)d] [%(levelname)s] %(name)s: %(message)s"
LOG_DATE_FORMAT = "%Y-%m-%d %H:%M:%S %z"
ENGINES = ("frames", "sql")


def configure_logging() -> None:
    """The app's loggers (`sales.*`) write time-stamped lines to standard error, at LOG_LEVEL."""
    logger = logging.getLogger("sales")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter(LOG_FORMAT, LOG_DATE_FORMAT))
        logger.addHandler(handler)
        logger.propagate = False
    logger.setLevel(os.environ.get("LOG_LEVEL", "INFO").upper())


def _setting(server: Flask, name: str, default, kind=str):
    """A setting from `config` (tests), else the environment variable of the same name."""
    value = server.config.get(name, os.environ.get(name))
    return default if value in (None, "") else kind(value)


def create_dash(config: dict | None = None) -> Dash:
    """The whole app. `config` overrides settings (tests pass DATABASE_URL)."""
    configure_logging()
    server = Flask(__name__, instance_relative_config=True)
    os.makedirs(server.instance_path, exist_ok=True)
    server.config["DATABASE_URL"] = os.environ.get("DATABASE_URL") or default_url(
        server.instance_path
    )
    server.config["SESSION_COOKIE_SECURE"] = _flag("SESSION_COOKIE_SECURE")
    server.config["TRUSTED_PROXIES"] = _count("TRUSTED_PROXIES")
    server.config.update(config or {})
    if server.config["TRUSTED_PROXIES"]:  # client address, scheme and host from the proxies
        n = server.config["TRUSTED_PROXIES"]
        server.wsgi_app = ProxyFix(server.wsgi_app, x_for=n, x_proto=n, x_host=n)
    server.extensions["sales_store"] = Store(
        make_engine(server.config["DATABASE_URL"]),
        snapshot_dir=_setting(
            server, "SALES_SNAPSHOT_DIR", Path(server.instance_path) / "snapshots", Path
        ),
        reload_wait=_setting(server, "SALES_RELOAD_WAIT_SECONDS", 2.0, float),
        in_process_lines=_setting(server, "SALES_BUILD_IN_PROCESS_LINES", 200_000, int),
    )
    server.extensions["preferences"] = Preferences(
        server.config.get("PREFERENCES_URL")
        or os.environ.get("PREFERENCES_URL")
        or preferences_url(server.config["DATABASE_URL"])
    )
    dispose_after_fork(server.extensions["preferences"].engine)
    server.add_url_rule("/healthz", "healthz", _healthz)
    server.register_error_handler(DataUnavailable, _data_unavailable)
    auth.init_auth(server)
    _choose_engine(server)
    server.register_blueprint(downloads.bp)

    app = Dash(
        __name__,
        server=server,
        title="Sales by Customer",
        update_title=None,
        suppress_callback_exceptions=True,  # pages are rendered by the router
    )
    app.layout = shell(_setting(server, "AS_OF_REFRESH_SECONDS", 30, float))
    server.before_request(partial(_known_callback, app))
    router.register(app)
    filter_bar_callbacks.register(app)
    customer_callbacks.register(app)
    leaderboard_callbacks.register(app)
    my_customers_callbacks.register(app)
    overview_callbacks.register(app)
    sales_by_customer_callbacks.register(app)
    team_callbacks.register(app)
    report_callbacks.register(app)
    admin_callbacks.register(app)
    cli.register(server)
    auth.init_headers(app)
    return app


def _choose_engine(server: Flask) -> None:
    """SALES_ENGINE=frames (default) computes from the cached frames; sql computes every screen,
    export and the Admin's counts in the analytics database (ANALYTICS_URL, else DATABASE_URL)
    and reads the lists it names things by from there too: the frames are never loaded."""
    engine = _setting(server, "SALES_ENGINE", "frames").strip().lower()
    if engine not in ENGINES:
        raise ValueError(f"SALES_ENGINE={engine!r}: use one of {', '.join(ENGINES)}")
    if engine == "sql":
        from data.sql_engine import Database, SqlEngine  # Ibis takes ~1 s to import: sql only

        url = _setting(server, "ANALYTICS_URL", server.config["DATABASE_URL"])
        database = server.extensions["sql_database"] = Database(url)
        server.extensions["sql_engine"] = partial(SqlEngine, database)
        # the view's checks and the screens' names, never the frames (data.lists)
        server.extensions["sql_lists"] = ListsCache(
            lambda scope, version: SqlEngine(database, scope).lists(version.as_of)
        )


def _known_callback(app: Dash):
    """A callback request that names no callback of this app, or is not one at all, gets 400
    (Dash itself would answer 500)."""
    if request.method != "POST" or not request.path.endswith("/_dash-update-component"):
        return None
    body = request.get_json(silent=True)
    if (
        not isinstance(body, dict)
        or body.get("output") not in app.callback_map
        or not isinstance(body.get("inputs"), list)
        or not isinstance(body.get("state", []), list)
    ):
        return Response("Not a callback of this app.", status=400, mimetype="text/plain")
    return None


def _flag(name: str) -> bool:
    value = os.environ.get(name, "").strip().lower()
    if value not in ("", "0", "1", "false", "true", "no", "yes", "off", "on"):
        raise ValueError(f"{name}={value!r}: use 1 or 0")
    return value in ("1", "true", "yes", "on")


def _count(name: str) -> int:
    value = os.environ.get(name, "").strip() or "0"
    if not value.isdigit():
        raise ValueError(f"{name}={value!r}: use the number of proxies in front of the server")
    return int(value)


def _healthz():
    """No sign-in: 200 with the data version and as-of time when data is served, else 503
    (with SALES_ENGINE=sql: when the database answers; no frames are loaded)."""
    store = current_app.extensions["sales_store"]
    status = _sql_status(store) if "sql_engine" in current_app.extensions else store.status()
    return jsonify(status), 200 if status["status"] == "ok" else 503


def _sql_status(store: Store) -> dict:
    try:
        version = store.version()
    except Exception as error:  # the database is down: say so, do not raise
        return {"status": "error", "error": f"database: {type(error).__name__}"}
    return {"status": "ok", "engine": "sql", "data_version": version.version,
            "as_of": version.as_of.isoformat(), "worker": os.getpid()}  # fmt: skip


def _data_unavailable(error: DataUnavailable):
    """A request before the first snapshot is served (or after its build failed): 503 with
    the reason, for the browser and for scripts alike, never a 500 page."""
    text = f"The sales data is not loaded yet ({error}). Try again in a minute."
    return Response(text, status=503, mimetype="text/plain", headers={"Retry-After": "30"})


def create_app(config: dict | None = None) -> Flask:
    """The Flask server (what `flask --app app` and WSGI servers load)."""
    return create_dash(config).server


def main() -> None:
    app = create_dash()
    engine = app.server.extensions["sales_store"].engine
    if is_empty(engine):
        print("Empty database: generating the demo company (about 100,000 order lines)...")
        write_tables(engine, generate(), replace=True)
        add_demo_users(engine)
    if is_demo(engine):
        print(demo_credentials_text())
    if "sql_engine" not in app.server.extensions:  # SALES_ENGINE=sql loads no frames
        app.server.extensions["sales_store"].load()  # now, not on the first visitor's request
    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", 8050)), debug=False)


if __name__ == "__main__":
    main()
