"""The ENAMEL harness's own measurement, independent of the optimizer: each version of a
task (slow program, ours, ruff's) in its own folder; correctness = its tests pass and the
workload's output digest equals the slow program's; speed = CPU time (user + sys, from
``wait4``) of fresh ``python workload.py`` processes, the versions interleaved round by
round in rotating order, compared with a one-sided Mann-Whitney test."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from patchwright.tasks.optimize.stats import mann_whitney_less, median

ENV = {"PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1"}


def write_task(row: dict[str, Any], dest: Path, program: str) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    (dest / row["program_file"]).write_text(program, encoding="utf-8")
    (dest / row["test_file"]).write_text(row["tests"], encoding="utf-8")
    (dest / row["workload_file"]).write_text(row["workload"], encoding="utf-8")


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(ENV)
    return env


def tests_pass(folder: Path, test_file: str, timeout: float = 300.0) -> bool:
    try:
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", test_file],
            cwd=folder, capture_output=True, text=True, timeout=timeout, env=_env(),
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        return False
    return done.returncode == 0


def digest(folder: Path, workload_file: str, timeout: float = 600.0) -> str:
    try:
        done = subprocess.run([sys.executable, workload_file, "--digest"], cwd=folder,
                              capture_output=True, text=True, timeout=timeout, env=_env())  # fmt: skip
    except subprocess.TimeoutExpired:
        return "timeout"
    for line in done.stdout.splitlines():
        if line.startswith("digest="):
            return line.split("=", 1)[1].strip()
    return f"failed:{done.returncode}"


def cpu_run(folder: Path, workload_file: str, timeout: float = 600.0) -> float:
    """CPU seconds of one fresh workload process (inf when it fails or times out)."""
    start = time.monotonic()
    proc = subprocess.Popen([sys.executable, workload_file], cwd=folder, env=_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    while True:
        pid, status, ru = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            break
        if time.monotonic() - start > timeout:
            proc.kill()
            proc.wait()
            return float("inf")
        time.sleep(0.005)
    return ru.ru_utime + ru.ru_stime if proc.returncode == 0 else float("inf")


def interleaved(folders: Sequence[Path], workload_file: str, rounds: int, warmup: int = 1) -> list[list[float]]:
    """CPU times per folder: ``warmup`` + ``rounds`` rounds, each running every folder once,
    the order rotated each round."""
    out: list[list[float]] = [[] for _ in folders]
    n = len(folders)
    for r in range(warmup + rounds):
        order = [(r + k) % n for k in range(n)]
        for i in order:
            t = cpu_run(folders[i], workload_file)
            if r >= warmup:
                out[i].append(t)
    return out


def speedup(base: Sequence[float], cand: Sequence[float]) -> tuple[float, float]:
    """(median base / median candidate, one-sided p that the candidate is faster)."""
    mb, mc = median(base), median(cand)
    s = mb / mc if mc > 0 and mc != float("inf") else 0.0
    return s, mann_whitney_less(cand, base)
