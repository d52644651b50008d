"""An independent statement of the critical-illness rule, for checking the engine.

Written from the published formula with exact fractions and nothing from ``anxin``'s formula code:
    f(x) = min(cap, Σ_band ratio × |[max(lo, D), min(x, hi)]|)   (bands on absolute year-to-date)
    f(x) = min(cap, Σ_band ratio × |[D + lo, min(x, D + hi)]|)   (bands above the deductible)
rounded half up to the fen, and a settlement pays f(after) − f(before).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True)
class RefRule:
    deductible: int  # fen
    edges: tuple[int | None, ...]  # each band's upper edge in fen, last None
    ratios: tuple[Fraction, ...]
    cap: int | None
    above_deductible: bool = False

    def f(self, x: int) -> int:
        total = Fraction(0)
        start = 0
        for edge, ratio in zip(self.edges, self.ratios, strict=True):
            if self.above_deductible:
                lo = self.deductible + start
                hi = None if edge is None else self.deductible + edge
            else:
                lo = max(start, self.deductible)
                hi = edge
            top = x if hi is None else min(x, hi)
            if top > lo:
                total += ratio * (top - lo)
            start = edge if edge is not None else start
        whole = int(total)  # total ≥ 0
        if total - whole >= Fraction(1, 2):
            whole += 1
        return whole if self.cap is None else min(self.cap, whole)


def pay_sequentially(rule_of, rows):
    """Row-at-a-time: rows are (person, year, base, group) in arrival order."""
    ytd: dict[tuple[str, int], int] = {}
    payouts = []
    for person, year, base, group in rows:
        rule = rule_of(group)
        before = ytd.get((person, year), 0)
        after = before + base
        ytd[(person, year)] = after
        payouts.append(rule.f(after) - rule.f(before))
    return payouts
