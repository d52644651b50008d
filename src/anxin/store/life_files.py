"""Reading life product files (``products/*.toml``) and relief campaign files (``campaigns/*.toml``).

Errors name the file, the key and the reason, in Chinese and English; a folder with two files of the
same code is refused.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from anxin.domain.errors import InvalidProgram
from anxin.domain.life.products import LifeProduct, parse_product
from anxin.domain.life.relief import ReliefCampaign, parse_campaign

_ROOT = Path(__file__).resolve().parents[3]
#: The life products shipped with Anxin.
PRODUCTS_DIR = _ROOT / "products"
#: The relief campaigns shipped with Anxin.
CAMPAIGNS_DIR = _ROOT / "campaigns"

T = TypeVar("T", LifeProduct, ReliefCampaign)


def _read(path: Path, what_zh: str, what_en: str) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidProgram(f"找不到{what_zh}文件：{path}", f"{what_en} file not found: {path}") from None
    try:
        return tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidProgram(
            f"{path.name}: TOML 格式错误：{exc}", f"{path.name}: not valid TOML: {exc}"
        ) from None


def load_product(path: str | Path) -> LifeProduct:
    path = Path(path)
    return parse_product(_read(path, "产品", "product"), source_name=path.name)


def load_campaign(path: str | Path) -> ReliefCampaign:
    path = Path(path)
    return parse_campaign(_read(path, "救助活动", "relief campaign"), source_name=path.name)


def _all(directory: Path, load: Callable[[Path], T]) -> dict[str, T]:
    found: dict[str, T] = {}
    for path in sorted(directory.glob("*.toml")):
        item = load(path)
        if item.code in found:
            raise InvalidProgram(
                f"代码重复：{item.code}（{path.name}）", f"duplicate code {item.code} ({path.name})"
            )
        found[item.code] = item
    return found


def shipped_products(directory: Path = PRODUCTS_DIR) -> dict[str, LifeProduct]:
    return _all(directory, load_product)


def shipped_campaigns(directory: Path = CAMPAIGNS_DIR) -> dict[str, ReliefCampaign]:
    return _all(directory, load_campaign)


def products_or_shipped(products: Iterable[LifeProduct] | None) -> list[LifeProduct]:
    """The products given (a test's, a trial's), or else the shipped catalogue."""
    return list(products if products is not None else shipped_products().values())


def campaigns_or_shipped(campaigns: Iterable[ReliefCampaign] | None) -> list[ReliefCampaign]:
    """The relief campaigns given, or else the shipped ones."""
    return list(campaigns if campaigns is not None else shipped_campaigns().values())
