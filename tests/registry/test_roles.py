"""The permission matrix, walked in full: every operation for every role."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from proeftuin.registry.audit import keyed_engine
from proeftuin.registry.db import make_engine, migrate, session_scope
from proeftuin.registry.roles import PERMISSIONS, Operation, PermissionDenied, Role, add_user, authorize
from proeftuin.registry.settings import RegistrySettings

EXPECTED = {
    Role.admin: {"manage_users", "create_experiment", "list_experiments", "enrol", "consent", "randomize", "see_arm",
                 "record_service", "import_data", "export_aggregate", "read_audit", "verify", "close", "unseal", "purge"},
    Role.case_manager: {"list_experiments", "enrol", "consent", "randomize", "see_arm", "record_service"},
    Role.researcher: {"list_experiments", "import_data", "export_pseudonymized", "export_aggregate", "run_analysis"},
    Role.auditor: {"list_experiments", "export_aggregate", "read_audit", "verify"},
}


def test_every_operation_is_in_the_matrix() -> None:
    assert set(PERMISSIONS) == set(Operation)


@pytest.fixture(scope="module")
def engines(tmp_path_factory: pytest.TempPathFactory, template_settings: RegistrySettings) -> Iterator[dict[Role, Engine]]:
    """One migrated registry per role, with the admin "root" and the user "u" of that role (``authorize`` only reads)."""
    engines = {}
    for role in Role:
        engine = keyed_engine(make_engine(f"sqlite:///{tmp_path_factory.mktemp('roles') / 'roles.db'}"), template_settings)
        migrate(engine)
        with session_scope(engine) as session:
            add_user(session=session, actor=None, name="root", role=Role.admin)
            add_user(session=session, actor="root", name="u", role=role)
        engines[role] = engine
    yield engines
    for engine in engines.values():
        engine.dispose()


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
@pytest.mark.parametrize("operation", list(Operation), ids=lambda o: o.value)
def test_matrix(engines: dict[Role, Engine], role: Role, operation: Operation) -> None:
    with session_scope(engines[role]) as session:
        if operation.value in EXPECTED[role]:
            assert authorize(session=session, actor="u", operation=operation).name == "u"
        else:
            with pytest.raises(PermissionDenied, match=f"user 'u' \\({role.value}\\) may not {operation.value}"):
                authorize(session=session, actor="u", operation=operation)
