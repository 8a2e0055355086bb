"""A stateful Slack emulator: the Web API, Socket Mode, signed requests to the bot, and people using Slack.

It plays Slack for Baton on 127.0.0.1: the bot's `AsyncWebClient(base_url=emu.api_url)` calls it, and it
sends signed requests to the bot's `POST /slack/events` (or through a Socket Mode connection) exactly as
Slack does. It keeps state — channels, messages, modals, files, invitations — so tests assert what a
person would see, and records every way the bot breaks Slack's contract in `emu.violations`.

    async with SlackEmulator(signing_secret="s3cret") as emu:
        retail = emu.add_org("Retail Co")
        ann = emu.add_user(emu.host, "ann")
        bob = emu.add_user(retail, "bob")
        channel = emu.create_channel("retail-co", members=[ann, bob], shared_with=[retail])
        emu.bot_url = "http://127.0.0.1:3000/slack/events"
        result = await ann.slash("/turn", "help", channel=channel)
"""

from __future__ import annotations

import asyncio
import inspect
import re
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

from aiohttp import web

from . import slack_connect
from .activity import World
from .api_conversations import check_channel_name
from .clock import Clock
from .delivery import BotAnswer, Delivery, DeliveryRecord, EventBus
from .errors import ApiError, EmulatorError, NotFound, Violation
from .faults import FaultPlan, RateLimiter, Stats
from .files import DOWNLOAD_FAULT, UPLOAD_FAULT, FileRoutes
from .interactions import ActionResult, CommandResult, Interactions
from .people import Person
from .responses import Responses
from .signing import signed_headers
from .socket_mode import SocketHub
from .state import (
    Channel,
    Ephemeral,
    File,
    IdMaker,
    Installation,
    Invite,
    Message,
    Org,
    SlackState,
    User,
    View,
)
from .webapi import CallRecord, WebApi

__all__ = [
    "DOWNLOAD_FAULT",
    "UPLOAD_FAULT",
    "ActionResult",
    "BotAnswer",
    "CallRecord",
    "Channel",
    "Clock",
    "CommandResult",
    "DeliveryRecord",
    "EmulatorError",
    "Ephemeral",
    "File",
    "Invite",
    "Message",
    "NotFound",
    "Org",
    "Person",
    "SlackEmulator",
    "User",
    "View",
    "Violation",
]

T = TypeVar("T")


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "workspace"


