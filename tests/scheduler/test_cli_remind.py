"""`baton remind` as operators run it: a separate process, posting through Slack, once."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from tests.harness import Harness
from tests.scheduler.test_in_slack import Months, start_by_hand

ROOT = Path(__file__).resolve().parents[2]


async def baton(*args: str, h: Harness) -> tuple[int, str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "BATON_", "MS_", "DATABASE_"))}
    env = {
        **clean,
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": h.settings.database_url,
        "BATON_DATA_DIR": str(h.settings.BATON_DATA_DIR),
        "SLACK_BOT_TOKEN": h.emu.bot_token,
        "SLACK_API_URL": h.emu.api_url,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", *args, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(process.communicate(), 120)
    return process.returncode or 0, out.decode(), err.decode()


async def test_baton_remind_opens_the_month_and_reminds_once(harness: Harness) -> None:
    h, months = harness, Months.from_today()
    await start_by_hand(h, months)
    day = months.run_at.date().isoformat()
    code, out, err = await baton("remind", "--date", day, h=h)
    assert code == 0, err
    assert "opened 1, rolled over 1, reminders 1" in out
    await h.settle()
    assert len([m for m in h.alice.dms() if months.due_words in m.content]) == 1
    assert not [m for m in h.bob.messages(h.channel) if months.due_words in m.content], "host-only reminder"

    code, out, _ = await baton("remind", "--date", day, h=h)
    assert code == 0 and "opened 0, rolled over 0, reminders 0" in out
    await h.settle()
    assert len([m for m in h.alice.dms() if months.due_words in m.content]) == 1


async def test_baton_remind_refuses_a_malformed_date(harness: Harness) -> None:
    code, _, err = await baton("remind", "--date", "December 1st", h=harness)
    assert code == 2 and "--date" in err
