"""Case 3 — the monthly fan-out under Slack's rate limits.

2,000 accounts are bulk-loaded with an active November collaboration each (two host people, two of the
retailer), one Slack Connect channel each in the emulator, their cards posted and pinned by Baton's own
outbox (limits off). Then the emulator's rate limits go on, time-scaled, and in a separate process
(tests/bench/fanout_worker.py) the monthly job runs as of 1 January 2027 10:00 UTC — December is due:
every account's December collaboration opens, November's rolls over (card updated and unpinned, its
archive shared), the new card is posted and pinned, Home tabs are republished, and each host leader gets
a direct message — and the real outbox worker delivers it all.

The time is compared with the lower bound the limits impose at that scale: for each method, the calls
it needed beyond the first window's allowance, at its tier's rate (chat.postMessage: the workspace's
600 a minute, and one a second per channel after a burst of 3); the slowest method is the bound. Lost
and duplicated posts are counted by comparing what the emulator holds with what each account should
have got: one card for the new collaboration in its channel, one archive file there, one direct message
per host leader.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from bot.app import build_baton
from bot.emulator import Channel, Person, SlackEmulator
from bot.emulator.faults import TIER_PER_MINUTE
from bot.emulator.methods import METHODS
from bot.outbox import RetryPolicy
from models import notices
from models.collaborations import Collaboration
from tests.bench.bulk import Shape, load
from tests.bench.common import PYTHON, ROOT, Row, Run, baton_env, free_port, fresh_database, rounded
from tests.bench.serving import query
from tests.bench.world import HOST_NAME, RETAIL_NAME

CASE = "fanout"
NOW = datetime(2027, 1, 1, 10, 0, tzinfo=UTC)  # the 1st business day of January, after 09:00: December is due
WORKSPACE_POSTS_PER_MINUTE = 600
POST_BURST = 3
SCALE = 1 / 30  # a Slack minute lasts 2 seconds


def lower_bound(ok_calls: Counter[str], posts_per_channel: Counter[str], scale: float) -> tuple[float, str]:
    """Seconds (at `scale`) the tier limits force on these successful calls, and the binding method."""
    minute = 60.0 * scale
    bounds: dict[str, float] = {}
    for method, count in ok_calls.items():
        if method == "chat.postMessage":
            limit = WORKSPACE_POSTS_PER_MINUTE
        elif method in METHODS:
            limit = TIER_PER_MINUTE[METHODS[method].tier]
        else:
            continue
        bounds[method] = max(0.0, (count - limit) / limit) * minute
    busiest = max(posts_per_channel.values(), default=0)
    bounds["chat.postMessage per channel"] = max(0, busiest - POST_BURST) * 1.0 * scale
    method = max(bounds, key=lambda m: bounds[m])
    return bounds[method], method


async def post_cards(settings: Any) -> None:
    """Every collaboration's card posted and pinned by Baton's outbox (as after a start), limits off."""
    baton = build_baton(settings, outbox_policy=RetryPolicy(base=0.05, cap=0.5), outbox_poll_interval=0.05)
    try:
        async with baton.deps.sessions.begin() as session:
            for c in (await session.scalars(select(Collaboration))).all():
                await notices.refresh_card(session, c)
        await baton.deps.outbox.drain(timeout=900)
    finally:
        await baton.close()


def collaborations_named(blocks: Any) -> set[int]:
    """The collaboration ids in a message's button values (CollaborationRef JSON: {"c": id, …})."""
    found: set[int] = set()
    if isinstance(blocks, dict):
        value = blocks.get("value")
        if isinstance(value, str) and value.startswith("{"):
            try:
                data = json.loads(value)
            except ValueError:
                data = {}
            if isinstance(data, dict) and isinstance(data.get("c"), int):
                found.add(data["c"])
        for child in blocks.values():
            found |= collaborations_named(child)
    elif isinstance(blocks, list):
        for child in blocks:
            found |= collaborations_named(child)
    return found


