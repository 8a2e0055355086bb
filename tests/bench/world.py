"""The Slack side of a benchmark: the emulator with a distributor, a retailer and their channels,
collaborations started through the use cases (their cards posted by the real outbox deliverers), and
the exact requests Slack would send — built by the emulator's own payload builders and signed later.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, update

from bot.app import build_baton
from bot.blocks import modals
from bot.blocks.ids import ActionId
from bot.emulator import Channel, Message, Person, SlackEmulator
from bot.emulator import api_views as emulator_views
from bot.emulator.api_views import new_view, render_view
from bot.emulator.blockkit import find_button, input_blocks
from bot.emulator.payloads import (
    block_actions,
    button_action,
    event_envelope,
    form_body,
    interactive_body,
    slash_command,
    view_submission,
)
from bot.migrate import upgrade
from bot.outbox import RetryPolicy
from bot.settings import Settings, load_settings
from models.outbox import OutboxEntry, OutboxKind, OutboxStatus
from models.sides import Actor, Member
from models.use_cases import collaboration_view, start_collaboration

HOST_NAME = "Northwind Distribution"
RETAIL_NAME = "Retail Co"
FORM = "application/x-www-form-urlencoded"


@dataclass
class World:
    emu: SlackEmulator
    alice: Person  # the distributor's AR accountant: leader of every collaboration
    bob: Person  # the retailer's AP clerk (Slack Connect guest): the other leader
    channels: list[Channel] = field(default_factory=list)
    collaborations: list[int] = field(default_factory=list)  # one per channel, same order

    @property
    def host_team(self) -> str:
        return self.alice.user.team_id

    @property
    def retail_team(self) -> str:
        return self.bob.user.team_id

    def actor(self, person: Person) -> Actor:
        return Actor(person.user.id, person.user.org.side_id, person.user.real_name)

    def member(self, person: Person) -> Member:
        return Member(person.user.id, person.user.org.side_id, person.user.real_name)

    def settings(self, database_url: str, data_dir: Any, **env: str) -> Settings:
        return load_settings(
            {
                "SLACK_BOT_TOKEN": self.emu.bot_token,
                "SLACK_SIGNING_SECRET": self.emu.signing_secret,
                "SLACK_API_URL": self.emu.api_url,
                "DATABASE_URL": database_url,
                "BATON_DATA_DIR": str(data_dir),
                **env,
            }
        )

    # -- requests, as Slack sends them ------------------------------------------------------------

    def trigger(self, person: Person, source: str) -> str:
        return self.emu.interactions.issue_trigger(person.user, source)

    def status_command(self, person: Person, channel: Channel, url: str) -> dict[str, Any]:
        """`/turn status` in `channel`."""
        form = slash_command(
            self.emu.app,
            person.user,
            channel,
            command="/turn",
            text="status",
            response_url=self.emu.responses.issue(person.user, channel),
            trigger_id=self.trigger(person, "slash_command"),
        )
        return {"url": url, "body": form_body(form).decode(), "content_type": FORM, "kind": "status"}

    def card(self, channel: Channel) -> Message:
        pinned = [m for m in self.alice.messages(channel) if m.bot_id and m.pinned and not m.deleted]
        if len(pinned) != 1:
            raise RuntimeError(f"expected one pinned card in #{channel.name}, found {len(pinned)}")
        return pinned[0]

    def pass_click(self, person: Person, channel: Channel, url: str) -> dict[str, Any]:
        """A click on the card's **Pass turn** button (the payload carries the whole card message)."""
        message = self.card(channel)
        block, element = find_button(message.blocks, "Pass turn")
        assert element["action_id"] == ActionId.PASS_TURN.value
        state = self.emu.state
        payload = block_actions(
            self.emu.app,
            person.user,
            actions=[button_action(block, element, f"{state.now():.6f}")],
            trigger_id=self.trigger(person, "block_actions"),
            container={"type": "message", "message_ts": message.ts, "channel_id": channel.id, "is_ephemeral": False},
            channel=channel,
            message=self.emu.world.render(message),
            response_url=self.emu.responses.issue(person.user, channel, message_ts=message.ts),
        )
        return {"url": url, "body": interactive_body(payload).decode(), "content_type": FORM, "kind": "click"}

    def pass_submission(
        self, person: Person, spec: dict[str, Any], collaboration_id: int, channel: Channel, turn: int, url: str
    ) -> dict[str, Any]:
        """The pass modal submitted with an update, for `turn` (a fresh view, as views.open registers it)."""
        spec = dict(spec)
        spec["private_metadata"] = json.dumps(
            {"c": collaboration_id, "t": turn, "ch": channel.id}, separators=(",", ":")
        )
        view = new_view(self.emu.world, spec, user_id=person.user.id, kind="modal", root=None)
        block = input_blocks(view.blocks)[0]
        view.values[block["block_id"]][block["element"]["action_id"]] = {
            "type": "plain_text_input",
            "value": f"Turn {turn}: reviewed the statement, two invoices to check — see the requests.",
        }
        payload = view_submission(
            self.emu.app, person.user, view=render_view(self.emu.world, view), trigger_id=self.trigger(person, "view")
        )
        self.emu.state.views.pop(view.id, None)  # the emulator need not keep 2,000 modals
        return {"url": url, "body": interactive_body(payload).decode(), "content_type": FORM, "kind": "submission"}

    def home_opened(self, person: Person, url: str) -> dict[str, Any]:
        """`app_home_opened` for the person's Home tab (with the view Slack shows now, as Slack sends it)."""
        event: dict[str, Any] = {
            "type": "app_home_opened",
            "user": person.user.id,
            "channel": person.dm.id,
            "tab": "home",
        }
        if person.home is not None:
            app = self.emu.app
            event["view"] = person.home.to_api(
                app_id=app.app_id, bot_id=app.bot_id, app_installed_team_id=app.host.team_id
            )
        now = self.emu.now()
        event["event_ts"] = f"{now:.6f}"
        envelope = event_envelope(
            self.emu.app,
            event,
            event_id="Ev" + self.emu.ids.new("", 10),
            event_time=int(now),
            is_ext_shared_channel=False,
            event_context="4-" + self.emu.ids.token(40),
        )
        return {"url": url, "body": json.dumps(envelope), "content_type": "application/json", "kind": "home"}


