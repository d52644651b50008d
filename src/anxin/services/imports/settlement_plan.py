"""A validated settlement file compared with what is stored: persons resolved, rows new or
unchanged, conflicts and reversals checked — all in bulk.

A row's person is found by ``psn_no`` (``persons.psn_no``), or else by ``certno`` through its
look-up hash; the ID number itself is never stored with a settlement. A settlement's natural key is
``setl_id``: stored with the same content it is left alone, with different content it is a conflict
(a correction arrives as a reversal). A reversal must name a settlement that is stored or comes
earlier in the same file, of the same person, and reversed only once.
"""

from __future__ import annotations

import polars as pl
import sqlalchemy as sa

from anxin.services.imports.problems import Problems, masked, masked_if_id, yuan_text
from anxin.store.bulk import select_by_keys
from anxin.store.protection import IdProtector
from anxin.store.schema import Person, Settlement

CONFLICT_ZH = "与已导入记录不一致（更正请用冲销记录）"
CONFLICT_EN = "conflicts with the stored record (correct it with a reversal)"
#: File field → stored column, for fields compared only when the file has them.
STORED = {
    "psn_no": "psn_no",
    "begndate": "begndate",
    "enddate": "enddate",
    "medfee_sumamt": "medfee_fen",
    "inscp_scp_amt": "inscp_fen",
    "hifp_pay": "hifp_fen",
    "hifmi_pay": "hifmi_fen",
    "psn_idet_type": "psn_idet_type",
    "hosp_lv": "hosp_lv",
    "fixmedins_code": "fixmedins_code",
    "insuplc_admdvs": "insuplc_admdvs",
    "med_type": "med_type",
    "reverses_setl_id": "reverses_setl_id",
}
_TEXT_LIMITS = (
    "setl_id",
    "psn_no",
    "hosp_lv",
    "fixmedins_code",
    "insuplc_admdvs",
    "med_type",
    "reverses_setl_id",
)
#: The stored columns a file's row becomes, with their frame types.
_SCHEMA: dict[str, pl.DataType] = {
    "setl_id": pl.String(),
    "person_id": pl.Int64(),
    "psn_no": pl.String(),
    "setl_time": pl.Datetime("us"),
    "begndate": pl.Date(),
    "enddate": pl.Date(),
    "medfee_fen": pl.Int64(),
    "inscp_fen": pl.Int64(),
    "hifp_fen": pl.Int64(),
    "hifmi_fen": pl.Int64(),
    "base_fen": pl.Int64(),
    "psn_idet_type": pl.String(),
    "hosp_lv": pl.String(),
    "fixmedins_code": pl.String(),
    "insuplc_admdvs": pl.String(),
    "med_type": pl.String(),
    "reverses_setl_id": pl.String(),
}
_COLUMNS = tuple(_SCHEMA)


def length_problems(frame: pl.DataFrame, headers: dict[str, str], problems: Problems) -> None:
    """Text longer than its stored column (PostgreSQL would refuse it; SQLite would not notice)."""
    for name in _TEXT_LIMITS:
        if name in headers:
            limit = Settlement.__table__.c[name].type.length  # type: ignore[attr-defined]
            bad = frame.filter(pl.col(name).str.len_chars() > limit)
            problems.add(
                bad, headers[name], f"超过 {limit} 个字符", f"longer than {limit} characters", value=name
            )


def resolve_persons(
    connection: sa.Connection,
    frame: pl.DataFrame,
    headers: dict[str, str],
    protector: IdProtector,
    problems: Problems,
) -> pl.DataFrame:
    """``frame`` with ``person_id`` (and the person's ``psn_no``) from the stored persons."""
    frame = frame.drop("person_id").with_columns(_pid=pl.lit(None, pl.Int64), _psn=pl.lit(None, pl.String))
    if "psn_no" in headers:
        found = select_by_keys(
            connection,
            sa.select(Person.psn_no, Person.id),
            Person.psn_no,
            frame["psn_no"],
            {"psn_no": pl.String, "_by_no": pl.Int64},
        )
        frame = frame.join(found, on="psn_no", how="left").with_columns(
            _pid=pl.col("_by_no"), _psn=pl.when(pl.col("_by_no").is_not_null()).then(pl.col("psn_no"))
        )
    if "certno" in headers:
        numbers = frame.filter(pl.col("_pid").is_null() & pl.col("certno").is_not_null())["certno"].unique()
        lookup = protector.lookup_hash
        keys = pl.DataFrame(
            {"certno": numbers, "id_hash": [lookup(n) for n in numbers.to_list()]},
            schema={"certno": pl.String, "id_hash": pl.String},
        )
        found = select_by_keys(
            connection,
            sa.select(Person.id_hash, Person.id, Person.psn_no),
            Person.id_hash,
            keys["id_hash"],
            {"id_hash": pl.String, "_by_id": pl.Int64, "_id_psn": pl.String},
        )
        frame = frame.join(
            keys.join(found, on="id_hash").drop("id_hash"), on="certno", how="left"
        ).with_columns(_pid=pl.coalesce("_pid", "_by_id"), _psn=pl.coalesce("_psn", "_id_psn"))
    missing = frame.filter(pl.col("_pid").is_null())
    where = "psn_no" if "psn_no" in headers else "certno"
    problems.add(
        missing,
        headers[where],
        "参保人不存在，请先导入参保人",
        "insured person not found: import persons first",
        value=where,
        sanitize=masked if where == "certno" else masked_if_id,
    )
    return frame.with_columns(person_id=pl.col("_pid"), psn_no=pl.col("_psn").fill_null(""))


