"""Enrolment and consent: people enter through the pseudonym door and consent before randomization.

Groningen randomized before consent and lost people non-randomly (DOMAIN.md section 3.2); here
randomization refuses anyone without a standing consent (:mod:`proeftuin.registry.allocate`).
A withdrawal is recorded, never a deletion: the person stays in the intent-to-treat analysis,
and ``keep_data`` records whether the data collected so far may be used.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from proeftuin.design import stratum_key
from proeftuin.registry.audit import Action, AuditLog
from proeftuin.registry.crud import RegistryError, get_experiment
from proeftuin.registry.db import write_lock
from proeftuin.registry.digest import participant_sha256
from proeftuin.registry.eligibility import ineligibility_reasons
from proeftuin.registry.experiments import BASELINE, trial_plan
from proeftuin.registry.lifecycle import TrialState, check_in_period, check_operation, state_of
from proeftuin.registry.models import Consent, Experiment, Participant
from proeftuin.registry.pseudonym import pseudonymize
from proeftuin.registry.roles import Operation, Role, authorize, check_caseload
from proeftuin.registry.schemas import ConsentCreate, EnrolmentCreate, ParticipantPublic
from proeftuin.registry.settings import RegistrySettings


def enrol(*, session: Session, actor: str, slug: str, people: Sequence[EnrolmentCreate], settings: RegistrySettings) -> list[ParticipantPublic]:
    """Enrol eligible people (all or none): BSNs are pseudonymized here and never stored.

    A case manager enrols into their own caseload (``case_manager`` defaults to them).
    """
    write_lock(session)
    user = authorize(session=session, actor=actor, operation=Operation.enrol)
    experiment = get_experiment(session=session, slug=slug)
    check_operation(experiment, Operation.enrol)
    plan = trial_plan(experiment)
    secret = settings.pseudonym_secret(experiment.municipality)
    strata = plan.randomization.strata
    known = set(session.scalars(select(Participant.pseudonym).where(Participant.experiment_id == experiment.id)))
    rows = []
    for number, person in enumerate(people, start=1):
        reasons = ineligibility_reasons(plan.eligibility, person)
        if reasons:
            raise RegistryError(f"person {number} is not eligible for {slug!r}: {'; '.join(reasons)}")
        if person.enrolled_on < experiment.start_date or person.enrolled_on > experiment.end_date:
            raise RegistryError(f"person {number}: enrolment date {person.enrolled_on} outside the experiment's period")
        case_manager = person.case_manager or (user.name if user.role == Role.case_manager.value else None)
        if user.role == Role.case_manager.value and case_manager != user.name:
            raise RegistryError(f"person {number}: a case manager enrols into their own caseload only")
        pseudonym = pseudonymize(person.bsn.get_secret_value(), secret)
        if pseudonym in known:
            raise RegistryError(f"person {number} is already enrolled in {slug!r} (pseudonym {pseudonym[:12]})")
        known.add(pseudonym)
        covariates = {c: getattr(person, c) for c in BASELINE}
        cluster = pseudonymize_household(person.household_id.get_secret_value(), secret) if person.household_id else None
        rows.append({"experiment_id": experiment.id, "pseudonym": pseudonym, "enrolled_on": person.enrolled_on,
                     "case_manager": case_manager, "cluster": cluster, "youngest_child_age": person.youngest_child_age,
                     "stratum": stratum_key(covariates, strata) if strata else "all", **covariates})
    if rows:
        session.execute(insert(Participant), rows)
    AuditLog(session).record_many([(actor, Action.enrol, experiment.id, r["pseudonym"], {"case_manager": r["case_manager"], "facts_sha256": participant_sha256(r)})
                                  for r in rows])
    return [ParticipantPublic(pseudonym=r["pseudonym"], enrolled_on=r["enrolled_on"], stratum=r["stratum"], case_manager=r["case_manager"]) for r in rows]


def pseudonymize_household(household_id: str, secret: bytes) -> str:
    """The keyed pseudonym of a household key (same key as the BSN, a separate domain)."""
    return hmac.new(secret, f"household|{household_id.strip()}".encode(), hashlib.sha256).hexdigest()


def participants_by_pseudonym(*, session: Session, experiment: Experiment, pseudonyms: Sequence[str]) -> dict[str, Participant]:
    """The participants of ``experiment`` with these pseudonyms; an unknown one is an error."""
    found: dict[str, Participant] = {}
    unique = list(dict.fromkeys(pseudonyms))
    for start in range(0, len(unique), 5000):
        chunk = unique[start : start + 5000]
        found.update((p.pseudonym, p) for p in session.scalars(
            select(Participant).where(Participant.experiment_id == experiment.id, Participant.pseudonym.in_(chunk))))
    missing = [p for p in unique if p not in found]
    if missing:
        raise RegistryError(f"no participant {missing[0][:12]} in experiment {experiment.slug!r}")
    return found


def latest_consents(*, session: Session, participant_ids: Sequence[int]) -> dict[int, Consent]:
    """The most recent consent record of each participant (by date, then by record order)."""
    latest: dict[int, Consent] = {}
    ids = list(participant_ids)
    for start in range(0, len(ids), 5000):
        statement = select(Consent).where(Consent.participant_id.in_(ids[start : start + 5000])).order_by(Consent.on, Consent.id)
        for consent in session.scalars(statement):
            latest[consent.participant_id] = consent
    return latest


def record_consent(*, session: Session, actor: str, slug: str, consents: Sequence[ConsentCreate]) -> int:
    """Record consents and withdrawals (all or none); returns how many were recorded."""
    write_lock(session)
    user = authorize(session=session, actor=actor, operation=Operation.consent)
    experiment = get_experiment(session=session, slug=slug)
    check_operation(experiment, Operation.consent)
    versions = trial_plan(experiment).consent_versions
    people = participants_by_pseudonym(session=session, experiment=experiment, pseudonyms=[c.pseudonym for c in consents])
    standing = {pid: c.kind for pid, c in latest_consents(session=session, participant_ids=[p.id for p in people.values()]).items()}
    rows, events = [], []
    for item in consents:
        participant = people[item.pseudonym]
        check_caseload(user, participant, Operation.consent)
        if item.text_version not in versions:
            raise RegistryError(f"consent text version {item.text_version!r} is not one of the plan's {list(versions)}")
        if item.on < participant.enrolled_on:
            raise RegistryError(f"consent of {item.pseudonym[:12]} dated {item.on}, before enrolment on {participant.enrolled_on}")
        if item.kind == "given":
            if state_of(experiment) is not TrialState.recruiting:
                raise RegistryError(f"experiment {slug!r} is {experiment.status}: consent is given only while recruiting (a withdrawal is recorded any time)")
            check_in_period(experiment, item.on, f"the consent of {item.pseudonym[:12]}")
        if item.kind == "withdrawn" and standing.get(participant.id) != "given":
            raise RegistryError(f"{item.pseudonym[:12]} has no standing consent to withdraw")
        standing[participant.id] = item.kind
        rows.append({"participant_id": participant.id, "kind": item.kind, "text_version": item.text_version, "on": item.on,
                     "keep_data": item.keep_data, "recorded_by": actor})
        action = Action.consent if item.kind == "given" else Action.withdraw
        events.append((actor, action, experiment.id, item.pseudonym, {"on": item.on.isoformat(), "text_version": item.text_version, "keep_data": item.keep_data}))
    if rows:
        session.execute(insert(Consent), rows)
    AuditLog(session).record_many(events)
    return len(rows)
