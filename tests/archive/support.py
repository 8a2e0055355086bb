"""A month of reconciliation for the archive tests, made through the use cases (and the chat events the
message recorder appends), and helpers to open, rewrite and inspect an archive."""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from bot.blobs import LocalBlobStore
from bot.blocks.text import mention_marker
from bot.db import Sessions
from bot.filecheck import file_type_of, safe_name
from models.collaborations import Collaboration
from models.history import Event, append_event, redact_event_content
from models.sides import Actor, Side
from models.use_cases import (
    NewRequest,
    RequestCategory,
    accept_request,
    decline_request,
    file_requests,
    fulfil_request,
    record_channel_file,
)
from tests.models.doc_support import new_file_id, pdf, send, upload
from tests.models.support import ALEX, JO, PAT, SAM, T0, start

__all__ = ["Month", "make_month", "post", "read_zip", "rewrite_zip", "share_file"]

SIDE = {ALEX.user_id: Side.HOST, JO.user_id: Side.HOST, PAT.user_id: Side.GUEST, SAM.user_id: Side.GUEST}


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


@dataclass
class Month:
    c: Collaboration
    files: dict[str, bytes] = field(default_factory=dict)  # original name → bytes, per published version
    messages: list[str] = field(default_factory=list)  # texts that must be shown (as rendered)
    hidden: list[str] = field(default_factory=list)  # texts that must never appear anywhere
    turn_messages: list[str] = field(default_factory=list)
    deleted_seq: int = 0


async def post(
    sessions: Sessions,
    c: Collaboration,
    actor: Actor,
    text: str,
    ts: str,
    *,
    now: datetime,
    thread_ts: str | None = None,
    files: list[dict[str, Any]] | None = None,
) -> Event:
    """A channel message, as the message recorder appends it."""
    async with sessions.begin() as session:
        return await append_event(
            session,
            c.id,
            "message_posted",
            actor=actor.user_id,
            side=SIDE.get(actor.user_id),
            data={"user": actor.user_id, "text": text, "ts": ts, "thread_ts": thread_ts, "files": files or []},
            at=now,
        )


async def edit(
    sessions: Sessions, c: Collaboration, actor: Actor, ts: str, text: str, previous: str, *, now: datetime
) -> None:
    async with sessions.begin() as session:
        await append_event(
            session,
            c.id,
            "message_edited",
            actor=actor.user_id,
            side=SIDE.get(actor.user_id),
            data={"ts": ts, "text": text, "previous_text": previous},
            at=now,
        )


async def delete(sessions: Sessions, c: Collaboration, actor: Actor, posted: Event, *, now: datetime) -> None:
    """A deletion: the fact is appended, the posted event's content removed (its content hash stays)."""
    async with sessions.begin() as session:
        await append_event(
            session,
            c.id,
            "message_deleted",
            actor=actor.user_id,
            side=SIDE.get(actor.user_id),
            data={"ts": posted.data["ts"]},
            at=now,
        )
        event = await session.get(Event, posted.id)
        assert event is not None
        await redact_event_content(session, event)


async def gap(sessions: Sessions, c: Collaboration, start: datetime, end: datetime) -> None:
    async with sessions.begin() as session:
        await append_event(
            session,
            c.id,
            "history_gap",
            actor=None,
            side=None,
            data={"from": start.isoformat(), "to": end.isoformat()},
            at=end,
        )


async def share_file(
    sessions: Sessions, store: LocalBlobStore, c: Collaboration, actor: Actor, name: str, data: bytes, *, now: datetime
) -> str:
    """A file dropped into the channel, as the file handler records it (a safe name, the original kept);
    returns its Slack file id."""
    blob = await store.put_bytes(data, max_bytes=10**7)
    file_id = new_file_id()
    async with sessions.begin() as session:
        await record_channel_file(
            session,
            channel_id=c.channel_id,
            user_id=actor.user_id,
            team_key=actor.team_key,
            name=safe_name(name),
            original_name=name,
            size=len(data),
            file_type=file_type_of(safe_name(name)),
            blob=blob,
            slack_file_id=file_id,
            now=now,
        )
    return file_id


