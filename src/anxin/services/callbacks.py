"""New-policy callbacks (新契约回访) on the database: tasks opened by the daily run, calls recorded by
staff, the follow-up lists.

The daily run (:mod:`anxin.services.servicing_run`) opens, set-based and idempotently, one task for
every active policy of a product over one year that is inside its cooling-off period that day
(:func:`open_callback_tasks`), and closes the open tasks of policies that have ended
(:func:`close_ended_callback_tasks`). A recorded call (:func:`record_callback`, audited) confirming
all seven points makes the task done; a call with any point unconfirmed is counted as an attempt and
the task stays open with the points missing. Overdue: open after its due day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from anxin.domain.errors import Conflict, InvalidInput, NotFound
from anxin.domain.life.callbacks import (
    CONFIRMATION_COLUMNS,
    CallbackChannel,
    CallbackStatus,
    checked_confirmations,
    is_overdue,
    missing_confirmations,
    needs_callback,
)
from anxin.domain.life.policy import PolicyStatus
from anxin.domain.life.products import LifeProduct
from anxin.store.audit import record
from anxin.store.database import Database
from anxin.store.schema import CallbackTask, LifePolicy
from anxin.store.schema.base import utc_now

ACTIVE = [s.value for s in PolicyStatus if s.active]


@dataclass(frozen=True)
class CallbackTaskView:
    policy_no: str
    region_code: str
    product_code: str
    opened_on: dt.date
    due_on: dt.date
    status: str
    channel: str | None
    done_on: dt.date | None
    attempts: int
    #: Each of the seven points as last recorded.
    confirmations: dict[str, bool]
    closed_reason: str
    recorded_by: str

    @property
    def missing(self) -> list[str]:
        """The points not confirmed by the last call (all seven before any call)."""
        return missing_confirmations(self.confirmations)

    def overdue(self, day: dt.date) -> bool:
        return is_overdue(self.status, self.due_on, day)


def _plus_days(connection: Connection, column: sa.ColumnElement[dt.date], days: int) -> sa.ColumnElement:
    """``column`` + ``days`` days, in the connection's SQL."""
    if connection.dialect.name == "sqlite":
        return sa.func.date(column, f"+{days} days")
    return column + sa.literal(days, sa.Integer)


def open_callback_tasks(connection: Connection, day: dt.date, products: Iterable[LifeProduct]) -> int:
    """Open a task (``opened_on`` = ``day``, due on the last day of cooling-off) for every active
    policy of a product over one year, received on or before ``day`` and inside its cooling-off
    period on ``day``, that has none. One ``INSERT … SELECT`` per cooling-off length; run again, it
    opens nothing. Returns how many were opened."""
    by_days: dict[int, list[str]] = {}
    for product in products:
        if needs_callback(product):
            by_days.setdefault(product.cooling_off.days, []).append(product.code)
    policies, tasks = LifePolicy.__table__, CallbackTask.__table__
    now = utc_now()
    opened = 0
    for days, codes in sorted(by_days.items()):
        select = sa.select(
            policies.c.id,
            sa.literal(day, sa.Date),
            _plus_days(connection, policies.c.received_on, days),
            sa.literal(CallbackStatus.OPEN.value, sa.String),
            sa.literal(0, sa.Integer),
            *(sa.literal(False, sa.Boolean) for _ in CONFIRMATION_COLUMNS),
            sa.literal("", sa.String),
            sa.literal("", sa.String),
            sa.literal(now, CallbackTask.created_at.type),
            sa.literal(now, CallbackTask.updated_at.type),
        ).where(
            policies.c.product_code.in_(codes),
            policies.c.status.in_(ACTIVE),
            policies.c.received_on <= day,
            policies.c.received_on >= day - dt.timedelta(days=days),
            ~sa.exists().where(tasks.c.policy_id == policies.c.id),
        )
        columns = ["policy_id", "opened_on", "due_on", "status", "attempts", *CONFIRMATION_COLUMNS,
                   "closed_reason", "recorded_by", "created_at", "updated_at"]  # fmt: skip
        statement = sa.insert(tasks).from_select(columns, select, include_defaults=False)
        result = connection.execute(statement.execution_options(preserve_rowcount=True))
        opened += max(result.rowcount or 0, 0)
    return opened


def close_callback_task(connection: Connection, policy_id: int, reason: str, now: dt.datetime) -> bool:
    """Close the policy's open task, if any, for ``reason`` (a cancellation, a surrender: the request
    that ended the policy, in its transaction); whether one was closed."""
    closed = connection.execute(
        sa.update(CallbackTask)
        .where(CallbackTask.policy_id == policy_id, CallbackTask.status == CallbackStatus.OPEN.value)
        .values(status=CallbackStatus.CLOSED.value, closed_reason=reason, updated_at=now)
    )
    return bool(closed.rowcount)


def close_ended_callback_tasks(connection: Connection, day: dt.date) -> int:
    """Close the open tasks of policies no longer active (cancelled in cooling-off, surrendered,
    terminated); the reason is the policy's status. Returns how many were closed."""
    policies, tasks = LifePolicy.__table__, CallbackTask.__table__
    status = sa.select(policies.c.status).where(policies.c.id == tasks.c.policy_id).scalar_subquery()
    ended = sa.select(policies.c.id).where(policies.c.status.not_in(ACTIVE))
    result = connection.execute(
        sa.update(tasks)
        .where(tasks.c.status == CallbackStatus.OPEN.value, tasks.c.policy_id.in_(ended))
        .values(status=CallbackStatus.CLOSED.value, closed_reason=status, updated_at=utc_now())
    )
    return max(result.rowcount or 0, 0)


