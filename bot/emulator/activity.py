"""Things happening in Slack: messages posted, edited and deleted, people joining, files shared.

Each operation changes the state and emits the events Slack would send the app for it, whoever caused it
(a person through the user-level API, or the bot through the Web API). Events reach the bot only where
Slack would send them: channels the bot is a member of, and its DMs.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from typing import Any

from .delivery import BotAnswer, EventBus
from .state import Channel, Ephemeral, File, Installation, Message, SlackState, User

__all__ = ["Emitted", "World"]

Emitted = list["asyncio.Future[list[BotAnswer]]"]


class World:
    """The emulated workspace with its event stream: the one place state changes that people can see."""

    def __init__(
        self,
        state: SlackState,
        app: Installation,
        bus: EventBus,
        *,
        base_url: Callable[[], str],
    ) -> None:
        self.state = state
        self.app = app
        self.bus = bus
        self._base_url = base_url
        self.echo_bot_messages = True  # Slack sends the bot's own posts back as message events

    @property
    def base_url(self) -> str:
        """The emulator's root URL (file URLs point there)."""
        return self._base_url()

    @property
    def bot(self) -> User:
        """Baton's bot user."""
        return self.app.bot

    # -- events -----------------------------------------------------------------------------------

    def emit(self, event: dict[str, Any], channel: Channel | None = None) -> asyncio.Future[list[BotAnswer]] | None:
        """Send an event to the app if Slack would: for a channel, only when the bot is in it."""
        if channel is not None and self.bot.id not in channel.members:
            return None
        return self.bus.emit(
            event,
            is_ext_shared_channel=channel.is_ext_shared if channel is not None else False,
            channel_type=channel.channel_type if channel is not None else None,
        )

    def _author_fields(self, event: dict[str, Any], author: User, channel: Channel) -> None:
        # In Slack Connect channels Slack names the author's organization; enterprise users get the E… id.
        if channel.is_ext_shared and not author.is_bot:
            event["user_team"] = author.org.side_id
            event["source_team"] = author.org.side_id

    def message_event(self, message: Message, channel: Channel, author: User | None) -> dict[str, Any]:
        """A `message` event for this message, as the app receives it."""
        stub = author is not None and author.org is not self.app.host
        event = message.to_api(self.base_url, self.state, stub_files=stub)
        if message.bot_id:
            event["bot_profile"] = self.bot_profile()
        event["channel"] = channel.id
        event["event_ts"] = message.ts
        event["channel_type"] = channel.channel_type
        if author is not None:
            self._author_fields(event, author, channel)
        return event

    def bot_profile(self) -> dict[str, Any]:
        """The `bot_profile` Slack attaches to the bot's messages."""
        return {
            "id": self.app.bot_id,
            "app_id": self.app.app_id,
            "name": self.bot.real_name,
            "deleted": False,
            "team_id": self.app.host.team_id,
            "icons": {"image_48": "https://a.slack-edge.com/bot_48.png"},
        }

    def render(self, message: Message) -> dict[str, Any]:
        """A message as the Web API returns it."""
        data = message.to_api(self.base_url, self.state)
        if message.bot_id:
            data["bot_profile"] = self.bot_profile()
        return data

    # -- messages ---------------------------------------------------------------------------------

    def dm_channel(self, user: User) -> Channel:
        """The bot's DM channel with this user (opened on first use, as conversations.open does)."""
        existing = self.state.ims.get(user.id)
        if existing is not None:
            return self.state.channels[existing]
        now = int(self.state.now())
        channel = Channel(
            id=self.state.ids.new("D"),
            name=user.id,
            host_org=self.app.host,
            created=now,
            creator=self.bot.id,
            is_private=True,
            is_im=True,
            im_user=user.id,
            members=[user.id, self.bot.id],
            updated=now * 1000,
        )
        self.state.channels[channel.id] = channel
        self.state.ims[user.id] = channel.id
        return channel

    def post(
        self,
        channel: Channel,
        author: User,
        *,
        text: str = "",
        blocks: list[dict[str, Any]] | None = None,
        attachments: list[dict[str, Any]] | None = None,
        thread_ts: str | None = None,
        reply_broadcast: bool = False,
        files: list[File] | None = None,
        subtype: str | None = None,
        metadata: dict[str, Any] | None = None,
        upload: bool = False,
        before_events: Callable[[Message], None] | None = None,
    ) -> tuple[Message, Emitted]:
        """Add a message (a thread reply when `thread_ts`) and emit `message` (and `app_mention`) events.

        `before_events` runs once the message exists and before its events are built (file shares).
        """
        if thread_ts is not None:
            parent = self.state.message(channel.id, thread_ts)
            if parent is not None and parent.is_reply:
                # Threads are one level deep: a reply to a reply lands in the parent's thread.
                thread_ts = parent.thread_ts
        message = Message(
            ts=self.state.new_ts(),
            channel=channel.id,
            text=text,
            user=author.id,
            team=author.team_id,
            bot_id=author.bot_id,
            app_id=author.app_id,
            blocks=blocks or [],
            attachments=attachments or [],
            subtype=subtype,
            thread_ts=thread_ts,
            reply_broadcast=reply_broadcast and thread_ts is not None,
            files=files or [],
            metadata=metadata,
            upload=upload,
        )
        channel.messages.append(message)
        if thread_ts is not None:
            parent = self.state.message(channel.id, thread_ts)
            if parent is not None:
                parent.thread_ts = parent.ts
                parent.replies.append(message.ts)
                if author.id not in parent.reply_users:
                    parent.reply_users.append(author.id)
        if before_events is not None:
            before_events(message)
        emitted: Emitted = []
        if not author.is_bot or self.echo_bot_messages:
            self._collect(emitted, self.emit(self.message_event(message, channel, author), channel))
        mention = f"<@{self.bot.id}>"
        if not author.is_bot and not channel.is_im and mention in text and subtype is None:
            event: dict[str, Any] = {
                "type": "app_mention",
                "user": author.id,
                "text": text,
                "ts": message.ts,
                "team": author.team_id,
                "channel": channel.id,
                "event_ts": message.ts,
            }
            if message.thread_ts and message.is_reply:
                event["thread_ts"] = message.thread_ts
            self._author_fields(event, author, channel)
            self._collect(emitted, self.emit(event, channel))
        return message, emitted

    def edit(
        self,
        message: Message,
        by: User,
        *,
        text: str | None = None,
        blocks: list[dict[str, Any]] | None = None,
        attachments: list[dict[str, Any]] | None = None,
    ) -> Emitted:
        """Change a message in place (same ts) and emit `message_changed` with the previous message."""
        channel = self.state.channels[message.channel]
        author = self.state.users.get(message.user or "")
        previous = self.message_event(message, channel, author)
        if text is not None:
            message.text = text
        if blocks is not None:
            message.blocks = blocks
        if attachments is not None:
            message.attachments = attachments
        message.edited = {"user": by.id, "ts": self.state.new_ts()}
        event_ts = self.state.new_ts()
        current = self.message_event(message, channel, author)
        for key in ("channel", "event_ts", "channel_type"):
            current.pop(key, None)
            previous.pop(key, None)
        event = {
            "type": "message",
            "subtype": "message_changed",
            "message": current,
            "previous_message": previous,
            "channel": channel.id,
            "hidden": True,
            "ts": event_ts,
            "event_ts": event_ts,
            "channel_type": channel.channel_type,
        }
        emitted: Emitted = []
        if not by.is_bot or self.echo_bot_messages:
            self._collect(emitted, self.emit(event, channel))
        return emitted

    def delete(self, message: Message, by: User) -> Emitted:
        """Delete a message and emit `message_deleted` with the previous message."""
        channel = self.state.channels[message.channel]
        previous = self.message_event(message, channel, self.state.users.get(message.user or ""))
        for key in ("channel", "event_ts", "channel_type"):
            previous.pop(key, None)
        message.deleted = True
        message.pinned_to.clear()
        if message.is_reply:
            parent = self.state.message(channel.id, message.thread_ts or "")
            if parent is not None and message.ts in parent.replies:
                parent.replies.remove(message.ts)
        event_ts = self.state.new_ts()
        event = {
            "type": "message",
            "subtype": "message_deleted",
            "hidden": True,
            "deleted_ts": message.ts,
            "channel": channel.id,
            "previous_message": previous,
            "ts": event_ts,
            "event_ts": event_ts,
            "channel_type": channel.channel_type,
        }
        emitted: Emitted = []
        if not by.is_bot or self.echo_bot_messages:
            self._collect(emitted, self.emit(event, channel))
        return emitted

    def post_ephemeral(
        self,
        channel: Channel,
        user: User,
        *,
        text: str = "",
        blocks: list[dict[str, Any]] | None = None,
        thread_ts: str | None = None,
        source: str = "chat.postEphemeral",
    ) -> Ephemeral:
        """Show a message to one person only; no event is sent for it (Slack sends none)."""
        ephemeral = Ephemeral(
            ts=self.state.new_ts(),
            channel=channel.id,
            user=user.id,
            text=text,
            blocks=blocks or [],
            thread_ts=thread_ts,
            source=source,
        )
        self.state.ephemerals.append(ephemeral)
        return ephemeral

    # -- membership -------------------------------------------------------------------------------

    def join(self, channel: Channel, user: User, *, inviter: User | None = None) -> Emitted:
        """Add a member: `member_joined_channel` plus the "has joined the channel" message."""
        emitted: Emitted = []
        if user.id in channel.members:
            return emitted
        channel.members.append(user.id)
        event: dict[str, Any] = {
            "type": "member_joined_channel",
            "user": user.id,
            "channel": channel.id,
            "channel_type": "G" if channel.is_private else "C",
            "team": user.team_id,
        }
        if inviter is not None:
            event["inviter"] = inviter.id
        self._collect(emitted, self.emit(event, channel))
        _, more = self.post(channel, user, text=f"<@{user.id}> has joined the channel", subtype="channel_join")
        emitted.extend(more)
        return emitted

    def leave(self, channel: Channel, user: User) -> Emitted:
        """Remove a member: `member_left_channel` plus the "has left the channel" message."""
        emitted: Emitted = []
        if user.id not in channel.members:
            return emitted
        # The leave message and event reach the bot even when the bot is the one leaving.
        _, more = self.post(channel, user, text=f"<@{user.id}> has left the channel", subtype="channel_leave")
        emitted.extend(more)
        event = {
            "type": "member_left_channel",
            "user": user.id,
            "channel": channel.id,
            "channel_type": "G" if channel.is_private else "C",
            "team": user.team_id,
        }
        self._collect(emitted, self.emit(event, channel))
        channel.members.remove(user.id)
        return emitted

    # -- files ------------------------------------------------------------------------------------

    def share_files(
        self,
        files: list[File],
        channel: Channel,
        by: User,
        *,
        thread_ts: str | None = None,
        comment: str = "",
        blocks: list[dict[str, Any]] | None = None,
    ) -> tuple[Message, Emitted]:
        """Share files into a channel or thread: one `file_share` message, a `file_shared` event per file."""

        def record_shares(message: Message) -> None:
            for file in files:
                file.completed = True
                file.shares.setdefault(channel.id, []).append(
                    (message.ts, message.thread_ts if message.is_reply else None)
                )

        message, emitted = self.post(
            channel,
            by,
            text=comment,
            blocks=blocks,
            files=files,
            thread_ts=thread_ts,
            subtype="file_share",
            upload=True,
            before_events=record_shares,
        )
        for file in files:
            event = {
                "type": "file_shared",
                "channel_id": channel.id,
                "file_id": file.id,
                "user_id": by.id,
                "file": {"id": file.id},
                "event_ts": message.ts,
            }
            self._collect(emitted, self.emit(event, channel))
        return message, emitted

    def new_file(self, owner: User, name: str, data: bytes | None, *, title: str | None = None) -> File:
        """Register a file owned by `owner` (bytes None: waiting for the upload URL)."""
        file = File(
            id=self.state.ids.new("F"),
            name=name,
            title=title or name,
            user=owner.id,
            user_team=owner.team_id,
            created=int(self.state.now()),
            data=data,
            completed=data is not None,
        )
        self.state.files[file.id] = file
        return file

    def bot_can_see_file(self, file: File) -> bool:
        """Whether the app may read a file: its own, one from its modals, or shared where the bot is."""
        if file.user == self.bot.id or file.visible_to_app:
            return True
        return any(
            self.bot.id in channel.members
            for channel_id in file.shares
            if (channel := self.state.channels.get(channel_id)) is not None
        )

    # -- mentions ---------------------------------------------------------------------------------

    @staticmethod
    def mentioned_ids(text: str) -> list[str]:
        """User ids mentioned in Slack markup (`<@U…>` / `<@U…|name>`)."""
        return re.findall(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>", text)

    @staticmethod
    def _collect(emitted: Emitted, future: asyncio.Future[list[BotAnswer]] | None) -> None:
        if future is not None:
            emitted.append(future)
