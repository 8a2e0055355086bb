"""The Web API methods the emulator serves: accepted and required arguments, rate-limit tier, bot scopes.

One compact table, held against Slack's own method reference by `tests/emulator/test_method_table.py`.
A name ending in `*` is required. `token` (and `team_id`, which bolt adds to every call it makes) is
accepted by every method and not listed.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["METHODS", "MethodSpec", "Tier", "TokenKind"]


class Tier(StrEnum):
    """Slack's rate-limit tiers, spelt as the method reference spells them."""

    T1 = "t1"  # 1+ per minute
    T2 = "t2"  # 20+ per minute
    T3 = "t3"  # 50+ per minute
    T4 = "t4"  # 100+ per minute
    SPECIAL = "t5"  # "Special": chat.postMessage's per-channel limit, auth.test, chat.getPermalink


class TokenKind(StrEnum):
    """Which token a method takes: the bot token (xoxb-) or the app-level token (xapp-)."""

    BOT = "bot"
    APP = "app"


@dataclass(frozen=True)
class MethodSpec:
    """One served method: what it accepts, what it requires, its tier and the bot scopes (any of) it needs."""

    name: str
    args: frozenset[str]
    required: frozenset[str]
    tier: Tier
    scopes: frozenset[str]
    token: TokenKind = TokenKind.BOT


def _m(name: str, tier: str, args: str, scopes: str = "", token: TokenKind = TokenKind.BOT) -> MethodSpec:
    names = args.split()
    return MethodSpec(
        name=name,
        args=frozenset(n.rstrip("*") for n in names),
        required=frozenset(n.rstrip("*") for n in names if n.endswith("*")),
        tier=Tier(tier),
        scopes=frozenset(scopes.split()),
        token=token,
    )


_CHANNEL_READ = "channels:read groups:read im:read mpim:read"
_CHANNEL_MANAGE = "channels:manage groups:write"
_TOPIC = "channels:manage groups:write channels:write.topic groups:write.topic"
_MESSAGE = "text blocks attachments parse link_names metadata"
_LOOKS = "username icon_emoji icon_url"

METHODS: dict[str, MethodSpec] = {
    spec.name: spec
    for spec in (
        _m("auth.test", "t5", ""),
        _m("team.info", "t3", "team domain", "team:read"),
        _m("users.info", "t4", "user* include_locale", "users:read"),
        _m("users.lookupByEmail", "t3", "email*", "users:read.email"),
        _m("conversations.create", "t2", "name* is_private team_id", _CHANNEL_MANAGE),
        _m("conversations.info", "t3", "channel* include_locale include_num_members", _CHANNEL_READ),
        _m(
            "conversations.invite",
            "t3",
            "channel* users* force",
            f"{_CHANNEL_MANAGE} channels:write.invites groups:write.invites",
        ),
        _m(
            "conversations.inviteShared",
            "t2",
            "channel* emails user_ids external_limited",
            "conversations.connect:write",
        ),
        _m("conversations.members", "t4", "channel* cursor limit", _CHANNEL_READ),
        _m("conversations.setTopic", "t2", "channel* topic*", _TOPIC),
        _m("conversations.setPurpose", "t2", "channel* purpose*", _TOPIC),
        _m("conversations.kick", "t3", "channel* user*", _CHANNEL_MANAGE),
        _m("conversations.join", "t3", "channel*", "channels:join"),
        _m("conversations.rename", "t2", "channel* name*", _CHANNEL_MANAGE),
        _m("conversations.open", "t3", "channel users return_im prevent_creation", "im:write mpim:write"),
        _m(
            "chat.postMessage",
            "t5",
            f"channel* {_MESSAGE} {_LOOKS} thread_ts reply_broadcast unfurl_links unfurl_media mrkdwn",
            "chat:write",
        ),
        _m("chat.update", "t3", f"channel* ts* {_MESSAGE} file_ids reply_broadcast", "chat:write"),
        _m("chat.delete", "t3", "channel* ts*", "chat:write"),
        _m("chat.postEphemeral", "t4", f"channel* user* {_MESSAGE} {_LOOKS} thread_ts", "chat:write"),
        _m("chat.getPermalink", "t5", "channel* message_ts*"),
        _m("pins.add", "t2", "channel* timestamp*", "pins:write"),
        _m("pins.remove", "t2", "channel* timestamp*", "pins:write"),
        _m(
            "bookmarks.add",
            "t2",
            "channel_id* title* type* link emoji entity_id parent_id access_level",
            "bookmarks:write",
        ),
        _m("views.open", "t4", "view* trigger_id interactivity_pointer"),
        _m("views.push", "t4", "view* trigger_id interactivity_pointer"),
        _m("views.update", "t4", "view* view_id external_id hash"),
        _m("views.publish", "t4", "user_id* view* hash"),
        _m("files.getUploadURLExternal", "t4", "filename* length* alt_txt snippet_type", "files:write"),
        _m(
            "files.completeUploadExternal",
            "t4",
            "files* channel_id channels thread_ts initial_comment blocks",
            "files:write",
        ),
        _m("files.info", "t4", "file* count cursor limit page", "files:read"),
        _m("files.delete", "t3", "file*", "files:write"),
        _m("apps.connections.open", "t3", "", token=TokenKind.APP),
    )
}
