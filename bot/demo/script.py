"""The month of DESIGN §1, step by step, as the four people of the cast live it in Slack.

The statement month is the one before this one (the start modal's default), so the story stays true to
Baton's own clock whatever day the demo runs: today, in December 2026, Alice reconciles the November
2026 statement with Retail Co, and the scheduler's run for the first business day of January 2027
opens the December statement, carrying the dispute still open ("#2026-11/2").

Slack handlers stamp the record with the real clock, and the scheduler opens no period that fell due
before the account existed; so the run is the first business day of *next* month, never a fixed date
that would pass.
"""

from __future__ import annotations

import asyncio
import json
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.archive import VerifyReport, verify_archive
from bot.blocks.format import month_label
from bot.demo import documents
from bot.demo.cast import DISTRIBUTOR, RETAILER, TIMEZONE
from bot.demo.director import Director
from bot.emulator import Message
from models.flows.accounts import account_of_channel, schedule_of
from models.flows.rollover import statement_title
from scheduler.jobs import run_due
from scheduler.schedules import Month, due_at

__all__ = ["Outcome", "Period", "play_month"]

_HASH = re.compile(r"\b[0-9a-f]{64}\b")


@dataclass(frozen=True)
class Period:
    """The month being reconciled, and the days the story uses."""

    today: date  # Baton's today, in the account's time zone
    period: str  # "2026-11": the statement month, last month

    @classmethod
    def of(cls, now: datetime) -> Period:
        today = now.astimezone(ZoneInfo(TIMEZONE)).date()
        return cls(today=today, period=Month.of(today).shift(-1).period)

    @property
    def month(self) -> str:
        return month_label(self.period)  # "November 2026"

    @property
    def title(self) -> str:
        return statement_title(RETAILER, self.period)

    @property
    def next_period(self) -> str:
        return Month.parse(self.period).shift(1).period

    @property
    def archive_name(self) -> str:
        return f"retail-co-{self.period}-archive.zip"


@dataclass(frozen=True)
class Outcome:
    """What the month left behind, for the summary."""

    archive: Path
    archive_size: int
    head_hash: str  # as posted in Slack with the archive
    report: VerifyReport
    counts: dict[str, int]  # messages, turns, requests, document versions, events
    next_title: str
    run_at: datetime  # the scheduler's run, in the account's time zone
    carried: str  # the carried-over request's label


