"""Socket Mode: apps.connections.open URLs, the WebSocket Slack pushes envelopes through, and the acks.

What slack_sdk's aiohttp SocketModeClient expects: a `hello` message first; envelopes
`{envelope_id, type, payload, accepts_response_payload[, retry_attempt, retry_reason]}`; acks
`{envelope_id[, payload]}` back; WebSocket ping/pong (aiohttp answers pings); `disconnect` before Slack
closes a connection, upon which the client asks for a new URL.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass
from typing import Any

from aiohttp import WSMsgType, web

from .state import IdMaker, Installation

__all__ = ["SocketAck", "SocketHub"]


@dataclass(frozen=True)
class SocketAck:
    """The bot's acknowledgement of one envelope (None payload: a bare ack)."""

    payload: dict[str, Any] | None


class SocketHub:
    """The open Socket Mode connections and the envelopes waiting for their acks."""

    def __init__(self, app: Installation, ids: IdMaker) -> None:
        self._app = app
        self._ids = ids
        self._tickets: set[str] = set()
        self._connections: list[web.WebSocketResponse] = []
        self._pending: dict[str, asyncio.Future[SocketAck]] = {}
        self.opened = 0  # connections ever accepted, for tests of reconnection

    @property
    def active(self) -> bool:
        """Whether the bot holds at least one open connection (then Slack delivers through it, not HTTP)."""
        return any(not ws.closed for ws in self._connections)

    def issue_url(self, ws_base: str) -> str:
        """A single-use WebSocket URL for apps.connections.open."""
        ticket = self._ids.hex(32)
        self._tickets.add(ticket)
        return f"{ws_base}link/?ticket={ticket}&app_id={self._app.app_id}"

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Serve one Socket Mode connection until either side closes it."""
        ticket = request.query.get("ticket", "")
        if ticket not in self._tickets:
            # Slack refuses reused or invented URLs; the client then asks apps.connections.open again.
            return web.Response(status=401, text="invalid ticket")
        self._tickets.discard(ticket)
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self._connections.append(ws)
        self.opened += 1
        hello = {
            "type": "hello",
            "num_connections": len([c for c in self._connections if not c.closed]),
            "debug_info": {
                "host": "applink-emulator",
                "build_number": 1,
                "approximate_connection_time": 18060,
            },
            "connection_info": {"app_id": self._app.app_id},
        }
        await ws.send_str(json.dumps(hello))
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    self._on_ack(msg.data)
                elif msg.type == WSMsgType.ERROR:
                    break
        finally:
            with contextlib.suppress(ValueError):
                self._connections.remove(ws)
        return ws

    def _on_ack(self, raw: str) -> None:
        try:
            data = json.loads(raw)
        except json.JSONDecodeError:
            return
        if not isinstance(data, dict):
            return
        future = self._pending.pop(str(data.get("envelope_id")), None)
        if future is not None and not future.done():
            payload = data.get("payload")
            future.set_result(SocketAck(payload if isinstance(payload, dict) else None))

    async def request(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        accepts_response_payload: bool,
        ack_within: float,
        retry_attempt: int | None = None,
        retry_reason: str | None = None,
    ) -> SocketAck | None:
        """Push one envelope through the newest open connection; return its ack, or None on timeout."""
        ws = next((c for c in reversed(self._connections) if not c.closed), None)
        if ws is None:
            return None
        envelope_id = f"{self._ids.hex(8)}-{self._ids.hex(4)}-{self._ids.hex(4)}-{self._ids.hex(12)}"
        envelope: dict[str, Any] = {
            "envelope_id": envelope_id,
            "payload": payload,
            "type": kind,
            "accepts_response_payload": accepts_response_payload,
        }
        if retry_attempt is not None:
            envelope["retry_attempt"] = retry_attempt
            envelope["retry_reason"] = retry_reason or ""
        future: asyncio.Future[SocketAck] = asyncio.get_running_loop().create_future()
        self._pending[envelope_id] = future
        try:
            await ws.send_str(json.dumps(envelope))
            return await asyncio.wait_for(future, ack_within)
        except (TimeoutError, ConnectionError):
            return None
        finally:
            self._pending.pop(envelope_id, None)

    async def disconnect(self, reason: str = "refresh_requested") -> None:
        """Tell every client to reconnect (`disconnect`), as Slack does every few hours.

        The client opens a new connection and closes the old one itself, as it does with Slack (which
        closes the old one only some seconds later).
        """
        for ws in list(self._connections):
            if not ws.closed:
                with contextlib.suppress(ConnectionError):
                    await ws.send_str(json.dumps({"type": "disconnect", "reason": reason}))

    async def close(self) -> None:
        """Close every connection (emulator shutdown)."""
        for ws in list(self._connections):
            await ws.close()
        for future in self._pending.values():
            future.cancel()
        self._pending.clear()
