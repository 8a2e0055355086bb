"""Events API: every subscribed event is acknowledged, so Slack never retries one we ignore."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

__all__ = ["SUBSCRIBED_EVENTS", "register"]

# The manifest's bot_events, by the event type bolt matches on (message.channels → "message").
SUBSCRIBED_EVENTS = (
    "message",
    "app_mention",
    "file_shared",
    "member_joined_channel",
    "member_left_channel",
    "shared_channel_invite_accepted",
    "shared_channel_invite_approved",
    "shared_channel_invite_declined",
    "channel_shared",
    "app_home_opened",
)


async def acknowledge_only() -> None:
    """Bolt acks events itself; a listener must exist or bolt answers 404 and Slack retries."""


def register(app: AsyncApp, handled: frozenset[str] = frozenset()) -> None:
    """Register the no-op listener for every subscribed event that no feature module handles."""
    for event_type in SUBSCRIBED_EVENTS:
        if event_type not in handled:
            app.event(event_type)(acknowledge_only)
