"""Start the work out of process: ``python -m patchwright.cli repair|migrate ... --out RUN_DIR``
(the CLI with its checkpoints and signal handling), answer its approval question on
standard input, stop it with SIGINT (resumable). Plain code, no textual."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from patchwright.core.errors import PatchwrightError

PROMPT = "accept this patch? [y/N] "
"""What ``repair --confirm`` asks on standard error (cli._ask) before reading the answer."""
KINDS = ("repair", "migrate", "optimize")


class LaunchError(PatchwrightError):
    pass


@dataclass
class LaunchSpec:
    """What the set-up screen chose; :meth:`argv` is the CLI command line that runs it."""

    path: Path
    run_dir: Path
    kind: str = "repair"
    tests: list[str] = field(default_factory=list)
    target: str = ""
    """migrate: LIB==VERSION; optimize: MODULE:FUNCTION (the function timed)."""
    model: str = ""
    strategy: str = ""
    max_evals: int | None = None
    max_seconds: float | None = None
    configs: list[str] = field(default_factory=list)
    sets: list[str] = field(default_factory=list)

    def check(self) -> None:
        if self.kind not in KINDS:
            raise LaunchError(f"unknown task kind {self.kind!r} (one of {', '.join(KINDS)})")
        if not Path(self.path).is_dir():
            raise LaunchError(f"not a directory: {self.path}")
        if self.kind == "migrate" and "==" not in self.target:
            raise LaunchError("migrate needs a target LIB==VERSION")
        if self.kind == "optimize" and ":" not in self.target:
            raise LaunchError("optimize needs a target MODULE:FUNCTION")
        if self.max_evals is not None and self.max_evals <= 0:
            raise LaunchError("the evaluation budget must be positive")
        if self.max_seconds is not None and self.max_seconds <= 0:
            raise LaunchError("the time budget must be positive")

    def argv(self) -> list[str]:
        self.check()
        cmd = [sys.executable, "-m", "patchwright.cli", self.kind, str(self.path),
               "--out", str(self.run_dir)]  # fmt: skip
        if self.kind == "repair":
            cmd.append("--confirm")
            for test in self.tests:
                cmd += ["--test", test]
        elif self.kind == "migrate":
            cmd += ["--to", self.target]
        else:
            cmd += ["--target", self.target]
        if self.model:
            cmd += ["--model", self.model]
        if self.strategy:
            cmd += ["--strategy", self.strategy]
        if self.max_evals is not None:
            cmd += ["--max-evals", str(self.max_evals)]
        if self.max_seconds is not None:
            cmd += ["--max-seconds", str(self.max_seconds)]
        for c in self.configs:
            cmd += ["-c", c]
        for s in self.sets:
            cmd += ["--set", s]
        return cmd


def resume_argv(run_dir: Path) -> list[str]:
    """Continue a stopped repair (its saved request and budget), asking for approval."""
    return [sys.executable, "-m", "patchwright.cli", "repair", "--resume", str(run_dir),
            "--confirm"]  # fmt: skip


class RunProcess:
    """One CLI process. Its standard error is read line by line on a thread (``on_line``;
    the approval prompt, which ends no line, is reported as a line of its own); standard
    output (the final diff) is kept; ``on_exit(returncode)`` is called when it ends."""

    def __init__(self, argv: list[str], on_line: Callable[[str], None],
                 on_exit: Callable[[int], None], cwd: Path | None = None) -> None:  # fmt: skip
        self.argv = argv
        self.stdout = ""
        self.asked = threading.Event()
        self.asked_diff = ""
        """The patch the approval question showed (the minimized one)."""
        self._recent: list[str] = []
        self._on_line, self._on_exit = on_line, on_exit
        try:
            self.proc = subprocess.Popen(
                argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                cwd=cwd, start_new_session=True,  # the terminal's keys are the TUI's, not its
            )  # fmt: skip
        except OSError as exc:
            raise LaunchError(f"cannot start {argv[0]}: {exc.strerror}") from None
        self._out = threading.Thread(target=self._read_stdout, daemon=True)
        self._err = threading.Thread(target=self._read_stderr, daemon=True)
        self._out.start()
        self._err.start()

    @property
    def running(self) -> bool:
        return self.proc.poll() is None

    def _read_stdout(self) -> None:
        assert self.proc.stdout is not None
        self.stdout = self.proc.stdout.read().decode("utf-8", errors="replace")

    def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        fd, pending = self.proc.stderr.fileno(), ""
        while True:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            pending += chunk.decode("utf-8", errors="replace")
            *lines, pending = pending.split("\n")
            for line in lines:
                self._on_line(line)
            self._recent = (self._recent + lines)[-5000:]
            if pending.endswith(PROMPT.rstrip()) or pending.endswith(PROMPT):
                self.asked_diff = _last_diff(self._recent, pending.removesuffix(PROMPT))
                self.asked.set()
                self._on_line(pending)
                pending = ""
        if pending:
            self._on_line(pending)
        self._out.join()
        self._on_exit(self.proc.wait())

    def answer(self, accept: bool) -> None:
        """Answer the approval question (the graph's interrupt, read by ``--confirm``)."""
        if self.proc.stdin is None or self.proc.stdin.closed:
            return
        try:
            self.proc.stdin.write(b"y\n" if accept else b"n\n")
            self.proc.stdin.flush()
        except OSError:
            pass  # it ended meanwhile
        self.asked.clear()

    def stop(self) -> None:
        """SIGINT: the run stops at once, cleans up and stays resumable (interrupted.json)."""
        if self.running:
            self.proc.send_signal(signal.SIGINT)

    def wait(self, timeout: float | None = None) -> int:
        rc = self.proc.wait(timeout)
        self._err.join(timeout)
        return rc


def _last_diff(lines: list[str], tail: str) -> str:
    """The diff printed just before the prompt (from its last ``diff --git`` line)."""
    starts = [i for i, line in enumerate(lines) if line.startswith("diff --git ")]
    if not starts:
        return ""
    return "\n".join(lines[starts[-1]:]) + "\n" + tail


def collect_tests(path: Path, timeout: float = 120.0) -> list[str]:
    """The project's test ids (``pytest --collect-only -q``), for the set-up screen to pick
    the failing ones from; empty when nothing collects (the run finds the failing ones)."""
    try:
        res = subprocess.run(
            [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
             "-p", "no:benchmark"],  # neither writes into the project (.benchmarks, .pytest_cache)
            cwd=path, capture_output=True, text=True, timeout=timeout,
            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return []
    return [line.strip() for line in res.stdout.splitlines() if "::" in line and " " not in line.strip()]
