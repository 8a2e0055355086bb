"""The foundation through the edge Slack uses: signed HTTP into the real app, answers seen by people."""

from __future__ import annotations

import time

from sqlalchemy import select

from models.outbox import OutboxEntry, OutboxKind, OutboxStatus, enqueue
from tests.harness import Harness


async def test_turn_help_is_an_ephemeral_list_of_subcommands(harness: Harness) -> None:
    alice = harness.alice
    result = await alice.slash("/turn", "help", channel=harness.channel)
    assert result.status == 200
    (answer,) = alice.ephemerals(harness.channel)
    assert "/turn help" in answer.text
    assert harness.bob.ephemerals(harness.channel) == [], "an ephemeral is for its one person"
    assert harness.channel_messages() == [], "help posts nothing in the channel"


async def test_unknown_subcommand_is_explained_with_the_valid_ones(harness: Harness) -> None:
    await harness.alice.slash("/turn", "frobnicate", channel=harness.channel)
    (answer,) = harness.alice.ephemerals(harness.channel)
    assert "frobnicate" in answer.text and "`help`" in answer.text
    assert harness.channel_messages() == []


async def test_forged_signature_is_401_and_changes_nothing(harness: Harness) -> None:
    body = harness.slash_command_body(harness.alice, "/turn", "help")
    status, _ = await harness.emu.send_raw(body, "application/x-www-form-urlencoded", signature="v0=" + "0" * 64)
    assert status == 401
    assert harness.alice.ephemerals(harness.channel) == []


async def test_replayed_request_ten_minutes_old_is_401(harness: Harness) -> None:
    body = harness.slash_command_body(harness.alice, "/turn", "help")
    status, _ = await harness.emu.send_raw(body, "application/x-www-form-urlencoded", timestamp=int(time.time()) - 600)
    assert status == 401
    assert harness.alice.ephemerals(harness.channel) == []


async def test_every_subscribed_event_is_acknowledged(harness: Harness) -> None:
    from handlers.events import SUBSCRIBED_EVENTS

    for event_type in SUBSCRIBED_EVENTS:
        event = {
            "type": event_type,
            "user": harness.bob.id,
            "channel": harness.channel.id,
            "event_ts": "1764892800.000100",
            "ts": "1764892800.000100",
            "text": "hi",
        }
        status = await harness.send_event(event)
        assert status == 200, f"{event_type} answered {status}: Slack would retry it"


async def test_outbox_delivers_once_slack_recovers_from_500s_even_across_a_restart(harness: Harness) -> None:
    emu = harness.emu
    emu.outage("chat.postMessage", status=500)
    async with harness.baton.deps.sessions.begin() as session:
        await enqueue(
            session,
            kind=OutboxKind.POST_MESSAGE,
            lane=harness.channel.id,
            payload={"channel": harness.channel.id, "text": "The November statement is ready."},
        )
    harness.baton.deps.outbox.wake()
    await emu.wait_for(lambda: len(emu.calls_to("chat.postMessage")) >= 3)
    assert harness.channel_messages() == []

    # The bot goes down while Slack is still failing; a new process picks the entry up.
    await harness.restart_baton()
    emu.recover()
    await emu.wait_for(lambda: len(harness.channel_messages()) == 1, timeout=15)
    await harness.settle()
    texts = [m.text for m in harness.channel_messages()]
    assert texts == ["The November statement is ready."], "delivered exactly once"
    async with harness.baton.deps.sessions() as session:
        entry = await session.scalar(select(OutboxEntry))
    assert entry is not None and entry.status == OutboxStatus.DONE and entry.attempts >= 1


