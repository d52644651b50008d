from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anxin.domain.errors import InvalidAmount
from anxin.domain.money import (
    fen_to_decimal,
    format_ratio,
    format_yuan,
    format_yuan_cn,
    parse_ratio_bp,
    parse_yuan,
    round_half_up,
)


@pytest.mark.parametrize(
    ("text", "fen"),
    [
        ("1234.56", 123456),
        ("1,234.56", 123456),
        ("¥1,234.5", 123450),
        ("87000元", 8700000),
        ("1.4万", 1400000),
        ("1.4万元", 1400000),
        ("14.4亿元", 144000000000),
        ("０．０１", 1),
        ("-3", -300),
        (".5", 50),
        (12, 1200),
        (Decimal("0.10"), 10),
    ],
)
def test_parse_yuan(text, fen):
    assert parse_yuan(text) == fen


@pytest.mark.parametrize("text", ["12.345", "abc", "", "1.2.3", "1e5", "万"])
def test_parse_yuan_rejects(text):
    with pytest.raises(InvalidAmount) as caught:
        parse_yuan(text)
    assert "/" in str(caught.value)  # Chinese and English


def test_floats_are_refused():
    with pytest.raises(InvalidAmount):
        parse_yuan(0.1)  # type: ignore[arg-type]


def test_format():
    assert format_yuan(8700000) == "87,000.00"
    assert format_yuan(-5) == "-0.05"
    assert format_yuan(123456, grouping=False) == "1234.56"
    assert format_yuan_cn(144000000000) == "14.4亿元"
    assert format_yuan_cn(2100000000) == "2100万元"
    assert format_yuan_cn(35620) == "356.20元"


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_round_trip(fen):
    assert parse_yuan(format_yuan(fen)) == fen
    assert parse_yuan(str(fen_to_decimal(fen))) == fen


@pytest.mark.parametrize(
    ("num", "den", "expected"), [(5, 10, 1), (4, 10, 0), (15, 10, 2), (-5, 10, -1), (-4, 10, 0), (0, 3, 0)]
)
def test_round_half_up(num, den, expected):
    assert round_half_up(num, den) == expected


@given(st.integers(min_value=0, max_value=10**12), st.integers(min_value=1, max_value=10**6))
def test_round_half_up_is_nearest(num, den):
    result = round_half_up(num, den)
    assert abs(result * den - num) * 2 <= den


def test_ratios():
    assert parse_ratio_bp("50%") == 5000
    assert parse_ratio_bp("62.5%") == 6250
    assert parse_ratio_bp("0.6") == 6000
    assert format_ratio(6250) == "62.5%"
    with pytest.raises(InvalidAmount):
        parse_ratio_bp("50.001%")
