"""Documents: the Upload modal and its parser, `/turn docs`, the comment on a turn's files, and file refusals.

Files come in through Block Kit's `file_input` (modals only; slack_sdk models it as
`block_elements.FileInputElement`, without checking `max_files`): Slack sends each file's object in
`view.state.values`, and the handler downloads and checks it after the ack. The parsers here only
check what the file objects say (count, size, extension) so a wrong file is refused on the modal,
before the ack; `bot.filecheck` checks the bytes again when they are stored.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.blocks.block_elements import FileInputElement  # not re-exported by slack_sdk.models.blocks
from slack_sdk.models.views import View

from bot.blocks import parts
from bot.blocks.format import (
    SECTION_MAX,
    channel_link,
    clip,
    clipped_escape,
    day_label,
    name_list,
    plural,
)
from bot.blocks.ids import ActionId, BlockId, CallbackId
from bot.blocks.metadata import CollaborationRef
from bot.blocks.modals import Errors, _Values
from bot.blocks.parts import document_name, version_label
from bot.filecheck import file_type_of, human_size
from models.flows.documents import DocumentView, VersionView
from models.flows.views import CollaborationView
from models.sides import Side

__all__ = [
    "FILES_MAX",
    "SLACK_FILE_MB",
    "UploadForm",
    "documents_list",
    "file_input_block",
    "file_problems",
    "file_refused_text",
    "files_comment",
    "not_stored_note",
    "parse_upload",
    "read_files",
    "upload_modal",
]

FILES_MAX = 10  # a file_input's most files (Slack's limit)
SLACK_FILE_MB = 10  # a file_input's largest file (Slack's limit)
OPTIONS_MAX = 100  # a select's most options (Slack's limit)
OPTION_TEXT_MAX = 75
MESSAGE_BLOCKS_MAX = 50
_VERSIONS_LISTED = 20  # per document in `/turn docs`; older ones are counted
_PROBLEMS_LISTED = 3
_REASON_MAX = 300

FILES_REQUIRED = "Choose at least one file to upload."


def file_input_block(
    *, label: str, optional: bool, max_mb: float, filetypes: Collection[str] = (), hint: str | None = None
) -> InputBlock:
    """The `file_input` of the Upload and Fulfill modals: up to 10 files, of the allowed types."""
    limit = _modal_limit_mb(max_mb)
    words = f"Up to {FILES_MAX} files, {_mb(limit)} each."
    if max_mb > limit:
        words += f" A larger file (up to {_mb(max_mb)}) can be shared in the channel: Baton records it there."
    return InputBlock(
        block_id=BlockId.FILE,
        label=label,
        optional=optional or None,
        hint=f"{hint} {words}" if hint else words,
        element=FileInputElement(
            action_id=ActionId.INPUT,
            max_files=FILES_MAX,
            filetypes=sorted({t.strip().lower().lstrip(".") for t in filetypes if t.strip()}) or None,
        ),
    )


def read_files(view: Mapping[str, Any], block: BlockId = BlockId.FILE) -> list[dict[str, Any]]:
    """The file objects a `file_input` submitted (id, name, size, mimetype, filetype, url_private_download…).

    Read defensively: anything that is not an object with a file id is dropped; a file given twice
    counts once.
    """
    state = view.get("state")
    values = state.get("values") if isinstance(state, Mapping) else None
    actions = values.get(block) if isinstance(values, Mapping) else None
    element = actions.get(ActionId.INPUT) if isinstance(actions, Mapping) else None
    files = element.get("files") if isinstance(element, Mapping) else None
    if not isinstance(files, Sequence) or isinstance(files, str):
        return []
    found: dict[str, dict[str, Any]] = {}
    for f in files:
        if isinstance(f, Mapping) and isinstance(f.get("id"), str) and f["id"] and f["id"] not in found:
            found[f["id"]] = dict(f)
    return list(found.values())


def file_problems(
    files: Sequence[Mapping[str, Any]], *, max_mb: float | None, filetypes: Collection[str]
) -> str | None:
    """Why some of `files` can't be taken, in plain words (for a modal error); None when all look fine.

    What the file objects claim: too many, too large, empty, or of a type not allowed. The bytes are
    checked again when stored.
    """
    if len(files) > FILES_MAX:
        return f"Choose at most {FILES_MAX} files at once."
    allowed = {file_type_of(f"x.{t.strip().lstrip('.')}") for t in filetypes if t.strip()}
    listed = ", ".join(sorted({t.strip().lower().lstrip(".") for t in filetypes if t.strip()}))
    max_bytes = int(max_mb * 1024 * 1024) if max_mb is not None else None
    problems = []
    for f in files:
        name = _file_name(f)
        size = f.get("size")
        file_type = file_type_of(name)
        if isinstance(size, int) and not isinstance(size, bool) and max_bytes is not None and size > max_bytes:
            problems.append(f"{name} is {human_size(size)}; Baton stores files up to {human_size(max_bytes)}.")
        elif isinstance(size, int) and size == 0:
            problems.append(f"{name} is empty.")
        elif allowed and not file_type:
            problems.append(f"{name} has no file extension, so Baton can't tell what it is. It stores {listed}.")
        elif allowed and file_type not in allowed:
            problems.append(f"Baton doesn't store .{file_type} files like {name}. It stores {listed}.")
    if not problems:
        return None
    shown = problems[:_PROBLEMS_LISTED]
    if len(problems) > _PROBLEMS_LISTED:
        shown.append(f"And {plural(len(problems) - _PROBLEMS_LISTED, 'more file')}.")
    return clip(" ".join(shown), 1000)


def _file_name(f: Mapping[str, Any]) -> str:
    name = f.get("name") or f.get("title") or f.get("id") or "file"
    return clip(str(name), 120)


def _modal_limit_mb(max_mb: float) -> float:
    return min(max_mb, SLACK_FILE_MB)


def _mb(mb: float) -> str:
    return f"{mb:g} MB"


# --- Upload ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UploadForm:
    ref: CollaborationRef
    files: list[dict[str, Any]] = field(default_factory=list)  # as Slack sends them in state.values
    new_version_of: int | None = None  # a document id of the uploader's side
    errors: Errors = field(default_factory=dict)


def upload_modal(
    view: CollaborationView,
    own_documents: Sequence[DocumentView],
    *,
    max_mb: float,
    filetypes: Collection[str] = (),
) -> View:
    """Upload files as drafts of the uploader's side; optionally as a new version of one of its documents.

    `own_documents` are the uploader's side's documents (the latest 100 are offered); `filetypes` the
    allowed extensions (BATON_ALLOWED_FILE_TYPES), which the file picker enforces as a convenience.
    """
    intro = (
        f"*{clipped_escape(view.title, 200)}*\nFiles you upload are staged for your next update: only your "
        f"side sees them until you pass the turn; then they're posted in {channel_link(view.channel_id)} "
        "with your update. A file with the same name as one of your documents becomes its next version."
    )
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=intro)),
        file_input_block(label="Files", optional=False, max_mb=max_mb, filetypes=filetypes),
    ]
    options = [
        Option(value=str(d.id), text=PlainTextObject(text=clip(d.name, OPTION_TEXT_MAX), emoji=False))
        for d in list(own_documents)[-OPTIONS_MAX:]
    ]
    if options:
        blocks.append(
            InputBlock(
                block_id=BlockId.NEW_VERSION_OF,
                label="New version of",
                optional=True,
                hint="For one file whose name changed: it becomes the next version of the document you choose.",
                element=StaticSelectElement(
                    action_id=ActionId.INPUT,
                    placeholder="Choose one of your documents",
                    options=options,
                ),
            )
        )
    return View(
        type="modal",
        callback_id=CallbackId.UPLOAD,
        title="Upload files",
        submit="Upload",
        close="Cancel",
        private_metadata=CollaborationRef(view.id, channel_id=view.channel_id).to_json(),
        blocks=blocks,
    )


def parse_upload(
    view: Mapping[str, Any], *, max_mb: float | None = None, filetypes: Collection[str] = ()
) -> UploadForm:
    """The Upload modal's submission: at least one file; "new version of" takes one file only.

    With `max_mb` and `filetypes`, files the objects say are too large or of a type not allowed are
    refused on the modal.
    """
    ref = CollaborationRef.parse(view.get("private_metadata"))
    values = _Values(view)
    errors: Errors = {}
    files = read_files(view)
    if not files:
        errors[BlockId.FILE] = FILES_REQUIRED
    elif problem := file_problems(files, max_mb=max_mb, filetypes=filetypes):
        errors[BlockId.FILE] = problem
    new_version_of: int | None = None
    chosen = values.option(BlockId.NEW_VERSION_OF)
    if chosen is not None:
        if chosen.isascii() and chosen.isdigit() and int(chosen) > 0:
            new_version_of = int(chosen)
        else:
            errors[BlockId.NEW_VERSION_OF] = "Choose one of your documents from the list."
    if new_version_of is not None and len(files) > 1:
        errors[BlockId.NEW_VERSION_OF] = (
            "A new version is one file: upload one file with this choice, or leave it empty to upload several."
        )
    return UploadForm(ref=ref, files=files, new_version_of=new_version_of, errors=errors)


# --- `/turn docs` ---------------------------------------------------------------------------------


def documents_list(
    documents: Sequence[DocumentView],
    *,
    viewer_side: Side | None,
    orgs: Mapping[Side, str] | None = None,
) -> tuple[str, list[Block]]:
    """The collaboration's documents with their versions (size, whose, when), for one person (ephemeral).

    The viewer's side's own drafts are marked "to be sent". `orgs` names the sides by organisation;
    without it they are "your side" and "the other side".
    """
    versions = sum(len(d.versions) for d in documents)
    if not documents:
        text = "No documents yet."
        return text, [
            SectionBlock(
                text=MarkdownTextObject(
                    text="*Documents* · none yet. Upload files with the card's *Upload* button, or share them "
                    "in the channel: Baton records them there."
                )
            )
        ]
    head = f"*Documents* · {plural(len(documents), 'document')}, {plural(versions, 'version')}"
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=head))]
    room = MESSAGE_BLOCKS_MAX - 1
    shown = documents if len(documents) <= room else documents[: room - 1]
    for d in shown:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=_document_text(d, viewer_side, orgs))))
    if len(shown) < len(documents):
        blocks.append(
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text=f"…and {plural(len(documents) - len(shown), 'more document')}: "
                        "the collaboration's archive holds them all."
                    )
                ]
            )
        )
    return f"Documents: {plural(len(documents), 'document')}, {plural(versions, 'version')}", blocks


def _document_text(d: DocumentView, viewer_side: Side | None, orgs: Mapping[Side, str] | None) -> str:
    lines = [f"*{document_name(d.name)}* · {_side_words(d.side, viewer_side, orgs)}"]
    listed = d.versions[-_VERSIONS_LISTED:]
    if len(d.versions) > len(listed):
        lines.append(f"_{plural(len(d.versions) - len(listed), 'earlier version')} not listed_")
    lines += [f"• {_version_line(v, viewer_side, orgs)}" for v in listed]
    text = ""
    for line in lines:  # a document never takes more than its section
        if len(text) + len(line) + 1 > SECTION_MAX:
            break
        text = f"{text}\n{line}" if text else line
    return text


def _version_line(v: VersionView, viewer_side: Side | None, orgs: Mapping[Side, str] | None) -> str:
    parts = [version_label(v) if not v.draft else "_to be sent_", human_size(v.size)]
    parts.append(f"by {_side_words(v.side, viewer_side, orgs)}")
    parts.append(day_label(v.uploaded_at.date()))
    if v.original_name and v.original_name != v.name:
        parts.append(f"sent as {clipped_escape(v.original_name, 120)}")
    line = " · ".join(parts)
    if not v.stored:
        line += f" · _not stored_: {clipped_escape(v.reason or 'refused', _REASON_MAX)}"
    return line


def _side_words(side: Side | None, viewer_side: Side | None, orgs: Mapping[Side, str] | None) -> str:
    if side is None:
        return "someone outside both sides"
    if orgs and side in orgs:
        name = parts.org(orgs[side])
        return f"{name} (your side)" if side is viewer_side else name
    if viewer_side is None:
        return f"the {side.value} side"
    return "your side" if side is viewer_side else "the other side"


# --- Messages about files -------------------------------------------------------------------------

_COMMENT_MAX = 2000


def files_comment(turn_number: int, org: str, names: Sequence[str]) -> str:
    """The comment on the message that carries a turn's files: "2 files from Acme with Turn 3: a.pdf and b.pdf"."""
    head = f"{plural(len(names), 'file')} from {parts.org(org)} with Turn {turn_number}"
    if not names:
        return head
    return f"{head}: {name_list(list(names), _COMMENT_MAX - len(head) - 2)}"


def file_refused_text(name: str, reason: str) -> str:
    """A file Baton would not take (too large, a type not allowed…), in plain words (mrkdwn, escaped)."""
    return f"Baton didn't take “{clipped_escape(name, 200)}”. {_sentence(reason)}"


def not_stored_note(name: str, size_text: str, reason: str) -> str:
    """For the person whose file in the channel was not stored: it stays there, but not in Baton's record."""
    return (
        f"Your file “{clipped_escape(name, 200)}” ({clipped_escape(size_text, 40)}) stays in the channel, "
        f"but Baton did not store a copy. {_sentence(reason)} The collaboration's record notes its name, size "
        "and sender; the file itself won't be in the archive."
    )


def _sentence(reason: str) -> str:
    text = clipped_escape(" ".join(reason.split()), 1000) or "Slack or Baton refused it."
    return text if text.endswith((".", "!", "?", "…")) else text + "."
