"""Web API methods that write messages: chat.postMessage, update, delete, postEphemeral, getPermalink."""

from __future__ import annotations

from typing import Any

from .blockkit import check_blocks, fill_ids, parse_json_arg
from .calls import ApiCall, Handler
from .errors import ApiError
from .state import Channel

__all__ = ["HANDLERS", "MAX_TEXT"]

MAX_TEXT = 40_000  # characters of message text Slack accepts


def _content(call: ApiCall) -> tuple[str | None, list[dict[str, Any]] | None, list[dict[str, Any]] | None]:
    """Text, blocks and attachments of a message call, validated (blocks None when not given)."""
    blocks = None
    if call.args.get("blocks") is not None:
        blocks = fill_ids(check_blocks(call.args["blocks"]), call.world.state.ids)
    attachments = None
    if call.args.get("attachments") is not None:
        attachments = parse_json_arg(call.args["attachments"], error="invalid_attachments", name="attachments")
        if not isinstance(attachments, list):
            raise ApiError("invalid_attachments", violation="`attachments` must be a JSON array")
    text = call.text("text")
    if text is not None and len(text) > MAX_TEXT:
        raise ApiError("msg_too_long", violation=f"text of {len(text)} characters; Slack allows {MAX_TEXT}")
    return text, blocks, attachments


def _writable(call: ApiCall) -> Channel:
    channel = call.channel(allow_user=True)
    if channel.is_archived:
        raise ApiError("is_archived")
    if call.world.bot.id not in channel.members:
        raise ApiError("not_in_channel")
    return channel


def post_message(call: ApiCall) -> dict[str, Any]:
    """Post as the bot in a channel it is in, a thread, or a DM (a user id opens the DM)."""
    channel = _writable(call)
    text, blocks, attachments = _content(call)
    if not text and not blocks and not attachments:
        raise ApiError("no_text")
    thread_ts = call.text("thread_ts")
    if thread_ts is not None and call.world.state.message(channel.id, thread_ts) is None:
        raise ApiError("invalid_arguments", violation=f"thread_ts {thread_ts} names no message in {channel.id}")
    metadata = None
    if call.args.get("metadata") is not None:
        metadata = parse_json_arg(call.args["metadata"], error="invalid_metadata_format", name="metadata")
    message, _ = call.world.post(
        channel,
        call.world.bot,
        text=text or "",
        blocks=blocks,
        attachments=attachments,
        thread_ts=thread_ts,
        reply_broadcast=call.flag("reply_broadcast"),
        metadata=metadata if isinstance(metadata, dict) else None,
    )
    result: dict[str, Any] = {"channel": channel.id, "ts": message.ts, "message": call.world.render(message)}
    if blocks and not text:
        # Slack accepts it but warns: notifications and screen readers need the text fallback.
        result["response_metadata"] = {"warnings": ["missing_text_or_fallback_or_attachments"]}
    return result


def update(call: ApiCall) -> dict[str, Any]:
    """Edit one of the bot's messages in place (same ts); omitted blocks are kept, as Slack keeps them."""
    channel = call.channel()
    message = call.message(channel, "ts")
    if message.user != call.world.bot.id:
        raise ApiError("cant_update_message")
    text, blocks, attachments = _content(call)
    if text is None and blocks is None and attachments is None:
        raise ApiError("no_text")
    call.world.edit(message, call.world.bot, text=text, blocks=blocks, attachments=attachments)
    return {
        "channel": channel.id,
        "ts": message.ts,
        "text": message.text,
        "message": call.world.render(message),
    }


def delete(call: ApiCall) -> dict[str, Any]:
    """Delete one of the bot's messages."""
    channel = call.channel()
    message = call.message(channel, "ts")
    if message.user != call.world.bot.id:
        raise ApiError("cant_delete_message")
    call.world.delete(message, call.world.bot)
    return {"channel": channel.id, "ts": message.ts}


def post_ephemeral(call: ApiCall) -> dict[str, Any]:
    """Show a message to one member of a channel the bot is in ("Only visible to you")."""
    channel = _writable(call)
    user = call.user("user")
    if user.id not in channel.members:
        raise ApiError("user_not_in_channel")
    text, blocks, _ = _content(call)
    if not text and not blocks:
        raise ApiError("no_text")
    ephemeral = call.world.post_ephemeral(
        channel, user, text=text or "", blocks=blocks, thread_ts=call.text("thread_ts")
    )
    return {"message_ts": ephemeral.ts}


def get_permalink(call: ApiCall) -> dict[str, Any]:
    """A message's permanent link."""
    channel = call.channel()
    message = call.message(channel, "message_ts")
    host = call.world.app.host
    link = f"https://{host.domain}.slack.com/archives/{channel.id}/p{message.ts.replace('.', '')}"
    if message.is_reply:
        link += f"?thread_ts={message.thread_ts}&cid={channel.id}"
    return {"channel": channel.id, "permalink": link}


HANDLERS: dict[str, Handler] = {
    "chat.postMessage": post_message,
    "chat.update": update,
    "chat.delete": delete,
    "chat.postEphemeral": post_ephemeral,
    "chat.getPermalink": get_permalink,
}
