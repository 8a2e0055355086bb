"""The demo's documents: a statement of account (and its revision), a proof of delivery, a credit memo.

Each is a real one-page PDF, written by `one_page_pdf`: Helvetica text and a few rules, WinAnsi
encoded, with a cross-reference table whose offsets are exact, so any PDF reader opens it. No
dependency: a statement is a list of lines, and PDF is text.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

__all__ = [
    "CREDIT_MEMO",
    "POD",
    "Document",
    "Line",
    "Papers",
    "Rule",
    "StatementLine",
    "credit_memo",
    "one_page_pdf",
    "proof_of_delivery",
    "statement",
    "statement_lines",
    "write_documents",
]

PAGE_WIDTH, PAGE_HEIGHT = 612, 792  # US Letter, in points
MARGIN = 54

# Helvetica's and Helvetica-Bold's advance widths (1/1000 em, from Adobe's AFM files) for letters and
# the punctuation right-aligned text holds; digits and anything else count as 556.
_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_LOWER = "abcdefghijklmnopqrstuvwxyz"


def _afm(widths: str) -> dict[str, int]:
    """The widths of A to Z, then a to z, as an AFM file lists them."""
    return dict(zip(_UPPER + _LOWER, (int(w) for w in widths.split()), strict=True))


_REGULAR = _afm(
    "667 667 722 722 667 611 778 722 278 500 667 556 833 722 778 667 778 722 667 611 722 667 944 667 667 611 "
    "556 556 500 556 556 278 556 556 222 222 500 222 833 556 556 556 556 333 500 278 556 500 722 500 500 500"
)
_BOLD = _afm(
    "722 722 722 722 667 611 778 722 278 556 722 611 833 722 778 667 778 722 667 611 722 667 944 667 667 611 "
    "556 611 556 611 556 333 611 611 278 278 556 278 889 611 611 611 611 389 556 333 611 556 778 556 556 500"
)
_PUNCTUATION = {" ": 278, ",": 278, ".": 278, "-": 333, "(": 333, ")": 333}

# What the statement's requests are about: the demo's script refers to these numbers.
POD = "INV-10482"  # the invoice of the shortage claim: 40 cases billed, 32 counted at the store
CREDIT_MEMO = "CM-2231"  # the credit for returned goods (RA-5518), booked against the wrong store


@dataclass(frozen=True)
class Line:
    """Text at (x, y) from the page's bottom left; `right` aligns its end on x."""

    x: float
    y: float
    text: str
    size: float = 10
    bold: bool = False
    right: bool = False


@dataclass(frozen=True)
class Rule:
    """A horizontal line from x1 to x2 at y."""

    x1: float
    x2: float
    y: float
    width: float = 0.6


@dataclass(frozen=True)
class Document:
    """A generated file: its name, its bytes, and what a person would call it."""

    name: str
    data: bytes
    description: str


def _text_width(text: str, size: float, *, bold: bool) -> float:
    widths = _BOLD if bold else _REGULAR
    return sum(widths.get(ch) or _PUNCTUATION.get(ch, 556) for ch in text) * size / 1000


def _pdf_string(text: str) -> bytes:
    """A PDF literal string in WinAnsi (cp1252): "—" and "€" print; parentheses and backslashes escaped."""
    raw = text.encode("cp1252", errors="replace")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def _content(items: Sequence[Line | Rule]) -> bytes:
    ops: list[bytes] = []
    for item in items:
        if isinstance(item, Rule):
            ops.append(f"{item.width:.2f} w {item.x1:.2f} {item.y:.2f} m {item.x2:.2f} {item.y:.2f} l S".encode())
            continue
        x = item.x - _text_width(item.text, item.size, bold=item.bold) if item.right else item.x
        font = b"/F2" if item.bold else b"/F1"
        ops.append(
            b"BT " + font + f" {item.size:g} Tf {x:.2f} {item.y:.2f} Td ".encode() + _pdf_string(item.text) + b" Tj ET"
        )
    return b"\n".join(ops) + b"\n"


