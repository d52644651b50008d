"""Rosters and claims files for the group-cover programs (团体意外、特定疾病) in the tests."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from anxin.domain.identity import check_character
from anxin.services.imports import import_claims, import_persons
from anxin.store.database import Database

GA, SD = "qingdao-elderly-ga", "heilongjiang-union-women-sd"
YEAR = 2023  # qingdao: cover 2023-12-01 … 2024-11-30


def resident_id(birth: str, sequence: str, region: str = "370202") -> str:
    first17 = region + birth + sequence
    return first17 + check_character(first17)


#: Three elderly Qingdao residents (born 1950, 1955, 1948) and two women in work in Heilongjiang.
OLD = [resident_id("19500101", "013"), resident_id("19550303", "025"), resident_id("19480505", "037")]
WOMEN = [resident_id("19800101", "124", "230102"), resident_id("19900202", "246", "230103")]


def write(frame: pl.DataFrame, path: Path) -> Path:
    if path.suffix == ".xlsx":
        frame.write_excel(path)
    elif path.suffix == ".parquet":
        frame.write_parquet(path)
    else:
        frame.write_csv(path)
    return path


def elderly_roster(tmp_path: Path) -> Path:
    return write(
        pl.DataFrame(
            {
                "证件号码": OLD,
                "人员编号": ["Q1", "Q2", "Q3"],
                "村": ["东村", "东村", "西村"],
                "缴费来源": ["政府", "政府", "捐助"],
                "缴费金额": ["24.00", "24.00", "24.00"],
            }
        ),
        tmp_path / "roster-ga.csv",
    )


def women_roster(tmp_path: Path) -> Path:
    return write(
        pl.DataFrame(
            {
                "证件号码": WOMEN,
                "人员编号": ["W1", "W2"],
                "单位": ["哈尔滨某厂", "哈尔滨某厂"],
                "缴费来源": ["工会", "工会"],
                "份数": ["2", "1"],
                "缴费金额": ["40.00", "20.00"],
            }
        ),
        tmp_path / "roster-sd.csv",
    )


GA_HEADER = [
    "赔案号",
    "人员编号",
    "理赔类型",
    "责任日期",
    "事故日期",
    "入院日期",
    "出院日期",
    "伤残等级",
    "医疗费用",
]
#: Q1: medical 1,100 (pays 1,000) and a 10-day allowance stay (300); Q2: disability grade 10 (2,000);
#: Q3: medical before cover starts (rejected: outside cover).
GA_ROWS = [
    ("GA-1", "Q1", "意外医疗", "2024-01-10", "2024-01-05", None, None, None, "1100.00"),
    ("GA-2", "Q1", "住院津贴", "2024-02-11", "2024-02-01", "2024-02-01", "2024-02-11", None, None),
    ("GA-3", "Q2", "伤残", "2024-03-01", "2024-01-20", None, None, "10", None),
    ("GA-4", "Q3", "意外医疗", "2023-11-25", "2023-11-20", None, None, None, "500.00"),
]


def ga_claims(tmp_path: Path, rows: list[tuple] | None = None, name: str = "claims-ga.csv") -> Path:
    return write(pl.DataFrame(rows or GA_ROWS, schema=GA_HEADER, orient="row"), tmp_path / name)


SD_HEADER = ["赔案号", "证件号码", "确诊日期", "疾病代码"]


def sd_claims(tmp_path: Path, rows: list[tuple], name: str = "claims-sd.csv") -> Path:
    return write(pl.DataFrame(rows, schema=SD_HEADER, orient="row"), tmp_path / name)


def load_group_programs(db: Database, tmp_path: Path) -> None:
    """Both rosters and the standard claims imported."""
    import_persons(db, elderly_roster(tmp_path), program_code=GA, year=YEAR)
    import_persons(db, women_roster(tmp_path), program_code=SD, year=2024)
    import_claims(db, ga_claims(tmp_path), program_code=GA)
