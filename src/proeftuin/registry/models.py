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
    plan: Mapped[dict[str, Any] | None] = mapped_column(
        JSON, nullable=True, doc="The trial plan (randomization, eligibility, consent, survey); 0002."
    )
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    status: Mapped[str] = mapped_column(
        String(16), default="draft", server_default="recruiting", doc="Lifecycle state (registry.lifecycle.TrialState); 0006."
    )

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
    age: Mapped[int] = mapped_column(Integer, doc="Age at enrolment (the benefit rules need it).")
    household: Mapped[str] = mapped_column(String(16), doc="Household type (the benefit rules need it).")
    covariates: Mapped[dict[str, Any]] = mapped_column(
        JSON, doc="The plan's other declared baseline covariates, by name, as validated against the plan; 0005."
    )
    stratum: Mapped[str] = mapped_column(String(128))
    case_manager: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True, doc="User name; 0002.")
    cluster: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True, doc="Household pseudonym; 0002.")
    youngest_child_age: Mapped[int | None] = mapped_column(
        Integer, nullable=True, doc="Age of the youngest child of a single parent (art. 31 lid 2 r); 0004."
    )
    chosen_arm: Mapped[str | None] = mapped_column(
        String(64), nullable=True, doc="In a choice arm: the code of the treatment arm the participant chose; 0005."
    )
    team: Mapped[str | None] = mapped_column(
        String(64), nullable=True, index=True, doc="Case-manager team, where the plan clusters by team; 0005."
    )

    experiment: Mapped[Experiment] = relationship(back_populates="participants")
    assignment: Mapped[Assignment | None] = relationship(back_populates="participant")

    def baseline(self) -> dict[str, Any]:
        """Every declared baseline covariate of this participant, by name (age and household included)."""
        return baseline_covariates(self.age, self.household, self.covariates)


def baseline_covariates(age: int, household: str, covariates: dict[str, Any]) -> dict[str, Any]:
    """A participant's declared baseline covariates by name, from the columns that hold them (also for rows read without the ORM)."""
    return {"age": age, "household": household, **covariates}


class Assignment(Base):
    """The arm a participant was randomized to; one per participant, never changed."""

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), unique=True)
    arm_id: Mapped[int] = mapped_column(ForeignKey("arms.id"), index=True)
    assigned_on: Mapped[dt.date] = mapped_column(Date)
    seed: Mapped[int] = mapped_column(BigInteger)
    algorithm: Mapped[str] = mapped_column(String(32))
    sequence: Mapped[int | None] = mapped_column(Integer, nullable=True, doc="Order of randomization, from 1; 0002.")
    batch: Mapped[int | None] = mapped_column(Integer, nullable=True, doc="Batch number of batch methods; 0002.")

    participant: Mapped[Participant] = relationship(back_populates="assignment")
    arm: Mapped[Arm] = relationship()


