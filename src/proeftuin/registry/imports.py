"""Storing an imported file: all or nothing, idempotent by content hash, corrections as revisions.

The file is parsed and typed by :mod:`proeftuin.workflow.imports`; here every row is checked
against the registry (a known, randomized person of the experiment; a month inside the
experiment; no person-month twice, in the file or already imported from another file), and the
whole file is refused at the first problem, with its row and column (:class:`ImportRejected`).
Importing the same content again changes nothing. A file with the same name but new content is a
correction: it supersedes the previous revision (whose rows are replaced), and both stay on record.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from proeftuin.design import TrialPlan
from proeftuin.registry.audit import Action, AuditLog
from proeftuin.registry.bulk import insert_frame
from proeftuin.registry.db import bind_chunks
from proeftuin.registry.digest import ROWS_DIGEST, frame_rows_sha256, import_rows_sha256
from proeftuin.registry.lifecycle import check_operation
from proeftuin.registry.crud import RegistryError, get_experiment
from proeftuin.registry.experiments import stored_plan, trial_plan
from proeftuin.registry.models import (
    Assignment, DataImport, Experiment, OutcomeMonth, OwnOutcomeMonth, Participant, SurveyItem, SurveyResponse,
)
from proeftuin.registry.roles import Operation, authorize
from proeftuin.registry.survey import index_scores

Source = Literal["municipal", "cbs"]
MONTH_KEY = 1_000_000
"""A person-month as one integer: ``participant_id * MONTH_KEY + month`` (a month index is far below it)."""


class ImportRejected(RegistryError):
    """A row the registry refuses: ``index`` is the 0-based data row, ``column`` the culprit."""

    def __init__(self, message: str, *, index: int, column: str) -> None:
        super().__init__(message)
        self.message, self.index, self.column = message, index, column


@dataclass(frozen=True)
class ImportResult:
    """What an import did: ``imported``, ``unchanged`` (same content) or ``corrected`` (new revision)."""

    status: Literal["imported", "unchanged", "corrected"]
    import_id: int
    revision: int
    rows: int


def quoted(pseudonym: str) -> str:
    """A pseudonym as an error quotes it: its first 12 characters (enough to find it, short whatever was written)."""
    return repr(str(pseudonym)[:12])


def _randomized(session: Session, experiment: Experiment) -> pd.DataFrame:
    """The randomized participants of ``experiment``: ``id`` and ``assigned_on`` by pseudonym."""
    rows = session.execute(select(Participant.pseudonym, Participant.id, Assignment.assigned_on)
                           .join(Assignment, Assignment.participant_id == Participant.id)
                           .where(Participant.experiment_id == experiment.id)).all()
    pseudonyms, ids, assigned_on = [list(column) for column in zip(*rows, strict=True)] if rows else [[], [], []]
    return pd.DataFrame({"id": np.array(ids, dtype=np.int64), "assigned_on": assigned_on}, index=pd.Index(pseudonyms, dtype=object, name="pseudonym"))


def _known_people(frame: pd.DataFrame, randomized: pd.DataFrame) -> np.ndarray:
    """The row of ``randomized`` of each row's pseudonym; an unknown pseudonym is refused."""
    positions = randomized.index.get_indexer(frame["pseudonym"])
    unknown = positions < 0
    if unknown.any():
        index = int(np.flatnonzero(unknown)[0])
        raise ImportRejected(f"no randomized participant {quoted(frame['pseudonym'].iloc[index])} in this experiment", index=index, column="pseudonym")
    return positions


def _month_number(dates: Any) -> np.ndarray:
    """Months since 1970-01 of dates (``datetime.date`` objects or ``datetime64``)."""
    return pd.to_datetime(pd.Series(dates)).to_numpy(dtype="datetime64[M]").astype(np.int64)


def _same_content(session: Session, experiment: Experiment, kind: str, source: str, digest: str) -> DataImport | None:
    return session.scalar(select(DataImport).where(DataImport.experiment_id == experiment.id, DataImport.kind == kind, DataImport.source == source,
                                                   DataImport.active.is_(True), DataImport.content_sha256 == digest))


