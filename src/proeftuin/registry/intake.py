"""Enrolment and consent: people enter through the pseudonym door and consent before randomization.

Groningen randomized before consent and lost people non-randomly (DOMAIN.md section 3.2); here
randomization refuses anyone without a standing consent (:mod:`proeftuin.registry.allocate`).
A withdrawal is recorded, never a deletion: the person stays in the intent-to-treat analysis,
and ``keep_data`` records whether the data collected so far may be used.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple, cast

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from proeftuin.design import CovariateError, TrialPlan, stratum_key
from proeftuin.registry.audit import Action, AuditLog
from proeftuin.registry.bulk import insert_rows
from proeftuin.registry.crud import RegistryError, get_experiment
from proeftuin.registry.db import bind_chunks, write_lock
from proeftuin.registry.digest import PARTICIPANT_FACTS, participant_sha256
from proeftuin.registry.eligibility import ineligibility_reasons
from proeftuin.registry.experiments import trial_plan
from proeftuin.registry.lifecycle import TrialState, check_in_period, check_operation, state_of
from proeftuin.registry.models import Assignment, Consent, Experiment, Invitation, Participant
from proeftuin.registry.pseudonym import pseudonymize
from proeftuin.registry.roles import Operation, Role, authorize, caseload_refusal, check_caseload, outside_caseload
from proeftuin.registry.schemas import ConsentCreate, CorrectionCreate, EnrolmentCreate, InvitationCreate, ParticipantPublic
from proeftuin.registry.settings import RegistrySettings


ENROLMENT_COLUMNS = {"cluster": "household_id"}
"""The enrolment file's column of a participant's fact where the two names differ."""

Event = tuple[str, Action, int | None, str, dict[str, Any]]
"""An audit event as :meth:`AuditLog.record_many` takes it: actor, action, experiment id, subject, payload."""


class IntakeError(RegistryError):
    """A person of an enrolment request the plan refuses: ``person`` (1-based) and the ``column`` at fault."""

    def __init__(self, person: int, message: str, *, column: str | None = None) -> None:
        super().__init__(f"person {person}: {column + ': ' if column else ''}{message}")
        self.person, self.column, self.message = person, column, message


def enrol(*, session: Session, actor: str, slug: str, people: Sequence[EnrolmentCreate], settings: RegistrySettings) -> list[ParticipantPublic]:
    """Enrol eligible people (all or none): BSNs are pseudonymized here and never stored.

    Each person's covariates are checked against the plan's declarations (an undeclared
    covariate, a missing one, an unknown category or a value out of range is an
    :class:`IntakeError` naming the person and the covariate, with the allowed values). A case
    manager enrols into their own caseload (``case_manager`` defaults to them).

    Idempotent by content: a request whose people are all already enrolled with the same facts
    (the same file again) writes nothing and returns them with status ``unchanged``. A person
    already enrolled in any other request (with other facts, or beside people not yet enrolled)
    is an :class:`IntakeError` at their ``bsn``, and nobody is enrolled.
    """
    write_lock(session)
    user = authorize(session=session, actor=actor, operation=Operation.enrol)
    experiment = get_experiment(session=session, slug=slug)
    check_operation(experiment, Operation.enrol)
    plan = trial_plan(experiment)
    try:
        secret = settings.pseudonym_secret(experiment.municipality)
    except ValueError as exc:  # a missing key: the installation's setting, named in one line
        raise RegistryError(str(exc)) from None
    strata = plan.randomization.strata
    known = set(session.scalars(select(Participant.pseudonym).where(Participant.experiment_id == experiment.id)))
    numbers: dict[str, int] = {}  # each pseudonym of the request: its person number
    rows: list[dict[str, Any]] = []  # people to enrol
    repeated: list[dict[str, Any]] = []  # people enrolled before
    for number, person in enumerate(people, start=1):
        try:
            covariates = plan.parse_covariates(person.covariates)
        except CovariateError as exc:
            raise IntakeError(number, exc.message, column=exc.name) from None
        except ValueError as exc:
            column, _, message = str(exc).partition(": ")
            raise IntakeError(number, message, column=column) from None
        if person.youngest_child_age is not None and covariates["household"] != "single-parent":
            raise IntakeError(number, "only a single parent has the age of a youngest child recorded", column="youngest_child_age")
        reasons = ineligibility_reasons(plan.eligibility, person, covariates)
        if reasons:
            raise IntakeError(number, f"not eligible for {slug!r}: {'; '.join(reason for _, reason in reasons)}", column=reasons[0][0])
        if person.enrolled_on < experiment.start_date or person.enrolled_on > experiment.end_date:
            raise IntakeError(number, f"enrolment date {person.enrolled_on} outside the experiment's period", column="enrolled_on")
        case_manager = person.case_manager or (user.name if user.role == Role.case_manager.value else None)
        if user.role == Role.case_manager.value and case_manager != user.name:
            raise IntakeError(number, "a case manager enrols into their own caseload only", column="case_manager")
        pseudonym = pseudonymize(person.bsn.get_secret_value(), secret)
        if pseudonym in numbers:
            raise IntakeError(number, f"the same person as person {numbers[pseudonym]} of this request (pseudonym {pseudonym[:12]})", column="bsn")
        numbers[pseudonym] = number
        stratum = stratum_key(covariates, strata) if strata else "all"
        age, household = covariates.pop("age"), covariates.pop("household")
        row = {"experiment_id": experiment.id, "pseudonym": pseudonym, "enrolled_on": person.enrolled_on,
               "case_manager": case_manager, "cluster": _household(plan, person, number, secret), "team": _team(plan, person, number),
               "youngest_child_age": person.youngest_child_age, "stratum": stratum, "age": age, "household": household, "covariates": covariates}
        (repeated if pseudonym in known else rows).append(row)
    if repeated:
        return _unchanged(session, experiment, repeated, numbers, new=len(rows))
    _insert_participants(session, rows)
    enrolled = [r["pseudonym"] for r in rows]
    for chunk in bind_chunks(enrolled):
        invited = list(session.scalars(select(Invitation.pseudonym).where(
            Invitation.experiment_id == experiment.id, Invitation.pseudonym.in_(chunk))))
        if invited:
            session.execute(update(Invitation).where(Invitation.experiment_id == experiment.id, Invitation.pseudonym.in_(invited))
                            .values(status="enrolled"))
    AuditLog(session).record_many([(actor, Action.enrol, experiment.id, r["pseudonym"], {"case_manager": r["case_manager"], "facts_sha256": participant_sha256(r)})
                                  for r in rows])
    return [ParticipantPublic(pseudonym=r["pseudonym"], enrolled_on=r["enrolled_on"], stratum=r["stratum"], case_manager=r["case_manager"]) for r in rows]


def _insert_participants(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert the enrolled people with the driver's bulk path (:func:`~proeftuin.registry.bulk.insert_rows`).

    The values are in the storage form the ORM wrote: dates as ISO text, the covariates as SQLAlchemy's JSON type
    serializes them (``json.dumps`` with its defaults, not the audit log's canonical text), so the rows stay as before.
    """
    if not rows:
        return
    names = list(rows[0])
    encode: dict[str, Callable[[Any], str]] = {"enrolled_on": dt.date.isoformat, "covariates": json.dumps}
    insert_rows(session, Participant.__table__, names,  # type: ignore[arg-type]
                [tuple(encode[name](row[name]) if name in encode else row[name] for name in names) for row in rows])


