"""The user-level API: a Person does what people do in Slack and sees what they would see.

Actions wait until Slack has delivered the resulting events (or interactive request) to the bot and
had its acknowledgement; the bot's later work (outbox, respond()) arrives asynchronously — wait for it
with `emu.wait_for(...)`.
"""

from __future__ import annotations

import asyncio
from typing import Any

from .activity import Emitted, World
from .blockkit import find_input, value_for
from .errors import EmulatorError
from .interactions import ActionResult, CommandResult, Interactions
from .state import Channel, Ephemeral, File, Message, Org, User, View

__all__ = ["Person"]


class Person:
    """Someone in the host workspace or a guest organization, bound to the emulator."""

    def __init__(self, user: User, world: World, interactions: Interactions) -> None:
        self.user = user
        self._world = world
        self._interactions = interactions

    def __repr__(self) -> str:
        return f"<Person {self.user.name} {self.user.id} of {self.user.org.name}>"

    # -- identity ---------------------------------------------------------------------------------

    @property
    def id(self) -> str:
        """The user id (`U…`)."""
        return self.user.id

    @property
    def name(self) -> str:
        """The user name."""
        return self.user.name

    @property
    def org(self) -> Org:
        """The person's organization."""
        return self.user.org

    @property
    def team_id(self) -> str:
        """The person's workspace id."""
        return self.user.team_id

    @property
    def mention(self) -> str:
        """How Slack writes a mention of this person in text (`<@U…>`)."""
        return self.user.mention

    @property
    def dm(self) -> Channel:
        """The person's direct-message channel with the bot (the app's Messages tab)."""
        return self._world.dm_channel(self.user)

    # -- what the person sees ---------------------------------------------------------------------

    def _sees(self, channel: Channel) -> bool:
        return self.user.id in channel.members

    def messages(self, channel: Channel, *, include_system: bool = False) -> list[Message]:
        """The channel's top-level messages (and broadcast replies), oldest first; empty for non-members."""
        if not self._sees(channel):
            return []
        return [
            m
            for m in channel.messages
            if not m.deleted and (not m.is_reply or m.reply_broadcast) and (include_system or not m.is_system)
        ]

    def thread(self, message: Message) -> list[Message]:
        """The replies in a message's thread, oldest first."""
        channel = self._world.state.channels[message.channel]
        if not self._sees(channel):
            return []
        return [m for m in channel.messages if m.is_reply and m.thread_ts == message.ts and not m.deleted]

    def ephemerals(self, channel: Channel | None = None) -> list[Ephemeral]:
        """Messages shown only to this person (in `channel`, or anywhere), oldest first."""
        return [
            e
            for e in self._world.state.ephemerals
            if e.user == self.user.id and not e.deleted and (channel is None or e.channel == channel.id)
        ]

    def dms(self) -> list[Message]:
        """Messages the bot sent this person directly."""
        channel_id = self._world.state.ims.get(self.user.id)
        if channel_id is None:
            return []
        channel = self._world.state.channels[channel_id]
        return [m for m in channel.messages if not m.deleted and m.user == self._world.bot.id]

    @property
    def modal(self) -> View | None:
        """The modal in front of this person, if any."""
        return self._world.state.modal_of(self.user.id)

    @property
    def modal_errors(self) -> dict[str, str]:
        """The errors shown in the open modal, by block_id."""
        modal = self.modal
        return dict(modal.errors) if modal is not None else {}

    @property
    def home(self) -> View | None:
        """The person's published Home tab, if any."""
        return self._world.state.homes.get(self.user.id)

    # -- doing things -----------------------------------------------------------------------------

    @staticmethod
    async def _delivered(emitted: Emitted) -> None:
        if emitted:
            await asyncio.gather(*emitted)

    def _require_member(self, channel: Channel) -> None:
        if not self._sees(channel):
            raise EmulatorError(f"{self.user.name} is not a member of #{channel.name}")

    async def slash(self, command: str, text: str = "", *, channel: Channel) -> CommandResult:
        """Type `/command text` in a channel (or the bot's DM)."""
        self._require_member(channel)
        return await self._interactions.slash(self.user, channel, command, text)

    async def click(
        self,
        label: str,
        *,
        message: Message | None = None,
        ephemeral: Ephemeral | None = None,
        in_modal: bool = False,
        in_home: bool = False,
    ) -> ActionResult:
        """Click a button by its visible label on a message, an ephemeral message, the open modal or Home."""
        targets = sum(x is not None for x in (message, ephemeral)) + int(in_modal) + int(in_home)
        if targets != 1:
            raise EmulatorError("click needs exactly one of message=, ephemeral=, in_modal=True, in_home=True")
        view = None
        if in_modal:
            view = self.modal
            if view is None:
                raise EmulatorError(f"{self.user.name} has no modal open")
        elif in_home:
            view = self.home
            if view is None:
                raise EmulatorError(f"{self.user.name} has no Home tab published")
        elif message is not None:
            current = self._world.state.message(message.channel, message.ts)
            if current is None or current.deleted:
                raise EmulatorError("that message is gone")
            self._require_member(self._world.state.channels[message.channel])
            message = current
        elif ephemeral is not None and (ephemeral.user != self.user.id or ephemeral.deleted):
            raise EmulatorError(f"{self.user.name} does not see that ephemeral message")
        return await self._interactions.click(self.user, label, message=message, ephemeral=ephemeral, view=view)

    async def fill(self, values: dict[str, Any]) -> None:
        """Enter values in the open modal's inputs by label: text, option text, a Person, dates, files."""
        modal = self.modal
        if modal is None:
            raise EmulatorError(f"{self.user.name} has no modal open")
        for label, given in values.items():
            block = find_input(modal.blocks, label)
            element = block["element"]
            value = value_for(element, given, self._file_json)
            modal.values.setdefault(block["block_id"], {})[element["action_id"]] = value

    def _file_json(self, given: Any) -> dict[str, Any]:
        if not isinstance(given, File):
            raise EmulatorError("a file_input takes files from person.upload_for_input(...)")
        given.visible_to_app = True  # files attached in the app's modal are readable by the app
        return given.to_api(self._world.base_url, self._world.state)

    async def submit(self) -> dict[str, str] | None:
        """Press the modal's submit button; return the errors shown, or None when it was accepted."""
        modal = self.modal
        if modal is None:
            raise EmulatorError(f"{self.user.name} has no modal open")
        return await self._interactions.submit(self.user, modal)

    async def close_modal(self) -> None:
        """Close the modal in front (Cancel)."""
        modal = self.modal
        if modal is None:
            raise EmulatorError(f"{self.user.name} has no modal open")
        await self._interactions.close(self.user, modal)

    async def shortcut(self, callback_id: str) -> ActionResult:
        """Run one of the app's global shortcuts."""
        return await self._interactions.shortcut(self.user, callback_id)

    async def post(self, channel: Channel, text: str, *, thread_ts: str | None = None) -> Message:
        """Write a message (a reply when `thread_ts`); mentioning the bot also sends it `app_mention`."""
        self._require_member(channel)
        message, emitted = self._world.post(channel, self.user, text=text, thread_ts=thread_ts)
        await self._delivered(emitted)
        return message

    async def reply(self, message: Message, text: str) -> Message:
        """Reply in a message's thread."""
        return await self.post(self._world.state.channels[message.channel], text, thread_ts=message.ts)

    async def edit(self, message: Message, text: str) -> None:
        """Edit one of the person's own messages."""
        if message.user != self.user.id or message.deleted:
            raise EmulatorError(f"{self.user.name} can only edit their own messages")
        await self._delivered(self._world.edit(message, self.user, text=text))

    async def delete(self, message: Message) -> None:
        """Delete one of the person's own messages."""
        if message.user != self.user.id or message.deleted:
            raise EmulatorError(f"{self.user.name} can only delete their own messages")
        await self._delivered(self._world.delete(message, self.user))

    async def share_file(
        self, channel: Channel, name: str, data: bytes, *, thread_ts: str | None = None, text: str = ""
    ) -> File:
        """Drop a file into a channel or thread (`file_share` message and `file_shared` event)."""
        self._require_member(channel)
        file = self._world.new_file(self.user, name, data)
        _, emitted = self._world.share_files([file], channel, self.user, thread_ts=thread_ts, comment=text)
        await self._delivered(emitted)
        return file

    async def upload_for_input(self, name: str, data: bytes) -> File:
        """Upload a file into a modal's file_input (then `fill({"Files": [file]})`)."""
        return self._world.new_file(self.user, name, data)

    async def join(self, channel: Channel) -> None:
        """Join a channel the person may join: a public channel of their workspace, or one shared with it."""
        allowed = (not channel.is_private and channel.host_org is self.org) or self.org in channel.connected
        if channel.is_im or not allowed:
            raise EmulatorError(f"{self.user.name} cannot join #{channel.name}")
        await self._delivered(self._world.join(channel, self.user))

    async def leave(self, channel: Channel) -> None:
        """Leave a channel."""
        self._require_member(channel)
        await self._delivered(self._world.leave(channel, self.user))

    async def open_home(self) -> None:
        """Open the app's Home tab (`app_home_opened`)."""
        event: dict[str, Any] = {
            "type": "app_home_opened",
            "user": self.user.id,
            "channel": self.dm.id,
            "tab": "home",
        }
        if self.home is not None:
            app = self._world.app
            event["view"] = self.home.to_api(
                app_id=app.app_id, bot_id=app.bot_id, app_installed_team_id=app.host.team_id
            )
        future = self._world.emit(event)
        if future is not None:
            await future
