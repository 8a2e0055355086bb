"""File checks: hostile names made safe, and the size, type and content refusals people are shown."""

from __future__ import annotations

import codecs

import pytest

from bot.filecheck import NAME_MAX_BYTES, check_file, file_type_of, human_size, safe_name
from bot.settings import DEFAULT_ALLOWED_FILE_TYPES

ALLOWED = DEFAULT_ALLOWED_FILE_TYPES.split(",")
MB = 1024 * 1024
LIMIT = 25 * MB

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"
ZIP = b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00"
OLE = bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 24
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
JPG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"


def check(name: str, head: bytes, size: int | None = None, **kw: object) -> tuple[bool, str | None, str]:
    verdict = check_file(
        name,
        len(head) if size is None else size,
        head,
        allowed_types=kw.get("allowed_types", ALLOWED),  # type: ignore[arg-type]
        max_bytes=kw.get("max_bytes", LIMIT),  # type: ignore[arg-type]
    )
    return verdict.ok, verdict.reason, verdict.file_type


@pytest.mark.parametrize(
    ("given", "safe"),
    [
        ("Statement-2026-11.pdf", "Statement-2026-11.pdf"),
        ("../../etc/passwd", "etc_passwd"),
        ("..\\..\\Windows\\system32\\cmd.exe", "Windows_system32_cmd.exe"),
        ("/etc/shadow", "etc_shadow"),
        ("a\x00b.pdf", "ab.pdf"),
        ("line\nbreak\r.csv", "linebreak.csv"),
        (".htaccess", "htaccess"),
        ("...hidden.txt", "hidden.txt"),
        ("report..pdf", "report.pdf"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),  # a bidi override that would show "exe.pdf"
        ("  spaced   out  .pdf ", "spaced out .pdf"),
        ('what?<is>:this|*.pdf"', "what__is__this__.pdf_"),
        ("CON.pdf", "_CON.pdf"),
        ("Cafe\u0301.pdf", "Café.pdf"),  # decomposed é becomes the composed one (NFC)
        ("", "file"),
        ("..", "file"),
        ("/", "file"),
        ("\x00\x01", "file"),
    ],
)
def test_safe_name_neutralises_hostile_names(given: str, safe: str) -> None:
    assert safe_name(given) == safe


def test_safe_name_caps_long_names_keeping_the_extension() -> None:
    long = "x" * 300 + ".pdf"
    capped = safe_name(long)
    assert capped.endswith(".pdf")
    assert len(capped.encode()) <= NAME_MAX_BYTES
    assert capped == "x" * (NAME_MAX_BYTES - 4) + ".pdf"
    # Multibyte characters are never cut in half.
    wide = safe_name("é" * 300 + ".xlsx")
    assert wide.endswith(".xlsx") and len(wide.encode()) <= NAME_MAX_BYTES
    wide.encode().decode()
    assert safe_name(safe_name(long)) == capped, "safe names stay as they are"


def test_size_over_the_limit_is_refused_in_plain_words() -> None:
    ok, reason, file_type = check("Statement.pdf", PDF, size=int(31.2 * MB))
    assert not ok and file_type == "pdf"
    assert reason == "Statement.pdf is 31.2 MB; Baton stores files up to 25 MB."
    ok, reason, _ = check("Statement.pdf", PDF, size=LIMIT + 1)
    assert not ok and reason == "Statement.pdf is 26,214,401 bytes; Baton stores files up to 26,214,400 bytes."
    assert check("Statement.pdf", PDF, size=LIMIT)[0], "exactly the limit is allowed"
    assert check("Statement.pdf", b"", size=0)[1] == "Statement.pdf is empty."


def test_types_not_allowed_are_refused_listing_what_is() -> None:
    ok, reason, file_type = check("payload.exe", EXE)
    assert not ok and file_type == "exe"
    assert reason is not None
    assert reason.startswith("Baton doesn't store .exe files. It stores csv, doc, docx, eml, heic, jpeg, jpg,")
    ok, reason, file_type = check("README", b"hello")
    assert not ok and file_type == ""
    assert reason is not None and "has no file extension" in reason
    ok, reason, _ = check("notes.txt", b"hello", allowed_types=["pdf", "xlsx"])
    assert not ok and reason == "Baton doesn't store .txt files. It stores pdf, xlsx."


