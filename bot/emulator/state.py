"""The emulated Slack world as plain data: organizations, users, channels, messages, files, views, invites.

Nothing here does I/O or emits events: `activity.py` changes this state the way people and the bot do and
emits what Slack emits; the Web API reads and writes it. `to_api()` methods render objects in the shapes
Slack's Web API returns (the fields slack_sdk, bolt and Baton read).
"""

from __future__ import annotations

import mimetypes
import random
import string
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal
from urllib.parse import quote
from zoneinfo import ZoneInfo

from .blockkit import button_labels, visible_text
from .clock import Clock

__all__ = [
    "Channel",
    "Ephemeral",
    "File",
    "IdMaker",
    "Installation",
    "Invite",
    "Message",
    "Org",
    "ResponseTarget",
    "SlackState",
    "Trigger",
    "User",
    "View",
]

_ID_CHARS = string.ascii_uppercase + string.digits


class IdMaker:
    """Slack-looking ids (`C07N3HJ2K9P`) from a seeded generator, so runs (and the demo) are repeatable."""

    def __init__(self, seed: int = 0) -> None:
        self._rng = random.Random(seed)
        self._issued: set[str] = set()

    def new(self, prefix: str, length: int = 10) -> str:
        """Return a fresh id: `prefix` followed by `length` uppercase letters and digits."""
        while True:
            candidate = prefix + "".join(self._rng.choice(_ID_CHARS) for _ in range(length))
            if candidate not in self._issued:
                self._issued.add(candidate)
                return candidate

    def token(self, length: int = 24) -> str:
        """Return a random lowercase alphanumeric string (secrets, hashes, trigger suffixes)."""
        return "".join(self._rng.choice(string.ascii_lowercase + string.digits) for _ in range(length))

    def hex(self, length: int = 32) -> str:
        """Return a random hex string."""
        return "".join(self._rng.choice("0123456789abcdef") for _ in range(length))


@dataclass(eq=False)
class Org:
    """A Slack organization: the host workspace (Baton installed) or a guest reached through Slack Connect."""

    team_id: str
    name: str
    domain: str
    email_domain: str
    is_host: bool = False
    enterprise_id: str | None = None
    enterprise_name: str | None = None
    # Slack resolves slash commands in the user's own workspace: guests have /turn only if they installed it.
    app_installed: bool = False

    @property
    def side_id(self) -> str:
        """What Slack Connect events carry as `user_team` / `source_team`: the enterprise id if any."""
        return self.enterprise_id or self.team_id

    def to_api(self) -> dict[str, Any]:
        """Render as `team.info`'s `team`."""
        team: dict[str, Any] = {
            "id": self.team_id,
            "name": self.name,
            "url": f"https://{self.domain}.slack.com/",
            "domain": self.domain,
            "email_domain": self.email_domain,
            "icon": {"image_default": True},
            "avatar_base_url": "https://ca.slack-edge.com/",
            "is_verified": False,
        }
        if self.enterprise_id:
            team["enterprise_id"] = self.enterprise_id
            team["enterprise_name"] = self.enterprise_name or self.name
            team["enterprise_domain"] = self.domain
        return team

    def team_ref(self) -> dict[str, Any]:
        """Render as the `team` object of an interactive payload."""
        ref: dict[str, Any] = {"id": self.team_id, "domain": self.domain}
        if self.enterprise_id:
            ref["enterprise_id"] = self.enterprise_id
            ref["enterprise_name"] = self.enterprise_name or self.name
        return ref

    def enterprise_ref(self) -> dict[str, Any] | None:
        """Render as the `enterprise` object of an interactive payload (None outside Enterprise Grid)."""
        if not self.enterprise_id:
            return None
        return {"id": self.enterprise_id, "name": self.enterprise_name or self.name}


