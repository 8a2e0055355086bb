"""`baton demo`: a month of statement reconciliation, played end to end against the built-in Slack emulator.

Baton runs on loopback with a fresh SQLite database inside the output folder; four people of two
companies use it through Slack (the emulator), and the demo prints what each of them sees. No network,
no Slack account. The folder ends up holding the database, the documents the people exchanged and the
archive the channel received.

    status = await run_demo(Path("demo-out"), speed="fast")   # 0: every step did what it should
"""

from __future__ import annotations

import contextlib
import json
import logging
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from bot.demo import cast as casting
from bot.demo.director import DemoStepFailed, Director
from bot.demo.narrator import Narrator
from bot.demo.script import Outcome, Period, play_month
from bot.demo.stage import open_stage
from models.base import utcnow

__all__ = ["DemoRefused", "DemoStepFailed", "prepare_folder", "run_demo"]

EXIT_FAILED = 1
EXIT_REFUSED = 2
LIVE_PAUSE = 0.6  # seconds between steps with --speed live

MARKER = ".baton-demo"  # names what a demo wrote in its folder, so the next run may clean exactly that
DATA = "data"
DOCUMENTS = "documents"


class DemoRefused(Exception):
    """The demo cannot use the output folder (it holds someone's files)."""


def prepare_folder(out: Path, archive_name: str) -> None:
    """Make `out` ready: create it, or clean what an earlier demo wrote there; refuse anything else.

    Only the names an earlier demo listed in its marker are removed; a folder holding anything more
    (or not written by a demo at all) is refused, never emptied.
    """
    if out.exists() and not out.is_dir():
        raise DemoRefused(f"{out} exists and is not a folder: choose another --out")
    if out.is_dir():
        present = {p.name for p in out.iterdir()}
        if present:
            marker = out / MARKER
            if not marker.is_file():
                raise DemoRefused(f"{out} is not empty and holds no earlier demo: choose another --out, or empty it")
            try:
                owned = set(json.loads(marker.read_text(encoding="utf-8")).get("files", []))
            except (ValueError, AttributeError, OSError) as e:
                raise DemoRefused(f"{out}/{MARKER} is unreadable ({e}): choose another --out") from e
            foreign = sorted(present - owned - {MARKER})
            if foreign:
                shown = ", ".join(foreign[:3]) + (" …" if len(foreign) > 3 else "")
                raise DemoRefused(f"{out} holds files an earlier demo did not write ({shown}): choose another --out")
            for name in sorted(present & owned):
                _remove(out / name)
            marker.unlink()
    out.mkdir(parents=True, exist_ok=True)
    owned_now = sorted({DATA, DOCUMENTS, archive_name})
    (out / MARKER).write_text(json.dumps({"written_by": "baton demo", "files": owned_now}) + "\n", encoding="utf-8")


def _remove(path: Path) -> None:
    if path.is_symlink() or not path.is_dir():
        path.unlink()
    else:
        shutil.rmtree(path)


@contextlib.contextmanager
def _quiet_logs() -> Iterator[None]:
    """Only warnings and errors from Baton while the demo narrates.

    bolt warns that a SLACK_BOT_TOKEN in the environment goes unused beside the client it is given:
    true, and meant (the demo ignores the environment), so bolt's own logger says only errors.
    """
    levels = {name: logging.getLogger(name).level for name in ("", "slack_bolt")}
    logging.getLogger().setLevel(logging.WARNING)
    logging.getLogger("slack_bolt").setLevel(logging.ERROR)
    try:
        yield
    finally:
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


