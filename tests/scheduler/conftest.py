"""Fixtures for the scheduler tests: the blob store of the document tests (`sessions` is in tests/conftest.py)."""

from __future__ import annotations

from tests.models.doc_support import store

__all__ = ["store"]
