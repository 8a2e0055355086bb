"""`baton demo`: the month of DESIGN §1 against the emulator, from the real entry point, leaving only its folder."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.archive import verify_archive
from bot.demo import DemoRefused, run_demo
from bot.demo.documents import Line as PdfLine
from bot.demo.documents import one_page_pdf, statement
from bot.demo.script import Period
from models.base import utcnow
from scheduler.jobs import RunReport

ROOT = Path(__file__).resolve().parents[2]


def run_baton(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "BATON_", "MS_", "DATABASE_"))}
    clean.pop("NO_COLOR", None)
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        env={**clean, **env, "PYTHONPATH": str(ROOT)},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=90,
    )


def test_the_demo_plays_the_month_and_leaves_only_its_folder(tmp_path: Path) -> None:
    # Settings meant for a real deployment are in the environment: the demo must use none of them.
    hostile = {
        "SLACK_BOT_TOKEN": "xoxb-real-workspace-token",
        "SLACK_SIGNING_SECRET": "real-secret",
        "SLACK_API_URL": "http://192.0.2.1/api/",  # TEST-NET: nothing answers there
        "BATON_DATA_DIR": str(tmp_path / "production-data"),
        "DATABASE_URL": "sqlite+aiosqlite:///" + str(tmp_path / "production.db"),
    }
    result = run_baton("demo", "--out", "out", cwd=tmp_path, env=hostile)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    assert "Traceback" not in result.stderr and result.stderr.strip() == "", result.stderr
    out = result.stdout
    assert "\033[" not in out, "no colour when stdout is not a terminal"

    # What each person does and sees, in order.
    period = Period.of(utcnow())
    steps = [
        "Step 1 · Distributor starts the collaboration",
        "Step 4 · Distributor passes the turn",
        "Retailer files two requests",
        "Shipping clerk fulfils the POD request on its card",
        "Distributor answers the credit memo request in its thread",
        "Retailer signs off: wrapped up",
        "Next month opens",
        "Summary",
    ]
    positions = [out.index(step) for step in steps]
    assert positions == sorted(positions)
    assert "Alice Moreau (Northwind Distribution) clicks Pass turn on the card" in out
    assert "Bob Tran (Retail Co) clicks Request document on the card" in out
    assert "Only Bob Tran sees" in out and "It's Northwind Distribution's turn" in out  # the refusal
    assert "Turn 2 · Retail Co's turn" in out and "wrapped up" in out.lower()
    assert "version 2" in out  # the revised statement
    assert "Baton → Alice Moreau (direct message)" in out and "statement is due" in out
    assert f"#{period.period}/2" in out  # the dispute carried into next month, qualified

    # The archive the channel received, copied into the folder, verifies against the hash posted in Slack.
    archive = tmp_path / "out" / period.archive_name
    assert archive.is_file()
    posted = re.search(r"Head hash `([0-9a-f]{64})`", out)
    assert posted is not None
    report = verify_archive(archive, expected_head=posted.group(1))
    assert report.ok, report.problems
    assert "OK: every file matches its manifest" in out
    assert re.search(r"It holds\s+\d+ messages · 6 turns · 2 requests · \d+ document versions", out)

    # Nothing outside the folder: no ./data, no production database, no stray files.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    inside = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert inside == sorted([".baton-demo", "data", "documents", period.archive_name])
    assert (tmp_path / "out" / "data" / "baton.db").is_file()
    pdfs = sorted(p.name for p in (tmp_path / "out" / "documents").iterdir())
    assert len(pdfs) == 4 and all(name.endswith(".pdf") for name in pdfs)

    # A second run cleans what the first wrote and plays again.
    again = run_baton("demo", "--out", "out", cwd=tmp_path, env={})
    assert again.returncode == 0, again.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == inside


async def test_a_folder_holding_other_files_is_refused_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    assert await run_demo(out, speed="fast") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "not empty" in err[0]
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"], "a user's file is never touched"


def test_only_an_earlier_demos_own_files_are_cleaned(tmp_path: Path) -> None:
    from bot.demo import prepare_folder

    out = tmp_path / "out"
    prepare_folder(out, "retail-co-2026-11-archive.zip")
    (out / "data").mkdir()
    (out / "data" / "baton.db").write_bytes(b"old")
    (out / "retail-co-2026-11-archive.zip").write_bytes(b"old")
    prepare_folder(out, "retail-co-2026-12-archive.zip")  # next month's run cleans last month's archive too
    assert sorted(p.name for p in out.iterdir()) == [".baton-demo"]

    (out / "notes.txt").write_text("mine")
    with pytest.raises(DemoRefused, match=r"notes\.txt"):
        prepare_folder(out, "retail-co-2026-12-archive.zip")
    assert (out / "notes.txt").read_text() == "mine"


async def test_a_step_that_does_not_do_what_it_should_fails_the_demo_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    async def scheduler_that_does_nothing(*args: object, **kwargs: object) -> RunReport:
        return RunReport()

    monkeypatch.setattr("bot.demo.script.run_due", scheduler_that_does_nothing)
    assert await run_demo(tmp_path / "out", speed="fast") == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == (
        "baton: demo: step 17 (next month opens): expected the scheduler to open 1 collaboration, it opened 0"
    )


def test_the_statement_is_a_well_formed_one_page_pdf() -> None:
    data = statement("2026-11").data
    assert data.startswith(b"%PDF-1.4\n") and data.endswith(b"%%EOF\n")
    startxref = int(re.search(rb"startxref\n(\d+)\n%%EOF", data).group(1))  # type: ignore[union-attr]
    assert data[startxref:].startswith(b"xref\n0 8\n")
    offsets = [int(o) for o in re.findall(rb"(\d{10}) 00000 n \n", data)]
    assert len(offsets) == 7
    for number, offset in enumerate(offsets, start=1):
        assert data[offset:].startswith(f"{number} 0 obj\n".encode()), number
    assert b"/Count 1" in data and b"/BaseFont /Helvetica" in data
    assert b"(INV-10482)" in data and b"(Balance due \\(USD\\))" in data
    length = int(re.search(rb"/Length (\d+) >>\nstream\n", data).group(1))  # type: ignore[union-attr]
    body = data.split(b"stream\n", 1)[1]
    assert body[length:].startswith(b"endstream")
    # Parentheses and backslashes in text are escaped; "—" is WinAnsi's 0x97.
    tricky = one_page_pdf([PdfLine(0, 0, "a (b) \\ c — d")], title="t", author="a")
    assert b"(a \\(b\\) \\\\ c \x97 d) Tj" in tricky