def imported_before(*, session: Session, actor: str, slug: str, kind: str, source: str, content_sha256: str) -> ImportResult | None:
    """The result "unchanged" when the same content was imported before (any file name), checked before a file is parsed; else ``None``."""
    authorize(session=session, actor=actor, operation=Operation.import_data)
    same = _same_content(session, get_experiment(session=session, slug=slug), kind, source, content_sha256)
    return None if same is None else ImportResult("unchanged", same.id, same.revision, 0)


def _previous(session: Session, experiment: Experiment, kind: str, source: str, wave: int | None, filename: str, digest: str) -> tuple[DataImport | None, DataImport | None]:
    """The same content imported before (any name), and the active revision of this file name."""
    base = select(DataImport).where(DataImport.experiment_id == experiment.id, DataImport.kind == kind,
                                    DataImport.source == source, DataImport.active.is_(True))
    current = session.scalar(base.where(DataImport.filename == filename, DataImport.wave.is_(wave) if wave is None else DataImport.wave == wave))
    return _same_content(session, experiment, kind, source, digest), current


def begin_import(session: Session, actor: str, experiment: Experiment, *, kind: str, source: str, wave: int | None, filename: str, digest: str, rows: int) -> tuple[DataImport, DataImport | None] | ImportResult:
    """The new revision and the one it supersedes; or, when the same content was imported before, the result "unchanged"."""
    same, current = _previous(session, experiment, kind, source, wave, filename, digest)
    if same is not None:
        return ImportResult("unchanged", same.id, same.revision, 0)
    record = DataImport(experiment_id=experiment.id, kind=kind, source=source, wave=wave, filename=filename, content_sha256=digest,
                        revision=(current.revision + 1) if current else 1, supersedes_id=current.id if current else None,
                        active=True, rows=rows, imported_by=actor)
    if current is not None:
        current.active = False
    session.add(record)
    session.flush()
    return record, current


def store_outcomes(
    *, session: Session, actor: str, slug: str, frame: pd.DataFrame, source: Source, filename: str, content_sha256: str
) -> ImportResult:
    """Store monthly labour records (columns pseudonym, period, hours_per_week, contract, gross_earnings, on_benefit).

    Every check is one vectorised pass; the rows go in with the driver's bulk path
    (:func:`~proeftuin.registry.bulk.insert_frame`) and their digest is computed from the frame.
    """
    authorize(session=session, actor=actor, operation=Operation.import_data)
    experiment = get_experiment(session=session, slug=slug)
    randomized = _randomized(session, experiment)
    positions = _known_people(frame, randomized)
    participant_ids = randomized["id"].to_numpy(dtype=np.int64)[positions]
    periods = _month_number(frame["period"])
    first = dt.date(experiment.start_date.year, experiment.start_date.month, 1)
    until = trial_plan(experiment).records_until if experiment.plan is not None else experiment.end_date  # the plan's follow-up end
    last = dt.date(until.year, until.month, 1)
    bounds = _month_number([first, last])
    outside = (periods < bounds[0]) | (periods > bounds[1])
    if outside.any():
        index = int(np.flatnonzero(outside)[0])
        raise ImportRejected(f"month {pd.Timestamp(frame['period'].iloc[index]):%Y-%m} is outside the experiment and its follow-up "
                             f"({first:%Y-%m} to {last:%Y-%m})", index=index, column="month")
    months = periods - _month_number(randomized["assigned_on"])[positions] + 1
    if (months < 1).any():
        index = int(np.flatnonzero(months < 1)[0])
        raise ImportRejected(f"month {pd.Timestamp(frame['period'].iloc[index]):%Y-%m} is before this person's randomization", index=index, column="month")
    keys = participant_ids * MONTH_KEY + months
    duplicated = pd.Series(keys).duplicated().to_numpy()
    if duplicated.any():
        index = int(np.flatnonzero(duplicated)[0])
        raise ImportRejected("duplicate person-month (the same person and month appear earlier in the file)", index=index, column="month")
    begun = begin_import(session, actor, experiment, kind="outcomes", source=source, wave=None, filename=filename, digest=content_sha256, rows=len(frame))
    if isinstance(begun, ImportResult):
        return begun
    record, superseded = begun
    if superseded is not None:
        session.execute(delete(OutcomeMonth).where(OutcomeMonth.import_id == superseded.id))
    existing = np.array(session.execute(select(OutcomeMonth.participant_id, OutcomeMonth.month).join(Participant)
                                        .where(Participant.experiment_id == experiment.id, OutcomeMonth.source == source)).all(),
                        dtype=np.int64).reshape(-1, 2)
    clash = np.isin(keys, existing[:, 0] * MONTH_KEY + existing[:, 1])
    if clash.any():
        index = int(np.flatnonzero(clash)[0])
        raise ImportRejected(f"duplicate person-month: already imported from another {source} file", index=index, column="month")
    rows = pd.DataFrame({"participant_id": participant_ids, "month": months, "period": frame["period"].to_numpy(),
                         "hours_per_week": frame["hours_per_week"].to_numpy(dtype=float), "contract": frame["contract"].to_numpy(),
                         "gross_earnings": frame["gross_earnings"].to_numpy(dtype=float), "on_benefit": frame["on_benefit"].to_numpy(dtype=bool),
                         "source": source, "import_id": record.id})
    insert_frame(session, OutcomeMonth.__table__, rows)  # type: ignore[arg-type]
    own = store_own_outcomes(session, experiment, frame, participant_ids, months, source=source, record=record, superseded=superseded)
    # the digest from the frames, as they were written
    return finish_import(session, actor, experiment, record, superseded,
                         rows_sha256=frame_rows_sha256({OutcomeMonth.__table__: rows, OwnOutcomeMonth.__table__: own}))  # type: ignore[dict-item]


