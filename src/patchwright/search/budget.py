"""Search budget: evaluations and wall time, checked before each evaluation."""

from __future__ import annotations

import time
from dataclasses import dataclass, field


@dataclass
class Budget:
    max_evals: int
    max_seconds: float
    started: float = field(default_factory=time.monotonic)
    evals: int = 0

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def exhausted(self) -> str:
        """Name of the cap that is reached, or '' when there is room for one more."""
        if self.evals >= self.max_evals:
            return "max_evals"
        if self.elapsed() >= self.max_seconds:
            return "max_seconds"
        return ""