def _unchanged(session: Session, experiment: Experiment, repeated: list[dict[str, Any]], numbers: dict[str, int], *, new: int) -> list[ParticipantPublic]:
    """The people of a request that repeats earlier enrolments with the same facts, each ``unchanged``;
    else an :class:`IntakeError` at the first person already enrolled."""
    enrolled = participants_by_pseudonym(session=session, experiment=experiment, pseudonyms=[r["pseudonym"] for r in repeated])
    for row in repeated:
        participant = enrolled[row["pseudonym"]]
        differing = [ENROLMENT_COLUMNS.get(name, name) for name in row
                     if name not in ("covariates", "stratum") and getattr(participant, name) != row[name]]
        differing += [name for name in sorted(set(row["covariates"]) | set(participant.covariates))
                      if participant.covariates.get(name) != row["covariates"].get(name)]
        where = f"already enrolled in {experiment.slug!r} (pseudonym {row['pseudonym'][:12]})"
        if differing:
            raise IntakeError(numbers[row["pseudonym"]], f"{where} with other facts ({', '.join(differing)}); a correction is "
                              "`participant correct`", column="bsn")
        if new:
            others = "1 other person" if new == 1 else f"{new} other people"
            raise IntakeError(numbers[row["pseudonym"]], f"{where}, and {others} of this request not yet: enrol only those "
                              "not yet enrolled", column="bsn")
    return [ParticipantPublic(pseudonym=r["pseudonym"], enrolled_on=r["enrolled_on"], stratum=r["stratum"], case_manager=r["case_manager"],
                              status="unchanged") for r in repeated]


