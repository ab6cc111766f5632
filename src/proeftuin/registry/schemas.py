"""Create and Public schemas of the trial operations. Personal data never appear in a Public schema.

A ``*Create`` schema is what enters at the door (it may hold a BSN, which is pseudonymized and
dropped there); a ``*Public`` schema is what leaves the registry (pseudonyms only).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, SecretStr, StringConstraints, field_validator, model_validator

from proeftuin.registry.models import Base, Consent, Participant, ServiceContact
from proeftuin.registry.pseudonym import ascii_digits, contains_bsn, is_valid_bsn


def _no_bsn(value: str) -> str:
    if contains_bsn(value):
        raise ValueError("looks like a BSN, which may not be written here (a BSN enters only at enrolment)")
    return value


def text_of(model: type[Base], column: str) -> object:
    """Text that fits ``model.column`` (its length, declared once in the ORM model) and holds no BSN-like value."""
    length = model.__table__.c[column].type.length  # type: ignore[attr-defined]
    return Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=length), AfterValidator(_no_bsn)]


CovariateValue = str | int | float | bool | None
"""A baseline covariate's value as entered; the plan decides its type (:meth:`TrialPlan.parse_covariates`)."""


class EnrolmentCreate(BaseModel):
    """A person to enrol: BSN (checked by the eleven-test), household key, and the baseline
    covariates the trial's plan declares (checked against the plan at enrolment).

    Built from one row of an enrolment file: the fixed fields below by name, every other column
    a covariate (``model_validate({"bsn": ..., "age": "34", "district": "noord"})``).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    bsn: SecretStr
    household_id: SecretStr | None = Field(None, description="Any stable household key; pseudonymized like the BSN.")
    team: text_of(Participant, "team") | None = Field(None, description="The case-manager team (clusters: team).")  # type: ignore[valid-type]
    enrolled_on: dt.date
    case_manager: text_of(Participant, "case_manager") | None = None  # type: ignore[valid-type]
    benefit_type: str = "participatiewet"
    exclusions: tuple[str, ...] = ()
    youngest_child_age: Annotated[int, Field(ge=0, le=17)] | None = Field(
        None, description="Single parents: age of the youngest child (the benefit rules need it from the 7th month of disregard)."
    )
    covariates: dict[str, CovariateValue] = Field(default_factory=dict, description="The plan's baseline covariates, by name.")

    @model_validator(mode="before")
    @classmethod
    def _other_fields_are_covariates(cls, data: object) -> object:
        if not isinstance(data, dict) or "covariates" in data:
            return data
        fixed = {k: v for k, v in data.items() if k in cls.model_fields}
        return {**fixed, "covariates": {k: v for k, v in data.items() if k not in cls.model_fields}}

    @field_validator("bsn")
    @classmethod
    def _eleven_test(cls, bsn: SecretStr) -> SecretStr:
        if not is_valid_bsn(ascii_digits(bsn.get_secret_value().strip())):
            raise ValueError("not a valid BSN (nine digits that pass the eleven-test)")
        return bsn

    def __repr__(self) -> str:  # never echo the BSN, even masked, in a traceback
        return f"EnrolmentCreate(enrolled_on={self.enrolled_on}, case_manager={self.case_manager!r})"


class CorrectionCreate(BaseModel):
    """A correction of a participant's baseline record: new values of declared covariates, and why.

    From a row of a correction file: pseudonym, reason, and every other column a change.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    pseudonym: str
    changes: dict[str, CovariateValue] = Field(min_length=1)
    reason: Annotated[str, Field(min_length=3, max_length=500), AfterValidator(_no_bsn)]
    """Why: free text, kept in the audit chain (so no BSN-like value)."""

    @model_validator(mode="before")
    @classmethod
    def _other_fields_are_changes(cls, data: object) -> object:
        if not isinstance(data, dict) or "changes" in data:
            return data
        return {**{k: v for k, v in data.items() if k in cls.model_fields}, "changes": {k: v for k, v in data.items() if k not in cls.model_fields}}


class ParticipantPublic(BaseModel):
    """A participant as shown outside the registry."""

    model_config = ConfigDict(frozen=True, from_attributes=True)

    pseudonym: str
    enrolled_on: dt.date
    stratum: str
    case_manager: str | None
    status: Literal["enrolled", "unchanged"] = "enrolled"
    """``unchanged``: the request repeated this person's earlier enrolment with the same facts, and nothing was written."""


class ConsentCreate(BaseModel):
    """Consent given or withdrawn for a participant (by pseudonym), against a consent-text version."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    pseudonym: text_of(Participant, "pseudonym")  # type: ignore[valid-type]
    kind: Literal["given", "withdrawn"] = "given"
    text_version: text_of(Consent, "text_version")  # type: ignore[valid-type]
    on: dt.date
    keep_data: bool = Field(True, description="On withdrawal: data collected so far may still be used (ITT).")


class AssignmentPublic(BaseModel):
    """The arm a participant was randomized to, and the benefit regime that applies in it."""

    model_config = ConfigDict(frozen=True)

    pseudonym: str
    arm: str
    regime: str
    assigned_on: dt.date
    sequence: int


class ServiceCreate(BaseModel):
    """A service a participant received: a contact, a coaching session, a workshop, ..."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    pseudonym: text_of(Participant, "pseudonym")  # type: ignore[valid-type]
    on: dt.date
    kind: Annotated[text_of(ServiceContact, "kind"), Field(pattern=r"^[a-z][a-z_]*$")]  # type: ignore[valid-type]
    minutes: Annotated[int, Field(ge=0)] = 0


class UserPublic(BaseModel):
    """A user as listed: name, role and whether a web password is set (never the hash)."""

    model_config = ConfigDict(frozen=True)

    name: str
    role: str
    web_access: bool
    created_at: dt.datetime | None


class InvitationCreate(BaseModel):
    """A person invited to take part (by BSN, pseudonymized at the door) and their answer so far."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    bsn: SecretStr
    invited_on: dt.date
    status: Literal["invited", "declined"] = Field("invited", description="enrolled is set by enrolment itself.")
    answered_on: dt.date | None = None

    @field_validator("bsn")
    @classmethod
    def _eleven_test(cls, bsn: SecretStr) -> SecretStr:
        return EnrolmentCreate._eleven_test(bsn)

    def __repr__(self) -> str:  # never echo the BSN
        return f"InvitationCreate(invited_on={self.invited_on}, status={self.status!r})"