def store_own_outcomes(
    session: Session, experiment: Experiment, frame: pd.DataFrame, participant_ids: np.ndarray, months: np.ndarray, *,
    source: str, record: DataImport, superseded: DataImport | None,
) -> pd.DataFrame:
    """Store the values of the outcomes the trial's plan declares of its own (``outcomes.own``), one
    row per person, month and outcome, from the plan's column of ``frame`` (a blank value, NaN, is
    not stored); a correction replaces the superseded revision's rows. Returns the rows stored (a frame, empty if none).

    ``participant_ids`` and ``months`` (months since randomization) are those of ``frame``'s rows,
    checked by :func:`store_outcomes`. A trial without outcomes of its own stores nothing.
    """
    if superseded is not None:
        session.execute(delete(OwnOutcomeMonth).where(OwnOutcomeMonth.import_id == superseded.id))
    own = stored_plan(experiment).outcomes.own
    missing = [spec.column for spec in own.values() if spec.column not in frame.columns]
    if missing:
        raise RegistryError(f"the plan's own outcome column {missing[0]!r} is missing from the outcome records")
    periods = frame["period"].to_numpy()
    frames = []
    for name, spec in own.items():  # outcome by outcome, rows in the file's order
        values = frame[spec.column].to_numpy(dtype=float)
        given = ~np.isnan(values)
        frames.append(pd.DataFrame({"participant_id": participant_ids[given], "month": months[given], "period": periods[given], "source": source,
                                    "name": name, "value": values[given], "import_id": record.id}))
    rows = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    insert_frame(session, OwnOutcomeMonth.__table__, rows)  # type: ignore[arg-type]
    return rows


