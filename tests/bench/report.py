"""Writing the results: `results.json` (every figure, with the machine, its load, the database and the
date) and the Markdown table between the markers in tests/bench/README.md."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results.json"
README = HERE / "README.md"
BEGIN = "<!-- results:begin (written by `python -m tests.bench`; do not edit by hand) -->"
END = "<!-- results:end -->"


def write_results(path: Path, document: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n")


def merge(previous: dict[str, Any] | None, current: dict[str, Any], cases: set[str]) -> dict[str, Any]:
    """The results of this run for `cases`, and the previous run's figures for the other cases."""
    if not previous:
        return current
    kept = [row for row in previous.get("results", []) if row["case"] not in cases]
    conditions = {k: v for k, v in previous.get("conditions", {}).items() if k not in cases}
    conditions.update(current.get("conditions", {}))
    order = {name: i for i, name in enumerate(current.get("case_order", []))}
    rows = sorted(kept + current["results"], key=lambda row: order.get(row["case"], 99))
    return {**current, "results": rows, "conditions": conditions}


def _number(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if value != value:  # NaN
            return "—"
        if abs(value) >= 100:
            return f"{value:,.0f}"
        if abs(value) >= 10:
            return f"{value:.1f}"
        return f"{value:.2f}"
    return str(value)


def table(document: dict[str, Any]) -> str:
    """The Markdown table of every figure, then the conditions each case ran under."""
    lines = [
        "| Case | Figure | DB | Value | Reference | Ratio | Target | Met |",
        "|---|---|---|---:|---:|---:|---|---|",
    ]
    for row in document["results"]:
        unit = f" {row['unit']}" if row.get("unit") else ""
        reference = _number(row.get("reference"))
        reference = f"{reference}{unit}" if row.get("reference") is not None else reference
        met = {True: "yes", False: "**no**", None: ""}[row.get("met")]
        lines.append(
            f"| {row['case']} | {row['metric']} | {row.get('database') or ''} | {_number(row['value'])}{unit} "
            f"| {reference} | {_number(row.get('ratio'))} | {row.get('target') or ''} | {met} |"
        )
    machine = document["machine"]
    lines += [
        "",
        f"Measured {document['date']} on {machine['cores']} cores ({machine['cpu']}, {machine['memory_mb']} MB), "
        f"Python {machine['python']}, SQLite {machine['versions'].get('sqlite')}, "
        f"{machine.get('postgres') or 'PostgreSQL not used'}; {document['mode']} run, "
        f"{document['duration_seconds'] / 60:.1f} min in all.",
        "",
        "| Case | Run | Load average (1 min) min/mean/max | Others' share of the CPUs | Busiest other processes |",
        "|---|---|---|---:|---|",
    ]
    for case, c in document.get("conditions", {}).items():
        load = c["loadavg_1m"]
        busiest = ", ".join(f"{b['process']} ({b['cpu_seconds']:.0f} cpu-s)" for b in c["busiest_others"][:3])
        lines.append(
            f"| {case} | {c['seconds']:.0f} s | {load['min']}/{load['mean']}/{load['max']} "
            f"| {c['others_share_of_machine'] * 100:.0f} % | {busiest or '—'} |"
        )
    notes = [row for row in document["results"] if row.get("notes")]
    if notes:
        lines += ["", "<details><summary>Notes recorded with the figures</summary>", ""]
        lines += [
            f"- **{row['case']} — {row['metric']}** ({row.get('database') or '—'}): {row['notes']}" for row in notes
        ]
        lines += ["", "</details>"]
    return "\n".join(lines)


def write_readme_table(document: dict[str, Any], readme: Path = README) -> None:
    """Replace what is between the markers in README.md (the text around it is written by hand)."""
    text = readme.read_text() if readme.exists() else f"# Benchmarks\n\n{BEGIN}\n{END}\n"
    if BEGIN not in text or END not in text:
        text = text.rstrip() + f"\n\n{BEGIN}\n{END}\n"
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    readme.write_text(f"{head}{BEGIN}\n{table(document)}\n{END}{tail}")
