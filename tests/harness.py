"""A running Baton wired to the Slack emulator over real HTTP on loopback, with a small cast.

The cast is DESIGN §1's: the distributor (host, where Baton is installed) and a retailer reached
through Slack Connect, sharing one channel.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot.app import Baton, build_baton
from bot.emulator import Person, SlackEmulator
from bot.emulator.payloads import form_body, slash_command
from bot.emulator.state import Channel, Message
from bot.migrate import upgrade
from bot.outbox import RetryPolicy
from bot.settings import Settings
from models.outbox import OutboxKind, enqueue

# Quick retries so outage tests finish in seconds; the policy's shape is what production uses.
TEST_RETRY_POLICY = RetryPolicy(base=0.05, cap=0.5, lease=30.0)


@dataclass
class Harness:
    emu: SlackEmulator
    settings: Settings
    alice: Person  # the distributor's AR accountant (host)
    bob: Person  # the retailer's AP clerk (guest, Slack Connect)
    channel: Channel
    baton: Baton = field(init=False)
    _runner: web.AppRunner | None = field(default=None, init=False)

    async def start_baton(self) -> None:
        self.baton = build_baton(self.settings, outbox_policy=TEST_RETRY_POLICY, outbox_poll_interval=0.05)
        await upgrade(self.baton.deps.engine)
        await self.baton.start_workers()
        self._runner = web.AppRunner(self.baton.web)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.emu.bot_url = f"http://127.0.0.1:{port}/slack/events"

    async def stop_baton(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        await self.baton.close()

    async def restart_baton(self) -> None:
        """Stop the process (as a deploy or crash would) and start a new one on the same database."""
        await self.stop_baton()
        await self.start_baton()

    async def settle(self, timeout: float = 15.0) -> None:
        """Wait until Slack traffic is quiet, no work after an ack is running and nothing is due to post."""
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

    async def enqueue_posts(self, channel_id: str, texts: list[str]) -> None:
        """Record channel posts in Baton's outbox, in order, as a change's transaction would."""
        async with self.baton.deps.sessions.begin() as session:
            for text in texts:
                await enqueue(
                    session,
                    kind=OutboxKind.POST_MESSAGE,
                    lane=channel_id,
                    payload={"channel": channel_id, "text": text},
                )

    def channel_messages(self) -> list[Message]:
        """The channel's messages as its members see them (deleted ones gone)."""
        return self.alice.messages(self.channel)

    def slash_command_body(self, person: Person, command: str, text: str) -> bytes:
        form = slash_command(
            self.emu.app,
            person.user,
            self.channel,
            command=command,
            text=text,
            response_url=f"{self.emu.base_url}/respond/none",
            trigger_id="0000.0000",
        )
        return form_body(form)

    async def send_event(self, event: dict[str, Any]) -> int:
        answers = await self.emu.deliver_event(event, channel=self.channel)
        return answers[0].status


async def start_harness(settings_for: Any, **env: str) -> Harness:
    """The cast, the channel and a running Baton; `env` adds settings (e.g. BATON_MAX_FILE_MB)."""
    emu = SlackEmulator(host_name="Northwind Distribution")
    await emu.start()
    retail = emu.add_org("Retail Co")
    alice = emu.add_user(emu.host, "alice", real_name="Alice Moreau")
    bob = emu.add_user(retail, "bob", real_name="Bob Tran")
    channel = emu.create_channel("retail-co-statements", members=[alice, bob], shared_with=[retail])
    settings = settings_for(
        SLACK_BOT_TOKEN=emu.bot_token,
        SLACK_SIGNING_SECRET=emu.signing_secret,
        SLACK_API_URL=emu.api_url,
        **env,
    )
    harness = Harness(emu=emu, settings=settings, alice=alice, bob=bob, channel=channel)
    await harness.start_baton()
    return harness


async def stop_harness(harness: Harness) -> None:
    try:
        await asyncio.wait_for(harness.stop_baton(), 30)
    finally:
        await harness.emu.stop()
