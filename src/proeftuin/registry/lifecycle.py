"""The trial's lifecycle as an explicit state machine, checked by every operation on a trial.

::

    draft --seal--> recruiting --close--> closed --unseal--> unsealed
                                            |                   |
                                            +------purge--------+--> purged

- draft: stored, not yet sealed (only inside :func:`~proeftuin.registry.experiments.create_trial`,
  which seals the plan and opens recruitment in one transaction);
- recruiting: people are enrolled, consent and are randomized, dated inside the experiment's
  period; data come in;
- closed: no new participant and no new allocation; withdrawals, data and analyses go on; the
  seed may now be published;
- unsealed: the seed is public (anyone can recompute the allocations), so no allocation can ever
  follow;
- purged: person-level data are deleted after the retention period; the trial's design, seal and
  audit log stay.

Each transition is recorded in the audit chain (``transition`` events), so ``verify`` recomputes
the state and names a status changed behind the registry's back.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum

from sqlalchemy.orm import Session

from proeftuin.registry.audit import Action, AuditLog
from proeftuin.registry.crud import RegistryError
from proeftuin.registry.models import Experiment
from proeftuin.registry.roles import Operation


class TrialState(str, Enum):
    draft = "draft"
    recruiting = "recruiting"
    closed = "closed"
    unsealed = "unsealed"
    purged = "purged"


S, O = TrialState, Operation
_DATA = frozenset({O.see_arm, O.record_service, O.import_data, O.export_pseudonymized, O.export_aggregate, O.run_analysis})
ALLOWED: dict[TrialState, frozenset[Operation]] = {
    S.draft: frozenset({O.create_experiment}),
    S.recruiting: _DATA | {O.enrol, O.consent, O.randomize, O.close},
    S.closed: _DATA | {O.consent, O.unseal, O.purge},  # consent: withdrawals only (record_consent)
    S.unsealed: _DATA | {O.consent, O.purge},
    S.purged: frozenset({O.export_aggregate}),
}
"""The operations each state allows (the list an error names)."""

TRANSITIONS: dict[tuple[TrialState, Operation], TrialState] = {
    (S.draft, O.create_experiment): S.recruiting,
    (S.recruiting, O.close): S.closed,
    (S.closed, O.unseal): S.unsealed,
    (S.closed, O.purge): S.purged,
    (S.unsealed, O.purge): S.purged,
}
"""The state an operation moves a trial to; operations not listed leave it where it is."""


class TrialStateError(RegistryError):
    """An operation the trial's current state does not allow (the message names state and allowed operations)."""


def state_of(experiment: Experiment) -> TrialState:
    return TrialState(experiment.status)


def check_operation(experiment: Experiment, operation: Operation) -> TrialState:
    """The state ``operation`` leaves ``experiment`` in, if its current state allows it; :class:`TrialStateError` otherwise."""
    state = state_of(experiment)
    if operation not in ALLOWED[state]:
        allowed = ", ".join(sorted(o.value for o in ALLOWED[state])) or "nothing"
        raise TrialStateError(f"experiment {experiment.slug!r} is {state.value}: {operation.value} is not allowed; allowed now: {allowed}")
    return TRANSITIONS.get((state, operation), state)


def check_in_period(experiment: Experiment, on: dt.date, what: str) -> None:
    """Intake events are dated inside the experiment's period (its intake window)."""
    if not experiment.start_date <= on <= experiment.end_date:
        raise TrialStateError(
            f"{what} dated {on} is outside the intake window of {experiment.slug!r} ({experiment.start_date} - {experiment.end_date})")


def move(*, session: Session, actor: str, experiment: Experiment, operation: Operation, on: dt.date) -> TrialState:
    """Check ``operation`` against the state and, if it moves the trial, record the transition in the audit chain."""
    before = state_of(experiment)
    after = check_operation(experiment, operation)
    if after is not before:
        experiment.status = after.value
        AuditLog(session).record(actor=actor, action=Action.transition, experiment_id=experiment.id, subject=experiment.slug,
                                 payload={"from": before.value, "to": after.value, "operation": operation.value, "on": on.isoformat()})
    return after
