"""`index.html`: the archive as a page a person opens in a browser, written piece by piece.

Self-contained: inline CSS, no scripts (a Content-Security-Policy forbids them), no links but the
relative ones to the files beside it in the zip. Every piece of user text goes through `h()`.
Each function returns a fragment; the builder writes them in order, so the page is never whole in
memory.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from urllib.parse import quote

from bot.archive.chat import ChatMessage
from bot.archive.records import TimelineLine, file_label, money, with_names
from bot.archive.snapshot import Snapshot
from bot.filecheck import human_size
from models.collaborations import CollaborationStatus, TurnEnd
from models.sides import Side

__all__ = [
    "ChatRenderer",
    "documents_section",
    "gaps_section",
    "h",
    "history_end",
    "history_row",
    "history_start",
    "page_end",
    "page_start",
    "requests_section",
    "turns_section",
]

_CSS = """
:root { color-scheme: light; --ink: #1d1c1d; --muted: #616061; --line: #dddddd; --soft: #f6f6f6; --accent: #1264a3; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: var(--ink); }
header.page { padding: 24px 32px 8px; border-bottom: 1px solid var(--line); }
header.page h1 { margin: 0 0 4px; font-size: 26px; }
header.page p { margin: 0 0 12px; color: var(--muted); }
nav { padding: 8px 32px; border-bottom: 1px solid var(--line); background: var(--soft); }
nav a { margin-right: 16px; color: var(--accent); text-decoration: none; }
main { padding: 8px 32px 48px; max-width: 1100px; }
section { margin-top: 28px; }
h2 { font-size: 20px; border-bottom: 2px solid var(--ink); padding-bottom: 4px; }
h3 { font-size: 16px; margin: 18px 0 6px; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 16px; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: var(--soft); }
td.num { text-align: right; white-space: nowrap; }
.muted, .meta { color: var(--muted); font-size: 13px; }
.text, blockquote, .prev { white-space: pre-wrap; overflow-wrap: anywhere; }
blockquote { margin: 6px 0; padding: 4px 12px; border-left: 3px solid var(--line); }
ol.turns { list-style: none; padding: 0; }
ol.turns > li { border: 1px solid var(--line); border-radius: 6px; padding: 8px 14px; margin: 10px 0; }
.day { margin: 18px 0 6px; font-weight: 600; color: var(--muted); border-bottom: 1px dashed var(--line); }
article.msg { padding: 6px 0; border-bottom: 1px solid var(--soft); }
article.msg p { margin: 2px 0; }
.who { font-weight: 700; }
.tag { font-size: 12px; border: 1px solid var(--line); border-radius: 8px; padding: 0 6px; color: var(--muted); }
.deleted { font-style: italic; color: var(--muted); }
.thread { margin: 4px 0 4px 28px; padding-left: 12px; border-left: 3px solid var(--line); }
.notice { background: #fff4e5; border: 1px solid #f2c27b; padding: 8px 12px; border-radius: 6px; }
code, .hash { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 13px; overflow-wrap: anywhere; }
ul.files { margin: 2px 0; padding-left: 20px; }
@media print { nav { display: none; } a { color: inherit; } }
"""

_STATUS = {
    CollaborationStatus.ACTIVE: "Active",
    CollaborationStatus.WRAPPED_UP: "Wrapped up",
    CollaborationStatus.ROLLED_OVER: "Rolled over",
}
_END = {TurnEnd.PASSED: "Passed", TurnEnd.SKIPPED: "Skipped", TurnEnd.SIGNED_OFF: "Signed off"}


def h(text: object) -> str:
    """User text as HTML text or an attribute value."""
    return html.escape(str(text), quote=True)


def _href(path: str) -> str:
    return h(quote(path, safe="/"))


def _time(at: datetime | None, s: Snapshot, *, with_date: bool = True) -> str:
    if at is None:
        return ""
    local = at.astimezone(s.timezone)
    shown = f"{local:%Y-%m-%d %H:%M}" if with_date else f"{local:%H:%M}"
    return f'<time datetime="{h(at.isoformat())}">{shown}</time>'


def _day(d: date) -> str:
    return f"{d:%A} {d.day} {d:%B %Y}"


def _period(period: str | None) -> str:
    if not period:
        return "—"
    try:
        year, month = (int(x) for x in period.split("-"))
        return f"{h(period)} ({date(year, month, 1):%B %Y})"
    except ValueError:
        return h(period)


def _org_side(s: Snapshot, side: Side | None) -> str:
    if side is None:
        return "outside both sides"
    role = "distributor, host" if side is Side.HOST else "retailer, guest"
    return f"{h(s.org_name(side))} <span class='muted'>({role})</span>"


def _person(s: Snapshot, user_id: str | None) -> str:
    return h(s.name(user_id))


# --- the top: what it is and who is in it -----------------------------------------------------------


def page_start(
    s: Snapshot,
    *,
    generated_at: datetime,
    counts: Mapping[str, int],
    gaps: Sequence[tuple[str, str]],
) -> str:
    c = s.collaboration
    title = h(c.title)
    status = _STATUS.get(c.status, h(c.status))
    if c.status is CollaborationStatus.ACTIVE:
        status += f" — Turn {c.turn_number}, {h(c.org_name(c.holding_side))}'s turn"
    elif c.status is CollaborationStatus.WRAPPED_UP and c.wrapped_up_at is not None:
        status += f" on {_time(c.wrapped_up_at, s)}"
    if c.rolled_into_id is not None:
        status += f" — continued in collaboration {c.rolled_into_id}"
    sign_offs = []
    for side in (Side.HOST, Side.GUEST):
        by = c.signed_off_by(side)
        who = f"signed off by {_person(s, by)}" if by else "not signed off"
        sign_offs.append(f"{h(c.org_name(side))}: {who}")
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        f"<title>{title} — archive</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        '<header class="page">',
        f"<h1>{title}</h1>",
        f"<p>{h(c.host_name)} and {h(c.guest_name)} · period {_period(c.period)} · {status}</p>",
        "</header>",
        "<nav>",
        *(
            f'<a href="#{anchor}">{label}</a>'
            for anchor, label in (
                ("summary", "Summary"),
                ("turns", "Turns"),
                ("chat", "Chat"),
                ("requests", "Requests"),
                ("documents", "Documents"),
                ("gaps", "Gaps"),
                ("history", "History"),
                ("integrity", "Integrity"),
            )
        ),
        "</nav>",
        "<main>",
        '<section id="summary">',
        "<h2>Summary</h2>",
    ]
    if gaps:
        parts.append(
            f'<p class="notice">Baton was not running {len(gaps)} time{"s" if len(gaps) != 1 else ""} during this '
            'collaboration: some messages may be missing. <a href="#gaps">See the gaps.</a></p>'
        )
    due = f"{c.due_date:%Y-%m-%d}" if c.due_date else "—"
    counted = ", ".join(
        f"{counts[key]} {label}"
        for key, label in (
            ("messages", "messages"),
            ("turns", "turns"),
            ("requests", "requests"),
            ("document_versions", "document versions"),
            ("events", "events"),
        )
    )
    parts += [
        '<dl class="facts">',
        f"<dt>Distributor (host)</dt><dd>{h(c.host_name)}</dd>",
        f"<dt>Retailer (guest)</dt><dd>{h(c.guest_name)}</dd>",
        f"<dt>Account</dt><dd>{h(s.account_name)}</dd>",
        f"<dt>Period</dt><dd>{_period(c.period)}</dd>",
        f"<dt>Status</dt><dd>{status}</dd>",
        f"<dt>Due date</dt><dd>{due}</dd>",
        f"<dt>Sign-offs</dt><dd>{'<br>'.join(sign_offs)}</dd>",
        f"<dt>Started</dt><dd>{_time(c.created_at, s)} by {_person(s, c.created_by)}</dd>",
        f"<dt>Note</dt><dd class='text'>{h(with_names(c.note, s.names)) or '—'}</dd>",
        f"<dt>This archive</dt><dd>Generated {_time(generated_at, s)}; events 1 to {s.up_to_seq}; {counted}. "
        f"Times are in {h(s.timezone_name)}.</dd>",
        "</dl>",
        "<h3>Participants</h3>",
        "<table><thead><tr><th>Name</th><th>Organisation</th><th>Role</th><th>Since</th><th>Now</th></tr></thead>",
        "<tbody>",
    ]
    for p in s.people:
        parts.append(
            f"<tr><td>{h(p.name)} <span class='muted'>{h(p.user_id)}</span></td><td>{_org_side(s, p.side)}</td>"
            f"<td>{h(p.role.value)}</td><td>{_time(p.joined_at, s)}</td>"
            f"<td>{'in it' if p.active else 'removed or left'}</td></tr>"
        )
    parts += ["</tbody></table>", "</section>", ""]
    return "\n".join(parts)


# --- turns ----------------------------------------------------------------------------------------


def turns_section(s: Snapshot) -> str:
    parts = ['<section id="turns">', "<h2>Turns</h2>"]
    if not s.turns:
        parts.append("<p class='muted'>No turns.</p>")
    else:
        parts.append('<ol class="turns">')
    for t in s.turns:
        parts.append(f'<li id="turn-{t.number}"><h3>Turn {t.number} · {h(s.org_name(t.side))}\'s turn</h3>')
        meta = f"Started {_time(t.started_at, s)}"
        if t.ended_at is not None and t.end_kind is not None:
            meta += f" · {_END.get(t.end_kind, h(t.end_kind))} by {_person(s, t.ended_by)} {_time(t.ended_at, s)}"
        else:
            meta += " · still running when this archive was made"
        parts.append(f'<p class="meta">{meta}</p>')
        if t.message:
            parts.append(f"<blockquote>{h(with_names(t.message, s.names))}</blockquote>")
        if t.summary:
            parts.append("<ul>" + "".join(f"<li>{h(with_names(line, s.names))}</li>" for line in t.summary) + "</ul>")
        parts.append("</li>")
    if s.turns:
        parts.append("</ol>")
    parts += ["</section>", ""]
    return "\n".join(parts)


# --- chat -----------------------------------------------------------------------------------------


class ChatRenderer:
    """The chat, message by message: threads under their first message, a heading per day."""

    def __init__(self, s: Snapshot) -> None:
        self.s = s
        self._sides = {p.user_id: p.side for p in s.people}
        self._files: dict[str, str] = {}
        for d in s.documents:
            for v in d.versions:
                if v.slack_file_id and v.id in s.paths:
                    self._files[v.slack_file_id] = s.paths[v.id]
        self._open_root = False
        self._open_thread = False
        self._day: date | None = None
        self.rendered = 0

    def start(self) -> str:
        return '<section id="chat">\n<h2>Chat</h2>\n'

    def message(self, m: ChatMessage) -> str:
        parts: list[str] = []
        if m.reply and self._open_root:
            if not self._open_thread:
                parts.append('<div class="thread">')
                self._open_thread = True
            parts.append(self._article(m) + "</article>")
        else:
            parts.append(self._close_root())
            day = m.at.astimezone(self.s.timezone).date()
            if day != self._day:
                parts.append(f'<h3 class="day">{_day(day)}</h3>')
                self._day = day
            parts.append(self._article(m))
            self._open_root = True
        self.rendered += 1
        return "\n".join(p for p in parts if p) + "\n"

    def end(self) -> str:
        tail = self._close_root()
        empty = "<p class='muted'>No messages.</p>\n" if self.rendered == 0 else ""
        return f"{tail}\n{empty}</section>\n"

    def _close_root(self) -> str:
        out = ""
        if self._open_thread:
            out += "</div>"
            self._open_thread = False
        if self._open_root:
            out += "</article>"
            self._open_root = False
        return out

    def _article(self, m: ChatMessage) -> str:
        s = self.s
        side = self._sides.get(m.user or "")
        org = f' <span class="muted">{h(s.org_name(side))}</span>' if side is not None else ""
        tags = ""
        if m.edited and not m.deleted:
            tags += ' <span class="tag">edited</span>'
        if m.orphan:
            tags += ' <span class="tag">reply in a thread that began before this record</span>'
        if m.known_from_edit:
            tags += ' <span class="tag">posted before this record began</span>'
        out = [
            f'<article class="msg" id="msg-{m.seq}">',
            f'<p class="head"><span class="who">{_person(s, m.user)}</span>{org} {_time(m.at, s)}{tags}</p>',
        ]
        if m.deleted:
            out.append('<p class="deleted">message deleted</p>')
            return "\n".join(out)
        out.append(f'<p class="text">{h(with_names(m.text or "", s.names))}</p>')
        if m.files:
            items = []
            for item in m.files:
                name, file_id = file_label(item)
                path = self._files.get(file_id or "")
                items.append(f'<li><a href="{_href(path)}">{h(name)}</a></li>' if path else f"<li>{h(name)}</li>")
            out.append('<ul class="files">' + "".join(items) + "</ul>")
        if m.edits:
            previous = "".join(
                f'<li>before {_time(e.at, s)}: <span class="prev">{h(with_names(e.previous_text, s.names))}</span></li>'
                for e in m.edits
            )
            out.append(f"<details><summary>edited — earlier text</summary><ol>{previous}</ol></details>")
        return "\n".join(out)


# --- requests and documents -------------------------------------------------------------------------


def requests_section(s: Snapshot) -> str:
    parts = ['<section id="requests">', "<h2>Requests</h2>"]
    if not s.requests:
        parts += ["<p class='muted'>No document requests.</p>", "</section>", ""]
        return "\n".join(parts)
    names = {v.id: (d.name, v.number) for d in s.documents for v in d.versions}
    parts.append(
        "<table><thead><tr><th>Request</th><th>Category</th><th>References</th><th>Amount</th><th>Status</th>"
        "<th>Due</th><th>From → to</th><th>Details</th><th>Fulfilled with</th></tr></thead><tbody>"
    )
    for r in s.requests:
        details = [h(with_names(r.details, s.names))] if r.details else []
        if r.outcome:
            details.append(f"<strong>Outcome:</strong> {h(r.outcome)}")
        if r.reason:
            details.append(f"<strong>Reason:</strong> {h(r.reason)}")
        answers = []
        for f in r.fulfilments:
            links = []
            for vid in f.version_ids:
                name, number = names.get(vid, (None, None))
                label = h(f"{name} (version {number})" if name and number else name or f"version {vid}")
                path = s.paths.get(vid)
                links.append(f'<a href="{_href(path)}">{label}</a>' if path else label)
            note = f" — {h(f.note)}" if f.note else ""
            answers.append(f"{', '.join(links) or '—'} <span class='muted'>by {_person(s, f.by)}</span>{note}")
        due = f"{r.due_date:%Y-%m-%d}" if r.due_date else "—"
        parts.append(
            f'<tr id="request-{r.number}"><td>{h(r.label)}</td><td>{h(r.category.label)}</td>'
            f"<td>{h(', '.join(r.references))}</td><td class='num'>{h(money(r.amount, r.currency) or '—')}</td>"
            f"<td>{h(r.status.value)}</td><td>{due}</td>"
        )
        parts.append(
            f"<td>{h(s.org_name(r.requester_side))} → {h(s.org_name(r.addressed_side))}</td>"
            f"<td class='text'>{'<br>'.join(details)}</td><td>{'<br>'.join(answers) or '—'}</td></tr>"
        )
    parts += ["</tbody></table>", "</section>", ""]
    return "\n".join(parts)


def documents_section(s: Snapshot) -> str:
    parts = ['<section id="documents">', "<h2>Documents</h2>"]
    if not s.documents:
        parts.append("<p class='muted'>No documents.</p>")
    for d in s.documents:
        parts.append(f"<h3>{h(d.name)} <span class='muted'>{h(s.org_name(d.side))}</span></h3>")
        parts.append(
            "<table><thead><tr><th>Version</th><th>File</th><th>Size</th><th>Uploaded by</th><th>When</th>"
            "<th>Turn</th><th>How</th><th>SHA-256</th></tr></thead><tbody>"
        )
        for v in d.versions:
            path = s.paths.get(v.id)
            name = h(v.original_name or d.name)
            if path:
                file = f'<a href="{_href(path)}">{name}</a>'
            elif not v.stored:
                file = f"{name} <span class='muted'>(not stored: {h(v.reason or 'not allowed')})</span>"
            else:
                file = f"{name} <span class='muted'>({h(s.missing.get(v.id, 'not in this archive'))})</span>"
            parts.append(
                f"<tr><td>{v.number if v.number is not None else '—'}</td><td>{file}</td>"
                f"<td class='num'>{h(human_size(v.size))}</td><td>{_person(s, v.uploaded_by)}</td>"
                f"<td>{_time(v.uploaded_at, s)}</td><td>{v.published_turn or v.turn_number}</td>"
                f"<td>{h(v.source.value)}</td><td class='hash'>{h(v.sha256 or '—')}</td></tr>"
            )
        parts.append("</tbody></table>")
    parts += ["</section>", ""]
    return "\n".join(parts)


def gaps_section(s: Snapshot, gaps: Sequence[tuple[str, str]]) -> str:
    parts = ['<section id="gaps">', "<h2>Gaps</h2>"]
    if not gaps:
        parts.append("<p>None: Baton was running throughout, so every message in the channel is recorded.</p>")
    else:
        parts.append("<ul>")
        for start, end in gaps:
            parts.append(f"<li>Messages between {_gap_time(start, end, s)} may be missing.</li>")
        parts.append("</ul>")
    parts += ["</section>", ""]
    return "\n".join(parts)


def _gap_time(start: str, end: str, s: Snapshot) -> str:
    try:
        a = datetime.fromisoformat(start).astimezone(s.timezone)
        b = datetime.fromisoformat(end).astimezone(s.timezone)
    except ValueError:
        return f"{h(start)} and {h(end)}"
    if a.date() == b.date():
        return f"{a:%H:%M} and {b:%H:%M} on {a:%Y-%m-%d}"
    return f"{a:%Y-%m-%d %H:%M} and {b:%Y-%m-%d %H:%M}"


# --- the event log and the chain's head -------------------------------------------------------------


def history_start() -> str:
    return (
        '<section id="history">\n<h2>History</h2>\n'
        "<p class='muted'>Every event of the record, in order. Each is chained to the one before by SHA-256.</p>\n"
        "<table><thead><tr><th>#</th><th>When</th><th>Who</th><th>What</th></tr></thead><tbody>\n"
    )


def history_row(seq: int, line: TimelineLine, s: Snapshot) -> str:
    return (
        f'<tr id="event-{seq}"><td class="num">{seq}</td><td>{_time(line.at, s)}</td>'
        f"<td>{h(line.actor_name)}</td><td class='text'>{h(line.text)}</td></tr>\n"
    )


def history_end(events: int) -> str:
    empty = "<tr><td colspan='4' class='muted'>No events.</td></tr>\n" if events == 0 else ""
    return f"{empty}</tbody></table>\n</section>\n"


def page_end(s: Snapshot) -> str:
    return "\n".join(
        [
            '<section id="integrity">',
            "<h2>Integrity</h2>",
            f"<p>Head hash of the event chain (event {s.up_to_seq}):</p>",
            f'<p class="hash"><code>{h(s.head_hash)}</code></p>',
            "<p>It was posted in Slack with this archive. <code>collaboration.json</code> holds every event with "
            "its hashes, and <code>MANIFEST.sha256</code> the SHA-256 of every file. To check this archive: "
            f"<code>baton verify ARCHIVE.zip --head {h(s.head_hash)}</code></p>",
            "</section>",
            "</main>",
            "</body>",
            "</html>",
            "",
        ]
    )