@pytest.mark.parametrize(
    ("name", "head", "label"),
    [
        ("Statement.pdf", EXE, "a PDF"),
        ("Statement.pdf", ZIP, "a PDF"),
        ("Aging.xlsx", PDF, "an Excel workbook"),
        ("Letter.docx", OLE, "a Word document"),
        ("Old.xls", ZIP, "an Excel 97-2003 workbook"),
        ("Mail.msg", PDF, "an Outlook message"),
        ("Scan.png", JPG, "a PNG image"),
        ("Photo.jpeg", PNG, "a JPEG image"),
        ("Scan.tif", PNG, "a TIFF image"),
        ("Photo.heic", JPG, "a HEIC image"),
        ("Feed.xml", b"not xml at all", "an XML file"),
        ("Ledger.csv", PNG + b"\x00" * 20, "a CSV file"),
        ("Notes.txt", EXE, "a text file"),
        ("Forward.eml", bytes(range(256)) * 4, "an email file"),
    ],
)
def test_content_that_does_not_match_its_extension_is_refused(name: str, head: bytes, label: str) -> None:
    ok, reason, _ = check(name, head)
    assert not ok
    assert reason is not None and reason.startswith(f"{name} does not look like {label}")


@pytest.mark.parametrize(
    ("name", "head", "file_type"),
    [
        ("Statement.PDF", PDF, "pdf"),
        ("Aging.xlsx", ZIP, "xlsx"),
        ("Letter.docx", ZIP, "docx"),
        ("Bundle.zip", ZIP, "zip"),
        ("Empty.zip", b"PK\x05\x06" + b"\x00" * 18, "zip"),
        ("Old.xls", OLE, "xls"),
        ("Old.doc", OLE, "doc"),
        ("Mail.msg", OLE, "msg"),
        ("Scan.png", PNG, "png"),
        ("Photo.jpeg", JPG, "jpg"),
        ("Photo.JPG", JPG, "jpg"),
        ("Scan.tif", b"II*\x00\x08\x00\x00\x00", "tif"),
        ("Scan.tiff", b"MM\x00*\x00\x00\x00\x08", "tif"),
        ("Photo.heic", b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00", "heic"),
        ("Photo.heic", b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00", "heic"),
        ("Feed.xml", b'<?xml version="1.0"?><root/>', "xml"),
        ("Feed.xml", codecs.BOM_UTF8 + b'\r\n  <?xml version="1.0"?>', "xml"),
        ("Ledger.csv", "Invoice;Amount\nINV-1001;1.234,50 €\n".encode(), "csv"),
        ("Ledger.csv", "Rechnung;Betrag\nINV-1001;1.234,50 DM; Größe\n".encode("latin-1"), "csv"),
        ("Export.txt", codecs.BOM_UTF16_LE + "Invoice\tAmount\r\n".encode("utf-16-le"), "txt"),
        ("Forward.eml", b"From: ap@retail.example\r\nSubject: POD\r\n\r\nSee attached.", "eml"),
    ],
)
def test_files_of_the_right_kind_pass(name: str, head: bytes, file_type: str) -> None:
    assert check(name, head) == (True, None, file_type)


def test_a_utf8_character_cut_at_the_end_of_the_head_is_still_text() -> None:
    text = ("Überweisung für INV-1001 " * 400).encode()
    head = text[:8191]  # may end inside "Ü"
    assert check("Notes.txt", head, size=len(text)) == (True, None, "txt")


def test_the_name_in_a_refusal_is_the_safe_one() -> None:
    ok, reason, _ = check("../../x\x00.pdf", EXE)
    assert not ok and reason is not None and reason.startswith("x.pdf does not look like a PDF")


def test_sizes_and_types_read_naturally() -> None:
    assert [human_size(n) for n in (1, 900, 12 * 1024, 25 * MB, int(31.2 * MB), 300 * MB)] == [
        "1 byte",
        "900 bytes",
        "12 KB",
        "25 MB",
        "31.2 MB",
        "300 MB",
    ]
    assert [file_type_of(n) for n in ("a.PDF", "b.tar.gz", "c", ".pdf", "d.jpeg")] == [
        "pdf",
        "gz",
        "",
        "",
        "jpg",
    ]
