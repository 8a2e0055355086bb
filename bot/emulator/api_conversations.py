"""Web API methods on channels: conversations.*, pins.*, bookmarks.add, Slack Connect invitations."""

from __future__ import annotations

import base64
import re
from typing import Any

from .calls import ApiCall, Handler
from .errors import ApiError
from .state import Channel, Invite

__all__ = ["HANDLERS", "check_channel_name"]

_NAME = re.compile(r"^[a-z0-9_-]+$")
_EMAIL = re.compile(r"^[^@\s,]+@[^@\s,]+\.[^@\s,]+$")


def check_channel_name(name: str) -> None:
    """Apply Slack's channel-name rules: lowercase letters, digits, `-` and `_`, at most 80 characters."""
    if not name:
        raise ApiError("invalid_name_required")
    if len(name) > 80:
        raise ApiError("invalid_name_maxlength")
    if not re.search(r"[a-z0-9]", name, flags=re.IGNORECASE):
        raise ApiError("invalid_name_punctuation")
    if not _NAME.match(name):
        raise ApiError("invalid_name_specials")


def _info(call: ApiCall, channel: Channel, *, include_num_members: bool = False) -> dict[str, Any]:
    return channel.to_api(call.world.state, for_user=call.world.bot.id, include_num_members=include_num_members)


def create(call: ApiCall) -> dict[str, Any]:
    """Create a channel in the host workspace; the bot that creates it is its first member."""
    name = call.need("name")
    check_channel_name(name)
    state = call.world.state
    if any(not c.is_im and (c.name == name or name in c.previous_names) for c in state.channels.values()):
        raise ApiError("name_taken")
    now = int(state.now())
    bot = call.world.bot
    channel = Channel(
        id=state.ids.new("C"),
        name=name,
        host_org=bot.org,
        created=now,
        creator=bot.id,
        is_private=call.flag("is_private"),
        members=[bot.id],
        updated=now * 1000,
    )
    state.channels[channel.id] = channel
    return {"channel": _info(call, channel)}


def info(call: ApiCall) -> dict[str, Any]:
    """Describe a channel, including its Slack Connect facts."""
    channel = call.channel()
    return {"channel": _info(call, channel, include_num_members=call.flag("include_num_members"))}


def invite(call: ApiCall) -> dict[str, Any]:
    """Add host-workspace people to a channel the bot is in (`member_joined_channel` for each)."""
    channel = call.member_channel()
    state = call.world.state
    bot = call.world.bot
    ids = call.items("users")
    if not ids:
        raise ApiError("no_user")
    errors: list[dict[str, Any]] = []
    joining = []
    for user_id in ids:
        user = state.users.get(user_id)
        error = None
        if user is None:
            error = "user_not_found"
        elif user.id == bot.id:
            error = "cant_invite_self"
        elif not user.org.is_host:
            error = "cant_invite"  # the other organization brings its own people in
        elif user.id in channel.members:
            error = "already_in_channel"
        if error:
            errors.append({"user": user_id, "ok": False, "error": error})
        elif user is not None:
            joining.append(user)
    if errors and not call.flag("force"):
        raise ApiError(errors[0]["error"], errors=errors)
    for user in joining:
        call.world.join(channel, user, inviter=bot)
    result: dict[str, Any] = {"channel": _info(call, channel)}
    if errors:
        result["errors"] = errors
    return result


