"""The system of record: models, data access, pseudonymization and migrations."""

from proeftuin.registry.crud import (
    ExperimentData,
    RegistryError,
    add_outcome_months,
    add_survey_responses,
    create_experiment,
    enrol_participants,
    get_experiment,
    list_experiments,
    load_experiment_data,
    month_panel,
    record_assignments,
)
from proeftuin.registry.db import DEFAULT_URL, make_engine, migrate, session_scope
from proeftuin.registry.pseudonym import InvalidBSN, is_valid_bsn, pseudonymize

__all__ = [
    "DEFAULT_URL",
    "ExperimentData",
    "InvalidBSN",
    "RegistryError",
    "add_outcome_months",
    "add_survey_responses",
    "create_experiment",
    "enrol_participants",
    "get_experiment",
    "is_valid_bsn",
    "list_experiments",
    "load_experiment_data",
    "make_engine",
    "migrate",
    "month_panel",
    "pseudonymize",
    "record_assignments",
    "session_scope",
]