def audit(
    emu: SlackEmulator, channels: list[Channel], leaders: dict[str, list[Person]], new_ids: dict[str, int]
) -> dict[str, Any]:
    """What the emulator holds against what each account should have got."""
    lost = Counter[str]()
    duplicated = Counter[str]()
    for channel in channels:
        bot_posts = [m for m in channel.messages if m.bot_id and not m.deleted and not m.is_reply]
        cards = [m for m in bot_posts if new_ids[channel.id] in collaborations_named(m.blocks)]
        archives = [m for m in bot_posts if any(f.name.endswith("archive.zip") for f in m.files)]
        for what, found in (("new card", cards), ("archive", archives)):
            if not found:
                lost[what] += 1
            duplicated[what] += max(0, len(found) - 1)
        pinned = [m for m in bot_posts if m.pinned]
        if len(pinned) != 1 or (cards and not cards[0].pinned):
            lost["pin of the new card"] += 1
        for person in leaders[channel.id]:
            dm = emu.world.dm_channel(person.user)
            found = [m for m in dm.messages if m.bot_id and f"<#{channel.id}" in m.text + json.dumps(m.blocks)]
            if not found:
                lost["statement-due DM"] += 1
            duplicated["statement-due DM"] += max(0, len(found) - 1)
    return {"lost": lost, "duplicated": duplicated}


async def run(r: Run) -> list[Row]:
    rows: list[Row] = []
    for database in r.databases:
        rows += await on(r, database, 30 if r.quick else 2000, SCALE)
    if not r.quick:
        # At 1/30 Baton's own work, which is not scaled, can outlast the scaled limits. A smaller fleet at
        # 1/5 time, where the limits bind for certain, shows whether the worker keeps up with them.
        rows += await on(r, r.databases[0], 300, 1 / 5)
    return rows


