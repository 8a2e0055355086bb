"""Baton running on loopback against the Slack emulator, on a fresh SQLite database in the demo's folder."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from bot.app import Baton, build_baton
from bot.emulator import SlackEmulator
from bot.migrate import upgrade
from bot.outbox import RetryPolicy
from bot.settings import Settings, load_settings

__all__ = ["Stage", "demo_settings", "open_stage"]

# The emulator never fails unless told to; quick retries only shorten a hiccup's wait.
_RETRY_POLICY = RetryPolicy(base=0.05, cap=0.5, lease=30.0)


def demo_settings(data_dir: Path, emu: SlackEmulator, *, timezone: str) -> Settings:
    """Settings built from scratch: nothing is read from the environment (any SLACK_* there is ignored)."""
    data_dir = data_dir.resolve()
    return load_settings(
        {
            "SLACK_BOT_TOKEN": emu.bot_token,
            "SLACK_SIGNING_SECRET": emu.signing_secret,
            "SLACK_API_URL": emu.api_url,
            "BATON_DATA_DIR": str(data_dir),
            "DATABASE_URL": f"sqlite+aiosqlite:///{data_dir / 'baton.db'}",
            "BATON_TIMEZONE": timezone,
        }
    )


@dataclass
class Stage:
    """The emulator, and Baton serving it."""

    emu: SlackEmulator
    baton: Baton
    settings: Settings
    _runner: web.AppRunner

    async def settle(self, timeout: float = 20.0) -> None:
        """Wait until Slack is quiet, no work after an ack runs and nothing is due in the outbox."""
        deps = self.baton.deps
        async with asyncio.timeout(timeout):
            while True:
                await self.emu.idle()
                await deps.tasks.drain()
                await deps.outbox.drain()
                if deps.tasks.running == 0 and await deps.outbox.due() == 0:
                    await self.emu.idle()
                    if deps.tasks.running == 0 and await deps.outbox.due() == 0:
                        return

    async def close(self) -> None:
        try:
            await self._runner.cleanup()
            await asyncio.wait_for(self.baton.close(), 30)
        finally:
            await self.emu.stop()


async def open_stage(emu: SlackEmulator, data_dir: Path, *, timezone: str) -> Stage:
    """Start Baton on a fresh database under `data_dir`, serving the (started) emulator on 127.0.0.1."""
    settings = demo_settings(data_dir, emu, timezone=timezone)
    await asyncio.to_thread(data_dir.mkdir, parents=True, exist_ok=True)
    baton = build_baton(settings, outbox_policy=_RETRY_POLICY, outbox_poll_interval=0.05)
    await upgrade(baton.deps.engine)
    await baton.start_workers()
    runner = web.AppRunner(baton.web, access_log=None)
    try:
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
    except BaseException:
        await runner.cleanup()
        await baton.close()
        raise
    port = runner.addresses[0][1]
    emu.bot_url = f"http://127.0.0.1:{port}/slack/events"
    return Stage(emu=emu, baton=baton, settings=settings, _runner=runner)
