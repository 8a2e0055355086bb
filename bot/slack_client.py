"""The Web API client Baton uses everywhere: SLACK_API_URL, retries, rate limits per method, metrics per call."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.metrics import Metrics

__all__ = ["BatonWebClient", "RateLimitGate", "build_web_client", "retry_after_seconds"]

# Waiting longer than this inside one call would hold an outbox slot for too long; the outbox
# reschedules the entry itself after a 429 that outlasts the client's retries.
MAX_IN_CALL_WAIT = 30.0
RATE_LIMIT_RETRIES = 3


def retry_after_seconds(headers: dict[str, Any] | Any, default: float = 1.0) -> float:
    """Retry-After in seconds from a response's headers (Slack sends whole seconds; decimals accepted)."""
    for key in headers:
        if str(key).lower() == "retry-after":
            raw = headers[key]
            value = raw[0] if isinstance(raw, list | tuple) else raw
            try:
                return max(0.0, float(value))
            except (TypeError, ValueError):
                return default
    return default


class RateLimitGate:
    """Per Web API method: the moment Slack said to come back after a 429, and one call at a time until then.

    Slack's limits are per method and workspace. Once a call is told to wait, the method's other calls
    wait too, and then go one by one until one is answered without a 429; a whole queue of callers
    waking at once would only draw the next round of 429s.
    """

    def __init__(self) -> None:
        self._until: dict[str, float] = {}
        self._one_at_a_time: dict[str, asyncio.Lock] = {}

    def hold(self, method: str, seconds: float) -> None:
        """Slack answered 429 with Retry-After `seconds`: the method is limited until then."""
        loop = asyncio.get_running_loop()
        self._until[method] = max(self._until.get(method, 0.0), loop.time() + seconds)

    @contextlib.asynccontextmanager
    async def turn(self, method: str) -> AsyncIterator[None]:
        """Make one call of `method`: at once when it is not limited; else in line, after its Retry-After."""
        if method not in self._until:
            yield
            return
        loop = asyncio.get_running_loop()
        async with self._one_at_a_time.setdefault(method, asyncio.Lock()):
            # A loop, not an Event: a 429 answered meanwhile may push the moment further.
            while (remaining := self._until.get(method, 0.0) - loop.time()) > 0:  # noqa: ASYNC110
                await asyncio.sleep(remaining)
            yield
            if self._until.get(method, 0.0) <= loop.time():
                self._until.pop(method, None)  # answered without a new 429: calls go in parallel again


class BatonWebClient(AsyncWebClient):
    """AsyncWebClient that waits out a method's rate limit first and counts every call by method and outcome."""

    def __init__(
        self, *args: Any, metrics: Metrics | None = None, gate: RateLimitGate | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.metrics = metrics
        self.gate = gate or RateLimitGate()
        self._session_loop: asyncio.AbstractEventLoop | None = None

    async def api_call(self, api_method: str, **kwargs: Any) -> AsyncSlackResponse:
        self._keep_connections()
        for attempt in range(1, RATE_LIMIT_RETRIES + 2):
            async with self.gate.turn(api_method):
                try:
                    response = await super().api_call(api_method, **kwargs)
                except SlackApiError as e:
                    self._count(api_method, str(e.response.get("error") or e.response.status_code))
                    if e.response.status_code != 429:
                        raise
                    wait = retry_after_seconds(e.response.headers)
                    self.gate.hold(api_method, wait)
                    if attempt > RATE_LIMIT_RETRIES or wait > MAX_IN_CALL_WAIT:
                        raise  # the outbox reschedules the entry for after Retry-After
                    continue
                except Exception as e:
                    self._count(api_method, type(e).__name__)
                    raise
            self._count(api_method, "ok")
            return response
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _keep_connections(self) -> None:
        # One connection pool for every call of this event loop: slack_sdk's default, a new aiohttp
        # session per call, pays a TCP and TLS handshake to Slack every time.
        loop = asyncio.get_running_loop()
        if self.session is None or self.session.closed or self._session_loop is not loop:
            self.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))
            self._session_loop = loop

    async def aclose(self) -> None:
        """Close the connection pool (the client opens a new one if it is used again)."""
        if self.session is not None and not self.session.closed:
            await self.session.close()

    def _count(self, method: str, outcome: str) -> None:
        if self.metrics is not None:
            self.metrics.slack_calls.labels(method=method, outcome=outcome).inc()


def retry_handlers() -> list[AsyncRetryHandler]:
    """Connection resets and 5xx are retried inside the call (429s by BatonWebClient, through its gate)."""
    return [
        AsyncConnectionErrorRetryHandler(max_retry_count=2),
        AsyncServerErrorRetryHandler(max_retry_count=1),
    ]


def build_web_client(
    token: str | None, base_url: str, *, metrics: Metrics | None = None, timeout: int = 30
) -> BatonWebClient:
    """The client for SLACK_API_URL with Baton's retry handlers and one rate-limit gate for all its calls."""
    gate = RateLimitGate()
    return BatonWebClient(
        token=token,
        base_url=base_url,
        timeout=timeout,
        retry_handlers=retry_handlers(),
        metrics=metrics,
        gate=gate,
    )
