"""Microsoft 365 on /healthz: the token provider's last outcome, asked for once at start in the background;
a refusal is a visible status, never a failed health check (503 is the database's alone)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bot.app import Baton, build_baton
from bot.graph.fakes import FakeMicrosoft365
from bot.migrate import upgrade
from bot.settings import Settings
from tests.foundation.test_settings_cli import run_baton

Serve = Callable[[Settings], Any]


@pytest.fixture
async def serve_baton() -> AsyncIterator[Serve]:
    """Serve Baton's web app on loopback, its workers started as `baton serve` starts them."""
    running: list[tuple[web.AppRunner, Baton]] = []

    async def start(settings: Settings) -> tuple[str, Baton]:
        baton = build_baton(settings)
        await upgrade(baton.deps.engine)
        await baton.start_workers()
        runner = web.AppRunner(baton.web)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        running.append((runner, baton))
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return f"http://127.0.0.1:{port}", baton

    yield start
    for runner, baton in running:
        await runner.cleanup()
        await baton.close()


async def healthz(url: str) -> tuple[int, dict[str, Any]]:
    async with aiohttp.ClientSession() as http, http.get(f"{url}/healthz") as response:
        return response.status, await response.json()


async def test_a_refused_client_secret_shows_on_healthz_which_stays_200(
    serve_baton: Serve, settings_for: Callable[..., Settings], m365: FakeMicrosoft365
) -> None:
    env = m365.settings_env(client_secret="not-the-secret")
    url, baton = await serve_baton(settings_for(SLACK_SIGNING_SECRET="s", SLACK_BOT_TOKEN="xoxb-1", **env))
    await baton.deps.tasks.drain()  # the check at start, in the background

    status, body = await healthz(url)

    assert status == 200 and body["status"] == "ok" and body["database"]["reachable"] is True
    ms = body["microsoft365"]
    assert ms["configured"] is True and ms["ok"] is False and ms["checked_at"]
    assert ms["detail"] == "Microsoft 365: not authorised — invalid_client"
    assert m365.token_requests == 1
    await healthz(url)
    assert m365.token_requests == 1, "a health check asks the identity provider nothing"


async def test_a_working_app_is_connected_and_concurrent_callers_share_one_token(
    serve_baton: Serve, settings_for: Callable[..., Settings], m365: FakeMicrosoft365
) -> None:
    url, baton = await serve_baton(
        settings_for(SLACK_SIGNING_SECRET="s", SLACK_BOT_TOKEN="xoxb-1", **m365.settings_env())
    )
    tokens = baton.deps.microsoft_tokens
    assert tokens is not None and baton.deps.graph is not None

    # The check at start and five callers at once: one token request between them.
    issued = await asyncio.gather(*(tokens.access_token() for _ in range(5)))
    await baton.deps.tasks.drain()
    assert len(set(issued)) == 1 and m365.token_requests == 1

    status, body = await healthz(url)
    assert status == 200
    assert body["microsoft365"]["ok"] is True and body["microsoft365"]["detail"] == "Microsoft 365: connected"

    m365.add_site("contoso.sharepoint.com", "/sites/Finance")
    site = await baton.deps.graph.resolve_site("https://contoso.sharepoint.com/sites/Finance")
    assert site.id and m365.token_requests == 1, "Graph calls use the cached token"


async def test_without_microsoft_settings_healthz_has_no_microsoft_key(
    serve_baton: Serve, settings_for: Callable[..., Settings]
) -> None:
    url, baton = await serve_baton(settings_for(SLACK_SIGNING_SECRET="s", SLACK_BOT_TOKEN="xoxb-1"))
    status, body = await healthz(url)
    assert status == 200 and "microsoft365" not in body
    assert baton.deps.microsoft_tokens is None and baton.deps.graph is None and baton.pickup is None


def test_serve_with_an_unusable_client_certificate_exits_2_naming_it(tmp_path: Path) -> None:
    pem = tmp_path / "baton.pem"
    pem.write_text("not a certificate\n")
    env = {
        "SLACK_BOT_TOKEN": "xoxb-1-2-3",
        "SLACK_SIGNING_SECRET": "s",
        "MS_TENANT_ID": "contoso",
        "MS_CLIENT_ID": "baton-app",
        "MS_CLIENT_CERT_PATH": str(pem),
    }
    result = run_baton("serve", env=env, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "MS_CLIENT_CERT_PATH" in lines[0] and "Traceback" not in result.stderr
