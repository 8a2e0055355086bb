"""A person's interactions as Slack delivers them to the bot — commands, clicks, submissions, shortcuts —
and what Slack then shows that person, including Slack's own error when the bot fails to answer in time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import payloads
from .activity import World
from .api_views import render_view
from .blockkit import client_side_errors, find_button
from .delivery import BotAnswer, Delivery, Kind
from .errors import ApiError, EmulatorError, Violation
from .responses import Responses
from .state import Channel, Ephemeral, Message, Trigger, User, View

__all__ = ["ActionResult", "CommandResult", "Interactions"]

GENERIC_MODAL_ERROR = "We had some trouble connecting. Try again?"


@dataclass
class CommandResult:
    """What running a slash command got: the bot's HTTP status and what the person sees right away."""

    status: int  # 0 when the bot never answered (or Slack did not send the command at all)
    text: str | None = None
    blocks: list[dict[str, Any]] = field(default_factory=list)
    response_type: str | None = None
    error: str | None = None  # Slack's error shown instead: dispatch_failed, operation_timeout, not_a_command
    ephemeral: Ephemeral | None = None
    message: Message | None = None
    trigger_id: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the bot acknowledged the command."""
        return self.error is None and 200 <= self.status < 300


@dataclass
class ActionResult:
    """What a click or shortcut got: the bot's status, and Slack's error if it failed."""

    status: int
    error: str | None = None
    trigger_id: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the bot acknowledged the interaction."""
        return self.error is None


