"""Who am I: the caller's account and permissions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from anxin.domain.access import permissions_of
from anxin.services.users import Staff
from anxin.web.security import signed_in

router = APIRouter(tags=["session 会话"])


class Me(BaseModel):
    username: str
    display_name: str
    roles: list[str]
    permissions: list[str]


@router.get("/me", response_model=Me, summary="当前用户 / the signed-in user")
def me(staff: Annotated[Staff, Depends(signed_in)]) -> Me:
    return Me(
        username=staff.username,
        display_name=staff.display_name,
        roles=[r.value for r in staff.roles],
        permissions=sorted(p.value for p in permissions_of(staff.roles)),
    )