@dataclass(eq=False)
class User:
    """A Slack user (a person, or Baton's bot user when `bot_id` is set)."""

    id: str
    org: Org
    name: str
    real_name: str
    email: str | None
    tz: str = "UTC"
    bot_id: str | None = None
    app_id: str | None = None
    deleted: bool = False
    updated: int = 0

    @property
    def team_id(self) -> str:
        """The id of the user's workspace."""
        return self.org.team_id

    @property
    def is_bot(self) -> bool:
        """Whether this is a bot user."""
        return self.bot_id is not None

    @property
    def mention(self) -> str:
        """The mention markup Slack puts in text (`<@U…>`)."""
        return f"<@{self.id}>"

    def to_api(self, now: float) -> dict[str, Any]:
        """Render as `users.info`'s `user`."""
        zone = ZoneInfo(self.tz)
        local = datetime.fromtimestamp(now, zone)
        offset = local.utcoffset()
        profile: dict[str, Any] = {
            "real_name": self.real_name,
            "real_name_normalized": self.real_name,
            "display_name": self.name,
            "display_name_normalized": self.name,
            "team": self.team_id,
            "avatar_hash": "g0000000000",
            "image_48": "https://secure.gravatar.com/avatar/0.jpg",
        }
        if self.email:
            profile["email"] = self.email
        if self.bot_id:
            profile["bot_id"] = self.bot_id
            profile["api_app_id"] = self.app_id
            profile["always_active"] = True
        user: dict[str, Any] = {
            "id": self.id,
            "team_id": self.team_id,
            "name": self.name,
            "deleted": self.deleted,
            "color": "9f69e7",
            "real_name": self.real_name,
            "tz": self.tz,
            "tz_label": local.tzname() or self.tz,
            "tz_offset": int(offset.total_seconds()) if offset is not None else 0,
            "profile": profile,
            "is_admin": False,
            "is_owner": False,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": self.is_bot,
            "is_app_user": False,
            "updated": self.updated,
            "is_email_confirmed": self.email is not None,
        }
        if self.org.enterprise_id:
            user["enterprise_user"] = {
                "id": self.id,
                "enterprise_id": self.org.enterprise_id,
                "enterprise_name": self.org.enterprise_name or self.org.name,
                "is_admin": False,
                "is_owner": False,
                "teams": [self.team_id],
            }
        return user

    def payload_ref(self) -> dict[str, Any]:
        """Render as the `user` object of an interactive payload."""
        return {"id": self.id, "username": self.name, "name": self.name, "team_id": self.team_id}


@dataclass(eq=False)
class File:
    """A file: uploaded through the upload URL flow, shared by a person, or attached in a file_input."""

    id: str
    name: str
    title: str
    user: str
    user_team: str
    created: int
    declared_length: int | None = None
    data: bytes | None = None  # None until the upload URL has received the bytes
    completed: bool = False  # files.completeUploadExternal (or a person's upload) has finished it
    deleted: bool = False
    # channel id -> ts of the messages that share it (a file can be shared several times)
    shares: dict[str, list[tuple[str, str | None]]] = field(default_factory=dict)
    alt_txt: str | None = None
    visible_to_app: bool = False  # attached in one of the app's modals (file_input): the app may read it

    @property
    def size(self) -> int:
        """The number of bytes received."""
        return len(self.data or b"")

    @property
    def mimetype(self) -> str:
        """The MIME type Slack infers from the name."""
        guessed, _ = mimetypes.guess_type(self.name)
        return guessed or "application/octet-stream"

    @property
    def filetype(self) -> str:
        """Slack's short file type: the extension, `text` for .txt, `binary` when there is none."""
        ext = self.name.rsplit(".", 1)[-1].lower() if "." in self.name else ""
        return {"": "binary", "txt": "text", "jpeg": "jpg", "tif": "tiff", "htm": "html"}.get(ext, ext)

    def url_private(self, base_url: str) -> str:
        """The file's `url_private` (served by the emulator)."""
        return f"{base_url}files-pri/{self.user_team}-{self.id}/{quote(self.name)}"

    def url_private_download(self, base_url: str) -> str:
        """The file's `url_private_download` (served by the emulator, needs the bot token)."""
        return f"{base_url}files-pri/{self.user_team}-{self.id}/download/{quote(self.name)}"

    def to_api(self, base_url: str, state: SlackState) -> dict[str, Any]:
        """Render as `files.info`'s `file` (and as files in messages and file_input values)."""
        public: dict[str, list[dict[str, Any]]] = {}
        private: dict[str, list[dict[str, Any]]] = {}
        channels: list[str] = []
        groups: list[str] = []
        ims: list[str] = []
        for channel_id, shared in self.shares.items():
            channel = state.channels.get(channel_id)
            if channel is None:
                continue
            entries = []
            for ts, thread_ts in shared:
                entry: dict[str, Any] = {
                    "ts": ts,
                    "channel_name": channel.name,
                    "team_id": channel.host_org.team_id,
                    "share_user_id": self.user,
                    "reply_users": [],
                    "reply_users_count": 0,
                    "reply_count": 0,
                }
                if thread_ts:
                    entry["thread_ts"] = thread_ts
                entries.append(entry)
            target = private if channel.is_private or channel.is_im else public
            target[channel_id] = entries
            (ims if channel.is_im else groups if channel.is_private else channels).append(channel_id)
        shares: dict[str, Any] = {}
        if public:
            shares["public"] = public
        if private:
            shares["private"] = private
        result: dict[str, Any] = {
            "id": self.id,
            "created": self.created,
            "timestamp": self.created,
            "name": self.name,
            "title": self.title,
            "mimetype": self.mimetype,
            "filetype": self.filetype,
            "pretty_type": self.filetype.upper(),
            "user": self.user,
            "user_team": self.user_team,
            "editable": False,
            "size": self.size,
            "mode": "hosted",
            "is_external": False,
            "external_type": "",
            "is_public": bool(channels),
            "public_url_shared": False,
            "display_as_bot": False,
            "username": "",
            "url_private": self.url_private(base_url),
            "url_private_download": self.url_private_download(base_url),
            "permalink": f"{base_url}files/{self.user}/{self.id}/{quote(self.name)}",
            "permalink_public": f"{base_url}files-pub/{self.user_team}-{self.id}",
            "comments_count": 0,
            "is_starred": False,
            "shares": shares,
            "channels": channels,
            "groups": groups,
            "ims": ims,
            "has_rich_preview": False,
            "file_access": "visible",
        }
        if self.alt_txt:
            result["alt_txt"] = self.alt_txt
        return result

    def stub(self) -> dict[str, Any]:
        """Render as Slack Connect events show another organization's file: resolve it with files.info."""
        return {"id": self.id, "mode": "file_access", "file_access": "check_file_info"}


