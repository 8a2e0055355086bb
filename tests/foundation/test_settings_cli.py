"""The runtime contract's settings and CLI: each command checks what it needs and names what is wrong."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import Command, SettingsError, load_settings

ROOT = Path(__file__).resolve().parents[2]


def run_baton(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "BATON_", "MS_", "DATABASE_"))}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        env={**clean, **env, "PYTHONPATH": str(ROOT)},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_serve_without_signing_secret_exits_2_naming_it(tmp_path: Path) -> None:
    result = run_baton("serve", env={"SLACK_BOT_TOKEN": "xoxb-1-2-3"}, cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "SLACK_SIGNING_SECRET" in lines[0]
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "data").exists(), "a refused start must not create anything"


def test_serve_without_bot_token_exits_2_naming_it(tmp_path: Path) -> None:
    result = run_baton("serve", env={"SLACK_SIGNING_SECRET": "s"}, cwd=tmp_path)
    assert result.returncode == 2
    assert "SLACK_BOT_TOKEN" in result.stderr


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"PORT": "eighty"}, "PORT"),
        ({"DATABASE_URL": "mysql://db/baton"}, "DATABASE_URL"),
        ({"BATON_TIMEZONE": "Mars/Olympus"}, "BATON_TIMEZONE"),
        ({"BATON_MAX_FILE_MB": "-3"}, "BATON_MAX_FILE_MB"),
        ({"SLACK_BOT_TOKEN": "xoxp-user-token"}, "SLACK_BOT_TOKEN"),
        ({"MS_TENANT_ID": "contoso"}, "MS_CLIENT_ID"),
    ],
)
def test_malformed_setting_stops_any_command_with_one_line(tmp_path: Path, env: dict[str, str], named: str) -> None:
    result = run_baton("db", "upgrade", env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert named in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_socket_mode_needs_the_app_token_not_the_signing_secret() -> None:
    settings = load_settings({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"})
    settings.require_for(Command.SERVE)
    assert settings.socket_mode


def test_demo_verify_and_db_need_no_slack_settings() -> None:
    settings = load_settings({})
    for command in (Command.DEMO, Command.VERIFY, Command.DB):
        settings.require_for(command)
    with pytest.raises(SettingsError, match="SLACK_BOT_TOKEN"):
        settings.require_for(Command.REMIND)


def test_defaults_follow_the_runtime_contract() -> None:
    settings = load_settings({})
    assert settings.PORT == 3000
    assert settings.SLACK_API_URL == "https://slack.com/api/"
    assert settings.database_url.startswith("sqlite+aiosqlite:///") and settings.database_url.endswith("data/baton.db")
    assert settings.max_file_bytes == 25 * 1024 * 1024
    assert {"pdf", "xlsx", "eml", "zip"} <= settings.BATON_ALLOWED_FILE_TYPES
    assert not settings.microsoft_configured


def test_secrets_never_show_in_repr() -> None:
    settings = load_settings({"SLACK_BOT_TOKEN": "xoxb-very-secret", "SLACK_SIGNING_SECRET": "sign-me"})
    assert "very-secret" not in repr(settings) and "sign-me" not in repr(settings)


def test_help_lists_the_contract_commands(tmp_path: Path) -> None:
    result = run_baton("--help", env={}, cwd=tmp_path)
    assert result.returncode == 0
    for command in ("serve", "demo", "remind", "archive", "verify", "db"):
        assert command in result.stdout


def test_db_upgrade_creates_the_schema(tmp_path: Path) -> None:
    result = run_baton("db", "upgrade", env={"BATON_DATA_DIR": str(tmp_path / "d")}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "d" / "baton.db").is_file()
    assert "revision" in result.stdout
