"""The permission matrix, walked in full: every operation for every role."""

from __future__ import annotations

import pytest

from proeftuin.registry.audit import keyed_engine
from proeftuin.registry.db import make_engine, migrate, session_scope
from proeftuin.registry.roles import PERMISSIONS, Operation, PermissionDenied, Role, add_user, authorize

EXPECTED = {
    Role.admin: {"manage_users", "create_experiment", "list_experiments", "enrol", "consent", "randomize", "see_arm",
                 "record_service", "import_data", "export_aggregate", "read_audit", "verify", "close", "unseal", "purge"},
    Role.case_manager: {"list_experiments", "enrol", "consent", "randomize", "see_arm", "record_service"},
    Role.researcher: {"list_experiments", "import_data", "export_pseudonymized", "export_aggregate", "run_analysis"},
    Role.auditor: {"list_experiments", "export_aggregate", "read_audit", "verify"},
}


def test_every_operation_is_in_the_matrix() -> None:
    assert set(PERMISSIONS) == set(Operation)


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
@pytest.mark.parametrize("operation", list(Operation), ids=lambda o: o.value)
def test_matrix(tmp_path, settings, role: Role, operation: Operation) -> None:  # type: ignore[no-untyped-def]
    engine = keyed_engine(make_engine(f"sqlite:///{tmp_path / 'roles.db'}"), settings)
    migrate(engine)
    with session_scope(engine) as session:
        add_user(session=session, actor=None, name="root", role=Role.admin)
        add_user(session=session, actor="root", name="u", role=role)
        if operation.value in EXPECTED[role]:
            assert authorize(session=session, actor="u", operation=operation).name == "u"
        else:
            with pytest.raises(PermissionDenied, match=f"user 'u' \\({role.value}\\) may not {operation.value}"):
                authorize(session=session, actor="u", operation=operation)
