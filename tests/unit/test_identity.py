import datetime as dt
import random

import polars as pl
import pytest
from stdnum.cn import ric

from anxin.domain.errors import InvalidResidentId
from anxin.domain.identity import ResidentId, Sex, check_character, mask, upgrade_legacy
from anxin.engine.identity import resident_id_is_valid

VALID = "11010519491231002X"


def test_parse_valid_18():
    rid = ResidentId.parse(VALID)
    assert rid.birth_date == dt.date(1949, 12, 31)
    assert rid.sex is Sex.FEMALE
    assert rid.region_code == "110105"
    assert rid.age_on(dt.date(2023, 12, 30)) == 73
    assert rid.age_on(dt.date(2023, 12, 31)) == 74


def test_legacy_15_is_upgraded():
    rid = ResidentId.parse("370102850101123")
    assert rid.number == "37010219850101123" + check_character("37010219850101123")
    assert rid.birth_date == dt.date(1985, 1, 1)
    assert rid.sex is Sex.MALE
    assert upgrade_legacy("370102850101123") == rid.number


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("110105194912310021", "校验位"),
        ("1101051949123100", "长度"),
        ("1101051949133100" + "2" + check_character("11010519491331002"), "出生日期"),
        ("A1010519491231002X", "数字"),
    ],
)
def test_invalid_ids_are_explained(text, word):
    with pytest.raises(InvalidResidentId) as caught:
        ResidentId.parse(text)
    assert word in caught.value.zh
    assert caught.value.en
    assert text not in str(caught.value)  # never the full number in a message


def test_masked_everywhere():
    rid = ResidentId.parse(VALID)
    assert str(rid) == "1101**********002X"
    assert VALID not in repr(rid)
    assert mask("370102198501011234") == "3701**********1234"


def _random_first17(rng: random.Random) -> str:
    born = dt.date(1984, 1, 1) + dt.timedelta(days=rng.randrange(0, 30_000))
    return "370102" + born.strftime("%Y%m%d") + f"{rng.randrange(1000):03d}"


def test_check_character_agrees_with_stdnum():
    rng = random.Random(7)
    for _ in range(2000):
        first17 = _random_first17(rng)
        assert check_character(first17) == ric.calc_check_digit(first17 + "0")


def test_column_check_agrees_with_stdnum():
    """Shape, birth date and check character agree (the column check does not look up region codes)."""
    rng = random.Random(11)
    numbers = []
    for _ in range(3000):
        first17 = _random_first17(rng)
        last = check_character(first17) if rng.random() < 0.5 else rng.choice("0123456789X")
        numbers.append(first17 + last)
    numbers += ["37010219850230123X", "3701021985", "", "37010219850101123x"]
    flags = pl.DataFrame({"n": numbers}).select(resident_id_is_valid(pl.col("n")))["n"].to_list()
    for number, flag in zip(numbers, flags, strict=True):
        assert flag == ric.is_valid(number), number


def test_region_codes_created_after_birth_are_accepted():
    """临沂 (3713) codes exist since 1994; people born before then were issued them later."""
    first17 = "37130219900101123"
    assert ResidentId.parse(first17 + check_character(first17)).region_code == "371302"


def test_unknown_region_code_is_rejected():
    first17 = "99999919900101123"
    with pytest.raises(InvalidResidentId) as caught:
        ResidentId.parse(first17 + check_character(first17))
    assert "地区码" in caught.value.zh


def test_column_check_on_awkward_columns():
    """Nulls, other lengths, non-ASCII text and impossible dates mixed with valid numbers; and a
    column of valid numbers only (the contiguous fast path). Every flag agrees with stdnum."""

    def whole(first17: str) -> str:
        return first17 + check_character(first17)

    numbers = [
        whole("37010219000229123"),  # 1900 is not a leap year
        whole("37010220000229123"),  # 2000 is
        whole("37010219851301123"),  # month 13
        whole("37010219850100123"),  # day 0
        whole("37010219850431123"),  # 31 April
        whole("37010200000101123"),  # year 0
        None,
        "37010219850101123",  # 17 characters
        "３７０１０２１９８５０１０１１２３Ｘ",  # full-width digits
        "37010219850101123X ",
        whole("37010219991231123"),
    ]
    flags = pl.DataFrame({"n": numbers}, schema={"n": pl.String}).select(resident_id_is_valid(pl.col("n")))
    for number, flag in zip(numbers, flags["n"].to_list(), strict=True):
        assert flag == (number is not None and ric.is_valid(number) and number == number.strip()), number
    valid = [whole(_random_first17(random.Random(seed))) for seed in range(50)]
    assert pl.DataFrame({"n": valid}).select(resident_id_is_valid(pl.col("n")))["n"].all()
