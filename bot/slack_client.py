"""The Web API client Baton uses everywhere: SLACK_API_URL, retry handlers, metrics per call."""

from __future__ import annotations

import asyncio
import random
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.metrics import Metrics

__all__ = ["BatonWebClient", "RateLimitGate", "RetryAfterHandler", "build_web_client", "retry_after_seconds"]

# Waiting longer than this inside one call would hold an outbox slot for too long; the outbox
# reschedules the entry itself after a 429 that outlasts the client's retries.
MAX_IN_CALL_WAIT = 30.0


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
    """Per Web API method, the moment Slack said to come back after a 429.

    Slack's limits are per method and workspace: once one call is told to wait, every other call to
    that method waits too instead of spending a request on another 429.
    """

    def __init__(self) -> None:
        self._until: dict[str, float] = {}

    def hold(self, method: str, seconds: float) -> None:
        loop = asyncio.get_running_loop()
        self._until[method] = max(self._until.get(method, 0.0), loop.time() + seconds)

    async def wait(self, method: str) -> None:
        loop = asyncio.get_running_loop()
        # A loop, not an Event: another 429 may push the moment further while we sleep.
        while (remaining := self._until.get(method, 0.0) - loop.time()) > 0:  # noqa: ASYNC110
            # Spread the waiters a little so they do not all arrive in the same instant.
            await asyncio.sleep(remaining * (1 + random.random() / 10))


def _method_of(request: HttpRequest) -> str:
    return request.url.rstrip("/").rsplit("/", 1)[-1]


class RetryAfterHandler(AsyncRateLimitErrorRetryHandler):
    """Retries a 429 after exactly Retry-After (+ up to 10 % jitter), not slack_sdk's whole-second + 1 s.

    slack_sdk's handler truncates the header to an int and adds up to a second of jitter, which doubles
    short waits; the emulator's time-scaled limits send decimals, real Slack whole seconds. The wait is
    also held on the method's gate, so concurrent calls to that method wait with this one.
    """

    def __init__(self, gate: RateLimitGate, max_retry_count: int = 3) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.gate = gate

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None or response.status_code != 429:
            return False
        return retry_after_seconds(response.headers) <= MAX_IN_CALL_WAIT

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        method = _method_of(request)
        self.gate.hold(method, retry_after_seconds(response.headers if response is not None else {}))
        state.next_attempt_requested = True
        await self.gate.wait(method)
        state.increment_current_attempt()


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
        await self.gate.wait(api_method)
        self._keep_connections()
        try:
            response = await super().api_call(api_method, **kwargs)
        except SlackApiError as e:
            self._count(api_method, str(e.response.get("error") or e.response.status_code))
            raise
        except Exception as e:
            self._count(api_method, type(e).__name__)
            raise
        self._count(api_method, "ok")
        return response

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


def retry_handlers(gate: RateLimitGate, rate_limit_retries: int = 3) -> list[AsyncRetryHandler]:
    """Connection resets, 5xx and 429s are retried inside the call; the outbox retries beyond that."""
    return [
        AsyncConnectionErrorRetryHandler(max_retry_count=2),
        AsyncServerErrorRetryHandler(max_retry_count=1),
        RetryAfterHandler(gate, max_retry_count=rate_limit_retries),
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
        retry_handlers=retry_handlers(gate),
        metrics=metrics,
        gate=gate,
    )