def _household(plan: TrialPlan, person: EnrolmentCreate, number: int, secret: bytes) -> str | None:
    """The household pseudonym (members share an arm where the plan randomizes households together)."""
    if person.household_id is not None:
        return pseudonymize_household(person.household_id.get_secret_value(), secret)
    if plan.clusters == "household":
        raise IntakeError(number, "the plan clusters by household: every person has a household key", column="household_id")
    return None


def _team(plan: TrialPlan, person: EnrolmentCreate, number: int) -> str | None:
    """The case-manager team, where the plan clusters by team (not a randomization cluster)."""
    if plan.clusters != "team":
        if person.team is not None:
            raise IntakeError(number, "the plan does not cluster by team (clusters: team)", column="team")
        return None
    if person.team is None:
        raise IntakeError(number, "the plan clusters by team: every person has one", column="team")
    return person.team.strip()


def pseudonymize_household(household_id: str, secret: bytes) -> str:
    """The keyed pseudonym of a household key (same key as the BSN, a separate domain)."""
    return hmac.new(secret, f"household|{household_id.strip()}".encode(), hashlib.sha256).hexdigest()


def participants_by_pseudonym(*, session: Session, experiment: Experiment, pseudonyms: Sequence[str]) -> dict[str, Participant]:
    """The participants of ``experiment`` with these pseudonyms; an unknown one is an error."""
    found: dict[str, Participant] = {}
    unique = list(dict.fromkeys(pseudonyms))
    for chunk in bind_chunks(unique):
        found.update((p.pseudonym, p) for p in session.scalars(
            select(Participant).where(Participant.experiment_id == experiment.id, Participant.pseudonym.in_(chunk))))
    missing = [p for p in unique if p not in found]
    if missing:
        raise RegistryError(f"no participant {missing[0][:12]} in experiment {experiment.slug!r}")
    return found


def latest_consents(*, session: Session, participant_ids: Sequence[int]) -> dict[int, Consent]:
    """The most recent consent record of each participant (by date, then by record order)."""
    latest: dict[int, Consent] = {}
    for chunk in bind_chunks(participant_ids):
        statement = select(Consent).where(Consent.participant_id.in_(chunk)).order_by(Consent.on, Consent.id)
        for consent in session.scalars(statement):
            latest[consent.participant_id] = consent
    return latest


