"""What the benchmark scripts share."""

from __future__ import annotations


def percentile(ordered: list[float], p: float) -> float:
    """The nearest-rank percentile `p` (0–100) of values sorted in ascending order."""
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]
