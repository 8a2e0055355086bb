"""Web API methods on views: views.open, push, update (modals) and publish (the Home tab)."""

from __future__ import annotations

from typing import Any

from .activity import World
from .blockkit import check_view, fill_ids, initial_values, input_blocks
from .calls import ApiCall, Handler
from .errors import ApiError
from .state import Trigger, View

__all__ = ["HANDLERS", "MAX_STACK", "TRIGGER_TTL", "new_view", "render_view", "replace_content"]

TRIGGER_TTL = 3.0  # seconds a trigger_id stays valid after Slack issues it
MAX_STACK = 3  # modals a user can have stacked


def render_view(world: World, view: View) -> dict[str, Any]:
    """A view as Slack returns it (with the app's ids and the host installation's team)."""
    app = world.app
    return view.to_api(app_id=app.app_id, bot_id=app.bot_id, app_installed_team_id=app.host.team_id)


def _redeem(call: ApiCall) -> Trigger:
    """Exchange the call's trigger_id: single use, within 3 seconds of the interaction."""
    trigger_id = call.text("trigger_id") or call.text("interactivity_pointer")
    if trigger_id is None:
        raise ApiError(
            "invalid_arguments",
            violation="views.open/push need `trigger_id` (or `interactivity_pointer`)",
            response_metadata={"messages": ["[ERROR] missing required field: trigger_id"]},
        )
    state = call.world.state
    trigger = state.triggers.get(trigger_id)
    if trigger is None:
        raise ApiError("invalid_trigger_id")
    if trigger.used:
        raise ApiError("exchanged_trigger_id")
    if state.now() - trigger.issued_at > TRIGGER_TTL:
        raise ApiError("expired_trigger_id")
    trigger.used = True
    return trigger


def new_view(world: World, spec: dict[str, Any], *, user_id: str, kind: str, root: str | None) -> View:
    """Register a view as Slack does on open, push or publish: ids filled in, inputs at initial values."""
    state = world.state
    spec = dict(spec)
    spec["blocks"] = fill_ids(spec.get("blocks") or [], state.ids)
    external_id = str(spec.get("external_id") or "")
    if external_id and any(v.external_id == external_id for v in state.views.values()):
        raise ApiError("duplicate_external_id")
    view_id = state.ids.new("V")
    view = View(
        id=view_id,
        type="home" if kind == "home" else "modal",
        user_id=user_id,
        team_id=state.users[user_id].team_id,
        spec=spec,
        hash=new_hash(world),
        root_view_id=root or view_id,
        external_id=external_id,
        values=initial_values(spec["blocks"]),
    )
    state.views[view.id] = view
    return view


def new_hash(world: World) -> str:
    """A fresh view hash (Slack changes it on every update, for hash_conflict checks)."""
    state = world.state
    return f"{int(state.now())}.{state.ids.token(8)}"


def replace_content(world: World, view: View, spec: dict[str, Any]) -> None:
    """Give an open view new content; what the person typed is kept where block and action ids stay."""
    spec = dict(spec)
    spec["blocks"] = fill_ids(spec.get("blocks") or [], world.state.ids)
    fresh = initial_values(spec["blocks"])
    for block in input_blocks(spec["blocks"]):
        action_id = block["element"]["action_id"]
        kept = view.values.get(block["block_id"], {}).get(action_id)
        if kept is not None and kept.get("type") == block["element"].get("type"):
            fresh[block["block_id"]][action_id] = kept
    view.spec = spec
    view.values = fresh
    view.errors = {}
    view.hash = new_hash(world)
    if spec.get("external_id"):
        view.external_id = str(spec["external_id"])


def open_view(call: ApiCall) -> dict[str, Any]:
    """Open a modal for the person whose interaction issued the trigger_id."""
    spec = check_view(call.args.get("view"), kind="modal")
    trigger = _redeem(call)
    view = new_view(call.world, spec, user_id=trigger.user_id, kind="modal", root=None)
    call.world.state.modal_stacks[trigger.user_id] = [view]
    return {"view": render_view(call.world, view)}


def push_view(call: ApiCall) -> dict[str, Any]:
    """Push a modal onto the stack of the modal the interaction happened in."""
    spec = check_view(call.args.get("view"), kind="modal")
    trigger = _redeem(call)
    stack = call.world.state.modal_stacks.get(trigger.user_id) or []
    if not stack:
        raise ApiError("not_found")
    if len(stack) >= MAX_STACK:
        raise ApiError("push_limit_reached")
    view = new_view(call.world, spec, user_id=trigger.user_id, kind="modal", root=stack[0].id)
    view.previous_view_id = stack[-1].id
    stack.append(view)
    return {"view": render_view(call.world, view)}


def _find(call: ApiCall) -> View:
    state = call.world.state
    view_id = call.text("view_id")
    external_id = call.text("external_id")
    if view_id is None and external_id is None:
        raise ApiError("invalid_arguments", violation="views.update needs `view_id` or `external_id`")
    for view in state.views.values():
        if (view_id and view.id == view_id) or (external_id and view.external_id == external_id):
            open_modal = any(view in stack for stack in state.modal_stacks.values())
            if open_modal or state.homes.get(view.user_id) is view:
                return view
    raise ApiError("not_found")


def update_view(call: ApiCall) -> dict[str, Any]:
    """Replace an open view's content; what the person typed is kept where block and action ids stay."""
    view = _find(call)
    spec = check_view(call.args.get("view"), kind=view.type)
    given_hash = call.text("hash")
    if given_hash is not None and given_hash != view.hash:
        raise ApiError("hash_conflict")
    replace_content(call.world, view, spec)
    return {"view": render_view(call.world, view)}


def publish_view(call: ApiCall) -> dict[str, Any]:
    """Publish a person's Home tab."""
    spec = check_view(call.args.get("view"), kind="home")
    user = call.user("user_id")
    state = call.world.state
    current = state.homes.get(user.id)
    given_hash = call.text("hash")
    if current is not None and given_hash is not None and given_hash != current.hash:
        raise ApiError("hash_conflict")
    view = new_view(call.world, spec, user_id=user.id, kind="home", root=None)
    if current is not None:
        # A Home tab keeps its id across publishes.
        del state.views[view.id]
        view.id = view.root_view_id = current.id
        state.views[view.id] = view
    state.homes[user.id] = view
    return {"view": render_view(call.world, view)}


HANDLERS: dict[str, Handler] = {
    "views.open": open_view,
    "views.push": push_view,
    "views.update": update_view,
    "views.publish": publish_view,
}
