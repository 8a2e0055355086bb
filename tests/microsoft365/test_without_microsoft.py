"""Without MS_* settings Microsoft 365 is not there at all: the month works as ever, and nothing a person
or an operator sees mentions Microsoft or SharePoint."""

from __future__ import annotations

import re

import aiohttp
from sqlalchemy import select

from bot.blocks.ids import BlockId
from models.outbox import OutboxEntry, OutboxKind
from tests.collaborations import helpers
from tests.harness import Harness
from tests.microsoft365.test_filing import archive_in_channel, kept_zips, wrap_up
from tests.scheduler.test_in_slack import Months, start_by_hand

MICROSOFT = re.compile(r"microsoft|sharepoint|graph|m365", re.IGNORECASE)


def everything_seen(h: Harness) -> list[str]:
    seen = [m.content for m in h.alice.messages(h.channel)] + [m.content for m in h.bob.messages(h.channel)]
    seen += [m.content for m in h.alice.dms()] + [m.content for m in h.bob.dms()]
    seen += [e.text for e in h.alice.ephemerals()] + [e.text for e in h.bob.ephemerals()]
    return seen


async def test_the_month_runs_and_nothing_mentions_microsoft(harness: Harness) -> None:
    h, months = harness, Months.from_today()
    deps = h.baton.deps
    assert deps.settings.microsoft_configured is False
    assert deps.microsoft_tokens is None and deps.graph is None and h.baton.pickup is None
    assert not {OutboxKind.STATEMENT_PICKUP, OutboxKind.FILE_ARCHIVE} & set(deps.outbox.deliverers)

    base = str(h.emu.bot_url).removesuffix("/slack/events")
    async with aiohttp.ClientSession() as http, http.get(f"{base}/healthz") as response:
        body = await response.json()
    assert response.status == 200 and "microsoft365" not in body
    assert not MICROSOFT.search(str(body))

    await start_by_hand(h, months)
    await h.alice.slash("/turn", "schedule", channel=h.channel)
    await h.emu.wait_for(lambda: h.alice.modal)
    modal = h.alice.modal
    assert modal is not None
    assert not MICROSOFT.search(str(modal.blocks)), "the schedule modal has no Microsoft 365 fields"
    assert BlockId.STATEMENT_FOLDER.value not in str(modal.blocks)
    await h.alice.fill({"Customer number": "C-1042"})
    assert await h.alice.submit() is None

    await h.bob.share_file(h.channel, "remittance.pdf", b"%PDF-1.7 remittance")
    await helpers.pass_turn(h, h.alice, "Statement attached.")
    await helpers.pass_turn(h, h.bob, "All good.")
    await wrap_up(h)

    assert "wrapped up" in helpers.card(h).content.lower()
    assert archive_in_channel(h)
    assert kept_zips(h) == [], "the zip is deleted once shared, as ever"
    seen = everything_seen(h)
    assert seen and not [text for text in seen if MICROSOFT.search(text)]
    async with deps.sessions() as session:
        kinds = set((await session.scalars(select(OutboxEntry.kind))).all())
    assert not {OutboxKind.STATEMENT_PICKUP, OutboxKind.FILE_ARCHIVE} & kinds
