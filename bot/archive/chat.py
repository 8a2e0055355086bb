"""The chat as the archive shows it: threads under their first message, edits and deletions applied.

Message events arrive in chain order, but a thread's replies must be shown under a message written
long before them. Holding the whole chat in memory would grow with the collaboration, so `ChatIndex`
keeps it in a scratch SQLite file instead and reads it back thread by thread.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.archive.records import MessageKind
from models.history import is_redacted

__all__ = ["ChatEdit", "ChatIndex", "ChatMessage"]


@dataclass(frozen=True)
class ChatEdit:
    at: datetime
    previous_text: str


@dataclass(frozen=True)
class ChatMessage:
    """A message as the archive shows it. A deleted one keeps the fact, never its text."""

    key: str  # its Slack ts, or "#<seq>" when the ts is gone with the deleted content
    seq: int  # the event that posted it
    reply: bool  # shown under its thread's first message
    orphan: bool  # a reply whose thread started outside this record
    user: str | None
    at: datetime
    text: str | None  # the latest text; None once deleted
    files: tuple[Any, ...]
    deleted: bool
    known_from_edit: bool  # posted before this record began: only an edit of it is recorded
    edits: tuple[ChatEdit, ...]  # oldest first, each with the text it replaced

    @property
    def edited(self) -> bool:
        return bool(self.edits) or self.known_from_edit


_SCHEMA = """
CREATE TABLE messages (
    key TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    root_seq INTEGER NOT NULL,
    reply INTEGER NOT NULL,
    orphan INTEGER NOT NULL,
    user TEXT,
    at TEXT NOT NULL,
    text TEXT,
    files TEXT NOT NULL,
    deleted INTEGER NOT NULL,
    from_edit INTEGER NOT NULL,
    edits INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE edits (key TEXT NOT NULL, seq INTEGER NOT NULL, at TEXT NOT NULL, previous TEXT NOT NULL);
CREATE INDEX edits_key ON edits (key, seq);
CREATE INDEX messages_order ON messages (root_seq, reply, seq);
"""


class ChatIndex:
    """Message events in, messages out in reading order; backed by a scratch file in `directory`."""

    def __init__(self, directory: Path) -> None:
        self._db = sqlite3.connect(directory / "chat.sqlite", isolation_level=None)
        self._db.execute("PRAGMA journal_mode=OFF")
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.executescript(_SCHEMA)
        self.count = 0  # messages posted

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> ChatIndex:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def add_page(self, events: Sequence[tuple[int, str, datetime, str | None, Mapping[str, Any]]]) -> None:
        """Take a page of events (seq, kind, at, actor, data) in chain order; other kinds are ignored."""
        self._db.execute("BEGIN")
        try:
            for seq, kind, at, actor, data in events:
                if kind == MessageKind.POSTED:
                    self._posted(seq, at, actor, data)
                elif kind == MessageKind.EDITED:
                    self._edited(seq, at, actor, data)
                elif kind == MessageKind.DELETED:
                    self._deleted(data)
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise

    def _posted(self, seq: int, at: datetime, actor: str | None, data: Mapping[str, Any]) -> None:
        self.count += 1
        if is_redacted(data):
            # Deleted: the ts went with the content. The fact stays, where it was posted.
            self._insert(f"#{seq}", seq, seq, False, False, actor, at, None, [], deleted=True)
            return
        ts = _str(data.get("ts"))
        key = ts or f"#{seq}"
        thread = _str(data.get("thread_ts"))
        root, reply, orphan = seq, False, False
        if thread and thread != ts:
            parent = self._db.execute("SELECT root_seq FROM messages WHERE key = ?", (thread,)).fetchone()
            if parent is not None:
                root, reply = parent[0], True
            else:
                orphan = True
        files = data.get("files")
        self._insert(
            key,
            seq,
            root,
            reply,
            orphan,
            _str(data.get("user")) or actor,
            at,
            _str(data.get("text")) or "",
            list(files) if isinstance(files, list) else [],
        )

    def _insert(
        self,
        key: str,
        seq: int,
        root: int,
        reply: bool,
        orphan: bool,
        user: str | None,
        at: datetime,
        text: str | None,
        files: list[Any],
        *,
        deleted: bool = False,
        from_edit: bool = False,
    ) -> None:
        self._db.execute(
            "INSERT OR IGNORE INTO messages"
            " (key, seq, root_seq, reply, orphan, user, at, text, files, deleted, from_edit)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (key, seq, root, reply, orphan, user, at.isoformat(), text, json.dumps(files), deleted, from_edit),
        )

    def _edited(self, seq: int, at: datetime, actor: str | None, data: Mapping[str, Any]) -> None:
        ts = _str(data.get("ts")) if not is_redacted(data) else None
        if not ts:
            return  # the edit of a message since deleted: nothing to show
        text = _str(data.get("text")) or ""
        previous = _str(data.get("previous_text"))
        row = self._db.execute("SELECT deleted FROM messages WHERE key = ?", (ts,)).fetchone()
        if row is None:
            # A message from before this record, known only by its edit.
            self._insert(ts, seq, seq, False, False, actor, at, text, [], from_edit=True)
        elif row[0]:
            return
        else:
            self._db.execute("UPDATE messages SET text = ?, edits = edits + 1 WHERE key = ?", (text, ts))
        if previous is not None:
            self._db.execute(
                "INSERT INTO edits (key, seq, at, previous) VALUES (?, ?, ?, ?)", (ts, seq, at.isoformat(), previous)
            )

    def _deleted(self, data: Mapping[str, Any]) -> None:
        ts = _str(data.get("ts")) if not is_redacted(data) else None
        if not ts:
            return
        # Unknown ts: the posted event was redacted, and its placeholder already says "deleted".
        self._db.execute("UPDATE messages SET deleted = 1, text = NULL WHERE key = ?", (ts,))
        self._db.execute("DELETE FROM edits WHERE key = ?", (ts,))

    def messages(self) -> Iterator[ChatMessage]:
        """Every message: each thread's first message, then its replies, threads in the order they began."""
        cursor = self._db.execute(
            "SELECT key, seq, reply, orphan, user, at, text, files, deleted, from_edit, edits"
            " FROM messages ORDER BY root_seq, reply, seq"
        )
        try:
            for key, seq, reply, orphan, user, at, text, files, deleted, from_edit, n_edits in cursor:
                edits: tuple[ChatEdit, ...] = ()
                if n_edits or from_edit:
                    edits = tuple(
                        ChatEdit(datetime.fromisoformat(e_at), previous)
                        for e_at, previous in self._db.execute(
                            "SELECT at, previous FROM edits WHERE key = ? ORDER BY seq", (key,)
                        ).fetchall()
                    )
                yield ChatMessage(
                    key=key,
                    seq=seq,
                    reply=bool(reply),
                    orphan=bool(orphan),
                    user=user,
                    at=datetime.fromisoformat(at),
                    text=None if deleted else text,
                    files=tuple(json.loads(files)),
                    deleted=bool(deleted),
                    known_from_edit=bool(from_edit),
                    edits=() if deleted else edits,
                )
        finally:
            cursor.close()


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None
