"""The synthetic province: deterministic, consistent identities, sound settlements, exact files."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import polars as pl
import pytest
from stdnum.cn import ric

import anxin.synth.province as province_module
from anxin.domain.errors import InvalidInput
from anxin.domain.identity import check_character
from anxin.synth import (
    SHANDONG_CITIES,
    Province,
    generate_province,
    read_province,
    write_province,
    write_province_chunked,
)
from anxin.synth.files import MONEY_COLUMNS
from anxin.synth.persons import IdSequenceCounter, check_characters
from anxin.synth.regions import county_table, shandong_codes

YEAR = 2023


@pytest.fixture(scope="module")
def province() -> Province:
    return generate_province(persons=2_000, seed=42, year=YEAR)


@pytest.fixture(scope="module")
def larger() -> Province:
    return generate_province(persons=20_000, seed=7, year=YEAR, vulnerable_share=0.1)


def _owed_yuan_by_person(settlements: pl.DataFrame, year: int) -> pl.DataFrame:
    return (
        settlements.filter(pl.col("setl_time").dt.year() == year)
        .group_by("psn_no")
        .agg((pl.col("inscp_scp_amt") - pl.col("hifp_pay")).sum().cast(pl.Float64).alias("owed"))
    )


# --- determinism and chunking ----------------------------------------------------------------------


def test_same_seed_gives_identical_frames(province: Province) -> None:
    again = generate_province(persons=2_000, seed=42, year=YEAR)
    assert again.persons.equals(province.persons)
    assert again.settlements.equals(province.settlements)


def test_another_seed_gives_other_people() -> None:
    one = generate_province(persons=500, seed=1)
    two = generate_province(persons=500, seed=2)
    assert not one.persons.equals(two.persons)
    assert not one.settlements.equals(two.settlements)
    assert (one.persons["certno"] != two.persons["certno"]).mean() > 0.99


def test_chunked_writing_gives_the_same_rows(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(province_module, "BLOCK_PERSONS", 700)  # several blocks in a small test
    whole = generate_province(persons=2_000, seed=3, year=YEAR)
    reference = read_province(write_province(whole, tmp_path / "whole"))
    assert reference.persons.equals(whole.persons)
    assert reference.settlements.equals(whole.settlements)
    for chunk in (1, 700, 1_500, 10_000):
        seen: list[tuple[int, int]] = []
        paths = write_province_chunked(
            tmp_path / f"chunk{chunk}",
            persons=2_000,
            seed=3,
            year=YEAR,
            chunk_persons=chunk,
            progress=lambda done, total, seen=seen: seen.append((done, total)),
        )
        chunked = read_province(paths)
        assert chunked.persons.equals(whole.persons)
        assert chunked.settlements.equals(whole.settlements)
        assert seen[-1] == (2_000, 2_000)
        assert [done for done, _ in seen] == sorted(done for done, _ in seen)


def test_block_size_does_not_leak_into_identities(monkeypatch) -> None:
    """Many small blocks still give unique resident IDs (the sequence counter spans blocks)."""
    monkeypatch.setattr(province_module, "BLOCK_PERSONS", 97)
    persons = generate_province(persons=3_000, seed=11, settlements_per_person=0.0).persons
    assert persons["certno"].n_unique() == persons.height
    assert persons["psn_no"].n_unique() == persons.height


def test_no_people_gives_empty_frames_and_files(tmp_path) -> None:
    empty = generate_province(persons=0)
    assert empty.persons.height == 0 and empty.settlements.height == 0
    back = read_province(write_province_chunked(tmp_path, persons=0, fmt="csv"))
    assert back.persons.schema == empty.persons.schema
    assert back.settlements.height == 0


# --- identities -------------------------------------------------------------------------------------


def test_every_resident_id_validates_and_matches_the_person(province: Province) -> None:
    persons = province.persons
    assert persons["psn_no"].n_unique() == persons.height
    assert persons["certno"].n_unique() == persons.height
    assert persons["psn_no"].str.contains(r"^37\d{14}$").all()
    for row in persons.iter_rows(named=True):
        certno = row["certno"]
        assert ric.validate(certno) == certno
        assert ric.get_birth_date(certno) == row["birth_date"]
        assert row["sex"] == ("male" if int(certno[16]) % 2 == 1 else "female")
    assert persons["phone"].str.contains(r"^1[3-9]\d{9}$").all()
    assert persons["name"].str.len_chars().is_between(2, 4).all()


def test_ages_and_cities_look_like_a_residents_scheme(larger: Province) -> None:
    persons = larger.persons
    age = YEAR - persons["birth_date"].dt.year()
    assert age.min() >= 0 and age.max() <= 96
    assert 0.2 < (age < 18).mean() < 0.35
    assert 0.25 < (age >= 60).mean() < 0.45
    assert set(persons["city_code"]) == set(SHANDONG_CITIES)
    assert persons.select(
        (pl.col("city_name") == pl.col("city_code").replace_strict(SHANDONG_CITIES)).all()
    ).item()
    assert persons.select(
        (pl.col("region_code").str.slice(0, 4) == pl.col("city_code").str.slice(0, 4)).all()
    ).item()
    shares = persons["city_code"].value_counts(normalize=True)
    linyi = shares.filter(pl.col("city_code") == "371300")["proportion"].item()
    dongying = shares.filter(pl.col("city_code") == "370500")["proportion"].item()
    assert linyi > 3 * dongying  # weighted by population: 1,102 vs 219 (10,000s)


def test_id_region_belongs_to_the_city_whenever_the_city_had_codes(larger: Province) -> None:
    """The ID carries the city's own prefix whenever a code of the city was valid in the birth
    year; otherwise the code of the prefecture that preceded it (临沂地区 3728 for 临沂)."""
    table = county_table(YEAR)
    codes = shandong_codes()
    had_codes = {
        (city, year)
        for city in SHANDONG_CITIES
        for year in range(table.first_birth_year, YEAR)
        if any(c.code[:4] == city[:4] and c.valid_in(year) for c in codes)
    }
    persons = larger.persons.with_columns(born=pl.col("birth_date").dt.year())
    expected_own = [(c, y) in had_codes for c, y in zip(persons["city_code"], persons["born"], strict=True)]
    own_prefix = persons["certno"].str.slice(0, 4) == persons["city_code"].str.slice(0, 4)
    assert (own_prefix == pl.Series(expected_own)).all()
    current = {str(code) for code in table.county_codes}
    still_current = persons.filter(pl.col("certno").str.slice(0, 6).is_in(current))
    lives_there = (still_current["certno"].str.slice(0, 6) == still_current["region_code"]).mean()
    assert lives_there > 0.85


def test_every_candidate_id_region_code_is_valid_for_its_birth_year() -> None:
    table = county_table(YEAR)
    pairs = set()
    for county in range(len(table.county_codes)):
        for offset in range(table.offsets.shape[1]):
            start, count = table.offsets[county, offset], table.counts[county, offset]
            assert count > 0
            for index in table.candidates[start : start + count]:
                pairs.add((int(table.id_codes[index]), table.first_birth_year + offset))
    for code, year in pairs:
        first17 = f"{code}{year}0701001"
        assert ric.is_valid(first17 + check_character(first17)), (code, year)


def test_vectorized_check_character_agrees_with_the_domain_and_stdnum() -> None:
    rng = np.random.default_rng(0)
    numbers = rng.integers(10**16, 10**17, size=20_000, dtype=np.int64)
    got = check_characters(numbers)
    for number, index in zip(numbers[:5_000], got[:5_000], strict=True):
        first17 = str(number)
        assert "10X98765432"[index] == check_character(first17)
        assert ric.calc_check_digit(first17 + "0") == check_character(first17)


def test_id_sequences_stay_unique_across_blocks_and_refuse_to_overflow() -> None:
    table = county_table(YEAR)
    counter = IdSequenceCounter(table, seed=5)
    day = (dt.date(1980, 5, 5) - dt.date(1970, 1, 1)).days
    given = []
    for _ in range(5):  # five blocks of 90 people in the same cell pair (same code and birth date)
        male = np.arange(90) % 2
        sequence = counter.assign(np.zeros(90, dtype=np.int64), np.full(90, day), male)
        assert ((sequence % 2) == male).all()
        given.append(sequence)
    every = np.concatenate(given)
    assert len(np.unique(every)) == len(every)
    with pytest.raises(InvalidInput, match="顺序码"):
        counter.assign(np.zeros(600, dtype=np.int64), np.full(600, day), np.ones(600, dtype=np.int64))


def test_vulnerable_share_is_near_what_was_asked(larger: Province) -> None:
    groups = larger.persons["vulnerable_group"]
    assert abs(groups.is_not_null().mean() - 0.1) < 0.01
    assert set(groups.drop_nulls()) == {"extreme_poverty", "subsistence_allowance", "returned_to_poverty"}
    joined = larger.settlements.join(larger.persons, on="psn_no", how="left")
    assert joined.height == larger.settlements.height
    assert (joined["psn_idet_type"].eq_missing(joined["vulnerable_group"])).all()
    assert (joined["certno"] == joined["certno_right"]).all()
    assert (joined["insuplc_admdvs"] == joined["region_code"]).all()


# --- settlements ------------------------------------------------------------------------------------


def test_settlement_lines_are_sound(province: Province) -> None:
    lines = province.settlements
    assert lines["setl_id"].n_unique() == lines.height
    for column in MONEY_COLUMNS:
        assert lines.schema[column] == pl.Decimal(18, 2)
    fen = lines.select(pl.col(c).to_physical().cast(pl.Int64) for c in MONEY_COLUMNS)  # exact fen
    assert (
        fen.select(
            (pl.col("hifp_pay") >= 0).all().alias("paid_not_negative"),
            (pl.col("hifp_pay") <= pl.col("inscp_scp_amt")).all().alias("paid_within_scope"),
            (pl.col("inscp_scp_amt") <= pl.col("medfee_sumamt")).all().alias("scope_within_total"),
            (pl.col("medfee_sumamt") > 0).all().alias("total_positive"),
        ).row(0)
        == (True,) * 4
    )
    assert (
        lines.select(
            (pl.col("enddate") >= pl.col("begndate")).all().alias("ends_after_start"),
            (pl.col("setl_time").dt.date() >= pl.col("enddate")).all().alias("settled_after_end"),
            (pl.col("insutype") == "390").all(),
            pl.col("med_type").is_in(["11", "14", "21"]).all(),
            pl.col("hosp_lv").is_in(["1", "2", "3"]).all(),
            pl.col("fixmedins_code").str.contains(r"^H37\d{9}$").all(),
        ).row(0)
        == (True,) * 6
    )
    outpatient = lines.filter(pl.col("med_type") != "21")
    assert (outpatient["begndate"] == outpatient["enddate"]).all()
    assert outpatient["setl_time"].dt.year().eq(YEAR).all()


def test_settlements_are_sorted_by_person_then_time(province: Province) -> None:
    lines = province.settlements.select("psn_no", "setl_time")
    assert lines.equals(lines.sort("psn_no", "setl_time", maintain_order=True))


def test_counts_are_heavy_tailed_around_the_requested_mean(larger: Province) -> None:
    per_person = (
        larger.persons.select("psn_no")
        .join(larger.settlements.group_by("psn_no").len(), on="psn_no", how="left")["len"]
        .fill_null(0)
    )
    assert 4.7 < per_person.mean() < 5.3
    assert (per_person == 0).mean() > 0.15
    assert per_person.max() > 60
    stays = larger.settlements.filter(pl.col("med_type") == "21").group_by("psn_no").len()["len"]
    assert (stays >= 2).sum() > 0.02 * larger.persons.height
    assert generate_province(persons=300, settlements_per_person=0.0).settlements.height == 0
    light = generate_province(persons=3_000, settlements_per_person=2.0).settlements.height / 3_000
    assert 1.6 < light < 2.4


def test_costs_reach_a_critical_illness_program(larger: Province) -> None:
    owed = _owed_yuan_by_person(larger.settlements, YEAR)["owed"]
    above_deductible = (owed > 14_000).sum() / larger.persons.height
    assert 0.01 <= above_deductible <= 0.03
    stays = larger.settlements.filter(pl.col("med_type") == "21")["medfee_sumamt"].cast(pl.Float64)
    assert stays.max() > 100_000
    paid = larger.settlements.group_by("hosp_lv").agg(
        (pl.col("hifp_pay").sum().cast(pl.Float64) / pl.col("inscp_scp_amt").sum().cast(pl.Float64)).alias(
            "r"
        )
    )
    ratio = dict(paid.iter_rows())
    assert ratio["1"] > ratio["2"] > ratio["3"] > 0.45


def test_some_stays_cross_the_year_end() -> None:
    lines = generate_province(persons=5_000, seed=42, year=YEAR).settlements
    stays = lines.filter(pl.col("med_type") == "21")
    carried_in = stays.filter(
        (pl.col("begndate").dt.year() == YEAR - 1) & (pl.col("setl_time").dt.year() == YEAR)
    )
    carried_out = stays.filter(
        (pl.col("begndate").dt.year() == YEAR) & (pl.col("enddate").dt.year() == YEAR + 1)
    )
    assert carried_in.height > 0 and carried_out.height > 0
    assert carried_in.height < 0.03 * stays.height
    assert carried_out["setl_time"].dt.year().eq(YEAR + 1).all()


# --- files ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["parquet", "csv", "xlsx"])
def test_files_read_back_with_equal_values(tmp_path, fmt: str) -> None:
    small = generate_province(persons=300, seed=9, year=YEAR)
    paths = write_province(small, tmp_path, fmt=fmt)
    assert paths == {"persons": tmp_path / f"persons.{fmt}", "settlements": tmp_path / f"settlements.{fmt}"}
    back = read_province(paths)
    assert back.persons.equals(small.persons)
    assert back.settlements.equals(small.settlements)


def test_csv_money_is_plain_two_decimal_text(tmp_path, province: Province) -> None:
    paths = write_province(province, tmp_path, fmt="csv")
    raw = pl.read_csv(paths["settlements"], infer_schema=False)
    for column in MONEY_COLUMNS:
        assert raw[column].str.contains(r"^\d+\.\d{2}$").all()
    text = paths["persons"].read_bytes()
    assert text.startswith(b"\xef\xbb\xbf")  # BOM: Excel shows the Chinese names
    assert re.search("市".encode(), text)


def test_bad_arguments_are_refused_in_chinese_and_english(tmp_path) -> None:
    with pytest.raises(InvalidInput, match="不支持的文件格式"):
        write_province(generate_province(persons=10), tmp_path, fmt="json")
    with pytest.raises(InvalidInput, match="人数"):
        generate_province(persons=-1)
    with pytest.raises(InvalidInput, match="year"):
        generate_province(persons=10, year=1999)
    with pytest.raises(InvalidInput, match="Excel"):
        write_province_chunked(tmp_path, persons=1_000_000, fmt="xlsx")


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_same_arguments_give_byte_identical_files(tmp_path, fmt: str) -> None:
    first = write_province_chunked(tmp_path / "a", persons=1_000, seed=5, fmt=fmt)
    second = write_province_chunked(tmp_path / "b", persons=1_000, seed=5, fmt=fmt)
    for kind in ("persons", "settlements"):
        assert first[kind].read_bytes() == second[kind].read_bytes()


def test_an_earlier_program_year_works_too() -> None:
    """The Shandong 2014 rules need a 2014 province: today's counties of that year, valid IDs."""
    earlier = generate_province(persons=1_000, seed=1, year=2014)
    for certno in earlier.persons["certno"]:
        assert ric.is_valid(certno)
    assert (earlier.persons["birth_date"].dt.year() <= 2013).all()
    stays = earlier.settlements.filter(pl.col("med_type") == "21")
    assert stays["begndate"].dt.year().is_in([2013, 2014]).all()
    assert "370181" in set(earlier.persons["region_code"])  # 章丘市, a county-level city until 2016