def one_page_pdf(items: Sequence[Line | Rule], *, title: str, author: str) -> bytes:
    """A valid one-page PDF 1.4 with `items` drawn in Helvetica (regular and bold)."""
    stream = _content(items)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_WIDTH} {PAGE_HEIGHT}] "
            "/Resources << /Font << /F1 4 0 R /F2 5 0 R >> >> /Contents 6 0 R >>"
        ).encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
        f"<< /Length {len(stream)} >>\nstream\n".encode() + stream + b"endstream",
        b"<< /Title " + _pdf_string(title) + b" /Author " + _pdf_string(author) + b" /Producer (Baton demo) >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")  # the binary comment marks the file as binary
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n".encode()
    out += b"0000000000 65535 f \n"  # each entry is exactly 20 bytes, as the format requires
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info 7 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


# --- Northwind's letterhead ----------------------------------------------------------------------

_SELLER = "Northwind Distribution"
_SELLER_LINES = ("1400 W Fulton Market, Chicago, IL 60607", "ar@northwind-distribution.example · (312) 555-0147")
_CUSTOMER = "Retail Co"
_CUSTOMER_NO = "RC-0417"
_CUSTOMER_LINES = ("Accounts Payable", "88 Commerce Drive, Columbus, OH 43215")


def _money(amount: Decimal) -> str:
    return f"-{-amount:,.2f}" if amount < 0 else f"{amount:,.2f}"


def _day(d: date) -> str:
    return f"{d.day:02d} {calendar.month_abbr[d.month]} {d.year}"


def _letterhead(heading: str, y: float = PAGE_HEIGHT - MARGIN) -> list[Line | Rule]:
    right = PAGE_WIDTH - MARGIN
    items: list[Line | Rule] = [Line(MARGIN, y - 4, _SELLER, size=16, bold=True)]
    for i, text in enumerate(_SELLER_LINES):
        items.append(Line(MARGIN, y - 20 - 12 * i, text, size=8.5))
    items.append(Line(right, y - 4, heading, size=13, bold=True, right=True))
    items.append(Rule(MARGIN, right, y - 52, width=1.2))
    return items


def _fields(pairs: Sequence[tuple[str, str]], x: float, y: float) -> list[Line | Rule]:
    items: list[Line | Rule] = []
    for i, (label, value) in enumerate(pairs):
        items.append(Line(x, y - 14 * i, label, size=9, bold=True))
        items.append(Line(x + 92, y - 14 * i, value, size=9))
    return items


# --- the statement ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatementLine:
    day: date
    document: str
    reference: str
    description: str
    amount: Decimal


def statement_lines(period_start: date, *, revised: bool) -> list[StatementLine]:
    """November's activity on Retail Co's account; the revision adds a payment booked late."""

    def on(day: int) -> date:
        return period_start + timedelta(days=day - 1)

    lines = [
        StatementLine(on(3), "INV-10471", "PO 88120", "Invoice — dry goods, 126 cases", Decimal("4860.00")),
        StatementLine(on(7), "PMT-5530", "ACH", "Payment — thank you", Decimal("-3120.00")),
        StatementLine(on(10), POD, "PO 88131", "Invoice — paper towels, 40 cases", Decimal("2150.40")),
        StatementLine(on(14), CREDIT_MEMO, "RA-5518", "Credit memo — returned goods", Decimal("-1164.00")),
        StatementLine(on(18), "INV-10495", "PO 88144", "Invoice — beverages, 85 cases", Decimal("3742.25")),
        StatementLine(on(24), "INV-10503", "PO 88160", "Invoice — cleaning supplies", Decimal("1389.60")),
    ]
    if revised:
        lines.append(StatementLine(on(26), "PMT-5541", "ACH", "Payment — thank you", Decimal("-4860.00")))
    return sorted(lines, key=lambda line: line.day)


