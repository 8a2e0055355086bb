"""Bulk-loading a database of many collaborations, straight into the tables (not through the use cases):
SQLite through `executemany` in one transaction, PostgreSQL through COPY. The schema is Baton's own
(the migrations are applied first); the rows have the shapes the use cases write, and each
collaboration's events form a valid hash chain.

The shape, for `collaborations` C and `events` E (E/C events each):
- C/20 accounts, one Slack Connect channel each, holding 20 monthly periods (2025-04 … 2026-11): the
  newest active, the others wrapped up;
- host people: `hosts` AR accountants, each the leader of every `hosts`-th account and a contributor on
  the next one's, so each has about 2·C/20/hosts active collaborations on the Home tab; two people of
  the retailer per account;
- 4 participants and 4 turns per collaboration (3 ended), two outbox rows delivered long ago;
- events: started, 4 participants added, 3 turns passed, and chat messages to make up E/C.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.engine import make_url

from bot.db import create_engine
from bot.migrate import upgrade
from models.history import GENESIS_HASH, canonical_json, content_hash_of, event_hash

PERIODS = [f"{2025 + (m // 12)}-{m % 12 + 1:02d}" for m in range(3, 23)]  # 2025-04 … 2026-11
HOST_TEAM = "T0NORTHWIND"
HOST_NAME = "Northwind Distribution"
CHUNK = 20_000


@dataclass(frozen=True)
class Shape:
    collaborations: int
    events: int
    hosts: int = 50
    host_user_ids: tuple[str, ...] = ()  # ids for the first host people (real emulator users), if any
    probe_channels: tuple[str, ...] = ()  # channel ids for the first accounts (real emulator channels)
    account_count: int | None = None  # default: one per 20 collaborations (20 monthly periods each)
    accounts_created: datetime = datetime(2025, 3, 1, 9, tzinfo=UTC)
    cards_posted: bool = True  # False: no card_ts (the card is posted by Baton's outbox later)

    @property
    def accounts(self) -> int:
        return self.account_count or max(1, self.collaborations // len(PERIODS))

    def host(self, i: int) -> str:
        return self.host_user_ids[i] if i < len(self.host_user_ids) else f"U0H{i:06d}"

    def channel(self, account: int) -> str:
        return self.probe_channels[account] if account < len(self.probe_channels) else f"C0A{account:08d}"


def _utc(year: int, month: int, day: int = 1, hour: int = 9) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


def rows(shape: Shape) -> Iterator[tuple[str, list[tuple[Any, ...]]]]:
    """(table, rows) chunks, in an order the foreign keys accept. Datetimes are aware (UTC)."""
    accounts = shape.accounts
    per_collab_events = shape.events / shape.collaborations
    yield (
        "accounts",
        [
            (
                a + 1,
                f"Retail store {a:05d}",
                f"C-{a:06d}",
                shape.channel(a),
                f"T0R{a:06d}",
                "UTC",
                shape.accounts_created,
            )
            for a in range(accounts)
        ],
    )
    cid = 0
    pid = 0
    tid = 0
    eid = 0
    oid = 0
    collabs: list[tuple[Any, ...]] = []
    people: list[tuple[Any, ...]] = []
    turns: list[tuple[Any, ...]] = []
    events: list[tuple[Any, ...]] = []
    outbox: list[tuple[Any, ...]] = []
    debt = 0.0
    for a in range(accounts):
        leader, helper = shape.host(a % shape.hosts), shape.host((a + 1) % shape.hosts)
        guest_team = f"T0R{a:06d}"
        guest_leader, guest_helper = f"U0G{a:06d}A", f"U0G{a:06d}B"
        channel = shape.channel(a)
        periods = PERIODS[-max(1, min(len(PERIODS), shape.collaborations // accounts)) :]
        for p, period in enumerate(periods):
            cid += 1
            year, month = int(period[:4]), int(period[5:])
            start = _utc(year + (month // 12), month % 12 + 1, 2)
            active = p == len(periods) - 1
            card_ts = f"{1700000000 + cid}.000100" if shape.cards_posted else None
            collabs.append(
                (
                    cid, a + 1, channel, f"Retail store {a:05d} — {period} statement", "Statement attached.", period,
                    "active" if active else "wrapped_up", 4, "host" if (cid % 2) else "guest",
                    (start + timedelta(days=14)).date(), card_ts, HOST_NAME, "Retail Co",
                    HOST_TEAM, guest_team, guest_leader, None, "none",
                    None if active else leader, None if active else guest_leader, None, leader, start,
                    None if active else start + timedelta(days=10),
                )
            )  # fmt: skip
            members = [
                (leader, "Alice", "host", HOST_TEAM, "leader"),
                (helper, "Jo", "host", HOST_TEAM, "contributor"),
                (guest_leader, "Pat", "guest", guest_team, "leader"),
                (guest_helper, "Sam", "guest", guest_team, "contributor"),
            ]
            for user, name, side, team, role in members:
                pid += 1
                people.append((pid, cid, user, name, side, team, role, True, leader, start))
            for n in range(1, 5):
                tid += 1
                ended = n < 4
                side = "host" if n % 2 else "guest"
                turns.append(
                    (
                        tid, cid, n, side, start + timedelta(days=n - 1),
                        start + timedelta(days=n) if ended else None,
                        (leader if side == "host" else guest_leader) if ended else None,
                        "passed" if ended else None,
                        f"Turn {n}: please check invoices INV-{cid:06d}-{n}." if ended else None,
                        [],
                    )
                )  # fmt: skip
            # The chain: started, people, passes, and messages to make up the average.
            debt += per_collab_events
            count = max(8, int(debt))
            debt -= count
            chain: list[tuple[str, str | None, str | None, dict[str, Any]]] = [
                ("collaboration_started", leader, "host", {"title": f"Retail store {a:05d} — {period} statement",
                 "period": period, "note": "Statement attached.", "due_date": None, "account": f"Retail store {a:05d}",
                 "channel_id": channel, "host_name": HOST_NAME, "guest_name": "Retail Co", "turn": 1,
                 "holding_side": "host"}),
            ]  # fmt: skip
            for user, name, side, team, role in members:
                chain.append(
                    ("participant_added", leader, side, {"user_id": user, "display_name": name, "side": side,
                     "role": role, "team_key": team, "how": "started"})
                )  # fmt: skip
            for n in range(1, 4):
                side = "host" if n % 2 else "guest"
                chain.append(
                    ("turn_passed", leader if side == "host" else guest_leader, side,
                     {"turn": n, "message": f"Turn {n}: please check invoices INV-{cid:06d}-{n}.", "summary": [],
                      "next_turn": n + 1, "next_side": "guest" if side == "host" else "host"})
                )  # fmt: skip
            for m in range(count - len(chain)):
                author = (leader, "host") if m % 2 else (guest_leader, "guest")
                chain.append(
                    ("message_posted", author[0], author[1],
                     {"user": author[0], "text": f"About INV-{cid:06d}-{m}: the pallet count differs from the "
                      "delivery note, can you send the signed proof of delivery?",
                      "ts": f"{1700000000 + cid * 100 + m}.000200", "thread_ts": None, "files": []})
                )  # fmt: skip
            prev = GENESIS_HASH
            for seq, (kind, actor, side, data) in enumerate(chain, start=1):
                eid += 1
                at = start + timedelta(minutes=seq)
                c_hash = content_hash_of(data)
                link = event_hash(
                    collaboration_id=cid, seq=seq, kind=kind, at=at, actor_user_id=actor, side=side,
                    content_hash=c_hash, prev_hash=prev,
                )  # fmt: skip
                events.append((eid, cid, seq, kind, at, actor, side, data, c_hash, prev, link))
                prev = link
            for kind, lane in (("card_refresh", channel), ("turn_update", channel)):
                oid += 1
                outbox.append(
                    (oid, lane, kind, {"collaboration_id": cid}, cid, None, "done", 1, start, None, None, None,
                     {"ts": f"{1700000000 + cid}.000100"}, start, start + timedelta(seconds=1))
                )  # fmt: skip
            if len(events) >= CHUNK:
                yield from _flush(collabs, people, turns, events, outbox)
                collabs, people, turns, events, outbox = [], [], [], [], []
    yield from _flush(collabs, people, turns, events, outbox)


def _flush(*chunks: list[tuple[Any, ...]]) -> Iterator[tuple[str, list[tuple[Any, ...]]]]:
    for table, chunk in zip(("collaborations", "participants", "turns", "events", "outbox"), chunks, strict=True):
        if chunk:
            yield table, chunk


COLUMNS = {
    "accounts": "id name customer_number channel_id guest_team_key timezone created_at",
    "collaborations": "id account_id channel_id title note period status turn_number holding_side due_date card_ts "
    "host_name guest_name host_team_key guest_team_key guest_contact_user_id guest_contact_email invite_status "
    "host_signed_off_by guest_signed_off_by rolled_into_id created_by created_at wrapped_up_at",
    "participants": "id collaboration_id user_id display_name side team_key role active added_by joined_at",
    "turns": "id collaboration_id number side started_at ended_at ended_by end_kind message summary",
    "events": "id collaboration_id seq kind at actor_user_id side data content_hash prev_hash hash",
    "outbox": "id lane kind payload collaboration_id dedupe_key status attempts next_attempt_at claimed_until "
    "claimed_by last_error result created_at done_at",
}
JSON_COLUMNS = {("turns", 9), ("events", 7), ("outbox", 3), ("outbox", 12)}


def _sqlite_value(table: str, index: int, value: Any) -> Any:
    """What SQLAlchemy would store in SQLite: naive UTC text timestamps, JSON text, 0/1."""
    if (table, index) in JSON_COLUMNS:
        return None if value is None else canonical_json(value).decode()
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


def _load_sqlite(path: str, shape: Shape) -> dict[str, int]:
    counts: dict[str, int] = {}
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute("PRAGMA synchronous=OFF")
        db.execute("BEGIN")
        for table, chunk in rows(shape):
            columns = COLUMNS[table].split()
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
            db.executemany(sql, [tuple(_sqlite_value(table, i, v) for i, v in enumerate(row)) for row in chunk])
            counts[table] = counts.get(table, 0) + len(chunk)
        db.execute("COMMIT")
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.close()
    return counts


async def _load_postgres(url: str, shape: Shape) -> dict[str, int]:
    import asyncpg

    parsed = make_url(url)
    conn = await asyncpg.connect(
        user=parsed.username, password=parsed.password, host=parsed.host, port=parsed.port, database=parsed.database
    )
    counts: dict[str, int] = {}
    try:
        for table, chunk in rows(shape):
            columns = COLUMNS[table].split()
            records = [
                tuple(json.dumps(v) if (table, i) in JSON_COLUMNS and v is not None else v for i, v in enumerate(r))
                for r in chunk
            ]
            await conn.copy_records_to_table(table, records=records, columns=columns)
            counts[table] = counts.get(table, 0) + len(chunk)
        for table in COLUMNS:
            await conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        await conn.execute("ANALYZE")  # what autovacuum would have done by the time such a database exists
    finally:
        await conn.close()
    return counts


async def load(url: str, shape: Shape) -> dict[str, int]:
    """Create the schema with Baton's migrations, then load the rows; the count per table."""
    engine = create_engine(url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return await asyncio.to_thread(_load_sqlite, str(parsed.database), shape)
    return await _load_postgres(url, shape)
