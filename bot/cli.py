"""The `baton` command: serve, demo, remind, archive, verify, db."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path

from bot import __version__
from bot.logs import configure_logging
from bot.settings import Command, Settings, SettingsError, load_settings

__all__ = ["main"]

EXIT_USAGE = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="baton",
        description="Baton: turn-based collaborations in Slack Connect channels.",
    )
    parser.add_argument("--version", action="version", version=f"baton {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    serve = sub.add_parser("serve", help="run the bot (HTTP on PORT, or Socket Mode with SLACK_APP_TOKEN)")
    serve.add_argument("--no-scheduler", action="store_true", help="do not run scheduled jobs in this process")
    serve.add_argument("--host", default="0.0.0.0", help="address to listen on (default 0.0.0.0)")

    demo = sub.add_parser("demo", help="play a month of reconciliation against the built-in Slack emulator")
    demo.add_argument("--out", default="demo-out", help="folder for the demo's database and archive")
    demo.add_argument("--speed", choices=("fast", "live"), default="fast")

    remind = sub.add_parser("remind", help="run every scheduled job due by a date (idempotent)")
    remind.add_argument("--date", required=True, help="YYYY-MM-DD")
    remind.add_argument("--time", help="HH:MM (default: the end of that day in each account's time zone)")

    archive = sub.add_parser("archive", help="write a collaboration's archive")
    archive.add_argument("collaboration_id", type=int)
    archive.add_argument("-o", "--output", required=True, help="FILE.zip")

    verify = sub.add_parser("verify", help="check an archive's manifest and event chain")
    verify.add_argument("file", help="FILE.zip")
    verify.add_argument("--head", help="the head hash posted in Slack, to compare")

    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    db_sub.add_parser("upgrade", help="apply the database migrations")
    return parser


def _fail(message: str, code: int = EXIT_USAGE) -> int:
    print(f"baton: {message}", file=sys.stderr)
    return code


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    command = Command(args.command)
    if command is Command.DEMO:
        return _demo(args)
    try:
        settings = load_settings()
        settings.require_for(command)
    except SettingsError as e:
        return _fail(str(e))
    configure_logging(settings.BATON_LOG_FORMAT)
    try:
        return asyncio.run(_run(command, args, settings))
    except SettingsError as e:  # found while wiring (an unreadable MS_CLIENT_CERT_PATH, say)
        return _fail(str(e))
    except KeyboardInterrupt:
        return 130


def _demo(args: argparse.Namespace) -> int:
    """`baton demo`: its own settings, inside --out; none read from the environment (SLACK_* set there
    for `serve` must not point the demo at a real workspace)."""
    import io
    import logging
    import os

    from bot.demo import run_demo

    configure_logging("text", level=logging.WARNING)  # the narration is the output; Baton's logs only warn
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(errors="replace")  # a terminal without UTF-8 gets "?" for "━", not a crash
    color = sys.stdout.isatty() and "NO_COLOR" not in os.environ
    try:
        return asyncio.run(run_demo(Path(args.out), speed=args.speed, color=color))
    except KeyboardInterrupt:
        return 130


async def _run(command: Command, args: argparse.Namespace, settings: Settings) -> int:
    if command is Command.SERVE:
        from bot.serve import serve

        await serve(settings, host=args.host, with_scheduler=not args.no_scheduler)
        return 0
    if command is Command.DB:
        from bot.db import create_engine
        from bot.migrate import upgrade

        engine = create_engine(settings.database_url)
        try:
            revision = await upgrade(engine)
        finally:
            await engine.dispose()
        print(f"database is at revision {revision}")
        return 0
    if command is Command.ARCHIVE:
        return await _archive(args, settings)
    if command is Command.VERIFY:
        return _verify(args)
    if command is Command.REMIND:
        return await _remind(args, settings)
    return _fail(f"`baton {command}` is not available in this version yet", code=1)


async def _remind(args: argparse.Namespace, settings: Settings) -> int:
    """`baton remind --date D [--time HH:MM]`: run every scheduled job due by then, once (a rerun posts nothing)."""
    from datetime import date, time

    from scheduler import remind

    try:
        day = date.fromisoformat(args.date)
        at = time.fromisoformat(args.time) if args.time else None
    except ValueError as e:
        return _fail(f"--date is YYYY-MM-DD and --time HH:MM: {e}")
    report = await remind(settings, day, at)
    when = f"{day.isoformat()} {at.strftime('%H:%M') if at else 'end of day'} (each account's time zone)"
    print(f"Scheduled jobs due by {when}:")
    print(
        f"  opened {report.opened}, rolled over {report.rolled_over}, reminders {report.reminders}, "
        f"escalations {report.escalations}, nudges {report.nudges}, snoozed {report.snoozed}"
    )
    if report.skipped_periods:
        print(f"  skipped periods (Baton was not running): {report.skipped_periods}")
    if report.failed:
        print(f"baton: {report.failed} account(s) failed; see the log", file=sys.stderr)
        return 1
    return 0


async def _archive(args: argparse.Namespace, settings: Settings) -> int:
    """`baton archive ID -o FILE.zip`: read the record (never migrate, never write the database)."""
    from sqlalchemy.exc import SQLAlchemyError

    from bot.archive import build_archive
    from bot.blobs import LocalBlobStore
    from bot.db import create_engine, session_factory
    from bot.filecheck import human_size
    from models.base import utcnow
    from models.errors import NotFound

    output = Path(args.output)
    refusal = _archive_refusal(output, settings)
    if refusal:
        return _fail(refusal, code=1)
    engine = create_engine(settings.database_url)
    try:
        result = await build_archive(
            session_factory(engine),
            LocalBlobStore(settings.BATON_DATA_DIR / "blobs"),
            args.collaboration_id,
            output,
            now=utcnow(),
        )
    except NotFound:
        return _fail(f"collaboration {args.collaboration_id} does not exist", code=1)
    except SQLAlchemyError as e:
        return _fail(f"cannot read the database: {str(e).splitlines()[0]}", code=1)
    except OSError as e:
        return _fail(f"cannot write {output}: {e}", code=1)
    finally:
        await engine.dispose()
    c = result.counts
    print(f"Wrote {output} ({human_size(result.size_bytes)})")
    counted = [
        (c.messages, "message"),
        (c.turns, "turn"),
        (c.requests, "request"),
        (c.document_versions, "document version"),
        (c.events, "event"),
    ]
    print("  " + ", ".join(f"{n} {word}{'' if n == 1 else 's'}" for n, word in counted))
    print(f"Head hash: {result.head_hash}")
    for warning in result.warnings:
        print(f"baton: warning: {warning}", file=sys.stderr)
    return 0


def _archive_refusal(output: Path, settings: Settings) -> str | None:
    """Why `baton archive` cannot start: no folder for the file, or no SQLite database to read (which
    opening it would otherwise create, empty)."""
    from sqlalchemy.engine import make_url

    if not output.parent.is_dir():
        return f"no folder {output.parent} to write {output.name} in"
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database and not Path(url.database).is_file():
        return f"no database at {url.database}: set DATABASE_URL or BATON_DATA_DIR"
    return None


def _verify(args: argparse.Namespace) -> int:
    """`baton verify FILE.zip [--head HASH]`: 0 when everything matches, 1 when not, 2 when unreadable."""
    from bot.archive import ArchiveUnreadable, verify_archive

    try:
        report = verify_archive(Path(args.file), expected_head=args.head)
    except ArchiveUnreadable as e:
        return _fail(str(e))
    for problem in report.problems:
        print(f"problem: {problem}")
    print(f"Head hash: {report.head_hash or 'unknown'}")
    if report.ok:
        checked = " and matches the one given" if args.head else ""
        print(f"OK: every file matches the manifest, the event chain verifies{checked}.")
        return 0
    count = len(report.problems)
    print(f"FAILED: {count} problem{'s' if count != 1 else ''}.")
    return 1


if __name__ == "__main__":
    sys.exit(main())
