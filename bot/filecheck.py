"""File checks before Baton stores a file: a safe name, the size limit, the allowed types, and the content.

Pure functions: no I/O. The caller reads the first `HEAD_BYTES` of the file (see `blobs.peek_head`) and
asks `check_file` before storing it; a refused file is recorded as "not stored" with the verdict's reason.

The content check compares the extension with the file's signature (its first bytes), so a program
renamed `Statement.pdf` is refused. A type added to BATON_ALLOWED_FILE_TYPES that Baton has no
signature for is accepted on its extension alone.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass

__all__ = [
    "HEAD_BYTES",
    "NAME_MAX_BYTES",
    "FileVerdict",
    "check_file",
    "file_type_of",
    "human_size",
    "safe_name",
]

HEAD_BYTES = 8192  # enough for every signature below and a fair look at a text file
NAME_MAX_BYTES = 200  # UTF-8 bytes: well inside every file system's 255, with room for a suffix

_FALLBACK_NAME = "file"
_SEPARATORS = re.compile(r"[/\\]+")
_WINDOWS_RESERVED = re.compile(r'[<>:"|?*]')
_WINDOWS_DEVICES = re.compile(r"(CON|PRN|AUX|NUL|COM[0-9]|LPT[0-9])(\..*)?", re.IGNORECASE)
_EXTENSION = re.compile(r"\.([A-Za-z0-9]{1,16})$")

# Equivalent spellings, reported as one type.
_CANONICAL = {"jpeg": "jpg", "tiff": "tif"}


@dataclass(frozen=True)
class FileVerdict:
    """Whether Baton stores the file; `reason` says why not in plain words; `file_type` is the canonical
    extension ("jpg" for .jpeg), or "" when the name has none."""

    ok: bool
    reason: str | None
    file_type: str


def safe_name(name: str) -> str:
    """A file name safe to store, show and write into an archive; never empty.

    NFC-normalised; path separators join the parts instead of making folders ("../../etc/passwd" becomes
    "etc_passwd"); control and format characters (NUL, bidi overrides) removed; runs of dots collapsed,
    so no ".."; no leading dots or spaces (".htaccess" becomes "htaccess"), no trailing ones; characters
    Windows refuses replaced; capped at NAME_MAX_BYTES of UTF-8, keeping the extension.
    """
    text = unicodedata.normalize("NFC", name or "")
    text = "".join(ch for ch in text if not unicodedata.category(ch).startswith("C"))
    parts = [p.strip() for p in _SEPARATORS.split(text)]
    text = "_".join(p for p in parts if p.strip(". "))
    text = _WINDOWS_RESERVED.sub("_", text)
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"\.{2,}", ".", text)
    text = text.strip(". ")
    if _WINDOWS_DEVICES.fullmatch(text):
        text = f"_{text}"
    text = _cap(text)
    return text or _FALLBACK_NAME


def _cap(text: str) -> str:
    if len(text.encode()) <= NAME_MAX_BYTES:
        return text
    match = _EXTENSION.search(text)
    ext = match.group(0) if match else ""
    stem = text[: len(text) - len(ext)]
    budget = NAME_MAX_BYTES - len(ext.encode())
    stem = stem.encode()[:budget].decode(errors="ignore").rstrip(". ")
    return f"{stem}{ext}" if stem else ext.lstrip(".")


def file_type_of(name: str) -> str:
    """The canonical extension of `name`, lower case ("jpg" for "Photo.JPEG"), or "" without one."""
    match = _EXTENSION.search(name)
    if match is None or match.start() == 0:
        return ""
    ext = match.group(1).lower()
    return _CANONICAL.get(ext, ext)


def human_size(size: int) -> str:
    """ "512 bytes", "12 KB", "31.2 MB": how the refusals name a size."""
    if size < 1024:
        return f"{size} byte{'s' if size != 1 else ''}"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    mb = size / (1024 * 1024)
    return f"{mb:.0f} MB" if mb >= 100 else f"{mb:.1f}".removesuffix(".0") + " MB"


def check_file(
    name: str,
    size: int,
    head_bytes: bytes,
    *,
    allowed_types: Iterable[str],
    max_bytes: int,
) -> FileVerdict:
    """Whether Baton stores this file: within `max_bytes`, of an allowed type, and its content of that type.

    `head_bytes` are the file's first bytes (HEAD_BYTES of them, or the whole file when it is shorter).
    """
    shown = safe_name(name)
    file_type = file_type_of(shown)
    if size > max_bytes:
        limit, actual = human_size(max_bytes), human_size(size)
        if actual == limit:  # "25 MB is over 25 MB" would read as nonsense: say it exactly
            actual = f"{size:,} bytes"
            limit = f"{max_bytes:,} bytes"
        return FileVerdict(False, f"{shown} is {actual}; Baton stores files up to {limit}.", file_type)
    if size <= 0:
        return FileVerdict(False, f"{shown} is empty.", file_type)
    allowed = sorted({t.strip().lower().lstrip(".") for t in allowed_types if t.strip()})
    canonical_allowed = {_CANONICAL.get(t, t) for t in allowed}
    listed = ", ".join(allowed)
    if not file_type:
        return FileVerdict(
            False, f"{shown} has no file extension, so Baton can't tell what it is. It stores {listed}.", ""
        )
    if file_type not in canonical_allowed:
        return FileVerdict(False, f"Baton doesn't store .{file_type} files. It stores {listed}.", file_type)
    signature = _SIGNATURES.get(file_type)
    if signature is not None:
        label, matches = signature
        whole = len(head_bytes) >= size
        if not matches(head_bytes, whole):
            return FileVerdict(
                False,
                f"{shown} does not look like {label}: its content is of another kind. Save it again as "
                f".{file_type}, or send it under its real extension.",
                file_type,
            )
    return FileVerdict(True, None, file_type)


# Signatures: (how the type is named in a refusal, does `head` look like it). `whole` says `head` is
# the entire file, so a text check may decode its end strictly.


def _starts(*magics: bytes) -> Callable[[bytes, bool], bool]:
    return lambda head, _whole: head.startswith(magics)


def _heic(head: bytes, _whole: bool) -> bool:
    brands = (b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1")
    return len(head) >= 12 and head[4:8] == b"ftyp" and head[8:12] in brands


_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def _text_of(head: bytes, whole: bool) -> str | None:
    """`head` decoded, when it reads as text: UTF-8 (or UTF-16 with its BOM), else Latin-1, without NULs."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Excel's "Unicode text" export: UTF-16 with a BOM, so it is full of NUL bytes by design.
        codec = "utf-16"
    else:
        if b"\x00" in head:
            return None
        codec = "utf-8"
    try:
        text: str = codecs.getincrementaldecoder(codec)().decode(head, final=whole)
    except UnicodeDecodeError:
        if codec != "utf-8":
            return None
        text = head.decode("latin-1")
    if "\x00" in text:
        return None
    # Latin-1 decodes any bytes: binary content shows itself as many control characters instead.
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\r\f\v\x1a\x1b")
    return text if controls <= max(2, len(text) // 100) else None


def _text(head: bytes, whole: bool) -> bool:
    return _text_of(head, whole) is not None


def _xml(head: bytes, whole: bool) -> bool:
    text = _text_of(head, whole)
    return text is not None and text.lstrip("\ufeff \t\r\n").startswith("<")


_PDF = _starts(b"%PDF-")
_ZIP = _starts(b"PK\x03\x04")
_OLE = _starts(bytes.fromhex("D0CF11E0A1B11AE1"))
_PNG = _starts(b"\x89PNG\r\n\x1a\n")
_JPG = _starts(b"\xff\xd8\xff")
_TIF = _starts(b"II*\x00", b"MM\x00*")

_SIGNATURES: dict[str, tuple[str, Callable[[bytes, bool], bool]]] = {
    "pdf": ("a PDF", _PDF),
    "xlsx": ("an Excel workbook", _ZIP),
    "docx": ("a Word document", _ZIP),
    "zip": ("a ZIP archive", _starts(b"PK\x03\x04", b"PK\x05\x06")),
    "xls": ("an Excel 97-2003 workbook", _OLE),
    "doc": ("a Word 97-2003 document", _OLE),
    "msg": ("an Outlook message", _OLE),
    "png": ("a PNG image", _PNG),
    "jpg": ("a JPEG image", _JPG),
    "tif": ("a TIFF image", _TIF),
    "heic": ("a HEIC image", _heic),
    "xml": ("an XML file", _xml),
    "txt": ("a text file", _text),
    "csv": ("a CSV file", _text),
    "eml": ("an email file", _text),
}