class SlackEmulator:
    """Slack, for one app installed in one host workspace, with guest organizations over Slack Connect."""

    def __init__(
        self,
        *,
        signing_secret: str | None = None,
        host_name: str = "Host Co",
        host_domain: str | None = None,
        host_email_domain: str | None = None,
        bot_name: str = "baton",
        bot_real_name: str = "Baton",
        seed: int = 0,
        clock: Clock | None = None,
        subscribed_events: Iterable[str] | None = None,
        bot_scopes: Iterable[str] | None = None,
        ack_timeout: float = 3.0,
        listen_host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.clock = clock or Clock()
        self.ids = IdMaker(seed)
        self.state = SlackState(self.clock, self.ids)
        self.violations: list[Violation] = []
        self.stats = Stats()
        self.faults = FaultPlan()
        self.limiter = RateLimiter()
        self._listen_host = listen_host
        self._port = port
        self._runner: web.AppRunner | None = None
        self._base_url: str | None = None

        domain = host_domain or _slug(host_name)
        host = Org(
            team_id=self.ids.new("T"),
            name=host_name,
            domain=domain,
            email_domain=host_email_domain or f"{domain}.example",
            is_host=True,
            app_installed=True,
        )
        self.state.orgs[host.team_id] = host
        app_id = self.ids.new("A")
        bot = User(
            id=self.ids.new("U"),
            org=host,
            name=bot_name,
            real_name=bot_real_name,
            email=None,
            bot_id=self.ids.new("B"),
            app_id=app_id,
        )
        self.state.users[bot.id] = bot
        digits = "".join(str(int(c, 16) % 10) for c in self.ids.hex(26))
        self.app = Installation(
            app_id=app_id,
            bot=bot,
            bot_token=f"xoxb-{digits[:13]}-{digits[13:]}-{self.ids.token(24)}",
            app_token=f"xapp-1-{app_id}-{digits[:13]}-{self.ids.hex(64)}",
            signing_secret=signing_secret or self.ids.hex(32),
            verification_token=self.ids.token(24),
        )
        self.sockets = SocketHub(self.app, self.ids)
        self.delivery = Delivery(self.app, self.sockets, ack_timeout=ack_timeout)
        self.bus = EventBus(
            self.delivery,
            self.ids,
            now=self.clock.now,
            subscribed=subscribed_events,
            violations=self.violations,
        )
        self.world = World(self.state, self.app, self.bus, base_url=lambda: self.base_url)
        self.responses = Responses(self.world, self.violations)
        self.interactions = Interactions(self.world, self.delivery, self.responses, self.violations)
        self.webapi = WebApi(
            self.world,
            faults=self.faults,
            limiter=self.limiter,
            stats=self.stats,
            sockets=self.sockets,
            violations=self.violations,
            ws_base=lambda: self.base_url.replace("http://", "ws://", 1),
            bot_scopes=None if bot_scopes is None else set(bot_scopes),
        )
        self._files = FileRoutes(self.world, self.faults, self.stats)
        self._people: dict[str, Person] = {}

    # -- lifecycle --------------------------------------------------------------------------------

    async def start(self) -> SlackEmulator:
        """Listen on a free loopback port and start delivering events."""
        if self._runner is not None:
            return self
        app = web.Application(client_max_size=1024**3)
        self.webapi.add_to(app)
        self._files.add_to(app)
        self.responses.add_to(app)
        app.router.add_get("/link/", self.sockets.handle)
        app.on_shutdown.append(lambda _: self.sockets.close())
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
        await runner.setup()
        site = web.TCPSite(runner, self._listen_host, self._port)
        await site.start()
        self._runner = runner
        address = runner.addresses[0]
        self._base_url = f"http://{self._listen_host}:{address[1]}/"
        self.bus.start()
        return self

    async def stop(self) -> None:
        """Stop serving; open Socket Mode connections are closed."""
        await self.bus.stop()
        await self.sockets.close()
        await self.delivery.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> SlackEmulator:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- addresses and credentials ----------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """The emulator's root URL (`http://127.0.0.1:PORT/`)."""
        if self._base_url is None:
            raise EmulatorError("the emulator is not started (await emu.start())")
        return self._base_url

    @property
    def api_url(self) -> str:
        """The Web API base URL to give `AsyncWebClient(base_url=…)` (SLACK_API_URL)."""
        return f"{self.base_url}api/"

    @property
    def bot_url(self) -> str | None:
        """Where Slack POSTs events, commands and interactivity (the app's Request URL)."""
        return self.delivery.bot_url

    @bot_url.setter
    def bot_url(self, url: str | None) -> None:
        self.delivery.bot_url = url

    @property
    def bot_token(self) -> str:
        """The bot token (`xoxb-…`)."""
        return self.app.bot_token

    @property
    def app_token(self) -> str:
        """The app-level token for Socket Mode (`xapp-…`)."""
        return self.app.app_token

    @property
    def signing_secret(self) -> str:
        """The signing secret requests to the bot are signed with."""
        return self.app.signing_secret

    @property
    def app_id(self) -> str:
        """The app id (`A…`)."""
        return self.app.app_id

    @property
    def host(self) -> Org:
        """The workspace the app is installed in."""
        return self.app.host

    @property
    def bot(self) -> User:
        """Baton's bot user (`bot.id` is U…, `bot.bot_id` is B…)."""
        return self.app.bot

    @property
    def ack_timeout(self) -> float:
        """Seconds Slack waits for the bot's acknowledgement (3)."""
        return self.delivery.ack_timeout

    @ack_timeout.setter
    def ack_timeout(self, seconds: float) -> None:
        self.delivery.ack_timeout = seconds

    @property
    def echo_bot_messages(self) -> bool:
        """Whether the bot's own posts come back to it as `message` events (Slack does this)."""
        return self.world.echo_bot_messages

    @echo_bot_messages.setter
    def echo_bot_messages(self, on: bool) -> None:
        self.world.echo_bot_messages = on

    @property
    def subscribed_events(self) -> set[str] | None:
        """The app's event subscriptions (manifest `bot_events`); None delivers every event."""
        return self.bus.subscribed

    @subscribed_events.setter
    def subscribed_events(self, events: Iterable[str] | None) -> None:
        self.bus.subscribed = None if events is None else set(events)

    # -- records ----------------------------------------------------------------------------------

    @property
    def calls(self) -> list[CallRecord]:
        """Every Web API call, in order."""
        return self.webapi.calls

    def calls_to(self, method: str) -> list[CallRecord]:
        """The calls of one method."""
        return [c for c in self.webapi.calls if c.method == method]

    @property
    def deliveries(self) -> list[DeliveryRecord]:
        """Every request sent to the bot, with its answer."""
        return self.delivery.records

    @property
    def undelivered(self) -> list[dict[str, Any]]:
        """Event envelopes emitted while no bot was reachable."""
        return self.bus.undelivered

    def assert_no_violations(self) -> None:
        """Fail with every recorded violation of Slack's contract, one per line."""
        if self.violations:
            lines = "\n".join(f"  {v}" for v in self.violations)
            raise AssertionError(f"the bot broke Slack's contract {len(self.violations)} time(s):\n{lines}")

    # -- setup: organizations, people, channels ---------------------------------------------------

    def add_org(
        self,
        name: str,
        *,
        domain: str | None = None,
        email_domain: str | None = None,
        enterprise: bool | str = False,
        app_installed: bool = False,
    ) -> Org:
        """Add a guest organization reachable through Slack Connect (`enterprise`: on Enterprise Grid)."""
        domain = domain or _slug(name)
        enterprise_id = enterprise if isinstance(enterprise, str) else self.ids.new("E") if enterprise else None
        org = Org(
            team_id=self.ids.new("T"),
            name=name,
            domain=domain,
            email_domain=email_domain or f"{domain}.example",
            enterprise_id=enterprise_id,
            enterprise_name=name if enterprise_id else None,
            app_installed=app_installed,
        )
        self.state.orgs[org.team_id] = org
        return org

    def add_user(
        self, org: Org, name: str, *, real_name: str | None = None, email: str | None = None, tz: str = "UTC"
    ) -> Person:
        """Add a person to an organization."""
        user = User(
            id=self.ids.new("U"),
            org=org,
            name=name,
            real_name=real_name or name.replace(".", " ").title(),
            email=email or f"{name}@{org.email_domain}",
            tz=tz,
            updated=int(self.clock.now()),
        )
        self.state.users[user.id] = user
        return self.person(user.id)

    def person(self, user_id: str) -> Person:
        """The Person for a user id."""
        if user_id not in self._people:
            user = self.state.users.get(user_id)
            if user is None:
                raise NotFound(f"no user {user_id}")
            self._people[user_id] = Person(user, self.world, self.interactions)
        return self._people[user_id]

    def create_channel(
        self,
        name: str,
        *,
        members: Iterable[Person | User] = (),
        shared_with: Iterable[Org] = (),
        is_private: bool = False,
        with_bot: bool = True,
        hosted_by: Org | None = None,
        external_limited: bool = False,
        topic: str = "",
    ) -> Channel:
        """Set up an existing channel (no events): its members and the organizations it is shared with."""
        try:
            check_channel_name(name)
        except ApiError as exc:
            raise EmulatorError(f"invalid channel name {name!r}: {exc.code}") from exc
        if self.state.channel_by_name(name) is not None:
            raise EmulatorError(f"#{name} exists already")
        host_org = hosted_by or self.host
        connected = [o for o in shared_with if o is not host_org]
        if hosted_by is not None and hosted_by is not self.host and self.host not in connected:
            connected.append(self.host)
        now = int(self.clock.now())
        channel = Channel(
            id=self.ids.new("C"),
            name=name,
            host_org=host_org,
            created=now,
            creator=self.bot.id,
            is_private=is_private,
            connected=connected,
            limited_team_ids=[o.team_id for o in connected] if external_limited else [],
            updated=now * 1000,
        )
        if topic:
            channel.topic = {"value": topic, "creator": self.bot.id, "last_set": now}
        for member in members:
            user = member.user if isinstance(member, Person) else member
            if user.org is not host_org and user.org not in connected:
                raise EmulatorError(f"{user.name} ({user.org.name}) cannot be in #{name}: not shared with them")
            if user.id not in channel.members:
                channel.members.append(user.id)
        if with_bot:
            channel.members.append(self.bot.id)
        self.state.channels[channel.id] = channel
        return channel

    def channel(self, name_or_id: str) -> Channel:
        """A channel by id or name."""
        channel = self.state.channels.get(name_or_id) or self.state.channel_by_name(name_or_id)
        if channel is None:
            raise NotFound(f"no channel {name_or_id}")
        return channel

    def archive_channel(self, channel: Channel) -> None:
        """Archive a channel (posting to it then fails with `is_archived`)."""
        channel.is_archived = True

    def messages(self, channel: Channel) -> list[Message]:
        """Every message of a channel, replies and deleted ones included (what an admin export holds)."""
        return list(channel.messages)

    # -- Slack Connect invitations ----------------------------------------------------------------

    @property
    def invites(self) -> list[Invite]:
        """Every invitation sent with conversations.inviteShared."""
        return list(self.state.invites.values())

    async def accept_invite(self, invite: Invite | str, *, by: Person, approval_required: bool = True) -> None:
        """A guest accepts: accepted, approved (when approval is required), channel_shared, member_joined."""
        await slack_connect.accept(self.world, self._invite(invite), by.user, approval_required=approval_required)

    async def decline_invite(self, invite: Invite | str, *, by: Person) -> None:
        """A guest declines: `shared_channel_invite_declined`."""
        await slack_connect.decline(self.world, self._invite(invite), by.user)

    def _invite(self, invite: Invite | str) -> Invite:
        found = self.state.invites.get(invite) if isinstance(invite, str) else invite
        if found is None:
            raise NotFound(f"no invitation {invite}")
        return found

    # -- time and stress --------------------------------------------------------------------------

    def now(self) -> float:
        """The emulated time (epoch seconds)."""
        return self.clock.now()

    def advance(self, seconds: float) -> None:
        """Move the emulated clock forward (expire triggers, refill rate-limit windows)."""
        self.clock.advance(seconds)

    def enable_rate_limits(
        self, time_scale: float = 1.0, *, post_burst: int = 3, workspace_per_minute: int = 600
    ) -> None:
        """Apply Slack's tier limits (off by default); windows shrink by `time_scale`."""
        self.limiter.enable(time_scale, post_burst=post_burst, workspace_per_minute=workspace_per_minute)

    def disable_rate_limits(self) -> None:
        """Stop rate limiting."""
        self.limiter.disable()

    def fail_next(
        self,
        method: str,
        n: int = 1,
        *,
        status: int | None = None,
        error: str | None = None,
        delay: float = 0.0,
        reset: bool = False,
    ) -> None:
        """Make the next `n` calls of a method fail: HTTP `status` (500), Slack `error`, slow, or reset.

        `method` is a Web API method, or UPLOAD_FAULT / DOWNLOAD_FAULT for the file routes.
        """
        self.faults.fail_next(method, n, status=status, error=error, delay=delay, reset=reset)

    def outage(
        self, method: str | None = None, *, status: int = 503, error: str | None = None, reset: bool = False
    ) -> None:
        """Make a method (every method when None) fail until `recover()`: Slack is down."""
        self.faults.outage(method, status=status, error=error, reset=reset)

    def recover(self) -> None:
        """End every outage."""
        self.faults.recover()

    # -- the Slack side: raw requests and events --------------------------------------------------

    async def send_raw(
        self,
        body: bytes,
        content_type: str = "application/json",
        *,
        timestamp: str | int | None = None,
        signature: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, bytes]:
        """POST any body to the bot, signed (or forged/stale via `signature`/`timestamp`); (status, body)."""
        answer = await self.delivery.post(body, content_type, timestamp=timestamp, signature=signature, headers=headers)
        return answer.status, answer.body

    def sign(self, body: bytes, timestamp: str | int | None = None) -> dict[str, str]:
        """The X-Slack-Request-Timestamp and X-Slack-Signature headers Slack would send with this body."""
        return signed_headers(self.signing_secret, body, timestamp=timestamp)

    async def deliver_event(
        self,
        event: dict[str, Any],
        *,
        retries: int = 0,
        retry_reason: str = "http_timeout",
        channel: Channel | None = None,
    ) -> list[BotAnswer]:
        """Deliver a hand-made event (then `retries` duplicates with X-Slack-Retry-Num); the bot's answers."""
        future = self.bus.emit(
            event,
            is_ext_shared_channel=channel.is_ext_shared if channel is not None else False,
            channel_type=channel.channel_type if channel is not None else None,
            extra_retries=retries,
            reason=retry_reason,
        )
        return await future

    @property
    def socket_connected(self) -> bool:
        """Whether the bot holds a Socket Mode connection (deliveries then go through it)."""
        return self.sockets.active

    async def disconnect_sockets(self, reason: str = "refresh_requested") -> None:
        """Send Socket Mode clients a `disconnect`, as Slack does periodically; they reconnect."""
        await self.sockets.disconnect(reason)

    # -- waiting without sleeping -----------------------------------------------------------------

    async def wait_for(
        self,
        predicate: Callable[[], T | Awaitable[T]],
        timeout: float = 5.0,
        *,
        interval: float = 0.01,
        message: str = "",
    ) -> T:
        """Poll `predicate` until it returns something truthy (returned); TimeoutError after `timeout`."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if inspect.isawaitable(value):
                value = await value
            if value:
                return value
            if time.monotonic() >= deadline:
                recent = ", ".join(f"{c.method}:{'ok' if c.ok else c.error}" for c in self.calls[-8:])
                problems = "; ".join(str(v) for v in self.violations[-3:])
                raise TimeoutError(
                    f"condition not met within {timeout}s {message}".rstrip()
                    + f" (recent calls: {recent or 'none'}; violations: {problems or 'none'})"
                )
            await asyncio.sleep(interval)

    async def idle(self, quiet: float = 0.05, timeout: float = 10.0) -> None:
        """Wait until no event is pending and the bot has made no Web API call for `quiet` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            last = max(self.webapi.last_call_at, self.responses.last_request_at, self._files.last_request_at)
            if self.bus.idle and time.monotonic() - last >= quiet:
                return
            if time.monotonic() >= deadline:
                raise TimeoutError(f"Slack traffic did not settle within {timeout}s")
            await asyncio.sleep(min(quiet / 2, 0.01))