@dataclass(eq=False)
class Message:
    """A message in a channel or DM, as everyone in it sees it."""

    ts: str
    channel: str
    text: str
    user: str | None  # the author (Baton's bot user for the bot's posts)
    team: str  # the author's team id
    bot_id: str | None = None
    app_id: str | None = None
    blocks: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[dict[str, Any]] = field(default_factory=list)
    subtype: str | None = None
    thread_ts: str | None = None
    reply_broadcast: bool = False
    files: list[File] = field(default_factory=list)
    edited: dict[str, str] | None = None
    deleted: bool = False
    pinned_to: list[str] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)  # ts of the replies, for a thread's parent
    reply_users: list[str] = field(default_factory=list)
    metadata: dict[str, Any] | None = None
    upload: bool = False

    @property
    def is_reply(self) -> bool:
        """Whether this message is a reply in a thread (threads are one level deep)."""
        return self.thread_ts is not None and self.thread_ts != self.ts

    @property
    def reply_count(self) -> int:
        """How many replies the thread under this message has."""
        return len(self.replies)

    @property
    def pinned(self) -> bool:
        """Whether the message is pinned in its channel."""
        return bool(self.pinned_to)

    @property
    def content(self) -> str:
        """Everything a person reads in the message: its text, then the text of its blocks."""
        return "\n".join(part for part in (self.text, visible_text(self.blocks)) if part)

    @property
    def buttons(self) -> list[str]:
        """The labels of the message's buttons."""
        return button_labels(self.blocks)

    @property
    def is_system(self) -> bool:
        """Whether Slack generated it (joins, topic changes) rather than a person or app writing it."""
        return self.subtype in {
            "channel_join",
            "channel_leave",
            "channel_topic",
            "channel_purpose",
            "channel_name",
        }

    def to_api(self, base_url: str, state: SlackState, *, stub_files: bool = False) -> dict[str, Any]:
        """Render as Slack returns a message (chat.postMessage's `message`, event bodies)."""
        d: dict[str, Any] = {"type": "message"}
        if self.subtype:
            d["subtype"] = self.subtype
        d["text"] = self.text
        if self.user:
            d["user"] = self.user
        if self.bot_id:
            d["bot_id"] = self.bot_id
            d["app_id"] = self.app_id
        d["ts"] = self.ts
        d["team"] = self.team
        if self.blocks:
            d["blocks"] = self.blocks
        if self.attachments:
            d["attachments"] = self.attachments
        if self.thread_ts:
            d["thread_ts"] = self.thread_ts
        if self.is_reply:
            parent = state.message(self.channel, self.thread_ts or "")
            if parent is not None and parent.user:
                d["parent_user_id"] = parent.user
        if self.reply_broadcast:
            d["subtype"] = "thread_broadcast"
        if self.replies:
            d["reply_count"] = len(self.replies)
            d["reply_users_count"] = len(self.reply_users)
            d["latest_reply"] = self.replies[-1]
            d["reply_users"] = list(self.reply_users)
        if self.edited:
            d["edited"] = dict(self.edited)
        if self.files:
            d["files"] = [
                {"id": f.id, "mode": "tombstone"}
                if f.deleted
                else f.stub()
                if stub_files
                else f.to_api(base_url, state)
                for f in self.files
            ]
            d["upload"] = self.upload
            d["display_as_bot"] = False
        if self.pinned_to:
            d["pinned_to"] = list(self.pinned_to)
        if self.metadata:
            d["metadata"] = self.metadata
        return d