def statement(period: str, *, revised: bool = False) -> Document:
    """Retail Co's statement of account for `period` ("2026-11") as Northwind sends it."""
    year, month = (int(part) for part in period.split("-"))
    start = date(year, month, 1)
    end = date(year, month, calendar.monthrange(year, month)[1])
    month_name = f"{calendar.month_name[month]} {year}"
    right = PAGE_WIDTH - MARGIN
    items = _letterhead("STATEMENT OF ACCOUNT")
    top = PAGE_HEIGHT - MARGIN - 76
    items += [Line(MARGIN, top, _CUSTOMER, size=11, bold=True)]
    items += [Line(MARGIN, top - 14 - 12 * i, text, size=9) for i, text in enumerate(_CUSTOMER_LINES)]
    items += _fields(
        [
            ("Customer no.", _CUSTOMER_NO),
            ("Statement date", _day(end)),
            ("Period", month_name),
            ("Terms", "Net 30"),
            ("Revision", f"2 — payment of {_day(start.replace(day=26))[:6]} applied" if revised else "1"),
        ],
        340,
        top,
    )

    columns = (MARGIN, MARGIN + 72, MARGIN + 148, MARGIN + 214)  # date, document, reference, description
    y = top - 96
    for x, head in zip(columns, ("Date", "Document", "Reference", "Description"), strict=True):
        items.append(Line(x, y, head, size=9, bold=True))
    items.append(Line(right - 84, y, "Amount", size=9, bold=True, right=True))
    items.append(Line(right, y, "Balance", size=9, bold=True, right=True))
    items.append(Rule(MARGIN, right, y - 5))

    opening = Decimal("3120.00")
    balance = opening
    y -= 20
    items += [Line(columns[0], y, _day(start), size=9), Line(columns[3], y, "Balance forward", size=9)]
    items.append(Line(right, y, _money(balance), size=9, right=True))
    for line in statement_lines(start, revised=revised):
        y -= 16
        balance += line.amount
        items += [
            Line(columns[0], y, _day(line.day), size=9),
            Line(columns[1], y, line.document, size=9),
            Line(columns[2], y, line.reference, size=9),
            Line(columns[3], y, line.description, size=9),
            Line(right - 84, y, _money(line.amount), size=9, right=True),
            Line(right, y, _money(balance), size=9, right=True),
        ]
    items.append(Rule(MARGIN, right, y - 8))
    y -= 24
    items += [
        Line(right - 84, y, "Balance due (USD)", size=10, bold=True, right=True),
        Line(right, y, _money(balance), size=10, bold=True, right=True),
    ]

    y -= 44
    items.append(Line(MARGIN, y, "Aging", size=9, bold=True))
    aging = [
        ("Current", balance),
        ("1\N{EN DASH}30 days", Decimal(0)),
        ("31\N{EN DASH}60 days", Decimal(0)),
        ("Over 60", Decimal(0)),
    ]
    for i, (label, amount) in enumerate(aging):
        x = MARGIN + 170 + 100 * i  # each column's right edge
        items += [Line(x, y, label, size=8.5, right=True), Line(x, y - 13, _money(amount), size=9, right=True)]

    items += [
        Rule(MARGIN, right, 96),
        Line(MARGIN, 80, "Please quote your customer number with every payment. Remit by ACH to Northwind", size=8),
        Line(
            MARGIN, 69, "Distribution, account 000123456789, routing 071000013. Questions about this statement:", size=8
        ),
        Line(MARGIN, 58, "Alice Moreau, Accounts Receivable, through our shared Slack channel.", size=8),
    ]
    suffix = "" if not revised else " (revised)"
    return Document(
        name=f"northwind-statement-{_CUSTOMER_NO}-{period}.pdf",
        data=one_page_pdf(items, title=f"Statement of account, {month_name}{suffix}", author=_SELLER),
        description=f"the {month_name} statement, {_money(balance)} due{suffix}",
    )


# --- what the retailer asks for ---------------------------------------------------------------------


