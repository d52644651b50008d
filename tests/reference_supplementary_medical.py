"""An independent statement of the supplementary medical (特惠保险) rule, for checking the engine.

Written from the rule as stated in docs/programs.md, with exact fractions (``RefRule``) and nothing
from ``anxin``'s formula code. Row by row, in arrival order within each person-year:

- the person's group on the row's date is the first group of the program's terms they hold;
  with none, the row pays 0 and adds nothing to the year;
- the row's base is ``owed − ci_paid`` (the in-scope cost left after basic insurance and critical
  illness), the year-to-date of bases is summed per person-year, and the row pays
  ``f_group(after) − f_group(before)``.
"""

from __future__ import annotations

from dataclasses import dataclass

from tests.reference import RefRule


@dataclass(frozen=True)
class RefRow:
    person: str
    year: int
    owed: int  # fen, in-scope cost owed after basic insurance
    ci_paid: int  # fen, the critical-illness payout for this settlement
    groups: frozenset[str]  # groups the person is registered in on the row's date


@dataclass(frozen=True)
class RefProgram:
    #: (groups, rule) per set of terms, most favoured first
    terms: tuple[tuple[tuple[str, ...], RefRule], ...]

    def rule_for(self, groups: frozenset[str]) -> tuple[str, RefRule] | None:
        for names, rule in self.terms:
            for name in names:
                if name in groups:
                    return name, rule
        return None


def pay_sequentially(program: RefProgram, rows: list[RefRow]) -> list[tuple[int, str | None]]:
    """(payout, group whose terms applied) per row, rows given in arrival order."""
    ytd: dict[tuple[str, int], int] = {}
    out: list[tuple[int, str | None]] = []
    for row in rows:
        found = program.rule_for(row.groups)
        if found is None:
            out.append((0, None))
            continue
        group, rule = found
        before = ytd.get((row.person, row.year), 0)
        after = before + row.owed - row.ci_paid
        ytd[(row.person, row.year)] = after
        out.append((rule.f(after) - rule.f(before), group))
    return out