def invite_shared(call: ApiCall) -> dict[str, Any]:
    """Invite another organization to a Slack Connect channel: one email or one user id per call."""
    channel = call.member_channel()
    if channel.is_im:
        raise ApiError("invalid_channel_type")
    state = call.world.state
    emails = call.items("emails")
    user_ids = call.items("user_ids")
    if not emails and not user_ids:
        raise ApiError("invalid_arguments", violation="inviteShared needs `emails` or `user_ids`")
    if len(emails) + len(user_ids) > 1:
        raise ApiError("too_many_emails", violation="inviteShared takes one email or one user id per call")
    email = emails[0] if emails else None
    user_id = user_ids[0] if user_ids else None
    if email is not None:
        if not _EMAIL.match(email):
            raise ApiError("invalid_email")
        recipient = state.org_by_email(email)
    else:
        user = state.users.get(user_id or "")
        # user_ids work only for people of organizations already connected to the host.
        connected = user is not None and any(
            user.team_id in c.org_ids() for c in state.channels.values() if c.is_ext_shared
        )
        if user is None or user.org.is_host or not connected:
            raise ApiError("user_not_found")
        recipient = user.org
    invitation = Invite(
        id=state.ids.new("I"),
        channel_id=channel.id,
        inviting_user=call.world.bot.id,
        inviting_team=call.world.app.host,
        email=email,
        user_id=user_id,
        external_limited=call.flag("external_limited", default=True),
        created=int(state.now()),
        recipient_org=recipient,
    )
    state.invites[invitation.id] = invitation
    return {"invite_id": invitation.id, "is_legacy_shared_channel": False}


def members(call: ApiCall) -> dict[str, Any]:
    """List a channel's members, paginated with Slack's cursors."""
    channel = call.channel()
    if channel.is_private and call.world.bot.id not in channel.members:
        raise ApiError("channel_not_found")
    limit = max(1, min(call.integer("limit", 100), 1000))
    cursor = call.text("cursor")
    start = 0
    if cursor:
        try:
            start = int(base64.b64decode(cursor).decode().split(":", 1)[1])
        except (ValueError, IndexError) as exc:
            raise ApiError("invalid_cursor") from exc
    page = channel.members[start : start + limit]
    more = start + limit < len(channel.members)
    next_cursor = base64.b64encode(f"offset:{start + limit}".encode()).decode() if more else ""
    return {"members": page, "response_metadata": {"next_cursor": next_cursor}}


def _set_text(call: ApiCall, field: str, subtype: str, verb: str) -> dict[str, Any]:
    channel = call.member_channel()
    value = call.need(field)
    if len(value) > 250:
        raise ApiError("too_long")
    state = call.world.state
    setattr(channel, field, {"value": value, "creator": call.world.bot.id, "last_set": int(state.now())})
    call.world.post(channel, call.world.bot, text=f"set the channel {verb}: {value}", subtype=subtype)
    return {"channel": _info(call, channel)}


def set_topic(call: ApiCall) -> dict[str, Any]:
    """Set a channel's topic (Slack posts a channel_topic message about it)."""
    return _set_text(call, "topic", "channel_topic", "topic")


def set_purpose(call: ApiCall) -> dict[str, Any]:
    """Set a channel's purpose (Slack posts a channel_purpose message about it)."""
    return _set_text(call, "purpose", "channel_purpose", "description")


def kick(call: ApiCall) -> dict[str, Any]:
    """Remove someone from a channel the bot is in (`member_left_channel`)."""
    channel = call.member_channel()
    user = call.user("user")
    if user.id == call.world.bot.id:
        raise ApiError("cant_kick_self")
    if user.id not in channel.members:
        raise ApiError("not_in_channel")
    call.world.leave(channel, user)
    return {"errors": {}}


def join(call: ApiCall) -> dict[str, Any]:
    """The bot joins a public channel of its workspace."""
    channel = call.channel()
    if channel.is_im or channel.is_private:
        raise ApiError("method_not_supported_for_channel_type")
    if channel.is_archived:
        raise ApiError("is_archived")
    bot = call.world.bot
    if bot.id in channel.members:
        return {
            "channel": _info(call, channel),
            "warning": "already_in_channel",
            "response_metadata": {"warnings": ["already_in_channel"]},
        }
    call.world.join(channel, bot)
    return {"channel": _info(call, channel)}


