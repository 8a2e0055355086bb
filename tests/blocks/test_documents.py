"""The Upload modal and its file_input, reading its files back, `/turn docs`, and the words about files."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot.blocks.documents import (
    FILES_REQUIRED,
    documents_list,
    file_refused_text,
    files_comment,
    not_stored_note,
    parse_upload,
    read_files,
    upload_modal,
)
from bot.blocks.ids import ActionId, BlockId, CallbackId
from bot.blocks.metadata import CollaborationRef
from models.sides import Side
from tests.blocks.support import (
    HOSTILE,
    HOSTILE_ESCAPED,
    T0,
    assert_only_tokens,
    collab,
    document,
    message_dicts,
    shown,
    slack_file,
    submit,
    version,
    view_dict,
)

ALLOWED = ["pdf", "csv", "xlsx", "jpeg", "jpg"]


def inputs(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {b["block_id"]: b for b in data["blocks"] if b["type"] == "input"}


def test_upload_modal_has_a_file_input_for_ten_files() -> None:
    data = view_dict(upload_modal(collab(title=HOSTILE), [], max_mb=25, filetypes=ALLOWED))
    assert data["callback_id"] == CallbackId.UPLOAD and data["title"]["text"] == "Upload files"
    assert data["submit"]["text"] == "Upload" and data["close"]["text"] == "Cancel"
    assert CollaborationRef.parse(data["private_metadata"]) == CollaborationRef(7, channel_id="C0RETAIL")
    blocks = inputs(data)
    assert list(blocks) == [BlockId.FILE]  # no documents of the side's own yet: nothing to version
    file_input = blocks[BlockId.FILE]
    assert file_input["element"] == {
        "type": "file_input",
        "action_id": ActionId.INPUT,
        "max_files": 10,
        "filetypes": ["csv", "jpeg", "jpg", "pdf", "xlsx"],
    }
    assert file_input["label"]["text"] == "Files" and "optional" not in file_input
    hint = file_input["hint"]["text"]
    assert "Up to 10 files, 10 MB each." in hint and "up to 25 MB" in hint and "shared in the channel" in hint
    assert HOSTILE_ESCAPED in shown(data["blocks"])
    assert_only_tokens(data["blocks"], channels=["C0RETAIL"])


def test_a_lower_limit_than_slacks_is_the_one_said() -> None:
    data = view_dict(upload_modal(collab(), [], max_mb=5))
    hint = inputs(data)[BlockId.FILE]["hint"]["text"]
    assert hint == "Up to 10 files, 5 MB each."
    assert "filetypes" not in inputs(data)[BlockId.FILE]["element"]


def test_upload_modal_offers_the_sides_documents_for_a_new_version() -> None:
    own = [document(i, name=f"{'Very long statement name ' * 4}{i}.pdf") for i in range(1, 131)]
    data = view_dict(upload_modal(collab(), own, max_mb=25))
    select = inputs(data)[BlockId.NEW_VERSION_OF]
    assert select["optional"] is True and select["label"]["text"] == "New version of"
    options = select["element"]["options"]
    assert len(options) == 100 and options[0]["value"] == "31" and options[-1]["value"] == "130"
    assert all(len(o["text"]["text"]) <= 75 for o in options)


def test_parse_upload_reads_the_files_as_slack_sends_them() -> None:
    modal = upload_modal(collab(), [document(4)], max_mb=25)
    statement, credit = slack_file("F01", "Statement.pdf"), slack_file("F02", "CM-2231.pdf")
    form = parse_upload(submit(modal, file=[statement, credit, statement]), max_mb=25, filetypes=ALLOWED)
    assert form.errors == {}
    assert form.ref == CollaborationRef(7, channel_id="C0RETAIL")
    assert form.files == [statement, credit]  # a file given twice counts once
    assert set(form.files[0]) >= {"id", "name", "size", "mimetype", "filetype", "url_private_download"}
    assert form.new_version_of is None
    form = parse_upload(submit(modal, file=[statement], new_version_of="4"))
    assert form.errors == {} and form.new_version_of == 4


@pytest.mark.parametrize(
    ("entered", "block", "says"),
    [
        ({}, BlockId.FILE, FILES_REQUIRED),
        ({"file": [{"name": "no id.pdf"}, "F0", None]}, BlockId.FILE, FILES_REQUIRED),
        ({"file": [slack_file(f"F{i}") for i in range(11)]}, BlockId.FILE, "at most 10 files"),
        (
            {"file": [slack_file(size=26 * 1024 * 1024)]},
            BlockId.FILE,
            "Statement.pdf is 26 MB; Baton stores files up to 25 MB.",
        ),
        ({"file": [slack_file(size=0)]}, BlockId.FILE, "Statement.pdf is empty."),
        (
            {"file": [slack_file(name="run.exe")]},
            BlockId.FILE,
            "Baton doesn't store .exe files like run.exe. It stores",
        ),
        ({"file": [slack_file(name="README")]}, BlockId.FILE, "README has no file extension"),
        (
            {"file": [slack_file("F1"), slack_file("F2", "b.pdf")], "new_version_of": "4"},
            BlockId.NEW_VERSION_OF,
            "A new version is one file",
        ),
        ({"file": [slack_file()], "new_version_of": "../4"}, BlockId.NEW_VERSION_OF, "from the list"),
    ],
)
def test_parse_upload_errors_land_on_their_block(entered: dict[str, Any], block: BlockId, says: str) -> None:
    modal = upload_modal(collab(), [document(4)], max_mb=25)
    form = parse_upload(submit(modal, **entered), max_mb=25, filetypes=ALLOWED)
    assert says in form.errors[block]
    assert all(len(m) <= 2000 for m in form.errors.values())


def test_many_refused_files_are_counted_past_three() -> None:
    modal = upload_modal(collab(), [], max_mb=25)
    files = [slack_file(f"F{i}", f"{i}.exe") for i in range(6)]
    message = parse_upload(submit(modal, file=files), filetypes=ALLOWED).errors[BlockId.FILE]
    assert message.count("Baton doesn't store") == 3 and "And 3 more files." in message


def test_read_files_ignores_odd_payloads() -> None:
    assert read_files({}) == []
    assert read_files({"state": {"values": {"file": {"input": {"files": "F0"}}}}}) == []
    assert read_files({"state": {"values": {"file": {"input": {"files": [{"id": ""}, {"id": 3}]}}}}}) == []


def test_parse_upload_refuses_forged_metadata() -> None:
    payload = submit(upload_modal(collab(), [], max_mb=25), file=[slack_file()])
    payload["private_metadata"] = "{}"
    with pytest.raises(ValueError):
        parse_upload(payload)


# --- `/turn docs` ---------------------------------------------------------------------------------


def test_documents_list_shows_versions_size_side_date_and_drafts() -> None:
    statement = document(
        1,
        versions=[
            version(1, size=512),
            version(2, size=1_234_567, at=T0 + timedelta(days=1)),
            version(None, published=False, at=T0 + timedelta(days=2)),
        ],
    )
    pod = document(2, name="POD-8812.jpg", side=Side.GUEST, versions=[version(1, side=Side.GUEST, stored=False)])
    text, blocks = documents_list([statement, pod], viewer_side=Side.HOST)
    dicts = message_dicts(blocks)
    seen = shown(dicts)
    assert "2 documents, 4 versions" in text and "2 documents, 4 versions" in seen
    assert "*Statement-2026-11.pdf* · your side" in seen
    assert "• version 1 · 512 bytes · by your side · Tue 1 Dec 2026" in seen
    assert "• version 2 · 1.2 MB · by your side · Wed 2 Dec 2026" in seen
    assert "• _to be sent_ · 1.2 MB · by your side · Thu 3 Dec 2026" in seen
    assert "*POD-8812.jpg* · the other side" in seen
    assert "_not stored_: It is 31 MB" in seen
    _, blocks = documents_list(
        [statement, pod], viewer_side=Side.HOST, orgs={Side.HOST: "Acme", Side.GUEST: "Retail Co"}
    )
    seen = shown(message_dicts(blocks))
    assert "*Statement-2026-11.pdf* · Acme (your side)" in seen and "*POD-8812.jpg* · Retail Co" in seen


def test_documents_list_is_cut_at_fifty_blocks_with_a_count() -> None:
    many = [document(i, name=f"doc-{i}.pdf") for i in range(1, 81)]
    _, blocks = documents_list(many, viewer_side=Side.GUEST)
    dicts = message_dicts(blocks)
    assert len(dicts) == 50
    assert "…and 32 more documents" in shown(dicts[-1:])


def test_a_document_with_many_long_versions_fits_its_section() -> None:
    versions = [version(i, name="&" * 250 + ".pdf") for i in range(1, 41)]
    _, blocks = documents_list([document(1, name="&" * 250 + ".pdf", versions=versions)], viewer_side=Side.HOST)
    seen = shown(message_dicts(blocks))
    assert "20 earlier versions not listed" in seen and "version 40" in seen and "version 20 " not in seen


def test_an_empty_documents_list_says_how_to_add_one() -> None:
    text, blocks = documents_list([], viewer_side=None)
    assert "Upload" in shown(message_dicts(blocks)) and text == "No documents yet."


def test_documents_list_escapes_names() -> None:
    hostile = document(1, name=HOSTILE, side=None, versions=[version(1, name=HOSTILE, side=None)])
    _, blocks = documents_list([hostile], viewer_side=Side.HOST)
    dicts = message_dicts(blocks)
    assert_only_tokens(dicts)
    assert HOSTILE_ESCAPED in shown(dicts) and "someone outside both sides" in shown(dicts)


# --- Words about files ----------------------------------------------------------------------------


def test_files_comment_names_the_turn_the_side_and_the_files() -> None:
    assert files_comment(3, "Acme", ["Statement.pdf", "CM-2231.pdf"]) == (
        "2 files from Acme with Turn 3: Statement.pdf and CM-2231.pdf"
    )
    assert files_comment(1, "Acme", ["a.pdf"]) == "1 file from Acme with Turn 1: a.pdf"
    comment = files_comment(2, "Retail <!here>", [HOSTILE] * 3)
    assert "<" not in comment and HOSTILE_ESCAPED in comment
    long = files_comment(2, "Acme", [f"{'x' * 200}-{i}.pdf" for i in range(100)])
    assert len(long) <= 2000 and "others" in long


def test_file_refusals_are_plain_and_escaped() -> None:
    text = file_refused_text("Big <!channel>.pdf", "Big <!channel>.pdf is 31 MB; Baton stores files up to 25 MB")
    assert text == (
        "Baton didn't take “Big &lt;!channel&gt;.pdf”. "
        "Big &lt;!channel&gt;.pdf is 31 MB; Baton stores files up to 25 MB."
    )
    note = not_stored_note("<@U0X>.exe", "2 MB", "Baton doesn't store .exe files.")
    assert "&lt;@U0X&gt;.exe" in note and "(2 MB)" in note and "<" not in note
    assert "stays in the channel" in note and "won't be in the archive" in note
    assert "Baton doesn't store .exe files." in note
