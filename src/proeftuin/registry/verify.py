"""``proeftuin verify``: recompute every allocation from the sealed seed, the keyed audit chain, and every fact from the chain.

For each experiment with a seal: the seed (unsealed, or derived from the seal key in the
settings) must match the commitment; the assignments' sequence numbers must run 1..n; every
assignment must be the one :func:`proeftuin.design.replay` recomputes from the seed, the
algorithm version and the recorded order. Then the audit chain is recomputed with the audit key
(and against a head kept outside the database, when given), and the state it records is compared
with the tables fact by fact (:mod:`proeftuin.registry.chain_state`). The problems are listed in
that order; the first names the record that differs.

Every pass reads its rows once, on PostgreSQL as Arrow columns through the ADBC driver where it
is installed (:mod:`~proeftuin.registry.columnar`: a second connection on the session's
snapshot), else through the session's own driver, and checks them as columns: the allocations'
order and arms as whole sequences, the chain a chunk of events at a time (ids, links, MACs; the
messages assembled by Arrow where read so), replayed in runs of one action, the imported rows
digested from the columns, and each table's facts compared whole with the chain's before they
are searched for the one that differs. The imported rows are digested alongside the other passes
(:class:`~proeftuin.registry.digest.ParallelDigests`): on PostgreSQL by a thread on the reader's
snapshot, on SQLite (from 200,000 imported rows) by a thread whose second connection shares the
session's snapshot and has SQLite concatenate each column in C; on PostgreSQL the chain and the
tables compared with it are read ahead by another thread
(:meth:`~proeftuin.registry.columnar.ColumnReader.read_ahead`) while the allocations are checked.
The allocations' blocks are seeded in batches (:mod:`proeftuin.design.pcg_seeding`). On a
registry of 100,000 allocations the time goes to reading the rows, MACing each event, and
building the facts of the people, their consents and allocations in Python to compare them.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Text, cast, select
from sqlalchemy.orm import Session

from proeftuin.design import BlockDesign, Method, Recorded, SealError, Unit, block_assignment, replay, stratum_key
from proeftuin.registry.audit import audit_key, stored_events_read, verify_chain
from proeftuin.registry.chain_state import ChainState, chain_state, compare, compare_reads
from proeftuin.registry.columnar import ColumnReader, kinds_of, read_columns
from proeftuin.registry.digest import ParallelDigests
from proeftuin.registry.experiments import trial_plan
from proeftuin.registry.models import Arm, Assignment, Experiment, Participant, Seal, baseline_covariates
from proeftuin.registry.roles import Operation, authorize
from proeftuin.registry.sealing import open_seed
from proeftuin.registry.settings import RegistrySettings


@dataclass(frozen=True)
class VerifyReport:
    """What was checked, and the problems found (the first one is the record that differs)."""

    experiments: int = 0
    allocations: int = 0
    audit_events: int = 0
    head_hash: str = ""
    legacy_events: int = 0
    """Events of the unkeyed legacy chain (written before migration 0006), reported as such."""
    keys_checked: bool = True
    """False when no audit key was configured: the keyed events' links were checked, their authenticity not."""
    problems: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems


def _first(flags: Sequence[bool]) -> int:
    """The index of the first true flag (the length if none): tested whole first, in C."""
    return flags.index(True) if True in flags else len(flags)