def stored_rows(frame: pl.DataFrame, fields: tuple[str, ...]) -> pl.DataFrame:
    """Each row as it is (or would be) stored, with ``source_row``."""

    def given(field: str, column: str | None = None) -> pl.Expr:
        column = column or field
        dtype = _SCHEMA[STORED.get(field, field)]
        return pl.col(column) if field in fields else pl.lit(None, dtype)

    def text(field: str) -> pl.Expr:
        return pl.col(field).fill_null("") if field in fields else pl.lit("")

    reverses = pl.col("reverses_setl_id")
    return frame.select(
        "source_row",
        "setl_id",
        "person_id",
        "psn_no",
        setl_time=pl.col("settled_at"),
        begndate=pl.col("admitted_on"),
        enddate=pl.col("discharged_on"),
        medfee_fen=given("medfee_sumamt"),
        inscp_fen=given("inscp_scp_amt"),
        hifp_fen=given("hifp_pay"),
        hifmi_fen=given("hifmi_pay"),
        base_fen=pl.col("base_fen"),
        psn_idet_type=given("psn_idet_type", "vulnerable_group"),
        hosp_lv=text("hosp_lv"),
        fixmedins_code=text("fixmedins_code"),
        insuplc_admdvs=text("insuplc_admdvs"),
        med_type=text("med_type"),
        reverses_setl_id=pl.when(reverses != "").then(reverses)
        if "reverses_setl_id" in fields
        else pl.lit(None, pl.String),
    )


def compare_stored(
    connection: sa.Connection,
    rows: pl.DataFrame,
    fields: tuple[str, ...],
    headers: dict[str, str],
    problems: Problems,
) -> pl.DataFrame:
    """The rows not stored yet; a stored ``setl_id`` with other content is a problem."""
    columns = [Settlement.__table__.c[name] for name in _COLUMNS]  # type: ignore[attr-defined]
    stored = select_by_keys(
        connection,
        sa.select(*columns),
        Settlement.setl_id,
        rows["setl_id"],
        {("setl_id" if n == "setl_id" else f"s_{n}"): _SCHEMA[n] for n in _COLUMNS},
    )
    if stored.height == 0:
        return rows
    joined = rows.join(stored, on="setl_id")
    person = "psn_no" if "psn_no" in headers else "certno"
    base = "eligible_owed" if "eligible_owed" in headers else "inscp_scp_amt"
    compared = [
        ("person_id", headers[person]),
        ("setl_time", headers["setl_time"]),
        ("base_fen", headers[base]),
    ]
    compared += [(STORED[f], headers[f]) for f in STORED if f in fields and f != "psn_no"]
    for column, header in compared:
        bad = joined.filter(pl.col(column).ne_missing(pl.col(f"s_{column}")))
        if column == "person_id":
            shown = pl.col("psn_no")
        elif column.endswith("_fen"):
            shown = yuan_text(pl.col(column))
        else:
            shown = pl.col(column).cast(pl.String)
        problems.add(
            bad.with_columns(_shown=shown),
            header,
            CONFLICT_ZH,
            CONFLICT_EN,
            value="_shown",
            sanitize=masked_if_id,
        )
    return rows.join(stored.select("setl_id"), on="setl_id", how="anti")


def check_reversals(
    connection: sa.Connection,
    rows: pl.DataFrame,
    new: pl.DataFrame,
    headers: dict[str, str],
    problems: Problems,
) -> None:
    """A new reversal names a stored or earlier settlement of the same person, reversed only once."""
    reversals = new.filter(pl.col("reverses_setl_id").is_not_null())
    if reversals.height == 0:
        return
    header = headers["reverses_setl_id"]
    targets = reversals["reverses_setl_id"]
    in_file = rows.select(reverses_setl_id="setl_id", _target_row="source_row", _target_person="person_id")
    stored = select_by_keys(
        connection,
        sa.select(Settlement.setl_id, Settlement.person_id),
        Settlement.setl_id,
        targets,
        {"reverses_setl_id": pl.String, "_stored_person": pl.Int64},
    )
    checked = reversals.join(in_file, on="reverses_setl_id", how="left").join(
        stored, on="reverses_setl_id", how="left"
    )
    earlier = pl.col("_target_row") < pl.col("source_row")
    found = pl.col("_stored_person").is_not_null() | earlier.fill_null(False)
    owner = pl.coalesce("_stored_person", pl.when(earlier).then(pl.col("_target_person")))
    already = select_by_keys(
        connection,
        sa.select(Settlement.reverses_setl_id, Settlement.setl_id),
        Settlement.reverses_setl_id,
        targets,
        {"reverses_setl_id": pl.String, "_reversed_by": pl.String},
    )
    twice = checked.join(already, on="reverses_setl_id", how="left")
    rules = [
        (
            checked.filter(pl.col("reverses_setl_id") == pl.col("setl_id")),
            "结算不能冲销自身",
            "a settlement cannot reverse itself",
        ),
        (
            checked.filter(~found & (pl.col("reverses_setl_id") != pl.col("setl_id"))),
            "原结算不存在：须已导入，或在本文件中位于此行之前",
            "the original settlement is neither stored nor earlier in this file",
        ),
        (
            checked.filter(found & (owner != pl.col("person_id"))),
            "冲销记录与原结算不属于同一参保人",
            "the reversal and the original belong to different persons",
        ),
        (
            pl.concat(
                [
                    checked.filter(pl.col("reverses_setl_id").is_duplicated()),
                    twice.filter(
                        pl.col("_reversed_by").is_not_null() & (pl.col("_reversed_by") != pl.col("setl_id"))
                    ).select(checked.columns),
                ]
            ).unique("source_row"),
            "该结算已被冲销过",
            "the original settlement is already reversed",
        ),
    ]
    for bad, zh, en in rules:
        problems.add(bad, header, zh, en, value="reverses_setl_id")