async def run_demo(out: Path, *, speed: str, color: bool | None = None, stream: TextIO | None = None) -> int:
    """Play the month into `out`; 0 when every step did what it should and the archive verifies.

    Prints to `stream` (stdout); `color` None: colour when it is a terminal. Failures are one line on
    stderr: 2 when the folder cannot be used, 1 naming the step that failed.
    """
    if speed not in ("fast", "live"):
        raise ValueError(f"speed must be fast or live, not {speed!r}")
    stream = stream or sys.stdout
    started = time.monotonic()
    when = Period.of(utcnow())
    try:
        prepare_folder(out, when.archive_name)
    except DemoRefused as e:
        print(f"baton: demo: {e}", file=sys.stderr)
        return EXIT_REFUSED
    with _quiet_logs():
        emu = casting.emulator()
        await emu.start()
        try:
            cast = casting.assemble(emu)
            stage = await open_stage(emu, out / DATA, timezone=casting.TIMEZONE)
        except Exception as e:
            await emu.stop()
            print(f"baton: demo: could not start Baton against the emulator: {e}", file=sys.stderr)
            return EXIT_FAILED
        narrator = Narrator(
            stream,
            emu,
            color=stream.isatty() if color is None else color,
            people={p.id: cast.title(p) for p in cast.everyone},
        )
        _introduce(narrator, cast, when, out)
        director = Director(stage, cast, narrator, pause=LIVE_PAUSE if speed == "live" else 0.0)
        try:
            outcome = await play_month(director, when, out=out, documents_dir=out / DOCUMENTS)
        except DemoStepFailed as e:
            narrator.failed(str(e))
            print(f"baton: demo: {e}", file=sys.stderr)
            return EXIT_FAILED
        finally:
            await stage.close()
    _summarise(narrator, outcome, out, seconds=time.monotonic() - started)
    return 0


def _introduce(n: Narrator, cast: casting.Cast, when: Period, out: Path) -> None:
    n.title(
        f"Baton demo · {when.title}",
        [
            "A month of statement reconciliation in a Slack Connect channel, played against Baton's built-in",
            f"Slack emulator on this machine (no network, no Slack account). Everything lands in {out}/.",
        ],
    )
    n.print()
    rows = [
        (cast.alice, "AR accountant", "host: Baton is installed in its workspace"),
        (cast.marcus, "shipping clerk", "host"),
        (cast.bob, "AP clerk", "guest, through Slack Connect"),
        (cast.priya, "receiving lead", "guest"),
    ]
    for person, job, side in rows:
        n.print(f"{person.user.real_name:<14} {job:<15} {person.org.name:<24} {n.style(side, 'dim')}", 2)
    n.print()
    n.note(f"#{cast.channel.name} is shared by both companies; Alice and Bob are in it.", indent=0)


def _summarise(n: Narrator, o: Outcome, out: Path, *, seconds: float) -> None:
    n.print()
    n.print(n.style("━━ Summary ", "bold", "blue") + n.style("━" * 8, "blue"))
    c = o.counts
    holds = " · ".join(
        f"{c[key]} {key if c[key] != 1 else key.removesuffix('s')}"
        for key in ("messages", "turns", "requests", "document versions", "events")
    )
    verified = "OK: every file matches its manifest and the event chain verifies" if o.report.ok else "FAILED"
    same = "the same as the one posted in Slack" if o.report.head_hash == o.head_hash else "DIFFERENT from Slack's"
    rows = [
        ("Archive", f"{o.archive} ({o.archive_size / 1024:.1f} KB), as the channel received it"),
        ("It holds", holds),
        ("Verified", n.style(verified, "green" if o.report.ok else "red")),
        ("Head hash", f"{o.report.head_hash} — {same}"),
        ("Next month", f"{o.next_title}, opened {o.run_at:%a %d %b %Y %H:%M %Z}, carrying {o.carried}"),
        ("Documents", f"{out / DOCUMENTS}/ (the statement and its revision, the POD, the credit memo)"),
        ("Database", f"{out / DATA / 'baton.db'}"),
    ]
    for label, value in rows:
        n.print(f"{n.style(f'{label:<11}', 'bold')} {value}", 2)
    n.print()
    n.print(f"Done in {seconds:.1f} s. Check the archive yourself: baton verify {o.archive} --head {o.head_hash}")
