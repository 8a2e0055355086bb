"""The outbox worker through the emulator: lanes move independently, and two workers share the work."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from bot.outbox import OutboxWorker
from models.outbox import OutboxEntry, OutboxKind, OutboxStatus, enqueue
from tests.harness import TEST_RETRY_POLICY, Harness


async def test_a_slow_lane_does_not_hold_back_the_others(harness: Harness) -> None:
    emu = harness.emu
    alice = harness.alice
    # Slack takes 3 s to open Alice's DM: her lane is stuck in that call meanwhile.
    emu.fail_next("conversations.open", delay=3.0)
    async with harness.baton.deps.sessions.begin() as session:
        await enqueue(
            session,
            kind=OutboxKind.DIRECT_MESSAGE,
            lane=f"dm:{alice.id}",
            payload={"user": alice.id, "text": "The November statement is due."},
        )
    await harness.enqueue_posts(harness.channel.id, [f"message {n}" for n in range(1, 6)])
    harness.baton.deps.outbox.wake()

    await emu.wait_for(lambda: len(harness.channel_messages()) == 5, timeout=2.5)
    assert alice.dms() == [], "the channel's five posts went out while the DM's lane waited on Slack"
    await emu.wait_for(lambda: len(alice.dms()) == 1, timeout=10)
    assert [m.text for m in harness.channel_messages()] == [f"message {n}" for n in range(1, 6)]


async def test_two_workers_deliver_every_entry_exactly_once_and_in_order(harness: Harness) -> None:
    deps = harness.baton.deps
    await deps.outbox.stop()  # two workers of our own instead, as on two replicas
    channels = [harness.channel, harness.emu.create_channel("second-statements", members=[harness.alice])]
    async with deps.sessions.begin() as session:
        for n in range(40):
            channel = channels[n % 2]
            await enqueue(
                session,
                kind=OutboxKind.POST_MESSAGE,
                lane=channel.id,
                payload={"channel": channel.id, "text": f"post {n}"},
            )
    workers = [
        OutboxWorker(sessions=deps.sessions, deliverers=deps.outbox.deliverers, policy=TEST_RETRY_POLICY)
        for _ in range(2)
    ]
    for worker in workers:
        worker.start()
    try:
        async with asyncio.timeout(20):
            while await _pending(harness):  # noqa: ASYNC110 (the database is what changes)
                await asyncio.sleep(0.05)
    finally:
        for worker in workers:
            await worker.stop()
    await harness.emu.idle()

    for first, channel in enumerate(channels):
        texts = [m.text for m in harness.alice.messages(channel)]
        assert texts == [f"post {n}" for n in range(first, 40, 2)], "each once, in order within its lane"
    assert len(harness.emu.calls_to("chat.postMessage")) == 40, "no post was sent twice"


async def _pending(harness: Harness) -> int:
    async with harness.baton.deps.sessions.read() as session:
        count = await session.scalar(
            select(func.count()).select_from(OutboxEntry).where(OutboxEntry.status == OutboxStatus.PENDING)
        )
    return int(count or 0)


async def test_home_refreshes_queued_together_publish_the_home_once(harness: Harness) -> None:
    alice = harness.alice
    async with harness.baton.deps.sessions.begin() as session:
        for _ in range(5):
            await enqueue(session, kind=OutboxKind.HOME_REFRESH, lane=f"dm:{alice.id}", payload={"user_id": alice.id})
    harness.baton.deps.outbox.wake()
    await harness.settle()

    publishes = [c for c in harness.emu.calls_to("views.publish") if c.args.get("user_id") == alice.id]
    assert len(publishes) == 1, "the last refresh shows what the four before it would have"
    assert alice.home is not None
    assert await _pending(harness) == 0
