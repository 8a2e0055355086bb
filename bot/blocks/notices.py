"""Direct messages to host people about Baton itself."""

from __future__ import annotations

__all__ = ["delivery_problem_text"]

# What people can do about Slack's permanent errors, in their words.
_REMEDIES = {
    "channel_not_found": "The channel was deleted, or Baton can no longer see it.",
    "is_archived": "The channel is archived: unarchive it if the collaboration should go on there.",
    "not_in_channel": "Baton was removed from the channel: add it back with `/invite @Baton` in the channel.",
}


def delivery_problem_text(channel_id: str, error: str) -> str:
    """Says what Baton could not post where, and what to do about it."""
    where = f"<#{channel_id}>" if channel_id.startswith(("C", "G")) else "a conversation"
    remedy = _REMEDIES.get(error.split(":")[0].strip(), "Slack refused it; retrying would not help.")
    return (
        f"Baton could not post an update to {where}: Slack answered `{error}`. {remedy} "
        "The update is kept, and the rest of Baton's posts carry on."
    )
