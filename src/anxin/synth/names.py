"""Plausible Chinese names and mobile numbers, drawn in bulk.

Surnames carry rough Shandong frequencies (per cent of people). Given-name characters differ by sex and
by generation: people born before 1985 are more often 秀英 and 建国, younger ones 欣怡 and 浩宇.
"""

from __future__ import annotations

import numpy as np
import polars as pl

_SURNAMES: dict[str, float] = {
    "王": 9.5, "张": 8.0, "李": 7.6, "刘": 6.8, "孙": 3.3, "杨": 2.6, "赵": 2.5, "陈": 2.4,
    "徐": 2.0, "高": 1.9, "马": 1.7, "于": 1.7, "宋": 1.5, "郭": 1.4, "韩": 1.2, "周": 1.1,
    "朱": 1.1, "姜": 1.0, "吴": 0.9, "魏": 0.9, "丁": 0.8, "曹": 0.8, "崔": 0.8, "董": 0.8,
    "田": 0.8, "石": 0.6, "贾": 0.6, "许": 0.6, "胡": 0.6, "任": 0.6, "孔": 0.5, "邢": 0.5,
    "范": 0.5, "程": 0.5, "侯": 0.5, "梁": 0.5, "闫": 0.5, "吕": 0.5, "郑": 0.5, "黄": 0.5,
    "林": 0.5, "孟": 0.5, "冯": 0.5, "杜": 0.5, "袁": 0.4, "秦": 0.4, "尹": 0.4, "薛": 0.4,
    "牛": 0.4, "付": 0.4, "苏": 0.4, "白": 0.4, "段": 0.3, "谢": 0.3, "沈": 0.3, "房": 0.3,
    "邵": 0.3, "毕": 0.3, "曲": 0.3, "乔": 0.3, "耿": 0.3, "焦": 0.3, "庞": 0.3, "葛": 0.3,
    "卢": 0.3, "何": 0.3, "唐": 0.3, "彭": 0.3, "蒋": 0.3, "姚": 0.3, "商": 0.2, "颜": 0.2,
    "鞠": 0.2, "隋": 0.2, "栾": 0.2, "臧": 0.2, "罗": 0.2, "邓": 0.2, "潘": 0.2, "蔡": 0.2,
    "陆": 0.2, "左": 0.2, "欧阳": 0.03, "诸葛": 0.02, "司马": 0.01,
}  # fmt: skip

#: Given-name characters by (sex, generation): 0 male born < 1985, 1 male later, 2 female < 1985, 3 later.
_GIVEN_POOLS = (
    "建国军民华明强文德福祥林春海宝成忠志庆山永兴广荣金贵平利生东树占义杰良才顺清洪胜伟",
    "浩宇轩博子梓睿一泽航辰俊晨涛鹏磊鑫凯昊然豪杰阳嘉铭晟烨瑞霖飞帆旭毅诚扬宁皓哲",
    "秀英兰桂芳玉凤霞珍梅华荣红云丽琴翠花淑敏萍娟艳静素美春莲爱香",
    "欣怡雨涵梓萱诗琪可佳悦思彤雪婷颖晨馨妍瑶嘉梦心语菲琳倩晴安依月一若",
)
_TWO_CHARACTER_SHARE = (0.68, 0.8, 0.7, 0.82)

_MOBILE_PREFIXES = np.array(
    [130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 150, 151, 152, 153, 155, 156, 157, 158, 159,
     166, 170, 173, 175, 176, 177, 178, 180, 181, 182, 183, 184, 185, 186, 187, 188, 189, 191, 198, 199],
    dtype=np.int64,
)  # fmt: skip

_SURNAME_SERIES = pl.Series(list(_SURNAMES), dtype=pl.String)
_SURNAME_P = np.array(list(_SURNAMES.values())) / sum(_SURNAMES.values())
_GIVEN_SERIES = pl.Series([c for pool in _GIVEN_POOLS for c in pool], dtype=pl.String)
_POOL_LENGTH = np.array([len(p) for p in _GIVEN_POOLS], dtype=np.int64)
_POOL_START = np.concatenate([[0], np.cumsum(_POOL_LENGTH)[:-1]])


def draw_names(rng: np.random.Generator, male: np.ndarray, born_before_1985: np.ndarray) -> pl.Series:
    """One full name per person: surname plus one or two given-name characters."""
    size = len(male)
    pool = np.where(male, 0, 2) + np.where(born_before_1985, 0, 1)
    surname = rng.choice(len(_SURNAME_P), size=size, p=_SURNAME_P)
    first = _POOL_START[pool] + (rng.random(size) * _POOL_LENGTH[pool]).astype(np.int64)
    second = _POOL_START[pool] + (rng.random(size) * _POOL_LENGTH[pool]).astype(np.int64)
    two = rng.random(size) < np.asarray(_TWO_CHARACTER_SHARE)[pool]
    frame = pl.DataFrame(
        {
            "surname": _SURNAME_SERIES.gather(surname),
            "first": _GIVEN_SERIES.gather(first),
            "second": _GIVEN_SERIES.gather(second),
            "two": two,
        }
    )
    return frame.select(
        pl.concat_str(
            "surname", "first", pl.when("two").then("second").otherwise(pl.lit("")), separator=""
        ).alias("name")
    ).to_series()


def draw_mobile_numbers(rng: np.random.Generator, size: int) -> pl.Series:
    """11-digit mainland mobile numbers (a real carrier prefix and eight random digits)."""
    prefix = _MOBILE_PREFIXES[rng.integers(0, len(_MOBILE_PREFIXES), size)]
    number = prefix * 100_000_000 + rng.integers(0, 100_000_000, size)
    return pl.Series("phone", number, dtype=pl.Int64).cast(pl.String)
