"""The registry's state recomputed from the audit chain, compared with its tables fact by fact.

Every state change is an event (users and roles, experiments with their arms and plan, lifecycle
transitions, enrolments, consents and withdrawals, assignments, imports and corrections with the
digest of the rows they wrote, services, unsealing, purges). :func:`chain_state` replays the
events into the facts they imply; :func:`compare` reads the tables and names the first fact that
differs, so a row changed, added or deleted behind the registry's back is found even where the
chain itself is intact. Events from before migration 0006 lack some digests; those facts are
compared as far as their events record them.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from operator import itemgetter
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from proeftuin.registry.audit import Action, CheckedEvents, iter_events
from proeftuin.registry.columnar import ColumnReader, read_columns, read_rows
from proeftuin.registry.digest import (
    ROWS_DIGEST, ParallelDigests, canonical_sha256, experiment_facts, import_rows_sha256, legacy_import_rows_sha256, participants_sha256_of, participants_statement,
)
from proeftuin.registry.driver_reads import driver_rows
from proeftuin.registry.models import (
    Arm, Assignment, Consent, DataImport, Experiment, Seal, ServiceContact, User,
)

Key = tuple[int, str]  # (experiment id, pseudonym)
_ENROL, _ASSIGN, _CONSENT, _WITHDRAW, _SERVICE = (a.value for a in (Action.enrol, Action.assign, Action.consent, Action.withdraw, Action.service))


@dataclass
class ChainState:
    """The facts the audit chain implies."""

    users: dict[str, str] = field(default_factory=dict)
    experiments: dict[int, dict[str, Any]] = field(default_factory=dict)
    status: dict[int, str] = field(default_factory=dict)
    participants: dict[Key, str | None] = field(default_factory=dict)
    consents: Counter[tuple[Any, ...]] = field(default_factory=Counter)
    assignments: dict[Key, dict[str, Any]] = field(default_factory=dict)
    imports: dict[int, dict[str, Any]] = field(default_factory=dict)
    services: Counter[tuple[Any, ...]] = field(default_factory=Counter)
    seeds: dict[int, str] = field(default_factory=dict)
    purged: set[int] = field(default_factory=set)

    def apply(self, event: Any) -> None:
        """Replay one event (an :class:`~proeftuin.registry.models.AuditEvent` or a row of its columns) into the facts."""
        # every action but a user's concerns one experiment, whose id the event carries
        action, exp, subject, payload = event.action, cast(int, event.experiment_id), event.subject, event.payload
        if action == _ENROL:  # the frequent actions first, compared with plain strings
            self.participants[(exp, subject)] = payload.get("facts_sha256")
        elif action == _ASSIGN:
            self.assignments[(exp, subject)] = payload
        elif action == _CONSENT or action == _WITHDRAW:
            kind = "given" if action == _CONSENT else "withdrawn"
            self.consents[(exp, subject, kind, payload["on"], payload["text_version"], bool(payload["keep_data"]))] += 1
        elif action == _SERVICE:
            self.services[(exp, subject, payload["kind"], payload["on"], payload.get("minutes"))] += 1
        elif action == Action.add_user.value:
            self.users[subject] = payload["role"]
        elif action == Action.baseline.value:  # migration 0006: the state when the chain became keyed
            self.users.update(payload.get("users", {}))
            self.status.update({int(k): v for k, v in payload.get("status", {}).items()})
        elif action == Action.create_experiment.value:
            self.experiments[exp] = payload
        elif action == Action.transition.value:
            self.status[exp] = payload["to"]
        elif action == Action.correct.value and "import_id" not in payload:  # a participant's baseline corrected
            self.participants[(exp, subject)] = payload.get("facts_sha256")
        elif action in (Action.import_data.value, Action.correct.value):
            self.imports[payload["import_id"]] = {**payload, "active": True, "experiment_id": exp}
            if payload.get("supersedes") is not None and payload["supersedes"] in self.imports:
                self.imports[payload["supersedes"]]["active"] = False
        elif action == Action.unseal.value:
            self.seeds[exp] = payload["seed"]
        elif action == Action.purge.value:
            self.purged.add(exp)
            self.participants = {k: v for k, v in self.participants.items() if k[0] != exp}
            self.assignments = {k: v for k, v in self.assignments.items() if k[0] != exp}
            self.consents = Counter({k: n for k, n in self.consents.items() if k[0] != exp})
            self.services = Counter({k: n for k, n in self.services.items() if k[0] != exp})


    def apply_checked(self, events: CheckedEvents) -> None:
        """Replay a run of checked events (:func:`~proeftuin.registry.audit.verify_chain`'s ``visit``), as :meth:`apply` would one by one.

        Consecutive events of the same frequent action (enrolments, assignments, consents,
        withdrawals, services: nearly all of a registry's events) update the facts in one call
        each, in order; any other event goes through :meth:`apply`.
        """
        start = 0
        for action, run in groupby(events.action):
            end = start + sum(1 for _ in run)
            keys = zip(cast(Sequence[int], events.experiment_id[start:end]), events.subject[start:end], strict=True)
            payloads = events.payload[start:end]
            if action == _ENROL:
                self.participants.update(zip(keys, [p.get("facts_sha256") for p in payloads], strict=True))
            elif action == _ASSIGN:
                self.assignments.update(zip(keys, payloads, strict=True))
            elif action == _CONSENT or action == _WITHDRAW:
                kind = "given" if action == _CONSENT else "withdrawn"
                self.consents.update((exp, subject, kind, p["on"], p["text_version"], bool(p["keep_data"]))
                                     for (exp, subject), p in zip(keys, payloads, strict=True))
            elif action == _SERVICE:
                self.services.update((exp, subject, p["kind"], p["on"], p.get("minutes")) for (exp, subject), p in zip(keys, payloads, strict=True))
            else:
                for (exp, subject), payload in zip(keys, payloads, strict=True):
                    self.apply(SimpleNamespace(action=action, experiment_id=exp, subject=subject, payload=payload))
            start = end


def chain_state(session: Session) -> ChainState:
    """Replay every event of the chain into the facts it records."""
    state = ChainState()
    for event in iter_events(session):
        state.apply(event)
    return state


def _iso(on: Any) -> Any:
    """A date column's value as ISO text: as SQLite holds it, or a PostgreSQL ``date`` formatted (a value of another type as it is)."""
    return on.isoformat() if isinstance(on, dt.date) else on


def _who(key: Key, slugs: dict[int, str]) -> str:
    return f"experiment {slugs.get(key[0], key[0])!r}, participant {key[1][:12]}"


_CONSENTS = select(Consent.participant_id, Consent.kind, Consent.on, Consent.text_version, Consent.keep_data)
_ASSIGNMENTS = select(Assignment.participant_id, Assignment.arm_id, Assignment.sequence, Assignment.batch, Assignment.assigned_on)


def compare_reads() -> list[Select[Any]]:
    """The statements of :func:`compare`'s passes over every person, in the order it reads them (to be read ahead:
    :meth:`~proeftuin.registry.columnar.ColumnReader.read_ahead`)."""
    return [participants_statement(), _CONSENTS, _ASSIGNMENTS]


def compare(session: Session, state: ChainState, reader: ColumnReader | None = None, digests: ParallelDigests | None = None) -> Iterator[str]:
    """Each fact of the tables that differs from the chain's, in a fixed order (users, experiments, people, data); the largest
    tables read as Arrow columns through ``reader`` where it can, the imports' rows digests taken from ``digests`` where it has them."""
    yield from _users(session, state)
    slugs = dict(session.execute(select(Experiment.id, Experiment.slug)).all())
    yield from _experiments(session, state, slugs)
    people = read_columns(session, participants_statement(), reader)  # each id's pseudonym and experiment, and the facts digested
    pseudonym_of = dict(zip(people[0], people[2], strict=True))
    experiment_of = dict(zip(people[0], people[1], strict=True))
    yield from _participants(session, state, slugs, people)
    yield from _consents(session, state, slugs, pseudonym_of, experiment_of, reader)
    yield from _assignments(session, state, slugs, pseudonym_of, experiment_of, reader)
    yield from _imports(session, state, slugs, reader, digests)
    yield from _services(session, state, slugs, pseudonym_of, experiment_of)


def _users(session: Session, state: ChainState) -> Iterator[str]:
    actual = dict(session.execute(select(User.name, User.role)).all())
    for name in sorted(set(actual) | set(state.users)):
        if actual.get(name) != state.users.get(name):
            yield (f"user {name!r}: the registry holds role {actual.get(name) or '(no such user)'}, "
                   f"the audit chain records {state.users.get(name) or '(no such user)'}")


def _experiments(session: Session, state: ChainState, slugs: dict[int, str]) -> Iterator[str]:
    for experiment in session.scalars(select(Experiment).order_by(Experiment.id)):
        where = f"experiment {experiment.slug!r}"
        created = state.experiments.get(experiment.id)
        if created is None:
            if experiment.id not in state.status:  # a legacy registry's baseline covers experiments made before the key
                yield f"{where}: no audit event records its creation"
            continue
        facts = experiment_facts(experiment)
        for code in sorted(set(facts["arms"]) | set(created.get("arms", facts["arms"]))):
            held, recorded = facts["arms"].get(code), created.get("arms", facts["arms"]).get(code)
            if held is None or recorded is None:
                yield f"{where}: arm {code!r} is {'missing from the registry' if held is None else 'not in the plan recorded at creation'}"
                continue
            for name in sorted(recorded):
                if held[name] != recorded[name]:
                    yield f"{where}: arm {code!r}: {name} is {held[name]!r} in the registry, {recorded[name]!r} when created"
        if facts["period"] != created.get("period", facts["period"]):
            yield f"{where}: its period (intake window) is {' - '.join(facts['period'])}, {' - '.join(created['period'])} when created"
        if "facts_sha256" in created and canonical_sha256(facts) != created["facts_sha256"]:
            yield f"{where}: its name, municipality, declared design or plan differs from what was recorded at creation"
        if experiment.status != state.status.get(experiment.id, experiment.status):
            yield f"{where}: its state is {experiment.status}; the audit chain's transitions leave it {state.status[experiment.id]}"
        seal = session.scalar(select(Seal).where(Seal.experiment_id == experiment.id))
        if seal is None:
            yield f"{where}: its seal is missing"
            continue
        for name in ("commitment", "nonce", "method", "version"):
            if name in created and getattr(seal, name) != created[name]:
                yield f"{where}: the seal's {name} differs from what was recorded at creation"
        if seal.seed != state.seeds.get(experiment.id):
            yield f"{where}: the seal's published seed differs from the unseal event ({'none recorded' if experiment.id not in state.seeds else 'recorded'})"
        experiment_id = experiment.id
        logged = [p for (exp, _s), p in state.assignments.items() if exp == experiment_id]
        if experiment.id not in state.purged and seal.allocated != len(logged):
            yield f"{where}: the seal counts {seal.allocated} allocations, the audit chain records {len(logged)}"
    for exp in sorted(set(state.experiments) - set(slugs)):
        yield f"experiment #{exp}: created in the audit chain, missing from the registry"


def _participants(session: Session, state: ChainState, slugs: dict[int, str], people: Sequence[Sequence[Any]]) -> Iterator[str]:
    actual = participants_sha256_of(session, people)
    if actual == state.participants:  # the common case, compared whole in C; the facts that differ are looked for only otherwise
        return
    for key in sorted(set(actual) | set(state.participants)):
        if key not in state.participants:
            yield f"{_who(key, slugs)}: in the registry, but no audit event records the enrolment"
        elif key not in actual:
            yield f"{_who(key, slugs)}: enrolled in the audit chain, missing from the registry"
        elif state.participants[key] is not None and actual[key] != state.participants[key]:
            yield f"{_who(key, slugs)}: baseline covariates, stratum or caseload differ from what was recorded at enrolment"


def _consents(session: Session, state: ChainState, slugs: dict[int, str], pseudonym_of: dict[int, str],
              experiment_of: dict[int, int], reader: ColumnReader | None) -> Iterator[str]:
    rows = read_rows(session, _CONSENTS, reader)
    iso = {on: _iso(on) for on in {row[2] for row in rows}}  # each distinct date once
    actual: Counter[tuple[Any, ...]] = Counter(
        (experiment_of[pid], pseudonym_of[pid], kind, iso[on], version, bool(keep)) for pid, kind, on, version, keep in rows)
    if dict.__eq__(actual, state.consents):  # as plain dicts, compared in C (neither holds a zero count)
        return
    for fact in sorted((actual - state.consents).keys() | (state.consents - actual).keys()):
        held, recorded = actual[fact], state.consents[fact]
        what = f"{'consent' if fact[2] == 'given' else 'withdrawal'} dated {fact[3]} (text {fact[4]}, keep data {fact[5]})"
        yield f"{_who(fact[:2], slugs)}: the registry holds {held} {what}, the audit chain records {recorded}"


_ASSIGNMENT_FACTS = ("arm", "sequence", "batch", "on")
"""The facts of an assignment compared with its event (whose payload also names the algorithm version, checked with the allocations)."""


def _recorded_facts(assignments: dict[Key, dict[str, Any]]) -> dict[Key, tuple[Any, ...]] | None:
    """The facts of every assignment event as a tuple in the order of :data:`_ASSIGNMENT_FACTS`, or ``None`` if an event lacks
    one (an older payload: compared name by name)."""
    facts = itemgetter(*_ASSIGNMENT_FACTS)
    try:
        return {key: facts(payload) for key, payload in assignments.items()}
    except (KeyError, TypeError):
        return None


def _assignments(session: Session, state: ChainState, slugs: dict[int, str], pseudonym_of: dict[int, str],
                 experiment_of: dict[int, int], reader: ColumnReader | None) -> Iterator[str]:
    # the table read alone, its participants and arms looked up (an inner join's rows: one with neither is not held)
    code_of = dict(driver_rows(session, select(Arm.id, Arm.code)))
    rows = read_rows(session, _ASSIGNMENTS, reader)
    iso = {on: _iso(on) for on in {row[4] for row in rows}}  # each distinct date once
    held_facts = {(experiment_of[pid], pseudonym_of[pid]): (code_of[arm], sequence, batch, iso[on])
                  for pid, arm, sequence, batch, on in rows if pid in pseudonym_of and arm in code_of}
    if held_facts == _recorded_facts(state.assignments):  # the common case, compared whole in C
        return
    actual = {key: dict(zip(_ASSIGNMENT_FACTS, facts, strict=True)) for key, facts in held_facts.items()}
    for key in sorted(set(actual) | set(state.assignments)):
        held, recorded = actual.get(key), state.assignments.get(key)
        if held is None or recorded is None:
            yield (f"{_who(key, slugs)}: " + ("randomized in the registry, but no audit event records it" if recorded is None
                                               else "randomized in the audit chain, missing from the registry"))
            continue
        for name in _ASSIGNMENT_FACTS:
            if name in recorded and held[name] != recorded[name]:
                yield f"{_who(key, slugs)}: assignment {name} is {held[name]!r} in the registry, {recorded[name]!r} in the audit chain"


def _imports(session: Session, state: ChainState, slugs: dict[int, str], reader: ColumnReader | None,
             digests: ParallelDigests | None) -> Iterator[str]:
    actual = {i.id: i for i in session.scalars(select(DataImport).order_by(DataImport.id))}
    for import_id in sorted(set(actual) | set(state.imports)):
        held, recorded = actual.get(import_id), state.imports.get(import_id)
        if held is None or recorded is None:
            yield f"import #{import_id}: " + ("in the registry, but no audit event records it" if recorded is None else "missing from the registry")
            continue
        where = f"import #{import_id} ({held.filename}, experiment {slugs.get(held.experiment_id, held.experiment_id)!r})"
        for name, column in (("sha256", "content_sha256"), ("rows", "rows"), ("revision", "revision"), ("active", "active")):
            if getattr(held, column) != recorded[name]:
                yield f"{where}: {column} is {getattr(held, column)!r} in the registry, {recorded[name]!r} in the audit chain"
        if not held.active or "rows_sha256" not in recorded or held.experiment_id in state.purged:
            continue
        if recorded.get("rows_digest") == ROWS_DIGEST:
            digest = (digests.get(import_id) if digests is not None else None) or import_rows_sha256(session, import_id, reader)
        else:
            digest = legacy_import_rows_sha256(session, import_id)
        if digest != recorded["rows_sha256"]:
            yield f"{where}: the rows it wrote (outcome months, survey answers, scores or services) were changed, added or deleted since"


def _services(session: Session, state: ChainState, slugs: dict[int, str], pseudonym_of: dict[int, str],
              experiment_of: dict[int, int]) -> Iterator[str]:
    with_minutes = {k[:4] for k in state.services if k[4] is not None}
    actual: Counter[tuple[Any, ...]] = Counter()
    # services recorded one by one are events of their own; those of a file are in its import's rows digest
    for pid, kind, on, minutes in session.execute(select(ServiceContact.participant_id, ServiceContact.kind, ServiceContact.on,
                                                         ServiceContact.minutes).where(ServiceContact.import_id.is_(None))):
        key = (experiment_of[pid], pseudonym_of[pid], kind, on.isoformat())
        actual[(*key, minutes if key in with_minutes else None)] += 1
    for fact in sorted((actual - state.services).keys() | (state.services - actual).keys(), key=str):
        yield (f"{_who(fact[:2], slugs)}: the registry holds {actual[fact]} service {fact[2]!r} on {fact[3]}"
               f"{f' ({fact[4]} minutes)' if fact[4] is not None else ''}, the audit chain records {state.services[fact]}")