class Interactions:
    """Sends a person's interactions to the bot and applies its answers."""

    def __init__(self, world: World, delivery: Delivery, responses: Responses, violations: list[Violation]) -> None:
        self.world = world
        self.delivery = delivery
        self.responses = responses
        self.violations = violations

    def issue_trigger(self, user: User, source: str, view: View | None = None) -> str:
        """A fresh trigger_id, valid for 3 seconds and one views.open/push."""
        state = self.world.state
        now = state.now()
        digits = "".join(str(int(c, 16) % 10) for c in state.ids.hex(10))
        trigger_id = f"{int(now)}.{digits}.{state.ids.hex(32)}"
        state.triggers[trigger_id] = Trigger(trigger_id, user.id, now, source, view_id=view.id if view else None)
        return trigger_id

    async def _send(self, kind: Kind, payload: dict[str, Any], name: str) -> tuple[BotAnswer, str | None]:
        answer = await self.delivery.send(kind, payload, name=name)
        if answer.ok:
            return answer, None
        error = "operation_timeout" if answer.error == "timeout" else "dispatch_failed"
        why = answer.error or f"HTTP {answer.status}"
        self.violations.append(
            Violation(
                "not_acknowledged",
                f"{name} was not acknowledged in time ({why}); Slack shows {error!r}",
                kind,
            )
        )
        return answer, error

    async def slash(self, user: User, channel: Channel, command: str, text: str) -> CommandResult:
        """Run a slash command as `user` in `channel`."""
        world = self.world
        if not user.org.app_installed:
            # Slack resolves commands in the user's own workspace: the app is not installed there.
            notice = (
                f"{command} is not a valid command. In Slack, all messages that start with the "
                '"/" character are interpreted as commands.'
            )
            slackbot = world.post_ephemeral(channel, user, text=notice, source="slackbot")
            return CommandResult(status=0, error="not_a_command", text=notice, ephemeral=slackbot)
        trigger_id = self.issue_trigger(user, "slash_command")
        response_url = self.responses.issue(user, channel)
        form = payloads.slash_command(
            world.app,
            user,
            channel,
            command=command,
            text=text,
            response_url=response_url,
            trigger_id=trigger_id,
        )
        answer, error = await self._send("slash_commands", form, command)
        result = CommandResult(status=answer.status, error=error, trigger_id=trigger_id)
        if error is not None:
            notice = f'{command} failed with the error "{error}"'
            result.ephemeral = world.post_ephemeral(channel, user, text=notice, source="slackbot")
            return result
        body = answer.message()
        if body is None:
            return result
        result.text = body.get("text")
        result.blocks = list(body.get("blocks") or [])
        result.response_type = body.get("response_type")
        # A command's answer never replaces anything: only the response_type matters.
        answer_body = {k: v for k, v in body.items() if k not in ("replace_original", "delete_original")}
        target = self.world.state.response_targets[response_url.rsplit("/", 1)[-1]]
        try:
            shown: Ephemeral | Message | None = self.responses.apply(target, answer_body, source="command")
        except ApiError:
            return result
        if isinstance(shown, Ephemeral):
            result.ephemeral = shown
        elif isinstance(shown, Message):
            result.message = shown
        return result

    async def click(
        self,
        user: User,
        label: str,
        *,
        message: Message | None = None,
        ephemeral: Ephemeral | None = None,
        view: View | None = None,
    ) -> ActionResult:
        """Click the button labelled `label` on a message, an ephemeral message, a modal or the Home tab."""
        world = self.world
        state = world.state
        if message is not None:
            blocks = message.blocks
        elif ephemeral is not None:
            blocks = ephemeral.blocks
        elif view is not None:
            blocks = view.blocks
        else:
            raise EmulatorError("click needs a message, an ephemeral message or a view")
        block, element = find_button(blocks, label)
        action_ts = f"{state.now():.6f}"
        actions = [payloads.button_action(block, element, action_ts)]
        trigger_id = self.issue_trigger(user, "block_actions", view if view and view.type == "modal" else None)
        if view is not None:
            payload = payloads.block_actions(
                world.app,
                user,
                actions=actions,
                trigger_id=trigger_id,
                container={"type": "view", "view_id": view.id},
                view=render_view(world, view),
            )
        elif message is not None:
            channel = state.channels[message.channel]
            container: dict[str, Any] = {
                "type": "message",
                "message_ts": message.ts,
                "channel_id": channel.id,
                "is_ephemeral": False,
            }
            if message.is_reply:
                container["thread_ts"] = message.thread_ts
            payload = payloads.block_actions(
                world.app,
                user,
                actions=actions,
                trigger_id=trigger_id,
                container=container,
                channel=channel,
                message=world.render(message),
                response_url=self.responses.issue(user, channel, message_ts=message.ts),
            )
        else:
            assert ephemeral is not None
            channel = state.channels[ephemeral.channel]
            container = {
                "type": "message",
                "message_ts": ephemeral.ts,
                "channel_id": channel.id,
                "is_ephemeral": True,
            }
            # Slack does not send an ephemeral message's content back with the click.
            payload = payloads.block_actions(
                world.app,
                user,
                actions=actions,
                trigger_id=trigger_id,
                container=container,
                channel=channel,
                response_url=self.responses.issue(user, channel, ephemeral=ephemeral),
            )
        answer, error = await self._send("interactive", payload, f"block_actions {element['action_id']}")
        return ActionResult(answer.status, error, trigger_id)

    async def submit(self, user: User, view: View) -> dict[str, str] | None:
        """Submit a modal: Slack's client checks first; then the bot's answer decides what happens."""
        world = self.world
        refused = client_side_errors(view.blocks, view.values)
        if refused:
            view.errors = refused
            return dict(refused)
        view.errors = {}
        trigger_id = self.issue_trigger(user, "view_submission", view)
        payload = payloads.view_submission(world.app, user, view=render_view(world, view), trigger_id=trigger_id)
        answer, error = await self._send("interactive", payload, f"view_submission {view.callback_id}")
        if error is not None:
            view.errors = {"": GENERIC_MODAL_ERROR}
            return dict(view.errors)
        return self.responses.apply_submission(user, view, answer.message())

    async def close(self, user: User, view: View) -> None:
        """Close the top modal (Cancel); Slack tells the app only if the view asked (notify_on_close)."""
        stack = self.world.state.modal_stacks.get(user.id) or []
        if stack and stack[-1] is view:
            stack.pop()
        if view.spec.get("notify_on_close"):
            payload = payloads.view_closed(self.world.app, user, view=render_view(self.world, view), is_cleared=False)
            await self._send("interactive", payload, f"view_closed {view.callback_id}")

    async def shortcut(self, user: User, callback_id: str) -> ActionResult:
        """Run a global shortcut."""
        state = self.world.state
        trigger_id = self.issue_trigger(user, "shortcut")
        payload = payloads.shortcut(
            self.world.app,
            user,
            callback_id=callback_id,
            trigger_id=trigger_id,
            action_ts=f"{state.now():.6f}",
        )
        answer, error = await self._send("interactive", payload, f"shortcut {callback_id}")
        return ActionResult(answer.status, error, trigger_id)
