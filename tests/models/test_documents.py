"""Documents: versions by side and name, drafts until the pass, channel files, nothing overwritten."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.blobs import LocalBlobStore
from bot.db import Sessions
from bot.filecheck import safe_name
from models.collaborations import Turn
from models.documents import DocumentVersion, checked_name
from models.errors import BatonError, InvalidInput, NotYourTurn, RoleRequired
from models.history import verify_chain
from models.outbox import OutboxKind
from models.sides import Actor, Role, Side
from models.use_cases import (
    DocumentSource,
    NewPerson,
    VersionStatus,
    add_participants,
    collaboration_view,
    documents_of,
    files_to_publish,
    record_shared_file,
    sign_off,
    stage_upload,
)
from tests.models.doc_support import (
    new_file_id,
    pdf,
    refused_all,
    send,
    share,
    store,
    upload,
)
from tests.models.support import ACME, ALEX, CARL, JO, PAT, SAM, at, chain, outbox, start

__all__ = ["store"]  # the fixture, imported for the tests below


async def versions_seen(
    sessions: Sessions, c_id: int, side: Side | None
) -> dict[tuple[str, Side | None], list[tuple[int | None, bool]]]:
    async with sessions() as session:
        docs = await documents_of(session, c_id, viewer_side=side)
    return {(d.name, d.side): [(v.number, v.published) for v in d.versions] for d in docs}


async def test_same_side_same_name_adds_a_version_other_side_starts_its_own_and_nothing_is_overwritten(
    sessions: Sessions, store: LocalBlobStore
) -> None:
    c = await start(sessions)
    contents = {
        "acme v1": pdf("Acme statement, first cut"),
        "acme v2": pdf("Acme statement, corrected"),
        "retail": pdf("Retail Co's own statement"),
        "acme v3": pdf("Acme statement, final"),
    }
    v1 = await upload(sessions, store, JO, c, "Statement-2026-11.pdf", contents["acme v1"], now=at(1))
    await send(sessions, ALEX, c, "November statement.", now=at(2))
    retail = await upload(sessions, store, SAM, c, "Statement-2026-11.pdf", contents["retail"], now=at(3))
    await send(sessions, PAT, c, "Ours differs.", now=at(4))
    v2 = await upload(sessions, store, ALEX, c, "statement-2026-11.PDF", contents["acme v2"], now=at(5))
    v3 = await upload(
        sessions,
        store,
        JO,
        c,
        "Statement final.pdf",
        contents["acme v3"],
        now=at(6),
        new_version_of=v1.document_id,
    )
    await send(sessions, ALEX, c, "Corrected.", now=at(7))

    assert v2.document_id == v1.document_id, "same side, same name (whatever the case): the next version"
    assert v3.document_id == v1.document_id, "or explicitly marked as a new version of it"
    assert retail.document_id != v1.document_id, "the other side's file of the same name is its own document"
    async with sessions() as session:
        docs = await documents_of(session, c.id, viewer_side=None)
    assert [(d.name, d.side, [v.number for v in d.versions]) for d in docs] == [
        ("Statement-2026-11.pdf", Side.HOST, [1, 2, 3]),
        ("Statement-2026-11.pdf", Side.GUEST, [1]),
    ]
    acme, theirs = docs
    assert [v.original_name for v in acme.versions] == [
        "Statement-2026-11.pdf",
        "statement-2026-11.PDF",
        "Statement final.pdf",
    ]
    assert [v.uploaded_by for v in acme.versions] == [JO.user_id, ALEX.user_id, JO.user_id]
    assert [v.turn_number for v in acme.versions] == [1, 3, 3]
    assert theirs.versions[0].uploaded_by == SAM.user_id

    # Every version's bytes are still there, unchanged.
    stored = {v.sha256: v for d in docs for v in d.versions}
    for label, data in contents.items():
        digest = hashlib.sha256(data).hexdigest()
        assert digest in stored, label
        read = b"".join([chunk async for chunk in store.open(digest)])
        assert hashlib.sha256(read).hexdigest() == digest
        assert stored[digest].size == len(data)


async def test_uploads_are_drafts_seen_by_their_side_only_until_the_pass_publishes_them(
    sessions: Sessions, store: LocalBlobStore
) -> None:
    c = await start(sessions)
    await upload(sessions, store, JO, c, "Statement-2026-11.pdf", pdf("one"), now=at(1))
    await send(sessions, ALEX, c, "Statement.", now=at(2))
    await send(sessions, PAT, c, "Please correct line 4.", now=at(3))

    staged = await upload(sessions, store, JO, c, "Statement-2026-11.pdf", pdf("two"), now=at(4))
    await upload(sessions, store, ALEX, c, "Aging.pdf", pdf("aging"), now=at(5))
    assert (staged.number, staged.published, staged.draft) == (None, False, True), "numbered when published"
    events_before = await chain(sessions, c.id)

    guest_view = await versions_seen(sessions, c.id, Side.GUEST)
    assert guest_view == {("Statement-2026-11.pdf", Side.HOST): [(1, True)]}, "the other side sees nothing new"
    assert await versions_seen(sessions, c.id, None) == guest_view, "nor does the shared card"
    assert await versions_seen(sessions, c.id, Side.HOST) == {
        ("Statement-2026-11.pdf", Side.HOST): [(1, True), (None, False)],
        ("Aging.pdf", Side.HOST): [(None, False)],
    }
    async with sessions() as session:
        assert (await collaboration_view(session, c.id, Side.HOST)).drafts == 2
        assert await files_to_publish(session, c.id, 3) == []

    turn = await send(sessions, ALEX, c, "Corrected statement and the aging.", now=at(6))
    assert turn.summary == ["Uploaded Statement-2026-11.pdf (version 2)", "Uploaded Aging.pdf"]
    assert await versions_seen(sessions, c.id, Side.GUEST) == {
        ("Statement-2026-11.pdf", Side.HOST): [(1, True), (2, True)],
        ("Aging.pdf", Side.HOST): [(1, True)],
    }
    events = await chain(sessions, c.id)
    published = events[len(events_before) :]
    assert [e.kind for e in published] == [
        "document_version_published",
        "document_version_published",
        "turn_passed",
    ]
    assert [(e.actor_user_id, e.data["name"], e.data["version"], e.data["turn"]) for e in published[:2]] == [
        (JO.user_id, "Statement-2026-11.pdf", 2, 3),
        (ALEX.user_id, "Aging.pdf", 1, 3),
    ], "each version is credited to who uploaded it"
    assert published[0].data["sha256"] == hashlib.sha256(pdf("two")).hexdigest()
    assert verify_chain(events) == []

    # Slack delivery is asked once per turn to upload the turn's files with the update.
    assert [e.payload for e in await outbox(sessions, OutboxKind.PUBLISH_FILES)] == [
        {"collaboration_id": c.id, "turn": 1},
        {"collaboration_id": c.id, "turn": 3},
    ]
    async with sessions() as session:
        to_send = await files_to_publish(session, c.id, 3)
    assert [(v.name, v.number) for v in to_send] == [("Statement-2026-11.pdf", 2), ("Aging.pdf", 1)]

    # Once uploaded, the files are Baton's own in the channel: their events are not recorded again.
    async with sessions.begin() as session:
        await record_shared_file(session, version_id=to_send[0].id, slack_file_id="FSHARED1")
        await record_shared_file(session, version_id=to_send[0].id, slack_file_id="FSHARED1")
    async with sessions() as session:
        assert [v.id for v in await files_to_publish(session, c.id, 3)] == [to_send[1].id]
    echo = await share(sessions, store, ALEX, "Statement-2026-11.pdf", pdf("two"), slack_file_id="FSHARED1", now=at(7))
    assert echo.duplicate and echo.version.id == to_send[0].id
    assert len(await chain(sessions, c.id)) == len(events)


async def test_version_numbers_have_no_gap_where_a_draft_waits(sessions: Sessions, store: LocalBlobStore) -> None:
    c = await start(sessions)
    await upload(sessions, store, JO, c, "Statement.pdf", pdf("staged"), now=at(1))
    dropped = await share(sessions, store, ALEX, "Statement.pdf", pdf("dropped in the channel"), now=at(2))
    assert dropped.version.number == 1, "the channel file is public at once, and numbered first"
    assert await versions_seen(sessions, c.id, Side.GUEST) == {("Statement.pdf", Side.HOST): [(1, True)]}
    await send(sessions, ALEX, c, "Statement.", now=at(3))
    assert await versions_seen(sessions, c.id, Side.GUEST) == {("Statement.pdf", Side.HOST): [(1, True), (2, True)]}


async def test_files_shared_in_the_channel_are_published_at_once_whatever_the_turn_and_recorded_once(
    sessions: Sessions, store: LocalBlobStore
) -> None:
    c = await start(sessions)
    file_id = new_file_id()
    first = await share(sessions, store, SAM, "Remittance.pdf", pdf("remit"), slack_file_id=file_id, now=at(1))
    again = await share(sessions, store, SAM, "Remittance.pdf", pdf("remit"), slack_file_id=file_id, now=at(2))
    assert not first.duplicate and again.duplicate
    assert again.version == first.version
    v = first.version
    assert (v.number, v.published, v.side, v.source, v.turn_number) == (1, True, Side.GUEST, "channel", 1)
    assert await versions_seen(sessions, c.id, Side.HOST) == {("Remittance.pdf", Side.GUEST): [(1, True)]}

    shared = [e for e in await chain(sessions, c.id) if e.kind == "file_shared"]
    assert len(shared) == 1, "the same Slack file is recorded once"
    assert (shared[0].actor_user_id, shared[0].side, shared[0].data["stored"]) == (SAM.user_id, "guest", True)
    assert shared[0].data["slack_file_id"] == file_id


async def test_a_file_baton_does_not_store_is_recorded_as_not_stored(sessions: Sessions, store: LocalBlobStore) -> None:
    c = await start(sessions)
    reason = "Statement.pdf is 31.2 MB; Baton stores files up to 25 MB."
    result = await share(sessions, store, PAT, "Statement.pdf", None, size=32_715_571, reason=reason, now=at(1))
    v = result.version
    assert (v.status, v.reason, v.size, v.uploaded_by, v.sha256) == (
        VersionStatus.NOT_STORED,
        reason,
        32_715_571,
        PAT.user_id,
        None,
    )
    (event,) = [e for e in await chain(sessions, c.id) if e.kind == "file_shared"]
    assert (event.data["stored"], event.data["reason"], event.data["size"]) == (False, reason, 32_715_571)
    # Someone of neither side (a carrier, not added) shares a file: it is recorded, owned by no side.
    carrier = await share(sessions, store, CARL, "POD.pdf", pdf("pod"), now=at(2))
    assert carrier.version.side is None


async def test_only_the_holding_sides_leaders_and_contributors_upload_and_refusals_change_nothing(
    sessions: Sessions, store: LocalBlobStore
) -> None:
    c = await start(sessions)
    blob = await store.put_bytes(pdf("x"), max_bytes=10**6)

    def stage(actor: Actor, **kw: Any) -> Callable[[AsyncSession], Awaitable[Any]]:
        args: dict[str, Any] = {
            "actor": actor,
            "collaboration_id": c.id,
            "name": "Statement.pdf",
            "size": blob.size,
            "file_type": "pdf",
            "blob": blob,
            "slack_file_id": new_file_id(),
            "now": at(5),
        }
        args.update(kw)
        return lambda s: stage_upload(s, **args)

    refusal: BatonError = await refused_all(sessions, NotYourTurn, stage(SAM))
    assert refusal.message.startswith("It's Acme's turn (Turn 1)")
    async with sessions.begin() as session:
        await add_participants(
            session,
            actor=ALEX,
            collaboration_id=c.id,
            people=[NewPerson(JO.user_id, ACME, Role.FOLLOWER)],
            now=at(1),
        )
    await refused_all(sessions, RoleRequired, stage(JO))
    error = await refused_all(sessions, InvalidInput, stage(ALEX, name="../secret.pdf"))
    assert error.field == "file"

    theirs = await share(sessions, store, SAM, "Statement.pdf", pdf("theirs"), now=at(2))
    error = await refused_all(sessions, InvalidInput, stage(ALEX, new_version_of=theirs.version.document_id))
    assert error.message == ("Statement.pdf is Retail Co's document: upload yours as a document of Acme.")


async def test_a_repeated_submission_stages_the_file_once(sessions: Sessions, store: LocalBlobStore) -> None:
    c = await start(sessions)
    first = await upload(sessions, store, JO, c, "Statement.pdf", pdf("x"), slack_file_id="FMODAL1", now=at(1))
    again = await upload(sessions, store, JO, c, "Statement.pdf", pdf("x"), slack_file_id="FMODAL1", now=at(2))
    assert again.id == first.id
    async with sessions() as session:
        assert (await collaboration_view(session, c.id, Side.HOST)).drafts == 1


async def test_a_shared_file_is_a_change_that_clears_sign_offs(sessions: Sessions, store: LocalBlobStore) -> None:
    c = await start(sessions)
    async with sessions.begin() as session:
        await sign_off(session, actor=ALEX, collaboration_id=c.id, now=at(1))
    await share(sessions, store, SAM, "Remittance.pdf", pdf("remit"), now=at(2))
    async with sessions() as session:
        assert (await collaboration_view(session, c.id)).signed_off == {}
    cleared = [e for e in await chain(sessions, c.id) if e.kind == "sign_offs_cleared"]
    assert [e.data for e in cleared] == [
        {"cleared": {"host": ALEX.user_id}, "because": "a file was shared in the channel"}
    ]


async def test_the_published_record_never_changes_underneath(sessions: Sessions, store: LocalBlobStore) -> None:
    """A published version's row stays as it was through later versions (only its Slack file id is noted)."""
    c = await start(sessions)
    await upload(sessions, store, JO, c, "Statement.pdf", pdf("one"), now=at(1))
    await send(sessions, ALEX, c, "One.", now=at(2))
    async with sessions() as session:
        (first,) = (await session.scalars(select(DocumentVersion))).all()
        before = {col.name: getattr(first, col.key) for col in DocumentVersion.__mapper__.columns}
    await send(sessions, PAT, c, "Ok.", now=at(3))
    await upload(sessions, store, JO, c, "Statement.pdf", pdf("two"), now=at(4))
    await send(sessions, ALEX, c, "Two.", now=at(5))
    async with sessions() as session:
        rows = (await session.scalars(select(DocumentVersion).order_by(DocumentVersion.id))).all()
        turns = (await session.scalars(select(Turn).order_by(Turn.number))).all()
    assert {col.name: getattr(rows[0], col.key) for col in DocumentVersion.__mapper__.columns} == before
    assert [r.number for r in rows] == [1, 2]
    assert rows[1].source is DocumentSource.UPLOAD
    assert [t.summary for t in turns][:3] == [
        ["Uploaded Statement.pdf"],
        [],
        ["Uploaded Statement.pdf (version 2)"],
    ]


def test_every_safe_name_is_a_storable_document_name() -> None:
    hostile = ["../../etc/passwd", "a\x00b.pdf", ".htaccess", "x" * 300 + ".pdf", "..", "CON", " .. / .pdf", "\u202e"]
    for name in hostile:
        assert checked_name(safe_name(name)) == safe_name(name)
