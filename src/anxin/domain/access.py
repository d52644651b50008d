"""Who may do what: staff roles and the permission matrix (deny by default).

Every API endpoint and web page names exactly one permission; a user holds one or more roles; a
request is allowed when one of the user's roles grants the permission, and refused otherwise. The
matrix below is the single source: ``docs/security.md`` prints it, and a test walks every endpoint
with every role against it.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    CLERK = "clerk"
    ADJUSTER = "adjuster"
    REVIEWER = "reviewer"
    FINANCE = "finance"
    RISK_OFFICER = "risk_officer"
    AUDITOR = "auditor"
    MANAGER = "manager"
    ADMIN = "admin"


ROLE_NAMES: dict[Role, tuple[str, str]] = {
    Role.CLERK: ("业务员", "clerk"),
    Role.ADJUSTER: ("理算员", "adjuster"),
    Role.REVIEWER: ("审核员", "reviewer"),
    Role.FINANCE: ("财务", "finance"),
    Role.RISK_OFFICER: ("风控专员", "risk officer"),
    Role.AUDITOR: ("稽核员", "auditor"),
    Role.MANAGER: ("管理人员", "manager"),
    Role.ADMIN: ("系统管理员", "administrator"),
}


class Permission(StrEnum):
    DASHBOARD_READ = "dashboard.read"
    PERSONS_READ = "persons.read"
    PERSONS_REVEAL_ID = "persons.reveal_id"
    SETTLEMENTS_READ = "settlements.read"
    PROGRAMS_READ = "programs.read"
    IMPORTS_READ = "imports.read"
    IMPORTS_UPLOAD = "imports.upload"
    CLAIMS_ENTER = "claims.enter"
    RUNS_READ = "runs.read"
    RUNS_START = "runs.start"
    REVIEW_READ = "review.read"
    REVIEW_DECIDE = "review.decide"
    REVIEW_FLAG = "review.flag"
    PAYMENTS_READ = "payments.read"
    PAYMENTS_PAY = "payments.pay"
    PAYMENTS_REVERSE = "payments.reverse"
    REPORTS_READ = "reports.read"
    POLICIES_READ = "policies.read"
    SERVICING_REQUEST = "servicing.request"
    CALLBACKS_RECORD = "callbacks.record"
    AUDIT_READ = "audit.read"
    USERS_MANAGE = "users.manage"


PERMISSION_NAMES: dict[Permission, tuple[str, str]] = {
    Permission.DASHBOARD_READ: ("查看首页指标", "read the dashboard"),
    Permission.PERSONS_READ: ("查询参保人（证件号脱敏）", "search and read persons (ID masked)"),
    Permission.PERSONS_REVEAL_ID: ("查看完整证件号（留痕）", "see a full ID number (audited)"),
    Permission.SETTLEMENTS_READ: ("查看结算与赔付说明", "read settlements and payout explanations"),
    Permission.PROGRAMS_READ: ("查看方案与版本", "read programs and versions"),
    Permission.IMPORTS_READ: ("查看导入与错误报告", "read imports and error reports"),
    Permission.IMPORTS_UPLOAD: ("上传导入文件", "upload import files"),
    Permission.CLAIMS_ENTER: ("登记团体保障理赔（接口、表单）", "enter a group-cover claim (API, form)"),
    Permission.RUNS_READ: ("查看理算批次", "read adjudication runs"),
    Permission.RUNS_START: ("发起理算", "start an adjudication run"),
    Permission.REVIEW_READ: ("查看审核队列", "read the review queue"),
    Permission.REVIEW_DECIDE: ("审核：通过、拒绝、退回", "review: approve, reject, send back"),
    Permission.REVIEW_FLAG: ("标记复核（已通过、未支付的明细）", "flag an approved, unpaid line for review"),
    Permission.PAYMENTS_READ: ("查看支付批次", "read payment batches"),
    Permission.PAYMENTS_PAY: ("生成支付批次", "make a payment batch"),
    Permission.PAYMENTS_REVERSE: ("冲正支付", "reverse a payment"),
    Permission.REPORTS_READ: ("查看与导出报表", "read and export reports"),
    Permission.POLICIES_READ: (
        "查看寿险保单、保全历史与试算",
        "read life policies, their history and quotes",
    ),
    Permission.SERVICING_REQUEST: (
        "受理保全申请（借款、还款、复效、退保等）",
        "enter servicing requests (loan, repayment, reinstatement, surrender…)",
    ),
    Permission.CALLBACKS_RECORD: ("登记新契约回访", "record new-policy callbacks"),
    Permission.AUDIT_READ: ("查看审计日志", "read the audit trail"),
    Permission.USERS_MANAGE: ("管理用户与角色", "manage users and roles"),
}

P = Permission
_READ_CLAIMS = {P.DASHBOARD_READ, P.PERSONS_READ, P.SETTLEMENTS_READ, P.PROGRAMS_READ}

MATRIX: dict[Role, frozenset[Permission]] = {
    Role.CLERK: frozenset(
        _READ_CLAIMS
        | {P.IMPORTS_READ, P.IMPORTS_UPLOAD, P.CLAIMS_ENTER}
        | {P.POLICIES_READ, P.SERVICING_REQUEST, P.CALLBACKS_RECORD}
    ),
    Role.ADJUSTER: frozenset(
        _READ_CLAIMS
        | {P.IMPORTS_READ, P.RUNS_READ, P.RUNS_START, P.REVIEW_READ, P.REVIEW_DECIDE, P.PERSONS_REVEAL_ID}
        | {P.REVIEW_FLAG, P.CLAIMS_ENTER}
    ),
    Role.REVIEWER: frozenset(_READ_CLAIMS | {P.RUNS_READ, P.REVIEW_READ, P.REVIEW_DECIDE, P.REVIEW_FLAG}),
    Role.FINANCE: frozenset(
        {P.DASHBOARD_READ, P.PROGRAMS_READ, P.RUNS_READ, P.PAYMENTS_READ, P.PAYMENTS_PAY}
        | {P.PAYMENTS_REVERSE, P.REPORTS_READ}
    ),
    Role.RISK_OFFICER: frozenset(
        _READ_CLAIMS
        | {P.PERSONS_REVEAL_ID, P.REVIEW_READ, P.REVIEW_FLAG, P.RUNS_READ, P.REPORTS_READ, P.AUDIT_READ}
        | {P.POLICIES_READ}
    ),
    Role.AUDITOR: frozenset(
        _READ_CLAIMS
        | {P.IMPORTS_READ, P.RUNS_READ, P.REVIEW_READ, P.PAYMENTS_READ, P.REPORTS_READ, P.AUDIT_READ}
        | {P.POLICIES_READ}
    ),
    Role.MANAGER: frozenset(
        {P.DASHBOARD_READ, P.PROGRAMS_READ, P.RUNS_READ, P.REVIEW_READ, P.PAYMENTS_READ, P.REPORTS_READ}
        | {P.POLICIES_READ}
    ),
    Role.ADMIN: frozenset({P.DASHBOARD_READ, P.PROGRAMS_READ, P.USERS_MANAGE, P.AUDIT_READ}),
}


def parse_roles(text: str | list[str] | tuple[str, ...]) -> tuple[Role, ...]:
    """Roles from ``"reviewer,finance"`` or a list; unknown names are refused."""
    names = text.split(",") if isinstance(text, str) else list(text)
    roles: list[Role] = []
    for name in (n.strip().lower().replace(" ", "_").replace("-", "_") for n in names):
        if not name:
            continue
        try:
            roles.append(Role(name))
        except ValueError:
            known = ", ".join(r.value for r in Role)
            raise ValueError(f"未知角色 unknown role {name!r}; 可选 known roles: {known}") from None
    if not roles:
        raise ValueError("至少需要一个角色 at least one role is needed")
    return tuple(dict.fromkeys(roles))


def allowed(roles: tuple[Role, ...] | frozenset[Role], permission: Permission) -> bool:
    return any(permission in MATRIX[role] for role in roles)


def permissions_of(roles: tuple[Role, ...]) -> frozenset[Permission]:
    granted: set[Permission] = set()
    for role in roles:
        granted |= MATRIX[role]
    return frozenset(granted)


def matrix_markdown() -> str:
    """The matrix as a Markdown table: one row per permission, one column per role."""
    head = "| 权限 Permission | " + " | ".join(f"{ROLE_NAMES[r][0]} `{r.value}`" for r in Role) + " |"
    rule = "|---|" + "---|" * len(Role)
    rows = [
        f"| {PERMISSION_NAMES[p][0]} / {PERMISSION_NAMES[p][1]} (`{p.value}`) | "
        + " | ".join("✓" if p in MATRIX[r] else "—" for r in Role)
        + " |"
        for p in Permission
    ]
    return "\n".join([head, rule, *rows])