@dataclass(eq=False)
class Ephemeral:
    """A message only one person sees ("Only visible to you"): postEphemeral, command answers, respond()."""

    ts: str
    channel: str
    user: str  # the one person who sees it
    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
    thread_ts: str | None = None
    source: str = "chat.postEphemeral"
    deleted: bool = False

    @property
    def content(self) -> str:
        """Everything the person reads in it: its text, then the text of its blocks."""
        return "\n".join(part for part in (self.text, visible_text(self.blocks)) if part)

    @property
    def buttons(self) -> list[str]:
        """The labels of its buttons."""
        return button_labels(self.blocks)


@dataclass(eq=False)
class Channel:
    """A channel (`C…`) or a direct message with the bot (`D…`), with its members, pins and bookmarks."""

    id: str
    name: str
    host_org: Org  # conversation_host_id: the organization the channel belongs to
    created: int
    creator: str
    is_private: bool = False
    is_im: bool = False
    im_user: str | None = None
    members: list[str] = field(default_factory=list)
    topic: dict[str, Any] = field(default_factory=lambda: {"value": "", "creator": "", "last_set": 0})
    purpose: dict[str, Any] = field(default_factory=lambda: {"value": "", "creator": "", "last_set": 0})
    connected: list[Org] = field(default_factory=list)  # other organizations in the channel
    limited_team_ids: list[str] = field(default_factory=list)  # external_limited connections
    is_archived: bool = False
    previous_names: list[str] = field(default_factory=list)
    bookmarks: list[dict[str, Any]] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    updated: int = 0

    @property
    def is_ext_shared(self) -> bool:
        """Whether another organization is connected (a Slack Connect channel)."""
        return bool(self.connected)

    @property
    def pins(self) -> list[Message]:
        """The pinned messages."""
        return [m for m in self.messages if m.pinned and not m.deleted]

    @property
    def channel_type(self) -> str:
        """The `channel_type` of message events: channel, group or im."""
        return "im" if self.is_im else "group" if self.is_private else "channel"

    def org_ids(self) -> list[str]:
        """Team ids of every organization in the channel, the host first."""
        return [self.host_org.team_id, *[o.team_id for o in self.connected]]

    def to_api(self, state: SlackState, *, for_user: str, include_num_members: bool = False) -> dict[str, Any]:
        """Render as `conversations.info`'s `channel`."""
        if self.is_im:
            return {
                "id": self.id,
                "created": self.created,
                "is_archived": False,
                "is_im": True,
                "is_org_shared": False,
                "context_team_id": self.host_org.team_id,
                "updated": self.updated,
                "user": self.im_user,
                "is_user_deleted": False,
                "priority": 0,
            }
        pending = state.pending_invites(self.id)
        pending_teams = sorted({i.recipient_org.team_id for i in pending if i.recipient_org is not None})
        d: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "is_channel": not self.is_private,
            "is_group": self.is_private,
            "is_im": False,
            "is_mpim": False,
            "is_private": self.is_private,
            "created": self.created,
            "is_archived": self.is_archived,
            "is_general": False,
            "unlinked": 0,
            "name_normalized": self.name,
            "is_shared": self.is_ext_shared,
            "is_org_shared": False,
            "is_ext_shared": self.is_ext_shared,
            "is_pending_ext_shared": bool(pending),
            "pending_shared": pending_teams,
            "pending_connected_team_ids": pending_teams,
            "context_team_id": self.host_org.team_id,
            "updated": self.updated,
            "parent_conversation": None,
            "creator": self.creator,
            "is_member": for_user in self.members,
            "topic": dict(self.topic),
            "purpose": dict(self.purpose),
            "previous_names": list(self.previous_names),
            "shared_team_ids": self.org_ids() if self.is_ext_shared else [self.host_org.team_id],
            "connected_team_ids": self.org_ids() if self.is_ext_shared else [],
            "connected_limited_team_ids": list(self.limited_team_ids),
            "internal_team_ids": [],
            "conversation_host_id": self.host_org.team_id,
        }
        if include_num_members:
            d["num_members"] = len(self.members)
        return d