class OutcomeMonth(Base):
    """One person-month of labour-market records from one source (municipal or CBS)."""

    __tablename__ = "outcome_months"
    __table_args__ = (UniqueConstraint("participant_id", "month", "source"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"))  # indexed by the unique key it leads; 0010
    month: Mapped[int] = mapped_column(Integer, doc="Months since randomization, 1 = first month.")
    period: Mapped[dt.date] = mapped_column(Date, doc="First day of the calendar month.")
    hours_per_week: Mapped[float] = mapped_column(Float)
    contract: Mapped[str] = mapped_column(String(16), doc="none, temporary or permanent.")
    gross_earnings: Mapped[float] = mapped_column(Float, doc="Gross monthly earnings from work, EUR.")
    on_benefit: Mapped[bool] = mapped_column(Boolean)
    source: Mapped[str] = mapped_column(String(16), default="municipal")
    import_id: Mapped[int | None] = mapped_column(ForeignKey("imports.id"), nullable=True, index=True)


class OwnOutcomeMonth(Base):
    """One person-month value of an outcome of the trial's own plan (``outcomes.own``), from one source.

    A long table (one row per person, month, source and outcome) so that trials without outcomes of
    their own store nothing; 0009.
    """

    __tablename__ = "own_outcome_months"
    __table_args__ = (UniqueConstraint("participant_id", "month", "source", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"))  # indexed by the unique key it leads; 0010
    month: Mapped[int] = mapped_column(Integer, doc="Months since randomization, 1 = first month.")
    period: Mapped[dt.date] = mapped_column(Date, doc="First day of the calendar month.")
    source: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(64), doc="The own outcome's name in the plan.")
    value: Mapped[float] = mapped_column(Float)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("imports.id"), nullable=True, index=True)


class SurveyResponse(Base):
    """One survey index score (0-10) of one participant in one wave (0 = baseline)."""

    __tablename__ = "survey_responses"
    __table_args__ = (UniqueConstraint("participant_id", "wave", "index_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"))  # indexed by the unique key it leads; 0010
    wave: Mapped[int] = mapped_column(Integer)
    index_name: Mapped[str] = mapped_column(String(64))
    score: Mapped[float] = mapped_column(Float)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("imports.id"), nullable=True, index=True)


class AnalysisRun(Base):
    """A recorded analysis: what was estimated, with which options, and when."""

    __tablename__ = "analysis_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    experiment_id: Mapped[int | None] = mapped_column(ForeignKey("experiments.id"), nullable=True)
    kind: Mapped[str] = mapped_column(String(64))
    options: Mapped[dict[str, Any]] = mapped_column(JSON)
    summary: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


# --- Running a real trial: users, sealed allocation, consent, audit, imports, services -----------
# (Added with migration 0002. Existing tables gained only nullable columns.)


class User(Base):
    """A person who acts on the registry, with one role (see :mod:`proeftuin.registry.roles`)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    password_hash: Mapped[str | None] = mapped_column(String(256), nullable=True, doc="argon2 hash for the web app; 0003.")
    session_generation: Mapped[int] = mapped_column(
        Integer, server_default="0", default=0,
        doc="Carried by every web session and bearer token; raised at logout or a new password, which ends them all; 0007.")


class LoginFailure(Base):
    """One failed web login, kept for the throttling window (shared by every worker process; 0007).

    The account is stored as the SHA-256 of the name typed (a password typed into the name field
    is not kept in clear); the address is the client's as the app sees it (behind a trusted proxy,
    the forwarded one).
    """

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[float] = mapped_column(Float, index=True, doc="Unix time of the attempt.")
    account: Mapped[str] = mapped_column(String(64), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)


class Seal(Base):
    """The sealed randomization of an experiment and its allocation counter (locked per allocation).

    Only the commitment ``SHA-256(seed)`` is stored until the experiment is unsealed; the seed is
    derived from the installation's seal key and ``nonce``
    (:func:`proeftuin.registry.sealing.sealed_seed`).
    """

    __tablename__ = "seals"

    id: Mapped[int] = mapped_column(primary_key=True)
    experiment_id: Mapped[int] = mapped_column(ForeignKey("experiments.id"), unique=True)
    method: Mapped[str] = mapped_column(String(32))
    version: Mapped[str] = mapped_column(String(32))
    commitment: Mapped[str] = mapped_column(String(64))
    nonce: Mapped[str] = mapped_column(String(64))
    seed: Mapped[str | None] = mapped_column(String(64), nullable=True, doc="Set only when unsealed.")
    sealed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    unsealed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    allocated: Mapped[int] = mapped_column(Integer, default=0)
    batches: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Invitation(Base):
    """A person invited to take part, by pseudonym: invited (no answer yet), declined or enrolled.

    Kept where the plan declares ``invitations.recorded`` (Groningen's randomization before
    invitation; a reference group of the invited who did not take part).
    """

    __tablename__ = "invitations"
    __table_args__ = (UniqueConstraint("experiment_id", "pseudonym"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    experiment_id: Mapped[int] = mapped_column(ForeignKey("experiments.id"), index=True)
    pseudonym: Mapped[str] = mapped_column(String(64), doc="HMAC-SHA256 of the BSN, hex (the same key as the participant's).")
    invited_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), doc="invited, declined or enrolled (proeftuin.design.vocabulary.InvitationStatus).")
    answered_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    recorded_by: Mapped[str] = mapped_column(String(64))


class Consent(Base):
    """Informed consent given, or withdrawn, on a date, against a version of the consent text."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16), doc="given or withdrawn")
    text_version: Mapped[str] = mapped_column(String(32))
    on: Mapped[dt.date] = mapped_column(Date)
    keep_data: Mapped[bool] = mapped_column(Boolean, default=True, doc="On withdrawal: may data already collected be used.")
    recorded_by: Mapped[str] = mapped_column(String(64))


class AuditEvent(Base):
    """One entry of the append-only, hash-chained audit log (see :mod:`proeftuin.registry.audit`)."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[str] = mapped_column(String(40), doc="UTC time, ISO 8601 (text, so the hash is stable).")
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32), index=True)
    experiment_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    subject: Mapped[str] = mapped_column(String(128), default="")
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The single row holding the chain's last hash; locked by every append."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_id: Mapped[int] = mapped_column(Integer, default=0)
    last_hash: Mapped[str] = mapped_column(String(64))
    keyed_from: Mapped[int] = mapped_column(Integer, default=1, server_default="1", doc="First event keyed with HMAC; 0006.")


class DataImport(Base):
    """One imported file (a revision): its content hash, what it superseded, who and when."""

    __tablename__ = "imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    experiment_id: Mapped[int] = mapped_column(ForeignKey("experiments.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16), doc="outcomes, survey or services")
    source: Mapped[str] = mapped_column(String(16), doc="municipal, cbs or survey")
    wave: Mapped[int | None] = mapped_column(Integer, nullable=True)
    filename: Mapped[str] = mapped_column(String(256))
    content_sha256: Mapped[str] = mapped_column(String(64))
    revision: Mapped[int] = mapped_column(Integer)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("imports.id"), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    rows: Mapped[int] = mapped_column(Integer)
    imported_by: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class SurveyItem(Base):
    """One item answer of one participant in one wave (missing answers are not stored)."""

    __tablename__ = "survey_items"
    __table_args__ = (UniqueConstraint("participant_id", "wave", "item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"))  # indexed by the unique key it leads; 0010
    wave: Mapped[int] = mapped_column(Integer)
    item: Mapped[str] = mapped_column(String(64))
    value: Mapped[float] = mapped_column(Float)
    import_id: Mapped[int] = mapped_column(ForeignKey("imports.id"), index=True)


class ServiceContact(Base):
    """A service a participant actually received (contact, coaching session, ...), for contamination."""

    __tablename__ = "service_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), index=True)
    on: Mapped[dt.date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(32))
    minutes: Mapped[int] = mapped_column(Integer, default=0)
    recorded_by: Mapped[str] = mapped_column(String(64))
    import_id: Mapped[int | None] = mapped_column(ForeignKey("imports.id"), nullable=True, index=True,
                                                  doc="The file revision it came from (None: entered one by one); 0008.")
