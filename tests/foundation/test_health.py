"""GET /healthz and GET /metrics over real HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import aiohttp
import pytest
from aiohttp import web

from bot.app import Baton, build_baton
from bot.settings import Settings


@pytest.fixture
async def serve_baton() -> AsyncIterator[Callable[[Settings], object]]:
    runners: list[tuple[web.AppRunner, Baton]] = []

    async def start(settings: Settings) -> str:
        baton = build_baton(settings)
        runner = web.AppRunner(baton.web)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        runners.append((runner, baton))
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return f"http://127.0.0.1:{port}"

    yield start
    for runner, baton in runners:
        await runner.cleanup()
        await baton.close()


async def test_healthz_reports_a_reachable_database(serve_baton, settings_for) -> None:  # type: ignore[no-untyped-def]
    settings = settings_for(SLACK_SIGNING_SECRET="s", SLACK_BOT_TOKEN="xoxb-1")
    url = await serve_baton(settings)
    async with aiohttp.ClientSession() as http, http.get(f"{url}/healthz") as response:
        body = await response.json()
    assert response.status == 200
    assert body["status"] == "ok" and body["database"]["reachable"] is True and body["version"]


async def test_healthz_is_503_when_the_database_cannot_be_reached(serve_baton) -> None:  # type: ignore[no-untyped-def]
    from bot.settings import load_settings

    settings = load_settings(
        {
            "DATABASE_URL": "postgresql+asyncpg://nobody:pw@127.0.0.1:1/none",
            "SLACK_SIGNING_SECRET": "s",
            "SLACK_BOT_TOKEN": "xoxb-1",
        }
    )
    url = await serve_baton(settings)
    async with aiohttp.ClientSession() as http, http.get(f"{url}/healthz") as response:
        body = await response.json()
    assert response.status == 503
    assert body["database"]["reachable"] is False
    assert "nobody" not in body["database"]["detail"] or "pw" not in body["database"]["detail"]


async def test_metrics_serve_prometheus_text(serve_baton, settings_for) -> None:  # type: ignore[no-untyped-def]
    url = await serve_baton(settings_for(SLACK_SIGNING_SECRET="s", SLACK_BOT_TOKEN="xoxb-1"))
    async with aiohttp.ClientSession() as http, http.get(f"{url}/metrics") as response:
        text = await response.text()
    assert response.status == 200 and response.content_type == "text/plain"
    assert "# TYPE baton_ack_latency_seconds histogram" in text
    assert "# TYPE baton_slack_api_calls_total counter" in text
