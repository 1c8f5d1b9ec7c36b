"""What every screen's callbacks share: the data store of this app."""

from __future__ import annotations

from flask import current_app

from data.store import Store


def store() -> Store:
    return current_app.extensions["sales_store"]


def as_of_text(store_: Store) -> str:
    return f"Data as of {store_.frames().as_of:%Y-%m-%d %H:%M} UTC"
