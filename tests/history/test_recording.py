"""The channel's conversation of both organisations enters the chained record, once, and downtime shows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.db import create_engine, session_factory
from models.documents import DocumentVersion
from models.heartbeat import Heartbeat
from models.history import is_redacted, verify_chain
from tests.collaborations import helpers
from tests.harness import Harness

PDF = b"%PDF-1.7\n" + b"statement line\n" * 2000 + b"%%EOF\n"


def kinds(events) -> list[str]:  # type: ignore[no-untyped-def]
    return [e.kind for e in events]


async def test_messages_replies_edits_and_deletions_are_recorded_and_the_chain_verifies(harness: Harness) -> None:
    h = harness
    await helpers.start(h)
    question = await h.bob.post(h.channel, "Is INV-1042 on this statement?")
    await h.alice.reply(question, "Yes, line 14.")
    await h.bob.edit(question, "Is INV-1042 on the November statement?")
    oops = await h.alice.post(h.channel, "Our IBAN is DE89 3704 0044 0532 0130 00")
    await h.alice.delete(oops)
    await h.settle()

    events = await helpers.chain(h)
    assert verify_chain(events) == []
    posted = [e for e in events if e.kind == "message_posted"]
    texts = [e.data.get("text") for e in posted if not is_redacted(e.data)]
    assert "Yes, line 14." in texts and "Is INV-1042 on this statement?" in texts
    reply = next(e for e in posted if e.data.get("text") == "Yes, line 14.")
    assert reply.data["thread_ts"] == question.ts and reply.side is not None
    edit = next(e for e in events if e.kind == "message_edited")
    assert edit.data["previous_text"] == "Is INV-1042 on this statement?"
    assert edit.data["text"] == "Is INV-1042 on the November statement?"
    assert "message_deleted" in kinds(events)
    assert not any("DE89" in str(e.data) for e in events), "the deleted text is gone from the record"
    assert not any(e.kind == "message_posted" and "over to you" in str(e.data).lower() for e in events), (
        "Baton's own posts coming back as events are not recorded again"
    )


async def test_a_message_event_delivered_three_times_is_recorded_once(harness: Harness) -> None:
    h = harness
    await helpers.start(h)
    event = {
        "type": "message",
        "channel": h.channel.id,
        "user": h.bob.id,
        "user_team": h.bob.team_id,
        "text": "Paid INV-1001 today.",
        "ts": "1796421200.000100",
        "channel_type": "channel",
    }
    await h.emu.deliver_event(event, retries=2, channel=h.channel)
    await h.settle()
    events = await helpers.chain(h)
    assert [e.data.get("text") for e in events if e.kind == "message_posted"] == ["Paid INV-1001 today."]


async def test_files_shared_in_the_channel_become_document_versions_and_an_oversize_one_is_not_stored(
    harness: Harness,
) -> None:
    h = harness
    await helpers.start(h)
    await h.bob.share_file(h.channel, "remittance.pdf", PDF, text="Remittance for November")
    await h.bob.share_file(h.channel, "remittance.pdf", PDF + b"v2")
    await h.bob.share_file(h.channel, "payload.exe", b"MZ\x90\x00" * 10)
    await h.settle()
    async with h.baton.deps.sessions() as session:
        versions = (await session.scalars(select(DocumentVersion).order_by(DocumentVersion.id))).all()
    stored = [v for v in versions if v.blob_sha256]
    assert [v.number for v in stored] == [1, 2], "same side, same name: a second version"
    import hashlib

    assert {v.blob_sha256 for v in stored} == {hashlib.sha256(PDF).hexdigest(), hashlib.sha256(PDF + b"v2").hexdigest()}
    for version in stored:  # the exact bytes can be read back from the store
        assert version.blob_sha256 is not None
        data = b"".join([chunk async for chunk in h.baton.deps.blobs.open(version.blob_sha256)])
        assert hashlib.sha256(data).hexdigest() == version.blob_sha256
    refused = [v for v in versions if not v.blob_sha256]
    assert len(refused) == 1 and refused[0].original_name == "payload.exe"
    note = h.bob.ephemerals(h.channel)[-1].text
    assert "payload.exe" in note and "did not keep" in note


async def test_time_baton_was_not_running_is_recorded_as_a_gap(harness: Harness) -> None:
    h = harness
    await helpers.start(h)
    await h.stop_baton()
    engine = create_engine(h.settings.database_url)
    try:
        async with session_factory(engine).begin() as session:  # as if it stopped half an hour ago
            for row in await session.scalars(select(Heartbeat)):
                row.seen_at -= timedelta(minutes=30)
    finally:
        await engine.dispose()
    await h.start_baton()
    await h.settle()
    events = await helpers.chain(h)
    gap = [e for e in events if e.kind == "history_gap"]
    assert len(gap) == 1 and gap[0].data["from"] < gap[0].data["to"]
    assert verify_chain(events) == []


@pytest.mark.baton_env(BATON_MAX_FILE_MB="1")
async def test_a_channel_file_over_the_size_limit_is_recorded_as_not_stored(harness: Harness) -> None:
    h = harness
    await helpers.start(h)
    big = b"%PDF-1.7\n" + b"0" * (2 * 1024 * 1024) + b"%%EOF\n"
    await h.bob.share_file(h.channel, "scan.pdf", big)
    await h.settle()
    (version,) = await _versions(h)
    assert version.blob_sha256 is None and version.size == len(big) and "1 MB" in (version.reason or "")
    blobs = h.settings.BATON_DATA_DIR / "blobs"
    assert not [p for p in blobs.rglob("*") if p.is_file()], "nothing of it was stored"
    assert "scan.pdf" in h.bob.ephemerals(h.channel)[-1].text


async def _versions(h: Harness) -> list[DocumentVersion]:
    async with h.baton.deps.sessions() as session:
        return list((await session.scalars(select(DocumentVersion))).all())
