"""Sales by Customer: the Dash app, its Flask server, and `python app.py` to run the demo."""

from __future__ import annotations

import os
from functools import partial

from dash import Dash
from flask import Flask, Response, request

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
from data.db import default_url, is_empty, make_engine, write_tables
from data.demo import generate
from data.preferences import Preferences, preferences_url
from data.store import Store
from data.users import add_demo_users, demo_credentials_text, is_demo
from layouts.components import shell


def create_dash(config: dict | None = None) -> Dash:
    """The whole app. `config` overrides settings (tests pass DATABASE_URL)."""
    server = Flask(__name__, instance_relative_config=True)
    os.makedirs(server.instance_path, exist_ok=True)
    server.config["DATABASE_URL"] = os.environ.get("DATABASE_URL") or default_url(
        server.instance_path
    )
    server.config.update(config or {})
    server.extensions["sales_store"] = Store(make_engine(server.config["DATABASE_URL"]))
    server.extensions["preferences"] = Preferences(
        server.config.get("PREFERENCES_URL")
        or os.environ.get("PREFERENCES_URL")
        or preferences_url(server.config["DATABASE_URL"])
    )
    auth.init_auth(server)
    server.register_blueprint(downloads.bp)

    app = Dash(
        __name__,
        server=server,
        title="Sales by Customer",
        update_title=None,
        suppress_callback_exceptions=True,  # pages are rendered by the router
    )
    app.layout = shell()
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
    return app


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
    app.server.extensions["sales_store"].frames()  # load now, not on the first visitor's request
    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", 8050)), debug=False)


if __name__ == "__main__":
    main()
