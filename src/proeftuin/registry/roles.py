"""Roles and the permission matrix, enforced in the Python API (the CLI and the web share it).

- admin: sets up experiments and users, imports data, unseals, purges; never sees a future
  allocation (no operation shows one).
- case-manager: own caseload only: enrol, record consent, randomize, see the arm and the rules
  that apply, record services received.
- researcher: pseudonymized data and analyses only; imports data.
- auditor: the audit log and verification.
"""

from __future__ import annotations

from enum import Enum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from proeftuin.registry.audit import Action, AuditLog
from proeftuin.registry.crud import RegistryError
from proeftuin.registry.models import Participant, User
from proeftuin.registry.schemas import UserPublic


class Role(str, Enum):
    admin = "admin"
    case_manager = "case-manager"
    researcher = "researcher"
    auditor = "auditor"


class Operation(str, Enum):
    """Everything a user can ask of the registry."""

    manage_users = "manage_users"
    create_experiment = "create_experiment"
    list_experiments = "list_experiments"
    enrol = "enrol"
    consent = "consent"
    randomize = "randomize"
    see_arm = "see_arm"
    record_service = "record_service"
    import_data = "import_data"
    export_pseudonymized = "export_pseudonymized"
    export_aggregate = "export_aggregate"
    run_analysis = "run_analysis"
    read_audit = "read_audit"
    verify = "verify"
    close = "close"
    unseal = "unseal"
    purge = "purge"


A, C, R, U = Role.admin, Role.case_manager, Role.researcher, Role.auditor
PERMISSIONS: dict[Operation, frozenset[Role]] = {
    Operation.manage_users: frozenset({A}),
    Operation.create_experiment: frozenset({A}),
    Operation.list_experiments: frozenset({A, C, R, U}),
    Operation.enrol: frozenset({A, C}),
    Operation.consent: frozenset({A, C}),
    Operation.randomize: frozenset({A, C}),
    Operation.see_arm: frozenset({A, C}),
    Operation.record_service: frozenset({A, C}),
    Operation.import_data: frozenset({A, R}),
    Operation.export_pseudonymized: frozenset({R}),
    Operation.export_aggregate: frozenset({A, R, U}),
    Operation.run_analysis: frozenset({R}),
    Operation.read_audit: frozenset({A, U}),
    Operation.verify: frozenset({A, U}),
    Operation.close: frozenset({A}),
    Operation.unseal: frozenset({A}),
    Operation.purge: frozenset({A}),
}
"""Which roles may perform each operation (the matrix the permission test walks in full)."""

CASELOAD_OPERATIONS = frozenset({Operation.enrol, Operation.consent, Operation.randomize, Operation.see_arm, Operation.record_service})
"""Operations a case manager may perform only on people of their own caseload."""


class PermissionDenied(RegistryError):
    """The acting user may not perform the operation (the message names user, role and operation)."""


def add_user(*, session: Session, actor: str | None, name: str, role: Role) -> User:
    """Add a user (recorded in the audit chain). The very first user must be an admin and needs no actor; later, an admin adds."""
    log = AuditLog(session)
    if session.scalar(select(func.count(User.id))) == 0:
        if role is not Role.admin:
            raise PermissionDenied("the first user of a registry must be an admin")
    else:
        authorize(session=session, actor=actor, operation=Operation.manage_users)
    if session.scalar(select(User.id).where(User.name == name)) is not None:
        raise RegistryError(f"user {name!r} already exists")
    user = User(name=name, role=role.value)
    session.add(user)
    session.flush()
    log.record(actor=actor or name, action=Action.add_user, subject=name, payload={"role": role.value})
    return user


def authorize(*, session: Session, actor: str | None, operation: Operation) -> User:
    """The acting user if their role allows ``operation``; :class:`PermissionDenied` otherwise."""
    if not actor:
        raise PermissionDenied(f"{operation.value} needs an acting user (--user NAME)")
    user = session.scalar(select(User).where(User.name == actor))
    if user is None:
        raise PermissionDenied(f"unknown user {actor!r}")
    if Role(user.role) not in PERMISSIONS[operation]:
        allowed = ", ".join(sorted(r.value for r in PERMISSIONS[operation]))
        raise PermissionDenied(f"user {actor!r} ({user.role}) may not {operation.value}; allowed: {allowed}")
    return user


def outside_caseload(user: User, operation: Operation, case_manager: str | None) -> bool:
    """Whether ``user`` may not perform ``operation`` on a participant of ``case_manager``'s caseload
    (a case manager acts only on their own caseload; other roles always may)."""
    return user.role == Role.case_manager.value and operation in CASELOAD_OPERATIONS and case_manager != user.name


def caseload_refusal(user: User, pseudonym: str) -> PermissionDenied:
    """The refusal of an operation on participant ``pseudonym``, outside the caseload of ``user``."""
    return PermissionDenied(f"participant {pseudonym[:12]} is not in the caseload of {user.name!r}")


def check_caseload(user: User, participant: Participant, operation: Operation) -> None:
    """A case manager acts only on their own caseload; other roles pass."""
    if outside_caseload(user, operation, participant.case_manager):
        raise caseload_refusal(user, participant.pseudonym)


def list_users(*, session: Session, actor: str) -> list[UserPublic]:
    """Every user with their role and whether they have web access (admins only)."""
    authorize(session=session, actor=actor, operation=Operation.manage_users)
    return [UserPublic(name=u.name, role=u.role, web_access=u.password_hash is not None, created_at=u.created_at)
            for u in session.scalars(select(User).order_by(User.name))]
