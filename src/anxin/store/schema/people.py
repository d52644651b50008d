"""Insured persons, their households and groups, registered vulnerable status, and enrolments."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Index, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from anxin.store.schema.base import Base, Fen, Id, Timestamp, utc_now


class Household(Base):
    __tablename__ = "households"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    region_code: Mapped[str] = mapped_column(String(12), default="")


class Group(Base):
    """A village, school, employer or other unit people are enrolled through."""

    __tablename__ = "groups"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    region_code: Mapped[str] = mapped_column(String(12), default="")


class Person(Base):
    """An insured person. The ID number is kept only encrypted (AES-GCM), with a keyed hash for
    look-up and its masked form for display."""

    __tablename__ = "persons"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    id_hash: Mapped[str] = mapped_column(String(64), unique=True)
    id_cipher: Mapped[bytes] = mapped_column(LargeBinary)
    id_masked: Mapped[str] = mapped_column(String(18))
    psn_no: Mapped[str | None] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    sex: Mapped[str] = mapped_column(String(6))
    birth_date: Mapped[dt.date] = mapped_column(Date)
    phone: Mapped[str] = mapped_column(String(20), default="")
    address: Mapped[str] = mapped_column(String(200), default="")
    region_code: Mapped[str] = mapped_column(String(12), default="")
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"))
    created_at: Mapped[dt.datetime] = mapped_column(Timestamp, default=utc_now)

    __table_args__ = (Index("ix_persons_region_code", "region_code"), Index("ix_persons_name", "name"))


class GroupMember(Base):
    __tablename__ = "group_members"
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), primary_key=True)


class VulnerableStatus(Base):
    """A registration as 特困, 低保, 返贫致贫 … valid from a day, until a day or open."""

    __tablename__ = "vulnerable_statuses"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    group_code: Mapped[str] = mapped_column(String(40))
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(200), default="")

    __table_args__ = (UniqueConstraint("person_id", "group_code", "valid_from"),)


class Enrollment(Base):
    """A person's cover in a program year: who pays, how much, from when to when."""

    __tablename__ = "enrollments"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    program_code: Mapped[str] = mapped_column(String(64))
    year: Mapped[int]
    funder: Mapped[str] = mapped_column(String(40))
    premium_fen: Mapped[int] = mapped_column(Fen, default=0)
    covered_from: Mapped[dt.date] = mapped_column(Date)
    covered_to: Mapped[dt.date] = mapped_column(Date)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"))
    #: Units held (份) where a program sells cover by the unit (specified disease); null: one.
    units: Mapped[int | None]

    __table_args__ = (
        UniqueConstraint("person_id", "program_code", "year"),
        Index("ix_enrollments_program_year", "program_code", "year"),
    )
