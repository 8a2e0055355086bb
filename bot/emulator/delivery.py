"""Getting requests to the bot as Slack does: signed HTTP POSTs or Socket Mode envelopes, and event retries.

Interactive requests (commands, clicks, submissions) are sent at once and their answer returned; events go
through one queue, in order, with Slack's retries when the bot does not answer 2xx in time.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import aiohttp

from .errors import EmulatorError, Violation
from .payloads import event_envelope, form_body, interactive_body
from .signing import signed_headers
from .socket_mode import SocketHub
from .state import IdMaker, Installation

__all__ = ["BotAnswer", "Delivery", "DeliveryRecord", "EventBus", "Kind"]

Kind = Literal["events_api", "slash_commands", "interactive"]

_USER_AGENT = "Slackbot 1.0 (+https://api.slack.com/robots)"
# Slack retries an event up to three times when the app does not answer 2xx within 3 seconds.
EVENT_RETRIES = 3


@dataclass(frozen=True)
class BotAnswer:
    """The bot's answer to one request: HTTP status (200 for a socket ack), body, or why none came."""

    status: int  # 0 when no answer arrived (timeout, refused connection)
    body: bytes = b""
    content_type: str = ""
    elapsed: float = 0.0
    error: str | None = None
    via: Literal["http", "socket"] = "http"

    @property
    def ok(self) -> bool:
        """Whether Slack counts this as acknowledged (2xx in time)."""
        return 200 <= self.status < 300

    @property
    def text(self) -> str:
        """The body as text."""
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        """The body parsed as JSON, or None when it is not JSON."""
        try:
            return json.loads(self.body) if self.body else None
        except ValueError:
            return None

    def message(self) -> dict[str, Any] | None:
        """The body as Slack reads an ack: a JSON object, plain text as `{"text": …}`, or None when empty."""
        if not self.body.strip():
            return None
        data = self.json()
        if isinstance(data, dict):
            return data
        return {"text": self.text}


@dataclass
class DeliveryRecord:
    """One request sent to the bot (kept in `emu.deliveries` for assertions)."""

    kind: Kind
    name: str  # command, payload type or event type
    answer: BotAnswer
    retry_num: int = 0
    event_id: str | None = None