def record_consent(*, session: Session, actor: str, slug: str, consents: Sequence[ConsentCreate]) -> int:
    """Record consents and withdrawals (all or none); returns how many were recorded.

    Idempotent by content: a record identical to one the participant already has (kind, date,
    text version, keep_data) is not recorded again, so the same file twice changes nothing, even
    after a withdrawal or the trial's close.
    """
    write_lock(session)
    user = authorize(session=session, actor=actor, operation=Operation.consent)
    experiment = get_experiment(session=session, slug=slug)
    check_operation(experiment, Operation.consent)
    versions = trial_plan(experiment).consent_versions
    people = _consenting(session, experiment, [c.pseudonym for c in consents])
    missing = next((n for n, c in enumerate(consents, start=1) if c.pseudonym not in people), None)
    if missing is not None:
        raise IntakeError(missing, f"no participant {consents[missing - 1].pseudonym[:12]} in experiment {experiment.slug!r}", column="pseudonym")
    recorded, standing = _consent_records(session, [p.id for p in people.values()])
    rows: list[tuple[Any, ...]] = []
    events: list[Event] = []
    for number, item in enumerate(consents, start=1):
        participant = people[item.pseudonym]
        if outside_caseload(user, Operation.consent, participant.case_manager):
            raise caseload_refusal(user, item.pseudonym)
        if item.text_version not in versions:
            raise IntakeError(number, f"consent text version {item.text_version!r} is not one of the plan's {list(versions)}", column="text_version")
        if item.on < participant.enrolled_on:
            raise IntakeError(number, f"consent of {item.pseudonym[:12]} dated {item.on}, before enrolment on {participant.enrolled_on}", column="on")
        record = (participant.id, item.kind, item.on, item.text_version, item.keep_data)
        if record in recorded:
            continue  # already recorded: the same file twice changes nothing
        recorded.add(record)
        if item.kind == "given":
            if state_of(experiment) is not TrialState.recruiting:
                raise IntakeError(number, f"experiment {slug!r} is {experiment.status}: consent is given only while recruiting (a withdrawal "
                                  "is recorded any time)", column="kind")
            check_in_period(experiment, item.on, f"the consent of {item.pseudonym[:12]}")
        if item.kind == "withdrawn" and standing.get(participant.id) != "given":
            raise IntakeError(number, f"{item.pseudonym[:12]} has no standing consent to withdraw", column="kind")
        standing[participant.id] = item.kind
        rows.append((participant.id, item.kind, item.text_version, item.on.isoformat(), item.keep_data, actor))
        action = Action.consent if item.kind == "given" else Action.withdraw
        events.append((actor, action, experiment.id, item.pseudonym, {"on": item.on.isoformat(), "text_version": item.text_version, "keep_data": item.keep_data}))
    insert_rows(session, Consent.__table__, ["participant_id", "kind", "text_version", "on", "keep_data", "recorded_by"], rows)  # type: ignore[arg-type]
    AuditLog(session).record_many(events)
    return len(rows)


class _Consenting(NamedTuple):
    """What a consent needs of its participant."""

    id: int
    enrolled_on: dt.date
    case_manager: str | None


def _consenting(session: Session, experiment: Experiment, pseudonyms: Sequence[str]) -> dict[str, _Consenting]:
    """The participants of ``experiment`` with these pseudonyms (those enrolled): the columns a consent needs
    (``id``, ``enrolled_on``, ``case_manager``) by pseudonym, read as rows, not ORM objects."""
    p = Participant.__table__.c
    unique = list(dict.fromkeys(pseudonyms))
    found: dict[str, _Consenting] = {}
    for chunk in bind_chunks(unique):
        found.update((r.pseudonym, _Consenting(r.id, r.enrolled_on, r.case_manager)) for r in session.execute(select(p.id, p.pseudonym, p.enrolled_on, p.case_manager).where(
            p.experiment_id == experiment.id, p.pseudonym.in_(chunk))))
    return found


def _consent_records(session: Session, participant_ids: Sequence[int]) -> tuple[set[tuple[Any, ...]], dict[int, str]]:
    """Every consent record of these participants as (participant id, kind, date, text version, keep_data), and the
    kind of each one's most recent record (by date, then by record order, as :func:`latest_consents`)."""
    records: set[tuple[Any, ...]] = set()
    standing: dict[int, str] = {}
    c = Consent.__table__.c
    for chunk in bind_chunks(participant_ids):
        for r in session.execute(select(c.participant_id, c.kind, c.on, c.text_version, c.keep_data)
                                 .where(c.participant_id.in_(chunk)).order_by(c.on, c.id)):
            records.add(tuple(r))
            standing[r.participant_id] = r.kind
    return records, standing