@dataclass(eq=False)
class View:
    """A modal (in a user's stack) or a Home tab, with what the user has typed into it."""

    id: str
    type: Literal["modal", "home"]
    user_id: str
    team_id: str  # the viewer's workspace
    spec: dict[str, Any]  # the app's view, with block_id / action_id filled in as Slack does
    hash: str
    root_view_id: str
    previous_view_id: str | None = None
    external_id: str = ""
    values: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def blocks(self) -> list[dict[str, Any]]:
        """The view's blocks."""
        blocks: list[dict[str, Any]] = self.spec.get("blocks", [])
        return blocks

    @property
    def title(self) -> str:
        """The modal's title text ("" for a Home tab)."""
        title = self.spec.get("title") or {}
        return str(title.get("text", ""))

    @property
    def content(self) -> str:
        """Everything a person reads in the view."""
        return visible_text(self.blocks)

    @property
    def buttons(self) -> list[str]:
        """The labels of the view's buttons."""
        return button_labels(self.blocks)

    @property
    def callback_id(self) -> str:
        """The view's callback_id."""
        return str(self.spec.get("callback_id", ""))

    @property
    def private_metadata(self) -> str:
        """The view's private_metadata."""
        return str(self.spec.get("private_metadata", ""))

    def to_api(self, *, app_id: str, bot_id: str, app_installed_team_id: str) -> dict[str, Any]:
        """Render as Slack sends a view (views.* answers, payloads' `view`)."""
        return {
            "id": self.id,
            "team_id": self.team_id,
            "type": self.type,
            "blocks": self.blocks,
            "private_metadata": self.private_metadata,
            "callback_id": self.callback_id,
            "state": {"values": self.values},
            "hash": self.hash,
            "title": self.spec.get("title"),
            "clear_on_close": bool(self.spec.get("clear_on_close", False)),
            "notify_on_close": bool(self.spec.get("notify_on_close", False)),
            "close": self.spec.get("close"),
            "submit": self.spec.get("submit"),
            "previous_view_id": self.previous_view_id,
            "root_view_id": self.root_view_id,
            "app_id": app_id,
            "external_id": self.external_id,
            "app_installed_team_id": app_installed_team_id,
            "bot_id": bot_id,
        }


@dataclass(eq=False)
class Invite:
    """A Slack Connect invitation sent with conversations.inviteShared."""

    id: str
    channel_id: str
    inviting_user: str
    inviting_team: Org
    email: str | None
    user_id: str | None
    external_limited: bool
    created: int
    recipient_org: Org | None  # known when the email or user id belongs to a modelled organization
    status: Literal["pending", "accepted", "approved", "declined"] = "pending"
    accepted_by: str | None = None

    def to_event(self, state: SlackState) -> dict[str, Any]:
        """Render as the `invite` object of shared_channel_invite_* events."""
        inviter = state.users.get(self.inviting_user)
        invite: dict[str, Any] = {
            "id": self.id,
            "date_created": self.created,
            "date_invalid": self.created + 14 * 86400,
            "inviting_team": self.inviting_team.to_api(),
            "inviting_user": inviter.to_api(self.created) if inviter is not None else {"id": self.inviting_user},
            "link": f"https://join.slack.com/share/{self.id.lower()}",
        }
        if self.email:
            invite["recipient_email"] = self.email
        if self.user_id:
            invite["recipient_user_id"] = self.user_id
        return invite