class Delivery:
    """Sends requests to the bot: through Socket Mode when a socket is open, else signed HTTP to `bot_url`."""

    def __init__(self, app: Installation, sockets: SocketHub, *, ack_timeout: float = 3.0) -> None:
        self.app = app
        self.sockets = sockets
        self.ack_timeout = ack_timeout
        self.bot_url: str | None = None
        self.records: list[DeliveryRecord] = []
        self._session: aiohttp.ClientSession | None = None

    @property
    def reachable(self) -> bool:
        """Whether there is somewhere to deliver to."""
        return self.sockets.active or self.bot_url is not None

    async def close(self) -> None:
        """Close the HTTP client session."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        return self._session

    async def send(
        self,
        kind: Kind,
        payload: dict[str, Any],
        *,
        name: str,
        retry_num: int = 0,
        retry_reason: str = "",
        event_id: str | None = None,
    ) -> BotAnswer:
        """Deliver one request and return the bot's answer."""
        if self.sockets.active:
            answer = await self._send_socket(kind, payload, retry_num=retry_num, retry_reason=retry_reason)
        elif self.bot_url is not None:
            body, content_type = _encode(kind, payload)
            headers = {}
            if kind == "events_api" and retry_num:
                headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": retry_reason}
            answer = await self.post(body, content_type, headers=headers)
        else:
            raise EmulatorError("no bot to deliver to: set emu.bot_url or open a Socket Mode connection")
        self.records.append(DeliveryRecord(kind, name, answer, retry_num, event_id))
        return answer

    async def _send_socket(
        self, kind: Kind, payload: dict[str, Any], *, retry_num: int, retry_reason: str
    ) -> BotAnswer:
        started = time.monotonic()
        # Slack expects an answer payload only where it uses one (command replies, view_submission actions).
        accepts = kind == "slash_commands" or payload.get("type") in ("view_submission", "block_suggestion")
        ack = await self.sockets.request(
            kind,
            payload,
            accepts_response_payload=accepts,
            ack_within=self.ack_timeout,
            retry_attempt=retry_num if kind == "events_api" else None,
            retry_reason=retry_reason if kind == "events_api" else None,
        )
        elapsed = time.monotonic() - started
        if ack is None:
            return BotAnswer(status=0, elapsed=elapsed, error="timeout", via="socket")
        body = json.dumps(ack.payload).encode() if ack.payload is not None else b""
        return BotAnswer(200, body, "application/json" if body else "", elapsed, via="socket")

    async def post(
        self,
        body: bytes,
        content_type: str,
        *,
        timestamp: str | int | None = None,
        signature: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> BotAnswer:
        """POST a signed body to `bot_url` (forged when `timestamp`/`signature` are given)."""
        if self.bot_url is None:
            raise EmulatorError("emu.bot_url is not set")
        sent = {
            "Content-Type": content_type,
            "User-Agent": _USER_AGENT,
            **signed_headers(self.app.signing_secret, body, timestamp=timestamp, signature=signature),
            **(headers or {}),
        }
        started = time.monotonic()
        try:
            async with self._client().post(
                self.bot_url,
                data=body,
                headers=sent,
                timeout=aiohttp.ClientTimeout(total=self.ack_timeout),
                allow_redirects=False,
            ) as response:
                data = await response.read()
                return BotAnswer(response.status, data, response.content_type, time.monotonic() - started)
        except TimeoutError:
            return BotAnswer(0, elapsed=time.monotonic() - started, error="timeout")
        except aiohttp.ClientError as exc:
            return BotAnswer(0, elapsed=time.monotonic() - started, error=f"connection_failed: {exc}")


def _encode(kind: Kind, payload: dict[str, Any]) -> tuple[bytes, str]:
    if kind == "events_api":
        return json.dumps(payload).encode(), "application/json"
    if kind == "slash_commands":
        return form_body(payload), "application/x-www-form-urlencoded"
    return interactive_body(payload), "application/x-www-form-urlencoded"


@dataclass
class _Queued:
    envelope: dict[str, Any]
    extra_retries: int
    reason: str
    done: asyncio.Future[list[BotAnswer]] = field(repr=False)


def _subscription_names(event: dict[str, Any], channel_type: str | None) -> set[str]:
    kind = str(event.get("type"))
    if kind != "message":
        return {kind}
    suffix = {"channel": "channels", "group": "groups", "im": "im", "mpim": "mpim"}.get(channel_type or "", "")
    return {"message", f"message.{suffix}"}


class EventBus:
    """The Events API side: envelopes queued in order, delivered one at a time, retried like Slack."""

    def __init__(
        self,
        delivery: Delivery,
        ids: IdMaker,
        *,
        now: Callable[[], float],
        subscribed: Iterable[str] | None = None,
        violations: list[Violation],
    ) -> None:
        self.delivery = delivery
        self._ids = ids
        self._now = now
        self.subscribed = None if subscribed is None else set(subscribed)
        self._violations = violations
        self.undelivered: list[dict[str, Any]] = []  # envelopes emitted while no bot was reachable
        self._queue: asyncio.Queue[_Queued] = asyncio.Queue()
        self._worker: asyncio.Task[None] | None = None
        self._busy = False

    def start(self) -> None:
        """Start the delivery worker."""
        if self._worker is None:
            self._worker = asyncio.get_running_loop().create_task(self._run(), name="slack-emulator-events")

    async def stop(self) -> None:
        """Stop the worker; envelopes still queued are dropped."""
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
            self._worker = None
        while not self._queue.empty():
            self._queue.get_nowait().done.cancel()

    def wants(self, event: dict[str, Any], channel_type: str | None = None) -> bool:
        """Whether the app subscribes to this event (all events when no subscription list was given)."""
        if self.subscribed is None:
            return True
        return bool(_subscription_names(event, channel_type) & self.subscribed)

    def envelope(self, event: dict[str, Any], *, is_ext_shared_channel: bool) -> dict[str, Any]:
        """Wrap an event in the envelope Slack sends it in."""
        now = self._now()
        event.setdefault("event_ts", f"{now:.6f}")
        return event_envelope(
            self.delivery.app,
            event,
            event_id="Ev" + self._ids.new("", 10),
            event_time=int(now),
            is_ext_shared_channel=is_ext_shared_channel,
            event_context="4-" + self._ids.token(40),
        )

    def emit(
        self,
        event: dict[str, Any],
        *,
        is_ext_shared_channel: bool = False,
        channel_type: str | None = None,
        extra_retries: int = 0,
        reason: str = "http_timeout",
    ) -> asyncio.Future[list[BotAnswer]]:
        """Queue an event for delivery; the future resolves with every answer the bot gave to it."""
        future: asyncio.Future[list[BotAnswer]] = asyncio.get_running_loop().create_future()
        if not self.wants(event, channel_type):
            future.set_result([])
            return future
        envelope = self.envelope(event, is_ext_shared_channel=is_ext_shared_channel)
        self._queue.put_nowait(_Queued(envelope, extra_retries, reason, future))
        return future

    @property
    def idle(self) -> bool:
        """Whether no event is queued or being delivered."""
        return self._queue.empty() and not self._busy

    async def _run(self) -> None:
        while True:
            item = await self._queue.get()
            self._busy = True
            try:
                answers = await self._deliver(item)
                if not item.done.done():
                    item.done.set_result(answers)
            except Exception as exc:  # keep the worker alive; the waiting person sees the error
                if not item.done.done():
                    item.done.set_exception(exc)
            finally:
                self._busy = False
                self._queue.task_done()

    async def _deliver(self, item: _Queued) -> list[BotAnswer]:
        envelope = item.envelope
        event_type = str(envelope["event"].get("type"))
        if not self.delivery.reachable:
            self.undelivered.append(envelope)
            return []
        answers: list[BotAnswer] = []
        attempt = 0
        reason = ""
        while True:
            answer = await self.delivery.send(
                "events_api",
                envelope,
                name=event_type,
                retry_num=attempt,
                retry_reason=reason,
                event_id=envelope["event_id"],
            )
            answers.append(answer)
            if answer.ok or attempt >= EVENT_RETRIES:
                break
            attempt += 1
            reason = "http_timeout" if answer.error == "timeout" else "http_error"
            if answer.error and answer.error.startswith("connection_failed"):
                reason = "connection_failed"
        if not answers[-1].ok:
            statuses = ", ".join(a.error or f"HTTP {a.status}" for a in answers)
            self._violations.append(
                Violation(
                    "event_not_acknowledged",
                    f"{event_type} event {envelope['event_id']} was never acknowledged ({statuses}); "
                    "Slack retries it and eventually disables the app's event subscriptions",
                )
            )
            return answers
        # Slack also retries events whose ack it did not see in time: the same envelope again.
        for extra in range(1, item.extra_retries + 1):
            answers.append(
                await self.delivery.send(
                    "events_api",
                    envelope,
                    name=event_type,
                    retry_num=attempt + extra,
                    retry_reason=item.reason,
                    event_id=envelope["event_id"],
                )
            )
        return answers
