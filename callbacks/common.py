"""What the callbacks share: the data store and the frames the signed-in user may see."""

from views.context import store, user_frames

__all__ = ["store", "user_frames"]
