"""One Web API call as a method implementation sees it: typed access to arguments and common lookups."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .activity import World
from .errors import ApiError
from .methods import MethodSpec
from .state import Channel, Message, User

__all__ = ["ApiCall", "Handler"]


@dataclass
class ApiCall:
    """The arguments of one call (query string, form and JSON bodies merged) and the world it acts on."""

    spec: MethodSpec
    args: dict[str, Any]
    world: World

    @property
    def method(self) -> str:
        """The method name."""
        return self.spec.name

    def has(self, name: str) -> bool:
        """Whether the argument was given (and not empty)."""
        return self.args.get(name) not in (None, "")

    def text(self, name: str, default: str | None = None) -> str | None:
        """A string argument."""
        value = self.args.get(name)
        if value is None or value == "":
            return default
        return value if isinstance(value, str) else json.dumps(value) if isinstance(value, dict | list) else str(value)

    def need(self, name: str) -> str:
        """A string argument the method cannot do without (`invalid_arguments` when absent)."""
        value = self.text(name)
        if value is None:
            raise ApiError(
                "invalid_arguments",
                violation=f"missing required argument `{name}`",
                response_metadata={"messages": [f"[ERROR] missing required field: {name}"]},
            )
        return value

    def flag(self, name: str, default: bool = False) -> bool:
        """A boolean argument: Slack reads true/false and 1/0 (slack_sdk sends 1/0 in query strings)."""
        value = self.args.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        return str(value).strip().lower() in ("1", "true", "yes")

    def integer(self, name: str, default: int) -> int:
        """An integer argument (`invalid_arguments` when it is not one)."""
        value = self.args.get(name)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except (TypeError, ValueError) as exc:
            raise ApiError("invalid_arguments", violation=f"`{name}` must be an integer, got {value!r}") from exc

    def items(self, name: str) -> list[str]:
        """A list argument: comma-separated in forms, a JSON array in JSON bodies."""
        value = self.args.get(name)
        if value is None or value == "":
            return []
        if isinstance(value, list):
            return [str(v) for v in value]
        return [part.strip() for part in str(value).split(",") if part.strip()]

    # -- lookups ----------------------------------------------------------------------------------

    def user(self, name: str = "user") -> User:
        """The user named by an argument (`user_not_found`)."""
        user = self.world.state.users.get(self.need(name))
        if user is None:
            raise ApiError("user_not_found")
        return user

    def channel(self, name: str = "channel", *, allow_user: bool = False) -> Channel:
        """The channel named by an argument, as the bot can see it (`channel_not_found`).

        With `allow_user`, a user id names the bot's DM with that user (chat.postMessage accepts that).
        """
        ref = self.need(name)
        world = self.world
        if allow_user and ref in world.state.users:
            return world.dm_channel(world.state.users[ref])
        channel = world.state.channels.get(ref) or world.state.channel_by_name(ref)
        if channel is None or not self.bot_can_see(channel):
            raise ApiError("channel_not_found")
        return channel

    def bot_can_see(self, channel: Channel) -> bool:
        """Whether the bot can see a channel: its DMs, public channels of its workspace, or ones it is in."""
        bot = self.world.bot
        if channel.is_im:
            return bot.id in channel.members
        if bot.id in channel.members:
            return True
        return not channel.is_private and channel.host_org is bot.org

    def member_channel(self, name: str = "channel") -> Channel:
        """A channel the bot must be a member of (`not_in_channel`) and that is not archived."""
        channel = self.channel(name)
        if channel.is_archived:
            raise ApiError("is_archived")
        if self.world.bot.id not in channel.members:
            raise ApiError("not_in_channel")
        return channel

    def message(self, channel: Channel, ts_arg: str) -> Message:
        """The message at the ts named by an argument (`message_not_found`)."""
        message = self.world.state.message(channel.id, self.need(ts_arg))
        if message is None or message.deleted:
            raise ApiError("message_not_found")
        return message


Handler = Callable[[ApiCall], dict[str, Any]]
