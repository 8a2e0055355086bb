"""DESIGN §1 steps 1 to 4 through Slack: the statement as a draft, requests filed by the retailer with buttons,
fulfilment on the card and in a thread, a second version, accept and reopen — each invisible to the other
side until its pass."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import select

from bot.emulator import Person
from bot.emulator.state import Message
from models.documents import DocumentVersion
from models.requests import DocumentRequest, RequestStatus
from tests.collaborations import helpers
from tests.harness import Harness

STATEMENT = b"%PDF-1.7\n% Northwind statement November 2026\n" + b"INV-1001 1,200.00\n" * 500 + b"%%EOF\n"
STATEMENT_V2 = STATEMENT.replace(b"1,200.00", b"1,150.00")
POD = b"%PDF-1.4\n% proof of delivery signed\n" + b"x" * 3000 + b"%%EOF\n"
CREDIT = b"%PDF-1.4\n% credit memo CM-2231\n" + b"y" * 2000 + b"%%EOF\n"


def request_cards(h: Harness) -> list[Message]:
    return [m for m in h.bob.messages(h.channel) if m.bot_id and "Request #" in m.content]


def first_input_label(person: Person) -> str:
    assert person.modal is not None
    return next(b["label"]["text"] for b in person.modal.blocks if b.get("type") == "input")


async def upload(h: Harness, person: Person, name: str, data: bytes, extra: dict[str, Any] | None = None) -> None:
    await person.click("Upload", message=helpers.card(h))
    await h.emu.wait_for(lambda: person.modal)
    file = await person.upload_for_input(name, data)
    await person.fill({"Files": [file], **(extra or {})})
    assert await person.submit() is None
    await h.settle()


async def file_request(h: Harness, person: Person, category: str, refs: str, **more: str) -> None:
    await person.click("Request document", message=helpers.card(h))
    await h.emu.wait_for(lambda: person.modal)
    await person.fill({"What you need": category, "Invoice or credit numbers": refs, **more})
    errors = await person.submit()
    assert errors is None, errors
    await h.settle()


async def versions(h: Harness) -> list[DocumentVersion]:
    async with h.baton.deps.sessions() as session:
        return list((await session.scalars(select(DocumentVersion).order_by(DocumentVersion.id))).all())


async def test_statement_requests_fulfilment_and_revisions(harness: Harness) -> None:
    h, alice, bob = harness, harness.alice, harness.bob
    await helpers.start(h)

    # 1. The statement is uploaded: a draft only the distributor's side sees.
    channel_before = [m.ts for m in bob.messages(h.channel)]
    card_before = helpers.card(h).content
    await upload(h, alice, "statement-2026-11.pdf", STATEMENT)
    assert "statement-2026-11.pdf" in alice.ephemerals(h.channel)[-1].content
    assert [m.ts for m in bob.messages(h.channel)] == channel_before and helpers.card(h).content == card_before
    assert bob.ephemerals(h.channel) == []

    # 2. Passing publishes it: the update, and the file in the channel byte for byte.
    await helpers.pass_turn(h, alice, "November statement attached.")
    shared = [m for m in bob.messages(h.channel) if m.files]
    assert len(shared) == 1
    file = h.emu.state.files[shared[0].files[0]["id"]] if isinstance(shared[0].files[0], dict) else shared[0].files[0]
    assert hashlib.sha256(file.data).hexdigest() == hashlib.sha256(STATEMENT).hexdigest()
    assert "statement-2026-11.pdf" in helpers.updates(h)[-1].content

    # 3. The retailer files two requests with buttons; they stay drafts until its pass.
    await file_request(h, bob, "Proof of delivery (POD)", "INV-1001", **{"Amount in dispute": "1200.00"})
    await file_request(h, bob, "Credit memo", "CM-2231")
    assert request_cards(h) == [] and "Request #" not in helpers.card(h).content
    await helpers.pass_turn(h, bob, "Two items need backup.")
    cards = request_cards(h)
    assert len(cards) == 2
    pod_card = next(c for c in cards if "INV-1001" in c.content)
    memo_card = next(c for c in cards if "CM-2231" in c.content)
    assert "Fulfill" in pod_card.buttons and "USD 1,200.00" in helpers.card(h).content

    # 4. The distributor fulfils #1 on its card, #2 with a file in its thread, and revises the statement.
    await alice.click("Fulfill", message=pod_card)
    await h.emu.wait_for(lambda: alice.modal)
    pod = await alice.upload_for_input("pod-inv-1001.pdf", POD)
    await alice.fill({"Files": [pod], "Note": "Signed by the store's receiver."})
    assert await alice.submit() is None
    await h.settle()
    await alice.share_file(h.channel, "credit-memo-CM-2231.pdf", CREDIT, thread_ts=memo_card.ts)
    await upload(h, alice, "statement-2026-11.pdf", STATEMENT_V2)
    await h.settle()
    # The thread file is chat: public and fulfilling at once; the card fulfilment waits for the pass.
    memo_now = next(m for m in request_cards(h) if m.ts == memo_card.ts)
    pod_now = next(m for m in request_cards(h) if m.ts == pod_card.ts)
    assert "fulfilled" in memo_now.content.lower()
    assert "fulfilled" not in pod_now.content.lower()
    await helpers.pass_turn(h, alice, "POD and credit memo attached; statement revised.")
    pod_now = next(m for m in request_cards(h) if m.ts == pod_card.ts)
    assert "fulfilled" in pod_now.content.lower() and "Accept" in pod_now.buttons

    # The retailer accepts #1 with an outcome and reopens #2 with a reason.
    await bob.click("Accept", message=pod_now)
    await h.emu.wait_for(lambda: bob.modal)
    await bob.fill({"Outcome": "POD matches our receiving log."})
    assert await bob.submit() is None
    await bob.click("Reopen", message=next(m for m in request_cards(h) if m.ts == memo_card.ts))
    await h.emu.wait_for(lambda: bob.modal)
    await bob.fill({first_input_label(bob): "The memo is for the wrong store."})
    assert await bob.submit() is None
    await h.settle()
    await helpers.pass_turn(h, bob, "One accepted, one reopened.")

    async with h.baton.deps.sessions() as session:
        statuses = {r.number: r.status for r in await session.scalars(select(DocumentRequest))}
    assert statuses == {1: RequestStatus.ACCEPTED, 2: RequestStatus.REOPENED}
    texts = {m.ts: m.content for m in request_cards(h)}
    assert "POD matches our receiving log." in texts[pod_card.ts] and "wrong store" in texts[memo_card.ts]

    # Every version's exact bytes read back from the store; the statement has two versions.
    stored = [v for v in await versions(h) if v.blob_sha256]
    statement_versions = sorted(v.number for v in stored if v.original_name == "statement-2026-11.pdf")
    assert statement_versions == [1, 2]
    for version in stored:
        assert version.blob_sha256 is not None
        data = b"".join([c async for c in h.baton.deps.blobs.open(version.blob_sha256)])
        assert hashlib.sha256(data).hexdigest() == version.blob_sha256


async def test_file_limits_are_refused_with_nothing_stored(harness: Harness) -> None:
    h, alice = harness, harness.alice
    await helpers.start(h)
    # A type that is not allowed, and a PDF that is not a PDF: refused, nothing stored.
    for name, data in (("macro.exe", b"MZ" + b"\x00" * 100), ("invoice.pdf", b"<html>not a pdf</html>")):
        await alice.click("Upload", message=helpers.card(h))
        await h.emu.wait_for(lambda: alice.modal)
        file = await alice.upload_for_input(name, data)
        await alice.fill({"Files": [file]})
        errors = await alice.submit()
        await h.settle()
        if errors is None:  # not caught on the modal (content is only known after download): told after
            assert name in alice.ephemerals(h.channel)[-1].content
        else:
            assert any(name in e for e in errors.values()), errors
            await alice.close_modal()
    assert await versions(h) == []


async def test_wrong_side_request_actions_are_refused(harness: Harness) -> None:
    h, alice, bob = harness, harness.alice, harness.bob
    await helpers.start(h)
    await helpers.pass_turn(h, alice, "Statement attached.")
    await file_request(h, bob, "Proof of delivery (POD)", "INV-1001")
    await helpers.pass_turn(h, bob, "Need a POD.")
    (card,) = request_cards(h)
    # The requester may not fulfil its own request, and it is not its turn anyway.
    await bob.click("Fulfill", message=card)
    await h.settle()
    assert bob.modal is None and bob.ephemerals(h.channel)
    # The addressed side may not accept a request it was asked for.
    await alice.click("Cancel", message=card)
    await h.settle()
    told = alice.ephemerals(h.channel)[-1].content.lower()
    assert "can't" in told or "only" in told
    async with h.baton.deps.sessions() as session:
        (request,) = (await session.scalars(select(DocumentRequest))).all()
    assert request.status is RequestStatus.OPEN


async def test_a_10_mb_upload_is_processed_after_the_modal_closes(harness: Harness) -> None:
    from bot.emulator.files import DOWNLOAD_FAULT

    h, alice = harness, harness.alice
    await helpers.start(h)
    big = b"%PDF-1.7\n" + bytes(range(256)) * (10 * 1024 * 1024 // 256 - 64) + b"%%EOF\n"
    # Slack is slow to hand the file over: the modal must not wait for it.
    h.emu.fail_next(DOWNLOAD_FAULT, delay=1.0)
    await alice.click("Upload", message=helpers.card(h))
    await h.emu.wait_for(lambda: alice.modal)
    file = await alice.upload_for_input("statement-scan.pdf", big)
    await alice.fill({"Files": [file]})
    assert await alice.submit() is None
    assert alice.modal is None, "the modal closed on the ack"
    assert await versions(h) == [], "the file is fetched after the ack, not before it"
    await h.settle()
    (version,) = await versions(h)
    assert version.size == len(big) and version.blob_sha256 == hashlib.sha256(big).hexdigest()