def rename(call: ApiCall) -> dict[str, Any]:
    """Rename a channel (Slack posts a channel_name message about it)."""
    channel = call.member_channel()
    name = call.need("name")
    check_channel_name(name)
    state = call.world.state
    if any(c is not channel and not c.is_im and c.name == name for c in state.channels.values()):
        raise ApiError("name_taken")
    old = channel.name
    if old != name:
        channel.previous_names.append(old)
        channel.name = name
        call.world.post(
            channel,
            call.world.bot,
            text=f"renamed the channel from “{old}” to “{name}”",
            subtype="channel_name",
        )
    return {"channel": _info(call, channel)}


def open_dm(call: ApiCall) -> dict[str, Any]:
    """Open (or find) the bot's direct message with one person of the host workspace."""
    state = call.world.state
    if call.has("channel"):
        channel = call.channel()
        return {"channel": {"id": channel.id} if not call.flag("return_im") else _info(call, channel)}
    ids = call.items("users")
    if not ids:
        raise ApiError("users_list_not_supplied")
    if len(ids) > 1:
        raise ApiError("method_not_supported_for_channel_type", violation="the emulator has no group DMs")
    user = state.users.get(ids[0])
    if user is None or user.is_bot:
        raise ApiError("user_not_found")
    if not user.org.is_host:
        # Apps installed in one organization cannot open DMs with another organization's people.
        raise ApiError("user_not_visible")
    existing = user.id in state.ims
    if not existing and call.flag("prevent_creation"):
        return {"no_op": True, "already_open": False, "channel": {}}
    channel = call.world.dm_channel(user)
    body = _info(call, channel) if call.flag("return_im") else {"id": channel.id}
    return {"no_op": existing, "already_open": existing, "channel": body}


def pins_add(call: ApiCall) -> dict[str, Any]:
    """Pin a message in a channel the bot is in."""
    channel = call.member_channel()
    message = call.message(channel, "timestamp")
    if channel.id in message.pinned_to:
        raise ApiError("already_pinned")
    message.pinned_to.append(channel.id)
    return {}


def pins_remove(call: ApiCall) -> dict[str, Any]:
    """Unpin a message."""
    channel = call.member_channel()
    message = call.message(channel, "timestamp")
    if channel.id not in message.pinned_to:
        raise ApiError("no_pin")
    message.pinned_to.remove(channel.id)
    return {}


def bookmarks_add(call: ApiCall) -> dict[str, Any]:
    """Add a link bookmark to a channel's header."""
    channel = call.member_channel("channel_id")
    kind = call.need("type")
    if kind != "link":
        raise ApiError("invalid_bookmark_type")
    link = call.text("link")
    if not link or not re.match(r"^https?://", link):
        raise ApiError("invalid_link")
    state = call.world.state
    bookmark = {
        "id": "Bk" + state.ids.new("", 10),
        "channel_id": channel.id,
        "title": call.need("title"),
        "link": link,
        "emoji": call.text("emoji"),
        "icon_url": None,
        "type": "link",
        "entity_id": None,
        "date_created": int(state.now()),
        "date_updated": 0,
        "rank": "U",
        "last_updated_by_user_id": call.world.bot.id,
        "last_updated_by_team_id": call.world.app.host.team_id,
        "shortcut_id": None,
        "app_id": call.world.app.app_id,
    }
    channel.bookmarks.append(bookmark)
    return {"bookmark": bookmark}


HANDLERS: dict[str, Handler] = {
    "conversations.create": create,
    "conversations.info": info,
    "conversations.invite": invite,
    "conversations.inviteShared": invite_shared,
    "conversations.members": members,
    "conversations.setTopic": set_topic,
    "conversations.setPurpose": set_purpose,
    "conversations.kick": kick,
    "conversations.join": join,
    "conversations.rename": rename,
    "conversations.open": open_dm,
    "pins.add": pins_add,
    "pins.remove": pins_remove,
    "bookmarks.add": bookmarks_add,
}
