"""The system of record: ORM models of experiments, arms, participants and their data.

No BSN, name or address has a column here: a participant is known by a keyed pseudonym
(:mod:`proeftuin.registry.pseudonym`). Every schema change is an Alembic migration in
``migrations/versions``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dict[str, Any]: JSON, list[str]: JSON}


class Experiment(Base):
    """One trial in one municipality."""

    __tablename__ = "experiments"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    municipality: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(256))
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date] = mapped_column(Date)
    spec: Mapped[dict[str, Any]] = mapped_column(JSON, doc="The declared design, as validated.")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    arms: Mapped[list[Arm]] = relationship(back_populates="experiment", order_by="Arm.id")
    participants: Mapped[list[Participant]] = relationship(back_populates="experiment")


class Arm(Base):
    """A group of an experiment: its components and the benefit regime that applies in it."""

    __tablename__ = "arms"
    __table_args__ = (UniqueConstraint("experiment_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    experiment_id: Mapped[int] = mapped_column(ForeignKey("experiments.id"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    label_nl: Mapped[str] = mapped_column(String(256))
    label_en: Mapped[str] = mapped_column(String(256))
    components: Mapped[list[str]] = mapped_column(JSON)
    regime: Mapped[str] = mapped_column(String(64))
    ratio: Mapped[float] = mapped_column(Float, default=1.0)
    is_control: Mapped[bool] = mapped_column(Boolean, default=False)

    experiment: Mapped[Experiment] = relationship(back_populates="arms")


class Participant(Base):
    """A person enrolled in an experiment, known only by a pseudonym, with baseline covariates."""

    __tablename__ = "participants"
    __table_args__ = (UniqueConstraint("experiment_id", "pseudonym"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    experiment_id: Mapped[int] = mapped_column(ForeignKey("experiments.id"), index=True)
    pseudonym: Mapped[str] = mapped_column(String(64), doc="HMAC-SHA256 of the BSN, hex.")
    enrolled_on: Mapped[dt.date] = mapped_column(Date)
    age: Mapped[int] = mapped_column(Integer)
    sex: Mapped[str] = mapped_column(String(8))
    household: Mapped[str] = mapped_column(String(16))
    months_on_benefit: Mapped[int] = mapped_column(Integer)
    education: Mapped[str] = mapped_column(String(16))
    health: Mapped[float] = mapped_column(Float, doc="Self-rated health at baseline, 0-10.")
    migration_background: Mapped[bool] = mapped_column(Boolean)
    distance_to_labour_market: Mapped[str] = mapped_column(String(16))
    stratum: Mapped[str] = mapped_column(String(128))

    experiment: Mapped[Experiment] = relationship(back_populates="participants")
    assignment: Mapped[Assignment | None] = relationship(back_populates="participant")


class Assignment(Base):
    """The arm a participant was randomized to; one per participant, never changed."""

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), unique=True)
    arm_id: Mapped[int] = mapped_column(ForeignKey("arms.id"), index=True)
    assigned_on: Mapped[dt.date] = mapped_column(Date)
    seed: Mapped[int] = mapped_column(BigInteger)
    algorithm: Mapped[str] = mapped_column(String(32))

    participant: Mapped[Participant] = relationship(back_populates="assignment")
    arm: Mapped[Arm] = relationship()


class OutcomeMonth(Base):
    """One person-month of labour-market records from one source (municipal or CBS)."""

    __tablename__ = "outcome_months"
    __table_args__ = (UniqueConstraint("participant_id", "month", "source"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), index=True)
    month: Mapped[int] = mapped_column(Integer, doc="Months since randomization, 1 = first month.")
    period: Mapped[dt.date] = mapped_column(Date, doc="First day of the calendar month.")
    hours_per_week: Mapped[float] = mapped_column(Float)
    contract: Mapped[str] = mapped_column(String(16), doc="none, temporary or permanent.")
    gross_earnings: Mapped[float] = mapped_column(Float, doc="Gross monthly earnings from work, EUR.")
    on_benefit: Mapped[bool] = mapped_column(Boolean)
    source: Mapped[str] = mapped_column(String(16), default="municipal")


class SurveyResponse(Base):
    """One survey index score (0-10) of one participant in one wave (0 = baseline)."""

    __tablename__ = "survey_responses"
    __table_args__ = (UniqueConstraint("participant_id", "wave", "index_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), index=True)
    wave: Mapped[int] = mapped_column(Integer)
    index_name: Mapped[str] = mapped_column(String(64))
    score: Mapped[float] = mapped_column(Float)


class AnalysisRun(Base):
    """A recorded analysis: what was estimated, with which options, and when."""

    __tablename__ = "analysis_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    experiment_id: Mapped[int | None] = mapped_column(ForeignKey("experiments.id"), nullable=True)
    kind: Mapped[str] = mapped_column(String(64))
    options: Mapped[dict[str, Any]] = mapped_column(JSON)
    summary: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