async def make_month(
    sessions: Sessions,
    store: LocalBlobStore,
    *,
    title: str = "Retail Co — November 2026 statement",
    drafts: bool = True,
) -> Month:
    """Acme sends the statement; Retail Co files three requests and chats; Acme answers (a POD, a second
    statement version, a decline); Retail Co accepts the POD; Acme leaves an upload as a draft."""
    c = await start(sessions, title=title)
    month = Month(c)

    statement_v1 = pdf("Statement November, first cut")
    await upload(sessions, store, ALEX, c, "Statement.pdf", statement_v1, now=at(1))
    message = f"November statement attached. {mention_marker(PAT.user_id)} please review."
    await send(sessions, ALEX, c, message, now=at(2))
    month.turn_messages.append("November statement attached. @Pat Lee please review.")
    month.files["v1-Statement.pdf"] = statement_v1

    async with sessions.begin() as session:
        filed = await file_requests(
            session,
            actor=PAT,
            collaboration_id=c.id,
            requests=[
                NewRequest(RequestCategory.PROOF_OF_DELIVERY, ["INV-1001"], Decimal("1234.50"), "USD", "3 cases short"),
                NewRequest(RequestCategory.CREDIT_MEMO, ["RMA-77"], Decimal("89.90"), "EUR", "Returned goods"),
                NewRequest(RequestCategory.TRACKING, ["INV-1002"], None, None, "Where is it?", date(2026, 12, 20)),
            ],
            now=at(3),
        )

    # The chat: a question, a reply in its thread, an edit, a deleted message, and a time Baton was down.
    question = await post(
        sessions, c, PAT, f"{mention_marker(ALEX.user_id)} is INV-1001 the March order?", "1764579600.000100", now=at(4)
    )
    await post(
        sessions,
        c,
        SAM,
        "It is the March one, I checked.",
        "1764579700.000200",
        thread_ts="1764579600.000100",
        now=at(5),
    )
    await edit(
        sessions,
        c,
        SAM,
        "1764579700.000200",
        "It is the March order, I checked the PO.",
        "It is the March one, I checked.",
        now=at(6),
    )
    pasted = await post(sessions, c, JO, "Our IBAN is DE02 1203 0000 0000 2020 51", "1764579800.000300", now=at(7))
    await delete(sessions, c, JO, pasted, now=at(8))
    month.deleted_seq = pasted.seq
    await gap(sessions, c, T0.replace(hour=9, minute=12), T0.replace(hour=9, minute=40))
    await post(sessions, c, ALEX, "Back after the outage & <all> is well.", "1764581000.000400", now=at(41))
    month.messages += [
        "@Alex Kim is INV-1001 the March order?",
        "It is the March order, I checked the PO.",
        "Back after the outage &amp; &lt;all&gt; is well.",
    ]
    month.hidden.append("DE02 1203 0000 0000 2020 51")
    assert question.seq < pasted.seq

    await send(sessions, PAT, c, "Three requests for you.", now=at(42))
    month.turn_messages.append("Three requests for you.")

    # Acme answers: a POD fulfils #1, a second statement version, #2 declined.
    pod = pdf("Signed POD for INV-1001")
    staged = await upload(sessions, store, JO, c, "POD-1001.pdf", pod, now=at(43))
    statement_v2 = pdf("Statement November, corrected")
    await upload(sessions, store, ALEX, c, "statement.PDF", statement_v2, now=at(44))
    async with sessions.begin() as session:
        await fulfil_request(
            session, actor=JO, request_id=filed[0].id, version_ids=[staged.id], note="Signed by R. Diaz", now=at(45)
        )
    async with sessions.begin() as session:
        await decline_request(session, actor=ALEX, request_id=filed[1].id, reason="No return on file", now=at(46))
    await send(sessions, ALEX, c, "POD attached, credit declined.", now=at(47))
    month.turn_messages.append("POD attached, credit declined.")
    month.files["v1-POD-1001.pdf"] = pod
    month.files["v2-statement.PDF"] = statement_v2

    async with sessions.begin() as session:
        await accept_request(session, actor=PAT, request_id=filed[0].id, outcome="Deduction released", now=at(48))
    await send(sessions, PAT, c, "POD accepted.", now=at(49))
    month.turn_messages.append("POD accepted.")

    # Acme's drafts, never sent: they must not be in any archive.
    if not drafts:
        return month
    await upload(sessions, store, JO, c, "Draft-Secret.pdf", pdf("unsent draft"), now=at(50))
    month.hidden.append("Draft-Secret")
    return month


def read_zip(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {info.filename: zf.read(info) for info in zf.infolist()}


def rewrite_zip(
    path: Path, change: Callable[[dict[str, bytes]], dict[str, bytes]], *, fix_manifest: bool = False
) -> None:
    """Write the archive again with `change` applied to its members; with `fix_manifest`, the manifest is
    recomputed too, so only the chain (or the posted head hash) can catch the change."""
    members = change(read_zip(path))
    if fix_manifest:
        members["MANIFEST.sha256"] = "".join(
            f"{hashlib.sha256(data).hexdigest()}  {name}\n"
            for name, data in members.items()
            if name != "MANIFEST.sha256"
        ).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    path.write_bytes(buffer.getvalue())