def proof_of_delivery(period: str) -> Document:
    """The carrier's signed delivery receipt for INV-10482: 40 cases delivered and signed for."""
    year, month = (int(part) for part in period.split("-"))
    delivered = date(year, month, 12)
    right = PAGE_WIDTH - MARGIN
    items = _letterhead("PROOF OF DELIVERY")
    top = PAGE_HEIGHT - MARGIN - 76
    items += _fields(
        [
            ("Invoice", f"{POD} (PO 88131)"),
            ("Bill of lading", "BOL-77314"),
            ("Carrier", "Lakeshore Freight, PRO 4410-2291"),
            ("Delivered to", "Retail Co store #14, 2250 Morse Rd, Columbus OH"),
            ("Delivered", f"{_day(delivered)}, 07:42"),
        ],
        MARGIN,
        top,
    )
    y = top - 92
    for x, head in ((MARGIN, "Item"), (MARGIN + 90, "Description")):
        items.append(Line(x, y, head, size=9, bold=True))
    items += [Line(right - 90, y, "Shipped", size=9, bold=True, right=True)]
    items += [Line(right, y, "Received", size=9, bold=True, right=True), Rule(MARGIN, right, y - 5)]
    y -= 20
    items += [
        Line(MARGIN, y, "PT-2000", size=9),
        Line(MARGIN + 90, y, "Paper towels, 2-ply, 30 rolls/case", size=9),
        Line(right - 90, y, "40 cs", size=9, right=True),
        Line(right, y, "40 cs", size=9, right=True),
        Rule(MARGIN, right, y - 10),
    ]
    y -= 40
    items += [
        Line(MARGIN, y, "Received in good order. 2 pallets, shrink-wrap intact, no exceptions noted.", size=9),
        Line(MARGIN, y - 30, "Signed:  J. Alvarez, receiving, store #14", size=10, bold=True),
        Rule(MARGIN + 40, MARGIN + 260, y - 34),
        Line(MARGIN, y - 50, "Driver: T. Okafor, Lakeshore Freight", size=9),
    ]
    return Document(
        name=f"POD-{POD}-BOL-77314.pdf",
        data=one_page_pdf(items, title=f"Proof of delivery, {POD}", author="Lakeshore Freight"),
        description=f"the signed delivery receipt for {POD}",
    )


def credit_memo(period: str) -> Document:
    """Northwind's credit memo CM-2231 for goods returned under RA-5518 (booked to store #14)."""
    year, month = (int(part) for part in period.split("-"))
    issued = date(year, month, 14)
    right = PAGE_WIDTH - MARGIN
    items = _letterhead("CREDIT MEMO")
    top = PAGE_HEIGHT - MARGIN - 76
    items += _fields(
        [
            ("Credit memo", CREDIT_MEMO),
            ("Date", _day(issued)),
            ("Customer", f"{_CUSTOMER} ({_CUSTOMER_NO}), store #14"),
            ("Return", "RA-5518, received 11 " + calendar.month_abbr[month]),
            ("Applies to", "INV-10388"),
        ],
        MARGIN,
        top,
    )
    y = top - 92
    items += [
        Line(MARGIN, y, "Description", size=9, bold=True),
        Line(right - 90, y, "Qty", size=9, bold=True, right=True),
        Line(right, y, "Credit", size=9, bold=True, right=True),
        Rule(MARGIN, right, y - 5),
    ]
    rows = [("Glass cleaner 12x32oz, damaged in transit", "18 cs", "702.00"), ("Dish soap 9x40oz", "12 cs", "462.00")]
    for description, qty, credit in rows:
        y -= 18
        items += [
            Line(MARGIN, y, description, size=9),
            Line(right - 90, y, qty, size=9, right=True),
            Line(right, y, credit, size=9, right=True),
        ]
    items += [
        Rule(MARGIN, right, y - 8),
        Line(right - 90, y - 24, "Total credit (USD)", size=10, bold=True, right=True),
    ]
    items += [Line(right, y - 24, "1,164.00", size=10, bold=True, right=True)]
    return Document(
        name=f"credit-memo-{CREDIT_MEMO}.pdf",
        data=one_page_pdf(items, title=f"Credit memo {CREDIT_MEMO}", author=_SELLER),
        description=f"credit memo {CREDIT_MEMO} for the return RA-5518",
    )


@dataclass(frozen=True)
class Papers:
    """The month's documents: what Northwind sends, and what Retail Co asks for."""

    statement: Document
    revised: Document  # version 2 of the statement: same name, a late payment applied
    pod: Document
    memo: Document


def write_documents(period: str, folder: Path) -> Papers:
    """Generate the month's documents and save a copy of each in `folder`, for people to open."""
    papers = Papers(statement(period), statement(period, revised=True), proof_of_delivery(period), credit_memo(period))
    folder.mkdir(parents=True, exist_ok=True)
    copies = {
        papers.statement.name: papers.statement,
        f"revised-{papers.revised.name}": papers.revised,
        papers.pod.name: papers.pod,
        papers.memo.name: papers.memo,
    }
    for name, doc in copies.items():
        (folder / name).write_bytes(doc.data)
    return papers