def _columns() -> list:  # type: ignore[type-arg]
    return [
        LifePolicy.policy_no, LifePolicy.region_code, LifePolicy.product_code, CallbackTask.opened_on,
        CallbackTask.due_on, CallbackTask.status, CallbackTask.channel, CallbackTask.done_on,
        CallbackTask.attempts, *(getattr(CallbackTask, c) for c in CONFIRMATION_COLUMNS),
        CallbackTask.closed_reason, CallbackTask.recorded_by,
    ]  # fmt: skip


def _view(row: sa.Row) -> CallbackTaskView:  # type: ignore[type-arg]
    values = row._mapping
    return CallbackTaskView(
        policy_no=values["policy_no"], region_code=values["region_code"], product_code=values["product_code"],
        opened_on=values["opened_on"], due_on=values["due_on"], status=values["status"],
        channel=values["channel"], done_on=values["done_on"], attempts=values["attempts"],
        confirmations={c: bool(values[c]) for c in CONFIRMATION_COLUMNS},
        closed_reason=values["closed_reason"], recorded_by=values["recorded_by"],
    )  # fmt: skip


def _joined() -> sa.Select:  # type: ignore[type-arg]
    return sa.select(*_columns()).join(LifePolicy, LifePolicy.id == CallbackTask.policy_id)


def callback_task(db: Database, policy_no: str) -> CallbackTaskView | None:
    """The policy's callback task, or ``None`` (no such policy, or no task)."""
    with db.engine.connect() as connection:
        row = connection.execute(_joined().where(LifePolicy.policy_no == policy_no)).first()
    return _view(row) if row is not None else None


def callback_tasks(
    db: Database,
    *,
    status: str | None = None,
    overdue_on: dt.date | None = None,
    region: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[CallbackTaskView], int]:
    """A page of tasks by due day (then policy number) and how many there are in all. ``overdue_on``:
    the tasks open and due before that day; ``region``: policies whose region code starts with it."""
    if status is not None and status not in {s.value for s in CallbackStatus}:
        allowed = ", ".join(s.value for s in CallbackStatus)
        raise InvalidInput(
            f"回访状态无效：{status}（可用：{allowed}）",
            f"not a callback status: {status} (allowed: {allowed})",
        )
    conditions = []
    if status is not None:
        conditions.append(CallbackTask.status == status)
    if overdue_on is not None:
        conditions += [CallbackTask.status == CallbackStatus.OPEN.value, CallbackTask.due_on < overdue_on]
    if region:
        conditions.append(LifePolicy.region_code.startswith(region, autoescape=True))
    with db.engine.connect() as connection:
        total = connection.execute(
            sa.select(sa.func.count()).select_from(CallbackTask)
            .join(LifePolicy, LifePolicy.id == CallbackTask.policy_id).where(*conditions)
        ).scalar_one()  # fmt: skip
        rows = connection.execute(
            _joined().where(*conditions).order_by(CallbackTask.due_on, LifePolicy.policy_no)
            .limit(max(limit, 0)).offset(max(offset, 0))
        ).all()  # fmt: skip
    return [_view(r) for r in rows], total


def record_callback(
    db: Database,
    policy_no: str,
    *,
    channel: CallbackChannel,
    confirmations: Mapping[str, bool],
    day: dt.date,
    actor: str,
) -> CallbackTaskView:
    """Record a call on the policy's open task: all seven points confirmed → done on ``day``; any
    point unconfirmed → an attempt, the task stays open with the points missing. Audited."""
    try:
        channel = CallbackChannel(channel)
    except ValueError:
        allowed = ", ".join(c.value for c in CallbackChannel)
        raise InvalidInput(
            f"回访方式无效：{channel}（可用：{allowed}）",
            f"not a callback channel: {channel} (allowed: {allowed})",
        ) from None
    answers = checked_confirmations(confirmations)
    missing = missing_confirmations(answers)
    with db.session() as session, session.begin():
        found = session.execute(
            sa.select(CallbackTask, LifePolicy.received_on)
            .join(LifePolicy, LifePolicy.id == CallbackTask.policy_id)
            .where(LifePolicy.policy_no == policy_no).with_for_update(of=CallbackTask)
        ).first()  # fmt: skip
        if found is None:
            raise NotFound(
                f"保单 {policy_no} 没有回访任务",
                f"policy {policy_no} has no callback task",
                code="no_callback_task",
            )
        task, received_on = found
        if task.status != CallbackStatus.OPEN:
            raise Conflict(
                f"保单 {policy_no} 的回访任务状态为「{CallbackStatus(task.status).label_zh}」，不能再记录回访",
                f"the callback task of policy {policy_no} is {task.status}; no call can be recorded",
                code="callback_not_open",
            )
        if day < received_on:
            raise InvalidInput(
                f"回访日 {day} 早于保单签收日 {received_on}",
                f"the callback day {day} is before the policy was received ({received_on})",
            )
        before = {"status": task.status, "attempts": task.attempts}
        for column, value in answers.items():
            setattr(task, column, value)
        task.attempts += 1
        task.channel = channel.value
        task.recorded_by = actor
        task.updated_at = utc_now()
        if not missing:
            task.status = CallbackStatus.DONE.value
            task.done_on = day
        record(
            session, actor=actor, action="callback_recorded", entity="callback_task", entity_id=policy_no,
            before=before,
            after={"status": task.status, "attempts": task.attempts, "channel": channel.value,
                   "day": day.isoformat(), "missing": missing},
        )  # fmt: skip
    view = callback_task(db, policy_no)
    assert view is not None
    return view
