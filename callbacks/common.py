"""What the callbacks share: the data store."""

from views.context import store

__all__ = ["store"]