def finish_import(session: Session, actor: str, experiment: Experiment, record: DataImport, superseded: DataImport | None,
                  rows_sha256: str | None = None) -> ImportResult:
    """Audit the import (by content hash and the digest of the rows it wrote) and say what it did.

    ``rows_sha256`` is the digest of the rows as the caller wrote them (:func:`frame_rows_sha256`);
    without it they are read back (:func:`import_rows_sha256`).
    """
    check_operation(experiment, Operation.import_data)
    digest = rows_sha256 if rows_sha256 is not None else import_rows_sha256(session, record.id)
    payload = {"rows_sha256": digest, "rows_digest": ROWS_DIGEST, "import_id": record.id, "kind": record.kind, "source": record.source,
               "wave": record.wave, "file": record.filename,
               "sha256": record.content_sha256, "rows": record.rows, "revision": record.revision,
               "supersedes": superseded.id if superseded else None}
    action = Action.correct if superseded else Action.import_data
    AuditLog(session).record(actor=actor, action=action, experiment_id=experiment.id, subject=record.filename, payload=payload)
    return ImportResult("corrected" if superseded else "imported", record.id, record.revision, record.rows)


def survey_plan(experiment: Experiment) -> TrialPlan:
    plan = trial_plan(experiment)
    if not plan.survey.indices:
        raise RegistryError(f"experiment {experiment.slug!r} declares no survey instrument in its plan")
    return plan


def store_survey(
    *, session: Session, actor: str, slug: str, frame: pd.DataFrame, items: Sequence[str], wave: int, filename: str, content_sha256: str
) -> ImportResult:
    """Store item answers of one wave (columns pseudonym and the instrument's items) and the indices scored from them."""
    authorize(session=session, actor=actor, operation=Operation.import_data)
    experiment = get_experiment(session=session, slug=slug)
    plan = survey_plan(experiment)
    randomized = _randomized(session, experiment)
    participant_ids = randomized["id"].to_numpy(dtype=np.int64)[_known_people(frame, randomized)]
    duplicated = pd.Series(participant_ids).duplicated().to_numpy()
    if duplicated.any():
        index = int(np.flatnonzero(duplicated)[0])
        raise ImportRejected(f"the same person answers twice in wave {wave}", index=index, column="pseudonym")
    begun = begin_import(session, actor, experiment, kind="survey", source="survey", wave=wave, filename=filename, digest=content_sha256, rows=len(frame))
    if isinstance(begun, ImportResult):
        return begun
    record, superseded = begun
    if superseded is not None:
        session.execute(delete(SurveyItem).where(SurveyItem.import_id == superseded.id))
        session.execute(delete(SurveyResponse).where(SurveyResponse.import_id == superseded.id))
    taken = {i for chunk in bind_chunks(int(i) for i in participant_ids)
             for i in session.scalars(select(SurveyItem.participant_id).where(SurveyItem.wave == wave, SurveyItem.participant_id.in_(chunk)))}
    if taken:
        index = int(np.flatnonzero(np.isin(participant_ids, list(taken)))[0])
        raise ImportRejected(f"this person's wave {wave} answers were already imported from another file", index=index, column="pseudonym")
    values = frame[list(items)].to_numpy(dtype=float)
    answered = ~np.isnan(values)  # a blank answer is not stored; rows person by person, items in the file's order
    answers = pd.DataFrame({"participant_id": np.repeat(participant_ids, len(items))[answered.ravel()], "wave": wave,
                            "item": np.tile(np.asarray(items, dtype=object), len(participant_ids))[answered.ravel()],
                            "value": values[answered], "import_id": record.id})
    names, ids, scores = [], [], []  # index by index, people in the file's order
    for name, spec in plan.survey.indices.items():
        columns = [list(items).index(i) for i in spec.items]
        score = index_scores(values[:, columns], spec)
        scored = ~np.isnan(score)
        names.append(np.full(int(scored.sum()), name, dtype=object))
        ids.append(participant_ids[scored])
        scores.append(score[scored])
    indices = pd.DataFrame({"participant_id": np.concatenate(ids), "wave": wave, "index_name": np.concatenate(names),
                            "score": np.concatenate(scores).astype(float), "import_id": record.id})
    frames = {SurveyItem.__table__: answers, SurveyResponse.__table__: indices}
    for table, rows in frames.items():
        insert_frame(session, table, rows)  # type: ignore[arg-type]
    return finish_import(session, actor, experiment, record, superseded, rows_sha256=frame_rows_sha256(frames))  # type: ignore[arg-type]
