"""ENAMEL's totals, table and chart: the fraction of tasks sped up >= 1.2x with tests
passing, the geometric-mean speed-up, the ratio to the expert reference, for ours and the
ruff baseline side by side; ``speedups.png`` (stdlib PNG writer: bars per task, log scale;
blue ours, orange ruff, grey reference; lines at 1x and 1.2x) and a labelled SVG."""

from __future__ import annotations

import math
import struct
import zlib
from pathlib import Path
from typing import Any

from patchwright.benchmarks.runner import InstanceResult
from patchwright.core.domain import FORMAT_VERSION
from patchwright.tasks.optimize.stats import geomean

SPED_UP = 1.2
COLORS = {"ours": (31, 119, 180), "ruff": (255, 127, 14), "reference": (150, 150, 150)}


def summarize_enamel(results: list[InstanceResult], wall: float, floor: float,
                     config: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
    done = [r for r in results if r.extra.get("ours") is not None]
    n = len(results)
    rows = [{"id": r.id, "ours": round(r.extra["ours"], 3), "ruff": round(r.extra["ruff"], 3),
             "reference": r.extra["reference"], "template": r.extra.get("template", ""),
             "ours_check": r.extra.get("ours_check"), "ruff_check": r.extra.get("ruff_check"),
             "ratio_to_reference": round(r.extra["ratio_to_reference"], 4)}
            for r in done]  # fmt: skip

    def side(key: str) -> dict[str, Any]:
        vals = [x[key] for x in rows] + [1.0] * (n - len(rows))  # crashed tasks count 1.0x
        return {"sped_up_1_2x": sum(1 for v in vals if v >= SPED_UP),
                "fraction_sped_up_1_2x": round(sum(1 for v in vals if v >= SPED_UP) / max(n, 1), 4),
                "geomean_speedup": round(geomean(vals), 4),
                "changed": sum(1 for x in rows if x[f"{key}_check"] != "unchanged"),
                "tests_fail": sum(1 for x in rows if x[f"{key}_check"] == "tests_fail")}  # fmt: skip

    ours, ruff = side("ours"), side("ruff")
    ref = [x["reference"] for x in rows]
    ours["geomean_ratio_to_reference"] = round(geomean([x["ratio_to_reference"] for x in rows]), 4)
    ruff["geomean_ratio_to_reference"] = round(geomean([x["ruff"] / x["reference"] for x in rows]), 4)
    return {
        "version": FORMAT_VERSION, "benchmark": "enamel", "instances": n, "errors": n - len(rows),
        "noise_floor": floor, "ours": ours, "ruff_baseline": ruff,
        "reference_geomean": round(geomean(ref), 4),
        "wall_seconds": round(wall, 1), "tasks": rows,
        "model_calls": sum(r.model_calls for r in results), "tokens": sum(r.tokens for r in results),
        "model_seconds": round(sum(r.extra.get("model_seconds", 0.0) for r in results), 1),
        "llm_candidates": sum(r.extra.get("llm_candidates", 0) for r in results),
        "llm_chosen": sum(1 for x in rows if x["template"] == "llm"),
        "config": {k: v for k, v in config.items() if k == "_enamel"},
        "plot": "speedups.png: per task, log-scale bars; blue ours, orange ruff, grey reference",
    }  # fmt: skip


def print_summary(summary: dict[str, Any]) -> None:
    """The table and totals, plain text (ids printed as they are)."""
    lines = [f"{'task':<22} {'ours':>9} {'ruff':>9} {'reference':>10}  rewrite"]
    for t in summary["tasks"]:
        lines.append(f"{t['id']:<22} {t['ours']:>8.2f}x {t['ruff']:>8.2f}x "
                     f"{t['reference']:>9.2f}x  {t['template'] or t['ours_check'] or ''}")  # fmt: skip
    for name, key in (("ours", "ours"), ("ruff baseline", "ruff_baseline")):
        s = summary[key]
        lines.append(f"{name}: {s['sped_up_1_2x']}/{summary['instances']} tasks >= 1.2x "
                     f"({s['fraction_sped_up_1_2x']:.1%}), geomean {s['geomean_speedup']:.3f}x, "
                     f"ratio to reference (geomean) {s['geomean_ratio_to_reference']:.3f}, "
                     f"{s['changed']} changed, {s['tests_fail']} broke tests")  # fmt: skip
    if summary.get("model_calls"):
        lines.append(f"model: {summary['model_calls']} calls, {summary['tokens']} tokens, "
                     f"{summary.get('model_seconds', 0.0):.0f}s waiting on it; "
                     f"{summary.get('llm_candidates', 0)} model candidates, "
                     f"{summary.get('llm_chosen', 0)} chosen")  # fmt: skip
    lines.append(f"wall: {summary['wall_seconds']:.0f}s")
    print("\n".join(lines), flush=True)


def _png(path: Path, width: int, height: int, pixels: list[bytearray]) -> None:
    raw = b"".join(b"\x00" + bytes(row) for row in pixels)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
                     + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))  # fmt: skip


def plot(summary: dict[str, Any], out: Path) -> None:
    tasks = summary["tasks"]
    if not tasks:
        return
    top = max(math.log10(max(t["reference"], t["ours"], t["ruff"], 1.0)) for t in tasks) or 1.0
    lo = -0.3
    bar, gap, margin, height = 3, 3, 20, 300
    width = margin * 2 + len(tasks) * (3 * bar + gap)
    px = [bytearray(b"\xff" * (width * 3)) for _ in range(height)]

    def y(v: float) -> int:
        return int(height - margin - (math.log10(max(v, 1e-3)) - lo) / (top - lo) * (height - 2 * margin))

    def put(x: int, yy: int, rgb: tuple[int, int, int]) -> None:
        if 0 <= x < width and 0 <= yy < height:
            px[yy][3 * x:3 * x + 3] = bytes(rgb)

    for level, rgb in ((1.0, (0, 0, 0)), (SPED_UP, (200, 0, 0))):
        for x in range(margin, width - margin):
            put(x, y(level), rgb)
    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width * 3}" height="{height + 140}">']
    for i, t in enumerate(tasks):
        x0 = margin + i * (3 * bar + gap)
        for k, key in enumerate(("ours", "ruff", "reference")):
            y1, y0 = sorted((y(t[key]), y(1.0)))
            for x in range(x0 + k * bar, x0 + (k + 1) * bar):
                for yy in range(y1, y0 + 1):
                    put(x, yy, COLORS[key])
            r, g, b = COLORS[key]
            svg.append(f'<rect x="{3 * (x0 + k * bar)}" y="{y1}" width="{3 * bar}" '
                       f'height="{max(y0 - y1, 1)}" fill="rgb({r},{g},{b})"/>')  # fmt: skip
        svg.append(f'<text x="{3 * x0}" y="{height + 10}" font-size="8" '
                   f'transform="rotate(60 {3 * x0} {height + 10})">{t["id"].split("/")[-1]}</text>')  # fmt: skip
    svg.append(f'<text x="10" y="{height + 130}" font-size="12">blue: ours, orange: ruff, grey: '
               f'reference; log scale; lines at 1x (black) and 1.2x (red)</text></svg>')  # fmt: skip
    _png(out / "speedups.png", width, height, px)
    (out / "speedups.svg").write_text("\n".join(svg), encoding="utf-8")
