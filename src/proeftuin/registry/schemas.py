"""Create and Public schemas of the trial operations. Personal data never appear in a Public schema.

A ``*Create`` schema is what enters at the door (it may hold a BSN, which is pseudonymized and
dropped there); a ``*Public`` schema is what leaves the registry (pseudonyms only).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, SecretStr, StringConstraints, field_validator

from proeftuin.registry.models import Base, Consent, Participant, ServiceContact
from proeftuin.registry.pseudonym import ascii_digits, contains_bsn, is_valid_bsn


MAX_MONTHS_ON_BENEFIT = 12 * 67  # a whole life; a larger number is a typing error (and overflows a database integer)


def _no_bsn(value: str) -> str:
    if contains_bsn(value):
        raise ValueError("looks like a BSN, which may not be written here (a BSN enters only at enrolment)")
    return value


def text_of(model: type[Base], column: str) -> object:
    """Text that fits ``model.column`` (its length, declared once in the ORM model) and holds no BSN-like value."""
    length = model.__table__.c[column].type.length  # type: ignore[attr-defined]
    return Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=length), AfterValidator(_no_bsn)]


class EnrolmentCreate(BaseModel):
    """A person to enrol: BSN (checked by the eleven-test), household key and baseline covariates."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    bsn: SecretStr
    household_id: SecretStr | None = Field(None, description="Any stable household key; pseudonymized like the BSN.")
    enrolled_on: dt.date
    case_manager: text_of(Participant, "case_manager") | None = None  # type: ignore[valid-type]
    benefit_type: str = "participatiewet"
    exclusions: tuple[str, ...] = ()
    age: Annotated[int, Field(ge=0, le=120)]
    sex: str
    household: str
    months_on_benefit: Annotated[int, Field(ge=0, le=MAX_MONTHS_ON_BENEFIT)]
    education: str
    health: Annotated[float, Field(ge=0, le=10)]
    migration_background: bool
    distance_to_labour_market: str
    youngest_child_age: Annotated[int, Field(ge=0, le=17)] | None = Field(
        None, description="Single parents: age of the youngest child (the benefit rules need it from the 7th month of disregard)."
    )

    @field_validator("bsn")
    @classmethod
    def _eleven_test(cls, bsn: SecretStr) -> SecretStr:
        if not is_valid_bsn(ascii_digits(bsn.get_secret_value().strip())):
            raise ValueError("not a valid BSN (nine digits that pass the eleven-test)")
        return bsn

    def __repr__(self) -> str:  # never echo the BSN, even masked, in a traceback
        return f"EnrolmentCreate(enrolled_on={self.enrolled_on}, case_manager={self.case_manager!r})"


class ParticipantPublic(BaseModel):
    """A participant as shown outside the registry."""

    model_config = ConfigDict(frozen=True, from_attributes=True)

    pseudonym: str
    enrolled_on: dt.date
    stratum: str
    case_manager: str | None


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