def correct_baseline(*, session: Session, actor: str, slug: str, corrections: Sequence[CorrectionCreate]) -> list[ParticipantPublic]:
    """Correct participants' baseline records (all or none), each change audited with its reason.

    New values are checked against the plan like an enrolment. A change to a covariate the
    randomization used (a stratum, a minimization factor, a re-randomization covariate) is refused
    once the person is randomized: their allocation was drawn with the old value (and ``verify``
    replays it). Before randomization the stratum is recomputed.
    """
    user = authorize(session=session, actor=actor, operation=Operation.enrol)
    experiment = get_experiment(session=session, slug=slug)
    check_operation(experiment, Operation.enrol)
    plan = trial_plan(experiment)
    r = plan.randomization
    allocation_inputs = set(r.strata) | set(r.factors) | set(r.covariates)
    people = participants_by_pseudonym(session=session, experiment=experiment, pseudonyms=[c.pseudonym for c in corrections])
    randomized = {i for chunk in bind_chunks(p.id for p in people.values())
                  for i in session.scalars(select(Assignment.participant_id).where(Assignment.participant_id.in_(chunk)))}
    events: list[Event] = []
    corrected = []
    for number, correction in enumerate(corrections, start=1):
        participant = people[correction.pseudonym]
        check_caseload(user, participant, Operation.enrol)
        before = {**participant.baseline(), "youngest_child_age": participant.youngest_child_age}
        changes = dict(correction.changes)
        youngest = _youngest(number, changes.pop("youngest_child_age", participant.youngest_child_age))
        try:
            after = plan.parse_covariates({**participant.baseline(), **changes})
        except CovariateError as exc:
            raise IntakeError(number, exc.message, column=exc.name) from None
        except ValueError as exc:
            column, _, message = str(exc).partition(": ")
            raise IntakeError(number, message, column=column) from None
        if youngest is not None and after["household"] != "single-parent":
            raise IntakeError(number, "only a single parent has the age of a youngest child recorded", column="youngest_child_age")
        after_all = {**after, "youngest_child_age": youngest}
        changed = {name: {"from": before.get(name), "to": after_all[name]} for name in correction.changes if before.get(name) != after_all[name]}
        if not changed:
            raise IntakeError(number, f"{correction.pseudonym[:12]}: the correction changes nothing")
        used = sorted(set(changed) & allocation_inputs)
        if used and participant.id in randomized:
            raise IntakeError(number, f"{correction.pseudonym[:12]} is already randomized, and the randomization used {', '.join(used)} "
                              f"(stratum {participant.stratum!r}); correcting it would change the allocation's input. Record the "
                              "correct value in a note for the analysis instead", column=used[0])
        participant.youngest_child_age = youngest
        participant.stratum = stratum_key(after, r.strata) if r.strata else "all"
        participant.age, participant.household = cast(int, after.pop("age")), str(after.pop("household"))
        participant.covariates = after
        events.append((actor, Action.correct, experiment.id, correction.pseudonym,
                       {"changes": changed, "reason": correction.reason, "facts_sha256": _facts_sha256(participant)}))
        corrected.append(ParticipantPublic(pseudonym=participant.pseudonym, enrolled_on=participant.enrolled_on, stratum=participant.stratum,
                                           case_manager=participant.case_manager))
    session.flush()
    AuditLog(session).record_many(events)
    return corrected


def _facts_sha256(participant: Participant) -> str:
    """The digest of a participant's facts as they now stand (``verify`` compares the table with it)."""
    return participant_sha256({c: getattr(participant, c) for c in PARTICIPANT_FACTS})


