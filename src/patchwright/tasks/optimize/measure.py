"""The sound A/B comparison: base (A) and candidate (B) run interleaved in fresh processes
(A B, then B A, ... so that neither always goes first), after warm-up runs that are not
counted; CPU time is compared with a one-sided Mann-Whitney test and the median speed-up
against a noise floor measured by A/A runs on the same machine."""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from patchwright.tasks.optimize.stats import mann_whitney_less, median

DEFAULT_PAIRS = 10
ALPHA = 0.05


@dataclass(frozen=True)
class Sample:
    """One timed process: CPU time (user + sys of the process and its children) and wall."""

    cpu: float
    wall: float
    ok: bool = True
    """The process exited 0."""


class MeasureError(Exception):
    """A timed run failed (the workload crashed or timed out)."""


Run = Callable[[], Sample]


@dataclass
class Comparison:
    base: list[Sample] = field(default_factory=list)
    cand: list[Sample] = field(default_factory=list)

    @property
    def speedup(self) -> float:
        """Median base CPU time over median candidate CPU time."""
        return _ratio(median([s.cpu for s in self.base]), median([s.cpu for s in self.cand]))

    @property
    def wall_speedup(self) -> float:
        return _ratio(median([s.wall for s in self.base]), median([s.wall for s in self.cand]))

    @property
    def p_value(self) -> float:
        """One-sided: the candidate's CPU times are smaller than the base's."""
        return mann_whitney_less([s.cpu for s in self.cand], [s.cpu for s in self.base])

    def pair_ratios(self) -> list[float]:
        return [_ratio(a.cpu, b.cpu) for a, b in zip(self.base, self.cand, strict=False)]

    def summary(self) -> dict[str, object]:
        return {
            "pairs": min(len(self.base), len(self.cand)),
            "speedup": round(self.speedup, 4),
            "wall_speedup": round(self.wall_speedup, 4),
            "p_value": self.p_value,
            "base_cpu": [round(s.cpu, 5) for s in self.base],
            "cand_cpu": [round(s.cpu, 5) for s in self.cand],
        }

    def to_json(self) -> dict[str, object]:
        return {"base": [asdict(s) for s in self.base], "cand": [asdict(s) for s in self.cand]}


def _ratio(a: float, b: float) -> float:
    return a / b if b > 0 else (1.0 if a <= 0 else math.inf)


def _checked(run: Run, what: str) -> Sample:
    s = run()
    if not s.ok:
        raise MeasureError(f"the {what} workload run failed")
    return s


def compare(base: Run, cand: Run, pairs: int = DEFAULT_PAIRS, warmup: int = 1) -> Comparison:
    """``pairs`` interleaved pairs after ``warmup`` uncounted pairs; each call of ``base`` or
    ``cand`` is one fresh timed process. A failed run raises :class:`MeasureError`."""
    out = Comparison()
    for i in range(warmup + pairs):
        order = ((base, out.base, "base"), (cand, out.cand, "candidate"))
        if i % 2:
            order = order[::-1]
        got = [(sink, _checked(run, what)) for run, sink, what in order]
        if i >= warmup:
            for sink, sample in got:
                sink.append(sample)
    return out


def noise_floor(aa: Comparison, factor: float = 1.0) -> float:
    """The speed-up a no-op change shows by chance here: exp(factor x the median absolute
    log-ratio of the A/A pairs). ``factor`` 2 in CI (see :func:`ci_factor`)."""
    logs = [abs(math.log(r)) for r in aa.pair_ratios() if r > 0 and math.isfinite(r)]
    return math.exp(factor * median(logs)) if logs else 1.0


def ci_factor() -> float:
    """2 on a CI machine (``CI`` set), else 1."""
    return 2.0 if os.environ.get("CI", "").strip().lower() not in ("", "0", "false") else 1.0


@dataclass(frozen=True)
class Verdict:
    accepted: bool
    speedup: float
    p_value: float
    floor: float
    reason: str


def judge(c: Comparison, floor: float, min_speedup: float, alpha: float = ALPHA) -> Verdict:
    """Accepted when the rank test says the candidate is faster (p < alpha) and the median
    speed-up clears both the noise floor and the minimum asked for."""
    s, p = c.speedup, c.p_value
    need = max(floor, min_speedup)
    if p >= alpha:
        why = f"not significant (p={p:.3g} >= {alpha})"
    elif s <= need:
        why = f"speed-up {s:.3f}x does not clear {need:.3f}x (noise floor {floor:.3f}x)"
    else:
        why = f"speed-up {s:.3f}x, p={p:.3g}"
    return Verdict(p < alpha and s > need, s, p, floor, why)


__all__ = ["Comparison", "MeasureError", "Sample", "Verdict", "compare", "judge", "noise_floor"]
