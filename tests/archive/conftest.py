"""Fixtures for the archive tests: a blob store under the test's data folder (`sessions` is in tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.blobs import LocalBlobStore


@pytest.fixture
def store(tmp_path: Path) -> LocalBlobStore:
    """Where `baton archive` finds blobs when BATON_DATA_DIR is the test's `data` folder."""
    return LocalBlobStore(tmp_path / "data" / "blobs")