async def make_world(
    channels: int, *, prefix: str = "retail-co", before_start: Callable[[SlackEmulator], None] | None = None
) -> World:
    """The emulator, started, with Alice (host), Bob (guest) and `channels` Slack Connect channels."""
    emu = SlackEmulator(host_name=HOST_NAME)
    if before_start is not None:
        before_start(emu)
    await emu.start()
    retail = emu.add_org(RETAIL_NAME)
    alice = emu.add_user(emu.host, "alice", real_name="Alice Moreau")
    bob = emu.add_user(retail, "bob", real_name="Bob Tran")
    world = World(emu=emu, alice=alice, bob=bob)
    for i in range(channels):
        world.channels.append(emu.create_channel(f"{prefix}-{i:05d}", members=[alice, bob], shared_with=[retail]))
    return world


async def start_collaborations(world: World, settings: Settings, *, drain_timeout: float = 600.0) -> None:
    """A collaboration in each channel, started through the use case (Alice for the distributor, Bob the
    retailer's contact); then the real outbox deliverers post, pin and publish what they recorded."""
    baton = build_baton(settings, outbox_policy=RetryPolicy(base=0.05, cap=0.5), outbox_poll_interval=0.05)
    try:
        await upgrade(baton.deps.engine)
        now = datetime.now(UTC)
        for i, channel in enumerate(world.channels):
            async with baton.deps.sessions.begin() as session:
                c = await start_collaboration(
                    session,
                    actor=world.actor(world.alice),
                    channel_id=channel.id,
                    host_team_key=world.host_team,
                    host_name=HOST_NAME,
                    title=f"{RETAIL_NAME} store {i:05d} — November 2026 statement",
                    period="2026-11",
                    note="November statement attached.",
                    account_name=f"{RETAIL_NAME} store {i:05d}",
                    guest_name=RETAIL_NAME,
                    guest_team_key=world.retail_team,
                    guest_contact_user_id=world.bob.user.id,
                    channel_members=[world.member(world.alice), world.member(world.bob)],
                    now=now,
                )
            world.collaborations.append(c.id)
        # Setup only: each start asked to republish Alice's Home tab; the last request shows them all.
        async with baton.deps.sessions.begin() as session:
            await session.execute(
                update(OutboxEntry)
                .where(OutboxEntry.kind == OutboxKind.HOME_REFRESH, OutboxEntry.status == OutboxStatus.PENDING)
                .where(
                    OutboxEntry.id
                    < select(func.max(OutboxEntry.id))
                    .where(OutboxEntry.kind == OutboxKind.HOME_REFRESH)
                    .scalar_subquery()
                )
                .values(status=OutboxStatus.DONE)
            )
        await baton.deps.outbox.drain(timeout=drain_timeout)
    finally:
        await baton.close()


async def pass_modal_specs(settings: Settings, collaboration_ids: list[int]) -> dict[int, dict[str, Any]]:
    """The pass modal Baton opens for each collaboration (rendered by Baton's own builder)."""
    from bot.db import create_engine, session_factory

    engine = create_engine(settings.database_url)
    specs = {}
    try:
        async with session_factory(engine)() as session:
            for cid in collaboration_ids:
                view = await collaboration_view(session, cid)
                specs[cid] = dict(modals.pass_modal(view, view.turn_number).to_dict())
    finally:
        await engine.dispose()
    return specs


@contextlib.contextmanager
def triggers_issued_ahead() -> Iterator[None]:
    """Requests are built (and their trigger_ids issued) before the load starts, so the emulator's
    3-second trigger expiry is relaxed while it runs; single use and the owner check stay."""
    saved = emulator_views.TRIGGER_TTL
    emulator_views.TRIGGER_TTL = 24 * 3600.0
    try:
        yield
    finally:
        emulator_views.TRIGGER_TTL = saved
