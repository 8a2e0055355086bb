"""The Web API client Baton uses everywhere: SLACK_API_URL, retry handlers, metrics per call."""

from __future__ import annotations

import asyncio
import random
from typing import Any

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

__all__ = ["BatonWebClient", "RetryAfterHandler", "build_web_client", "retry_after_seconds"]

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


class RetryAfterHandler(AsyncRateLimitErrorRetryHandler):
    """Retries a 429 after exactly Retry-After (+ up to 10 % jitter), not slack_sdk's whole-second + 1 s.

    slack_sdk's handler truncates the header to an int and adds up to a second of jitter, which doubles
    short waits; the emulator's time-scaled limits send decimals, real Slack whole seconds.
    """

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
        wait = retry_after_seconds(response.headers if response is not None else {})
        state.next_attempt_requested = True
        await asyncio.sleep(wait * (1 + random.random() / 10))
        state.increment_current_attempt()


class BatonWebClient(AsyncWebClient):
    """AsyncWebClient that counts every call by method and outcome."""

    def __init__(self, *args: Any, metrics: Metrics | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.metrics = metrics

    async def api_call(self, api_method: str, **kwargs: Any) -> AsyncSlackResponse:
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

    def _count(self, method: str, outcome: str) -> None:
        if self.metrics is not None:
            self.metrics.slack_calls.labels(method=method, outcome=outcome).inc()


def retry_handlers(rate_limit_retries: int = 3) -> list[AsyncRetryHandler]:
    """Connection resets, 5xx and 429s are retried inside the call; the outbox retries beyond that."""
    return [
        AsyncConnectionErrorRetryHandler(max_retry_count=2),
        AsyncServerErrorRetryHandler(max_retry_count=1),
        RetryAfterHandler(max_retry_count=rate_limit_retries),
    ]


def build_web_client(
    token: str | None, base_url: str, *, metrics: Metrics | None = None, timeout: int = 30
) -> BatonWebClient:
    """The client for SLACK_API_URL with Baton's retry handlers."""
    return BatonWebClient(
        token=token,
        base_url=base_url,
        timeout=timeout,
        retry_handlers=retry_handlers(),
        metrics=metrics,
    )
