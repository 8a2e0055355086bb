"""What Slack does with the bot's answers: command acks, response_url posts, view_submission actions."""

from __future__ import annotations

import json
import time
from typing import Any

from aiohttp import web

from .activity import World
from .api_views import MAX_STACK, new_view, replace_content
from .blockkit import check_blocks, check_view, fill_ids, input_blocks
from .errors import ApiError, Violation
from .state import Channel, Ephemeral, Message, ResponseTarget, User, View

__all__ = ["RESPONSE_URL_TTL", "RESPONSE_URL_USES", "Responses"]

RESPONSE_URL_TTL = 30 * 60  # a response_url works for 30 minutes…
RESPONSE_URL_USES = 5  # …and at most five times


class Responses:
    """Issues response_urls and applies message answers and modal answers as Slack would show them."""

    def __init__(self, world: World, violations: list[Violation]) -> None:
        self.world = world
        self.violations = violations
        self.last_request_at = 0.0  # time.monotonic() of the latest respond(), for emu.idle()

    def add_to(self, app: web.Application) -> None:
        """Register the response_url route."""
        app.router.add_post("/response/{token}", self.handle)

    def issue(
        self,
        user: User,
        channel: Channel,
        *,
        message_ts: str | None = None,
        ephemeral: Ephemeral | None = None,
    ) -> str:
        """A new response_url for an interaction by `user` in `channel` (on a message, for clicks)."""
        state = self.world.state
        token = state.ids.token(32)
        state.response_targets[token] = ResponseTarget(
            token=token,
            user_id=user.id,
            channel_id=channel.id,
            issued_at=state.now(),
            message_ts=message_ts,
            ephemeral=ephemeral,
        )
        return f"{self.world.base_url}response/{token}"

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Receive a `respond()` post."""
        self.last_request_at = time.monotonic()
        state = self.world.state
        target = state.response_targets.get(request.match_info["token"])
        if target is None:
            return web.Response(status=404, text="no_service")
        if state.now() - target.issued_at > RESPONSE_URL_TTL:
            return web.Response(status=404, text="expired_url")
        if target.uses >= RESPONSE_URL_USES:
            return web.Response(status=404, text="used_url")
        try:
            body = json.loads(await request.read())
        except json.JSONDecodeError:
            self.violations.append(Violation("invalid_payload", "response_url body is not JSON", "response_url"))
            return web.Response(status=400, text="invalid_payload")
        if not isinstance(body, dict):
            return web.Response(status=400, text="invalid_payload")
        target.uses += 1
        try:
            self.apply(target, body, source="response_url")
        except ApiError as exc:
            return web.Response(status=400, text=exc.code)
        return web.Response(text="ok")

    def apply(self, target: ResponseTarget, body: dict[str, Any], *, source: str) -> Ephemeral | Message | None:
        """Show a message answer: replace or delete the original, post in channel, or (default) ephemeral."""
        world = self.world
        state = world.state
        blocks = None
        if body.get("blocks") is not None:
            try:
                blocks = fill_ids(check_blocks(body["blocks"], where=f"{source}.blocks"), state.ids)
            except ApiError as exc:
                self.violations.append(Violation(exc.code, exc.violation or exc.code, source))
                raise
        text = str(body.get("text") or "")
        channel = state.channels[target.channel_id]
        user = state.users[target.user_id]
        original = state.message(channel.id, target.message_ts) if target.message_ts else None
        if body.get("delete_original") in (True, "true"):
            if target.ephemeral is not None:
                target.ephemeral.deleted = True
            elif original is not None and not original.deleted:
                world.delete(original, world.bot)
            return None
        if body.get("replace_original") in (True, "true"):
            if target.ephemeral is not None:
                target.ephemeral.text = text
                target.ephemeral.blocks = blocks or []
                return target.ephemeral
            if original is not None and not original.deleted:
                world.edit(original, world.bot, text=text, blocks=blocks or [], attachments=[])
                return original
        thread_ts = body.get("thread_ts")
        if body.get("response_type") == "in_channel":
            message, _ = world.post(channel, world.bot, text=text, blocks=blocks, thread_ts=thread_ts)
            return message
        return world.post_ephemeral(channel, user, text=text, blocks=blocks, thread_ts=thread_ts, source=source)

    def apply_submission(self, user: User, view: View, body: dict[str, Any] | None) -> dict[str, str] | None:
        """Apply a view_submission answer to the person's modal stack; return the errors shown, if any."""
        state = self.world.state
        stack = state.modal_stacks.get(user.id) or []
        action = (body or {}).get("response_action")
        if body is None or action is None:
            if body:
                self.violations.append(
                    Violation("invalid_response", f"view_submission answered with {body!r}", "view_submission")
                )
                return None
            # A plain ack closes the submitted view (and returns to the one below it, if any).
            if stack and stack[-1] is view:
                stack.pop()
            return None
        if action == "errors":
            errors = body.get("errors") or {}
            inputs = {b["block_id"] for b in input_blocks(view.blocks)}
            unknown = sorted(set(errors) - inputs)
            if unknown or not isinstance(errors, dict):
                self.violations.append(
                    Violation(
                        "invalid_response",
                        f"errors name blocks that are not inputs of the view: {unknown}; "
                        "Slack shows the person a generic error instead",
                        "view_submission",
                    )
                )
            view.errors = {str(k): str(v) for k, v in errors.items()}
            return dict(view.errors)
        if action in ("update", "push"):
            try:
                spec = check_view(body.get("view"), kind="modal")
            except ApiError as exc:
                self.violations.append(Violation(exc.code, exc.violation or exc.code, "view_submission"))
                return None
            if action == "update":
                replace_content(self.world, view, spec)
            elif len(stack) >= MAX_STACK:
                self.violations.append(Violation("push_limit_reached", "a 4th modal pushed", "view_submission"))
            else:
                pushed = new_view(self.world, spec, user_id=user.id, kind="modal", root=stack[0].id)
                pushed.previous_view_id = view.id
                stack.append(pushed)
            return None
        if action == "clear":
            stack.clear()
            return None
        self.violations.append(Violation("invalid_response", f"unknown response_action {action!r}", "view_submission"))
        return None