async def test_outbox_keeps_order_within_a_channel_and_sets_aside_a_dead_one(harness: Harness) -> None:
    emu = harness.emu
    await harness.enqueue_posts("C0GONE", ["to a channel that no longer exists"])
    await harness.enqueue_posts(harness.channel.id, [f"message {n}" for n in range(1, 6)])
    harness.baton.deps.outbox.wake()
    await emu.wait_for(lambda: len(harness.channel_messages()) == 5)
    await harness.settle()  # the dead channel's lane runs on its own: wait for its answer too
    assert [m.text for m in harness.channel_messages()] == [f"message {n}" for n in range(1, 6)]
    async with harness.baton.deps.sessions() as session:
        dead = await session.scalar(select(OutboxEntry).where(OutboxEntry.lane == "C0GONE"))
    assert dead is not None and dead.status == OutboxStatus.SET_ASIDE
    assert dead.last_error is not None and "channel_not_found" in dead.last_error


async def test_metrics_count_requests_and_slack_calls(harness: Harness) -> None:
    await harness.alice.slash("/turn", "help", channel=harness.channel)
    async with harness.baton.deps.sessions.begin() as session:
        await enqueue(
            session,
            kind=OutboxKind.POST_MESSAGE,
            lane=harness.channel.id,
            payload={"channel": harness.channel.id, "text": "hello"},
        )
    await harness.baton.deps.outbox.drain()
    text = harness.baton.deps.metrics.render().decode()
    assert 'baton_slack_requests_total{kind="command",outcome="ok"} 1.0' in text
    assert 'baton_ack_latency_seconds_count{kind="command"} 1.0' in text
    assert 'baton_slack_api_calls_total{method="chat.postMessage",outcome="ok"} 1.0' in text
    assert 'baton_outbox_deliveries_total{kind="post_message",outcome="delivered"} 1.0' in text


async def test_a_dead_channel_is_set_aside_and_the_host_leaders_are_told_by_dm(harness: Harness) -> None:
    from sqlalchemy import delete

    from models.base import utcnow
    from models.sides import Actor, Member
    from models.use_cases import start_collaboration

    emu, alice, bob = harness.emu, harness.alice, harness.bob
    async with harness.baton.deps.sessions.begin() as session:
        collaboration = await start_collaboration(
            session,
            actor=Actor(alice.id, emu.host.team_id, "Alice Moreau"),
            channel_id=harness.channel.id,
            host_team_key=emu.host.team_id,
            host_name="Northwind Distribution",
            title="Retail Co — November",
            account_name="Retail Co",
            guest_team_key=bob.team_id,
            guest_name="Retail Co",
            guest_contact_user_id=bob.id,
            channel_members=[
                Member(alice.id, emu.host.team_id, "Alice Moreau"),
                Member(bob.id, bob.team_id, "Bob Tran"),
            ],
            now=utcnow(),
        )
        # Only this test's own post is under test here; the card belongs to the collaboration tests.
        await session.execute(delete(OutboxEntry))
        await enqueue(
            session,
            kind=OutboxKind.POST_MESSAGE,
            lane=harness.channel.id,
            collaboration_id=collaboration.id,
            payload={"channel": harness.channel.id, "text": "Turn 2 is yours"},
        )
    other = emu.create_channel("other-retailer", members=[alice])
    async with harness.baton.deps.sessions.begin() as session:
        await enqueue(
            session,
            kind=OutboxKind.POST_MESSAGE,
            lane=other.id,
            payload={"channel": other.id, "text": "still delivered"},
        )
    emu.archive_channel(harness.channel)
    harness.baton.deps.outbox.wake()
    await emu.wait_for(lambda: alice.dms())
    await harness.settle()

    (dm,) = alice.dms()
    assert "is_archived" in dm.text and harness.channel.id in dm.text
    assert bob.dms() == [], "the guest side never hears of Baton's delivery problems"
    assert [m.text for m in alice.messages(other)] == ["still delivered"]
    async with harness.baton.deps.sessions() as session:
        statuses = {e.kind: e.status for e in (await session.scalars(select(OutboxEntry))).all()}
    assert statuses[OutboxKind.POST_MESSAGE] in (OutboxStatus.SET_ASIDE, OutboxStatus.DONE)
    assert statuses[OutboxKind.DELIVERY_PROBLEM] == OutboxStatus.DONE
