"""A synthetic month of long-term care (长护险) for given persons: designated care providers, disability
assessments and care bills, written as the files an office imports (Chinese headers), the same for the
same persons, month and seed.

About ``assessed_share`` of the persons have an assessment, made 1–27 months before the month (so
some, older than the program's validity, have expired); most are severe (重度失能Ⅰ–Ⅲ级), some moderate
(which resident programs do not pay). Each assessed person has one bill in the month (one in ten has
two, at different providers, splitting the month), at a provider authorised for the service, with a
daily cost typical of the service; family self-care bills carry no cost.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from anxin.domain.long_term_care import CareLevel, ServiceType, add_months
from anxin.store.tabular import write_table

#: (code, name, type, tier, services) of the synthetic city's designated providers.
PROVIDERS: tuple[tuple[str, str, str, int | None, tuple[ServiceType, ...]], ...] = (
    ("LTC-H1", "某镇卫生院", "医院", 1, (ServiceType.HOSPITAL_SPECIAL_CARE,)),
    ("LTC-H2", "某区人民医院", "医院", 2, (ServiceType.HOSPITAL_SPECIAL_CARE,)),
    ("LTC-H3", "某市中心医院", "医院", 3, (ServiceType.HOSPITAL_SPECIAL_CARE,)),
    ("LTC-N1", "某护理院", "护理院", None, (ServiceType.INSTITUTIONAL_CARE, ServiceType.HOME_VISIT)),
    ("LTC-N2", "某医养结合养老院", "养老机构", None, (ServiceType.INSTITUTIONAL_CARE,)),
    ("LTC-J1", "某居家护理服务站", "居家护理服务机构", None, (ServiceType.HOME_VISIT, ServiceType.FAMILY_CARE)),
)  # fmt: skip
#: Service mix of bills and the daily cost range in fen (low, high).
_SERVICES = (
    (ServiceType.HOSPITAL_SPECIAL_CARE, 0.15, (9_000, 22_000)),
    (ServiceType.INSTITUTIONAL_CARE, 0.35, (5_000, 9_000)),
    (ServiceType.HOME_VISIT, 0.25, (3_000, 6_000)),
    (ServiceType.FAMILY_CARE, 0.25, (0, 0)),
)
_LEVELS = (CareLevel.MODERATE, CareLevel.SEVERE_1, CareLevel.SEVERE_2, CareLevel.SEVERE_3)
_LEVEL_WEIGHTS = (0.15, 0.45, 0.25, 0.15)


@dataclass(frozen=True)
class CareFiles:
    providers: Path
    assessments: Path
    bills: Path
    assessed: int
    bills_written: int


def _providers_for(service: ServiceType) -> list[str]:
    return [code for code, _, _, _, services in PROVIDERS if service in services]


def providers_frame() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "机构编码": [p[0] for p in PROVIDERS],
            "机构名称": [p[1] for p in PROVIDERS],
            "机构类型": [p[2] for p in PROVIDERS],
            "医院等级": [str(p[3]) if p[3] else "" for p in PROVIDERS],
            "服务类型": ["、".join(s.label_zh for s in p[4]) for p in PROVIDERS],
        }
    )


def write_care_files(
    persons: pl.DataFrame,
    folder: str | Path,
    month: dt.date,
    *,
    seed: int = 0,
    assessed_share: float = 0.02,
    suffix: str = ".csv",
) -> CareFiles:
    """Write ``providers``, ``assessments`` and ``care-bills-YYYY-MM`` files into ``folder`` for the
    persons (a frame with ``psn_no``; ``certno`` is not needed and not written). Import the persons
    enrolled in the long-term care program first, then these files (providers, assessments, bills)."""
    rng = np.random.default_rng([seed, month.year, month.month])
    first = month.replace(day=1)
    numbers = persons["psn_no"].to_list()
    chosen = [n for n, draw in zip(numbers, rng.random(len(numbers)), strict=True) if draw < assessed_share]
    assessed_on = [add_months(first, -int(m)) + dt.timedelta(days=int(d))
                   for m, d in zip(rng.integers(1, 28, len(chosen)), rng.integers(0, 28, len(chosen)), strict=True)]  # fmt: skip
    levels = rng.choice(len(_LEVELS), size=len(chosen), p=_LEVEL_WEIGHTS)
    assessments = pl.DataFrame(
        {
            "评估编号": [f"PG-{n}-{d:%Y%m%d}" for n, d in zip(chosen, assessed_on, strict=True)],
            "人员编号": chosen,
            "评估日期": [d.isoformat() for d in assessed_on],
            "失能等级": [_LEVELS[i].label_zh for i in levels],
        },
        schema={"评估编号": pl.String, "人员编号": pl.String, "评估日期": pl.String, "失能等级": pl.String},
    )
    bills = _bills(rng, chosen, first)
    folder = Path(folder)
    return CareFiles(
        providers=write_table(providers_frame(), folder / f"providers{suffix}"),
        assessments=write_table(assessments, folder / f"assessments{suffix}"),
        bills=write_table(bills, folder / f"care-bills-{first:%Y-%m}{suffix}"),
        assessed=len(chosen),
        bills_written=bills.height,
    )


def _bills(rng: np.random.Generator, persons: Sequence[str], first: dt.date) -> pl.DataFrame:
    last = add_months(first, 1) - dt.timedelta(days=1)
    rows: list[dict[str, str]] = []
    weights = [w for _, w, _ in _SERVICES]
    for person in persons:
        split = rng.random() < 0.1
        periods = [(first, last)]
        if split:
            middle = first + dt.timedelta(days=int(rng.integers(5, last.day - 5)))
            periods = [(first, middle - dt.timedelta(days=1)), (middle, last)]
        for start, end in periods:
            service, _, (low, high) = _SERVICES[rng.choice(len(_SERVICES), p=weights)]
            options = _providers_for(service)
            provider = options[int(rng.integers(0, len(options)))]
            length = (end - start).days + 1
            days = length if rng.random() < 0.7 else int(rng.integers(max(1, length // 3), length + 1))
            daily = int(rng.integers(low, high + 1)) if high else 0
            rows.append(
                {
                    "账单号": f"HL{first:%Y%m}-{len(rows) + 1:07d}",
                    "人员编号": person,
                    "机构编码": provider,
                    "服务类型": service.label_zh,
                    "护理月份": f"{first:%Y-%m}",
                    "护理开始日期": start.isoformat(),
                    "护理结束日期": end.isoformat(),
                    "护理天数": str(days),
                    "护理费用": f"{daily * days // 100}.{daily * days % 100:02d}",
                }
            )
    columns = ["账单号", "人员编号", "机构编码", "服务类型", "护理月份", "护理开始日期", "护理结束日期", "护理天数", "护理费用"]  # fmt: skip
    return pl.DataFrame(rows, schema=dict.fromkeys(columns, pl.String))
