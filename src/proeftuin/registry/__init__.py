"""The system of record: models, data access, pseudonymization and migrations."""

from proeftuin.registry.accounts import Account, account_with_password_hash, end_sessions, get_account, store_password_hash
from proeftuin.registry.crud import (
    ExperimentData,
    RegistryError,
    create_experiment,
    get_experiment,
    latest_analysis_run,
    list_experiments,
    load_experiment_data,
    record_analysis_run,
)
from proeftuin.registry.db import DEFAULT_URL, Engine, Session, make_engine, migrate, session_scope
from proeftuin.registry.pseudonym import InvalidBSN, is_valid_bsn, pseudonymize

__all__ = [
    "Account",
    "DEFAULT_URL",
    "Engine",
    "ExperimentData",
    "InvalidBSN",
    "RegistryError",
    "Session",
    "account_with_password_hash",
    "create_experiment",
    "end_sessions",
    "get_account",
    "get_experiment",
    "is_valid_bsn",
    "latest_analysis_run",
    "list_experiments",
    "load_experiment_data",
    "make_engine",
    "migrate",
    "pseudonymize",
    "record_analysis_run",
    "session_scope",
    "store_password_hash",
]
