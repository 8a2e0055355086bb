"""`baton archive` and `baton verify` as a person runs them: no Slack settings, clear output, exit codes."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.blobs import LocalBlobStore
from bot.db import Sessions
from bot.settings import Command, SettingsError, load_settings
from models.history import head_hash
from tests.archive.support import make_month, rewrite_zip
from tests.foundation.test_settings_cli import run_baton


async def baton(*args: str, env: dict[str, str], cwd: Path) -> tuple[int, str, str]:
    result = await asyncio.to_thread(run_baton, *args, env=env, cwd=cwd)
    return result.returncode, result.stdout, result.stderr


async def test_archive_then_verify_from_the_command_line(
    sessions: Sessions, store: LocalBlobStore, database_url: str, tmp_path: Path
) -> None:
    month = await make_month(sessions, store)
    async with sessions() as session:
        head = await head_hash(session, month.c.id)
    env = {"DATABASE_URL": database_url, "BATON_DATA_DIR": str(tmp_path / "data")}  # and no SLACK_* at all
    out = tmp_path / "november.zip"

    code, stdout, stderr = await baton("archive", str(month.c.id), "-o", str(out), env=env, cwd=tmp_path)
    assert (code, stderr) == (0, ""), stderr
    lines = stdout.splitlines()
    assert lines[0].startswith(f"Wrote {out} (") and out.is_file()
    assert lines[1] == "  4 messages, 5 turns, 3 requests, 3 document versions, 25 events"
    assert lines[2] == f"Head hash: {head}"

    code, stdout, _ = await baton("verify", str(out), "--head", head, env={}, cwd=tmp_path)
    assert code == 0
    assert stdout.splitlines() == [
        f"Head hash: {head}",
        "OK: every file matches the manifest, the event chain verifies and matches the one given.",
    ]

    code, stdout, _ = await baton("verify", str(out), "--head", "0" * 64, env={}, cwd=tmp_path)
    assert code == 1
    assert f"problem: head hash {head} differs from the one posted in Slack {'0' * 64}" in stdout
    assert stdout.splitlines()[-1] == "FAILED: 1 problem."

    await asyncio.to_thread(rewrite_zip, out, lambda m: {**m, "index.html": m["index.html"] + b"<!-- -->"})
    code, stdout, _ = await baton("verify", str(out), env={}, cwd=tmp_path)
    assert code == 1 and "problem: index.html: SHA-256 does not match the manifest" in stdout


async def test_archive_refuses_an_unknown_collaboration_with_exit_1(
    sessions: Sessions, database_url: str, tmp_path: Path
) -> None:
    env = {"DATABASE_URL": database_url, "BATON_DATA_DIR": str(tmp_path / "data")}
    code, stdout, stderr = await baton("archive", "4242", "-o", str(tmp_path / "x.zip"), env=env, cwd=tmp_path)
    assert (code, stdout) == (1, "")
    assert stderr.strip() == "baton: collaboration 4242 does not exist"
    assert not (tmp_path / "x.zip").exists()


async def test_archive_without_a_database_or_a_folder_says_so(tmp_path: Path) -> None:
    env = {"BATON_DATA_DIR": str(tmp_path / "nowhere")}
    code, _, stderr = await baton("archive", "1", "-o", str(tmp_path / "x.zip"), env=env, cwd=tmp_path)
    assert code == 1 and "no database at" in stderr and "Traceback" not in stderr
    assert not (tmp_path / "nowhere").exists(), "a refused archive creates no database"
    code, _, stderr = await baton("archive", "1", "-o", str(tmp_path / "no" / "x.zip"), env=env, cwd=tmp_path)
    assert code == 1 and "no folder" in stderr


async def test_verify_exits_2_on_a_file_that_is_no_zip(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.zip"
    bogus.write_text("hello")
    code, stdout, stderr = await baton("verify", str(bogus), env={}, cwd=tmp_path)
    assert (code, stdout) == (2, "")
    assert len(stderr.strip().splitlines()) == 1 and "not a readable zip archive" in stderr
    code, _, stderr = await baton("verify", str(tmp_path / "missing.zip"), env={}, cwd=tmp_path)
    assert code == 2 and "Traceback" not in stderr


def test_archive_and_verify_need_no_slack_settings_but_remind_still_does() -> None:
    settings = load_settings({})
    settings.require_for(Command.ARCHIVE)
    settings.require_for(Command.VERIFY)
    with pytest.raises(SettingsError, match="SLACK_BOT_TOKEN"):
        settings.require_for(Command.REMIND)
