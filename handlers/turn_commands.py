"""The subcommands of `/turn`, shared by the slash command and `@Baton` mentions.

A subcommand checks what it can before the answer goes out (reads only), answers with an ephemeral
text, and leaves the change itself to work after the ack (`after_ack`), which re-checks in its
transaction. Mentions have no trigger_id, so what needs a modal says how to reach it instead.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

from bot.blocks import updates as update_blocks
from bot.blocks.help import SubcommandHelp, help_text, unknown_subcommand_text
from bot.blocks.text import from_slack_text
from bot.deps import Deps
from handlers import openers
from handlers.common import Reply, after_ack, channel_collaboration, collaboration_in
from models.errors import InvalidInput
from models.sides import Actor, NewPerson, Role
from models.use_cases import (
    Action,
    add_participants,
    collaboration_view,
    count_drafts,
    pass_turn,
    remove_participants,
    reopen,
    sign_off,
    skip_turn,
    why_not,
)

__all__ = ["SUBCOMMANDS", "Invocation", "Reply", "run"]


@dataclass(frozen=True)
class Invocation:
    """One use of a subcommand: who, where, the text after the subcommand, and a trigger for modals."""

    actor: Actor
    channel_id: str
    rest: str
    trigger_id: str | None  # None for @Baton mentions: no modal can be opened
    via: str  # "/turn" or "@Baton", to word hints the way the person typed


Run = Callable[[Deps, Invocation], Awaitable[Reply]]


@dataclass(frozen=True)
class Subcommand:
    help: SubcommandHelp
    run: Run


_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_ROLE_WORDS = {"leader": Role.LEADER, "contributor": Role.CONTRIBUTOR, "follower": Role.FOLLOWER}


def split_subcommand(text: str) -> tuple[str, str]:
    """('pass', 'the rest') from 'pass the rest'; an empty text is the default subcommand."""
    word, _, rest = (text or "").strip().partition(" ")
    return word.lower(), rest.strip()


async def _refusal(deps: Deps, inv: Invocation, action: Action, collaboration_id: int) -> Reply | None:
    refusal = await why_not(deps.sessions, inv.actor, action, collaboration_id)
    return Reply(refusal.message) if refusal is not None else None


def _run_later(deps: Deps, inv: Invocation, name: str, change: Callable[..., Awaitable[object]], **kw: object) -> None:
    async def work() -> None:
        async with deps.sessions.begin() as session:
            await change(session, actor=inv.actor, now=deps.clock(), **kw)
        deps.outbox.wake()

    after_ack(deps, work(), name=name, channel_id=inv.channel_id, user_id=inv.actor.user_id)


async def _help(deps: Deps, inv: Invocation) -> Reply:
    return Reply(help_text([s.help for s in SUBCOMMANDS.values()]))


async def _status(deps: Deps, inv: Invocation) -> Reply:
    # One session: the collaboration found is in its identity map when the view loads it again.
    async with deps.sessions.read() as session:
        collaboration_id = await collaboration_in(session, inv.channel_id, include_closed=True)
        view = await collaboration_view(session, collaboration_id)
        if (side := view.side_of(inv.actor.user_id)) is not None:
            view = replace(view, drafts=await count_drafts(session, collaboration_id, side))
    text, blocks = update_blocks.status(view)
    return Reply(text, blocks)


async def _new(deps: Deps, inv: Invocation) -> Reply:
    if inv.trigger_id is None:
        return Reply("Start a collaboration with `/turn new` (it opens a form).")
    return await openers.open_start(deps, inv.actor, inv.channel_id, inv.trigger_id)


async def _pass(deps: Deps, inv: Invocation) -> Reply:
    collaboration_id = await channel_collaboration(deps, inv.channel_id)
    if (refused := await _refusal(deps, inv, Action.PASS, collaboration_id)) is not None:
        return refused
    if not inv.rest:
        if inv.trigger_id is None:
            return Reply(
                f"Write the update after pass, e.g. `{inv.via} pass The statement is ready`, "
                "or use *Pass turn* on the card."
            )
        return await openers.open_pass(deps, inv.actor, collaboration_id, inv.trigger_id, skip=False)
    _run_later(
        deps,
        inv,
        "pass turn",
        pass_turn,
        collaboration_id=collaboration_id,
        message=from_slack_text(inv.rest),
    )
    return Reply()


async def _skip(deps: Deps, inv: Invocation) -> Reply:
    collaboration_id = await channel_collaboration(deps, inv.channel_id)
    if (refused := await _refusal(deps, inv, Action.SKIP, collaboration_id)) is not None:
        return refused
    _run_later(
        deps,
        inv,
        "skip turn",
        skip_turn,
        collaboration_id=collaboration_id,
        message=from_slack_text(inv.rest) or None,
    )
    return Reply()


async def _done(deps: Deps, inv: Invocation) -> Reply:
    collaboration_id = await channel_collaboration(deps, inv.channel_id)
    if (refused := await _refusal(deps, inv, Action.SIGN_OFF, collaboration_id)) is not None:
        return refused
    _run_later(deps, inv, "sign off", sign_off, collaboration_id=collaboration_id)
    return Reply()


async def _reopen(deps: Deps, inv: Invocation) -> Reply:
    collaboration_id = await channel_collaboration(deps, inv.channel_id, include_closed=True)
    if (refused := await _refusal(deps, inv, Action.REOPEN, collaboration_id)) is not None:
        return refused
    _run_later(
        deps,
        inv,
        "reopen",
        reopen,
        collaboration_id=collaboration_id,
        reason=from_slack_text(inv.rest) or None,
    )
    return Reply()


def parse_people(rest: str) -> tuple[list[str], Role | None]:
    """User ids mentioned in `rest` and an optional trailing `as leader|contributor|follower`."""
    role = None
    match = re.search(r"\bas\s+(leader|contributor|follower)s?\s*$", rest, re.IGNORECASE)
    if match:
        role = _ROLE_WORDS[match.group(1).lower()]
        rest = rest[: match.start()]
    users = list(dict.fromkeys(_MENTION.findall(rest)))
    leftover = _MENTION.sub("", rest).strip(" ,")
    if leftover:
        raise InvalidInput(
            f"I can only add people by mention, like `/turn add @pat as contributor` (not “{leftover[:40]}”)."
        )
    return users, role


async def _add(deps: Deps, inv: Invocation) -> Reply:
    collaboration_id = await channel_collaboration(deps, inv.channel_id)
    if (refused := await _refusal(deps, inv, Action.ADD_PEOPLE, collaboration_id)) is not None:
        return refused
    user_ids, role = parse_people(inv.rest)
    if not user_ids:
        if inv.trigger_id is None:
            return Reply(
                f"Mention the people to add, e.g. `{inv.via} add @pat as contributor`, or use *Add people* on the card."
            )
        return await openers.open_add_people(deps, inv.actor, collaboration_id, inv.trigger_id)
    people = []
    for user_id in user_ids:
        person = await deps.directory.person(user_id)
        people.append(NewPerson(user_id, person.team_key, role, None, person.display_name))
    _run_later(deps, inv, "add people", add_participants, collaboration_id=collaboration_id, people=people)
    return Reply()


async def _remove(deps: Deps, inv: Invocation) -> Reply:
    collaboration_id = await channel_collaboration(deps, inv.channel_id)
    if (refused := await _refusal(deps, inv, Action.REMOVE_PEOPLE, collaboration_id)) is not None:
        return refused
    user_ids, _ = parse_people(inv.rest)
    if not user_ids:
        return Reply(f"Mention the people to remove, e.g. `{inv.via} remove @pat`.")
    _run_later(deps, inv, "remove people", remove_participants, collaboration_id=collaboration_id, user_ids=user_ids)
    return Reply()


async def _upload(deps: Deps, inv: Invocation) -> Reply:
    from handlers.documents import open_upload

    return await open_upload(deps, inv.actor, await channel_collaboration(deps, inv.channel_id), inv.trigger_id)


async def _request(deps: Deps, inv: Invocation) -> Reply:
    from handlers.documents import open_request

    return await open_request(deps, inv.actor, await channel_collaboration(deps, inv.channel_id), inv.trigger_id)


async def _requests(deps: Deps, inv: Invocation) -> Reply:
    from handlers.documents import list_requests

    return await list_requests(deps, inv.actor, inv.channel_id)


async def _docs(deps: Deps, inv: Invocation) -> Reply:
    from handlers.documents import list_documents

    return await list_documents(deps, inv.actor, inv.channel_id)


async def _history(deps: Deps, inv: Invocation) -> Reply:
    from handlers.history import history_reply

    return await history_reply(deps, inv.actor, inv.channel_id, inv.trigger_id)


async def _archive(deps: Deps, inv: Invocation) -> Reply:
    from handlers.history import archive_reply

    return await archive_reply(deps, inv.actor, inv.channel_id)


async def _schedule(deps: Deps, inv: Invocation) -> Reply:
    from handlers.schedule import open_schedule

    return await open_schedule(deps, inv.actor, inv.channel_id, inv.trigger_id)


# In the order `/turn help` lists them; later features add theirs.
SUBCOMMANDS: dict[str, Subcommand] = {
    "status": Subcommand(SubcommandHelp("status", "whose turn it is and what is open (the default)"), _status),
    "new": Subcommand(SubcommandHelp("new", "start a collaboration with a retailer in this channel"), _new),
    "pass": Subcommand(SubcommandHelp("pass [message]", "send your update and hand the turn over"), _pass),
    "skip": Subcommand(SubcommandHelp("skip [message]", "hand the turn over with nothing to send"), _skip),
    "request": Subcommand(
        SubcommandHelp("request", "ask the other side for documents (proof, credit memo…)"), _request
    ),
    "upload": Subcommand(SubcommandHelp("upload", "stage documents for your next update"), _upload),
    "requests": Subcommand(SubcommandHelp("requests", "the document requests and where each stands"), _requests),
    "docs": Subcommand(SubcommandHelp("docs", "the documents with every version"), _docs),
    "add": Subcommand(SubcommandHelp("add @user… [as leader|contributor|follower]", "add people to your side"), _add),
    "remove": Subcommand(SubcommandHelp("remove @user…", "remove people from your side"), _remove),
    "done": Subcommand(SubcommandHelp("done", "sign off for your side: we are satisfied"), _done),
    "reopen": Subcommand(SubcommandHelp("reopen [reason]", "reopen a wrapped-up collaboration"), _reopen),
    "history": Subcommand(SubcommandHelp("history", "the record: every message, turn, request and document"), _history),
    "archive": Subcommand(SubcommandHelp("archive", "share the archive (zip) of the record in the channel"), _archive),
    "schedule": Subcommand(
        SubcommandHelp("schedule", "when Baton opens each month's collaboration and reminds you"), _schedule
    ),
    "help": Subcommand(SubcommandHelp("help", "what each command does"), _help),
}
DEFAULT_SUBCOMMAND = "status"


async def run(deps: Deps, actor: Actor, channel_id: str, text: str, *, trigger_id: str | None, via: str) -> Reply:
    """Run the subcommand `text` names; domain refusals come back as the reply."""
    word, rest = split_subcommand(text)
    subcommand = SUBCOMMANDS.get(word or DEFAULT_SUBCOMMAND)
    if subcommand is None:
        return Reply(unknown_subcommand_text(word, [s.help for s in SUBCOMMANDS.values()]))
    return await subcommand.run(deps, Invocation(actor, channel_id, rest, trigger_id, via))
