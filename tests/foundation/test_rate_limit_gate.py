"""Baton's Slack client: once Slack says a method is rate-limited, every call to it waits, not just the one told."""

from __future__ import annotations

import asyncio

from tests.harness import Harness


async def test_calls_to_a_limited_method_wait_for_its_retry_after_instead_of_asking_again(harness: Harness) -> None:
    emu = harness.emu
    slack = harness.baton.deps.slack
    emu.enable_rate_limits(time_scale=0.02)  # a Tier 2 minute lasts 1.2 s
    names = iter(f"statements-{n}" for n in range(100))

    # Tier 2: twenty conversations.create a minute. The twenty-first is told to wait.
    await asyncio.gather(*(slack.conversations_create(name=next(names)) for _ in range(20)))
    told = asyncio.create_task(slack.conversations_create(name=next(names)))
    await emu.wait_for(lambda: emu.stats.ratelimited["conversations.create"] == 1)

    # Ten more calls while that wait lasts: they wait with it rather than each drawing a 429.
    later = await asyncio.gather(*(slack.conversations_create(name=next(names)) for _ in range(10)))
    await told

    assert all(answer["ok"] for answer in later)
    assert emu.stats.ratelimited["conversations.create"] == 1
    assert emu.stats.calls["conversations.create"] == 32  # 31 channels made and the one 429
