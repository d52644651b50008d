"""The shipped programs: each with its versions by effective date, their sources (文号), parameters
and parameter hashes, so a result's version and hash can be traced to the rule it used."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from anxin.domain.access import Permission as P
from anxin.services import program_catalogue as catalogue
from anxin.services.program_lookup import shipped_program
from anxin.services.users import Staff
from anxin.web.api.common import ERRORS, Page, PageParams, ProgramPath
from anxin.web.security import require

router = APIRouter(prefix="/programs", tags=["programs 项目"], responses=ERRORS)


class SourceOut(BaseModel):
    title: str
    issuer: str
    reference: str = Field(description="文号 / the document's reference")
    published: dt.date | None
    url: str
    confirmed: bool
    note: str


class ParameterOut(BaseModel):
    key: str
    label_zh: str
    label_en: str
    value_zh: str
    value_en: str


class VersionOut(BaseModel):
    version: str
    effective_from: dt.date
    effective_to: dt.date | None = Field(description="最新版本为空 / none for the latest version")
    parameter_hash: str
    confirmed: bool
    source: SourceOut
    parameters: list[ParameterOut]
    deductible_fen: int | None = Field(description="仅大病保险 / critical illness only")
    cap_fen: int | None = Field(description="不封顶时为空 / none when there is no cap")
    parameters_raw: dict[str, Any] = Field(description="参数，写法同程序文件 / as written in the file")


class ProgramOut(BaseModel):
    code: str
    name_zh: str
    name_en: str
    kind: str
    kind_zh: str
    funder: str
    funder_zh: str
    population: str
    region: str
    year_starts: str
    counts_by: str
    counts_by_zh: str
    latest_version: str
    latest_effective_from: dt.date
    latest_parameter_hash: str
    versions: int


class ProgramDetailOut(ProgramOut):
    version_list: list[VersionOut]


def _program(info: catalogue.ProgramInfo) -> ProgramOut:
    fields = {k: v for k, v in vars(info).items() if k != "versions"}
    return ProgramOut(
        **fields,
        latest_version=info.latest.version,
        latest_effective_from=info.latest.effective_from,
        latest_parameter_hash=info.latest.parameter_hash,
        versions=len(info.versions),
    )


@router.get("", response_model=Page[ProgramOut], summary="项目 / programs")
def programs(
    request: Request, staff: Annotated[Staff, require(P.PROGRAMS_READ)], paging: PageParams
) -> Page[ProgramOut]:
    return paging.slice([_program(info) for info in catalogue.catalogue()])


@router.get("/{code}", response_model=ProgramDetailOut, summary="项目详情 / one program and its versions")
def program(
    code: ProgramPath, request: Request, staff: Annotated[Staff, require(P.PROGRAMS_READ)]
) -> ProgramDetailOut:
    """各版本的生效日期、依据、参数与参数指纹 / each version's dates, source, parameters and hash."""
    loaded = shipped_program(code)
    info = catalogue.program_info(loaded)
    versions = []
    for version, raw in zip(info.versions, loaded.versions, strict=True):
        parameters = catalogue.version_parameters(loaded, version.version)
        versions.append(
            VersionOut(
                version=version.version,
                effective_from=version.effective_from,
                effective_to=version.effective_to,
                parameter_hash=version.parameter_hash,
                confirmed=version.confirmed,
                source=SourceOut(**vars(version.source)),
                parameters=[
                    ParameterOut(
                        key=p.key,
                        label_zh=p.label_zh,
                        label_en=p.label_en,
                        value_zh=p.value("zh"),
                        value_en=p.value("en"),
                    )
                    for p in parameters
                ],
                deductible_fen=getattr(raw.parameters, "deductible", None),
                cap_fen=getattr(raw.parameters, "cap", None),
                parameters_raw=raw.parameters.model_dump(mode="json"),
            )
        )
    return ProgramDetailOut(**_program(info).model_dump(), version_list=versions)