async def on(r: Run, database: str, accounts: int, scale: float) -> list[Row]:
    hosts = max(5, min(50, accounts // 40))
    folder = r.dir(f"{CASE}-{database}")
    emu = SlackEmulator(host_name=HOST_NAME)
    await emu.start()
    try:
        retail = emu.add_org(RETAIL_NAME)
        people = [emu.add_user(emu.host, f"ar{i:02d}", real_name=f"AR accountant {i}") for i in range(hosts)]
        channels = [
            emu.create_channel(
                f"store-{a:05d}", members=[people[a % hosts], people[(a + 1) % hosts]], shared_with=[retail]
            )
            for a in range(accounts)
        ]
        leaders = {c.id: [people[a % hosts]] for a, c in enumerate(channels)}
        shape = Shape(
            collaborations=accounts,
            events=accounts * 10,
            hosts=hosts,
            host_user_ids=tuple(p.user.id for p in people),
            probe_channels=tuple(c.id for c in channels),
            account_count=accounts,
            accounts_created=datetime(2026, 11, 15, tzinfo=UTC),
            cards_posted=False,
        )
        async with fresh_database(database, folder) as url:
            r.say(f"  {database}: {accounts} accounts with an active collaboration each; posting their cards")
            await load(url, shape)
            data_dir = folder / "data"
            port = free_port()
            env = baton_env(emulator=emu, database_url=url, data_dir=data_dir, port=port)
            from bot.settings import load_settings

            settings = load_settings(env)
            await post_cards(settings)
            setup_calls = len(emu.calls)

            emu.enable_rate_limits(time_scale=scale)
            r.say(f"  {database}: monthly job and outbox, rate limits on at 1/{1 / scale:.0f} time")
            out = folder / "worker.json"
            bound_guess = (accounts / 20) * 60 * scale
            started = time.perf_counter()
            proc = await asyncio.create_subprocess_exec(
                PYTHON, "-m", "tests.bench.fanout_worker", str(out), NOW.isoformat(), str(scale),
                str(max(120.0, bound_guess * 6)), cwd=str(ROOT), env=env,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
            )  # fmt: skip
            log, _ = await proc.communicate()
            wall = time.perf_counter() - started
            (folder / "worker.log").write_bytes(log)
            if proc.returncode != 0 or not out.exists():
                raise RuntimeError(f"the fan-out worker failed ({proc.returncode}): {log.decode()[-2000:]}")
            worker = json.loads(out.read_text())
            await emu.idle(quiet=0.2, timeout=30)
            emu.disable_rate_limits()
            new_rows = await query(url, "SELECT channel_id, id FROM collaborations WHERE period = '2026-12'")
            new_ids = {str(ch): int(cid) for ch, cid in new_rows}
            set_aside = await query(url, "SELECT count(*) FROM outbox WHERE status = 'set_aside'", scalar=True)
    finally:
        await emu.stop()

    run_calls = emu.calls[setup_calls:]
    ok = Counter(c.method for c in run_calls if c.ok)
    limited = Counter(c.method for c in run_calls if c.status == 429)
    posts = Counter(str(c.args.get("channel")) for c in run_calls if c.ok and c.method == "chat.postMessage")
    missing_channels = [c for c in channels if c.id not in new_ids]
    found = audit(emu, [c for c in channels if c.id in new_ids], leaders, new_ids)
    if missing_channels:
        found["lost"]["new collaboration"] += len(missing_channels)
    bound, binding = lower_bound(ok, posts, scale)
    seconds = float(worker["drained_seconds"])
    ratio = seconds / bound if bound else None
    lost, duplicated = sum(found["lost"].values()), sum(found["duplicated"].values())
    delivered = sum(n for _, status, n, _ in worker["outbox"] if status != "pending")
    levels = Counter(re.findall(r'"level": "(\w+)"', log.decode(errors="replace")))
    first = min((c.at for c in run_calls), default=0.0)
    spans = {m: max(c.at for c in run_calls if c.method == m and c.ok) - first for m in ok}
    calls = ", ".join(
        f"{m} {n}" + (f" (+{limited[m]} x 429)" if limited[m] else "") + f" done by {spans[m]:.0f} s"
        for m, n in sorted(ok.items())
    )
    notes = (
        f"{accounts} accounts, {hosts} host leaders; emulator limits at 1/{1 / scale:.0f} time (a Slack minute = "
        f"{60 * scale:.0f} s); bound set by {binding} ({bound / scale / 60:.1f} min in Slack's real time); the "
        f"outbox delivered {delivered} entries, {delivered / seconds:.1f} a second (Baton's own work is not "
        f"scaled); the job itself (run_due) took {worker['job_seconds']:.1f} s "
        f"({worker['report']}); outbox: {worker['outbox']}; successful calls: {calls}; "
        f"{worker['pending_left']} entries left pending, {set_aside} set aside; worker log: {dict(levels)}; "
        f"wall time of the worker process {wall:.0f} s"
    )
    return [
        Row(
            CASE,
            f"monthly fan-out to {accounts:,} accounts at 1/{1 / scale:.0f} time: time to drained",
            round(seconds, 1),
            "s",
            reference=round(bound, 1),
            ratio=rounded(ratio),
            target="<= 1.2x the rate-limit bound",
            met=ratio is not None and ratio <= 1.2 and worker["pending_left"] == 0,
            database=database,
            notes=notes,
        ),
        Row(
            CASE,
            "posts lost",
            lost,
            "",
            target="0",
            met=lost == 0,
            database=database,
            notes=", ".join(f"{k}: {v}" for k, v in found["lost"].items() if v) or None,
        ),
        Row(
            CASE,
            "posts duplicated",
            duplicated,
            "",
            target="0",
            met=duplicated == 0,
            database=database,
            notes=", ".join(f"{k}: {v}" for k, v in found["duplicated"].items() if v) or None,
        ),
    ]