def _youngest(number: int, value: object) -> int | None:
    """A youngest child's age as corrected: empty, or a whole number 0-17."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        age = int(str(value).strip())
    except ValueError:
        raise IntakeError(number, f"{value!r} is not a whole number from 0 to 17", column="youngest_child_age") from None
    if not 0 <= age <= 17:
        raise IntakeError(number, f"{age} is outside the allowed range (a whole number from 0 to 17)", column="youngest_child_age")
    return age


def record_invitations(*, session: Session, actor: str, slug: str, invitations: Sequence[InvitationCreate], settings: RegistrySettings) -> int:
    """Record who was invited and who declined (all or none), by pseudonym; a person already
    enrolled is recorded as ``enrolled``. The plan must declare ``invitations.recorded``.

    Returns how many were recorded. Idempotent by content: a request whose invitations are all
    recorded already as they stand (the same file again) records nothing and returns 0; a person
    already invited in any other request is an :class:`IntakeError` at their ``bsn``.
    """
    write_lock(session)
    authorize(session=session, actor=actor, operation=Operation.enrol)
    experiment = get_experiment(session=session, slug=slug)
    check_operation(experiment, Operation.enrol)
    if not trial_plan(experiment).invitations.recorded:
        raise RegistryError(f"the plan of {slug!r} does not record invitations (invitations: {{recorded: true}})")
    try:
        secret = settings.pseudonym_secret(experiment.municipality)
    except ValueError as exc:
        raise RegistryError(str(exc)) from None
    known = {i.pseudonym: i for i in session.scalars(select(Invitation).where(Invitation.experiment_id == experiment.id))}
    enrolled = set(session.scalars(select(Participant.pseudonym).where(Participant.experiment_id == experiment.id)))
    numbers: dict[str, int] = {}
    rows: list[dict[str, Any]] = []
    repeated: list[int] = []  # person numbers of invitations recorded before, as they stand
    for number, item in enumerate(invitations, start=1):
        pseudonym = pseudonymize(item.bsn.get_secret_value(), secret)
        if pseudonym in numbers:
            raise IntakeError(number, f"the same person as person {numbers[pseudonym]} of this request (pseudonym {pseudonym[:12]})", column="bsn")
        numbers[pseudonym] = number
        if item.invited_on > experiment.end_date:
            raise IntakeError(number, f"invited on {item.invited_on}, after the intake window of {slug!r} ended ({experiment.end_date})",
                              column="invited_on")
        if item.answered_on is not None and item.answered_on < item.invited_on:
            raise IntakeError(number, f"answered on {item.answered_on}, before the invitation on {item.invited_on}", column="answered_on")
        if item.status == "declined" and pseudonym in enrolled:
            raise IntakeError(number, f"{pseudonym[:12]} is enrolled, so did not decline", column="status")
        row = {"experiment_id": experiment.id, "pseudonym": pseudonym, "invited_on": item.invited_on,
               "status": "enrolled" if pseudonym in enrolled else item.status, "answered_on": item.answered_on, "recorded_by": actor}
        before = known.get(pseudonym)
        if before is None:
            rows.append(row)
        elif (before.invited_on, before.status, before.answered_on) == (row["invited_on"], row["status"], row["answered_on"]):
            repeated.append(number)
        else:
            raise IntakeError(number, f"already invited to {slug!r} (pseudonym {pseudonym[:12]}), with another date, status or answer",
                              column="bsn")
    if repeated and rows:
        raise IntakeError(repeated[0], f"already invited to {slug!r}, and {len(rows)} of this request not yet: record only the "
                          "invitations not yet recorded", column="bsn")
    if rows:
        session.execute(insert(Invitation), rows)
    AuditLog(session).record_many([(actor, Action.invite, experiment.id, r["pseudonym"], {"status": r["status"]}) for r in rows])
    return len(rows)


def record_choice(*, session: Session, actor: str, slug: str, pseudonym: str, arm: str) -> str:
    """Record the treatment a participant of a choice arm chose (Groningen's *Keuzegroep*); audited.

    The participant must be randomized to an arm whose ``choice_of`` lists ``arm``; from then on
    the chosen arm's benefit regime applies to them. Returns that regime.
    """
    user = authorize(session=session, actor=actor, operation=Operation.randomize)
    experiment = get_experiment(session=session, slug=slug)
    check_operation(experiment, Operation.randomize)
    spec = trial_plan(experiment).experiment
    participant = participants_by_pseudonym(session=session, experiment=experiment, pseudonyms=[pseudonym])[pseudonym]
    check_caseload(user, participant, Operation.randomize)
    if participant.assignment is None:
        raise RegistryError(f"{pseudonym[:12]} is not randomized yet")
    assigned = spec.arm(participant.assignment.arm.code)
    if arm not in assigned.choice_of:
        options = f"one of {', '.join(assigned.choice_of)}" if assigned.choice_of else "nothing: it is not a choice arm"
        raise RegistryError(f"{pseudonym[:12]} is in arm {assigned.code!r}, which chooses {options}; not {arm!r}")
    previous, participant.chosen_arm = participant.chosen_arm, arm
    session.flush()
    AuditLog(session).record(actor=actor, action=Action.correct, experiment_id=experiment.id, subject=pseudonym,
                             payload={"changes": {"chosen_arm": {"from": previous, "to": arm}}, "reason": "treatment chosen",
                                      "facts_sha256": _facts_sha256(participant)})
    return spec.arm(arm).regime
