"""``proeftuin import outcomes|survey``: parse a file strictly, then store it all or nothing.

Declared schemas (one row per person-month, or per respondent)::

    outcomes: pseudonym, month (YYYY-MM), hours_per_week (0-100), contract (none|temporary|permanent),
              gross_earnings (0-100,000 EUR a month), on_benefit (true|false|1|0), and one column per
              outcome of the plan's own (``outcomes.own``: 0/1 if binary, else a number in its declared
              range; blank = not measured that month)
    survey:   pseudonym, and one column per item of the plan's instrument (blank = not answered)
    services: pseudonym, on (YYYY-MM-DD), kind (lower-case word, e.g. contact, coaching), minutes (0-1440)

The plausible ranges are declared once, in :data:`PLAUSIBLE`. Every problem is a :class:`~proeftuin.workflow.tabular.TabularError` naming the file, the row
(as in a spreadsheet: header = row 1) and the column; nothing is written then.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import ValidationError
from sqlalchemy import Engine

from proeftuin.design.plan import OwnOutcomeSpec
from proeftuin.registry.crud import get_experiment
from proeftuin.registry.experiments import stored_plan
from proeftuin.registry.db import session_scope
from proeftuin.registry.imports import ImportRejected, ImportResult, Source, imported_before, store_outcomes, store_survey, survey_plan
from proeftuin.registry.schemas import ServiceCreate
from proeftuin.registry.services import store_services
from proeftuin.workflow.tabular import (
    TabularError, label_column, label_series, numeric_column, quote, read_table, readable_file, require_columns, spreadsheet_row,
)

OUTCOME_COLUMNS = ("pseudonym", "month", "hours_per_week", "contract", "gross_earnings", "on_benefit")
CONTRACTS = ("none", "temporary", "permanent")


@dataclass(frozen=True)
class Plausible:
    """The range a value of a column must lie in, with its unit and the reason for the bounds."""

    low: float
    high: float
    unit: str
    reason: str


PLAUSIBLE = {
    "hours_per_week": Plausible(0, 100, "hours a week", "a week has 168 hours; more than 100 worked is a typing error"),
    "gross_earnings": Plausible(0, 100_000, "EUR a month", "some 25 times the minimum wage; beyond it, a misplaced decimal or a yearly sum"),
    "minutes": Plausible(0, 24 * 60, "minutes", "one service takes at most a day"),
}
MAX_WAVE = 99  # survey waves of one trial; a larger number is a typing error (and overflows a database integer)
# a month as YYYY-MM; the first of the month (as Excel writes a date cell) is read as its month
_MONTH = re.compile(r"^(\d{4})-(\d{2})(?:-01(?: 00:00:00)?)?$")
_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?: 00:00:00)?$")


def content_hash(path: Path) -> str:
    """SHA-256 of the file's bytes: the identity of an import (a missing or unreadable file is a :class:`TabularError`)."""
    try:
        with readable_file(path).open("rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except PermissionError:
        raise TabularError(path, "the file cannot be read (permission denied)") from None


def parse_month(text: str) -> dt.date:
    """The first day of the month ``YYYY-MM`` (or ``YYYY-MM-01``); anything else is a ``ValueError``."""
    found = _MONTH.match(text)
    if not found:
        raise ValueError(text)
    return dt.date(int(found.group(1)), int(found.group(2)), 1)


def parse_day(text: str) -> dt.date:
    """The date ``YYYY-MM-DD`` (a real day of the calendar); anything else is a ``ValueError``."""
    found = _DAY.match(text)
    if not found:
        raise ValueError(text)
    return dt.date(*map(int, found.groups()))


def _periods(frame: pd.DataFrame, path: Path) -> np.ndarray:
    """The first day of each row's month (``datetime64[D]``), each distinct text parsed once (a file has few months)."""
    codes, texts = pd.factorize(label_series(frame, "month", path))
    firsts = []
    for code, text in enumerate(texts):
        try:
            firsts.append(parse_month(str(text)))
        except ValueError:
            index = int(np.argmax(codes == code))
            raise TabularError(path, f"{quote(text)} is not a month (write YYYY-MM)", column="month", row=spreadsheet_row(index)) from None
    return np.array(firsts, dtype="datetime64[D]")[codes]


def _in_range(values: np.ndarray, low: float, high: float, column: str, path: Path) -> np.ndarray:
    bad = (values < low) | (values > high)
    if bad.any():
        index = int(np.flatnonzero(bad)[0])
        raise TabularError(path, f"{values[index]:g} is outside {low:g}-{high:g}", column=column, row=spreadsheet_row(index))
    return values


def _plausible(frame: pd.DataFrame, column: str, path: Path) -> np.ndarray:
    """The numbers of ``column``, each inside its declared :data:`PLAUSIBLE` range."""
    bounds = PLAUSIBLE[column]
    values = numeric_column(frame, column, path, allow_missing=False)
    bad = (values < bounds.low) | (values > bounds.high)
    if bad.any():
        index = int(np.flatnonzero(bad)[0])
        raise TabularError(path, f"{values[index]:g} is outside {bounds.low:g}-{bounds.high:g} {bounds.unit} ({bounds.reason})",
                           column=column, row=spreadsheet_row(index))
    return values


def own_values(frame: pd.DataFrame, own: Mapping[str, OwnOutcomeSpec], path: Path) -> dict[str, np.ndarray]:
    """The monthly values of the plan's own outcomes, by column: numbers (blank = not measured that
    month, NaN), 0 or 1 for a binary outcome, inside the plan's ``minimum``-``maximum`` otherwise."""
    values = {}
    for spec in own.values():
        column = numeric_column(frame, spec.column, path, allow_missing=True)
        measured = ~np.isnan(column)
        low, high = spec.bounds
        _in_range(np.where(measured, column, low), low, high, spec.column, path)
        if spec.kind == "binary" and not np.isin(column[measured], (0.0, 1.0)).all():
            index = int(np.flatnonzero(measured & ~np.isin(column, (0.0, 1.0)))[0])
            raise TabularError(path, f"{column[index]:g} is not 0 or 1 (a binary outcome: write 1/0 or true/false)",
                               column=spec.column, row=spreadsheet_row(index))
        values[spec.column] = column
    return values


def parse_outcomes(path: Path, own: Mapping[str, OwnOutcomeSpec] | None = None) -> pd.DataFrame:
    """The typed outcome rows of ``path`` (see the module docstring), with a column per outcome of
    the plan's own (``own``, the plan's ``outcomes.own``: required, see :func:`own_values`)."""
    return validate_outcomes(read_table(path), path, own)


def validate_outcomes(frame: pd.DataFrame, path: Path, own: Mapping[str, OwnOutcomeSpec] | None = None) -> pd.DataFrame:
    """The typed outcome rows of ``frame``, the cells of file ``path`` as read (:func:`parse_outcomes`).

    Every check is vectorised over the column (text cells read once per distinct value, see
    :func:`~proeftuin.workflow.tabular.numeric_column`); only when one fails is its first cell
    looked for, to name its row and column."""
    schema = (*OUTCOME_COLUMNS, *(spec.column for spec in (own or {}).values()))
    require_columns(frame, schema, path)
    extra = [c for c in frame.columns if c not in schema]
    if extra:
        raise TabularError(path, f"unexpected column (the schema has {', '.join(schema)})", column=str(extra[0]))
    contract = label_series(frame, "contract", path)
    bad = ~contract.isin(CONTRACTS).to_numpy()
    if bad.any():
        index = int(np.flatnonzero(bad)[0])
        raise TabularError(path, f"{quote(contract.iloc[index])} is not one of {', '.join(CONTRACTS)}", column="contract", row=spreadsheet_row(index))
    benefit = numeric_column(frame, "on_benefit", path, allow_missing=False)
    _in_range(benefit, 0, 1, "on_benefit", path)
    if not np.isin(benefit, (0.0, 1.0)).all():
        index = int(np.flatnonzero(~np.isin(benefit, (0.0, 1.0)))[0])
        raise TabularError(path, "write true/false or 1/0", column="on_benefit", row=spreadsheet_row(index))
    return pd.DataFrame({
        "pseudonym": label_series(frame, "pseudonym", path),
        "period": _periods(frame, path),
        "hours_per_week": _plausible(frame, "hours_per_week", path),
        "contract": contract,
        "gross_earnings": _plausible(frame, "gross_earnings", path),
        "on_benefit": benefit.astype(bool),
        **own_values(frame, own or {}, path),
    })


def _rejected(path: Path, exc: ImportRejected) -> TabularError:
    return TabularError(path, exc.message, column=exc.column, row=spreadsheet_row(exc.index))


def own_outcomes(engine: Engine, slug: str) -> dict[str, OwnOutcomeSpec]:
    """The outcomes of trial ``slug``'s own plan (none for a trial stored without a plan)."""
    with session_scope(engine) as session:
        return dict(stored_plan(get_experiment(session=session, slug=slug)).outcomes.own)


def import_outcomes(engine: Engine, path: Path | str, *, slug: str, actor: str, source: Source = "municipal") -> ImportResult:
    """Parse and store an outcomes file in one transaction; content imported before is "unchanged" without being parsed."""
    path = Path(path)
    digest = content_hash(path)
    with session_scope(engine) as session:
        done = imported_before(session=session, actor=actor, slug=slug, kind="outcomes", source=source, content_sha256=digest)
    if done is not None:
        return done
    frame = parse_outcomes(path, own_outcomes(engine, slug))
    try:
        with session_scope(engine) as session:
            return store_outcomes(session=session, actor=actor, slug=slug, frame=frame, source=source,
                                  filename=path.name, content_sha256=digest)
    except ImportRejected as exc:
        raise _rejected(path, exc) from None


def import_survey(engine: Engine, path: Path | str, *, slug: str, actor: str, wave: int) -> ImportResult:
    """Parse item answers of ``wave`` against the experiment's instrument and store them in one transaction."""
    path = Path(path)
    if not 0 <= wave <= MAX_WAVE:
        raise TabularError(path, f"--wave must be 0 (baseline) to {MAX_WAVE}; got {wave}")
    with session_scope(engine) as session:
        plan = survey_plan(get_experiment(session=session, slug=slug))
    items = list(dict.fromkeys(i for spec in plan.survey.indices.values() for i in spec.items))
    frame = read_table(path)
    require_columns(frame, ["pseudonym", *items], path)
    extra = [c for c in frame.columns if c not in {"pseudonym", *items}]
    if extra:
        raise TabularError(path, "not an item of the experiment's survey instrument", column=str(extra[0]))
    columns = {"pseudonym": label_column(frame, "pseudonym", path)}
    for spec in plan.survey.indices.values():
        for item in spec.items:
            values = numeric_column(frame, item, path, allow_missing=True)
            answered = ~np.isnan(values)
            _in_range(np.where(answered, values, spec.scale[0]), spec.scale[0], spec.scale[1], item, path)
            columns[item] = values
    typed = pd.DataFrame(columns)  # one frame of all columns (inserting them one by one cost more than checking them)
    try:
        with session_scope(engine) as session:
            return store_survey(session=session, actor=actor, slug=slug, frame=typed, items=items, wave=wave,
                                filename=path.name, content_sha256=content_hash(path))
    except ImportRejected as exc:
        raise _rejected(path, exc) from None


SERVICE_COLUMNS = ("pseudonym", "on", "kind", "minutes")


def parse_services(path: Path) -> list[ServiceCreate]:
    """The services received, one per row of ``path`` (see the module docstring)."""
    frame = read_table(path)
    require_columns(frame, SERVICE_COLUMNS, path)
    extra = [c for c in frame.columns if c not in SERVICE_COLUMNS]
    if extra:
        raise TabularError(path, f"unexpected column (the schema has {', '.join(SERVICE_COLUMNS)})", column=str(extra[0]))
    pseudonyms, days, kinds = (label_column(frame, c, path) for c in ("pseudonym", "on", "kind"))
    minutes = _plausible(frame, "minutes", path)
    services = []
    for index, (pseudonym, day, kind, duration) in enumerate(zip(pseudonyms, days, kinds, minutes, strict=True)):
        try:
            on = parse_day(str(day))
        except ValueError:
            raise TabularError(path, f"{quote(day)} is not a date (YYYY-MM-DD)", column="on", row=spreadsheet_row(index)) from None
        if duration != int(duration):
            raise TabularError(path, f"{duration:g} is not a whole number of minutes", column="minutes", row=spreadsheet_row(index))
        try:
            services.append(ServiceCreate(pseudonym=str(pseudonym), on=on, kind=str(kind), minutes=int(duration)))
        except ValidationError as exc:
            first = exc.errors()[0]
            raise TabularError(path, f"{quote(kind) if first['loc'][0] == 'kind' else ''} {first['msg']}".strip(),
                               column=str(first["loc"][0]), row=spreadsheet_row(index)) from None
    return services


def import_services(engine: Engine, path: Path | str, *, slug: str, actor: str) -> ImportResult:
    """Record the services of ``path`` in one transaction (all or nothing); the same file again changes nothing."""
    path = Path(path)
    services = parse_services(path)
    try:
        with session_scope(engine) as session:
            return store_services(session=session, actor=actor, slug=slug, services=services, filename=path.name,
                                  content_sha256=content_hash(path))
    except ImportRejected as exc:
        raise _rejected(path, exc) from None