async def play_month(d: Director, when: Period, *, out: Path, documents_dir: Path) -> Outcome:
    """Play the month; raise DemoStepFailed at the first step that does not do what it should."""
    alice, marcus, bob, priya = d.cast.alice, d.cast.marcus, d.cast.bob, d.cast.priya
    papers = await asyncio.to_thread(documents.write_documents, when.period, documents_dir)
    statement, revised, pod, memo = papers.statement, papers.revised, papers.pod, papers.memo
    due = when.today + timedelta(days=7)

    async with d.step("distributor starts the collaboration"):
        await d.slash(alice, "/turn", "new")
        await d.emu.wait_for(lambda: alice.modal, message="for the start modal")
        await d.submit(
            alice,
            {
                "Title": when.title,
                "Retailer": RETAILER,
                "Statement month": when.month,
                "Note": f"{when.month} statement for Retail Co (customer RC-0417). Please review and raise "
                "anything you doubt as a request.",
                "Retailer's contact in this channel": bob,
            },
        )
        card = d.card()
        d.expect(when.title in card.content, f"expected the card titled “{when.title}”, saw “{card.text}”")
        d.expect(
            "Turn 1" in card.content and f"{DISTRIBUTOR}'s turn" in card.content,
            f"expected “Turn 1 · {DISTRIBUTOR}'s turn” on the card, saw “{card.text}”",
            shown=f"the card is pinned for both organisations: Turn 1 · {DISTRIBUTOR}'s turn",
        )

    async with d.step("distributor uploads the statement"):
        seen_by_bob = [m.ts for m in bob.messages(d.cast.channel)]
        await d.open_modal(alice, "Upload", d.card())
        await d.submit(alice, {"Files": [await alice.upload_for_input(statement.name, statement.data)]})
        told = alice.ephemerals(d.cast.channel)
        d.expect(bool(told) and statement.name in told[-1].content, "expected Alice to be told the upload is staged")
        d.expect(
            [m.ts for m in bob.messages(d.cast.channel)] == seen_by_bob and not bob.ephemerals(),
            "the retailer saw the draft before the turn was passed",
            shown="a draft: only Northwind's side knows of it until the turn is passed",
        )

    async with d.step("retailer tries to act out of turn"):
        await d.click(bob, "Upload", d.card())
        told = bob.ephemerals(d.cast.channel)
        d.expect(bob.modal is None, "expected no upload modal for the retailer during Northwind's turn")
        d.expect(
            bool(told) and DISTRIBUTOR in told[-1].content,
            "expected the retailer to be told whose turn it is",
            shown="refused, in words that say who can act now; nothing changed",
        )

    async with d.step("distributor passes the turn"):
        await d.open_modal(alice, "Pass turn", d.card())
        await d.submit(
            alice,
            {
                d.first_input(alice): f"Hi Bob, here is the {when.month} statement: balance due USD 10,978.25. "
                f"Could you review it by {due:%b} {due.day}?",
            },
        )
        copies = [f for m in bob.messages(d.cast.channel) for f in m.files if f.name == statement.name]
        d.expect(
            len(copies) == 1 and copies[0].data == statement.data,
            f"expected {statement.name} shared in the channel byte for byte, saw {len(copies)} copies",
        )
        card = d.card()
        d.expect(
            "Turn 2" in card.content and f"{RETAILER}'s turn" in card.content,
            f"expected “Turn 2 · {RETAILER}'s turn” on the card, saw “{card.text}”",
            shown=f"the statement is published with the update; Turn 2 · {RETAILER}'s turn, Bob is mentioned",
        )

    async with d.step("both sides chat: a question, a thread reply, an edit"):
        question = await d.post(bob, "Quick one before we file anything: is INV-10482 the paper towel order?")
        await d.reply(alice, question, "Yes — PO 88131, 40 cases, delivered to store #14 on the 12th.")
        await d.edit(bob, question, "Quick one before we file anything: is INV-10482 the PO 88131 paper towel order?")
        d.expect(
            question.edited is not None and len(bob.thread(question)) == 1,
            "expected Bob's edited question with Alice's reply in its thread",
            shown="chat is open to both sides whoever holds the turn; Baton records it as it goes",
        )

    async with d.step("receiving lead joins through Slack"):
        await d.join(priya)
        told = priya.ephemerals(d.cast.channel)
        d.expect(
            bool(told) and f"{RETAILER}'s turn" in told[-1].content,
            "expected Priya to get a read-in saying whose turn it is",
            shown="Priya is a contributor for Retail Co, and got a read-in of where things stand",
        )

    async with d.step("retailer files two requests"):
        await d.open_modal(bob, "Request document", d.card())
        await d.submit(
            bob,
            {
                "What you need": "Proof of delivery (POD)",
                "Invoice or credit numbers": documents.POD,
                "Amount in dispute": "430.08",
                "Details": "Store #14 counted 32 of 40 cases. Shortage claim: 8 cases.",
                "Due date": due,
            },
        )
        await d.open_modal(priya, "Request document", d.card())
        await d.submit(
            priya,
            {
                "What you need": "Credit memo",
                "Invoice or credit numbers": documents.CREDIT_MEMO,
                "Amount in dispute": "1164.00",
                "Details": "Please send the memo for the return RA-5518.",
                "Due date": due,
            },
        )
        d.expect(d.request_cards() == [], "the requests showed in the channel before the turn was passed")
        await d.open_modal(bob, "Pass turn", d.card())
        await d.submit(bob, {d.first_input(bob): "Two items need backup before we can pay: see the requests."})
        cards = d.request_cards()
        d.expect(
            len(cards) == 2,
            f"expected 2 request cards, saw {len(cards)}",
            shown="each request has its own card in the channel; the card shows USD 1,594.08 in dispute",
        )

    async with d.step("distributor adds its shipping clerk"):
        await d.open_modal(alice, "Add people", d.card())
        await d.submit(alice, {"People": [marcus], "Their role": "Contributor"})
        d.expect(marcus.id in d.cast.channel.members, "expected Marcus invited into the channel")
        told = marcus.ephemerals(d.cast.channel)
        d.expect(
            bool(told) and "Turn 3" in told[-1].content,
            "expected Marcus to get a read-in",
            shown="Marcus is in the channel as a contributor for Northwind, with a read-in",
        )

    async with d.step("shipping clerk fulfils the POD request on its card"):
        await d.open_modal(marcus, "Fulfill", d.request_card(documents.POD), on=f"the {documents.POD} request card")
        await d.submit(
            marcus,
            {
                "Files": [await marcus.upload_for_input(pod.name, pod.data)],
                "Note": "Signed by J. Alvarez at store #14.",
            },
        )
        d.expect(
            "fulfilled" not in d.request_card(documents.POD).content.lower(),
            "the POD fulfilment showed before the turn was passed",
            shown="staged with Northwind's turn: Retail Co sees it when Alice passes",
        )

    async with d.step("distributor answers the credit memo request in its thread"):
        await d.share_file(
            alice, memo.name, memo.data, thread=d.request_card(documents.CREDIT_MEMO), text="Here is CM-2231."
        )
        d.expect(
            "fulfilled" in d.request_card(documents.CREDIT_MEMO).content.lower(),
            "expected the credit memo request fulfilled by the file in its thread",
            shown="a file in the request's thread is public at once, and fulfils it",
        )

    async with d.step("distributor uploads the revised statement"):
        await d.open_modal(alice, "Upload", d.card())
        await d.submit(alice, {"Files": [await alice.upload_for_input(revised.name, revised.data)]})
        told = alice.ephemerals(d.cast.channel)
        d.expect(
            bool(told) and revised.name in told[-1].content,
            "expected Alice to be told the revised statement is staged",
            shown="same name, same side: a new version of the statement, staged until the pass",
        )

    async with d.step("distributor passes the turn back"):
        await d.open_modal(alice, "Pass turn", d.card())
        await d.submit(
            alice,
            {
                d.first_input(alice): "POD for INV-10482 attached: 40 cases signed for. CM-2231 is in its "
                "thread. Statement revised (version 2): your payment of the 26th is now applied.",
            },
        )
        pod_card = d.request_card(documents.POD)
        d.expect("fulfilled" in pod_card.content.lower(), "expected the POD request fulfilled after the pass")
        card = d.card()
        d.expect(
            "version 2" in card.content and "Turn 4" in card.content,
            f"expected the revised statement (version 2) on the card at Turn 4, saw “{card.text}”",
            shown="the revised statement is version 2 of the same document; Turn 4 · Retail Co's turn",
        )

    async with d.step("retailer accepts the POD and reopens the credit memo"):
        await d.open_modal(bob, "Accept", d.request_card(documents.POD), on=f"the {documents.POD} request card")
        await d.submit(bob, {"Outcome": "POD shows 40 cases signed for at store #14: shortage claim withdrawn."})
        await d.open_modal(
            bob, "Reopen", d.request_card(documents.CREDIT_MEMO), on=f"the {documents.CREDIT_MEMO} request card"
        )
        await d.submit(bob, {d.first_input(bob): "CM-2231 credits store #14, but RA-5518 was returned by store #22."})
        await d.open_modal(bob, "Pass turn", d.card())
        await d.submit(
            bob,
            {
                d.first_input(bob): "INV-10482 is fine, thanks. CM-2231 names the wrong store: reopened. We'll pay "
                "the rest and hold USD 1,164.00 until the corrected memo arrives.",
            },
        )
        pod_text = d.request_card(documents.POD).content.lower()
        memo_text = d.request_card(documents.CREDIT_MEMO).content.lower()
        d.expect("accepted" in pod_text, "expected the POD request accepted")
        d.expect(
            "reopened" in memo_text,
            "expected the credit memo request reopened",
            shown="#1 accepted with its outcome; #2 reopened with the reason — the dispute stays open",
        )

    async with d.step("distributor signs off"):
        await d.click(alice, "Sign off", d.card())
        card = d.card()
        d.expect(
            f"{RETAILER}'s turn" in card.content,
            f"expected the turn with {RETAILER} after Northwind signed off, saw “{card.text}”",
            shown="Northwind is satisfied; the turn goes to Retail Co to sign off too",
        )

    async with d.step("retailer signs off: wrapped up"):
        await d.click(bob, "Sign off", d.card())
        card = d.card()
        d.expect("wrapped up" in card.content.lower(), f"expected the card to read “wrapped up”, saw “{card.text}”")
        shared = _archive_messages(d)
        d.expect(
            len(shared) == 1,
            f"expected the archive (.zip) shared in the channel with its head hash, saw {len(shared)}",
            shown="both signed off: the collaboration is wrapped up and its archive is in the channel",
        )

    async with d.step("the archive: copied and verified"):
        message = _archive_messages(d)[0]
        file = next(f for f in message.files if f.name.endswith(".zip"))
        posted = _HASH.findall(message.content)
        d.expect(len(posted) >= 1, "expected the head hash in the message that carries the archive")
        if file.data is None:
            raise d.fail(f"the emulator holds no bytes for {file.name}")
        archive = out / when.archive_name
        await asyncio.to_thread(archive.write_bytes, file.data)
        d.narrator.happens(f"The demo copies {file.name} from the channel to {archive}")
        report = verify_archive(archive, expected_head=posted[0])
        for problem in report.problems:
            d.narrator.note(f"problem: {problem}", indent=4)
        d.expect(
            report.ok and report.head_hash == posted[0],
            f"the archive does not verify: {'; '.join(report.problems) or 'head hash differs'}",
            shown="every file matches the manifest, the event chain verifies, the head hash is the one posted",
        )
        counts, edits = _counts(archive)
        d.expect(counts["requests"] == 2, f"expected 2 requests in the archive, saw {counts['requests']}")
        d.expect(
            counts["document versions"] == 4,
            f"expected 4 document versions in the archive (the statement twice, POD, memo), saw "
            f"{counts['document versions']}",
        )
        d.expect(
            counts["messages"] >= 2 and edits == 1,
            f"expected the chat in the archive (2 messages or more, 1 edit), saw {counts['messages']} and {edits}",
            shown="it holds the chat too: the question, the reply in its thread, the edit and the text it replaced",
        )

    async with d.step("next month opens"):
        sessions = d.stage.baton.deps.sessions
        async with sessions.read() as session:
            account = await account_of_channel(session, d.cast.channel.id)
            if account is None:
                raise d.fail("expected the retailer's account to exist")
            schedule = await schedule_of(session, account.id, default_timezone=TIMEZONE)
        run_at = due_at(schedule, Month.parse(when.next_period).shift(1))
        local = run_at.astimezone(ZoneInfo(schedule.timezone))
        d.narrator.happens(
            f"The scheduler runs for the first business day of {local:%B %Y}: "
            f"{local:%A} {local.day} {local:%B %Y}, {local:%H:%M} {schedule.timezone}"
        )
        report_run = await run_due(sessions, now=run_at, default_timezone=TIMEZONE)
        await d.observe()
        d.expect(
            report_run.opened == 1, f"expected the scheduler to open 1 collaboration, it opened {report_run.opened}"
        )
        next_title = statement_title(RETAILER, when.next_period)
        carried = f"#{when.period}/2"
        card = d.card()
        d.expect(next_title in card.content, f"expected the new card “{next_title}”, saw “{card.text}”")
        d.expect(
            carried in card.content,
            f"expected the open dispute {carried} on the new card, saw “{card.text}”",
            shown=f"“{next_title}” is open in the same channel, carrying {carried}",
        )
        reminders = [m for m in alice.dms() if "statement is due" in m.content]
        d.expect(len(reminders) == 1, f"expected one “statement is due” direct message to Alice, saw {len(reminders)}")
        d.expect(carried in reminders[0].content, f"expected Alice's reminder to list {carried}")
        d.expect(
            not bob.dms() and not priya.dms(),
            "Baton sent a direct message to someone of the retailer's organisation",
        )
        d.expect(
            not [m for m in bob.messages(d.cast.channel) if "statement is due" in m.content],
            "the reminder meant for Northwind showed in the shared channel",
            shown="the statement reminder reaches Alice by direct message; nothing reaches Retail Co's people",
        )
        d.expect(
            not d.emu.violations,
            "Baton broke Slack's rules: " + "; ".join(str(v) for v in d.emu.violations[:3]),
            shown="Baton broke none of the Slack rules the emulator checks",
        )

    return Outcome(
        archive=archive,
        archive_size=len(file.data),
        head_hash=posted[0],
        report=report,
        counts=counts,
        next_title=next_title,
        run_at=local,
        carried=carried,
    )


def _archive_messages(d: Director) -> list[Message]:
    return [
        m for m in d.cast.bob.messages(d.cast.channel) if m.bot_id and any(f.name.endswith(".zip") for f in m.files)
    ]


def _counts(archive: Path) -> tuple[dict[str, int], int]:
    """What the archive holds, read from its collaboration.json; and how many edits it records."""
    with zipfile.ZipFile(archive) as zf:
        record = json.loads(zf.read("collaboration.json"))
    events = record.get("events", [])
    counts = {
        "messages": sum(1 for e in events if e.get("kind") == "message_posted"),
        "turns": len(record.get("turns", [])),
        "requests": len(record.get("requests", [])),
        "document versions": sum(len(doc.get("versions", [])) for doc in record.get("documents", [])),
        "events": len(events),
    }
    return counts, sum(1 for e in events if e.get("kind") == "message_edited")