def _check_experiment(session: Session, experiment: Experiment, seal: Seal, settings: RegistrySettings | None,
                      reader: ColumnReader) -> tuple[int, str | None]:
    p = Participant
    columns = read_columns(session, select(
        p.pseudonym, p.age, p.household, cast(p.covariates, Text), p.cluster, Assignment.sequence, Assignment.algorithm, Assignment.batch, Arm.code)
        .join(Assignment, Assignment.participant_id == p.id).join(Arm, Arm.id == Assignment.arm_id)
        .where(p.experiment_id == experiment.id).order_by(Assignment.sequence), reader)
    pseudonyms, ages, households, covariates, clusters, sequences, algorithms, batches, codes = columns
    n = len(sequences)
    if not n:
        return 0, None
    where = f"experiment {experiment.slug!r}"
    # the first row out of order or made by another algorithm, as a loop over the rows would meet them
    wrong_sequence = _first([s != expected for s, expected in zip(sequences, range(1, n + 1), strict=True)])
    version = seal.version
    wrong_algorithm = _first([a != version for a in algorithms])
    if wrong_sequence < n and wrong_sequence <= wrong_algorithm:
        return n, (f"{where}: assignment of participant {pseudonyms[wrong_sequence][:12]} has sequence "
                           f"{sequences[wrong_sequence]}, expected {wrong_sequence + 1} (an assignment was added outside the sealed path or removed)")
    if wrong_algorithm < n:
        return n, f"{where}: assignment #{wrong_algorithm + 1} was made by {algorithms[wrong_algorithm]!r}, the seal says {seal.version!r}"
    try:
        seed = open_seed(seal, experiment, settings)
    except SealError as exc:
        return n, str(exc)
    plan = trial_plan(experiment)
    arms = [a.code for a in experiment.arms]
    ratios = [a.ratio for a in experiment.arms]
    # each distinct (age, household, covariates) once: a trial's people share few of them
    people = list(zip(ages, households, covariates, strict=True))
    baseline = {person: baseline_covariates(person[0], person[1], json.loads(person[2])) for person in set(people)}
    spec = plan.randomization
    if spec.method is Method.blocks and all(c is None for c in clusters):
        # no household follows: each stratum's blocks in turn, as replay() does, with each distinct person's stratum computed once
        stratum = {person: stratum_key(values, spec.strata) for person, values in baseline.items()}
        recomputed = block_assignment(BlockDesign.from_ratios(arms, ratios, spec.block_multipliers), seed, [stratum[x] for x in people])
    else:
        recorded = [Recorded(Unit(baseline[person], cluster), sequence, code, batch)
                    for person, cluster, sequence, batch, code in zip(people, clusters, sequences, batches, codes, strict=True)]
        recomputed = replay(spec, arms, ratios, seed, recorded)
    differs = _first([held != again for held, again in zip(codes, recomputed, strict=True)])
    if differs < n:
        return n, (f"{where}: assignment #{sequences[differs]} (participant {pseudonyms[differs][:12]}) is {codes[differs]!r}; "
                           f"the sealed seed gives {recomputed[differs]!r}")
    return n, None


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for the passes, on again after (if it was).

    The passes build hundreds of thousands of acyclic objects (rows, payloads, facts) that stay
    alive until the comparison; each collection would rescan that growing heap (at 10,000 people
    40% of the chain's time). Reference counting still frees everything as usual.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def verify_registry(*, session: Session, actor: str | None = None, settings: RegistrySettings | None, head: str | None = None) -> VerifyReport:
    """Check every allocation, the audit chain and every fact against it (see the module docstring).

    ``head`` is a head kept outside the database (``ID:HASH``, printed by ``verify --print-head``);
    ``actor`` is checked against the role matrix when given (the CLI passes ``--user``);
    verification itself changes nothing and is not logged, so it can run on a read-only copy.
    """
    if actor is not None:
        authorize(session=session, actor=actor, operation=Operation.verify)
    with _collector_paused(), ColumnReader(session) as reader, ParallelDigests(session, reader) as digests:
        return _verify(session, settings, head, reader, digests)


def _verify(session: Session, settings: RegistrySettings | None, head: str | None, reader: ColumnReader, digests: ParallelDigests) -> VerifyReport:
    """:func:`verify_registry` after the role check: allocations, then the chain and its replay, then the tables against it."""
    problems: list[str] = []
    allocations = experiments = 0
    # the chain and the tables compared with it, read by the server and the driver while the allocations and the chain are checked
    reader.read_ahead(session, [stored_events_read(), *((statement, kinds) for statement in compare_reads() if (kinds := kinds_of(statement)))])
    for experiment, seal in session.execute(select(Experiment, Seal).join(Seal, Seal.experiment_id == Experiment.id).order_by(Experiment.id)):
        checked, problem = _check_experiment(session, experiment, seal, settings, reader)
        experiments += 1
        allocations += checked
        if problem:
            problems.append(problem)
    key = audit_key(settings) if settings is not None and settings.seal_key.get_secret_value() else None
    state = ChainState()  # replayed in the same pass as the chain is checked; in full again where the chain breaks
    chain_break, events, head_hash, legacy = verify_chain(session=session, key=key, head=head, visit=state.apply_checked, reader=reader)
    if chain_break is not None:
        problems.append(str(chain_break))
        state = chain_state(session)
    problems.extend(compare(session, state, reader, digests))
    return VerifyReport(experiments=experiments, allocations=allocations, audit_events=events, head_hash=head_hash,
                        legacy_events=legacy, keys_checked=key is not None or events == legacy, problems=problems)
