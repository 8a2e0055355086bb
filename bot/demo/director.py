"""Running the demo's steps: numbering and printing them, doing what people do in Slack, checking outcomes.

Every step states what it expects, as the tests do; a step that does not get it stops the demo with
`DemoStepFailed` naming the step: "step 7 (retailer files two requests): expected 2 request cards, saw 0".
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import date
from typing import Any

from bot.blocks.format import day_label
from bot.demo.cast import Cast
from bot.demo.narrator import Narrator, Observer
from bot.demo.stage import Stage
from bot.emulator import EmulatorError, File, Message, Person
from bot.emulator.blockkit import input_blocks, label_of

__all__ = ["DemoStepFailed", "Director"]


class DemoStepFailed(Exception):
    """A step of the demo did not do what it should."""

    def __init__(self, number: int, name: str, problem: str) -> None:
        super().__init__(f"step {number} ({name}): {problem}")
        self.number = number
        self.name = name
        self.problem = problem


class Director:
    """Plays steps through the people of the cast and prints what each person then sees."""

    def __init__(self, stage: Stage, cast: Cast, narrator: Narrator, *, pause: float = 0.0) -> None:
        self.stage = stage
        self.cast = cast
        self.emu = stage.emu
        self.narrator = narrator
        self.observer = Observer(stage.emu)
        self.pause = pause
        self.number = 0
        self.name = ""

    # -- steps ----------------------------------------------------------------------------------------

    @asynccontextmanager
    async def step(self, name: str) -> AsyncIterator[None]:
        """One numbered step; anything that goes wrong inside it is reported as this step's failure."""
        if self.number and self.pause:
            await asyncio.sleep(self.pause)  # for a person watching (--speed live)
        self.number += 1
        self.name = name
        self.narrator.step(self.number, name[:1].upper() + name[1:])
        try:
            yield
        except DemoStepFailed:
            raise
        except (TimeoutError, EmulatorError, LookupError, ValueError, OSError) as e:
            raise DemoStepFailed(self.number, name, _explain(e)) from e
        except Exception as e:  # a defect, in Baton or the demo: still a failure of this step, named
            raise DemoStepFailed(self.number, name, f"{type(e).__name__}: {_explain(e)}") from e

    def fail(self, problem: str) -> DemoStepFailed:
        return DemoStepFailed(self.number, self.name, problem)

    def expect(self, ok: bool, problem: str, *, shown: str | None = None) -> None:
        """Stop the demo with `problem` unless `ok`; print `shown` as the check that passed."""
        if not ok:
            raise self.fail(problem)
        if shown:
            self.narrator.check(shown)

    async def observe(self, actor: Person | None = None) -> None:
        """Let Baton finish what the action started, then print what people see now."""
        await self.stage.settle()
        self.narrator.show(self.observer.changes(), actor=actor.id if actor else None)

    # -- what people do -------------------------------------------------------------------------------

    async def slash(self, person: Person, command: str, text: str) -> None:
        self.narrator.act(person.id, f"types {command} {text} in #{self.cast.channel.name}")
        result = await person.slash(command, text, channel=self.cast.channel)
        self.expect(result.ok, f"Slack did not deliver {command} {text}: {result.error or result.status}")
        await self.observe(person)

    async def click(self, person: Person, label: str, message: Message, *, on: str = "the card") -> None:
        self.narrator.act(person.id, f"clicks {label} on {on}")
        result = await person.click(label, message=message)
        self.expect(result.ok, f"the click on {label} was not acknowledged: {result.error or result.status}")
        await self.observe(person)

    async def open_modal(self, person: Person, label: str, message: Message, *, on: str = "the card") -> str:
        """Click a button that opens a modal; return the modal's title."""
        await self.click(person, label, message, on=on)
        await self.emu.wait_for(lambda: person.modal, message=f"for {person.name}'s modal after {label}")
        return person.modal.title if person.modal is not None else ""

    async def submit(self, person: Person, values: Mapping[str, Any]) -> None:
        """Fill the open modal by label and submit it; the modal must accept it."""
        modal = person.modal
        if modal is None:
            raise self.fail(f"{person.user.real_name} has no modal open")
        submit = str((modal.spec.get("submit") or {}).get("text", "Submit"))
        self.narrator.modal(person.id, modal.title, {k: _shown(v) for k, v in values.items()}, submit)
        await person.fill(dict(values))
        errors = await person.submit()
        if errors:
            labels = {b["block_id"]: label_of(b) for b in input_blocks(modal.blocks)}
            named = {labels.get(k, k): v for k, v in errors.items()}
            self.narrator.modal_errors(person.id, named)
            raise self.fail(
                f"the “{modal.title}” modal refused the input: " + "; ".join(f"{k}: {v}" for k, v in named.items())
            )
        await self.observe(person)

    def first_input(self, person: Person) -> str:
        """The label of the open modal's first input (the pass modal's names the other organisation)."""
        modal = person.modal
        if modal is None:
            raise self.fail(f"{person.user.real_name} has no modal open")
        return label_of(input_blocks(modal.blocks)[0])

    async def post(self, person: Person, text: str) -> Message:
        self.narrator.act(person.id, f"writes in #{self.cast.channel.name}: “{text}”")
        message = await person.post(self.cast.channel, text)
        await self.observe(person)
        return message

    async def reply(self, person: Person, to: Message, text: str) -> Message:
        self.narrator.act(person.id, f"replies in the thread: “{text}”")
        message = await person.reply(to, text)
        await self.observe(person)
        return message

    async def edit(self, person: Person, message: Message, text: str) -> None:
        self.narrator.act(person.id, f"edits their message to “{text}”")
        await person.edit(message, text)
        await self.observe(person)

    async def share_file(self, person: Person, name: str, data: bytes, *, thread: Message, text: str) -> File:
        self.narrator.act(person.id, f"drops {name} into the request card's thread: “{text}”")
        file = await person.share_file(self.cast.channel, name, data, thread_ts=thread.ts, text=text)
        await self.observe(person)
        return file

    async def join(self, person: Person) -> None:
        self.narrator.act(person.id, f"joins #{self.cast.channel.name} through Slack")
        await person.join(self.cast.channel)
        await self.observe(person)

    # -- what people see ------------------------------------------------------------------------------

    def card(self) -> Message:
        """The collaboration's card: Baton's pinned message in the channel (the newest, once a month opens)."""
        pinned = [m for m in self.cast.bob.messages(self.cast.channel) if m.bot_id and m.pinned]
        if not pinned:
            raise self.fail("expected Baton's card pinned in the channel, saw none")
        return pinned[-1]

    def request_cards(self) -> list[Message]:
        """The request cards in the channel, as the retailer sees them."""
        return [
            m
            for m in self.cast.bob.messages(self.cast.channel)
            if m.bot_id and not m.pinned and m.text.startswith("Request #")
        ]

    def request_card(self, reference: str) -> Message:
        found = [m for m in self.request_cards() if reference in m.content]
        if len(found) != 1:
            raise self.fail(f"expected one request card about {reference}, saw {len(found)}")
        return found[0]


def _shown(value: Any) -> str:
    """How a typed-in value reads in the narration."""
    if isinstance(value, Person):
        return value.user.real_name
    if isinstance(value, date):
        return day_label(value)
    if isinstance(value, File):
        return f"{value.name} (attached)"
    if isinstance(value, list):
        return ", ".join(_shown(v) for v in value)
    return f"“{value}”" if isinstance(value, str) and "\n" not in value else str(value)


def _explain(e: BaseException) -> str:
    text = str(e).strip() or type(e).__name__
    return text.splitlines()[0]
