"""Direct messages to host people about Baton itself."""

from __future__ import annotations

from bot.blocks.text import escape

__all__ = ["delivery_problem_text", "invite_failed_text"]

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


# conversations.inviteShared's refusals, in words an AR accountant can act on.
_INVITE_REASONS = {
    "not_paid": "Slack Connect invitations need a paid Slack plan.",
    "restricted_action": "your workspace's settings don't allow Baton to invite people from other organisations.",
    "no_external_invite_permission": "your workspace's admins haven't allowed external invitations.",
    "not_allowed_for_grid_workspace": "on Enterprise Grid, an org admin must allow Slack Connect for this workspace.",
    "connection_limit_exceeded": "this channel is connected to as many organisations as Slack allows.",
    "invalid_email": "Slack says the address is not a valid email address.",
    "not_owner": "only the channel's owner may invite another organisation.",
    "cant_invite": "Slack doesn't allow inviting this person here.",
}


def invite_failed_text(channel_id: str, email: str, error: str) -> str:
    """Tells the host person why the retailer's invitation did not go out, and what to do."""
    reason = _INVITE_REASONS.get(error, f"Slack answered `{error}`.")
    return (
        f"Baton could not invite {escape(email)} to <#{channel_id}>: {reason} "
        "Share the channel with them from Slack (channel name → Share channel), or ask your Slack admin; "
        "Baton picks the retailer up as soon as they join."
    )
