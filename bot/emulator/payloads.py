"""What Slack sends to the bot, field by field: slash commands, interactivity payloads, Events API envelopes.

Pure builders over the emulator's state objects; `delivery.py` encodes and signs them.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from .state import Channel, Installation, User

__all__ = [
    "block_actions",
    "button_action",
    "event_envelope",
    "form_body",
    "interactive_body",
    "shortcut",
    "slash_command",
    "view_closed",
    "view_submission",
]


def slash_command(
    app: Installation,
    user: User,
    channel: Channel,
    *,
    command: str,
    text: str,
    response_url: str,
    trigger_id: str,
) -> dict[str, str]:
    """The form fields of a slash command, in Slack's order."""
    form = {"token": app.verification_token, "team_id": user.team_id, "team_domain": user.org.domain}
    if user.org.enterprise_id:
        form["enterprise_id"] = user.org.enterprise_id
        form["enterprise_name"] = user.org.enterprise_name or user.org.name
    form.update(
        {
            "channel_id": channel.id,
            "channel_name": "directmessage" if channel.is_im else channel.name,
            "user_id": user.id,
            "user_name": user.name,
            "command": command,
            "text": text,
            "api_app_id": app.app_id,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger_id,
        }
    )
    return form


def button_action(block: dict[str, Any], element: dict[str, Any], action_ts: str) -> dict[str, Any]:
    """One entry of `actions[]` for a clicked button."""
    action: dict[str, Any] = {
        "action_id": element["action_id"],
        "block_id": block["block_id"],
        "text": {"type": "plain_text", "emoji": True, **element["text"]},
        "type": "button",
        "action_ts": action_ts,
    }
    if "value" in element:
        action["value"] = element["value"]
    if "style" in element:
        action["style"] = element["style"]
    return action


def block_actions(
    app: Installation,
    user: User,
    *,
    actions: list[dict[str, Any]],
    trigger_id: str,
    container: dict[str, Any],
    channel: Channel | None = None,
    message: dict[str, Any] | None = None,
    view: dict[str, Any] | None = None,
    response_url: str | None = None,
) -> dict[str, Any]:
    """A `block_actions` payload: a click on a message (channel, thread, ephemeral), a modal or Home."""
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": user.payload_ref(),
        "api_app_id": app.app_id,
        "token": app.verification_token,
        "container": container,
        "trigger_id": trigger_id,
        "team": user.org.team_ref(),
        "enterprise": user.org.enterprise_ref(),
        "is_enterprise_install": False,
    }
    if channel is not None:
        payload["channel"] = {"id": channel.id, "name": "directmessage" if channel.is_im else channel.name}
    if message is not None:
        payload["message"] = message
    if view is not None:
        payload["view"] = view
    else:
        payload["state"] = {"values": {}}
    if response_url is not None:
        payload["response_url"] = response_url
    payload["actions"] = actions
    return payload


def view_submission(app: Installation, user: User, *, view: dict[str, Any], trigger_id: str) -> dict[str, Any]:
    """A `view_submission` payload (the view carries `state.values` and `app_installed_team_id`)."""
    return {
        "type": "view_submission",
        "team": user.org.team_ref(),
        "user": user.payload_ref(),
        "api_app_id": app.app_id,
        "token": app.verification_token,
        "trigger_id": trigger_id,
        "view": view,
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": user.org.enterprise_ref(),
    }


def view_closed(app: Installation, user: User, *, view: dict[str, Any], is_cleared: bool) -> dict[str, Any]:
    """A `view_closed` payload (sent only for views with notify_on_close)."""
    return {
        "type": "view_closed",
        "team": user.org.team_ref(),
        "user": user.payload_ref(),
        "api_app_id": app.app_id,
        "token": app.verification_token,
        "view": view,
        "is_cleared": is_cleared,
        "is_enterprise_install": False,
        "enterprise": user.org.enterprise_ref(),
    }


def shortcut(app: Installation, user: User, *, callback_id: str, trigger_id: str, action_ts: str) -> dict[str, Any]:
    """A global `shortcut` payload."""
    return {
        "type": "shortcut",
        "token": app.verification_token,
        "action_ts": action_ts,
        "team": user.org.team_ref(),
        "user": user.payload_ref(),
        "is_enterprise_install": False,
        "enterprise": user.org.enterprise_ref(),
        "callback_id": callback_id,
        "trigger_id": trigger_id,
    }


def event_envelope(
    app: Installation,
    event: dict[str, Any],
    *,
    event_id: str,
    event_time: int,
    is_ext_shared_channel: bool,
    event_context: str,
) -> dict[str, Any]:
    """An Events API `event_callback` envelope addressed to the host installation."""
    host = app.host
    return {
        "token": app.verification_token,
        "team_id": host.team_id,
        "context_team_id": host.team_id,
        "context_enterprise_id": host.enterprise_id,
        "api_app_id": app.app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": event_time,
        "authorizations": [
            {
                "enterprise_id": host.enterprise_id,
                "team_id": host.team_id,
                "user_id": app.bot.id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": is_ext_shared_channel,
        "event_context": event_context,
    }


def form_body(fields: dict[str, str]) -> bytes:
    """Encode form fields as Slack does (application/x-www-form-urlencoded)."""
    return urlencode(fields).encode()


def interactive_body(payload: dict[str, Any]) -> bytes:
    """Encode an interactivity payload as Slack does: one form field `payload` holding JSON."""
    return urlencode({"payload": json.dumps(payload, separators=(",", ":"))}).encode()
