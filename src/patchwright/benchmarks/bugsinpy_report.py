"""BugsInPy's report: ``summary.json`` (every bug, and a table by project), the tables on
standard error, and a chart by project (matplotlib when installed, else a plain SVG)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from patchwright.benchmarks.runner import InstanceResult, summarize
from patchwright.store.artifacts import write_json

FIXED = ("plausible",)


def attempted(r: InstanceResult) -> bool:
    """Verified, so a repair attempt (an unverified bug, or one that crashed before its
    verification ended, is not)."""
    return bool(r.extra.get("verified", r.status != "unverified"))


def by_project(results: list[InstanceResult]) -> dict[str, dict[str, Any]]:
    table: dict[str, dict[str, Any]] = {}
    for r in results:
        p = table.setdefault(str(r.extra.get("project", r.id.rsplit("-", 1)[0])), {
            "bugs": 0, "verified": 0, "plausible": 0, "rechecked": 0, "same_as_developer": 0,
            "evaluations": 0, "seconds": 0.0, "developer_in_top10": 0,
        })  # fmt: skip
        p["bugs"] += 1
        p["seconds"] = round(p["seconds"] + r.seconds, 1)
        if not attempted(r):
            continue
        p["verified"] += 1
        p["evaluations"] += r.evaluations
        p["developer_in_top10"] += r.extra.get("developer_rank") is not None
        if r.status in FIXED:
            p["plausible"] += 1
            p["rechecked"] += bool(r.rechecked)
            p["same_as_developer"] += bool(r.extra.get("same_as_developer"))
    for p in table.values():
        p["plausible_rate"] = round(p["plausible"] / p["verified"], 3) if p["verified"] else None
    return table


def bugsinpy_summary(
    results: list[InstanceResult], wall: float, config: dict[str, Any], benchmark: str = "bugsinpy"
) -> dict[str, Any]:
    attempts = [r for r in results if attempted(r)]
    summary = summarize(attempts, wall, benchmark, config)
    plausible = [r for r in attempts if r.status in FIXED]
    summary.update(
        bugs=len(results),
        verified=len(attempts),
        unverified=len(results) - len(attempts),
        plausible_rate=round(len(plausible) / len(attempts), 3) if attempts else None,
        same_as_developer=sum(1 for r in plausible if r.extra.get("same_as_developer")),
        by_project=by_project(results),
        results=[r.model_dump() for r in results],
    )
    return summary


def text_table(title: str, header: list[str], rows: list[list[str]]) -> str:
    """A fixed-width table (no dependency); numbers right-aligned, names and notes left."""
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows, strict=True)]

    def line(cells: list[str]) -> str:
        return "  ".join(
            str(c).ljust(w) if i == 0 or header[i] == "note" else str(c).rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    rule = "-" * len(line(header))
    return "\n".join([title, line(header), rule, *(line(r) for r in rows)])


PROJECT_COLS = ("bugs", "verified", "plausible", "rechecked", "same_as_developer",
                "plausible_rate", "developer_in_top10", "evaluations", "seconds")  # fmt: skip


def print_report(
    results: list[InstanceResult], summary: dict[str, Any], out: Callable[[str], None] = print
) -> None:
    rows = []
    for r in results:
        same, rank = r.extra.get("same_as_developer"), r.extra.get("developer_rank")
        rows.append([r.id, r.status, "-" if r.rechecked is None else str(r.rechecked),
                     "-" if same is None else str(same), "-" if rank is None else str(rank),
                     str(r.evaluations), f"{r.seconds:.0f}", (r.message or "")[:70]])  # fmt: skip
    head = ["bug", "status", "recheck", "same as dev", "dev rank", "evals", "seconds", "note"]
    title = (f"{summary.get('benchmark', 'bugsinpy')}: {summary['verified']} verified of {summary['bugs']}, "
             f"{summary['plausible']} plausible")  # fmt: skip
    out(text_table(title, head, rows))
    out("")
    table = [
        [name, *(str(p[c]) for c in PROJECT_COLS)] for name, p in summary["by_project"].items()
    ]
    out(text_table("by project", ["project", *(c.replace("_", " ") for c in PROJECT_COLS)], table))
    out(
        f"verified {summary['verified']}/{summary['bugs']}, plausible {summary['plausible']} "
        f"(rate {summary['plausible_rate']}), same as the developer's "
        f"{summary['same_as_developer']}, wall time {summary['wall_seconds']}s"
    )


SERIES = (("bugs", "#bbbbbb"), ("verified", "#4c78a8"), ("plausible", "#59a14f"),
          ("same_as_developer", "#e15759"))  # fmt: skip


def svg_chart(table: dict[str, dict[str, Any]]) -> str:
    """Grouped bars by project (bugs, verified, plausible, same as the developer's)."""
    names = list(table)
    top = max([1, *(p["bugs"] for p in table.values())])
    group, bar, height, left = 28 + 18 * len(SERIES), 16, 220, 40
    width = left + group * max(1, len(names)) + 20
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + 90}" '
             'font-family="sans-serif" font-size="11">',
             f'<line x1="{left}" y1="{height}" x2="{width - 10}" y2="{height}" stroke="black"/>',
             f'<text x="4" y="14">max {top}</text>']  # fmt: skip
    for i, name in enumerate(names):
        x0 = left + 10 + i * group
        for j, (key, colour) in enumerate(SERIES):
            value = table[name][key]
            h = round((height - 20) * value / top)
            x = x0 + j * (bar + 2)
            parts.append(f'<rect x="{x}" y="{height - h}" width="{bar}" height="{h}" fill="{colour}">'
                         f"<title>{escape(name)} {key}: {value}</title></rect>")  # fmt: skip
            parts.append(f'<text x="{x + 2}" y="{height - h - 3}">{value}</text>')
        parts.append(f'<text x="{x0}" y="{height + 16}">{escape(name)}</text>')
    for j, (key, colour) in enumerate(SERIES):
        y = height + 36 + 13 * j
        parts.append(f'<rect x="{left}" y="{y - 9}" width="10" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{left + 14}" y="{y}">{key.replace("_", " ")}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def plot(table: dict[str, dict[str, Any]], out: Path) -> Path:
    """by_project.png with matplotlib when it is installed, else by_project.svg."""
    try:
        import matplotlib  # type: ignore[import-not-found]

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt  # type: ignore[import-not-found]
    except ImportError:
        path = out / "by_project.svg"
        path.write_text(svg_chart(table), encoding="utf-8")
        return path
    names = list(table)
    fig, ax = plt.subplots(figsize=(max(4, 1.4 * len(names)), 3.5))
    w = 0.8 / len(SERIES)
    for j, (key, colour) in enumerate(SERIES):
        ax.bar([i + j * w for i in range(len(names))], [table[n][key] for n in names], w,
               label=key.replace("_", " "), color=colour)  # fmt: skip
    ax.set_xticks([i + 0.4 - w / 2 for i in range(len(names))], names)
    ax.legend(fontsize=8)
    fig.tight_layout()
    path = out / "by_project.png"
    fig.savefig(path)
    plt.close(fig)
    return path


def report(
    results: list[InstanceResult], wall: float, out: Path, config: dict[str, Any],
    benchmark: str = "bugsinpy",
) -> dict[str, Any]:  # fmt: skip
    """Per-bug and per-project figures of a bugs-in-projects bench (BugsInPy, Defects4J)."""
    summary = bugsinpy_summary(results, wall, config, benchmark)
    write_json(out / "summary.json", summary)
    chart = plot(summary["by_project"], out)
    print_report(results, summary)
    print(f"summary: {out / 'summary.json'}, chart: {chart}", file=sys.stderr)
    return summary