@dataclass(eq=False)
class Trigger:
    """A trigger_id Slack issued with an interaction: single use, valid for 3 seconds."""

    id: str
    user_id: str
    issued_at: float
    source: str
    used: bool = False
    view_id: str | None = None  # set when the interaction happened inside a modal (views.push needs one)


@dataclass(eq=False)
class ResponseTarget:
    """Where a response_url posts: the command's channel, or the message a button was clicked on."""

    token: str
    user_id: str
    channel_id: str
    issued_at: float
    message_ts: str | None = None
    ephemeral: Ephemeral | None = None
    uses: int = 0


class SlackState:
    """Every object of the emulated Slack world, indexed by id, with the lookups the Web API needs."""

    def __init__(self, clock: Clock, ids: IdMaker) -> None:
        self.clock = clock
        self.ids = ids
        self.orgs: dict[str, Org] = {}
        self.users: dict[str, User] = {}
        self.channels: dict[str, Channel] = {}
        self.files: dict[str, File] = {}
        self.views: dict[str, View] = {}
        self.modal_stacks: dict[str, list[View]] = {}
        self.homes: dict[str, View] = {}
        self.invites: dict[str, Invite] = {}
        self.triggers: dict[str, Trigger] = {}
        self.response_targets: dict[str, ResponseTarget] = {}
        self.ephemerals: list[Ephemeral] = []
        self.ims: dict[str, str] = {}  # user id -> the bot's DM channel id with them
        self.upload_tokens: dict[str, str] = {}  # upload URL token -> file id
        self._last_ts = 0

    def now(self) -> float:
        """The emulated time."""
        return self.clock.now()

    def new_ts(self) -> str:
        """Return a message ts: Slack's "seconds.micros" format, unique and increasing."""
        candidate = int(self.clock.now() * 1_000_000)
        self._last_ts = max(candidate, self._last_ts + 1)
        return f"{self._last_ts // 1_000_000}.{self._last_ts % 1_000_000:06d}"

    # -- lookups ----------------------------------------------------------------------------------

    def message(self, channel_id: str, ts: str) -> Message | None:
        """Return the message with this ts in this channel, if any."""
        channel = self.channels.get(channel_id)
        if channel is None:
            return None
        for message in reversed(channel.messages):
            if message.ts == ts:
                return message
        return None

    def channel_by_name(self, name: str) -> Channel | None:
        """Return the (non-DM) channel with this name, if any."""
        name = name.lstrip("#")
        for channel in self.channels.values():
            if not channel.is_im and channel.name == name:
                return channel
        return None

    def user_by_email(self, email: str) -> User | None:
        """Return the user with this email address (case-insensitive), if any."""
        wanted = email.strip().lower()
        for user in self.users.values():
            if user.email and user.email.lower() == wanted:
                return user
        return None

    def org_by_email(self, email: str) -> Org | None:
        """Return the organization whose email domain matches this address, if any."""
        user = self.user_by_email(email)
        if user is not None:
            return user.org
        domain = email.rsplit("@", 1)[-1].lower()
        for org in self.orgs.values():
            if org.email_domain.lower() == domain:
                return org
        return None

    def pending_invites(self, channel_id: str) -> list[Invite]:
        """The invitations to this channel that no one has answered yet."""
        return [i for i in self.invites.values() if i.channel_id == channel_id and i.status == "pending"]

    def shares_channel(self, a: User, b: User) -> bool:
        """Whether two users are both members of some channel (Slack shows strangers less)."""
        return any(a.id in c.members and b.id in c.members for c in self.channels.values())

    def modal_of(self, user_id: str) -> View | None:
        """The modal on top of this user's stack, if one is open."""
        stack = self.modal_stacks.get(user_id) or []
        return stack[-1] if stack else None


@dataclass(eq=False)
class Installation:
    """Baton's installation in the host workspace: its ids, tokens and secrets."""

    app_id: str
    bot: User
    bot_token: str
    app_token: str
    signing_secret: str
    verification_token: str  # the deprecated `token` field Slack still puts in every payload

    @property
    def host(self) -> Org:
        """The workspace the app is installed in."""
        return self.bot.org

    @property
    def bot_id(self) -> str:
        """The bot's `B…` id."""
        return self.bot.bot_id or ""
