"""Imports of persons, settlements and claims files (团体意外与健康 / 特定疾病, with their program) and
of the long-term care registers (失能评估 ``care_assessments``, 护理机构 ``care_providers``) and care bills
(``care_bills``, with their long-term care program): upload, list, one import, its problems and the
error report as XLSX or CSV.

An upload is validated whole and imported all or nothing. A file with problems is not an error of
the request: the answer is the import's id with ``status: "rejected"`` and its problem count, and
the problems (row, column, masked value, reason in Chinese and English) are listed at
``/imports/{id}/problems`` and downloadable as a file. The same file again changes nothing
(``status: "already_imported"``, 200).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Query, Request, Response, UploadFile
from pydantic import BaseModel

from anxin.domain.access import Permission as P
from anxin.services import uploads
from anxin.services.users import Staff
from anxin.web.api.common import (
    CSV,
    ERRORS,
    PROGRAM_CODE,
    IdPath,
    Page,
    PageParams,
    download,
    download_responses,
)
from anxin.web.security import database, require

router = APIRouter(prefix="/imports", tags=["imports 导入"], responses=ERRORS)

Kind = Literal["persons", "settlements", "claims", "care_assessments", "care_providers", "care_bills"]


class UploadOut(BaseModel):
    import_id: int | None
    kind: str
    status: str
    file_name: str
    rows: int
    inserted: int
    unchanged: int
    problems: int
    note_zh: str
    note_en: str


class ImportOut(BaseModel):
    id: int
    kind: str
    file_name: str
    status: str
    rows: int
    inserted: int
    unchanged: int
    problems: int
    actor: str
    started_at: dt.datetime
    finished_at: dt.datetime | None


class ProblemOut(BaseModel):
    row: int
    column: str
    value: str
    reason_zh: str
    reason_en: str


@router.post(
    "",
    response_model=UploadOut,
    status_code=201,
    summary="上传导入文件 / upload a file to import",
    responses={200: {"model": UploadOut, "description": "该文件已导入过 / already imported"}},
)
def upload(
    request: Request,
    response: Response,
    staff: Annotated[Staff, require(P.IMPORTS_UPLOAD)],
    file: Annotated[UploadFile, File(description="CSV、XLSX 或 Parquet / CSV, XLSX or Parquet")],
    kind: Annotated[Kind, Form()],
    program: Annotated[
        str | None,
        Form(
            pattern=PROGRAM_CODE,
            description="参保人、理赔、护理账单导入须填（理赔：团体意外与健康或特定疾病方案；护理账单："
            "长期护理保险方案）/ for persons, claims (a group accident or specified-disease program) and "
            "care bills (a long-term care program)",
        ),
    ] = None,
    year: Annotated[int | None, Form(ge=1990, le=2100, description="参保人导入须填 / for persons")] = None,
) -> UploadOut:
    """保存到数据目录后整体校验、全部导入或全部不导入；有错误时返回批次号与错误数（status=rejected）。
    Saved under the data folder, then imported all or nothing; a file with problems answers its
    import id and problem count (status=rejected)."""
    outcome = uploads.upload(
        database(request),
        file.filename or "",
        file.file,
        kind=kind,
        actor=staff.username,
        program_code=program,
        year=year,
    )
    if outcome.status == "already_imported":
        response.status_code = 200
    return UploadOut(**vars(outcome))


@router.get("", response_model=Page[ImportOut], summary="导入批次 / imports")
def list_imports(
    request: Request,
    staff: Annotated[Staff, require(P.IMPORTS_READ)],
    paging: PageParams,
    kind: Annotated[Kind | None, Query()] = None,
    status: Annotated[Literal["completed", "rejected"] | None, Query()] = None,
) -> Page[ImportOut]:
    """最新的在前 / newest first."""
    rows, total = uploads.list_imports(
        database(request), kind=kind, status=status, limit=paging.limit, offset=paging.offset
    )
    return paging.page([ImportOut(**vars(r)) for r in rows], total)


@router.get("/{import_id}", response_model=ImportOut, summary="导入批次详情 / one import")
def import_detail(
    import_id: IdPath, request: Request, staff: Annotated[Staff, require(P.IMPORTS_READ)]
) -> ImportOut:
    return ImportOut(**vars(uploads.import_row(database(request), import_id)))


@router.get(
    "/{import_id}/problems", response_model=Page[ProblemOut], summary="导入错误 / an import's problems"
)
def problems(
    import_id: IdPath,
    request: Request,
    staff: Annotated[Staff, require(P.IMPORTS_READ)],
    paging: PageParams,
) -> Page[ProblemOut]:
    """按行号排列；值已脱敏 / in row order; values masked."""
    rows, total = uploads.problems_page(
        database(request), import_id, limit=paging.limit, offset=paging.offset
    )
    return paging.page([ProblemOut(**vars(r)) for r in rows], total)


@router.get(
    "/{import_id}/problems.xlsx",
    response_class=Response,
    responses=download_responses("错误报告 / the error report"),
    summary="错误报告（Excel）/ the error report as XLSX",
)
def problems_xlsx(
    import_id: IdPath, request: Request, staff: Annotated[Staff, require(P.IMPORTS_READ)]
) -> Response:
    content = uploads.problems_file(database(request), import_id, "xlsx")
    return download(content, f"import-{import_id}-problems.xlsx")


@router.get(
    "/{import_id}/problems.csv",
    response_class=Response,
    responses=download_responses("错误报告 / the error report", CSV),
    summary="错误报告（CSV）/ the error report as CSV",
)
def problems_csv(
    import_id: IdPath, request: Request, staff: Annotated[Staff, require(P.IMPORTS_READ)]
) -> Response:
    content = uploads.problems_file(database(request), import_id, "csv")
    return download(content, f"import-{import_id}-problems.csv")
