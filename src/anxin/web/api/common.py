"""What every API area shares: pages of results, path parameters, money fields, documented errors.

Lists take ``limit`` (default 50, at most 200) and ``offset`` and answer ``{items, total, limit,
offset}``. Money is whole fen in fields named ``*_fen``, with the exact yuan text beside it in
``*_yuan`` where people read it. Identifiers in paths are positive 64-bit integers; years are
between 1990 and 2100, so no generated value can overflow the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Path, Query, Response
from pydantic import BaseModel, Field

from anxin.domain.money import format_yuan

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"
MAX_LIMIT = 200
MAX_ID = 2**63 - 1
MAX_OFFSET = 10**9
PROGRAM_CODE = r"^[a-z][a-z0-9-]{1,63}$"
T = TypeVar("T")


class ErrorDetail(BaseModel):
    code: str = Field(description="稳定的错误代码 / a stable error code")
    message: str = Field(description="中文说明 / the message in Chinese")
    message_en: str = Field(description="英文说明 / the message in English")


class ErrorBody(BaseModel):
    error: ErrorDetail


def _error(zh: str, en: str) -> dict[str, Any]:
    return {"model": ErrorBody, "description": f"{zh} / {en}"}


#: The errors any endpoint may answer, for the OpenAPI document.
ERRORS: dict[int | str, dict[str, Any]] = {
    400: _error("业务规则不允许", "refused by a business rule"),
    401: _error("未登录", "not signed in"),
    403: _error("无此权限", "the signed-in user lacks the permission"),
    404: _error("未找到", "not found"),
    409: _error("与当前状态冲突", "conflicts with the current state"),
    422: _error("请求内容不符合要求", "the request is not valid"),
    428: _error("缺少 Idempotency-Key 请求头", "an Idempotency-Key header is needed"),
}


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int = Field(description="符合条件的总数 / how many match in all")
    limit: int
    offset: int


@dataclass(frozen=True)
class Paging:
    limit: int
    offset: int

    def page(self, items: list[T], total: int) -> Page[T]:
        return Page(items=items, total=total, limit=self.limit, offset=self.offset)

    def slice(self, items: list[T]) -> Page[T]:
        """A page cut from a list already in memory."""
        return self.page(items[self.offset : self.offset + self.limit], len(items))


def _paging(
    limit: Annotated[
        int, Query(ge=1, le=MAX_LIMIT, description="每页条数，最多 200 / items per page, at most 200")
    ] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="跳过条数 / items to skip")] = 0,
) -> Paging:
    return Paging(limit, offset)


PageParams = Annotated[Paging, Depends(_paging)]
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
Year = Annotated[int, Path(ge=1990, le=2100)]
ProgramPath = Annotated[str, Path(pattern=PROGRAM_CODE, description="项目代码 / program code")]
Lang = Annotated[str, Query(pattern="^(zh|en)$", description="zh 中文 | en English")]


def yuan(fen: int | None) -> str | None:
    """Fen as exact yuan text without separators (``123456`` → ``"1234.56"``)."""
    return None if fen is None else format_yuan(fen, grouping=False)


def download(content: bytes, name: str) -> Response:
    """A file to save (``Content-Disposition: attachment``), typed by ``name``'s suffix: ``.xlsx``
    or ``.csv`` (UTF-8). ``name`` is built by the caller from codes and numbers only."""
    media_type = XLSX if name.endswith(".xlsx") else CSV
    return Response(
        content, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


def download_responses(description: str, *media_types: str) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI ``responses`` of a download endpoint (XLSX unless ``media_types`` are given)."""
    return {200: {"content": {m: {} for m in media_types or (XLSX,)}, "description": description}}
