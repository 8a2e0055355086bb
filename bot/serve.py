"""`baton serve`: HTTP (or Socket Mode) with graceful shutdown on SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from aiohttp import web

from bot.app import Baton, build_baton
from bot.migrate import upgrade
from bot.settings import Settings
from scheduler import Scheduler

__all__ = ["serve"]

log = logging.getLogger(__name__)


async def serve(
    settings: Settings,
    *,
    host: str = "0.0.0.0",
    with_scheduler: bool = True,
    stop: asyncio.Event | None = None,
) -> None:
    """Migrate, then serve until SIGTERM or SIGINT (or `stop` is set); in-flight work finishes first."""
    baton = build_baton(settings)
    await upgrade(baton.deps.engine)
    if stop is None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)

    await baton.start_workers()
    scheduler = None
    if with_scheduler:
        deps = baton.deps
        scheduler = Scheduler(
            deps.sessions,
            default_timezone=settings.BATON_TIMEZONE,
            on_recorded=lambda _report: deps.outbox.wake(),
            after_run=baton.pickup.run if baton.pickup is not None else None,
        )
        scheduler.start()
    runner = web.AppRunner(baton.web, shutdown_timeout=20.0, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, settings.PORT)
    await site.start()
    socket_handler = None
    if settings.SLACK_APP_TOKEN is not None:
        socket_handler = await _start_socket_mode(baton, settings.SLACK_APP_TOKEN.get_secret_value())
        log.info("Baton serving Slack in Socket Mode; health and metrics on port %d", settings.PORT)
    else:
        log.info("Baton serving Slack on http://%s:%d/slack/events", host, settings.PORT)
    try:
        await stop.wait()
    finally:
        log.info("shutting down: finishing in-flight requests")
        if socket_handler is not None:
            await socket_handler.close_async()
        await runner.cleanup()  # stops accepting, waits for in-flight requests
        if scheduler is not None:
            await scheduler.stop()
        await baton.close()
        log.info("stopped")


async def _start_socket_mode(baton: Baton, app_token: str):  # type: ignore[no-untyped-def]
    from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

    handler = AsyncSocketModeHandler(baton.bolt, app_token)
    await handler.connect_async()  # type: ignore[no-untyped-call]
    return handler
